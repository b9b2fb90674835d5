import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock';
import { DependencyError } from '../../domain/errors';
import type { ScmListing, ScmShipment } from '../../domain/operations/reconcile-daily';
import { type SecretSource, signatureHeader } from '../webhooks/signature';

export interface HttpScmListingOptions {
  /** `SCM_BASE_URL`: the listing is `GET {baseUrl}/shipments`. */
  baseUrl: string;
  secrets: SecretSource;
  /** Stamps `webhook-timestamp` (the SCM checks it against its own wall clock). */
  wallClock: Clock;
  pageSize?: number;
  timeoutMs?: number;
}

/**
 * The SCM's listing over HTTP (contract §5): `GET {SCM_BASE_URL}/shipments?updatedSince=&limit=&cursor=`,
 * signed like the callbacks (Standard Webhooks headers with the same secret, over
 * `{"method":"GET","path":"{path}?{query}"}` (the library verifies a JSON payload)), following `next` (or `nextCursor`) until the last page. A plain array
 * answer is one whole page (an SCM without pagination).
 */
export class HttpScmListing implements ScmListing {
  constructor(private readonly options: HttpScmListingOptions) {}

  async listUpdatedSince(updatedSince: string): Promise<ScmShipment[]> {
    const all: ScmShipment[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const url = new URL(`${this.options.baseUrl.replace(/\/$/, '')}/shipments`);
      url.searchParams.set('updatedSince', updatedSince);
      url.searchParams.set('limit', String(this.options.pageSize ?? 200));
      if (cursor) url.searchParams.set('cursor', cursor);
      const body = await this.get(url);
      const items = Array.isArray(body) ? body : (body as { items?: unknown }).items;
      if (!Array.isArray(items)) throw new DependencyError('the SCM listing is neither an array nor {items}');
      for (const item of items) all.push(parseItem(item));
      if (Array.isArray(body)) return all;
      const next =
        (body as { next?: unknown; nextCursor?: unknown }).next ??
        (body as { nextCursor?: unknown }).nextCursor;
      if (typeof next !== 'string' || next === '') return all;
      cursor = next;
    }
    throw new DependencyError('the SCM listing did not end after 10,000 pages');
  }

  private async get(url: URL): Promise<unknown> {
    const id = `msg_list_${randomUUID()}`;
    const sentAt = new Date(Math.floor(this.options.wallClock.now() / 1000) * 1000);
    const signed = JSON.stringify({ method: 'GET', path: `${url.pathname}${url.search}` });
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          accept: 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(sentAt.getTime() / 1000),
          'webhook-signature': signatureHeader(await this.options.secrets.secrets(), id, sentAt, signed),
        },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new DependencyError('the SCM listing did not answer', { cause: error });
    }
    if (!response.ok) throw new DependencyError(`the SCM listing answered ${response.status}`);
    return response.json();
  }
}

function parseItem(item: unknown): ScmShipment {
  const v = item as Partial<ScmShipment> | null;
  if (!v || typeof v.shipmentId !== 'string' || !Number.isInteger(v.version) || typeof v.status !== 'string')
    throw new DependencyError(`the SCM listing has an item without shipmentId, version and status`);
  return { shipmentId: v.shipmentId, version: v.version as number, status: v.status };
}
