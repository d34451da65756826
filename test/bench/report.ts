/** The shape of a bench run's results, the budgets they are held to, and the table printed at the end. */
import type { LatencySummary } from './histogram';
import type { GeneratorHealth, PrivacyFlow } from './messages';

export interface ChatPhase {
  targetRate: number;
  seconds: number;
  sent: number;
  acked: number;
  achievedRate: number;
  errors: Record<string, number>;
  unanswered: number;
  disconnects: number;
  /** Operators dropped in an earlier phase and connected again before this one. */
  operatorsReconnectedBefore: number;
  ack: LatencySummary;
  visitorToOperator: LatencySummary;
  operatorToVisitor: LatencySummary;
  operatorReplies: { sent: number; acked: number; errors: Record<string, number>; ack: LatencySummary };
  deliveredToEveryOperator: number;
  missedByAnOperator: number;
  repeatedDeliveries: number;
  server: {
    loopDelayP50: number;
    loopDelayP99: number;
    loopDelayMax: number;
    cpuCore: number;
    mainLoopUtilization: number;
    gcPauses: { count: number; totalMs: number; maxMs: number; major: number; majorMaxMs: number };
    cpuMsPerMessage: number;
    /** Cores by thread: main, writer, and all other threads (null off Linux). */
    threadCores?: { main: number; writer: number; other: number } | null;
    commitBatches: number;
    slowCommits: number;
    slowWrites: number;
    writesPerBatch: number;
    commitBusyShare: number;
    commitMsPerBatch: number;
    rssMb: number;
    heapUsedMb: number;
  };
  generators: { visitors: GeneratorHealth; operators: GeneratorHealth };
}

export interface BenchResults {
  kind: 'main' | 'soak';
  startedAt: string;
  finishedAt?: string;
  machine: Record<string, unknown>;
  options: Record<string, unknown>;
  connect: {
    visitors: number;
    failed: number;
    seconds: number;
    perSecond: number;
    rssPerConnectionKb: number;
    heapPerConnectionKb: number;
    server: Record<string, unknown>;
    errors: Record<string, number>;
  };
  steady?: ChatPhase;
  privacy?: {
    flow: PrivacyFlow;
    chat: ChatPhase;
  };
  ramp?: { stepSeconds: number; highestRateWithAckP99Under50ms: number; steps: Array<Record<string, unknown>> };
  soak?: {
    minutes: number;
    chat: ChatPhase;
    afterWarmUp: { rssMbPerMinute: number; heapUsedMbPerMinute: number; rssMbRange: number[]; heapUsedMbRange: number[] };
    heapUsedMbAfterGc: number;
    samples: unknown[];
  };
  integrity?: {
    acknowledged: number;
    storedVisitorMessages: number;
    lost: number;
    duplicated: number;
    verifiedTickets: number;
    serverExit: number | string;
  };
  budgets?: Array<{ budget: string; measured: string; met: boolean }>;
}

