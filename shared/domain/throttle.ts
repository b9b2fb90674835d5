/**
 * Request throttling of the public API (contract §1: `429` throttled). In AWS the API Gateway usage
 * plan enforces it; the local gateway enforces the same numbers with the same token-bucket model,
 * so a client sees 429s at the same load on both.
 */
export interface ThrottleLimits {
  /** Steady-state requests per second per API key. */
  rateLimit: number;
  /** Requests that may arrive at once above the steady rate (the bucket size). */
  burstLimit: number;
}

/** The usage plan's defaults, used by the CDK stack and by the local gateway. */
export const API_THROTTLE: ThrottleLimits = { rateLimit: 200, burstLimit: 400 };

export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number };

/** A token bucket: `burstLimit` tokens, refilled at `rateLimit` per second; a request takes one. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly nowMs: () => number,
  ) {
    if (!(limits.rateLimit > 0) || !(limits.burstLimit >= 1)) {
      throw new RangeError('throttle limits need rateLimit > 0 and burstLimit >= 1');
    }
    this.tokens = limits.burstLimit;
    this.last = nowMs();
  }

  take(): TakeResult {
    const now = this.nowMs();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.limits.burstLimit, this.tokens + (elapsed * this.limits.rateLimit) / 1000);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - this.tokens) * 1000) / this.limits.rateLimit) };
  }
}

/** One bucket per API key, as a usage plan throttles each key on its own. */
export class KeyedThrottle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly nowMs: () => number,
  ) {}

  take(key: string): TakeResult {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.limits, this.nowMs);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }
}
