import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { parseSecrets } from '../../shared/adapters/webhooks/signature';
import { type Clock, systemClock } from '../../shared/domain/clock';

/** What the fake SCM is told to do (POST /_control). */
export interface FakeScmBehaviour {
  /** The next N webhooks get `failWith` instead of `answer`. */
  failNext: number;
  /** A status code, `timeout` (never answers) or `network` (drops the connection). */
  failWith: number | 'timeout' | 'network';
  /** The answer when not failing (default 200). */
  answer: number;
  /** Retry-After seconds sent with 408/429/5xx answers. */
  retryAfter?: number;
  /** Until this service-clock time every connection is dropped (the SCM is down). */
  downUntil?: number;
  /**
   * This share (0-1) of verified `shipment.route_optimized` webhooks is answered 409 (a version
   * conflict), chosen by a hash of the webhook-id: a retry of the same webhook gets the same answer.
   */
  conflictShare?: number;
}

export interface ReceivedWebhook {
  webhookId: string;
  timestamp: string;
  signature: string;
  correlationId?: string;
  /** The raw body as received. */
  body: string;
  verified: boolean;
  verifyError?: string;
  answer: number | 'timeout' | 'network';
  receivedAt: string;
}

/** What the fake SCM keeps of a shipment's route (contract §3a, §4). */
export interface ScmAssignment {
  shipmentId: string;
  version: number;
  routeId?: string;
  vehicleId?: string;
  eta?: string;
  planRevision?: number;
  final?: boolean;
  /** The plan's service date the assignment is for (contract §3a). */
  serviceDate?: string;
  /** `type:webhook-id` of each callback taken for this version (a redelivery appears twice). */
  webhookIds: string[];
}

const Status = z.int().min(200).max(599);

/** The body of POST /_control: every field optional, nothing else accepted. */
export const FakeScmControl = z.strictObject({
  failNext: z.int().min(0).optional(),
  failWith: z.union([Status, z.literal('timeout'), z.literal('network')]).optional(),
  answer: Status.optional(),
  retryAfter: z.int().min(0).optional(),
  downForSeconds: z.number().min(0).max(31_536_000).optional(),
  conflictShare: z.number().min(0).max(1).optional(),
  reset: z.boolean().optional(),
});
export type FakeScmControl = z.infer<typeof FakeScmControl>;

/** The first problem of a refused control body, naming its field. */
function controlError(error: z.ZodError): { error: string; field: string } {
  const issue = error.issues[0]!;
  const field =
    issue.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : issue.path.map(String).join('.') || '(body)';
  const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  return { error: `${field}: ${message}`, field };
}

/** A stable number in [0, 1) from a text (FNV-1a, mixed). */
function shareOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  // A final mix (murmur3's) so ids that differ in their last characters spread over [0, 1).
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

function verifies(verifier: Webhook, payload: string, headers: Record<string, string>): boolean {
  try {
    verifier.verify(payload, headers);
    return true;
  } catch {
    return false;
  }
}

const DEFAULT_BEHAVIOUR: FakeScmBehaviour = { failNext: 0, failWith: 500, answer: 200 };
const RESERVED = new Set(['/_control', '/_received', '/_applied', '/shipments', '/health']);

/**
 * A stand-in for the SCM: verifies each webhook with the Standard Webhooks library (5-minute
 * tolerance), answers as told, records everything, and serves the listing of contract §5
 * (`GET /shipments?updatedSince=…`) from the routes it accepted.
 */
