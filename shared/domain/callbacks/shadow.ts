import type { CallbackStore } from './ports';

/** One shadowed callback as the SCM team compares it: what would have been sent, signature included. */
export interface ShadowedCallback {
  webhookId: string;
  shipmentId: string;
  version: number;
  correlationId: string;
  /** The SCM URL it would have gone to. */
  endpoint: string;
  shadowedAt: string;
  /** The request headers (webhook-id, webhook-timestamp, webhook-signature, …). */
  headers: Record<string, string>;
  /** The exact body. */
  body: string;
  /** The shadow URL it was sent to instead, and its answer. */
  sentTo?: string;
  answer?: string;
}

/**
 * The callbacks recorded in shadow (rollout, issue 13), oldest first, since `since` (ISO) if given:
 * for the SCM team to compare with what its current process did.
 */
export async function listShadowedCallbacks(
  callbacks: Pick<CallbackStore, 'listByStatus'>,
  options: { since?: string; limit: number },
): Promise<ShadowedCallback[]> {
  const records = await callbacks.listByStatus('COMPLETED', options.limit, {
    mode: 'shadow',
    ...(options.since ? { updatedSince: options.since } : {}),
  });
  return records
    .filter((r) => r.outcome === 'shadowed' && r.shadow)
    .filter((r) => !options.since || (r.shadow?.at ?? '') >= options.since)
    .map((r) => ({
      webhookId: r.webhookId,
      shipmentId: r.shipmentId,
      version: r.version,
      correlationId: r.correlationId,
      endpoint: r.endpoint,
      shadowedAt: r.shadow?.at ?? r.updatedAt,
      headers: r.shadow?.headers ?? {},
      body: r.body,
      ...(r.shadow?.sentTo ? { sentTo: r.shadow.sentTo } : {}),
      ...(r.shadow?.answer ? { answer: r.shadow.answer } : {}),
    }));
}
