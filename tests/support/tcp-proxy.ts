/**
 * A loopback TCP relay in front of a test server, so a test can stop a transfer at a chosen
 * point instead of racing a timer: once `holdAfter` bytes have gone up, the relay stops reading
 * from its clients and reports it. Held bytes are kept, not dropped, so `release` lets every
 * request finish on its own connection, exactly as if the network had stalled; `sever` is the
 * dead endpoint instead, and `garbleResponses` a network that tears what comes back.
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Client-to-server bytes forwarded so far. */
  uploaded(): number;
  /** Stop forwarding once this many more bytes have gone up; resolves when that happens. */
  holdAfter(bytes: number): Promise<void>;
  /** Forward the held bytes and go on normally. */
  release(): void;
  /**
   * Garble the first byte of `count` chunks that come back from the server, after letting
   * `skip` through, as a network that tore a response would: the client's HTTP parser rejects
   * each one. A short response (no body) is one chunk on loopback.
   */
  garbleResponses(count: number, skip?: number): void;
  /** Chunks garbled so far. */
  garbled(): number;
  /** Behave like a dead endpoint: close every connection now and each new one at once. */
  sever(): void;
  close(): Promise<void>;
}

interface Held {
  client: Socket;
  upstream: Socket;
  rest: Buffer;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let total = 0;
  let limit = Number.POSITIVE_INFINITY;
  let reached: (() => void) | null = null;
  let severed = false;
  let toGarble = 0;
  let toSkip = 0;
  let garbled = 0;
  const sockets = new Set<Socket>();
  const held = new Set<Held>();

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
      let out = chunk;
      if (toSkip > 0) toSkip--;
      else if (toGarble > 0) {
        toGarble--;
        garbled++;
        out = Buffer.from(chunk);
        out[0] = 0x58; // 'X' where "HTTP/1.1" starts
      }
      if (!client.write(out)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    upstream.on('end', () => client.end());
    client.on('data', (chunk: Buffer) => {
      const room = limit - total;
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      if (part.length > 0) {
        total += part.length;
        upstream.write(part);
      }
      if (part.length < chunk.length) {
        // Stalled, not lost: the rest of this chunk goes up on release.
        client.pause();
        held.add({ client, upstream, rest: chunk.subarray(part.length) });
      }
      if (total >= limit && reached) {
        const done = reached;
        reached = null;
        done();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const destroyAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    held.clear();
  };

  return {
    port,
    uploaded: () => total,
    holdAfter: (bytes) =>
      new Promise<void>((resolve) => {
        limit = total + bytes;
        reached = resolve;
      }),
    garbleResponses: (count, skip = 0) => {
      toGarble = count;
      toSkip = skip;
    },
    garbled: () => garbled,
    sever: () => {
      severed = true;
      destroyAll();
    },
    release: () => {
      severed = false;
      limit = Number.POSITIVE_INFINITY;
      for (const { client, upstream, rest } of held) {
        total += rest.length;
        upstream.write(rest);
        client.resume();
      }
      held.clear();
    },
    close: async () => {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
