import type { Logger } from 'pino';
import * as v from 'valibot';
import { AppError } from '../../shared/errors';
import { type PrivacySystemResendInput, systemReceiptSchema } from '../../shared/schemas';
import type { PrivacyRequestDto } from '../../shared/types';
import type { SystemReceipt } from '../../shared/data-systems';
import type { Clock } from '../platform/clock';
import type { RequestSystemRow } from '../db/repositories/data-system-repository';
import type { Stores } from '../db/store';
import type { PrivacyDesk } from './privacy-desk';
import type { Actor } from './privacy-service';
import { requesterHash } from './privacy-dto';
import type { SystemAnswer } from './data-system-ledger';
import { BACKOFF_MS, deliveryFailure, postSigned, verifyWebhookSignature } from './webhook-service';

const REMIND_INTERVAL_MS = 60 * 60 * 1000;
/** The largest receipt read: an access request's data comes back in it. */
export const MAX_RECEIPT_BYTES = 1024 * 1024;

/** A receipt's words as the row keeps them. */
function answerOf(receipt: SystemReceipt, by: string): SystemAnswer {
  return {
    outcome: receipt.outcome,
    legalBasis: receipt.legalBasis ?? null,
    note: receipt.reason ?? null,
    counts: receipt.counts ?? null,
    data: receipt.data,
    by,
    evidenceRequired: false,
  };
}

/**
 * The main thread's side of the data systems: delivers each webhook system's request (signed, retried with
 * the webhooks' backoff), takes the receipt from the answer or later at the callback (signed with the same
 * secret, refused when forged), and reminds owners of rows still open near the deadline.
 */
export class DataSystemService {
  private timer: NodeJS.Timeout | null = null;
  private reminder: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly d: {
      systems: Stores['systems'];
      requests: Stores['requests'];
      privacy: PrivacyDesk;
      clock: Clock;
      log: Logger;
      publicUrl: string;
    },
  ) {}

  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
    this.reminder ??= setInterval(() => void this.remind(), REMIND_INTERVAL_MS);
    this.reminder.unref();
    void this.remind();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.reminder) clearInterval(this.reminder);
    this.timer = this.reminder = null;
    await this.running;
  }

  /** Delivers whatever is due now; concurrent calls share one pass. */
  tick(): Promise<void> {
    this.running ??= this.deliverDue().finally(() => (this.running = null));
    return this.running;
  }

  /**
   * An operator sends a system the request again after its retries gave up; answers once that attempt is
   * over, with the request as it now stands (delivered, answered by a receipt, or failed again and why).
   */
  async resend(operator: Actor, input: PrivacySystemResendInput): Promise<PrivacyRequestDto> {
    await this.d.privacy.resendSystem(operator, input);
    // A pass already running read what was due before this: wait for it, then one that sees this row.
    await this.running;
    await this.tick();
    return (await this.d.privacy.get(operator, input.id)).request;
  }

  async remind(): Promise<void> {
    try {
      const sent = await this.d.privacy.remindSystems();
      if (sent) this.d.log.info({ reminders: sent }, 'data systems: owners reminded');
    } catch (error) {
      this.d.log.error({ err: error }, 'data systems: reminders failed');
    }
  }

  /**
   * A receipt arriving at the callback URL: its signature is checked with the system's secret before
   * anything in it is read. Answers the HTTP status to send.
   */
  async receive(receiptId: string, signature: string | undefined, body: string): Promise<{ status: number; message: string }> {
    const entry = await this.d.systems.byReceipt(receiptId);
    const system = entry && (await this.d.systems.byId(entry.systemId));
    if (!entry || !system || system.kind !== 'webhook') return { status: 404, message: 'No such receipt.' };
    if (!verifyWebhookSignature(system.secret, signature, body, this.d.clock.now()))
      return { status: 401, message: 'The signature does not match this system’s secret.' };
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { status: 400, message: 'The body is not JSON.' };
    }
    const parsed = v.safeParse(systemReceiptSchema, json);
    if (!parsed.success) return { status: 400, message: `Not a receipt: ${parsed.issues[0].message}` };
    try {
      await this.d.privacy.answerSystem(receiptId, answerOf(parsed.output, 'webhook receipt (callback)'));
      return { status: 200, message: 'Recorded.' };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return { status: error.code === 'conflict' ? 409 : 422, message: error.message };
    }
  }

  private async deliverDue(): Promise<void> {
    for (const entry of await this.d.systems.due(this.d.clock.now())) {
      try {
        await this.deliver(entry);
      } catch (error) {
        this.d.log.error({ err: error, entryId: entry.id }, 'data systems: delivery failed unexpectedly');
      }
    }
  }

  private async deliver(entry: RequestSystemRow): Promise<void> {
    const system = await this.d.systems.byId(entry.systemId);
    const request = await this.d.requests.byId(entry.requestId);
    if (!system?.webhookUrl || !request) return;
    const body = JSON.stringify({
      event: 'privacy_request.system',
      occurredAt: this.d.clock.now(),
      data: {
        reference: request.reference,
        type: request.type,
        email: request.email,
        name: request.name,
        requesterHash: requesterHash(request),
        dueAt: request.dueAt,
        receipt: { id: entry.receiptId, callbackUrl: `${this.d.publicUrl}/api/data-systems/receipts/${entry.receiptId}` },
      },
    });
    let error: string | null = null;
    let receipt: SystemReceipt | null = null;
    try {
      const response = await postSigned(
        { url: system.webhookUrl, secret: system.secret },
        'privacy_request.system',
        entry.receiptId,
        body,
        this.d.clock.now(),
      );
      const text = await readCapped(response, MAX_RECEIPT_BYTES);
      if (response.status < 200 || response.status >= 300) error = `HTTP ${response.status}`;
      else if (text.trim()) {
        // An answer now: it must be signed like a callback would be.
        if (!verifyWebhookSignature(system.secret, response.headers.get('x-cw-signature') ?? undefined, text, this.d.clock.now()))
          error = 'the receipt in the answer was not signed with the system’s secret';
        else {
          const parsed = v.safeParse(systemReceiptSchema, safeJson(text));
          if (parsed.success) receipt = parsed.output;
          else error = 'the answer was not a receipt';
        }
      }
    } catch (e) {
      error = (e as Error).message === 'too large' ? 'answer too large' : deliveryFailure(e);
    }
    const attempts = entry.attempts + 1;
    if (receipt) {
      await this.d.privacy.answerSystem(entry.receiptId, answerOf(receipt, 'webhook receipt'));
      return;
    }
    if (!error) {
      // Delivered; the receipt comes later, at the callback.
      await this.d.privacy.systemDelivery(entry.id, { attempts, nextAttemptAt: null, deliveryError: null });
      return;
    }
    const wait = BACKOFF_MS[attempts - 1];
    this.d.log.warn({ systemId: system.id, entryId: entry.id, attempts, error }, 'data system delivery failed');
    await this.d.privacy.systemDelivery(entry.id, {
      attempts,
      nextAttemptAt: wait === undefined ? null : this.d.clock.now() + wait,
      deliveryError: error,
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The response's text, refusing more than `max` bytes. */
async function readCapped(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new Error('too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
