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

/**
 * Failed API-key checks per client address (local gateway): a guesser gets a few tries a second;
 * above that every request from the address is 429 until the bucket refills, so a throttled guess
 * cannot tell a right key from a wrong one. In AWS the organisation's WAF rate rule does this.
 */
export const AUTH_FAILURE_THROTTLE: ThrottleLimits = { rateLimit: 5, burstLimit: 20 };

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
    const result = this.check();
    if (result.allowed) this.tokens -= 1;
    return result;
  }

  /** Whether a request would be let through now, without taking a token. */
  check(): TakeResult {
    const now = this.nowMs();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.limits.burstLimit, this.tokens + (elapsed * this.limits.rateLimit) / 1000);
    if (this.tokens >= 1) return { allowed: true };
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
    return this.bucket(key).take();
  }

  /** Whether `key` has a token left, without taking it. */
  check(key: string): TakeResult {
    return this.buckets.get(key)?.check() ?? { allowed: true };
  }

  private bucket(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.limits, this.nowMs);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
