import type { WebhookRequest, WebhookSender } from '../../domain/callbacks/ports';
import { ATTEMPT_TIMEOUT_MS, type SendResult } from '../../domain/callbacks/schedule';
import type { Clock } from '../../domain/clock';
import { type SecretSource, signatureHeader } from './signature';

export interface HttpWebhookSenderOptions {
  secrets: SecretSource;
  /** Runs the per-attempt timeout (scaled locally, virtual in tests). */
  clock: Clock;
  /**
   * Stamps `webhook-timestamp`: the receiver checks it against its own wall clock (replay
   * protection), so it is the wall clock even when the service clock is scaled.
   */
  wallClock: Clock;
  timeoutMs?: number;
  userAgent?: string;
}

/** POSTs a signed webhook with fetch; the attempt is aborted after 10 s (AbortSignal). */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly options: HttpWebhookSenderOptions) {}

  async signedHeaders(request: WebhookRequest): Promise<Record<string, string>> {
    const sentAt = new Date(Math.floor(this.options.wallClock.now() / 1000) * 1000);
    const signature = signatureHeader(
      await this.options.secrets.secrets(),
      request.webhookId,
      sentAt,
      request.body,
    );
    return {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent ?? 'scm-route-optimizer-webhooks/1',
      'webhook-id': request.webhookId,
      'webhook-timestamp': String(sentAt.getTime() / 1000),
      'webhook-signature': signature,
      'x-correlation-id': request.correlationId,
    };
  }

  async send(request: WebhookRequest, signed?: Record<string, string>): Promise<SendResult> {
    const { clock, wallClock } = this.options;
    let headers: Record<string, string>;
    try {
      headers = signed ?? (await this.signedHeaders(request));
    } catch (error) {
      return { kind: 'network', message: `cannot sign: ${(error as Error).message}` };
    }
    const abort = new AbortController();
    const timer = new AbortController();
    let timedOut = false;
    clock.sleep(this.options.timeoutMs ?? ATTEMPT_TIMEOUT_MS, timer.signal).then(
      () => {
        timedOut = true;
        abort.abort(new Error('attempt timed out'));
      },
      () => undefined,
    );
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        body: request.body,
        signal: abort.signal,
        headers,
      });
      await response.arrayBuffer().catch(() => undefined);
      const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'), wallClock.now());
      return {
        kind: 'answered',
        status: response.status,
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      };
    } catch (error) {
      if (timedOut) return { kind: 'timeout' };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { kind: 'network', message: cause?.code ?? cause?.message ?? (error as Error).message };
    } finally {
      timer.abort();
    }
  }
}

/** Retry-After as delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