/** The issue's budgets (one process, 2 cores, synchronous=FULL), checked against this run. */
export function budgets(r: BenchResults): NonNullable<BenchResults['budgets']> {
  const out: NonNullable<BenchResults['budgets']> = [];
  const add = (budget: string, measured: string, met: boolean) => out.push({ budget, measured, met });
  add(
    `${r.options.visitors} visitors connected`,
    `${r.connect.visitors} (${r.connect.failed} failed)`,
    r.connect.visitors === r.options.visitors,
  );
  add('≤ 16 KB RSS per visitor connection', `${r.connect.rssPerConnectionKb} KB`, r.connect.rssPerConnectionKb <= 16);
  const chat = r.steady ?? r.soak?.chat;
  if (chat) {
    add(`≥ ${chat.targetRate} messages/s`, `${chat.achievedRate}/s`, chat.achievedRate >= chat.targetRate * 0.99);
    add('acknowledgement p99 ≤ 50 ms', `${chat.ack.p99} ms`, chat.ack.p99 <= 50);
    add('visitor→operator delivery p99 ≤ 50 ms', `${chat.visitorToOperator.p99} ms`, chat.visitorToOperator.p99 <= 50);
    add('operator→visitor delivery p99 ≤ 50 ms', `${chat.operatorToVisitor.p99} ms`, chat.operatorToVisitor.p99 <= 50);
    add('event-loop lag p99 ≤ 20 ms', `${chat.server.loopDelayP99} ms`, chat.server.loopDelayP99 <= 20);
    const errors = [chat.errors, chat.operatorReplies.errors].flatMap(Object.values).reduce((a, b) => a + b, 0) + chat.unanswered;
    add('no errors', `${errors}`, errors === 0);
    add(
      'every operator received every message, once',
      `${chat.missedByAnOperator} missed, ${chat.repeatedDeliveries} repeated`,
      chat.missedByAnOperator === 0 && chat.repeatedDeliveries === 0,
    );
  }
  if (r.integrity) {
    add('zero lost (database)', `${r.integrity.lost} of ${r.integrity.acknowledged}`, r.integrity.lost === 0);
    add('zero duplicated (database)', `${r.integrity.duplicated}`, r.integrity.duplicated === 0);
  }
  if (r.privacy && r.steady) {
    const { flow, chat: during } = r.privacy;
    add(
      `${flow.requesters} requesters verified, each sent a code and a confirmation`,
      `${flow.verified} verified, ${flow.mailsReceived} mails`,
      flow.verified === flow.requesters && flow.mailsReceived >= 2 * flow.verified,
    );
    add(
      'no chat latency regression during privacy traffic (ack p99 ≤ 50 ms)',
      `${during.ack.p99} ms (steady: ${r.steady.ack.p99} ms)`,
      during.ack.p99 <= 50,
    );
  }
  if (r.soak) {
    const growth = r.soak.afterWarmUp.heapUsedMbPerMinute;
    add('no memory growth after warm-up (heap)', `${growth} MB/min`, Math.abs(growth) < 1);
  }
  return out;
}

const pad = (s: unknown, n: number) => String(s).padEnd(n);

function latencyRow(name: string, l: LatencySummary): string {
  return `  ${pad(name, 28)} p50 ${pad(l.p50, 8)} p95 ${pad(l.p95, 8)} p99 ${pad(l.p99, 8)} max ${pad(l.max, 8)} (n=${l.count})`;
}

/** The load generators' part of all the CPU the server and they used (they share the machine's cores). */
function generatorShare(c: ChatPhase): number {
  const generators = c.generators.visitors.cpuCore + c.generators.operators.cpuCore;
  const all = generators + c.server.cpuCore;
  return all > 0 ? Math.round((generators / all) * 1000) / 10 : 0;
}

