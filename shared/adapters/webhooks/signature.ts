import { Webhook } from 'standardwebhooks';
import { ConfigurationError } from '../../domain/errors';

/** Where the signing secrets come from; two are active while a secret is rotated. */
export interface SecretSource {
  secrets(): Promise<string[]>;
}

const PREFIX = 'whsec_';

/** Parses a secret value: one `whsec_…` secret, several separated by spaces, or JSON {current, previous}. */
export function parseSecrets(value: string): string[] {
  const trimmed = value.trim();
  let list: string[];
  if (trimmed.startsWith('{')) {
    let parsed: { current?: unknown; previous?: unknown };
    try {
      parsed = JSON.parse(trimmed) as { current?: unknown; previous?: unknown };
    } catch {
      // Not the parser's message as cause: it quotes the text, which holds the secret.
      throw new ConfigurationError('the webhook secret looks like JSON but does not parse');
    }
    list = [parsed.current, parsed.previous].filter(
      (v): v is string => typeof v === 'string' && v.length > 0,
    );
  } else {
    list = trimmed.split(/\s+/).filter(Boolean);
  }
  if (list.length === 0) throw new ConfigurationError('no webhook secret configured');
  return list.map((s) => (s.startsWith(PREFIX) ? s : `${PREFIX}${s}`));
}

/**
 * The `webhook-signature` header per the Standard Webhooks specification, computed by its reference
 * library: `v1,<base64>` per active secret, separated by spaces (a receiver accepts any of them).
 */
export function signatureHeader(
  secrets: readonly string[],
  webhookId: string,
  timestamp: Date,
  body: string,
): string {
  return secrets.map((secret) => new Webhook(secret).sign(webhookId, timestamp, body)).join(' ');
}

/** Secrets from an environment variable (local runtime): `whsec_a` or `whsec_new whsec_old`. */
export class StaticSecretSource implements SecretSource {
  private readonly list: string[];
  constructor(value: string) {
    this.list = parseSecrets(value);
  }
  async secrets(): Promise<string[]> {
    return this.list;
  }
}
