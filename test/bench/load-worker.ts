/**
 * A load-generator process for `npm run bench`, driven by the orchestrator over IPC: a share of the
 * visitors (connect, say hello, send messages at a given rate, time acknowledgements and operator replies),
 * the operators (receive every visitor message, time its delivery, reply at a given rate), or the privacy
 * requesters with the loopback SMTP server that receives their codes.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { Ack } from '../../shared/errors';
import {
  OPERATOR_NAMESPACE,
  OperatorEvent,
  OperatorPush,
  VISITOR_NAMESPACE,
  VisitorEvent,
  VisitorPush,
  type OperatorClientToServer,
  type OperatorServerToClient,
  type VisitorClientToServer,
  type VisitorServerToClient,
} from '../../shared/protocol';
import type { MessageDto } from '../../shared/types';
import { BenchSmtp } from './bench-smtp';
import { call, connectSocket } from './client';
import { Histogram } from './histogram';
import { benchText, sentAtOf, wallNow, type WorkerCommand, type WorkerInit, type WorkerReply } from './messages';

type VisitorSocket = Socket<VisitorServerToClient, VisitorClientToServer>;
type OperatorSocket = Socket<OperatorServerToClient, OperatorClientToServer>;
type Emitter = { emit: (event: string, payload: unknown, ack: (a: Ack<unknown>) => void) => void };

const send = (reply: WorkerReply) => process.send!(reply);
const lag = monitorEventLoopDelay({ resolution: 5 });
lag.enable();

/** Counters of one phase, shared by both roles. */
class PhaseCounters {
  sent = 0;
  acked = 0;
  unanswered = 0;
  errors: Record<string, number> = {};
  ack = new Histogram();
  delivery = new Histogram();
  pending = new Map<string, number>();
  disconnects = 0;
  /** Operators: how many were reconnected before the phase (dropped in an earlier one). */
  reconnected = 0;
  private cpu = process.cpuUsage();
  private wall = performance.now();

  constructor() {
    lag.reset();
  }

  error(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  health() {
    const cpu = process.cpuUsage(this.cpu);
    return {
      cpuCore: Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - this.wall)) * 100) / 100,
      loopP99: Math.round((lag.percentile(99) / 1e6) * 10) / 10,
      rssMb: Math.round(process.memoryUsage().rss / 1048576),
    };
  }
}

