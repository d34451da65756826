/**
 * `npm run bench`: the production build of the server on loopback with a fresh database
 * (WAL, synchronous=FULL), driven by load-generator processes with socket.io-client. Phases:
 *   connect  — N visitors connect and say hello; server RSS and heap per connection;
 *   steady   — R messages/s from visitors for T s with operators connected, receiving and replying;
 *   privacy  — 200 requesters through e-mail verification while the chat runs at R (their own process,
 *              with the loopback SMTP server the server mails them through);
 *   ramp     — rising rates until acknowledgement p99 passes 50 ms;
 *   soak     — opt-in (`--soak`): 10 minutes at R, server memory sampled.
 * Then the server is stopped and the database checked: every acknowledged message stored, exactly once.
 * Prints a table and writes JSON (`--out`, default test/bench/results.json). Stops by itself.
 *
 *   npm run bench                                   # the full run (about 4 minutes)
 *   npm run bench -- --visitors 500 --rate 200 --duration 5 --out /tmp/bench.json   # a quick look
 *   npm run bench -- --soak                         # connect + the 10-minute soak only
 *   npm run bench -- --connect-only --visitors 2000  # the connect phase only (memory per connection); writes nothing
 *   npm run bench -- --profile                      # also a CPU profile and allocation sampling of the server during steady (dist/bench-profiles/)
 *   npm run bench -- --node-flags "--max-semi-space-size=32"   # the server under other Node/V8 options
 *
 * Not part of `npm test`: speed is measured here, never in timed tests.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OPERATOR_NAMESPACE, OperatorEvent } from '../../shared/protocol';
import type { ProbeStats } from '../../server/platform/bench-probe';
import { call, connectSocket } from './client';
import { Histogram } from './histogram';
import type { GeneratorHealth, PrivacyFlow, WorkerReply } from './messages';
import { ROOT, buildServer, productionNodeFlags, startServer, startWorker, type ServerHandle, type WorkerHandle } from './processes';
import { printReport, type BenchResults, type ChatPhase } from './report';

// ---------------------------------------------------------------- options

function parseOptions(argv: string[]) {
  const options = {
    visitors: 10_000,
    rate: 2000,
    duration: 30,
    operators: 20,
    replyRate: 200,
    workers: 2,
    operatorWorkers: 2,
    ramp: true,
    rampStart: 250,
    rampStep: 250,
    rampMax: 10_000,
    rampSeconds: 10,
    privacy: true,
    requesters: 200,
    soak: false,
    soakMinutes: 10,
    connectOnly: false,
    profile: false,
    /** Node/V8 options for the server process, e.g. "--max-semi-space-size=32". */
    nodeFlags: '',
    out: path.join(ROOT, 'test/bench/results.json'),
  };
  const numeric: Record<string, keyof typeof options> = {
    '--visitors': 'visitors',
    '--rate': 'rate',
    '--duration': 'duration',
    '--operators': 'operators',
    '--reply-rate': 'replyRate',
    '--workers': 'workers',
    '--operator-workers': 'operatorWorkers',
    '--ramp-start': 'rampStart',
    '--ramp-step': 'rampStep',
    '--ramp-max': 'rampMax',
    '--ramp-seconds': 'rampSeconds',
    '--requesters': 'requesters',
    '--soak-minutes': 'soakMinutes',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg in numeric) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value < 0) throw new Error(`${arg} needs a number`);
      (options as Record<string, unknown>)[numeric[arg]] = value;
    } else if (arg === '--no-ramp') options.ramp = false;
    else if (arg === '--no-privacy') options.privacy = false;
    else if (arg === '--soak') options.soak = true;
    else if (arg === '--connect-only') options.connectOnly = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--out') options.out = path.resolve(argv[++i]);
    else if (arg === '--node-flags') options.nodeFlags = argv[++i] ?? '';
    else throw new Error(`unknown option ${arg} (see the top of test/bench/bench.ts)`);
  }
  if (options.operators < 1 || options.operators > 30) throw new Error('--operators must be 1–30');
  if (options.workers < 1) throw new Error('--workers must be at least 1');
  return options;
}

