import type { TrackedRequest } from '../../shared/protocol';
import type {
  ApiCreateRequestInput,
  DataSystemSaveInput,
  PrivacyActionInput,
  PrivacyClassifyInput,
  PrivacyFileInput,
  PrivacyListInput,
  PrivacyReplyInput,
  PrivacyStartInput,
  PrivacySystemRecordInput,
  PrivacySystemResendInput,
  PrivacyVerifyInput,
} from '../../shared/schemas';
import type { ErasurePreviewDto, Lang, PrivacyRequestDto, VisitorRequestDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import { sha256 } from '../platform/crypto';
import type { Stores } from '../db/store';
import { whenRead } from '../db/when-read';
import type { Writer } from '../writer/group-commit';
import { toPrivacyRequestDto, toVisitorRequestDto } from './privacy-dto';
import type { PrivacyEffect } from './privacy-effects';
import type { ErasureEntry } from './erasure-journal';
import type { DataSystemDto } from '../../shared/data-systems';
import { type SystemAnswer, toSystemDto } from './data-system-ledger';
import { actorOf } from './privacy-service';
import type { ErasedChats } from './request-execution';
import type { InboundMail } from './request-mail';
import type { WebhookService } from './webhook-service';
import type { EventBus } from '../platform/events';
import type { MailQueue } from '../mail/mailer';
import type { Actor } from './privacy-service';
import { EXPORT_FILES_CHANGED, type PrivacyWrites, type WithEffects, type WriteContext } from './privacy-writes';
import type { RequestFiles } from './export-files';
import { AppError } from '../../shared/errors';
import type { RateLimit } from '../platform/rate-limiter';

/**
 * The main thread's side of privacy requests, for the chat, the console, the API and the public pages.
 * Every step is a writer-thread procedure (privacy-writes.ts, where PrivacyService holds the rules); once
 * its batch has committed, the mails, pushes and webhooks it caused go out from here. Only the lookups
 * that write nothing (a requester's tokens, a reference) read here.
 */
export class PrivacyDesk {
  constructor(
    private readonly writer: Writer<PrivacyWrites>,
    private readonly requests: Stores['requests'],
    private readonly systems: Stores['systems'],
    /** Done within the call where the store answers at once (see privacyEffects). */
    private readonly effects: (effects: PrivacyEffect[]) => void | Promise<void>,
    private readonly clock: Clock,
    private readonly publicUrl: string,
    private readonly files: RequestFiles,
    /**
     * Code sends per network (MAX_SENDS_PER_IP_PER_HOUR), counted here rather than in the writer's
     * transaction: with shared limits every node counts into one total, so N nodes do not send N× the mails.
     */
    private readonly sendsPerNetwork: RateLimit,
  ) {}

  startFromChat(input: PrivacyStartInput, ctx: { visitorId: number; ip: string; lang: Lang }) {
    const { ip, ...rest } = ctx;
    return this.countedSend(
      ip,
      (networkAllowed) => this.settle(this.writer.run('privacyStart', { ...this.context(), input, ...rest, networkAllowed })),
      // A visitor the site identified files without a code: nothing was sent, nothing counts.
      (result) => result.status === 'code_sent',
    );
  }

  verifyCode(input: PrivacyVerifyInput, visitorId: number) {
    return this.settle(this.writer.run('privacyVerify', { ...this.context(), input, visitorId }));
  }

  resendCode(verificationId: string, ip: string, visitorId: number) {
    return this.countedSend(
      ip,
      (networkAllowed) => this.settle(this.writer.run('privacyResend', { ...this.context(), verificationId, visitorId, networkAllowed })),
      () => true,
    );
  }

  /**
   * Counts a code send for `ip`'s network before the write (atomically, so parallel tries cannot all slip
   * under the limit), tells the write whether the network is within its limit (it refuses only when it would
   * send), and takes the count back when no code went out: refused (any reason), or filed without one. So the
   * count is of sends that happened, as before, and a refusal for another reason costs the network nothing.
   * While the limits' store does not answer, the hit rejects and nothing is sent.
   */
  private async countedSend<T>(ip: string, write: (networkAllowed: boolean) => Promise<T>, sent: (result: T) => boolean): Promise<T> {
    const networkAllowed = await this.sendsPerNetwork.hit(ip);
    let result: T;
    try {
      result = await write(networkAllowed);
    } catch (error) {
      await this.takeBack(ip);
      throw error;
    }
    if (!sent(result)) await this.takeBack(ip);
    return result;
  }

  private async takeBack(ip: string): Promise<void> {
    // Left counted when the store is away: one send too many counted errs on the safe side, and the answer stands.
    await this.sendsPerNetwork.undo(ip).catch(() => undefined);
  }

  /** Follows the verification link an operator-filed or API-filed request was mailed. */
  verifyLink(verificationId: string, secret: string): Promise<VisitorRequestDto> {
    return this.settle(this.writer.run('privacyVerifyLink', { ...this.context(), verificationId, secret }));
  }

  /** The listing and the view are recorded in the audit trail, since they show personal data. */
  list(operator: Actor, filter: PrivacyListInput): Promise<PrivacyRequestDto[]> {
    return this.settle(this.writer.run('privacyList', { ...this.context(), operator: actor(operator), filter }));
  }

  get(operator: Actor, id: number) {
    return this.settle(this.writer.run('privacyGet', { ...this.context(), operator: actor(operator), id }));
  }

  erasurePreview(id: number): Promise<ErasurePreviewDto> {
    return this.settle(this.writer.run('privacyPreview', { ...this.context(), id }));
  }

  async act(operator: Actor, input: PrivacyActionInput): Promise<PrivacyRequestDto> {
    for (let attempt = 1; ; attempt++) {
      // Completing an access request: the export carries the files, read here first.
      const files = input.action === 'complete' ? await this.files.forCompletion(input.id) : undefined;
      try {
        return await this.settle(this.writer.run('privacyAct', { ...this.context(), operator: actor(operator), input, files }));
      } catch (error) {
        // A file attached meanwhile: read again (a visitor cannot keep that up for long).
        const changed = error instanceof AppError && error.details?.exportFilesChanged === EXPORT_FILES_CHANGED.exportFilesChanged;
        if (!changed || attempt >= 3) throw error;
      }
    }
  }

  /** An operator files a request that came by e-mail; the requester confirms through a mailed link. */
  fileByOperator(operator: Actor, input: PrivacyFileInput): Promise<PrivacyRequestDto> {
    return this.settle(this.writer.run('privacyFileByOperator', { ...this.context(), operator: actor(operator), input }));
  }

  fileViaApi(input: ApiCreateRequestInput, keyLabel: string): Promise<PrivacyRequestDto> {
    return this.settle(this.writer.run('privacyFileViaApi', { ...this.context(), input, keyLabel }));
  }

  /** Requests nobody verified within the window expire, and their contact data goes with them. */
  expireUnverified(): Promise<number> {
    return this.settle(this.writer.run('privacyExpire', this.context()));
  }

  closureRecord(operator: Actor, id: number): Promise<Record<string, unknown>> {
    return this.settle(this.writer.run('privacyRecord', { ...this.context(), operator: actor(operator), id }));
  }

  registerCsv(operator: Actor): Promise<string> {
    return this.settle(this.writer.run('privacyRegisterCsv', { ...this.context(), operator: actor(operator) }));
  }

  /** The export behind a download link, once: null when the link was used or has expired. */
  async exportDownload(token: string): Promise<string | null> {
    const found = await this.writer.run('exportDownload', { tokenHash: sha256(token).toString('hex'), now: this.clock.now() });
    return found?.payload ?? null;
  }

  /** Files a screened mail to the privacy address, or threads it onto the request it answers. */
  receiveMail(mail: InboundMail) {
    return this.settle(this.writer.run('mailReceive', { ...this.context(), mail }));
  }

  /** An operator (`actor`, for the audit log) mails the requester from the request page. */
  mailRequester(actor: string, operatorId: number, input: PrivacyReplyInput) {
    return this.settle(this.writer.run('privacyReply', { ...this.context(), input, actor, operatorId }));
  }

  classify(actor: string, input: PrivacyClassifyInput) {
    return this.settle(this.writer.run('privacyClassify', { ...this.context(), input, actor }));
  }

  // ---- the data-system register ----

  async dataSystems(): Promise<DataSystemDto[]> {
    return (await this.systems.list()).map(toSystemDto);
  }

  saveDataSystem(operator: Actor, input: DataSystemSaveInput) {
    return this.settle(this.writer.run('dataSystemSave', { ...this.context(), input, actor: actorOf(operator) }));
  }

  archiveDataSystem(operator: Actor, id: number) {
    return this.settle(this.writer.run('dataSystemArchive', { ...this.context(), id, actor: actorOf(operator) }));
  }

  /** Plans a new delivery to a webhook system whose retries gave up (DataSystemService.resend carries it out). */
  async resendSystem(operator: Actor, input: PrivacySystemResendInput): Promise<void> {
    await this.settle(
      this.writer.run('systemResend', {
        ...this.context(),
        operator: actor(operator),
        find: { requestId: input.id, entryId: input.entryId },
      }),
    );
  }

  /** An operator enters a system's outcome, with the evidence, on the request page. */
  recordSystem(operator: Actor, input: PrivacySystemRecordInput): Promise<PrivacyRequestDto> {
    const answer: SystemAnswer = {
      outcome: input.outcome,
      legalBasis: input.legalBasis ?? null,
      note: input.note,
      by: actorOf(operator),
      evidenceRequired: true,
    };
    return this.settle(
      this.writer.run('systemAnswer', { ...this.context(), find: { requestId: input.id, entryId: input.entryId }, answer }),
    );
  }

  /** A system's answer arriving by its webhook (a receipt, already checked against its signature) or its processor's page. */
  answerSystem(receiptId: string, answer: SystemAnswer, link?: string): Promise<PrivacyRequestDto> {
    const linkHash = link === undefined ? undefined : sha256(link).toString('hex');
    return this.settle(
      this.writer.run('systemAnswer', { ...this.context(), find: { receiptId }, answer, ...(linkHash ? { linkHash } : {}) }),
    );
  }

  systemDelivery(entryId: number, attempt: { attempts: number; nextAttemptAt: number | null; deliveryError: string | null }) {
    return this.settle(this.writer.run('systemDelivery', { ...this.context(), entryId, ...attempt }));
  }

  /** Carries out again the journal's erasures that the database does not show as completed (a restored backup). */
  reapplyErasures(entries: ErasureEntry[]): Promise<string[]> {
    return this.settle(this.writer.run('privacyReapply', { ...this.context(), entries }));
  }

  remindSystems(): Promise<number> {
    return this.settle(this.writer.run('systemRemind', this.context()));
  }

  /** Requests followed by the given status tokens ("My requests"), duplicates resolved to what they repeat. */
  async trackedRequests(tokens: string[]): Promise<Array<TrackedRequest & { requestId: number }>> {
    const found: Array<TrackedRequest & { requestId: number }> = [];
    for (const requestToken of new Set(tokens)) {
      const row = await this.requests.byWatcher(sha256(requestToken));
      if (row) found.push({ requestToken, request: toVisitorRequestDto(row, await this.systems.entries(row.id)), requestId: row.id });
    }
    return found;
  }

  async byReference(reference: string): Promise<PrivacyRequestDto | null> {
    const row = await this.requests.byReference(reference);
    return row ? toPrivacyRequestDto(row, await this.systems.entries(row.id)) : null;
  }

  private context(): WriteContext {
    return { now: this.clock.now(), publicUrl: this.publicUrl };
  }

  private async settle<T>(step: Promise<WithEffects<T>>): Promise<T> {
    const { value, effects } = await step;
    if (effects.length > 0) {
      // The pushes leave in this continuation where the store answers at once: nothing is awaited then.
      const done = this.effects(effects);
      if (done) await done;
    }
    // An erasure is answered once its files have left the store (one the store failed to remove keeps its
    // key for the next run, and the failure is logged there).
    if (effects.some((e) => e.kind === 'erased')) await this.files.removeErased().catch(() => undefined);
    return value;
  }
}

/** Only what the audit trail names travels to the thread (an operator row holds the password hash). */
function actor(operator: Actor): Actor {
  return { id: operator.id, name: operator.name };
}

/**
 * The main thread's way of carrying out effects. A changed request is read when it is pushed: the writer
 * thread's report of a change can reach the main thread after an operator changed the same request again
 * there, and pushing the copy the thread made would show consoles (and the requester) the older state.
 */
export function privacyEffects(to: {
  mail: MailQueue;
  bus: EventBus;
  webhooks: WebhookService;
  requests: Stores['requests'];
  systems: Stores['systems'];
  /** Delivers the data systems' webhooks that are due. */
  deliverSystems: () => void;
  /** Appends a completed erasure to the journal (synchronously, to disk). */
  journal: (entry: ErasureEntry) => void;
}): (effects: PrivacyEffect[]) => void | Promise<void> {
  /** One changed request pushed as it is now; read and pushed at once where the store answers at once (whenRead). */
  const pushChanged = (id: number): void | Promise<void> =>
    whenRead(to.requests.byId(id), (row): void | Promise<void> => {
      if (!row) return;
      return whenRead(to.systems.entries(row.id), (entries) => {
        to.bus.emit('privacy:changed', { request: toPrivacyRequestDto(row, entries) });
      });
    }) as void | Promise<void>;
  return (effects) => {
    let tick = false;
    let systems = false;
    const changed = new Set<number>();
    const erased: ErasedChats[] = [];
    for (const effect of effects) {
      if (effect.kind === 'mail') to.mail.enqueue(effect.mail);
      else if (effect.kind === 'changed') changed.add(effect.requestId);
      else if (effect.kind === 'erased') erased.push(effect);
      else if (effect.kind === 'systems') systems = true;
      else if (effect.kind === 'journal') to.journal(effect.entry);
      else tick = true;
    }
    const rest = () => {
      // After the request's own change: the requester's tab hears "completed" before it starts afresh.
      for (const { visitorIds, conversationIds } of erased) to.bus.emit('chats:erased', { visitorIds, conversationIds });
      if (tick) void to.webhooks.tick();
      if (systems) to.deliverSystems();
    };
    // In order, each after the one before; synchronously while the store answers synchronously.
    let pushed: Promise<void> | undefined;
    for (const id of changed) {
      const next = pushed ? pushed.then(() => pushChanged(id)) : pushChanged(id);
      pushed = next instanceof Promise ? next : undefined;
    }
    return pushed ? pushed.then(rest) : rest();
  };
}