/** Emits `count` times per second in total for `durationMs`, calling `fire` for each; resolves when done. */
function paced(rate: number, durationMs: number, fire: () => void): Promise<void> {
  return new Promise((resolve) => {
    const start = performance.now();
    let fired = 0;
    const timer = setInterval(() => {
      const elapsed = Math.min(durationMs, performance.now() - start);
      const due = Math.floor((rate * elapsed) / 1000) - fired;
      for (let i = 0; i < due; i++) fire();
      fired += Math.max(0, due);
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until nothing is pending or `ms` passed. */
async function settle(counters: PhaseCounters, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (counters.pending.size > 0 && performance.now() < until) await sleep(20);
  // Deliveries trail acknowledgements a little: give them the rest of the minimum settle time too.
  await sleep(Math.max(0, Math.min(until - performance.now(), 1000)));
}

function report(phase: string, c: PhaseCounters, extra: Partial<Extract<WorkerReply, { type: 'ran' }>> = {}): void {
  c.unanswered = c.pending.size;
  send({
    type: 'ran',
    phase,
    sent: c.sent,
    acked: c.acked,
    errors: c.errors,
    unanswered: c.unanswered,
    ack: c.ack.toJSON(),
    delivery: c.delivery.toJSON(),
    disconnects: c.disconnects,
    reconnected: c.reconnected,
    health: c.health(),
    ...extra,
  });
}

// ---------------------------------------------------------------- visitors

function visitorRole(init: Extract<WorkerInit, { role: 'visitors' }>) {
  const sockets: VisitorSocket[] = [];
  const ackedIds: string[] = [];
  let counters = new PhaseCounters();
  let next = 0;
  const serial = new Map<VisitorSocket, number>();

  async function connectOne(i: number, errors: Record<string, number>): Promise<boolean> {
    // Each visitor comes from its own address behind the (trusted) loopback proxy: 10.<worker>.<hi>.<lo>.
    const ip = `10.${init.workerIndex + 1}.${(i >> 8) & 255}.${i & 255}`;
    const socket: VisitorSocket = io(`${init.url}${VISITOR_NAMESPACE}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { 'x-forwarded-for': ip },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      const hello = await new Promise<Ack<unknown>>((resolve) =>
        (socket as unknown as Emitter).emit(
          VisitorEvent.hello,
          { lang: 'en', page: { url: 'https://shop.example/checkout', title: 'Checkout' } },
          resolve,
        ),
      );
      if (!hello.ok) throw new Error(hello.error.code);
    } catch (error) {
      const key = error instanceof Error ? error.message : String(error);
      errors[key] = (errors[key] ?? 0) + 1;
      socket.close();
      return false;
    }
    socket.on(VisitorPush.messageNew, (message: MessageDto) => {
      if (message.author !== 'operator') return;
      const sentAt = sentAtOf(message.text);
      if (sentAt !== null) counters.delivery.record(wallNow() - sentAt);
    });
    socket.on('disconnect', () => counters.disconnects++);
    serial.set(socket, 0);
    sockets.push(socket);
    return true;
  }

  async function connect(): Promise<void> {
    const started = performance.now();
    const errors: Record<string, number> = {};
    let index = 0;
    let failed = 0;
    const lane = async () => {
      while (index < init.count) if (!(await connectOne(index++, errors))) failed++;
    };
    await Promise.all(Array.from({ length: init.connectConcurrency }, lane));
    send({ type: 'connected', connected: sockets.length, failed, ms: Math.round(performance.now() - started), errors });
  }

  return {
    connect,
    async run(cmd: Extract<WorkerCommand, { cmd: 'run' }>): Promise<void> {
      counters = new PhaseCounters();
      // Visitor indexes are found by position; build the lookup once per phase instead of indexOf per message.
      const position = new Map(sockets.map((s, i) => [s, i]));
      const phaseSend = () => {
        if (sockets.length === 0) return;
        const socket = sockets[next++ % sockets.length];
        if (!socket.connected) return;
        const n = serial.get(socket)! + 1;
        serial.set(socket, n);
        const clientId = `${cmd.phase}w${init.workerIndex}v${position.get(socket)}n${n}`;
        const c = counters;
        const startedAt = performance.now();
        c.sent++;
        c.pending.set(clientId, startedAt);
        (socket as unknown as Emitter).emit(VisitorEvent.messageSend, { clientId, text: benchText(wallNow()) }, (ack) => {
          c.pending.delete(clientId);
          c.ack.record(performance.now() - startedAt);
          if (ack.ok) {
            c.acked++;
            ackedIds.push(clientId);
          } else c.error(ack.error.code);
        });
      };
      if (cmd.rate > 0) await paced(cmd.rate, cmd.durationMs, phaseSend);
      else await sleep(cmd.durationMs);
      await settle(counters, cmd.settleMs);
      report(cmd.phase, counters);
    },
    ids(file: string): void {
      fs.writeFileSync(file, ackedIds.join('\n'));
      send({ type: 'ids-written', count: ackedIds.length });
    },
    close(): void {
      for (const socket of sockets) socket.close();
    },
  };
}

// ---------------------------------------------------------------- operators

function operatorRole(init: Extract<WorkerInit, { role: 'operators' }>) {
  const sockets: OperatorSocket[] = [];
  let counters = new PhaseCounters();
  /** Visitor messages of the current phase: which operators (bit per operator) have seen each. */
  let seenBy = new Map<string, number>();
  let perOperator: number[] = [];
  let repeats = 0;
  let phasePrefix = '';
  /** Conversations with recent visitor messages, for replies. */
  const recent: string[] = [];
  let serial = 0;

  /** Connects operator `index` (again, after a drop); false when refused. */
  async function connectOne(index: number, errors: Record<string, number>): Promise<boolean> {
    const cookie = init.cookies[index];
    const socket: OperatorSocket = io(`${init.url}${OPERATOR_NAMESPACE}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { cookie },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
    } catch (error) {
      const key = error instanceof Error ? error.message : String(error);
      errors[key] = (errors[key] ?? 0) + 1;
      socket.close();
      return false;
    }
    const bit = 1 << index;
    const onMessage = (message: MessageDto) => {
      if (message.author !== 'visitor') return;
      if (recent.length < 1000) recent.push(message.conversationId);
      else recent[serial % 1000] = message.conversationId;
      if (!message.clientId.startsWith(phasePrefix) || phasePrefix === '') return;
      const mask = seenBy.get(message.clientId) ?? 0;
      if (mask & bit) repeats++;
      else {
        seenBy.set(message.clientId, mask | bit);
        perOperator[index]++;
      }
      const sentAt = sentAtOf(message.text);
      if (sentAt !== null) counters.delivery.record(wallNow() - sentAt);
    };
    socket.on(OperatorPush.messages, (pushes: Array<{ message: MessageDto }>) => {
      for (const { message } of pushes) onMessage(message);
    });
    socket.on('disconnect', () => counters.disconnects++);
    sockets[index] = socket;
    return true;
  }

  async function connect(): Promise<void> {
    const started = performance.now();
    const errors: Record<string, number> = {};
    await Promise.all(init.cookies.map((_cookie, index) => connectOne(index, errors)));
    const live = sockets.filter(Boolean);
    send({
      type: 'connected',
      connected: live.length,
      failed: init.cookies.length - live.length,
      ms: Math.round(performance.now() - started),
      errors,
    });
  }

  function reply(phase: string): void {
    const live = sockets.filter((s) => s?.connected);
    if (live.length === 0 || recent.length === 0) return;
    const socket = live[serial % live.length];
    const conversationId = recent[serial % recent.length];
    serial++;
    // Unique across operator processes: two replying into one conversation must not reuse an id.
    const clientId = `${phase}o${init.workerIndex}p${String(serial).padStart(6, '0')}`;
    const c = counters;
    const startedAt = performance.now();
    c.sent++;
    c.pending.set(clientId, startedAt);
    (socket as unknown as Emitter).emit(OperatorEvent.messageSend, { conversationId, clientId, text: benchText(wallNow()) }, (ack) => {
      c.pending.delete(clientId);
      c.ack.record(performance.now() - startedAt);
      if (ack.ok) c.acked++;
      else c.error(ack.error.code);
    });
  }

  return {
    connect,
    async run(cmd: Extract<WorkerCommand, { cmd: 'run' }>): Promise<void> {
      // Operators cut off in an earlier phase (a ping timeout while the server was saturated) come back,
      // as the console does, so every phase measures delivery to all of them.
      const dropped = init.cookies.map((_c, i) => i).filter((i) => !sockets[i]?.connected);
      await Promise.all(dropped.map((i) => connectOne(i, {})));
      counters = new PhaseCounters();
      counters.reconnected = dropped.length;
      seenBy = new Map();
      perOperator = init.cookies.map(() => 0);
      repeats = 0;
      phasePrefix = cmd.phase;
      if (cmd.rate > 0) await paced(cmd.rate, cmd.durationMs, () => reply(cmd.phase));
      else await sleep(cmd.durationMs);
      await settle(counters, cmd.settleMs);
      const live = perOperator.filter((_n, i) => sockets[i]);
      report(cmd.phase, counters, {
        seen: { distinct: seenBy.size, minPerOperator: Math.min(...live), maxPerOperator: Math.max(...live), repeats },
      });
      seenBy = new Map();
    },
    ids(): void {
      send({ type: 'ids-written', count: 0 });
    },
    close(): void {
      for (const socket of sockets) socket?.close();
    },
  };
}

// ---------------------------------------------------------------- privacy requesters

/** Each requester: connect, hello, start an access request, read the code from the mail, verify. */
async function privacyRequesters(smtp: BenchSmtp, cmd: Extract<WorkerCommand, { cmd: 'privacy' }>): Promise<void> {
  await sleep(cmd.delayMs);
  const counters = new PhaseCounters();
  const started = performance.now();
  const total = new Histogram();
  let verified = 0;
  const one = async (i: number) => {
    const email = `requester${i}@bench.test`;
    const t0 = performance.now();
    let socket: Awaited<ReturnType<typeof connectSocket>> | null = null;
    try {
      socket = await connectSocket(`${cmd.url}${VISITOR_NAMESPACE}`, { 'x-forwarded-for': `10.200.${i >> 8}.${i & 255}` });
      const hello = await call(socket, VisitorEvent.hello, { lang: 'en' });
      if (!hello.ok) throw new Error(hello.error.code);
      const begun = await call(socket, VisitorEvent.privacyStart, { type: 'access', email });
      if (!begun.ok) throw new Error(begun.error.code);
      const { verificationId } = begun.data as { verificationId: string };
      const code = await smtp.codeFor(email, 60_000);
      const done = await call(socket, VisitorEvent.privacyVerify, { verificationId, code });
      if (!done.ok) throw new Error(done.error.code);
      verified++;
      total.record(performance.now() - t0);
    } catch (error) {
      counters.error(error instanceof Error ? error.message.slice(0, 60) : String(error));
    } finally {
      socket?.close();
    }
  };
  // All at once: the harshest arrival for the chat running beside them.
  await Promise.all(Array.from({ length: cmd.count }, (_x, i) => one(i)));
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  // Each verified requester is owed a code and a confirmation; the confirmations are still on their way.
  const toRequesters = () => smtp.mails.filter((m) => m.to.some((to) => to.endsWith('@bench.test'))).length;
  const until = performance.now() + 15_000;
  while (toRequesters() < 2 * verified && performance.now() < until) await sleep(50);
  send({
    type: 'privacy-done',
    requesters: cmd.count,
    verified,
    errors: counters.errors,
    mailsReceived: toRequesters(),
    smtpConnectionErrors: smtp.connectionErrors,
    startToVerifiedMs: total.summary(),
    seconds,
    health: counters.health(),
  });
}

// ---------------------------------------------------------------- wiring

let role: ReturnType<typeof visitorRole> | ReturnType<typeof operatorRole> | null = null;
let smtp: BenchSmtp | null = null;
process.on('message', (raw) => {
  const message = raw as WorkerInit | WorkerCommand;
  const handle = async () => {
    if ('role' in message) {
      if (message.role === 'privacy') {
        smtp = await new BenchSmtp().start();
        send({ type: 'ready', smtpUrl: smtp.url });
        return;
      }
      role = message.role === 'visitors' ? visitorRole(message) : operatorRole(message);
      send({ type: 'ready' });
      return;
    }
    if (message.cmd === 'privacy') {
      if (!smtp) throw new Error('not the privacy process');
      return privacyRequesters(smtp, message);
    }
    if (message.cmd === 'close') {
      role?.close();
      // The server's pooled SMTP connections may still be open: do not wait for them.
      if (smtp) await Promise.race([smtp.stop().catch(() => {}), sleep(1000)]);
      process.exit(0);
    }
    if (!role) throw new Error('not initialised');
    switch (message.cmd) {
      case 'connect':
        return role.connect();
      case 'run':
        return role.run(message);
      case 'ids':
        return role.ids(message.file);
    }
  };
  handle().catch((error: unknown) =>
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
// The orchestrator gone, this process has nothing left to do.
process.on('disconnect', () => process.exit(0));
