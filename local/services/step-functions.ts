import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LocalStateMachine } from '../callbacks/state-machine';
import { listenOnLoopback } from './loopback';

/**
 * A local Step Functions endpoint speaking StartExecution (AWS JSON 1.0), so the redrive use case
 * starts deliveries with the real @aws-sdk/client-sfn, locally as in AWS.
 */
export async function startLocalStepFunctions(options: { machines: readonly LocalStateMachine[] }) {
  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target !== 'AWSStepFunctions.StartExecution') {
      return reply(res, 400, {
        __type: 'UnknownOperationException',
        message: `unsupported operation ${target}`,
      });
    }
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      stateMachineArn?: string;
      name?: string;
      input?: string;
    };
    const machine = options.machines.find((m) => m.arn === input.stateMachineArn);
    if (!machine)
      return reply(res, 400, {
        __type: 'StateMachineDoesNotExist',
        message: `no state machine ${input.stateMachineArn}`,
      });
    try {
      const { executionArn } = machine.start(JSON.parse(input.input ?? '{}'), input.name);
      return reply(res, 200, { executionArn, startDate: Date.now() / 1000 });
    } catch (error) {
      return reply(res, 400, { __type: 'ExecutionAlreadyExists', message: (error as Error).message });
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) =>
      reply(res, 400, { __type: 'SerializationException', message: String(error) }),
    );
  });
  return listenOnLoopback(server);
}
