import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetterQueue, DeadLetterSource, QueuedMessage } from '../../domain/callbacks/ports';
import { DependencyError } from '../../domain/errors';
import type { CallbackDeadLetter } from '../../schemas/callbacks';

/** The callback dead-letter queue. Message attributes repeat the webhook-id for operators. */
export class SqsCallbackDeadLetters implements DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: CallbackDeadLetter): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(message),
          MessageAttributes: {
            webhookId: { DataType: 'String', StringValue: message.webhookId },
            shipmentId: { DataType: 'String', StringValue: message.shipmentId },
          },
        }),
      );
    } catch (error) {
      throw new DependencyError('sending to the callback DLQ failed', { cause: error });
    }
  }
}

/** Any SQS queue read for redrive. */
export class SqsMessageSource implements DeadLetterSource {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly visibilityTimeoutSeconds = 120,
  ) {}

  async receive(max: number): Promise<QueuedMessage[]> {
    try {
      const result = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
          VisibilityTimeout: this.visibilityTimeoutSeconds,
          WaitTimeSeconds: 0,
        }),
      );
      return (result.Messages ?? []).map((m) => ({ body: m.Body ?? '', receipt: m.ReceiptHandle ?? '' }));
    } catch (error) {
      throw new DependencyError('receiving from the queue failed', { cause: error });
    }
  }

  async delete(receipt: string): Promise<void> {
    try {
      await this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receipt }));
    } catch (error) {
      throw new DependencyError('deleting the message failed', { cause: error });
    }
  }

  async release(receipt: string): Promise<void> {
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: receipt,
          VisibilityTimeout: 0,
        }),
      );
    } catch (error) {
      throw new DependencyError('releasing the message failed', { cause: error });
    }
  }
}
