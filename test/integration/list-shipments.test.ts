import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors';
import { listShipments } from '../../shared/domain/use-cases/list-shipments';
import { commit, submitShipment } from '../../shared/domain/use-cases/shipments';
import { ListShipmentsQuery } from '../../shared/schemas/listing';
import type { ShipmentBody } from '../../shared/schemas/shipment';
import type { ShipmentState } from '../../shared/schemas/state';
import { testDeps } from '../support/deps';
import { dynamoOnLoopback } from '../support/dynamo';

let dynamo: Awaited<ReturnType<typeof dynamoOnLoopback>>;
let deps: ReturnType<typeof testDeps>['deps'];
let clock: ReturnType<typeof testDeps>['clock'];
const sent: string[] = [];

const DEPOTS = {
  'list-north': { depotId: 'STO-1', lat: 59.33, lon: 18.06 },
  'list-west': { depotId: 'GOT-1', lat: 57.7, lon: 11.97 },
} as const;

function body(id: string, region: keyof typeof DEPOTS): ShipmentBody {
  const depot = DEPOTS[region];
  return {
    shipmentId: id,
    version: 1,
    region,
    serviceLevel: 'NEXT_DAY',
    origin: depot,
    destination: { lat: depot.lat + 0.05, lon: depot.lon + 0.04 },
    weightKg: 7.5,
  };
}

async function submit(id: string, region: keyof typeof DEPOTS): Promise<ShipmentState> {
  const { state } = await submitShipment(
    { body: body(id, region), correlationId: `c-${id}`, mode: 'create' },
    deps,
  );
  await clock.advance(1_000);
  return state;
}

async function all(query: Parameters<typeof listShipments>[0]): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const page = await listShipments({ ...query, ...(cursor ? { cursor } : {}) }, deps);
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.items.map((s) => s.shipmentId));
    cursor = page.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error('too many pages');
}

beforeAll(async () => {
  dynamo = await dynamoOnLoopback();
  // Every command the store sends, by name (the document client shares this middleware stack).
  dynamo.client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  ({ deps, clock } = testDeps(dynamo.client));
  for (let i = 0; i < 7; i++) await submit(`LN-${i}`, 'list-north');
  for (let i = 0; i < 4; i++) await submit(`LW-${i}`, 'list-west');
  // Two of the north ones move on to OPTIMIZING.
  for (const id of ['LN-2', 'LN-5']) {
    const s = (await deps.store.get(id)) as ShipmentState;
    await commit(deps, s, {
      type: 'shipment.optimizing',
      status: 'OPTIMIZING',
      version: 1,
      correlationId: 'c',
      patch: {},
    });
    await clock.advance(1_000);
  }
});
afterAll(async () => {
  await dynamo.close();
});

describe('GET /v1/shipments: listing by index with a cursor', () => {
  it('pages through a status, each shipment once, oldest change first, by Query only', async () => {
    sent.length = 0;
    const queued = await all({ status: 'QUEUED', limit: 2 });
    expect(queued.filter((id) => id.startsWith('LN-') || id.startsWith('LW-')).sort()).toEqual(
      ['LN-0', 'LN-1', 'LN-3', 'LN-4', 'LN-6', 'LW-0', 'LW-1', 'LW-2', 'LW-3'].sort(),
    );
    expect(new Set(queued).size).toBe(queued.length);
    expect(queued.slice(0, 2)).toEqual(['LN-0', 'LN-1']);
    expect(await all({ status: 'OPTIMIZING', limit: 10 })).toEqual(['LN-2', 'LN-5']);
    expect(sent.filter((c) => c === 'ScanCommand')).toEqual([]);
    expect(sent.filter((c) => c === 'QueryCommand').length).toBeGreaterThan(0);
  });

  it('by region, by status within a region, and changed since a time', async () => {
    expect(await all({ region: 'list-west', limit: 3 })).toEqual(['LW-0', 'LW-1', 'LW-2', 'LW-3']);
    expect(await all({ status: 'QUEUED', region: 'list-north', limit: 2 })).toEqual([
      'LN-0',
      'LN-1',
      'LN-3',
      'LN-4',
      'LN-6',
    ]);
    const lw2 = (await deps.store.get('LW-2')) as ShipmentState;
    expect(await all({ region: 'list-west', updatedSince: lw2.updatedAt, limit: 10 })).toEqual([
      'LW-2',
      'LW-3',
    ]);
  });

  it('narrows by service date', async () => {
    const serviceDate = ((await deps.store.get('LW-0')) as ShipmentState).serviceDate;
    expect(serviceDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await all({ region: 'list-west', serviceDate: serviceDate as string, limit: 2 })).toHaveLength(4);
    expect(await all({ region: 'list-west', serviceDate: '2031-01-01', limit: 2 })).toEqual([]);
  });

  it('refuses a forged cursor or one from another listing, naming cursor', async () => {
    const first = await listShipments({ status: 'QUEUED', limit: 1 }, deps);
    expect(first.nextCursor).toBeDefined();
    const attempts = [
      'not-base64-json',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from(JSON.stringify({ pk: 'X', sk: 'STATE', statusKey: 'QUEUED', updatedAt: 'x' })).toString(
        'base64url',
      ),
    ];
    for (const cursor of attempts) {
      const error = await listShipments({ status: 'QUEUED', limit: 1, cursor }, deps).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors[0]?.field).toBe('cursor');
    }
    // A cursor of the QUEUED listing does not continue the OPTIMIZING one.
    const other = await listShipments(
      { status: 'OPTIMIZING', limit: 1, cursor: first.nextCursor as string },
      deps,
    ).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(ValidationError);
  });
});

describe('ListShipmentsQuery', () => {
  const fields = (input: Record<string, string>) => {
    const r = ListShipmentsQuery.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  };
  it('names each bad parameter', () => {
    expect(fields({})).toEqual(['status']);
    expect(fields({ serviceDate: '2026-12-03' })).toEqual(['status']);
    expect(fields({ status: 'LOST' })).toContain('status');
    expect(fields({ region: 'eu north; DROP' })).toEqual(['region']);
    expect(fields({ region: 'eu-north', serviceDate: '2026-13-40' })).toEqual(['serviceDate']);
    expect(fields({ region: 'eu-north', updatedSince: 'yesterday' })).toEqual(['updatedSince']);
    expect(fields({ region: 'eu-north', limit: '0' })).toEqual(['limit']);
    expect(fields({ region: 'eu-north', limit: '101' })).toEqual(['limit']);
    expect(fields({ region: 'eu-north', sort: 'desc' })).toEqual(['']);
    expect(ListShipmentsQuery.parse({ region: 'eu-north' }).limit).toBe(50);
  });
});
