import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../../domain/clock';
import { DependencyError } from '../../domain/errors';
import { parseSecrets, type SecretSource } from './signature';

/**
 * Signing secrets from AWS Secrets Manager, cached per container for `ttlMs` so a rotation (the
 * secret holding {current, previous} for the overlap) is picked up within minutes.
 */
export class SecretsManagerSecretSource implements SecretSource {
  private cached?: { secrets: string[]; until: number };
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretArn: string,
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  async secrets(): Promise<string[]> {
    const now = this.clock.now();
    if (this.cached && now < this.cached.until) return this.cached.secrets;
    let value: string | undefined;
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
      value = result.SecretString;
    } catch (error) {
      if (this.cached) return this.cached.secrets; // keep signing with what we have
      throw new DependencyError('reading the webhook secret failed', { cause: error });
    }
    if (!value) throw new DependencyError(`secret ${this.secretArn} has no string value`);
    const secrets = parseSecrets(value);
    this.cached = { secrets, until: now + this.ttlMs };
    return secrets;
  }
}
