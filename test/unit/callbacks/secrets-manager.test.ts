import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretsManagerSecretSource } from '../../../shared/adapters/webhooks/secrets-manager';
import { DependencyError } from '../../../shared/domain/errors';

const ARN = 'arn:aws:secretsmanager:eu-north-1:000000000000:secret:webhook';

/** A real client (Powertools checks it is one) whose send answers from `answers`, in order. */
function client(answers: (string | Error | undefined)[]) {
  const sm = new SecretsManagerClient({ region: 'eu-north-1', endpoint: 'http://127.0.0.1:1' });
  const send = vi.spyOn(sm, 'send').mockImplementation(async () => {
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return { SecretString: next };
  });
  return { sm, send };
}

describe('SecretsManagerSecretSource (Powertools SecretsProvider)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-02T08:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('reads the secret once per maxAge and picks up a rotation after it', async () => {
    const { sm, send } = client([
      'whsec_first',
      JSON.stringify({ current: 'whsec_second', previous: 'whsec_first' }),
    ]);
    const source = new SecretsManagerSecretSource(sm, ARN);
    expect(await source.secrets()).toEqual(['whsec_first']);
    vi.advanceTimersByTime(4 * 60_000);
    expect(await source.secrets()).toEqual(['whsec_first']);
    expect(send).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(61_000);
    expect(await source.secrets()).toEqual(['whsec_second', 'whsec_first']);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('keeps signing with the last secrets when a re-read fails', async () => {
    const { sm, send } = client(['whsec_first', new Error('throttled')]);
    const source = new SecretsManagerSecretSource(sm, ARN, 60);
    expect(await source.secrets()).toEqual(['whsec_first']);
    vi.advanceTimersByTime(61_000);
    expect(await source.secrets()).toEqual(['whsec_first']);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('fails as a DependencyError when the first read fails or the secret has no string value', async () => {
    await expect(
      new SecretsManagerSecretSource(client([new Error('unreachable')]).sm, ARN).secrets(),
    ).rejects.toBeInstanceOf(DependencyError);
    await expect(new SecretsManagerSecretSource(client([undefined]).sm, ARN).secrets()).rejects.toThrow(
      /has no string value/,
    );
  });
});
