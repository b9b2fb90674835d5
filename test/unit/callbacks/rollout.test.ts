import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileLiveShare, writeLiveShareFile } from '../../../shared/adapters/rollout/file-live-share';
import { callbackPath, parseLiveShare, rolloutBucket } from '../../../shared/domain/callbacks/rollout';
import { DependencyError } from '../../../shared/domain/errors';

// Shipment ids as an SCM sends them: several prefixes and regions, zero-padded counters, hostile ones.
const ids = Array.from({ length: 10_000 }, (_, i) => {
  const prefix = ['SHP', 'EU-N', 'us_east', 'APAC.7'][i % 4];
  return `${prefix}-${String(i).padStart(6, '0')}`;
});

const liveShareOf = (share: number) => ids.filter((id) => callbackPath(id, 'live', share) === 'live').length;

describe('rollout split by shipment-id hash', () => {
  it('is stable: the same id gets the same bucket, in [0, 1), every time', () => {
    for (const id of ids.slice(0, 500)) {
      const bucket = rolloutBucket(id);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(1);
      expect(rolloutBucket(id)).toBe(bucket);
    }
    // Pinned: a change of the hash would move live shipments to shadow in the middle of a rollout.
    expect(rolloutBucket('SHP-000123')).toBeCloseTo(0.0736462136, 9);
  });

  it.each([0.01, 0.1, 0.5, 0.9])('puts %f of 10,000 ids live, within 1.5 points', (share) => {
    expect(Math.abs(liveShareOf(share) / ids.length - share)).toBeLessThan(0.015);
  });

  it('never flips a shipment back to shadow while the share grows (10 % → 50 % → 100 %)', () => {
    const liveAt = (share: number) => new Set(ids.filter((id) => callbackPath(id, 'live', share) === 'live'));
    const ten = liveAt(0.1);
    const fifty = liveAt(0.5);
    for (const id of ten) expect(fifty.has(id)).toBe(true);
    expect(liveAt(1).size).toBe(ids.length);
    expect(liveAt(0).size).toBe(0);
  });

  it('shadows everything in shadow mode, whatever the share', () => {
    expect(ids.slice(0, 200).every((id) => callbackPath(id, 'shadow', 1) === 'shadow')).toBe(true);
  });

  it('accepts 0…1 as number or text and refuses anything else, naming the field', () => {
    expect(parseLiveShare('0.25')).toBe(0.25);
    expect(parseLiveShare(' 1 ')).toBe(1);
    expect(parseLiveShare(0)).toBe(0);
    for (const bad of ['', 'abc', '1.5', '-0.1', 'NaN', null, undefined, '10%'])
      expect(() => parseLiveShare(bad, 'LiveShare')).toThrow(/LiveShare must be a number from 0 to 1/);
  });
});

describe('the local live-share store (the same port as SSM in AWS)', () => {
  const setup = (maxAgeMs = 60_000) => {
    const file = join(mkdtempSync(join(tmpdir(), 'rollout-')), 'rollout.json');
    let now = Date.parse('2026-11-26T08:00:00Z');
    const clock = { now: () => now };
    const source = fileLiveShare(file, clock, { maxAgeMs, fallback: 1 });
    return { file, source, advance: (ms: number) => (now += ms) };
  };

  it('a changed share takes effect within the cache time of the service clock, without a restart', async () => {
    const { file, source, advance } = setup();
    expect(await source.liveShare()).toBe(1); // no file yet: the fallback
    writeLiveShareFile(file, 0.1);
    advance(60_000);
    expect(await source.liveShare()).toBe(0.1);
    writeLiveShareFile(file, 0.5);
    advance(59_999);
    expect(await source.liveShare()).toBe(0.1); // still cached
    advance(1);
    expect(await source.liveShare()).toBe(0.5);
  });

  it('a stored value that is not a share is a dependency error, not a guess', async () => {
    const { file, source } = setup();
    writeFileSync(file, '{"liveShare":"half"}');
    await expect(source.liveShare()).rejects.toBeInstanceOf(DependencyError);
    expect(() => writeLiveShareFile(file, 2)).toThrow(/from 0 to 1/);
  });
});
