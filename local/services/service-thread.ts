/**
 * The local runtime's stand-ins for DynamoDB (dynalite) and SQS (local-aws-sqs) on a thread of their
 * own. Every function of the runtime shares the main thread, as many Lambdas would share one
 * container; the services they call answer from this one, as AWS answers from elsewhere. During a
 * 10x burst dynalite alone took about 12 % of the main thread (docs/benchmarks.md, "Simulated days").
 * The endpoints stay loopback HTTP: nothing in the functions changes.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { startDynamo } from './dynamodb';
import { startSqs } from './sqs';

interface ServiceEndpoints {
  dynamodb: string;
  sqs: string;
}
type FromThread =
  | { type: 'ready'; endpoints: ServiceEndpoints }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

export interface BackingServices {
  endpoints: ServiceEndpoints;
  /** Where they run: `thread` (their own), or `main` (LOCAL_SERVICES_THREAD=off, or no thread could start). */
  where: 'thread' | 'main';
  close(): Promise<void>;
}

/** Starts dynalite (on disk at `dynamoPath`) and the SQS stand-in, on their own thread when it can. */
export async function startBackingServices(options: { dynamoPath: string }): Promise<BackingServices> {
  const file = fileURLToPath(import.meta.url);
  if (process.env.LOCAL_SERVICES_THREAD !== 'off' && existsSync(file)) {
    try {
      return await inThread(file, options);
    } catch (error) {
      process.stderr.write(`local services: no thread of their own (${String(error)}); on the main thread\n`);
    }
  }
  const dynamo = await startDynamo({ path: options.dynamoPath });
  const sqs = await startSqs();
  return {
    endpoints: { dynamodb: dynamo.endpoint, sqs: sqs.endpoint },
    where: 'main',
    async close() {
      await sqs.close();
      await dynamo.close();
    },
  };
}

async function inThread(file: string, options: { dynamoPath: string }): Promise<BackingServices> {
  const execArgv = [...process.execArgv];
  if (file.endsWith('.ts') && !execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
  const worker = new Worker(file, { execArgv, workerData: { dynamoPath: options.dynamoPath } });
  const endpoints = await new Promise<ServiceEndpoints>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`the services thread exited (${code}) before it was ready`)),
    );
    worker.on('message', (m: FromThread) => {
      if (m.type === 'ready') resolve(m.endpoints);
      if (m.type === 'failed') reject(new Error(m.message));
    });
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  // A thread that dies takes the runtime's storage with it: fail loudly, as a crashed service would.
  worker.on('error', (error) => process.stderr.write(`local services thread failed: ${String(error)}\n`));
  return {
    endpoints,
    where: 'thread',
    async close() {
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (m: FromThread) => m.type === 'closed' && resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' });
      await closed;
      await worker.terminate();
    },
  };
}

// --- The thread itself.
if (!isMainThread && parentPort && (workerData as { dynamoPath?: unknown })?.dynamoPath !== undefined) {
  const port = parentPort;
  const { dynamoPath } = workerData as { dynamoPath: string };
  void (async () => {
    try {
      const dynamo = await startDynamo({ path: dynamoPath });
      const sqs = await startSqs();
      port.on('message', async (m: { type: string }) => {
        if (m.type !== 'close') return;
        await sqs.close();
        await dynamo.close();
        port.postMessage({ type: 'closed' } satisfies FromThread);
      });
      port.postMessage({
        type: 'ready',
        endpoints: { dynamodb: dynamo.endpoint, sqs: sqs.endpoint },
      } satisfies FromThread);
    } catch (error) {
      port.postMessage({ type: 'failed', message: String(error) } satisfies FromThread);
    }
  })();
}
