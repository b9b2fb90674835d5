import fc from 'fast-check';
import type { RawRequest } from '../support/raw-http';

/**
 * Hostile requests for the fuzz tier, generated from a seed. Each request carries its oracle: what
 * the contract says the answer must be. Beyond the oracle, every answer is checked for the rules of
 * contract §1 that hold for all requests (no 5xx, 4xx as problem+json, body errors name a field).
 */

/** What the contract demands of one request. */
export type Oracle =
  /** A valid write (or a read that must succeed): 2xx, and for writes the shipment is stored as sent. */
  | { kind: 'accept' }
  /** Must be refused with one of `statuses`; a 400 must name a field starting with one of `fields`. */
  | { kind: 'reject'; statuses: readonly number[]; fields?: readonly string[] }
  /**
   * The contract allows both: accepted (then stored and readable) or refused with one of `statuses`
   * (a 400 naming one of `fields`). Used where a value is valid JSON the schema may bound or not.
   */
  | { kind: 'either'; statuses: readonly number[]; fields?: readonly string[] };

export interface HostileRequest {
  request: RawRequest;
  oracle: Oracle;
  /** The shipment a write would create (unique per request unless the case says otherwise). */
  shipmentId?: string;
  version?: number;
  /** The body as the server should store it, for an exact echo check of accepted writes. */
  expectedShipment?: unknown;
  /** A regular region and depot: the shipment must be planned like any other. */
  plannable?: boolean;
}

export interface HostileCase {
  /** Family of the case, for the report: `body.weightKg`, `path.percent-encoding`, … */
  family: string;
  /** What was done, in words. */
  label: string;
  requests: HostileRequest[];
  /**
   * `concurrent`: the requests are sent at the same time (races); `sequential`: one after the
   * other; a single request either way.
   */
  mode: 'concurrent' | 'sequential';
  /** Checks across the requests of a case (idempotency races, replays). */
  group?: 'one-winner' | 'same-shipment' | 'replay';
}

export interface FuzzContext {
  apiKey: string;
  /** Prefix of every shipment id and Idempotency-Key of this run. */
  runId: string;
  /** The service clock's "now" (ms) when the run starts. */
  now: number;
  /**
   * Where requests without the valid key come from: the gateway throttles failed key checks per
   * address (then answers that address 429 whatever the key), as an attacker's would be.
   */
  attackerAddress?: string;
}

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'] as const;

/** Regions as an SCM has them: a metro area each, its depots a few kilometres apart. */
const REGIONS = {
  'eu-north': [
    { depotId: 'DEPOT-STO', lat: 59.33, lon: 18.06 },
    { depotId: 'DEPOT-STO-S', lat: 59.2, lon: 17.9 },
  ],
  'eu-west': [{ depotId: 'DEPOT-DUB', lat: 53.35, lon: -6.26 }],
  'eu-central': [
    { depotId: 'DEPOT-BER', lat: 52.52, lon: 13.4 },
    { depotId: 'DEPOT-BER-O', lat: 52.45, lon: 13.6 },
  ],
} as const;

const DAY = 86_400_000;
const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Builds JSON text with raw fragments spliced in where JSON.stringify cannot write them. */
function jsonWith(value: unknown, raw: Record<string, string>): string {
  let text = JSON.stringify(value);
  for (const [token, fragment] of Object.entries(raw)) text = text.replace(`"${token}"`, fragment);
  return text;
}

