import { AppError } from '../../shared/errors';
import {
  canTransitionRequest,
  formatReference,
  isOpen,
  type Jurisdiction,
  type RequestKind,
  type RequestState,
  type RequestType,
} from '../../shared/privacy';
import type { FiledRequest } from '../../shared/protocol';
import type {
  ApiCreateRequestInput,
  PrivacyActionInput,
  PrivacyFileInput,
  PrivacyListInput,
  PrivacyReplyInput,
  PrivacyStartInput,
  PrivacyVerifyInput,
} from '../../shared/schemas';
import type { AuditEntryDto, ErasurePreviewDto, Lang, PrivacyMessageDto, PrivacyRequestDto, VisitorRequestDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import { hmac, randomToken, sha256 } from '../platform/crypto';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { PrivacyRequestRow } from '../db/repositories/privacy-repository';
import type { Stores } from '../db/store';
import { KeepWrites } from '../writer/group-commit';
import type { TransactionControl } from '../writer/transaction';
import type { OutgoingMail } from '../mail/mailer';
import { mailTemplates, type MailText } from '../mail/templates';
import { deadlineFor } from './deadlines';
import type { ErasedChats, RequestExecution } from './request-execution';
import type { VerificationService } from './verification-service';
import { requesterHash, toPrivacyRequestDto, toVisitorRequestDto } from './privacy-dto';
import type { PrivacyEffect } from './privacy-effects';
import { type InboundMail, referencesIn, requestMessageId, toPrivacyMessageDto } from './request-mail';
import type { WebhookQueue } from './webhook-queue';
import type { DataSystemLedger, SystemAnswer } from './data-system-ledger';
import type { ErasureEntry } from './erasure-journal';
import type { RequestSystemRow } from '../db/repositories/data-system-repository';

/** Requests still awaiting verification after this long expire. */
export const VERIFICATION_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

const DEFAULT_RETAINED_NOTE =
  'Order and payment records, and data needed for legal claims, are kept as the law requires; they are not held in the chat.';

export interface PrivacyDeps {
  /** Savepoints in the batch's transaction (each change with its audit entry, undone together). */
  transactions: TransactionControl;
  requests: Stores['requests'];
  /** Each request's mail thread (requests by e-mail, operators' answers). */
  messages: Stores['requestMessages'];
  audit: Stores['audit'];
  visitors: Stores['visitors'];
  verification: VerificationService;
  execution: RequestExecution;
  webhooks: WebhookQueue;
  /** The register of data systems: rows per request, their answers, the completion gate. */
  systems: DataSystemLedger;
  /** Each request's rows, for the DTOs. */
  systemRows: Stores['systems'];
  /** Carries out what a committed change causes (see PrivacyEffect); never called for a rolled-back one. */
  effects: (effects: PrivacyEffect[]) => void;
  clock: Clock;
  hmacKey: Buffer;
  jurisdiction: Jurisdiction;
  /** The address links in mails are built on. */
  publicUrl: () => string;
  /** The domain of the privacy address: our Message-IDs end in it, and only those thread a reply. */
  mailDomain: string;
}

/** Who did it, as the audit trail names them. */
export type Actor = Pick<OperatorRow, 'id' | 'name'>;

/**
 * Privacy requests from intake to completion: verification, deadlines, the state machine, execution,
 * the audit trail, and telling the requester and the site's other systems. Every change to a request
 * happens in one transaction with its audit entry. It runs in the writer thread (privacy-writes.ts), where
 * every write of the app commits; what a change causes outside the database leaves as PrivacyEffects.
 */
export class PrivacyService {
  /** Mails and pushes wait for the transaction that caused them to commit; a rollback drops them. */
  private afterCommit: PrivacyEffect[] | null = null;

  constructor(private readonly d: PrivacyDeps) {}

  emailHash(email: string): Buffer {
    return hmac(this.d.hmacKey, `email:${email.trim().toLowerCase()}`);
  }

  /**
   * Intake from the chat. The answer does not depend on whether we hold anything for the address: we
   * always file, send a code in the background, and answer at once. A visitor the host site has
   * identified for this very address skips the code.
   */
  async startFromChat(
    input: PrivacyStartInput,
    /** `networkAllowed`: whether the visitor's network may be sent another code this hour (PrivacyDesk counts it). */
    ctx: { visitorId: number; networkAllowed: boolean; lang: Lang },
  ): Promise<{ status: 'code_sent'; verificationId: string; expiresAt: number } | ({ status: 'filed'; requestId: number } & FiledRequest)> {
    const emailHash = this.emailHash(input.email);
    const visitor = await this.d.visitors.findById(ctx.visitorId);
    const identified = visitor?.emailVerified === true && visitor.email?.toLowerCase() === input.email;
    if (identified) {
      const filed = await this.tx(async () => {
        const request = await this.file(
          { ...input, lang: input.lang ?? ctx.lang, emailHash, source: 'chat', visitorId: ctx.visitorId },
          'requester',
        );
        return await this.markVerified(request, 'requester (identified by the site)');
      });
      return { status: 'filed', ...filed };
    }
    await this.d.verification.checkSendAllowed(emailHash, ctx.networkAllowed);
    const lang = input.lang ?? ctx.lang;
    const { request, verification } = await this.tx(async () => {
      const request = await this.file({ ...input, lang, emailHash, source: 'chat', visitorId: ctx.visitorId }, 'requester');
      return { request, verification: await this.d.verification.issue('code', request.id, emailHash) };
    });
    this.mailAbout(request, input.email, mailTemplates.verificationCode(lang, request.type, verification.secret));
    return { status: 'code_sent', verificationId: verification.id, expiresAt: verification.expiresAt };
  }

  /**
   * A refusal of the code is thrown as KeepWrites, which the writer's batch understands: it keeps the counted
   * try that a plain throw would roll back.
   */
  async verifyCode(input: PrivacyVerifyInput, visitorId: number): Promise<FiledRequest & { requestId: number }> {
    await this.requireOwnCode(input.verificationId, visitorId);
    let verification: { requestId: number };
    try {
      verification = await this.d.verification.confirm(input.verificationId, 'code', input.code);
    } catch (error) {
      // A wrong try must stay counted even though it is refused.
      throw new KeepWrites(error);
    }
    return await this.tx(async () => await this.markVerified(await this.require(verification.requestId), 'requester (e-mail code)'));
  }

  async resendCode(verificationId: string, networkAllowed: boolean, visitorId: number): Promise<{ expiresAt: number }> {
    await this.requireOwnCode(verificationId, visitorId);
    const { request, secret, expiresAt } = await this.tx(async () => {
      const { verification, secret, expiresAt } = await this.d.verification.reissue(verificationId, networkAllowed);
      const request = await this.require(verification.requestId);
      if (request.state !== 'awaiting_verification' || !request.email)
        throw new AppError('invalid_state', 'This request no longer needs a code.');
      return { request, secret, expiresAt };
    });
    this.mailAbout(request, request.email!, mailTemplates.verificationCode(request.lang, request.type, secret));
    return { expiresAt };
  }

  /**
   * A chat code is entered (or resent) only in the chat that asked for it: another visitor holding the id
   * can neither burn its tries nor void it, and is told exactly what an unknown id gets.
   */
  private async requireOwnCode(verificationId: string, visitorId: number): Promise<void> {
    const requestId = await this.d.verification.requestOf(verificationId);
    const request = requestId === null ? null : await this.d.requests.byId(requestId);
    if (request?.source !== 'chat' || request.visitorId !== visitorId) throw new AppError('invalid_code', 'That code is not right.');
  }

  /** Follows the verification link an operator-filed or API-filed request was mailed. */
  async verifyLink(verificationId: string, secret: string): Promise<VisitorRequestDto> {
    const verification = await this.d.verification.confirm(verificationId, 'link', secret);
    const filed = await this.tx(async () => await this.markVerified(await this.require(verification.requestId), 'requester (e-mail link)'));
    return filed.request;
  }

  /**
   * The requests matching `filter`, with their requesters' contact data: the listing is recorded (once,
   * not per request) so the log shows who saw which addresses when.
   */
  async list(operator: Actor, filter: PrivacyListInput): Promise<PrivacyRequestDto[]> {
    const rows = await this.d.requests.list(filter);
    await this.d.audit.append(null, this.d.clock.now(), actorOf(operator), 'listed requests', { count: rows.length, ...filter });
    const dtos: PrivacyRequestDto[] = [];
    for (const row of rows) dtos.push(await this.dto(row));
    return dtos;
  }

  /** One request with its history; the view itself is recorded, since it shows personal data. */
  async get(operator: Actor, id: number): Promise<{ request: PrivacyRequestDto; audit: AuditEntryDto[]; messages: PrivacyMessageDto[] }> {
    const row = await this.require(id);
    await this.d.audit.append(row.id, this.d.clock.now(), actorOf(operator), 'viewed', null);
    return {
      request: await this.dto(row),
      audit: await this.d.audit.list(row.id),
      messages: (await this.d.messages.forRequest(row.id)).map(toPrivacyMessageDto),
    };
  }

  /**
   * What completing an erasure would delete now, for the operator to confirm. Only an open erasure has
   * anything to preview: a closed request no longer holds the address the erasure finds data by.
   */
  async erasurePreview(id: number): Promise<ErasurePreviewDto> {
    const row = await this.require(id);
    if (row.type !== 'erasure') throw new AppError('invalid_state', 'Only an erasure request deletes data.');
    if (!isOpen(row.state)) throw new AppError('invalid_state', 'This request is closed; there is nothing left to erase.');
    return await this.d.execution.previewErasure(row);
  }

  /** An operator files a request that came by e-mail; the requester confirms through a mailed link. */
  async fileByOperator(operator: Actor, input: PrivacyFileInput): Promise<PrivacyRequestDto> {
    return await this.dto(await this.fileWithLink(input, 'operator', actorOf(operator)));
  }

  async fileViaApi(input: ApiCreateRequestInput, keyLabel: string): Promise<PrivacyRequestDto> {
    return await this.dto(await this.fileWithLink({ ...input, lang: input.lang ?? 'en' }, 'api', `api key "${keyLabel}"`));
  }

  /**
   * A mail to the privacy address (already screened: a real sender, not an auto-reply; mail-intake.ts).
   * A reply to one of our mails about an open request of the same sender joins that request's thread;
   * anything else is a new request, filed under its sender with the type its words named (or none: needs
   * triage), the mail as its first message, and a verification link mailed back as for an operator-filed
   * request. Runs in the writer thread (privacy-writes.ts).
   */
  async receiveMail(mail: InboundMail): Promise<{ outcome: 'filed' | 'threaded'; requestId: number; reference: string }> {
    const emailHash = this.emailHash(mail.from);
    return await this.tx(async () => {
      const thread = await this.threadOf(mail, emailHash);
      const now = this.d.clock.now();
      if (thread) {
        const message = await this.d.messages.insert({
          requestId: thread.id,
          direction: 'in',
          kind: 'reply',
          operatorId: null,
          subject: mail.subject,
          body: mail.text,
          messageId: mail.messageId,
          createdAt: now,
        });
        await this.save({ ...thread, updatedAt: now });
        await this.d.audit.append(thread.id, now, 'requester (e-mail)', 'mail received', { message: message.id });
        this.publish(thread);
        return { outcome: 'threaded' as const, requestId: thread.id, reference: thread.reference };
      }
      const request = await this.fileWithLink(
        { type: mail.type, email: mail.from, name: mail.name ?? undefined, lang: mail.lang },
        'email',
        'requester (e-mail)',
        mail.messageId,
      );
      await this.d.messages.insert({
        requestId: request.id,
        direction: 'in',
        kind: 'request',
        operatorId: null,
        subject: mail.subject,
        body: mail.text,
        messageId: mail.messageId,
        createdAt: now,
      });
      return { outcome: 'filed' as const, requestId: request.id, reference: request.reference };
    });
  }

  /**
   * An operator mails the requester from the request page: an answer, or a question (a clarification,
   * which the history shows as such). The text is kept in the request's thread until it closes; the audit
   * log records that a mail went, never what it said. Runs in the writer thread.
   */
  async mailRequester(
    actor: string,
    operatorId: number,
    input: PrivacyReplyInput,
  ): Promise<{ request: PrivacyRequestDto; message: PrivacyMessageDto }> {
    return await this.tx(async () => {
      const request = await this.require(input.id);
      if (!isOpen(request.state) || !request.email)
        throw new AppError('invalid_state', 'This request is closed; its requester can no longer be mailed from here.');
      const now = this.d.clock.now();
      const text = mailTemplates.requestMail(request.lang, request.reference, input.text, input.clarification);
      const messageId = requestMessageId(request.reference, this.d.mailDomain);
      const answered = await this.d.messages.lastInbound(request.id);
      const message = await this.d.messages.insert({
        requestId: request.id,
        direction: 'out',
        kind: input.clarification ? 'clarification' : 'answer',
        operatorId,
        subject: text.subject,
        body: input.text,
        messageId,
        createdAt: now,
      });
      const row = { ...request, updatedAt: now };
      await this.save(row);
      await this.d.audit.append(request.id, now, actor, input.clarification ? 'clarification requested' : 'answered by mail', {
        message: message.id,
      });
      this.sendMail({
        to: request.email,
        ...text,
        messageId,
        ...(answered?.messageId ? { inReplyTo: answered.messageId } : {}),
        autoSubmitted: 'no',
      });
      this.publish(row);
      return { request: await this.dto(row), message: toPrivacyMessageDto(message) };
    });
  }

  /**
   * An operator says which right a request that needs triage asks for. A verified one gets the deadline of
   * its type (it had the earliest of any until now); an objection, once verified, takes effect at once, as
   * it does when a requester names it. Runs in the writer thread.
   */
  async classify(actor: string, id: number, type: RequestType): Promise<PrivacyRequestDto> {
    const row = await this.tx(async () => {
      const request = await this.require(id);
      if (request.type !== null) throw new AppError('invalid_state', 'This request already has a type.');
      if (!isOpen(request.state)) throw new AppError('invalid_state', 'This request is closed.');
      const now = this.d.clock.now();
      let row: PrivacyRequestRow = { ...request, type, updatedAt: now };
      if (request.state !== 'awaiting_verification') {
        const deadline = deadlineFor(row.jurisdiction, type, row.receivedAt);
        row = { ...row, dueAt: deadline.dueAt, ackDueAt: deadline.ackDueAt };
      }
      await this.save(row);
      await this.d.audit.append(row.id, now, actor, 'classified', { type, dueAt: row.dueAt });
      await this.afterChange(row, 'classified');
      if (type === 'objection' && row.state === 'verified') row = await this.startObjection(row);
      return row;
    });
    return await this.dto(row);
  }

  /** The operator's moves on a ticket: start, extend (once, with a reason), complete, reject (with a reason). */
  async act(operator: Actor, input: PrivacyActionInput): Promise<PrivacyRequestDto> {
    const actor = actorOf(operator);
    const row = await this.tx(async () => {
      const request = await this.require(input.id);
      switch (input.action) {
        case 'start':
          return await this.transition(request, 'in_progress', actor, 'started', null);
        case 'extend':
          return await this.extend(request, actor, input.reason);
        case 'reject':
          return await this.reject(request, actor, input.reason);
        case 'complete':
          return await this.complete(request, actor, input.note ?? null);
      }
    });
    return await this.dto(row);
  }

  /**
   * One data system's answer for one request, found by its row (an operator on the request page) or by its
   * receipt id (a webhook receipt, a processor's page); `check` refuses it first when the answerer's proof
   * (the processor's one-time link) does not hold. Audited without any personal data.
   */
  async answerSystem(
    find: { requestId: number; entryId: number } | { receiptId: string },
    answer: SystemAnswer,
    check: (entry: RequestSystemRow) => void = () => {},
  ): Promise<PrivacyRequestDto> {
    const row = await this.tx(async () => {
      const entry = 'receiptId' in find ? await this.d.systemRows.byReceipt(find.receiptId) : await this.d.systemRows.entry(find.entryId);
      if (!entry || ('requestId' in find && entry.requestId !== find.requestId))
        throw new AppError('not_found', 'No such system on this request.');
      check(entry);
      const request = await this.require(entry.requestId);
      const answered = await this.d.systems.answer(entry, request, answer);
      await this.d.audit.append(request.id, this.d.clock.now(), answer.by, 'system answered', {
        system: answered.name,
        outcome: answered.state,
        legalBasis: answered.legalBasis,
        ...(answer.counts ? { counts: answer.counts } : {}),
      });
      this.publish(request);
      return request;
    });
    return await this.dto(row);
  }

  /** What one webhook delivery to a system came to while it has not answered (the receipt itself goes through answerSystem). */
  async systemDelivery(
    entryId: number,
    attempt: { attempts: number; nextAttemptAt: number | null; deliveryError: string | null },
  ): Promise<null> {
    await this.tx(async () => {
      const entry = await this.d.systemRows.entry(entryId);
      if (entry?.state !== 'pending') return;
      await this.d.systemRows.delivery(entryId, attempt);
      if (attempt.deliveryError && attempt.nextAttemptAt === null)
        await this.d.audit.append(entry.requestId, this.d.clock.now(), 'system', 'system unreachable', {
          system: entry.name,
          error: attempt.deliveryError,
        });
      this.publish(await this.require(entry.requestId));
    });
    return null;
  }

  /**
   * An operator sends a webhook system the request again once its retries have given up (the system was
   * down for longer than they last): the schedule starts over from this attempt.
   */
  async resendSystem(operator: Actor, find: { requestId: number; entryId: number }): Promise<null> {
    await this.tx(async () => {
      const entry = await this.d.systemRows.entry(find.entryId);
      if (!entry || entry.requestId !== find.requestId) throw new AppError('not_found', 'No such system on this request.');
      const request = await this.require(entry.requestId);
      if (!isOpen(request.state)) throw new AppError('invalid_state', 'This request is closed.');
      if (entry.kind !== 'webhook')
        throw new AppError('invalid_state', 'Only a webhook system is sent the request again; enter its outcome instead.');
      if (entry.state !== 'pending') throw new AppError('invalid_state', `${entry.name} has already answered.`);
      if (entry.nextAttemptAt !== null)
        throw new AppError('invalid_state', `${entry.name} is still being tried; the next attempt is already planned.`);
      await this.d.systemRows.delivery(entry.id, { attempts: 0, nextAttemptAt: this.d.clock.now(), deliveryError: entry.deliveryError });
      await this.d.audit.append(request.id, this.d.clock.now(), actorOf(operator), 'system sent again', { system: entry.name });
      this.publish(request);
      this.defer({ kind: 'systems' });
    });
    return null;
  }

  /** Mails the owners of systems that have not answered a request due soon; the request shows it too. */
  async remindSystems(): Promise<number> {
    return await this.tx(async () => {
      const due = await this.d.systems.remind();
      for (const { requestId, mail } of due) {
        this.sendMail(mail);
        await this.d.audit.append(requestId, this.d.clock.now(), 'system', 'system owner reminded', null);
        this.publish(await this.require(requestId));
      }
      return due.length;
    });
  }

  /**
   * After a restore: every journalled erasure the database does not show as completed is carried out again,
   * found by the keyed hash of the address (in the requests, or matched against the visitors' stored
   * addresses). A request still open in the restored copy is closed as completed; one the copy does not know
   * leaves an audit entry. Returns the references re-applied; running it again finds nothing to do.
   */
  async reapplyErasures(entries: ErasureEntry[]): Promise<string[]> {
    const done: string[] = [];
    for (const entry of entries) {
      await this.tx(async () => {
        const row = await this.d.requests.byReference(entry.reference);
        // Done already: completed in this copy, or (a request the copy never knew) re-applied at an earlier start.
        if (row?.state === 'completed' || (!row && (await this.d.audit.reapplied(entry.reference)))) return;
        const emailHash = Buffer.from(entry.requesterHash, 'hex');
        const email =
          row?.email ??
          (await this.d.requests.byEmailHash(emailHash)).find((r) => r.email)?.email ??
          (await this.d.visitors.emails()).find((v) => this.emailHash(v.email).equals(emailHash))?.email ??
          null;
        const subject = { ...(row ?? this.placeholderFor(entry)), email, emailHash };
        const { counts, erased } = await this.d.execution.erase(subject);
        const now = this.d.clock.now();
        const detail = { result: counts, reapplied: 'after a restore', completedAt: new Date(entry.completedAt).toISOString() };
        if (row) {
          const closedRow: PrivacyRequestRow = {
            ...(await this.require(row.id)),
            state: 'completed',
            resultJson: JSON.stringify(counts),
            retainedNote: DEFAULT_RETAINED_NOTE,
            completedAt: now,
            email: null,
            name: null,
            details: null,
            updatedAt: now,
          };
          await this.save(closedRow);
          await this.d.audit.append(row.id, now, 'system', 'completed', detail);
          await this.closed(row.id);
          this.publish(closedRow);
        } else {
          await this.d.audit.append(null, now, 'system', 'erasure re-applied', { reference: entry.reference, ...detail });
        }
        if (erased.visitorIds.length) this.defer({ kind: 'erased', ...erased });
        done.push(entry.reference);
      });
    }
    return done;
  }

  /** The fields erase() reads, for a journalled request the restored database never saw. */
  private placeholderFor(entry: ErasureEntry): PrivacyRequestRow {
    return { id: 0, reference: entry.reference, visitorId: null } as PrivacyRequestRow;
  }

  /** Requests nobody verified within the window expire, and their contact data goes with them. */
  async expireUnverified(): Promise<number> {
    const stale = await this.d.requests.awaitingSince(this.d.clock.now() - VERIFICATION_WINDOW_MS);
    for (const request of stale) await this.tx(async () => await this.transition(request, 'expired', 'system', 'expired unverified', null));
    return stale.length;
  }

  // ---- internals; each runs inside a transaction ----

  /** Files a request whose requester confirms through a mailed link; a mailed request's link answers its mail. */
  private async fileWithLink(
    input: Omit<PrivacyFileInput, 'type'> & { type: RequestKind },
    source: 'operator' | 'api' | 'email',
    actor: string,
    answers: string | null = null,
  ): Promise<PrivacyRequestRow> {
    const emailHash = this.emailHash(input.email);
    const { request, link } = await this.tx(async () => {
      await this.d.verification.checkSendAllowed(emailHash);
      const request = await this.file({ ...input, emailHash, source, visitorId: null }, actor);
      return { request, link: await this.d.verification.issue('link', request.id, emailHash) };
    });
    const url = `${this.d.publicUrl()}/privacy/verify/${link.id}?t=${link.secret}`;
    const text = mailTemplates.verificationLink(request.lang, request.type, url, source === 'email' ? request.reference : null);
    this.mailAbout(request, input.email, text, answers);
    return request;
  }

  /** The open request of this sender that a mail answers (by our Message-ID it names, or the reference in its subject). */
  private async threadOf(mail: InboundMail, emailHash: Buffer): Promise<PrivacyRequestRow | null> {
    for (const reference of referencesIn(mail, this.d.mailDomain)) {
      const row = await this.d.requests.byReference(reference);
      // Someone else's reference (or a closed request) threads nothing: the mail is a request of its own.
      if (row && isOpen(row.state) && row.emailHash.equals(emailHash)) return row;
    }
    return null;
  }

  private async file(
    input: {
      type: RequestKind;
      email: string;
      name?: string;
      details?: string;
      lang?: Lang;
      emailHash: Buffer;
      source: PrivacyRequestRow['source'];
      visitorId: number | null;
    },
    actor: string,
  ): Promise<PrivacyRequestRow> {
    const now = this.d.clock.now();
    const year = new Date(now).getUTCFullYear();
    const row = await this.d.requests.insert(
      {
        type: input.type,
        jurisdiction: this.d.jurisdiction,
        source: input.source,
        email: input.email,
        emailHash: input.emailHash,
        name: input.name || null,
        details: input.details || null,
        lang: input.lang ?? 'en',
        visitorId: input.visitorId,
        receivedAt: now,
      },
      (id) => formatReference(year, id),
    );
    await this.d.audit.append(row.id, now, actor, 'received', { type: row.type, source: row.source });
    this.publish(row);
    return row;
  }

  /** Verified: deadlines start to show, the requester gets a token to follow it; duplicates fold into the open one. */
  private async markVerified(request: PrivacyRequestRow, actor: string): Promise<FiledRequest & { requestId: number }> {
    if (request.state !== 'awaiting_verification') throw new AppError('invalid_state', 'This request is already verified.');
    await this.d.verification.voidAll(request.id);
    const requestToken = randomToken(24);
    // A request that needs triage repeats nothing yet: what it asks for is not known.
    const existing = request.type === null ? null : await this.d.requests.openDuplicate(request.emailHash, request.type, request.id);
    if (existing) {
      const now = this.d.clock.now();
      // verifiedAt: this requester proved the address too, so an erasure of the open request reaches their chat.
      await this.save({
        ...request,
        state: 'rejected',
        duplicateOf: existing.id,
        rejectionReason: `Duplicate of ${existing.reference}`,
        email: null,
        name: null,
        details: null,
        verifiedAt: now,
        completedAt: now,
        updatedAt: now,
      });
      await this.d.messages.deleteFor(request.id);
      await this.d.audit.append(request.id, now, actor, 'duplicate', { of: existing.reference });
      this.publish(await this.require(request.id));
      await this.d.requests.addWatcher(sha256(requestToken), existing.id);
      return { requestToken, request: await this.visitorDto(existing), requestId: existing.id, alreadyOpen: true };
    }
    const deadline = deadlineFor(request.jurisdiction, request.type, request.receivedAt);
    let row = await this.transition({ ...request, dueAt: deadline.dueAt, ackDueAt: deadline.ackDueAt }, 'verified', actor, 'verified', {
      dueAt: deadline.dueAt,
      basis: deadline.basis,
    });
    await this.d.requests.addWatcher(sha256(requestToken), row.id);
    if (row.type === 'objection') {
      row = await this.startObjection(row);
    } else if (row.email) {
      this.mailAbout(row, row.email, mailTemplates.received(row.lang, row.type, row.reference, row.dueAt!));
    }
    return { requestToken, request: await this.visitorDto(row), requestId: row.id, alreadyOpen: false };
  }

  private async extend(request: PrivacyRequestRow, actor: string, reason: string | undefined): Promise<PrivacyRequestRow> {
    if (!reason) throw new AppError('invalid_payload', 'Say why more time is needed; the requester is told.');
    if (!isOpen(request.state) || request.state === 'awaiting_verification')
      throw new AppError('invalid_state', 'Only a verified, open request can be extended.');
    if (request.extended) throw new AppError('invalid_state', 'This request was already extended once.');
    const deadline = deadlineFor(request.jurisdiction, request.type, request.receivedAt);
    if (deadline.extendedDueAt === null) throw new AppError('invalid_state', 'The law allows no extension for this kind of request.');
    if (this.d.clock.now() > (request.dueAt ?? deadline.dueAt))
      throw new AppError('invalid_state', 'An extension must be decided before the original deadline.');
    const now = this.d.clock.now();
    const row = { ...request, extended: 1, extensionReason: reason, dueAt: deadline.extendedDueAt, updatedAt: now };
    await this.save(row);
    await this.d.audit.append(row.id, now, actor, 'extended', { reason, dueAt: row.dueAt });
    if (row.email) this.mailAbout(row, row.email, mailTemplates.extended(row.lang, row.reference, row.dueAt!, reason));
    await this.afterChange(row, 'extended');
    return row;
  }

  private async reject(request: PrivacyRequestRow, actor: string, reason: string | undefined): Promise<PrivacyRequestRow> {
    if (!reason) throw new AppError('invalid_payload', 'A rejection needs a reason; the requester is told it.');
    const email = request.email;
    const row = await this.transition({ ...request, rejectionReason: reason }, 'rejected', actor, 'rejected', { reason });
    if (email) this.mailAbout(row, email, mailTemplates.rejected(row.lang, row.reference, reason));
    return row;
  }

  /** Carries out the request — erasure, export, correction or objection — and closes it. */
  private async complete(request: PrivacyRequestRow, actor: string, note: string | null): Promise<PrivacyRequestRow> {
    if (request.type === null) throw new AppError('invalid_state', 'Classify the request before completing it.');
    if (!canTransitionRequest(request, 'completed')) throw new AppError('invalid_state', 'Start the request before completing it.');
    await this.d.systems.assertComplete(request.id);
    if (request.type === 'rectification' && !note)
      throw new AppError('invalid_payload', 'Describe what was corrected; the requester is told.');
    const email = request.email;
    let result: Record<string, number>;
    let mailNote: string | null = note;
    let retainedNote: string | null = null;
    let erased: ErasedChats | null = null;
    switch (request.type) {
      case 'erasure':
        ({ counts: result, erased } = await this.d.execution.erase(request));
        // The erased visitor rows are gone and the schema nulled visitor_id; writing the stale id back fails the foreign key.
        request = { ...request, visitorId: (await this.require(request.id)).visitorId };
        retainedNote = note || DEFAULT_RETAINED_NOTE;
        mailNote = retainedNote;
        break;
      case 'access': {
        const exported = await this.d.execution.exportData(request);
        result = exported.counts;
        if (email)
          this.mailAbout(
            request,
            email,
            mailTemplates.exportReady(
              request.lang,
              request.reference,
              `${this.d.publicUrl()}/privacy/export/${exported.token}`,
              exported.expiresAt,
            ),
          );
        break;
      }
      case 'objection':
        result = await this.d.execution.objectToMarketing(request);
        break;
      case 'rectification':
        result = { corrected: 1 };
        break;
    }
    const row = await this.transition({ ...request, resultJson: JSON.stringify(result), retainedNote }, 'completed', actor, 'completed', {
      result,
      note: retainedNote ?? note,
    });
    if (email) this.mailAbout(row, email, mailTemplates.completed(row.lang, row.type, row.reference, mailNote));
    if (erased?.visitorIds.length) this.defer({ kind: 'erased', ...erased });
    if (row.type === 'erasure')
      this.defer({
        kind: 'journal',
        entry: { reference: row.reference, requesterHash: requesterHash(row), completedAt: row.completedAt! },
      });
    return row;
  }

  /**
   * Stops marketing at once: with no data system to hear from, nothing is left for an operator to do; a
   * system that must stop too keeps the request open until it has answered.
   */
  private async startObjection(request: PrivacyRequestRow): Promise<PrivacyRequestRow> {
    const row = await this.transition(request, 'in_progress', 'system', 'started', null);
    return (await this.d.systems.waiting(row.id)) ? row : await this.complete(row, 'system', null);
  }

  /** The one way a state changes: checked against the machine, saved, audited, published. */
  private async transition(
    request: PrivacyRequestRow,
    to: RequestState,
    actor: string,
    action: string,
    detail: Record<string, unknown> | null,
  ): Promise<PrivacyRequestRow> {
    if (request.type === null && !canTransitionRequest(request, to))
      throw new AppError('invalid_state', 'This request needs triage: say which right it asks for before working it.');
    if (!canTransitionRequest(request, to))
      throw new AppError('invalid_state', `A request that is ${request.state.replace('_', ' ')} cannot become ${to.replace('_', ' ')}.`);
    const now = this.d.clock.now();
    const closing = !isOpen(to);
    const row: PrivacyRequestRow = {
      ...request,
      state: to,
      verifiedAt: to === 'verified' ? now : request.verifiedAt,
      completedAt: closing ? now : request.completedAt,
      // A closed request keeps only the keyed hash of the address (the register is kept for years).
      email: closing ? null : request.email,
      name: closing ? null : request.name,
      details: closing ? null : request.details,
      updatedAt: now,
    };
    await this.save(row);
    await this.d.audit.append(row.id, now, actor, action, detail);
    if (to === 'in_progress') await this.askSystems(row);
    if (closing) await this.closed(row.id);
    await this.afterChange(row, to);
    return row;
  }

  /** A request closed: its codes and links are void; its mails go with the rest of its contact data, the systems' returned data and links with them. */
  private async closed(id: number): Promise<void> {
    await this.d.verification.voidAll(id);
    await this.d.messages.deleteFor(id);
    await this.d.systems.closed(id);
  }

  /** A started request goes to every data system it concerns: webhooks are delivered, processors mailed. */
  private async askSystems(row: PrivacyRequestRow): Promise<void> {
    const mails = await this.d.systems.fanOut(row);
    const entries = await this.d.systemRows.entries(row.id);
    if (entries.length === 0) return;
    await this.d.audit.append(row.id, this.d.clock.now(), 'system', 'systems asked', {
      systems: entries.map((e) => `${e.name} (${e.kind})`),
    });
    for (const mail of mails) this.sendMail(mail);
    this.defer({ kind: 'systems' });
  }

  private async afterChange(row: PrivacyRequestRow, event: string): Promise<void> {
    await this.d.webhooks.enqueue(`privacy_request.${event}`, {
      reference: row.reference,
      type: row.type,
      state: row.state,
      dueAt: row.dueAt,
      email: row.email,
      requesterHash: requesterHash(row),
      result: row.resultJson ? JSON.parse(row.resultJson) : null,
    });
    this.defer({ kind: 'webhooks' });
    this.publish(row);
  }

  private publish(row: PrivacyRequestRow): void {
    this.defer({ kind: 'changed', requestId: row.id });
  }

  /** A mail about `request`: its Message-ID names the request, so a reply finds it. */
  private mailAbout(request: PrivacyRequestRow, to: string, text: MailText, inReplyTo: string | null = null): void {
    this.sendMail({
      to,
      ...text,
      messageId: requestMessageId(request.reference, this.d.mailDomain),
      ...(inReplyTo ? { inReplyTo } : {}),
    });
  }

  private async dto(row: PrivacyRequestRow): Promise<PrivacyRequestDto> {
    return toPrivacyRequestDto(row, await this.d.systemRows.entries(row.id));
  }

  private async visitorDto(row: PrivacyRequestRow): Promise<VisitorRequestDto> {
    return toVisitorRequestDto(row, await this.d.systemRows.entries(row.id));
  }

  private sendMail(mail: OutgoingMail): void {
    this.defer({ kind: 'mail', mail });
  }

  private defer(effect: PrivacyEffect): void {
    if (this.afterCommit) this.afterCommit.push(effect);
    else this.d.effects([effect]);
  }

  private async save(row: PrivacyRequestRow): Promise<void> {
    await this.d.requests.save(row);
  }

  private async require(id: number): Promise<PrivacyRequestRow> {
    const row = await this.d.requests.byId(id);
    if (!row) throw new AppError('not_found', 'No such request.');
    return row;
  }

  private async tx<T>(fn: () => Promise<T>): Promise<T> {
    const outer = this.afterCommit === null;
    if (outer) this.afterCommit = [];
    try {
      // A savepoint in the batch's transaction (or a transaction of its own, outside a batch): the effects
      // go back with the procedure's result, and the main thread carries them out once the batch has committed.
      const result = await this.d.transactions.savepoint(fn);
      if (outer && this.afterCommit!.length > 0) this.d.effects(this.afterCommit!);
      return result;
    } finally {
      if (outer) this.afterCommit = null;
    }
  }
}

export function actorOf(operator: Actor): string {
  return `operator #${operator.id} (${operator.name})`;
}