export type BenchOptions = ReturnType<typeof parseOptions>;

// ---------------------------------------------------------------- helpers

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const ADMIN = { email: 'bench-admin@bench.test', password: 'bench admin password' };
const OPERATOR_PASSWORD = 'bench operator password';

function machine() {
  const cpus = os.cpus();
  let busy = 'unknown';
  try {
    busy = String(execFileSync('sh', ['-c', "pgrep -fa 'vitest|chromium' | grep -v pgrep | wc -l"]).toString().trim());
  } catch {
    // pgrep missing: leave it unknown.
  }
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1073741824) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    /** What `npm start` gives the server (package.json), which the bench starts the bundle with too. */
    serverNodeFlags: productionNodeFlags(),
    loadAverageAtStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
    ...fsyncTimes(),
    otherTestProcessesAtStart: Number(busy),
  };
}

/**
 * How long an fsync of a small write takes where the server's database will be (the temp directory): the
 * floor under every group commit, so runs on different disks can be compared.
 */
function fsyncTimes(): { fsyncP50Ms: number; fsyncP99Ms: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-fsync-'));
  const fd = fs.openSync(path.join(dir, 'probe'), 'w');
  const times: number[] = [];
  try {
    const page = Buffer.alloc(4096, 1);
    for (let i = 0; i < 200; i++) {
      fs.writeSync(fd, page, 0, page.length, (i % 16) * page.length);
      const start = process.hrtime.bigint();
      fs.fsyncSync(fd);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 1000) / 1000;
  return { fsyncP50Ms: at(0.5), fsyncP99Ms: at(0.99) };
}

async function signIn(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${email} failed: ${res.status}`);
  return res.headers.get('set-cookie')!.split(';')[0];
}

/** The admin plus `count - 1` operators, each signed in: their session cookies. */
async function operatorCookies(url: string, count: number): Promise<string[]> {
  const adminCookie = await signIn(url, ADMIN.email, ADMIN.password);
  const admin = await connectSocket(`${url}${OPERATOR_NAMESPACE}`, { cookie: adminCookie });
  const cookies = [adminCookie];
  for (let i = 1; i < count; i++) {
    const email = `operator${i}@bench.test`;
    const created = await call(admin, OperatorEvent.operatorCreate, {
      email,
      name: `Operator ${i}`,
      role: 'operator',
      password: OPERATOR_PASSWORD,
    });
    if (!created.ok) throw new Error(`creating ${email} failed: ${created.error.code}`);
    cookies.push(await signIn(url, email, OPERATOR_PASSWORD));
  }
  admin.close();
  return cookies;
}

function addErrors(into: Record<string, number>, from: Record<string, number>): void {
  for (const [code, n] of Object.entries(from)) into[code] = (into[code] ?? 0) + n;
}

function worstHealth(healths: GeneratorHealth[]): GeneratorHealth {
  return {
    cpuCore: Math.round(healths.reduce((sum, h) => sum + h.cpuCore, 0) * 100) / 100,
    loopP99: Math.max(...healths.map((h) => h.loopP99)),
    rssMb: healths.reduce((sum, h) => sum + h.rssMb, 0),
  };
}

type Ran = Extract<WorkerReply, { type: 'ran' }>;

/** The operator processes' figures of one phase as one: sums, merged histograms, the fewest seen by any operator. */
function mergeOperatorRuns(parts: Ran[]): Ran {
  const ack = new Histogram();
  const delivery = new Histogram();
  const errors: Record<string, number> = {};
  for (const p of parts) {
    ack.merge(p.ack);
    delivery.merge(p.delivery);
    addErrors(errors, p.errors);
  }
  const sum = (pick: (p: Ran) => number) => parts.reduce((n, p) => n + pick(p), 0);
  return {
    type: 'ran',
    phase: parts[0].phase,
    sent: sum((p) => p.sent),
    acked: sum((p) => p.acked),
    errors,
    unanswered: sum((p) => p.unanswered),
    ack: ack.toJSON(),
    delivery: delivery.toJSON(),
    seen: {
      distinct: Math.max(...parts.map((p) => p.seen!.distinct)),
      minPerOperator: Math.min(...parts.map((p) => p.seen!.minPerOperator)),
      maxPerOperator: Math.max(...parts.map((p) => p.seen!.maxPerOperator)),
      repeats: sum((p) => p.seen!.repeats),
    },
    disconnects: sum((p) => p.disconnects),
    reconnected: sum((p) => p.reconnected),
    health: worstHealth(parts.map((p) => p.health)),
  };
}

function serverFigures(stats: ProbeStats) {
  const wall = stats.cpuMs.wallMs || 1;
  return {
    loopDelayP50: Math.round(stats.loopDelay.p50 * 10) / 10,
    loopDelayP99: Math.round(stats.loopDelay.p99 * 10) / 10,
    loopDelayMax: Math.round(stats.loopDelay.max * 10) / 10,
    cpuCore: Math.round(((stats.cpuMs.user + stats.cpuMs.system) / wall) * 100) / 100,
    // The same CPU by thread (Linux): where the next saving has to come from.
    threadCores: stats.threadCpuMs && {
      main: Math.round((stats.threadCpuMs.main / wall) * 100) / 100,
      writer: Math.round((stats.threadCpuMs.writer / wall) * 100) / 100,
      other: Math.round((stats.threadCpuMs.other / wall) * 100) / 100,
    },
    mainLoopUtilization: Math.round(stats.mainLoopUtilization * 1000) / 1000,
    gcPauses: {
      count: stats.gc.count,
      totalMs: Math.round(stats.gc.totalMs),
      maxMs: Math.round(stats.gc.maxMs * 10) / 10,
      major: stats.gc.major,
      majorMaxMs: Math.round(stats.gc.majorMaxMs * 10) / 10,
    },
    // Group commit: the share of wall time the writer thread spent running and committing batches (fsync included).
    commitBatches: stats.writer.batches,
    // Over 20 ms: batches whose transaction took that long; writes that waited that long from asked to committed.
    slowCommits: stats.writer.slowBatches,
    slowWrites: stats.writer.slowWrites,
    writesPerBatch: Math.round((stats.writer.writes / Math.max(1, stats.writer.batches)) * 10) / 10,
    commitBusyShare: Math.round((stats.writer.busyMs / wall) * 1000) / 1000,
    commitMsPerBatch: Math.round((stats.writer.busyMs / Math.max(1, stats.writer.batches)) * 100) / 100,
    rssMb: mb(stats.rss),
    heapUsedMb: mb(stats.heapUsed),
  };
}

// ---------------------------------------------------------------- phases

class Bench {
  private server!: ServerHandle;
  /** The privacy requesters and the SMTP server the server sends its mail to. */
  private privacyWorker!: WorkerHandle;
  private visitorWorkers: WorkerHandle[] = [];
  /** The operators' consoles, split over processes as they would be over browsers. */
  private operatorWorkers: WorkerHandle[] = [];
  private dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-bench-'));
  private phaseNo = 0;

  constructor(private readonly options: BenchOptions) {}

  async start(): Promise<void> {
    const o = this.options;
    this.privacyWorker = startWorker();
    const { smtpUrl } = await this.privacyWorker.ask({ role: 'privacy' }, 'ready');
    this.server = await startServer(
      {
        DATABASE_PATH: path.join(this.dir, 'chat.db'),
        BUNDLE_DIR: path.join(this.dir, 'public'),
        SMTP_URL: smtpUrl!,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        // The generators stand in for visitors on many networks behind a reverse proxy on loopback: each
        // visitor's address comes in X-Forwarded-For, so per-network limits apply per visitor as in production.
        TRUST_PROXY: 'loopback',
        // A site's own per-visitor message limits (see README): the ramp makes each visitor send more than
        // the defaults allow an hour. Nothing else is relaxed.
        VISITOR_MESSAGE_LIMITS: '100,100000',
      },
      o.nodeFlags.split(/\s+/).filter(Boolean),
    );
    const perWorker = Math.ceil(o.visitors / o.workers);
    for (let w = 0; w < o.workers; w++) {
      const worker = startWorker();
      const count = Math.min(perWorker, o.visitors - w * perWorker);
      await worker.ask({ role: 'visitors', url: this.server.url, count, workerIndex: w, connectConcurrency: 64 }, 'ready');
      this.visitorWorkers.push(worker);
    }
    const cookies = await operatorCookies(this.server.url, o.operators);
    const perProcess = Math.ceil(cookies.length / Math.max(1, o.operatorWorkers));
    for (let from = 0; from < cookies.length; from += perProcess) {
      const worker = startWorker();
      await worker.ask(
        {
          role: 'operators',
          url: this.server.url,
          cookies: cookies.slice(from, from + perProcess),
          workerIndex: this.operatorWorkers.length,
        },
        'ready',
      );
      this.operatorWorkers.push(worker);
    }
    const ops = await Promise.all(this.operatorWorkers.map((w) => w.ask({ cmd: 'connect' }, 'connected')));
    const connected = ops.reduce((sum, r) => sum + r.connected, 0);
    if (connected !== o.operators)
      throw new Error(`only ${connected} of ${o.operators} operators connected: ${JSON.stringify(ops.map((r) => r.errors))}`);
  }

  /** Phase 1: connect and greet every visitor; memory per connection, after a full GC before and after. */
  async connect() {
    await sleep(500);
    const before = await this.server.probe({ gc: true, reset: true });
    const started = performance.now();
    const replies = await Promise.all(this.visitorWorkers.map((w) => w.ask({ cmd: 'connect' }, 'connected')));
    const ms = performance.now() - started;
    const connected = replies.reduce((sum, r) => sum + r.connected, 0);
    const errors: Record<string, number> = {};
    for (const r of replies) addErrors(errors, r.errors);
    // Let the connection burst's garbage and socket buffers settle before measuring.
    await sleep(2000);
    const during = await this.server.probe({ reset: true });
    const after = await this.server.probe({ gc: true });
    return {
      visitors: connected,
      failed: replies.reduce((sum, r) => sum + r.failed, 0),
      errors,
      seconds: Math.round(ms / 100) / 10,
      perSecond: Math.round(connected / (ms / 1000)),
      server: {
        before: { rssMb: mb(before.rss), heapUsedMb: mb(before.heapUsed) },
        after: { rssMb: mb(after.rss), heapUsedMb: mb(after.heapUsed), externalMb: mb(after.external) },
        loopDelayP99DuringConnect: Math.round(during.loopDelay.p99 * 10) / 10,
      },
      rssPerConnectionKb: Math.round(((after.rss - before.rss) / Math.max(1, connected) / 1024) * 10) / 10,
      heapPerConnectionKb: Math.round(((after.heapUsed - before.heapUsed) / Math.max(1, connected) / 1024) * 10) / 10,
    };
  }

  /** Runs chat traffic at `rate` for `seconds` (visitors send, operators reply) and gathers every figure. */
  async chat(rate: number, seconds: number, replyRate: number, alongside?: () => Promise<unknown>, profileAs?: string): Promise<ChatPhase> {
    const phase = `p${++this.phaseNo}x`;
    if (profileAs) await this.server.profileStart();
    const durationMs = seconds * 1000;
    const settleMs = 10_000;
    await this.server.probe({ reset: true });
    const share = rate / this.visitorWorkers.length;
    const replyShare = replyRate / this.operatorWorkers.length;
    const [operatorParts, side, ...visitors] = await Promise.all([
      Promise.all(this.operatorWorkers.map((w) => w.ask({ cmd: 'run', phase, rate: replyShare, durationMs, settleMs }, 'ran'))),
      alongside ? alongside() : Promise.resolve(null),
      ...this.visitorWorkers.map((w) => w.ask({ cmd: 'run', phase, rate: share, durationMs, settleMs }, 'ran')),
    ]);
    void side;
    const operators = mergeOperatorRuns(operatorParts);
    const stats = await this.server.probe({ reset: true });
    if (profileAs) {
      const dir = path.join(ROOT, 'dist/bench-profiles');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${profileAs}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
      await this.server.profileStop(file);
      console.log(
        `  CPU profile of the server: ${path.relative(process.cwd(), file)} (summary: npx tsx test/bench/profile-summary.ts <file>)`,
      );
    }
    return this.summarise(rate, seconds, visitors, operators, stats);
  }

  private summarise(
    rate: number,
    seconds: number,
    visitors: Array<Extract<WorkerReply, { type: 'ran' }>>,
    operators: Extract<WorkerReply, { type: 'ran' }>,
    stats: ProbeStats,
  ): ChatPhase {
    const ack = new Histogram();
    const o2v = new Histogram();
    const errors: Record<string, number> = {};
    let sent = 0;
    let acked = 0;
    let unanswered = 0;
    let disconnects = operators.disconnects;
    for (const v of visitors) {
      ack.merge(v.ack);
      o2v.merge(v.delivery);
      addErrors(errors, v.errors);
      sent += v.sent;
      acked += v.acked;
      unanswered += v.unanswered;
      disconnects += v.disconnects;
    }
    const seen = operators.seen!;
    return {
      targetRate: rate,
      seconds,
      sent,
      acked,
      achievedRate: Math.round(acked / seconds),
      errors,
      unanswered,
      disconnects,
      operatorsReconnectedBefore: operators.reconnected,
      ack: ack.summary(),
      visitorToOperator: Histogram.from(operators.delivery).summary(),
      operatorToVisitor: o2v.summary(),
      operatorReplies: {
        sent: operators.sent,
        acked: operators.acked,
        errors: operators.errors,
        ack: Histogram.from(operators.ack).summary(),
      },
      // Every operator should have received every acknowledged visitor message of the phase, once.
      deliveredToEveryOperator: seen.minPerOperator,
      missedByAnOperator: Math.max(0, acked - seen.minPerOperator),
      repeatedDeliveries: seen.repeats,
      server: {
        ...serverFigures(stats),
        cpuMsPerMessage: Math.round(((stats.cpuMs.user + stats.cpuMs.system) / Math.max(1, acked + operators.acked)) * 1000) / 1000,
      },
      generators: { visitors: worstHealth(visitors.map((v) => v.health)), operators: operators.health },
    };
  }

  /** The privacy requesters (their own process, with the SMTP server): all at once, a second into the chat traffic. */
  async privacy(count: number): Promise<PrivacyFlow> {
    const { type: _type, ...flow } = await this.privacyWorker.ask(
      { cmd: 'privacy', url: this.server.url, count, delayMs: 1000 },
      'privacy-done',
    );
    return flow;
  }

  /** Raises the rate step by step until acknowledgement p99 passes 50 ms (or the rate is not reached). */
  async ramp() {
    const o = this.options;
    const steps: Array<{
      rate: number;
      achievedRate: number;
      ackP99: number;
      deliveryP99: number;
      loopP99: number;
      serverCpu: number;
      errors: number;
      passed: boolean;
    }> = [];
    let best = 0;
    for (let rate = o.rampStart; rate <= o.rampMax; rate += o.rampStep) {
      const phase = await this.chat(rate, o.rampSeconds, Math.round((rate * o.replyRate) / o.rate));
      const errors = [phase.errors, phase.operatorReplies.errors].flatMap(Object.values).reduce((a, b) => a + b, 0) + phase.unanswered;
      const passed = phase.ack.p99 <= 50 && phase.achievedRate >= rate * 0.97 && errors === 0;
      steps.push({
        rate,
        achievedRate: phase.achievedRate,
        ackP99: phase.ack.p99,
        deliveryP99: phase.visitorToOperator.p99,
        loopP99: phase.server.loopDelayP99,
        serverCpu: phase.server.cpuCore,
        errors,
        passed,
      });
      console.log(
        `  ramp ${rate} msg/s: achieved ${phase.achievedRate}, ack p99 ${phase.ack.p99} ms, v→o p99 ${phase.visitorToOperator.p99} ms, loop p99 ${phase.server.loopDelayP99} ms, server CPU ${phase.server.cpuCore} — ${passed ? 'ok' : 'over'}`,
      );
      if (!passed) break;
      best = rate;
    }
    return { stepSeconds: o.rampSeconds, highestRateWithAckP99Under50ms: best, steps };
  }

  /** Memory over a long run at the default rate, sampled every 10 s. */
  async soak(minutes: number) {
    const samples: Array<{ atSeconds: number; rssMb: number; heapUsedMb: number }> = [];
    const started = performance.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const stats = await this.server.probe();
        samples.push({ atSeconds: Math.round((performance.now() - started) / 1000), rssMb: mb(stats.rss), heapUsedMb: mb(stats.heapUsed) });
        await sleep(10_000);
      }
    })();
    const phase = await this.chat(this.options.rate, minutes * 60, this.options.replyRate);
    sampling = false;
    await sampler;
    const afterGc = await this.server.probe({ gc: true });
    // Growth after warm-up: least-squares slope over the samples after the first fifth of the run.
    const warm = samples.filter((s) => s.atSeconds >= (minutes * 60) / 5);
    const slope = (key: 'rssMb' | 'heapUsedMb') => {
      const n = warm.length;
      if (n < 2) return 0;
      const mx = warm.reduce((a, s) => a + s.atSeconds, 0) / n;
      const my = warm.reduce((a, s) => a + s[key], 0) / n;
      const num = warm.reduce((a, s) => a + (s.atSeconds - mx) * (s[key] - my), 0);
      const den = warm.reduce((a, s) => a + (s.atSeconds - mx) ** 2, 0);
      return Math.round((num / den) * 60 * 100) / 100;
    };
    return {
      minutes,
      chat: phase,
      samples,
      afterWarmUp: {
        rssMbPerMinute: slope('rssMb'),
        heapUsedMbPerMinute: slope('heapUsedMb'),
        rssMbRange: [Math.min(...warm.map((s) => s.rssMb)), Math.max(...warm.map((s) => s.rssMb))],
        heapUsedMbRange: [Math.min(...warm.map((s) => s.heapUsedMb)), Math.max(...warm.map((s) => s.heapUsedMb))],
      },
      heapUsedMbAfterGc: mb(afterGc.heapUsed),
    };
  }

  /** Stops everything and checks the database: every acknowledged visitor message stored exactly once. */
  async finish() {
    const idFiles = this.visitorWorkers.map((_w, i) => path.join(this.dir, `acked-${i}.txt`));
    await Promise.all(this.visitorWorkers.map((w, i) => w.ask({ cmd: 'ids', file: idFiles[i] }, 'ids-written')));
    for (const w of [...this.visitorWorkers, ...this.operatorWorkers]) w.child.send({ cmd: 'close' });
    const exit = await this.server.stop();
    // The privacy process holds the SMTP server the stopping server may still be sending mail to.
    this.privacyWorker.child.send({ cmd: 'close' });
    const db = new Database(path.join(this.dir, 'chat.db'), { readonly: true });
    try {
      const stored = new Map<string, number>();
      for (const row of db
        .prepare(`SELECT client_id AS id, count(*) AS n FROM messages WHERE author = 'visitor' GROUP BY client_id`)
        .iterate() as Iterable<{ id: string; n: number }>) {
        stored.set(row.id, row.n);
      }
      let acked = 0;
      let lost = 0;
      for (const file of idFiles) {
        for (const id of fs.readFileSync(file, 'utf8').split('\n')) {
          if (!id) continue;
          acked++;
          if (!stored.has(id)) lost++;
        }
      }
      let duplicated = 0;
      for (const n of stored.values()) if (n > 1) duplicated += n - 1;
      const tickets = db.prepare(`SELECT count(*) FROM privacy_requests WHERE state = 'verified'`).pluck().get() as number;
      return { serverExit: exit, acknowledged: acked, storedVisitorMessages: stored.size, lost, duplicated, verifiedTickets: tickets };
    } finally {
      db.close();
    }
  }

  async cleanup(): Promise<void> {
    if (this.server?.child.exitCode === null) await this.server.stop();
    for (const w of [...this.visitorWorkers, ...this.operatorWorkers, this.privacyWorker]) w?.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const started = new Date();
  const host = machine();
  console.log(
    `bench: ${o.visitors} visitors, ${o.rate} msg/s for ${o.duration} s, ${o.operators} operators on ${host.cores} cores; load average ${host.loadAverageAtStart.join(' ')}; server node flags ${[...host.serverNodeFlags, o.nodeFlags].join(' ').trim() || 'none'}`,
  );
  // Bounded: however the server or a generator behaves, the run ends.
  const budgetMs =
    (5 * 60 +
      o.duration * 3 +
      (o.ramp ? ((o.rampMax - o.rampStart) / o.rampStep + 1) * (o.rampSeconds + 15) : 0) +
      (o.soak ? o.soakMinutes * 60 : 0)) *
    1000;
  const bench = new Bench(o);
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${Math.round(budgetMs / 1000)} s; stopping`);
    void bench.cleanup().finally(() => process.exit(2));
  }, budgetMs);
  watchdog.unref();

  try {
    console.log('building the server (esbuild → dist/server/index.js)…');
    await buildServer();
    await bench.start();
    console.log(`connecting ${o.visitors} visitors…`);
    const connect = await bench.connect();
    console.log(
      `  ${connect.visitors} connected in ${connect.seconds} s; ${connect.rssPerConnectionKb} KB RSS, ${connect.heapPerConnectionKb} KB heap each`,
    );
    if (o.connectOnly) return console.log(JSON.stringify(connect.server));
    const results: BenchResults = { kind: o.soak ? 'soak' : 'main', startedAt: started.toISOString(), machine: host, options: o, connect };
    if (o.soak) {
      console.log(`soak: ${o.rate} msg/s for ${o.soakMinutes} minutes…`);
      results.soak = await bench.soak(o.soakMinutes);
    } else {
      console.log(`steady: ${o.rate} msg/s for ${o.duration} s…`);
      results.steady = await bench.chat(o.rate, o.duration, o.replyRate, undefined, o.profile ? 'steady' : undefined);
      if (o.privacy) {
        console.log(`privacy: ${o.requesters} requesters through verification while chat runs at ${o.rate} msg/s…`);
        let flow: Awaited<ReturnType<Bench['privacy']>> | null = null;
        const chat = await bench.chat(
          o.rate,
          Math.max(20, o.duration / 2),
          o.replyRate,
          async () => (flow = await bench.privacy(o.requesters)),
          o.profile ? 'privacy' : undefined,
        );
        results.privacy = { flow: flow!, chat };
      }
      if (o.ramp) {
        console.log('ramp:');
        results.ramp = await bench.ramp();
      }
    }
    results.integrity = await bench.finish();
    results.finishedAt = new Date().toISOString();
    printReport(results);
    const previous = fs.existsSync(o.out) ? (JSON.parse(fs.readFileSync(o.out, 'utf8')) as Record<string, unknown>) : {};
    fs.writeFileSync(o.out, `${JSON.stringify({ ...previous, [results.kind]: results }, null, 2)}\n`);
    console.log(`\nresults written to ${path.relative(process.cwd(), o.out)} (${results.kind})`);
  } finally {
    await bench.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