export async function startFakeScm(options: { secret: string; port?: number; clock?: Clock; host?: string }) {
  const clock = options.clock ?? systemClock;
  const verifiers = parseSecrets(options.secret).map((s) => new Webhook(s));
  let behaviour: FakeScmBehaviour = { ...DEFAULT_BEHAVIOUR };
  const received: ReceivedWebhook[] = [];
  const applied = new Map<
    string,
    { shipmentId: string; version: number; status: string; updatedAt: string }
  >();
  /**
   * The latest assignment per shipment, as an SCM that orders by plan revision keeps it: a callback
   * of an older revision than the one kept (a late retry) changes nothing. Only
   * `shipment.route_optimized` applies a version (`applied`); `shipment.route_updated` (a move, an
   * ETA, the final one) updates the assignment of the version already applied.
   */
  const assignments = new Map<string, ScmAssignment>();
  /** Routes applied, per `${shipmentId}@v${version}`: every verified 2xx route webhook counts. */
  const applications = new Map<string, number>();
  let holding = 0;
  let listingsSigned = 0;
  const held = new Set<ServerResponse>();

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const onWebhook = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(',') : (v ?? '');
    };
    const record: ReceivedWebhook = {
      webhookId: header('webhook-id'),
      timestamp: header('webhook-timestamp'),
      signature: header('webhook-signature'),
      ...(header('x-correlation-id') ? { correlationId: header('x-correlation-id') } : {}),
      body: raw,
      verified: false,
      answer: 200,
      receivedAt: new Date(clock.now()).toISOString(),
    };
    received.push(record);
    if (behaviour.downUntil !== undefined && clock.now() < behaviour.downUntil) {
      record.answer = 'network';
      req.socket.destroy();
      return;
    }
    const headers = {
      'webhook-id': record.webhookId,
      'webhook-timestamp': record.timestamp,
      'webhook-signature': record.signature,
    };
    const errors: string[] = [];
    for (const verifier of verifiers) {
      try {
        verifier.verify(raw, headers);
        record.verified = true;
        break;
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    if (!record.verified) {
      record.verifyError = errors.join('; ');
      record.answer = 401;
      return json(res, 401, { error: 'invalid signature', detail: record.verifyError });
    }
    let answer: FakeScmBehaviour['failWith'] = behaviour.answer;
    if (behaviour.failNext > 0) {
      behaviour.failNext--;
      answer = behaviour.failWith;
    } else if (
      behaviour.conflictShare &&
      raw.includes('"shipment.route_optimized"') &&
      shareOf(record.webhookId) < behaviour.conflictShare
    ) {
      answer = 409;
    }
    record.answer = answer;
    if (answer === 'network') {
      req.socket.destroy();
      return;
    }
    if (answer === 'timeout') {
      holding++;
      held.add(res);
      res.on('close', () => {
        holding--;
        held.delete(res);
      });
      return;
    }
    const retryable = answer === 408 || answer === 429 || answer >= 500;
    if (answer >= 200 && answer < 300) {
      try {
        const payload = JSON.parse(raw) as {
          type?: string;
          data?: Partial<ScmAssignment> & { shipmentId?: string; version?: number };
        };
        const { shipmentId, version } = payload.data ?? {};
        if (
          (payload.type === 'shipment.route_optimized' || payload.type === 'shipment.route_updated') &&
          shipmentId &&
          typeof version === 'number'
        )
          keepAssignment(payload.type, { ...payload.data, shipmentId, version }, record.webhookId);
        // Only a route is applied; other types (shipment.unassigned) are taken and ignored.
        if (payload.type === 'shipment.route_optimized' && shipmentId && typeof version === 'number') {
          const key = `${shipmentId}@v${version}`;
          applications.set(key, (applications.get(key) ?? 0) + 1);
          applied.set(shipmentId, {
            shipmentId,
            version,
            status: 'ROUTE_APPLIED',
            updatedAt: record.receivedAt,
          });
        }
      } catch {
        // a verified body that is not JSON is recorded, not applied
      }
    }
    res.writeHead(answer, {
      'content-type': 'application/json',
      ...(retryable && behaviour.retryAfter !== undefined
        ? { 'retry-after': String(behaviour.retryAfter) }
        : {}),
    });
    res.end(JSON.stringify({ received: record.webhookId }));
  };

  const keepAssignment = (
    type: string,
    data: Partial<ScmAssignment> & { shipmentId: string; version: number },
    webhookId: string,
  ) => {
    const had = assignments.get(data.shipmentId);
    if (
      had &&
      (had.version > data.version ||
        (had.version === data.version && (had.planRevision ?? 0) > (data.planRevision ?? 0)))
    )
      return;
    assignments.set(data.shipmentId, {
      shipmentId: data.shipmentId,
      version: data.version,
      ...(data.routeId !== undefined ? { routeId: data.routeId } : {}),
      ...(data.vehicleId !== undefined ? { vehicleId: data.vehicleId } : {}),
      ...(data.eta !== undefined ? { eta: data.eta } : {}),
      ...(data.planRevision !== undefined ? { planRevision: data.planRevision } : {}),
      ...(data.final ? { final: true } : {}),
      ...(data.serviceDate !== undefined ? { serviceDate: data.serviceDate } : {}),
      webhookIds: [...(had?.version === data.version ? had.webhookIds : []), `${type}:${webhookId}`],
    });
  };

  const control = (change: FakeScmControl) => {
    if (change.reset) behaviour = { ...DEFAULT_BEHAVIOUR };
    const { reset: _reset, downForSeconds, ...rest } = change;
    behaviour = { ...behaviour, ...rest };
    if (downForSeconds !== undefined) behaviour.downUntil = clock.now() + downForSeconds * 1000;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (url.pathname === '/health') return json(res, 200, { ok: true });
    if (url.pathname === '/_control') {
      if (method === 'POST') {
        let body: unknown;
        try {
          body = raw ? JSON.parse(raw) : {};
        } catch {
          return json(res, 400, { error: '(body): not JSON', field: '(body)' });
        }
        const change = FakeScmControl.safeParse(body);
        if (!change.success) return json(res, 400, controlError(change.error));
        control(change.data);
      }
      return json(res, 200, behaviour);
    }
    if (url.pathname === '/_received') {
      if (method === 'DELETE') {
        received.length = 0;
        applied.clear();
        assignments.clear();
        applications.clear();
      }
      return json(res, 200, received);
    }
    if (url.pathname === '/_applied') {
      // DELETE ?shipmentId=: the SCM loses that route from its listing (a planted discrepancy).
      const id = url.searchParams.get('shipmentId');
      if (method === 'DELETE' && id) applied.delete(id);
      return json(res, 200, {
        applied: [...applied.values()],
        applications: Object.fromEntries(applications),
      });
    }
    if (url.pathname === '/shipments' && method === 'GET') {
      // Signed like the callbacks (Standard Webhooks over `{"method":"GET","path":"{path}?{query}"}` (the library verifies a JSON payload)); checked when sent.
      if (req.headers['webhook-signature'] !== undefined) {
        const headers = {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature']),
        };
        const signed = JSON.stringify({ method: 'GET', path: `${url.pathname}${url.search}` });
        if (!verifiers.some((v) => verifies(v, signed, headers)))
          return json(res, 401, { error: 'invalid signature' });
        listingsSigned++;
      }
      const since = url.searchParams.get('updatedSince');
      if (since !== null && Number.isNaN(Date.parse(since)))
        return json(res, 400, { error: 'updatedSince: not an ISO date-time', field: 'updatedSince' });
      const list = [...applied.values()]
        .filter((s) => !since || s.updatedAt >= new Date(since).toISOString())
        .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.shipmentId.localeCompare(b.shipmentId))
        .map(({ shipmentId, version, status }) => ({ shipmentId, version, status }));
      const limitParam = url.searchParams.get('limit');
      const cursorParam = url.searchParams.get('cursor');
      // Without limit or cursor: the plain array (the listing as it was).
      if (limitParam === null && cursorParam === null) return json(res, 200, list);
      const limit = limitParam === null ? 100 : Number(limitParam);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        return json(res, 400, { error: 'limit: an integer from 1 to 1000', field: 'limit' });
      const offset =
        cursorParam === null ? 0 : Number.parseInt(Buffer.from(cursorParam, 'base64url').toString(), 10);
      if (!Number.isInteger(offset) || offset < 0)
        return json(res, 400, { error: 'cursor: not a cursor of this listing', field: 'cursor' });
      const items = list.slice(offset, offset + limit);
      const next =
        offset + limit < list.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
      return json(res, 200, { items, ...(next ? { next } : {}) });
    }
    if (method === 'POST' && !RESERVED.has(url.pathname)) return onWebhook(req, res, raw);
    return json(res, 404, { error: `no route ${method} ${url.pathname}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 400, { error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    webhookUrl: `${url}/webhooks`,
    received: () => [...received],
    behaviour: () => ({ ...behaviour }),
    /** As POST /_control; throws on a change the endpoint would refuse. */
    control: (change: FakeScmControl) => control(FakeScmControl.parse(change)),
    /** Listing requests that came signed (and verified). */
    listingsSigned: () => listingsSigned,
    /** Marks a route applied as if its callback had been taken (a planted state for tests). */
    plantApplied: (shipmentId: string, version: number, status = 'ROUTE_APPLIED') =>
      applied.set(shipmentId, {
        shipmentId,
        version,
        status,
        updatedAt: new Date(clock.now()).toISOString(),
      }),
    /** The latest assignment of each shipment (highest version, then plan revision). */
    assignments: () => new Map(assignments),
    /** How many times each `${shipmentId}@v${version}` route was applied (taken with a 2xx). */
    applications: () => Object.fromEntries(applications),
    /** Drops a route from the listing, as if the SCM had lost it (a planted state for tests). */
    forget: (shipmentId: string) => applied.delete(shipmentId),
    /** Requests held open (timeout mode). */
    holding: () => holding,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FakeScm = Awaited<ReturnType<typeof startFakeScm>>;
