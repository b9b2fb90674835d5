import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { DeliveryStarter } from '../../domain/callbacks/ports';
import { DependencyError } from '../../domain/errors';
import type { DeliveryInput } from '../../schemas/callbacks';

/** Starts a callback delivery as an execution of the delivery state machine. */
export class StepFunctionsDeliveryStarter implements DeliveryStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: DeliveryInput, name: string): Promise<string> {
    try {
      const result = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      return result.executionArn ?? name;
    } catch (error) {
      throw new DependencyError('starting the delivery failed', { cause: error });
    }
  }
}
