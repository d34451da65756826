import { AppError } from '../../shared/errors';
import type { Jurisdiction } from '../../shared/privacy';
import type {
  ApiCreateRequestInput,
  DataSystemSaveInput,
  PrivacyActionInput,
  PrivacyClassifyInput,
  PrivacyFileInput,
  PrivacyListInput,
  PrivacyReplyInput,
  PrivacyStartInput,
  PrivacyVerifyInput,
} from '../../shared/schemas';
import type { Lang } from '../../shared/types';
import type { Stores } from '../db/store';
import type { TransactionControl } from '../writer/transaction';
import type { PrivacyEffect } from './privacy-effects';
import type { DeliveryRow } from '../db/repositories/integration-repository';
import { DataSystemLedger, type SystemAnswer } from './data-system-ledger';
import { PrivacyRegister } from './privacy-register';
import type { ErasureEntry } from './erasure-journal';
import { type Actor, PrivacyService } from './privacy-service';
import type { InboundMail } from './request-mail';
import { RequestExecution } from './request-execution';
import { VerificationService } from './verification-service';
import { queueWebhook } from './webhook-queue';

/** What the writer thread's privacy service needs that is not in the database. */
export interface PrivacySettings {
  hmacKey: Buffer;
  jurisdiction: Jurisdiction;
  /** The privacy address's domain, which our Message-IDs end in. */
  mailDomain: string;
}

/**
 * The files an access export carries, by storage key, read from the attachment store by the main thread
 * before the write (PrivacyDesk.act): null is a file the store no longer has.
 */
export type ExportFiles = Record<string, Uint8Array | null>;

/** The details of the refusal that makes PrivacyDesk.act read the files again. */
export const EXPORT_FILES_CHANGED = { exportFilesChanged: 1 } as const;

/** Read by the caller for each write: the app's clock and the address links are built on. */
export interface WriteContext {
  now: number;
  publicUrl: string;
}

/** A procedure's answer and what its committed change causes, for the main thread to carry out. */
export interface WithEffects<T> {
  value: T;
  effects: PrivacyEffect[];
}

/**
 * Every privacy write as a writer-thread procedure: the chat's intake steps, the operators' moves, links
 * followed, the API's filings, mail to the privacy address, operators' mails to requesters, triage, expiry, the register's audited exports, export downloads and webhook
 * delivery results. PrivacyService and PrivacyRegister are built here, once, on the writer's connection;
 * the main thread's PrivacyDesk calls these and carries out the effects once the batch has committed.
 */
