import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { type LiveShareSource, parseLiveShare } from '../../domain/callbacks/rollout';
import { DependencyError } from '../../domain/errors';

/**
 * The live share from an SSM parameter (String, e.g. `0.1`), read through Powertools Parameters
 * and cached by it for `maxAgeSeconds` (60 by default): an operator's `put-parameter` reaches
 * every container within that time, without a redeploy. The functions need ssm:GetParameter on
 * that one parameter, nothing else.
 */
export class SsmLiveShare implements LiveShareSource {
  private readonly provider: SSMProvider;
  constructor(
    client: SSMClient,
    private readonly parameterName: string,
    private readonly maxAgeSeconds = 60,
  ) {
    this.provider = new SSMProvider({ awsSdkV3Client: client });
  }

  async liveShare(): Promise<number> {
    let value: unknown;
    try {
      value = await this.provider.get(this.parameterName, { maxAge: this.maxAgeSeconds });
    } catch (error) {
      throw new DependencyError(`reading the live share ${this.parameterName} failed`, { cause: error });
    }
    try {
      return parseLiveShare(value, this.parameterName);
    } catch (error) {
      throw new DependencyError(`the live share ${this.parameterName} is not a share`, { cause: error });
    }
  }
}
