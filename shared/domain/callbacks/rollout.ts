import { createHash } from 'node:crypto';
import type { CallbackMode } from '../../schemas/callbacks';
import { DependencyError, ValidationError } from '../errors';

/**
 * Gradual rollout of callbacks (issue 13): a share of shipments, chosen by a hash of the shipment
 * id, is delivered live to the SCM; the others are shadowed (recorded, signed, not sent). The share
 * comes through this port (SSM Parameter Store in AWS, a file locally), so it can be raised
 * without a redeploy; adapters cache it (60 s by default).
 */
export interface LiveShareSource {
  /** The share of shipments delivered live, in [0, 1]. */
  liveShare(): Promise<number>;
}

/** The rollout bucket of a shipment, in [0, 1): the first 48 bits of SHA-256(shipmentId). Stable. */
export function rolloutBucket(shipmentId: string): number {
  const digest = createHash('sha256').update(shipmentId, 'utf8').digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * Which path a shipment's callbacks take. `shadow` mode shadows everything; in `live` mode the
 * shipments whose bucket is below the share go live. Raising the share only adds live shipments:
 * a shipment live at 10 % is live at 50 %, so no shipment flips back while the rollout grows.
 */
export function callbackPath(shipmentId: string, mode: CallbackMode, liveShare: number): CallbackMode {
  if (mode === 'shadow') return 'shadow';
  return rolloutBucket(shipmentId) < liveShare ? 'live' : 'shadow';
}

/** A share as stored (`"0.1"`, `0.5`); anything but a number in [0, 1] is refused, naming the value. */
export function parseLiveShare(value: unknown, field = 'liveShare'): number {
  const text = typeof value === 'string' ? value.trim() : undefined;
  const share = typeof value === 'number' ? value : text ? Number(text) : Number.NaN;
  if (!Number.isFinite(share) || share < 0 || share > 1)
    throw new ValidationError(`${field} must be a number from 0 to 1`, [
      { field, message: `must be a number from 0 to 1, got ${JSON.stringify(value)}` },
    ]);
  return share;
}

/** Every shipment live: the source when no rollout is configured (the local default). */
export const allLive: LiveShareSource = { liveShare: async () => 1 };

/**
 * A source read at most once per `maxAgeMs` of the given clock (the service clock: scaled locally,
 * virtual in tests); a change of the stored share is seen within `maxAgeMs`, without a restart.
 * A failed read (or a stored value that is not a share) is a DependencyError: the delivery task is
 * retried, then fails and alarms; the service never guesses a share.
 */
export function cachedLiveShare(
  read: () => Promise<number>,
  clock: { now(): number },
  maxAgeMs: number,
): LiveShareSource {
  let cached: { share: number; at: number } | undefined;
  return {
    async liveShare() {
      const now = clock.now();
      if (cached && now - cached.at < maxAgeMs) return cached.share;
      let share: number;
      try {
        share = await read();
      } catch (error) {
        throw new DependencyError(`cannot read the live share: ${(error as Error).message}`, {
          cause: error,
        });
      }
      cached = { share, at: now };
      return share;
    },
  };
}
