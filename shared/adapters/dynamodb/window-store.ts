import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AddMemberResult, WindowKey, WindowStore } from '../../domain/batching/ports';
import { DependencyError } from '../../domain/errors';
import { BatchWindow, WindowMember } from '../../schemas/batching';
import { BatchingTableAdapter, isConditionFailure, META } from './batching-table';
import { queryAll } from './query';

/** Batching windows with their members on the Batching table (`WINDOW#…`, `OPENWIN#…`). */
export class DynamoWindowStore extends BatchingTableAdapter implements WindowStore {
  async addMember(
    key: WindowKey,
    member: { shipmentId: string; version: number },
    options: { now: string; closesAt: string; maxSize: number; newWindowId: () => string },
  ): Promise<AddMemberResult> {
    const pointerKey = { pk: `OPENWIN#${key.priority}#${key.region}`, sk: META };
    for (let attempt = 0; attempt < 10; attempt++) {
      const pointer = (
        await this.send(new GetCommand({ TableName: this.tableName, Key: pointerKey, ConsistentRead: true }))
      ).Item;
      let window = pointer ? await this.get(String(pointer.windowId)) : undefined;
      if (window?.status !== 'OPEN' || window.count >= options.maxSize || window.closesAt <= options.now) {
        const fresh: BatchWindow = {
          windowId: options.newWindowId(),
          priority: key.priority,
          region: key.region,
          status: 'OPEN',
          openedAt: options.now,
          closesAt: options.closesAt,
          count: 0,
        };
        await this.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: `WINDOW#${fresh.windowId}`,
              sk: META,
              window: fresh,
              status: 'OPEN',
              count: 0,
              dueKey: 'OPEN',
              dueAt: fresh.closesAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        try {
          await this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...pointerKey, windowId: fresh.windowId },
              ConditionExpression: pointer ? 'windowId = :old' : 'attribute_not_exists(pk)',
              ...(pointer ? { ExpressionAttributeValues: { ':old': pointer.windowId } } : {}),
            }),
          );
        } catch (error) {
          if (!isConditionFailure(error))
            throw new DependencyError('window pointer write failed', { cause: error });
          await this.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: { pk: `WINDOW#${fresh.windowId}`, sk: META },
            }),
          );
          continue; // someone else rotated the window first: use theirs
        }
        window = fresh;
      }
      const memberKey = {
        pk: `WINDOW#${window.windowId}`,
        sk: `MEMBER#${member.shipmentId}#${member.version}`,
      };
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...memberKey, member: { ...member, addedAt: options.now } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) return { window, added: false, full: false };
        throw new DependencyError('window member write failed', { cause: error });
      }
      try {
        const updated = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: `WINDOW#${window.windowId}`, sk: META },
            UpdateExpression: 'SET #count = #count + :one, #window.#count = #count + :one',
            ConditionExpression: '#status = :open AND #count < :max',
            ExpressionAttributeNames: { '#count': 'count', '#status': 'status', '#window': 'window' },
            ExpressionAttributeValues: { ':one': 1, ':open': 'OPEN', ':max': options.maxSize },
            ReturnValues: 'ALL_NEW',
          }),
        );
        const after = BatchWindow.parse(updated.Attributes?.window);
        return { window: after, added: true, full: after.count >= options.maxSize };
      } catch (error) {
        if (!isConditionFailure(error))
          throw new DependencyError('window slot update failed', { cause: error });
        // The window filled up or started closing meanwhile: take the member back, try the next window.
        await this.send(new DeleteCommand({ TableName: this.tableName, Key: memberKey }));
      }
    }
    throw new DependencyError(
      `could not add ${member.shipmentId} to a window of ${key.region}/${key.priority}`,
    );
  }

  async get(windowId: string): Promise<BatchWindow | undefined> {
    const item = (
      await this.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: `WINDOW#${windowId}`, sk: META },
          ConsistentRead: true,
        }),
      )
    ).Item;
    return item ? BatchWindow.parse(item.window) : undefined;
  }

  async members(windowId: string): Promise<WindowMember[]> {
    return queryAll(
      this.doc,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
        ExpressionAttributeValues: { ':pk': `WINDOW#${windowId}`, ':m': 'MEMBER#' },
        ConsistentRead: true,
      },
      (item) => WindowMember.parse(item.member),
    );
  }

  async dueWindows(now: string, limit: number): Promise<BatchWindow[]> {
    return this.byDue('OPEN', now, limit);
  }

  async closingWindows(claimedBefore: string, limit: number): Promise<BatchWindow[]> {
    return this.byDue('CLOSING', claimedBefore, limit);
  }

  async claim(windowId: string, reason: 'due' | 'full', now: string): Promise<BatchWindow | undefined> {
    try {
      const updated = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `WINDOW#${windowId}`, sk: META },
          UpdateExpression:
            'SET #status = :closing, #window.#status = :closing, #window.closedAt = :now, #window.closeReason = :reason, dueKey = :closing, dueAt = :now',
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status', '#window': 'window' },
          ExpressionAttributeValues: {
            ':closing': 'CLOSING',
            ':open': 'OPEN',
            ':now': now,
            ':reason': reason,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return BatchWindow.parse(updated.Attributes?.window);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw new DependencyError('window claim failed', { cause: error });
    }
  }

  async markClosed(windowId: string, _now: string): Promise<void> {
    await this.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `WINDOW#${windowId}`, sk: META },
        UpdateExpression: 'SET #status = :closed, #window.#status = :closed REMOVE dueKey, dueAt',
        ExpressionAttributeNames: { '#status': 'status', '#window': 'window' },
        ExpressionAttributeValues: { ':closed': 'CLOSED' },
      }),
    );
  }

  async recordAttempt(windowId: string, busyUntil: string): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `WINDOW#${windowId}`, sk: META },
        UpdateExpression:
          'SET #window.attempts = if_not_exists(#window.attempts, :zero) + :one, dueAt = :until',
        ConditionExpression: '#status = :closing',
        ExpressionAttributeNames: { '#status': 'status', '#window': 'window' },
        ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':until': busyUntil, ':closing': 'CLOSING' },
      }),
      'window attempt write failed',
    );
  }

  async recordError(windowId: string, message: string): Promise<void> {
    await this.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `WINDOW#${windowId}`, sk: META },
        UpdateExpression: 'SET #window.lastError = :message',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#window': 'window' },
        ExpressionAttributeValues: { ':message': message.slice(0, 500) },
      }),
    ).catch(() => undefined);
  }

  async recordResend(windowId: string, resends: number, busyUntil: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `WINDOW#${windowId}`, sk: META },
        UpdateExpression: 'SET #window.resends = :resends, dueAt = :until',
        ConditionExpression:
          resends === 1
            ? '#status = :closing AND attribute_not_exists(#window.resends)'
            : '#status = :closing AND #window.resends = :previous',
        ExpressionAttributeNames: { '#status': 'status', '#window': 'window' },
        ExpressionAttributeValues: {
          ':resends': resends,
          ':until': busyUntil,
          ':closing': 'CLOSING',
          ...(resends === 1 ? {} : { ':previous': resends - 1 }),
        },
      }),
      'window resend write failed',
    );
  }

  async markFailed(windowId: string, reason: string, now: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `WINDOW#${windowId}`, sk: META },
        UpdateExpression:
          'SET #status = :failed, #window.#status = :failed, #window.failedAt = :now, #window.failureReason = :reason REMOVE dueKey, dueAt',
        ConditionExpression: '#status = :closing',
        ExpressionAttributeNames: { '#status': 'status', '#window': 'window' },
        ExpressionAttributeValues: {
          ':failed': 'FAILED',
          ':closing': 'CLOSING',
          ':now': now,
          ':reason': reason,
        },
      }),
      'window failure write failed',
    );
  }

  private async byDue(status: 'OPEN' | 'CLOSING', before: string, limit: number): Promise<BatchWindow[]> {
    const result = await this.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'due',
        KeyConditionExpression: 'dueKey = :k AND dueAt <= :t',
        ExpressionAttributeValues: { ':k': status, ':t': before },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((i: Record<string, unknown>) => BatchWindow.parse(i.window));
  }
}
