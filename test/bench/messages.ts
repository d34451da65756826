/** What the bench orchestrator and its load-generator processes say to each other over IPC. */
import type { HistogramData, LatencySummary } from './histogram';

export type WorkerInit =
  | { role: 'visitors'; url: string; count: number; workerIndex: number; connectConcurrency: number }
  | { role: 'operators'; url: string; cookies: string[]; workerIndex: number }
  /** The privacy requesters and the loopback SMTP server that receives the server's mail. */
  | { role: 'privacy' };

export type WorkerCommand =
  | { cmd: 'connect' }
  /** Visitors: send `rate` messages/s in total for `durationMs`; operators: reply at `rate`. Then listen `settleMs` more and report. */
  | { cmd: 'run'; phase: string; rate: number; durationMs: number; settleMs: number }
  | { cmd: 'ids'; file: string }
  /** Privacy: after `delayMs`, `count` requesters at once start a request, read their code from the mail and verify it. */
  | { cmd: 'privacy'; url: string; count: number; delayMs: number }
  | { cmd: 'close' };

/** The privacy phase as the requesters saw it. */
export interface PrivacyFlow {
  requesters: number;
  verified: number;
  errors: Record<string, number>;
  /** Mails the SMTP server received for the requesters: a code and a confirmation each (waited for up to 15 s). */
  mailsReceived: number;
  smtpConnectionErrors: number;
  startToVerifiedMs: LatencySummary;
  seconds: number;
  health: GeneratorHealth;
}

export interface GeneratorHealth {
  /** CPU this process used during the phase, as a share of one core. */
  cpuCore: number;
  /** This process's own event-loop delay p99 (ms): when high, its latency figures include its own lateness. */
  loopP99: number;
  rssMb: number;
}

export type WorkerReply =
  /** `smtpUrl`: the privacy process's SMTP server, for the server's SMTP_URL. */
  | { type: 'ready'; smtpUrl?: string }
  | { type: 'connected'; connected: number; failed: number; ms: number; errors: Record<string, number> }
  | {
      type: 'ran';
      phase: string;
      /** Messages this process sent, acknowledged ok, refused (by error code), and never answered. */
      sent: number;
      acked: number;
      errors: Record<string, number>;
      unanswered: number;
      /** Acknowledgement latency of what this process sent. */
      ack: HistogramData;
      /** Delivery latency of messages from the other side (visitors: operator replies; operators: visitor messages). */
      delivery: HistogramData;
      /** Operators only: visitor messages of this phase seen by every operator, by the one that saw fewest, and repeats. */
      seen?: { distinct: number; minPerOperator: number; maxPerOperator: number; repeats: number };
      disconnects: number;
      reconnected: number;
      health: GeneratorHealth;
    }
  | { type: 'ids-written'; count: number }
  | ({ type: 'privacy-done' } & PrivacyFlow)
  | { type: 'error'; message: string };

/** A message body carries its send time (ms since the epoch, sub-ms) so the receiving process can time delivery. */
export function benchText(sentAt: number): string {
  return `bench ${sentAt.toFixed(3)} — hello, I have a question about my order and the delivery date`;
}

export function sentAtOf(text: string): number | null {
  const match = /^bench (\d+\.\d+) /.exec(text);
  return match ? Number(match[1]) : null;
}

/** A clock shared by processes on one machine, with sub-millisecond resolution. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
