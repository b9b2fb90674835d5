import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Clock } from '../../shared/domain/clock';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type TaskHandler = (input: unknown) => Promise<unknown>;

export interface WaitRecord {
  execution: string;
  state: string;
  /** Requested wait, ms of service time. */
  ms: number;
  /** Service time when the wait began. */
  at: number;
}

export interface LocalStateMachineOptions {
  /** The deployed definition (infra/constructs/callbacks.ts renderDeliveryDefinition). */
  definition: Record<string, unknown>;
  /** Task state name → in-process handler (the Lambda handlers' use-case wrappers). */
  tasks: Record<string, TaskHandler>;
  clock: Clock;
  /** Real ms between retries of a failed task (the definition's intervals are for AWS). */
  retryIntervalMs?: number;
  onWait?: (wait: WaitRecord) => void;
  onExecutionError?: (execution: string, error: unknown) => void;
  arn?: string;
}

/**
 * Runs a state-machine definition with aws-local-stepfunctions: its Task states call the given
 * in-process handlers (task-resource overrides). Wait states run on the injected Clock (scaled by
 * TIME_SCALE in the local runtime, virtual in tests): the library's own waits are timers on the
 * wall clock, so each Wait is run as a local task that evaluates the state's Seconds/SecondsPath/
 * Timestamp/TimestampPath and sleeps on the Clock. Everything else (paths, choices, retries,
 * failures) is the library's execution of the unchanged definition.
 */
export class LocalStateMachine {
  readonly arn: string;
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, { abort(): void; result: Promise<unknown> }>();
  private readonly waitTasks: Record<string, (input: unknown, execution: string) => Promise<unknown>> = {};
  private running = 0;
  private busy = 0;
  private waiting = 0;

  constructor(private readonly options: LocalStateMachineOptions) {
    this.arn = options.arn ?? 'arn:aws:states:eu-north-1:000000000000:stateMachine:CallbackDelivery';
    const definition = structuredClone(options.definition) as unknown as StateMachineDefinition;
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Wait') continue;
      const wait = state as unknown as Record<string, unknown>;
      this.waitTasks[name] = (input, execution) => this.wait(name, wait, input, execution);
      const replacement: Record<string, unknown> = {
        Type: 'Task',
        Resource: `arn:aws:lambda:eu-north-1:000000000000:function:local-wait-${name}`,
        TimeoutSeconds: 2_000_000,
        ...(wait.Next ? { Next: wait.Next } : { End: true }),
        ...(wait.InputPath !== undefined ? { InputPath: wait.InputPath } : {}),
        ...(wait.OutputPath !== undefined ? { OutputPath: wait.OutputPath } : {}),
        ...(wait.Comment ? { Comment: wait.Comment } : {}),
      };
      (definition.States as Record<string, unknown>)[name] = replacement;
    }
    // Task timeouts run on wall-clock timers (at most 2^31 ms); the 10 s attempt timeout is the
    // sender's, on the Clock.
    for (const state of Object.values(definition.States) as unknown as Record<string, unknown>[]) {
      if (state.Type === 'Task') state.TimeoutSeconds = 2_000_000;
    }
    this.machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  }

  /** Starts an execution; `name` is unique like a Step Functions execution name. */
  start(input: unknown, name: string = randomUUID()): { executionArn: string; result: Promise<unknown> } {
    const executionArn = `${this.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    if (this.executions.has(executionArn)) throw new Error(`execution ${name} already exists`);
    const retry = this.options.retryIntervalMs ?? 200;
    const taskHandlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [state, handler] of Object.entries(this.options.tasks)) {
      taskHandlers[state] = (value) => this.track(() => handler(value)) as Promise<Json>;
    }
    for (const [state, handler] of Object.entries(this.waitTasks)) {
      taskHandlers[state] = (value) => handler(value, executionArn) as Promise<Json>;
    }
    const retryIntervalOverrides = Object.fromEntries(Object.keys(taskHandlers).map((s) => [s, retry]));
    this.running++;
    const run = this.machine.run(input as Json, {
      overrides: { taskResourceLocalHandlers: taskHandlers, retryIntervalOverrides },
      context: { Execution: { Id: executionArn, Name: name } },
      noThrowOnAbort: true,
    });
    const result = run.result.then(
      (output) => {
        this.finish(executionArn);
        return output;
      },
      (error: unknown) => {
        this.finish(executionArn);
        this.options.onExecutionError?.(executionArn, error);
        throw error;
      },
    );
    result.catch(() => undefined);
    // The library queues every execution event until read; read and drop them (CloudWatch Logs
    // keeps them in AWS), or a long execution holds its whole history in memory.
    void (async () => {
      for await (const _event of run.eventLogs) {
        // dropped
      }
    })();
    this.executions.set(executionArn, { abort: run.abort, result });
    return { executionArn, result };
  }

  /** Executions running; how many are inside a task handler, how many in a Wait state. */
  stats(): { running: number; busy: number; waiting: number } {
    return { running: this.running, busy: this.busy, waiting: this.waiting };
  }

  /** Waits for every execution started so far to end. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.executions.values()].map((e) => e.result));
  }

  /** Aborts every running execution (the local runtime stopping). */
  async stop(): Promise<void> {
    for (const execution of this.executions.values()) execution.abort();
    await this.drain();
  }

  private finish(executionArn: string) {
    this.running--;
    this.executions.delete(executionArn);
  }

  private async track<T>(fn: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await fn();
    } finally {
      this.busy--;
    }
  }

  private async wait(name: string, state: Record<string, unknown>, input: unknown, execution: string) {
    const now = this.options.clock.now();
    let ms: number;
    if (typeof state.Seconds === 'number') ms = state.Seconds * 1000;
    else if (typeof state.SecondsPath === 'string') ms = Number(readPath(input, state.SecondsPath)) * 1000;
    else if (typeof state.Timestamp === 'string') ms = Date.parse(state.Timestamp) - now;
    else if (typeof state.TimestampPath === 'string')
      ms = Date.parse(String(readPath(input, state.TimestampPath))) - now;
    else throw new Error(`Wait state ${name} has no duration`);
    if (!Number.isFinite(ms)) throw new Error(`Wait state ${name}: the wait is not a number`);
    ms = Math.max(0, ms);
    this.options.onWait?.({ execution, state: name, ms, at: now });
    this.waiting++;
    try {
      await this.options.clock.sleep(ms);
    } finally {
      this.waiting--;
    }
    return input;
  }
}

/** A reference path of the form `$.a.b.c` (all the delivery definition uses). */
function readPath(input: unknown, path: string): unknown {
  if (!/^\$(\.[A-Za-z0-9_]+)*$/.test(path)) throw new Error(`unsupported path ${path}`);
  return path
    .split('.')
    .slice(1)
    .reduce<unknown>(
      (value, key) =>
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
      input,
    );
}
