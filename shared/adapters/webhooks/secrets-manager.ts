import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DependencyError } from '../../domain/errors';
import { parseSecrets, type SecretSource, StaticSecretSource } from './signature';

/**
 * Signing secrets from AWS Secrets Manager, read through Powertools Parameters and cached by it per
 * container for `maxAgeSeconds` (5 minutes), so a rotation (the secret holding {current, previous}
 * for the overlap) is picked up within minutes. The client is the caller's, so the endpoint comes
 * from configuration (LocalStack). A failed re-read keeps signing with the last secrets read.
 */
export class SecretsManagerSecretSource implements SecretSource {
  private readonly provider: SecretsProvider;
  private lastRead?: { value: string; secrets: string[] };
  constructor(
    client: SecretsManagerClient,
    private readonly secretArn: string,
    private readonly maxAgeSeconds = 5 * 60,
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  async secrets(): Promise<string[]> {
    let value: unknown;
    try {
      value = await this.provider.get(this.secretArn, { maxAge: this.maxAgeSeconds });
    } catch (error) {
      if (this.lastRead) return this.lastRead.secrets; // keep signing with what we have
      throw new DependencyError('reading the webhook secret failed', { cause: error });
    }
    if (typeof value !== 'string' || !value)
      throw new DependencyError(`secret ${this.secretArn} has no string value`);
    if (this.lastRead?.value !== value) this.lastRead = { value, secrets: parseSecrets(value) };
    return this.lastRead.secrets;
  }
}

/**
 * The webhook secrets of a composition root: from Secrets Manager when an ARN is configured (cached
 * by the provider), else the static `SCM_WEBHOOK_SECRET` (the local runtime, tests).
 */
export function webhookSecretSource(env: {
  AWS_REGION?: string | undefined;
  SECRETS_MANAGER_ENDPOINT?: string | undefined;
  SCM_WEBHOOK_SECRET_ARN?: string | undefined;
  SCM_WEBHOOK_SECRET?: string | undefined;
}): SecretSource {
  if (!env.SCM_WEBHOOK_SECRET_ARN) return new StaticSecretSource(env.SCM_WEBHOOK_SECRET ?? '');
  const client = new SecretsManagerClient({
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(env.SECRETS_MANAGER_ENDPOINT ? { endpoint: env.SECRETS_MANAGER_ENDPOINT } : {}),
  });
  return new SecretsManagerSecretSource(client, env.SCM_WEBHOOK_SECRET_ARN);
}