/** Sets `path` (dotted) in a deep copy of `body`; `undefined` deletes the field. */
function withField(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  const parts = path.split('.');
  let target = copy;
  for (const p of parts.slice(0, -1)) {
    if (typeof target[p] !== 'object' || target[p] === null) target[p] = {};
    target = target[p] as Record<string, unknown>;
  }
  const last = parts.at(-1) as string;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

/** Deeply nested JSON text without recursion: objects `{"a":{"a":…}}` or arrays `[[…]]`. */
export function nestedJson(depth: number, kind: 'object' | 'array', leaf = '1'): string {
  return kind === 'object'
    ? `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`
    : `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
}

/** The shipment id and version a write names (from the object, or found in its raw text). */
function idsOf(body: Record<string, unknown> | string): { shipmentId?: string; version?: number } {
  if (typeof body === 'string') {
    const id = /"shipmentId":"([A-Za-z0-9_.-]{1,64})"/.exec(body)?.[1];
    const version = /"version":(\d{1,15})[,}]/.exec(body)?.[1];
    return { ...(id ? { shipmentId: id } : {}), ...(version ? { version: Number(version) } : {}) };
  }
  return {
    ...(typeof body.shipmentId === 'string' ? { shipmentId: body.shipmentId } : {}),
    ...(typeof body.version === 'number' ? { version: body.version } : {}),
  };
}

export function hostileCases(ctx: FuzzContext, options: { count: number; seed: number }): HostileCase[] {
  let serial = 0;
  const nextId = () => `${ctx.runId}-${(serial++).toString(36)}`;
  const tomorrow = new Date(Math.floor(ctx.now / DAY) * DAY + DAY);

  const auth = (key: string | undefined = ctx.apiKey): [string, string][] =>
    key === undefined ? [] : [['x-api-key', key]];
  const jsonHeaders = (extra: [string, string][] = []): [string, string][] => [
    ...auth(),
    ['content-type', 'application/json'],
    ...extra,
  ];

  // ---- valid shipments -------------------------------------------------------------------------
  const depotArb = fc.constantFrom(
    ...Object.entries(REGIONS).flatMap(([region, depots]) => depots.map((d) => ({ region, depot: d }))),
  );
  const validArb = fc
    .record({
      at: depotArb,
      dLat: fc.double({ min: -0.2, max: 0.2, noNaN: true }),
      dLon: fc.double({ min: -0.3, max: 0.3, noNaN: true }),
      // URGENT (SAME_DAY) shipments are planned inside the call: 1 in 14 keeps the run short.
      level: fc.constantFrom(...Array(9).fill('NEXT_DAY'), ...Array(4).fill('ECONOMY'), 'SAME_DAY'),
      windowStartHour: fc.integer({ min: 6, max: 13 }),
      windowHours: fc.integer({ min: 2, max: 6 }),
      withWindow: fc.boolean(),
      weightKg: fc.double({ min: 0.1, max: 40, noNaN: true }),
      volumeM3: fc.option(fc.double({ min: 0.001, max: 0.5, noNaN: true }), { nil: undefined }),
      serviceMinutes: fc.option(fc.integer({ min: 1, max: 15 }), { nil: undefined }),
      declared: fc.option(fc.integer({ min: 1, max: 9_000 }), { nil: undefined }),
      address: fc.option(
        fc.constantFrom('Sveavägen 1', 'Main St 5, apt. 2', 'Straße 7 — Hinterhof', '東京都 1-2'),
        {
          nil: undefined,
        },
      ),
      metadata: fc.option(
        fc.dictionary(
          fc.constantFrom(
            'orderRef',
            'customer',
            'constructor',
            'toString',
            'hasOwnProperty',
            'valueOf',
            'note',
          ),
          fc.oneof(
            fc.string({ maxLength: 16 }),
            fc.integer({ min: -1e9, max: 1e9 }),
            fc.boolean(),
            fc.constant(null),
          ),
          { maxKeys: 4 },
        ),
        { nil: undefined },
      ),
    })
    .map((r) => {
      const body: Record<string, unknown> = {
        shipmentId: 'placeholder',
        version: 1,
        region: r.at.region,
        serviceLevel: r.level,
        origin: { ...r.at.depot },
        destination: {
          lat: round(r.at.depot.lat + r.dLat, 5),
          lon: round(r.at.depot.lon + r.dLon, 5),
          ...(r.address ? { address: r.address } : {}),
        },
        weightKg: round(r.weightKg, 3),
      };
      if (r.level !== 'SAME_DAY' && r.withWindow) {
        const start = tomorrow.getTime() + (r.level === 'ECONOMY' ? DAY : 0) + r.windowStartHour * 3_600_000;
        body.timeWindow = {
          start: new Date(start).toISOString().replace('.000Z', 'Z'),
          end: new Date(start + r.windowHours * 3_600_000).toISOString().replace('.000Z', 'Z'),
        };
      }
      if (r.volumeM3 !== undefined) body.volumeM3 = round(r.volumeM3, 4);
      if (r.serviceMinutes !== undefined) body.serviceMinutes = r.serviceMinutes;
      if (r.declared !== undefined) {
        body.declaredValue = r.declared;
        body.currency = 'EUR';
      }
      if (r.metadata !== undefined) body.metadata = r.metadata;
      return body;
    });
  const valid = fc.sample(validArb, { seed: options.seed, numRuns: options.count });
  let validIndex = 0;
  /** A fresh valid body with a fresh id. */
  const fresh = (): Record<string, unknown> => {
    const body = structuredClone(valid[validIndex++ % valid.length] as Record<string, unknown>);
    body.shipmentId = nextId();
    return body;
  };

  const post = (
    body: Record<string, unknown> | string | Buffer,
    oracle: Oracle,
    options: {
      headers?: [string, string][];
      expected?: unknown;
      plannable?: boolean;
      path?: string;
      method?: string;
    } = {},
  ): HostileRequest => {
    const asObject = typeof body === 'object' && !Buffer.isBuffer(body) ? body : undefined;
    const bytes = Buffer.isBuffer(body)
      ? body
      : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    return {
      request: {
        method: options.method ?? 'POST',
        path: options.path ?? '/v1/shipments',
        headers: options.headers ?? jsonHeaders(),
        body: bytes,
      },
      oracle,
      ...idsOf(asObject ?? bytes.toString('latin1')),
      ...(options.expected !== undefined ? { expectedShipment: options.expected } : {}),
      ...(options.plannable ? { plannable: true } : {}),
    };
  };
  const one = (family: string, label: string, request: HostileRequest): HostileCase => ({
    family,
    label,
    requests: [request],
    mode: 'sequential',
  });
  const reject400 = (...fields: string[]): Oracle => ({ kind: 'reject', statuses: [400], fields });
  const either400 = (...fields: string[]): Oracle => ({ kind: 'either', statuses: [400], fields });
  const accept: Oracle = { kind: 'accept' };

  // ---- families --------------------------------------------------------------------------------
  type Maker = () => HostileCase;

  const validCase: Maker = () => {
    const body = fresh();
    return one(
      'valid',
      `valid ${body.serviceLevel} in ${body.region}`,
      post(body, accept, { expected: body, plannable: true }),
    );
  };

  const validKeyed: Maker = () => {
    const body = fresh();
    const key = `${ctx.runId}-k-${serial++}`;
    const request = post(body, accept, {
      headers: jsonHeaders([['Idempotency-Key', key]]),
      expected: body,
      plannable: true,
    });
    return {
      family: 'idempotency.replay',
      label: 'the same keyed POST twice, one after the other: the second is the first answer replayed',
      requests: [request, request],
      mode: 'sequential',
      group: 'replay',
    };
  };

  const prototypeMetadata: Maker = () => {
    const body = fresh();
    body.metadata = JSON.parse(
      '{"constructor":{"prototype":{"polluted":true}},"toString":"x","hasOwnProperty":1,"valueOf":[1,2],"isPrototypeOf":null}',
    );
    return one(
      'metadata.prototype-keys',
      'prototype names as metadata keys (valid, echoed back)',
      post(body, accept, { expected: body, plannable: true }),
    );
  };

  const prototypeIds = fc.sample(
    fc.record({
      name: fc.constantFrom(...PROTOTYPE_NAMES),
      where: fc.constantFrom('region', 'origin.depotId', 'both'),
      level: fc.constantFrom('NEXT_DAY', 'SAME_DAY', 'ECONOMY'),
    }),
    { seed: options.seed + 1, numRuns: 200 },
  );
  let prototypeIndex = 0;
  const prototypeId: Maker = () => {
    const pick = prototypeIds[prototypeIndex++ % prototypeIds.length] as (typeof prototypeIds)[number];
    let body = fresh();
    body.serviceLevel = pick.level;
    if (pick.level === 'SAME_DAY') delete body.timeWindow;
    if (pick.where !== 'origin.depotId') {
      // A region named like a prototype member: one metro area, like any other region.
      body.region = pick.name;
      body.origin = { ...REGIONS['eu-north'][0] };
      body.destination = { lat: 59.36, lon: 18.1 };
    }
    if (pick.where !== 'region') body = withField(body, 'origin.depotId', pick.name);
    const fields = pick.where === 'both' ? ['region', 'origin.depotId'] : [pick.where];
    return one(
      'ids.prototype-names',
      `${pick.name} as ${pick.where === 'both' ? 'region and depot' : pick.where} (${pick.level})`,
      post(body, either400(...fields), { expected: body }),
    );
  };

  /** One field made invalid, with the field the 400 must name. */
  const INVALID_FIELDS: [string, unknown, string?][] = [
    ['shipmentId', ''],
    ['shipmentId', 'has spaces'],
    ['shipmentId', 'x'.repeat(65)],
    ['shipmentId', 'ÅÄÖ-1'],
    ['shipmentId', '../../etc/passwd'],
    ['shipmentId', '%ZZ'],
    ['shipmentId', null],
    ['shipmentId', 123],
    ['shipmentId', 'x'.repeat(100_000)],
    ['version', 0],
    ['version', -1],
    ['version', 1.5],
    ['version', '2'],
    ['version', 1e20],
    ['version', 2 ** 53],
    ['version', 'NaN'],
    ['version', null],
    ['version', true],
    ['version', 5e-324],
    ['region', ''],
    ['region', 'eu north'],
    ['region', 'x'.repeat(65)],
    ['region', 'европа'],
    ['region', null],
    ['region', {}],
    ['region', 'x'.repeat(200_000)],
    ['serviceLevel', 'TOMORROW'],
    ['serviceLevel', 'same_day'],
    ['serviceLevel', ''],
    ['serviceLevel', null],
    ['priority', 'HIGH'],
    ['priority', 'urgent'],
    ['priority', 1],
    ['origin', null],
    ['origin', []],
    ['origin', 'DEPOT-STO'],
    ['origin.lat', 91],
    ['origin.lat', -90.0001],
    ['origin.lat', 'NaN'],
    ['origin.lat', '59.33'],
    ['origin.lat', 1e200],
    ['origin.lat', null],
    ['origin.lon', 181],
    ['origin.lon', -1e200],
    ['origin.lon', 'Infinity'],
    ['origin.lon', '-Infinity'],
    ['origin.depotId', ''],
    ['origin.depotId', 'x'.repeat(65)],
    ['origin.depotId', 5],
    ['origin.depotId', 'x'.repeat(150_000)],
    ['origin.extra', 1],
    ['destination', null],
    ['destination.lat', 90.5],
    ['destination.lat', 'north'],
    ['destination.lat', 1e200],
    ['destination.lon', -180.5],
    ['destination.lon', 'NaN'],
    ['destination.address', 'x'.repeat(513)],
    ['destination.address', 'y'.repeat(200_000)],
    ['destination.address', 42],
    ['destination.extra', 'x'],
    ['timeWindow', 'tomorrow'],
    ['timeWindow.start', 'tomorrow morning'],
    ['timeWindow.start', '2026-13-45T00:00:00Z'],
    ['timeWindow.start', 1_800_000_000],
    ['timeWindow.end', '', 'timeWindow'],
    ['serviceMinutes', -5],
    ['serviceMinutes', 1441],
    ['serviceMinutes', 'five'],
    ['serviceMinutes', 1e200],
    ['weightKg', 0],
    ['weightKg', -3],
    ['weightKg', 100_001],
    ['weightKg', 1e200],
    ['weightKg', 'NaN'],
    ['weightKg', 'Infinity'],
    ['weightKg', '12.5'],
    ['weightKg', null],
    ['weightKg', []],
    ['volumeM3', 0],
    ['volumeM3', -1],
    ['volumeM3', 1001],
    ['volumeM3', 'x'],
    ['declaredValue', -1],
    ['declaredValue', 1e13],
    ['declaredValue', 'lots'],
    ['currency', 'eur'],
    ['currency', 'EURO'],
    ['extra', true],
    ['metadata', []],
    ['metadata', 'opaque'],
    ['metadata', 5],
    ['metadata', null],
    ['metadata', { big: 'x'.repeat(5000) }],
    ['metadata', { ['k'.repeat(5000)]: 1 }],
  ];
  const REQUIRED = ['shipmentId', 'version', 'region', 'serviceLevel', 'origin', 'destination', 'weightKg'];
  let invalidIndex = 0;
  const invalidField: Maker = () => {
    const [path, value, named] = INVALID_FIELDS[
      invalidIndex++ % INVALID_FIELDS.length
    ] as (typeof INVALID_FIELDS)[number];
    let body = fresh();
    if (path === 'currency' || path === 'declaredValue') body.currency = 'EUR';
    if (path === 'declaredValue' || path === 'currency') body.declaredValue ??= 100;
    if (path.startsWith('timeWindow.'))
      body.timeWindow ??= {
        start: `${tomorrow.toISOString().slice(0, 10)}T08:00:00Z`,
        end: `${tomorrow.toISOString().slice(0, 10)}T12:00:00Z`,
      };
    body = withField(body, path, value);
    const shown =
      typeof value === 'string' && value.length > 40 ? `${value.length} characters` : JSON.stringify(value);
    const family = `body.${path.split('.')[0]}`;
    const r = post(body, reject400(named ?? path), {});
    if (path === 'shipmentId') delete r.shipmentId;
    return one(family, `${path} = ${shown}`, r);
  };
  let missingIndex = 0;
  const missingField: Maker = () => {
    const path = REQUIRED[missingIndex++ % REQUIRED.length] as string;
    const body = withField(fresh(), path, undefined);
    const r = post(body, reject400(path));
    if (path === 'shipmentId') delete r.shipmentId;
    return one('body.missing', `without ${path}`, r);
  };
  const declaredWithoutCurrency: Maker = () => {
    const body = fresh();
    body.declaredValue = 500;
    delete body.currency;
    return one('body.currency', 'declaredValue without currency', post(body, reject400('currency')));
  };

  /** Numbers JSON can carry that a store may not (contract: bound them or store them, never 5xx). */
  const TINY: [string, string][] = [
    ['weightKg', '5e-324'],
    ['weightKg', '1e-200'],
    ['volumeM3', '5e-324'],
    ['origin.lat', '1e-200'],
    ['origin.lon', '-5e-324'],
    ['destination.lat', '1e-200'],
    ['destination.lon', '1e-300'],
    ['serviceMinutes', '1e-200'],
    ['declaredValue', '5e-324'],
    ['weightKg', '12.500000000000000000000000000000000000000001'],
    ['origin.lat', '-0'],
  ];
  let tinyIndex = 0;
  const tinyNumber: Maker = () => {
    const [path, text] = TINY[tinyIndex++ % TINY.length] as [string, string];
    let body = fresh();
    if (path === 'declaredValue') body.currency = 'EUR';
    body = withField(body, path, '@@NUM@@');
    return one(
      `number.${path}`,
      `${path} = ${text}`,
      // A depot or destination moved to about 0°: the destination may also be beyond the radius.
      post(
        jsonWith(body, { '@@NUM@@': text }),
        /lat|lon/.test(path) ? either400(path, 'destination') : either400(path),
      ),
    );
  };
  const NUMBER_LITERALS: [string, string][] = [
    ['weightKg', '1e999'],
    ['origin.lat', '-1e999'],
    ['version', '1e999'],
    ['version', '123456789012345678901234567890'],
    ['weightKg', '-0'],
  ];
  let literalIndex = 0;
  const numberLiteral: Maker = () => {
    const [path, text] = NUMBER_LITERALS[literalIndex++ % NUMBER_LITERALS.length] as [string, string];
    const body = withField(fresh(), path, '@@NUM@@');
    return one(
      `number.${path}`,
      `${path} = ${text} (as JSON text)`,
      post(jsonWith(body, { '@@NUM@@': text }), reject400(path)),
    );
  };

  const METADATA_NUMBERS = [
    '1e200',
    '5e-324',
    '1e-200',
    '-1e130',
    '9.9999999999999999999999999999999999999e125',
    '123456789012345678901234567890123456789012',
  ];
  let metadataNumberIndex = 0;
  const metadataNumber: Maker = () => {
    const text = METADATA_NUMBERS[metadataNumberIndex++ % METADATA_NUMBERS.length] as string;
    const body = fresh();
    body.metadata = { n: '@@NUM@@', nested: { m: '@@NUM2@@' } };
    return one(
      'metadata.numbers',
      `metadata numbers ${text}`,
      post(jsonWith(body, { '@@NUM@@': text, '@@NUM2@@': text }), either400('metadata')),
    );
  };

  const DEPTHS: [number, 'object' | 'array', 'reject' | 'either'][] = [
    [1_500, 'object', 'reject'],
    [10_000, 'object', 'reject'],
    [1_500, 'array', 'either'],
    [10_000, 'array', 'reject'],
    [40, 'object', 'either'],
    [33, 'array', 'either'],
  ];
  let depthIndex = 0;
  const metadataDepth: Maker = () => {
    const [depth, kind, expect] = DEPTHS[depthIndex++ % DEPTHS.length] as (typeof DEPTHS)[number];
    const body = fresh();
    body.metadata = { deep: '@@DEEP@@' };
    const text = jsonWith(body, { '@@DEEP@@': nestedJson(depth, kind) });
    const oracle = expect === 'reject' ? reject400('metadata') : either400('metadata');
    return one(
      `metadata.depth-${depth}`,
      `metadata nested ${depth} levels (${kind}s, ${text.length} bytes)`,
      post(text, oracle),
    );
  };
  const deepElsewhere: Maker = () => {
    const body = withField(fresh(), 'origin.lat', '@@DEEP@@');
    return one(
      'body.deep-field',
      'origin.lat nested 10,000 arrays deep',
      post(jsonWith(body, { '@@DEEP@@': nestedJson(10_000, 'array') }), reject400('origin.lat')),
    );
  };
  const protoInMetadata: Maker = () => {
    const body = fresh();
    body.metadata = JSON.parse('{"a":{"__proto__":{"isAdmin":true}}}');
    return one('metadata.__proto__', '__proto__ key inside metadata', post(body, reject400('metadata')));
  };
  const protoTopLevel: Maker = () => {
    const name = ['__proto__', 'constructor', 'toString'][serial % 3] as string;
    const text = JSON.stringify(fresh()).replace(/^\{/, `{"${name}":{"polluted":true},`);
    return one('body.prototype-key', `${name} as a top-level field`, post(text, reject400(name, '')));
  };

  const SYNTAX = [
    '{',
    '{"shipmentId":',
    'NaN',
    '{"weightKg": NaN}',
    "{'shipmentId':'x'}",
    '{"a":1,}',
    '\u0000',
    'null',
    '[]',
    '"shipment"',
    '123',
    'true',
    '{"a":1}{"b":2}',
    ' ',
    nestedJson(50_000, 'array'),
  ];
  let syntaxIndex = 0;
  const syntax: Maker = () => {
    const text = SYNTAX[syntaxIndex++ % SYNTAX.length] as string;
    const shown = text.length > 30 ? `${text.length} bytes of nested arrays` : JSON.stringify(text);
    return one('body.not-a-shipment', `body ${shown}`, post(text, reject400('')));
  };
  const bom: Maker = () => {
    const body = fresh();
    return one(
      'body.bom',
      'a byte-order mark before the JSON',
      post(`\uFEFF${JSON.stringify(body)}`, either400('')),
    );
  };
  const emptyBody: Maker = () =>
    one('body.empty', 'POST without a body', {
      request: { method: 'POST', path: '/v1/shipments', headers: jsonHeaders() },
      oracle: reject400(''),
    });

  const UTF8: { where: string; bytes: number[]; oracle: 'reject' | 'either'; name: string }[] = [
    { where: 'region', bytes: [0xff, 0xfe], oracle: 'reject', name: 'bytes FF FE' },
    { where: 'shipmentId', bytes: [0xc0, 0xae, 0xc0, 0xae], oracle: 'reject', name: 'overlong C0 AE C0 AE' },
    { where: 'destination.address', bytes: [0xe0, 0xa4], oracle: 'either', name: 'truncated E0 A4' },
    {
      where: 'destination.address',
      bytes: [0xed, 0xa0, 0x80],
      oracle: 'either',
      name: 'encoded surrogate ED A0 80',
    },
    {
      where: 'metadata.note',
      bytes: [0xf8, 0x88, 0x80, 0x80, 0x80],
      oracle: 'either',
      name: '5-byte sequence F8',
    },
    { where: 'origin.depotId', bytes: [0x80], oracle: 'either', name: 'lone continuation byte 80' },
  ];
  let utf8Index = 0;
  const invalidUtf8: Maker = () => {
    const u = UTF8[utf8Index++ % UTF8.length] as (typeof UTF8)[number];
    const body = withField(fresh(), u.where, 'X@@BYTES@@X');
    const [before, after] = JSON.stringify(body).split('@@BYTES@@') as [string, string];
    const bytes = Buffer.concat([Buffer.from(before), Buffer.from(u.bytes), Buffer.from(after)]);
    const fields = [u.where.startsWith('metadata') ? 'metadata' : u.where, ''];
    const r = post(bytes, u.oracle === 'reject' ? reject400(...fields) : either400(...fields));
    if (u.where === 'shipmentId') delete r.shipmentId;
    return one('body.invalid-utf8', `invalid UTF-8 (${u.name}) in ${u.where}`, r);
  };
  const loneSurrogate: Maker = () => {
    const body = fresh();
    const text = JSON.stringify({
      ...body,
      destination: { ...(body.destination as object), address: 'X@@S@@' },
    }).replace('@@S@@', '\\ud800');
    return one(
      'body.lone-surrogate',
      'a lone surrogate \\ud800 in the address',
      post(text, either400('destination.address', '')),
    );
  };

  const oversized: Maker = () => {
    const body = fresh();
    (body.destination as Record<string, unknown>).address = 'z'.repeat(300 * 1024);
    return one('body.oversized', 'a 300 KiB body', post(body, { kind: 'reject', statuses: [413] }));
  };
  const hugeBody = (): HostileCase => {
    const body = fresh();
    (body.destination as Record<string, unknown>).address = 'z'.repeat(11 * 1024 * 1024);
    return one('body.oversized-gateway', 'an 11 MB body', post(body, { kind: 'reject', statuses: [413] }));
  };

  const CONTENT_TYPES: { lines: string[]; oracle: Oracle; name: string }[] = [
    { lines: [], oracle: { kind: 'reject', statuses: [415] }, name: 'no Content-Type' },
    { lines: ['text/plain'], oracle: { kind: 'reject', statuses: [415] }, name: 'text/plain' },
    {
      lines: ['application/x-www-form-urlencoded'],
      oracle: { kind: 'reject', statuses: [415] },
      name: 'form',
    },
    { lines: ['application/jsonx'], oracle: { kind: 'reject', statuses: [415] }, name: 'application/jsonx' },
    { lines: ['json'], oracle: { kind: 'reject', statuses: [415] }, name: 'json' },
    { lines: [''], oracle: { kind: 'reject', statuses: [415] }, name: 'empty Content-Type' },
    { lines: ['application/json; charset=utf-8'], oracle: accept, name: 'with charset' },
    { lines: ['APPLICATION/JSON'], oracle: accept, name: 'upper case' },
    {
      lines: ['application/json, text/plain'],
      oracle: { kind: 'reject', statuses: [400, 415] },
      name: 'two types on one line',
    },
    {
      lines: ['application/json', 'text/plain'],
      oracle: { kind: 'reject', statuses: [400, 415] },
      name: 'two lines: json then text/plain',
    },
    {
      lines: ['text/plain', 'application/json'],
      oracle: { kind: 'reject', statuses: [400, 415] },
      name: 'two lines: text/plain then json',
    },
    {
      lines: ['application/json', 'application/json'],
      oracle: { kind: 'either', statuses: [400, 415] },
      name: 'two identical lines',
    },
    {
      lines: ['application/json; charset=latin1'],
      oracle: { kind: 'either', statuses: [400, 415] },
      name: 'charset=latin1',
    },
  ];
  let contentTypeIndex = 0;
  const contentType: Maker = () => {
    const ct = CONTENT_TYPES[contentTypeIndex++ % CONTENT_TYPES.length] as (typeof CONTENT_TYPES)[number];
    const body = fresh();
    const headers: [string, string][] = [
      ...auth(),
      ...ct.lines.map((l): [string, string] => ['Content-Type', l]),
    ];
    return one(
      'header.content-type',
      ct.name,
      post(body, ct.oracle, { headers, expected: body, plannable: ct.oracle.kind === 'accept' }),
    );
  };

  const AUTH_STATUSES = [401, 403, 429];
  const KEYS: { key: [string, string][]; name: string; oracle: Oracle }[] = [
    { key: [], name: 'no x-api-key', oracle: { kind: 'reject', statuses: AUTH_STATUSES } },
    {
      key: [['x-api-key', '']],
      name: 'empty x-api-key',
      oracle: { kind: 'reject', statuses: AUTH_STATUSES },
    },
    {
      key: [['x-api-key', 'local_guess']],
      name: 'a guessed key',
      oracle: { kind: 'reject', statuses: AUTH_STATUSES },
    },
    {
      key: [['x-api-key', ctx.apiKey.toUpperCase()]],
      name: 'the key in upper case',
      oracle: { kind: 'reject', statuses: AUTH_STATUSES },
    },
    {
      key: [['x-api-key', `${ctx.apiKey} `]],
      name: 'the key with a trailing space',
      oracle: { kind: 'either', statuses: AUTH_STATUSES },
    },
    {
      key: [['x-api-key', ctx.apiKey.slice(0, -1)]],
      name: 'the key without its last character',
      oracle: { kind: 'reject', statuses: AUTH_STATUSES },
    },
    {
      key: [['x-api-key', 'k'.repeat(8000)]],
      name: 'an 8,000-character key',
      oracle: { kind: 'reject', statuses: AUTH_STATUSES },
    },
    {
      key: [
        ['x-api-key', ctx.apiKey],
        ['x-api-key', ctx.apiKey],
      ],
      name: 'the key twice',
      oracle: { kind: 'either', statuses: AUTH_STATUSES },
    },
    { key: [['X-API-KEY', ctx.apiKey]], name: 'the header name in upper case', oracle: accept },
    {
      key: [['authorization', `Bearer ${ctx.apiKey}`]],
      name: 'the key as a bearer token',
      oracle: { kind: 'reject', statuses: AUTH_STATUSES },
    },
  ];
  let keyIndex = 0;
  const apiKey: Maker = () => {
    const k = KEYS[keyIndex++ % KEYS.length] as (typeof KEYS)[number];
    const body = fresh();
    const headers: [string, string][] = [...k.key, ['content-type', 'application/json']];
    return one(
      'header.api-key',
      k.name,
      post(body, k.oracle, { headers, expected: body, plannable: k.oracle.kind === 'accept' }),
    );
  };

  const otherHeaders: Maker = () => {
    const body = fresh();
    const variants: { extra: [string, string][]; name: string; oracle: Oracle }[] = [
      {
        extra: [['Idempotency-Key', 'i'.repeat(256)]],
        name: 'a 256-character Idempotency-Key',
        oracle: reject400('Idempotency-Key'),
      },
      {
        extra: [['Idempotency-Key', '']],
        name: 'an empty Idempotency-Key',
        oracle: { kind: 'either', statuses: [400], fields: ['Idempotency-Key'] },
      },
      {
        extra: [['X-Correlation-Id', 'c'.repeat(2000)]],
        name: 'a 2,000-character correlation id',
        oracle: accept,
      },
      {
        extra: [['X-Correlation-Id', '<script>alert(1)</script>']],
        name: 'markup as correlation id',
        oracle: accept,
      },
      {
        extra: [
          ['X-Correlation-Id', 'a'],
          ['X-Correlation-Id', 'b'],
        ],
        name: 'two correlation ids',
        oracle: accept,
      },
      {
        extra: Array.from({ length: 80 }, (_, i): [string, string] => [`x-noise-${i}`, 'n'.repeat(50)]),
        name: '80 extra headers',
        oracle: accept,
      },
      { extra: [['Transfer-Encoding', 'chunked']], name: 'a chunked body', oracle: accept },
    ];
    const v = variants[serial % variants.length] as (typeof variants)[number];
    const headers = jsonHeaders(v.extra);
    return one(
      'header.other',
      v.name,
      post(body, v.oracle, { headers, expected: body, plannable: v.oracle.kind === 'accept' }),
    );
  };

  const BAD_SEGMENTS = [
    '%ZZ',
    '%E0%A4%A',
    '%C0%AE%C0%AE',
    '%',
    '%%',
    '%2',
    '%00',
    '%FF',
    '%ED%A0%80',
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e',
    'A'.repeat(5000),
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    '%F0%9F%98%80',
    'x%20y',
  ];
  const PATH_TEMPLATES: { method: string; path: (s: string) => string; body?: boolean }[] = [
    { method: 'GET', path: (s) => `/v1/shipments/${s}` },
    { method: 'GET', path: (s) => `/v1/shipments/${s}/events` },
    { method: 'GET', path: (s) => `/v1/routes/${s}` },
    { method: 'PUT', path: (s) => `/v1/shipments/${s}`, body: true },
    { method: 'POST', path: (s) => `/v1/shipments/${s}/cancel` },
  ];
  const pathCaseArb = fc.record({
    segment: fc.constantFrom(...BAD_SEGMENTS),
    template: fc.constantFrom(...PATH_TEMPLATES),
    key: fc.constantFrom('valid', 'valid', 'missing', 'wrong'),
  });
  const pathCases = fc.sample(pathCaseArb, { seed: options.seed + 2, numRuns: 500 });
  let pathIndex = 0;
  const badPath: Maker = () => {
    const p = pathCases[pathIndex++ % pathCases.length] as (typeof pathCases)[number];
    const headers: [string, string][] = [
      ...(p.key === 'valid' ? auth() : p.key === 'wrong' ? auth('local_wrong') : []),
      ['content-type', 'application/json'],
    ];
    const body = p.template.body ? fresh() : undefined;
    const oracle: Oracle =
      p.key === 'missing' || p.key === 'wrong'
        ? // Dot segments are resolved before routing: `/v1/routes/%2e%2e` is `/v1/`, no route at all.
          { kind: 'reject', statuses: /2e|2F/i.test(p.segment) ? [...AUTH_STATUSES, 404] : AUTH_STATUSES }
        : { kind: 'reject', statuses: [400, 404, 409] };
    const shown = p.segment.length > 40 ? `${p.segment.length} characters` : p.segment;
    return one('path.hostile-segment', `${p.template.method} ${p.template.path(shown)} (${p.key} key)`, {
      request: {
        method: p.template.method,
        path: p.template.path(p.segment),
        headers,
        ...(body ? { body: Buffer.from(JSON.stringify(body)) } : {}),
      },
      oracle,
    });
  };

  const ODD_PATHS = [
    '/v1/shipments/',
    '/v1//shipments',
    '/V1/SHIPMENTS',
    '/v2/shipments',
    '/',
    '/health/%ZZ',
    '/openapi.json%ZZ',
    '/v1/shipments?%ZZ=1',
    '/v1/shipments/x?y=%E0%A4%A',
    '/v1/shipments/x/events/extra',
    '/v1/%',
    '/%ZZ',
    '/v1/shipments/x#frag',
  ];
  let oddIndex = 0;
  const oddPath: Maker = () => {
    const path = ODD_PATHS[oddIndex++ % ODD_PATHS.length] as string;
    const keyed = oddIndex % 2 === 0;
    return one('path.unknown', `GET ${path} (${keyed ? 'valid' : 'no'} key)`, {
      request: { method: 'GET', path, headers: keyed ? auth() : [] },
      oracle: { kind: 'reject', statuses: [400, 401, 403, 404, 405] },
    });
  };

  const METHODS: { method: string; path: string; key: boolean; oracle: Oracle; body?: boolean }[] = [
    {
      method: 'DELETE',
      path: '/v1/shipments',
      key: true,
      oracle: { kind: 'reject', statuses: [403, 404, 405] },
    },
    {
      method: 'PATCH',
      path: '/v1/shipments/SHP-1',
      key: true,
      oracle: { kind: 'reject', statuses: [403, 404, 405] },
      body: true,
    },
    // The listing (GET /v1/shipments) with hostile queries: 200 or 400 naming the parameter.
    { method: 'GET', path: '/v1/shipments?status=QUEUED', key: true, oracle: accept },
    { method: 'GET', path: '/v1/shipments', key: true, oracle: { kind: 'either', statuses: [400] } },
    {
      method: 'GET',
      path: '/v1/shipments?status=%ZZ&region=constructor&limit=-1',
      key: true,
      oracle: { kind: 'either', statuses: [400] },
    },
    {
      method: 'GET',
      path: '/v1/shipments?region=__proto__&cursor=%E0%A4%A',
      key: true,
      oracle: { kind: 'either', statuses: [400] },
    },
    {
      method: 'GET',
      path: '/v1/shipments?status=QUEUED&limit=100000&updatedSince=year-9999',
      key: true,
      oracle: { kind: 'either', statuses: [400] },
    },
    {
      method: 'PUT',
      path: '/v1/shipments',
      key: true,
      oracle: { kind: 'reject', statuses: [403, 404, 405] },
      body: true,
    },
    {
      method: 'DELETE',
      path: '/v1/shipments/SHP-1',
      key: false,
      oracle: { kind: 'reject', statuses: [401, 403, 404, 405] },
    },
    {
      method: 'OPTIONS',
      path: '/v1/shipments',
      key: true,
      oracle: { kind: 'reject', statuses: [403, 404, 405] },
    },
    {
      method: 'HEAD',
      path: '/v1/shipments/SHP-1/events',
      key: true,
      oracle: { kind: 'reject', statuses: [403, 404, 405] },
    },
    { method: 'POST', path: '/health', key: false, oracle: { kind: 'reject', statuses: [403, 404, 405] } },
    {
      method: 'PUT',
      path: '/v1/routes/R-1',
      key: true,
      oracle: { kind: 'reject', statuses: [403, 404, 405] },
      body: true,
    },
    {
      method: 'GET',
      path: '/v1/shipments/SHP-1/cancel',
      key: true,
      oracle: { kind: 'reject', statuses: [403, 404, 405] },
    },
    {
      method: 'POST',
      path: '/v1/shipments/SHP-1/events',
      key: true,
      oracle: { kind: 'reject', statuses: [403, 404, 405] },
      body: true,
    },
    { method: 'GET', path: '/health', key: false, oracle: accept },
  ];
  let methodIndex = 0;
  const wrongMethod: Maker = () => {
    const m = METHODS[methodIndex++ % METHODS.length] as (typeof METHODS)[number];
    return one('method.wrong', `${m.method} ${m.path}`, {
      request: {
        method: m.method,
        path: m.path,
        headers: [
          ...(m.key ? auth() : []),
          ...(m.body ? [['content-type', 'application/json'] as [string, string]] : []),
        ],
        ...(m.body ? { body: Buffer.from(JSON.stringify(fresh())) } : {}),
      },
      oracle: m.oracle,
    });
  };

  const unknownReads: Maker = () => {
    const id = nextId();
    const paths = [`/v1/shipments/${id}`, `/v1/shipments/${id}/events`, `/v1/routes/${id}`];
    return one('read.unknown', 'GET of an id never stored', {
      request: { method: 'GET', path: paths[serial % 3] as string, headers: auth() },
      oracle: { kind: 'reject', statuses: [404] },
    });
  };

  const CANCEL_BODIES: [unknown, string | undefined][] = [
    [{ reason: 'r'.repeat(513) }, 'reason'],
    [{ version: 'one' }, 'version'],
    [{ version: 0 }, 'version'],
    [{ extra: 1 }, 'extra'],
    [[], ''],
    [{ reason: 'customer asked' }, undefined],
  ];
  let cancelIndex = 0;
  const cancelHostile: Maker = () => {
    const [body, field] = CANCEL_BODIES[
      cancelIndex++ % CANCEL_BODIES.length
    ] as (typeof CANCEL_BODIES)[number];
    return one('cancel.hostile', `cancel of an unknown shipment with ${JSON.stringify(body).slice(0, 40)}`, {
      request: {
        method: 'POST',
        path: `/v1/shipments/${nextId()}/cancel`,
        headers: jsonHeaders(),
        body: Buffer.from(JSON.stringify(body)),
      },
      oracle: field === undefined ? { kind: 'reject', statuses: [404] } : reject400(field),
    });
  };
  const replaceMismatch: Maker = () => {
    const body = fresh();
    const r = post(
      body,
      { kind: 'reject', statuses: [400, 404], fields: ['shipmentId'] },
      { method: 'PUT', path: `/v1/shipments/${nextId()}` },
    );
    return one('replace.mismatch', 'PUT whose body names another shipment than the path', r);
  };
  const replaceUnknown: Maker = () => {
    const body = fresh();
    body.version = 2;
    const r = post(
      body,
      { kind: 'reject', statuses: [404] },
      { method: 'PUT', path: `/v1/shipments/${body.shipmentId}` },
    );
    return one('replace.unknown', 'PUT of a shipment never created', r);
  };

  const ABSURD_DATES: [string, string, string][] = [
    ['1970-01-01T08:00:00Z', '1970-01-01T12:00:00Z', 'in 1970'],
    ['0001-01-01T08:00:00Z', '0001-01-01T12:00:00Z', 'in year 1'],
    ['9999-12-31T08:00:00Z', '9999-12-31T12:00:00Z', 'in 9999'],
    ['2000-02-29T08:00:00Z', '2000-02-29T09:00:00Z', 'in 2000'],
    [
      new Date(ctx.now + 60 * DAY).toISOString(),
      new Date(ctx.now + 60 * DAY + 3_600_000).toISOString(),
      '60 days ahead',
    ],
  ];
  let dateIndex = 0;
  const absurdDate: Maker = () => {
    const [start, end, name] = ABSURD_DATES[
      dateIndex++ % ABSURD_DATES.length
    ] as (typeof ABSURD_DATES)[number];
    const body = fresh();
    body.serviceLevel = 'NEXT_DAY';
    body.timeWindow = { start, end };
    return one('date.absurd', `time window ${name}`, post(body, reject400('timeWindow')));
  };
  const FAR: [number, number, string][] = [
    [-33.87, 151.21, 'Sydney'],
    [-59.33, -161.94, 'the antipode'],
    [40.71, -74.0, 'New York'],
    [0, 0, 'Null Island'],
  ];
  let farIndex = 0;
  const farDestination: Maker = () => {
    const [lat, lon, name] = FAR[farIndex++ % FAR.length] as (typeof FAR)[number];
    const body = fresh();
    body.region = 'eu-north';
    body.origin = { depotId: 'DEPOT-STO', lat: 59.33, lon: 18.06 };
    body.destination = { lat, lon };
    return one(
      'destination.far',
      `destination in ${name} from a Stockholm depot`,
      post(body, reject400('destination')),
    );
  };

  const raceDifferentBodies: Maker = () => {
    const key = `${ctx.runId}-race-${serial++}`;
    const sameShipment = serial % 2 === 0;
    const first = fresh();
    const bodies = [
      first,
      ...Array.from({ length: 2 + (serial % 3) }, (_, i) => {
        const other = sameShipment ? structuredClone(first) : fresh();
        other.weightKg = round(((first.weightKg as number) + i + 1) % 40 || 1, 3);
        return other;
      }),
    ];
    const idem: Oracle = { kind: 'either', statuses: [409, 422] };
    return {
      family: 'idempotency.race',
      label: `one Idempotency-Key, ${bodies.length} different bodies at once (${sameShipment ? 'same shipment' : 'different shipments'})`,
      requests: bodies.map((b) => post(b, idem, { headers: jsonHeaders([['Idempotency-Key', key]]) })),
      mode: 'concurrent',
      group: 'one-winner',
    };
  };
  const raceSameBody: Maker = () => {
    const key = `${ctx.runId}-same-${serial++}`;
    const body = fresh();
    const request = post(
      body,
      { kind: 'either', statuses: [409] },
      { headers: jsonHeaders([['Idempotency-Key', key]]), expected: body, plannable: true },
    );
    return {
      family: 'idempotency.same-body',
      label: 'one Idempotency-Key, the same body 4 times at once',
      requests: [request, request, request, request],
      mode: 'concurrent',
      group: 'same-shipment',
    };
  };
  const duplicateUnkeyed: Maker = () => {
    const body = fresh();
    const request = post(body, accept, { expected: body, plannable: true });
    return {
      family: 'duplicate.same-version',
      label: 'the same body and version 3 times at once, no key (an identical replay is not a conflict)',
      requests: [request, request, request],
      mode: 'concurrent',
      group: 'same-shipment',
    };
  };

  // Weighted mix; every family listed in issue 8 is present.
  const weighted: [number, Maker][] = [
    [5, validCase],
    [1, validKeyed],
    [1, prototypeMetadata],
    [3, prototypeId],
    [26, invalidField],
    [3, missingField],
    [1, declaredWithoutCurrency],
    [4, tinyNumber],
    [2, numberLiteral],
    [3, metadataNumber],
    [3, metadataDepth],
    [1, deepElsewhere],
    [1, protoInMetadata],
    [1, protoTopLevel],
    [3, syntax],
    [1, bom],
    [1, emptyBody],
    [3, invalidUtf8],
    [1, loneSurrogate],
    [1, oversized],
    [4, contentType],
    [5, apiKey],
    [2, otherHeaders],
    [9, badPath],
    [2, oddPath],
    [3, wrongMethod],
    [1, unknownReads],
    [1, cancelHostile],
    [1, replaceMismatch],
    [1, replaceUnknown],
    [2, absurdDate],
    [2, farDestination],
    [2, raceDifferentBodies],
    [1, raceSameBody],
    [1, duplicateUnkeyed],
  ];
  const picks = fc.sample(fc.integer({ min: 0, max: weighted.reduce((s, [w]) => s + w, 0) - 1 }), {
    seed: options.seed + 3,
    numRuns: options.count,
  });
  const cases: HostileCase[] = [hugeBody(), hugeBody()];
  let requests = cases.length;
  for (const pick of picks) {
    if (requests >= options.count) break;
    const maker = pickWeighted(weighted, pick);
    const made = maker();
    cases.push(made);
    requests += made.requests.length;
  }
  if (ctx.attackerAddress) {
    for (const kase of cases)
      for (const r of kase.requests)
        if (!carriesTheKey(r.request, ctx.apiKey)) r.request.from = ctx.attackerAddress;
  }
  return cases;
}

/** Whether a request has exactly one x-api-key line, with the valid key. */
function carriesTheKey(request: RawRequest, apiKey: string): boolean {
  const keys = request.headers.filter(([name]) => name.toLowerCase() === 'x-api-key');
  return keys.length === 1 && keys[0]?.[1] === apiKey;
}

/** The entry whose cumulative weight first exceeds `pick` (0 ≤ pick < total weight). */
function pickWeighted<T>(weighted: readonly [number, T][], pick: number): T {
  let rest = pick;
  for (const [weight, value] of weighted) {
    if (rest < weight) return value;
    rest -= weight;
  }
  return (weighted[0] as [number, T])[1];
}

/** Total requests in a list of cases. */
export const requestCount = (cases: readonly HostileCase[]) =>
  cases.reduce((n, c) => n + c.requests.length, 0);