export function createPrivacyWrites(transactions: TransactionControl, repos: Stores, settings: PrivacySettings) {
  let context: WriteContext = { now: 0, publicUrl: '' };
  const clock = { now: () => context.now };
  let effects: PrivacyEffect[] = [];
  let files: ExportFiles | undefined;
  const systems = new DataSystemLedger(repos.systems, clock, () => context.publicUrl);
  const privacy = new PrivacyService({
    transactions,
    requests: repos.requests,
    messages: repos.requestMessages,
    audit: repos.audit,
    visitors: repos.visitors,
    // The per-network send limit is counted by the main thread (PrivacyDesk), which passes its verdict in.
    verification: new VerificationService(repos.verifications, clock, settings.hmacKey),
    execution: new RequestExecution(repos, clock, (key) => {
      const bytes = files?.[key];
      // A file the main thread did not read was attached after it looked: the desk reads again and retries.
      if (bytes === undefined)
        throw new AppError('conflict', 'A file was attached while the copy was prepared. Try again.', EXPORT_FILES_CHANGED);
      return bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }),
    webhooks: { enqueue: (event, data) => queueWebhook(repos.integrations, context.now, event, data) },
    systems,
    systemRows: repos.systems,
    effects: (caused) => effects.push(...caused),
    clock,
    hmacKey: settings.hmacKey,
    jurisdiction: settings.jurisdiction,
    mailDomain: settings.mailDomain,
    publicUrl: () => context.publicUrl,
  });
  const register = new PrivacyRegister(repos.requests, repos.audit, repos.systems, clock);

  async function run<T>(next: WriteContext, step: () => Promise<T>): Promise<WithEffects<T>> {
    context = { now: next.now, publicUrl: next.publicUrl };
    // A step that throws leaves what it collected behind: its savepoint is rolled back, its effects with it.
    effects = [];
    const value = await step();
    return { value, effects };
  }

  return {
    privacyStart(args: WriteContext & { input: PrivacyStartInput; visitorId: number; networkAllowed: boolean; lang: Lang }) {
      return run(args, () =>
        privacy.startFromChat(args.input, { visitorId: args.visitorId, networkAllowed: args.networkAllowed, lang: args.lang }),
      );
    },

    privacyVerify(args: WriteContext & { input: PrivacyVerifyInput; visitorId: number }) {
      return run(args, () => privacy.verifyCode(args.input, args.visitorId));
    },

    privacyResend(args: WriteContext & { verificationId: string; networkAllowed: boolean; visitorId: number }) {
      return run(args, () => privacy.resendCode(args.verificationId, args.networkAllowed, args.visitorId));
    },

    privacyVerifyLink(args: WriteContext & { verificationId: string; secret: string }) {
      return run(args, () => privacy.verifyLink(args.verificationId, args.secret));
    },

    privacyList(args: WriteContext & { operator: Actor; filter: PrivacyListInput }) {
      return run(args, () => privacy.list(args.operator, args.filter));
    },

    privacyGet(args: WriteContext & { operator: Actor; id: number }) {
      return run(args, () => privacy.get(args.operator, args.id));
    },

    privacyPreview(args: WriteContext & { id: number }) {
      return run(args, () => privacy.erasurePreview(args.id));
    },

    async privacyAct(args: WriteContext & { operator: Actor; input: PrivacyActionInput; files?: ExportFiles }) {
      files = args.files;
      try {
        return await run(args, () => privacy.act(args.operator, args.input));
      } finally {
        files = undefined;
      }
    },

    privacyFileByOperator(args: WriteContext & { operator: Actor; input: PrivacyFileInput }) {
      return run(args, () => privacy.fileByOperator(args.operator, args.input));
    },

    privacyFileViaApi(args: WriteContext & { input: ApiCreateRequestInput; keyLabel: string }) {
      return run(args, () => privacy.fileViaApi(args.input, args.keyLabel));
    },

    privacyExpire(args: WriteContext) {
      return run(args, () => privacy.expireUnverified());
    },

    privacyRecord(args: WriteContext & { operator: Actor; id: number }) {
      return run(args, () => register.closureRecord(args.operator, args.id));
    },

    privacyRegisterCsv(args: WriteContext & { operator: Actor }) {
      return run(args, () => register.registerCsv(args.operator));
    },

    /** A screened mail to the privacy address: filed as a request, or threaded onto the one it answers. */
    mailReceive(args: WriteContext & { mail: InboundMail }) {
      return run(args, () => privacy.receiveMail(args.mail));
    },

    /** An operator mails the requester (an answer or a clarification) from the request page. */
    privacyReply(args: WriteContext & { input: PrivacyReplyInput; actor: string; operatorId: number }) {
      return run(args, () => privacy.mailRequester(args.actor, args.operatorId, args.input));
    },

    /** An operator says which right a request that needs triage asks for. */
    privacyClassify(args: WriteContext & { input: PrivacyClassifyInput; actor: string }) {
      return run(args, () => privacy.classify(args.actor, args.input.id, args.input.type));
    },

    // ---- the data-system register ----

    dataSystemSave(args: WriteContext & { input: DataSystemSaveInput; actor: string }) {
      return run(args, async () => {
        const saved = await systems.save(args.input);
        await repos.audit.append(null, args.now, args.actor, args.input.id ? 'data system changed' : 'data system added', {
          system: saved.system.name,
        });
        return saved;
      });
    },

    dataSystemArchive(args: WriteContext & { id: number; actor: string }) {
      return run(args, async () => {
        const name = (await repos.systems.byId(args.id))?.name;
        await systems.archive(args.id);
        await repos.audit.append(null, args.now, args.actor, 'data system removed', { system: name });
        return null;
      });
    },

    /** A system's answer: an operator's entry, a webhook receipt, or a processor's page (whose one-time link is checked and spent here). */
    systemAnswer(
      args: WriteContext & {
        find: { requestId: number; entryId: number } | { receiptId: string };
        answer: SystemAnswer;
        /** The processor's one-time secret, hashed: it must match the row's link and not have expired. */
        linkHash?: string;
      },
    ) {
      return run(args, () =>
        privacy.answerSystem(args.find, args.answer, (entry) => {
          if (args.linkHash === undefined) return;
          if (!entry.linkHash?.equals(Buffer.from(args.linkHash, 'hex')))
            throw new AppError('forbidden', 'This link is not valid, or it was already used.');
          if ((entry.linkExpiresAt ?? 0) <= args.now) throw new AppError('forbidden', 'This link has expired.');
        }),
      );
    },

    systemDelivery(args: WriteContext & { entryId: number; attempts: number; nextAttemptAt: number | null; deliveryError: string | null }) {
      return run(args, () => privacy.systemDelivery(args.entryId, args));
    },

    systemResend(args: WriteContext & { operator: Actor; find: { requestId: number; entryId: number } }) {
      return run(args, () => privacy.resendSystem(args.operator, args.find));
    },

    privacyReapply(args: WriteContext & { entries: ErasureEntry[] }) {
      return run(args, () => privacy.reapplyErasures(args.entries));
    },

    systemRemind(args: WriteContext) {
      return run(args, () => privacy.remindSystems());
    },

    /** A download link is single-use: taken and audited in one transaction. */
    async exportDownload(args: { tokenHash: string; now: number }): Promise<{ payload: string } | null> {
      const found = await repos.exports.consume(Buffer.from(args.tokenHash, 'hex'), args.now);
      if (!found) return null;
      await repos.audit.append(found.requestId, args.now, 'requester', 'export downloaded', null);
      return { payload: found.payload };
    },

    /**
     * Takes the deliveries due now for this node to send: each is pushed `leaseMs` into the future before it
     * is handed out, so no other node's claim finds it (on PostgreSQL the read locks the rows it returns and
     * skips those another node is claiming, SKIP LOCKED). Sent, its outcome replaces the lease; a node that
     * dies holding a lease leaves the delivery to be claimed again once the lease has run out.
     */
    async webhookClaim(args: { now: number; leaseMs: number }): Promise<DeliveryRow[]> {
      const due = await repos.integrations.dueDeliveries(args.now);
      for (const delivery of due)
        await repos.integrations.updateDelivery({ ...delivery, nextAttemptAt: args.now + args.leaseMs, updatedAt: args.now });
      return due;
    },

    /** What one delivery attempt came to (WebhookService sends; the outcome is stored here). */
    async webhookDelivered(
      args: Pick<DeliveryRow, 'id' | 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'updatedAt'>,
    ): Promise<null> {
      await repos.integrations.updateDelivery(args);
      return null;
    },
  };
}

export type PrivacyWrites = ReturnType<typeof createPrivacyWrites>;
