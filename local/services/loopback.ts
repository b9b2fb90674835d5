import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts a local service on 127.0.0.1 (port 0: a free one) and gives its endpoint and a close. */
export async function listenOnLoopback(
  server: Server,
  port = 0,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
