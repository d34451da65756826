import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { TcpBalancer } from '../helpers/tcp-balancer';

/** The balancer the cluster tests put in front of their nodes: round robin, dead nodes skipped. */
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A server that answers every line with its own name and the line. */
async function namedEcho(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => socket.write(`${name}:${chunk.toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  cleanup.push(close);
  return { port: (server.address() as net.AddressInfo).port, close };
}

/** Connects through the balancer, sends `line`, resolves with the answer (or null when the connection is closed first). */
function ask(port: number, line: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(line));
    socket.once('data', (chunk) => {
      resolve(chunk.toString());
      socket.destroy();
    });
    socket.once('close', () => resolve(null));
    socket.on('error', () => {});
  });
}

describe('the test cluster balancer', () => {
  test('hands connections to the nodes in turn, with what the client sent before its node answered', async () => {
    const nodes = [await namedEcho('a'), await namedEcho('b'), await namedEcho('c')];
    const balancer = await new TcpBalancer(nodes.map((n) => n.port)).start();
    cleanup.push(() => balancer.stop());
    const answers: Array<string | null> = [];
    for (let i = 0; i < 6; i++) answers.push(await ask(balancer.port, `hello ${i}`));
    expect(answers).toEqual(['a:hello 0', 'b:hello 1', 'c:hello 2', 'a:hello 3', 'b:hello 4', 'c:hello 5']);
  });

  test('skips a node that refuses (killed), and closes a client when every node refuses', async () => {
    const nodes = [await namedEcho('a'), await namedEcho('b')];
    const balancer = await new TcpBalancer(nodes.map((n) => n.port)).start();
    cleanup.push(() => balancer.stop());
    await nodes[0].close();
    expect([await ask(balancer.port, 'x'), await ask(balancer.port, 'y')]).toEqual(['b:x', 'b:y']);
    await nodes[1].close();
    expect(await ask(balancer.port, 'z')).toBeNull();
  });
});
