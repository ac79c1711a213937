/**
 * A loopback TCP relay in front of a test server, so a test can cut the connection at a chosen
 * point of a transfer instead of racing a timer: once `holdAfter` bytes have gone up, the relay
 * stops forwarding and reports it, and the test stops the server behind it with data in flight.
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Client-to-server bytes forwarded so far. */
  uploaded(): number;
  /** Stop forwarding once this many more bytes have gone up; resolves when that happens. */
  holdAfter(bytes: number): Promise<void>;
  /** Forward normally again (connections held so far are closed). */
  release(): void;
  /** Behave like a dead endpoint: close every connection now and each new one at once. */
  sever(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let total = 0;
  let limit = Number.POSITIVE_INFINITY;
  let reached: (() => void) | null = null;
  let severed = false;
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    if (severed) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    upstream.on('error', drop);
    client.on('error', drop);
    upstream.on('close', drop);
    client.on('close', drop);
    upstream.connect(targetPort, '127.0.0.1');
    upstream.on('data', (chunk: Buffer) => {
      if (total < limit) client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (total >= limit) return;
      const room = limit - total;
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      total += part.length;
      upstream.write(part);
      if (total >= limit && reached) {
        const done = reached;
        reached = null;
        done();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    uploaded: () => total,
    holdAfter: (bytes) =>
      new Promise<void>((resolve) => {
        limit = total + bytes;
        reached = resolve;
      }),
    sever: () => {
      severed = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    release: () => {
      severed = false;
      limit = Number.POSITIVE_INFINITY;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