function chatTable(title: string, c: ChatPhase): string[] {
  return [
    `${title}: ${c.targetRate} msg/s target for ${c.seconds} s — achieved ${c.achievedRate}/s (${c.acked} acked of ${c.sent}; errors ${JSON.stringify(c.errors)}, unanswered ${c.unanswered}, disconnects ${c.disconnects}, operators reconnected before ${c.operatorsReconnectedBefore})`,
    latencyRow('ack (ms)', c.ack),
    latencyRow('visitor→operator (ms)', c.visitorToOperator),
    latencyRow('operator→visitor (ms)', c.operatorToVisitor),
    latencyRow('operator reply ack (ms)', c.operatorReplies.ack),
    `  operator replies: ${c.operatorReplies.acked} acked of ${c.operatorReplies.sent}; errors ${JSON.stringify(c.operatorReplies.errors)}`,
    `  server: loop delay p50 ${c.server.loopDelayP50} p99 ${c.server.loopDelayP99} max ${c.server.loopDelayMax} ms; CPU ${c.server.cpuCore} cores (${c.server.cpuMsPerMessage} ms per message, all threads${c.server.threadCores ? `; main ${c.server.threadCores.main}, writer ${c.server.threadCores.writer}, other threads ${c.server.threadCores.other}` : ''}), main thread busy ${Math.round(c.server.mainLoopUtilization * 1000) / 10} %; RSS ${c.server.rssMb} MB, heap ${c.server.heapUsedMb} MB`,
    `  garbage collection (main thread): ${c.server.gcPauses.count} pauses, ${c.server.gcPauses.totalMs} ms in all, longest ${c.server.gcPauses.maxMs} ms; ${c.server.gcPauses.major} major, longest ${c.server.gcPauses.majorMaxMs} ms`,
    `  group commit: ${c.server.commitBatches} batches, ${c.server.writesPerBatch} writes each, ${c.server.commitMsPerBatch} ms each; writer thread busy committing ${Math.round(c.server.commitBusyShare * 1000) / 10} % of the time; over 20 ms: ${c.server.slowCommits} commits, ${c.server.slowWrites} writes asked→committed`,
    `  generators: visitors ${c.generators.visitors.cpuCore} cores (loop p99 ${c.generators.visitors.loopP99} ms), operators ${c.generators.operators.cpuCore} cores (loop p99 ${c.generators.operators.loopP99} ms); their share of the CPU the run used ${generatorShare(c)} %`,
    `  every operator got ${c.deliveredToEveryOperator} visitor messages (${c.missedByAnOperator} missed, ${c.repeatedDeliveries} repeated)`,
  ];
}

export function printReport(r: BenchResults): void {
  r.budgets = budgets(r);
  const lines: string[] = ['', '='.repeat(100)];
  lines.push(`machine: ${JSON.stringify(r.machine)}`);
  lines.push(
    `connect: ${r.connect.visitors} visitors in ${r.connect.seconds} s (${r.connect.perSecond}/s, ${r.connect.failed} failed) — RSS ${r.connect.rssPerConnectionKb} KB and heap ${r.connect.heapPerConnectionKb} KB per connection; server ${JSON.stringify(r.connect.server)}`,
  );
  if (r.steady) lines.push(...chatTable('steady', r.steady));
  if (r.privacy) {
    const f = r.privacy.flow;
    lines.push(
      `privacy: ${f.verified}/${f.requesters} verified, ${f.mailsReceived} mails to requesters (a code and a confirmation each), ${f.smtpConnectionErrors} SMTP connection errors, errors ${JSON.stringify(f.errors)}, start→verified p50 ${f.startToVerifiedMs.p50} p99 ${f.startToVerifiedMs.p99} ms; requesters' process ${f.health.cpuCore} cores`,
    );
    lines.push(...chatTable('  chat meanwhile', r.privacy.chat));
  }
  if (r.ramp) {
    lines.push(`ramp (${r.ramp.stepSeconds} s steps): highest rate with ack p99 ≤ 50 ms: ${r.ramp.highestRateWithAckP99Under50ms} msg/s`);
    for (const s of r.ramp.steps) lines.push(`  ${JSON.stringify(s)}`);
  }
  if (r.soak) {
    lines.push(...chatTable(`soak (${r.soak.minutes} min)`, r.soak.chat));
    lines.push(
      `  memory after warm-up: RSS ${r.soak.afterWarmUp.rssMbPerMinute} MB/min ${JSON.stringify(r.soak.afterWarmUp.rssMbRange)}, heap ${r.soak.afterWarmUp.heapUsedMbPerMinute} MB/min ${JSON.stringify(r.soak.afterWarmUp.heapUsedMbRange)}; heap after GC ${r.soak.heapUsedMbAfterGc} MB`,
    );
  }
  if (r.integrity) lines.push(`database: ${JSON.stringify(r.integrity)}`);
  lines.push('', 'budgets:');
  for (const b of r.budgets) lines.push(`  ${b.met ? 'MET ' : 'MISS'}  ${pad(b.budget, 70)} ${b.measured}`);
  console.log(lines.join('\n'));
}
