import type { Jurisdiction } from '../../shared/privacy';
import type { PrivacyClassifyInput, PrivacyReplyInput, PrivacyStartInput, PrivacyVerifyInput } from '../../shared/schemas';
import type { Lang } from '../../shared/types';
import type { Db } from '../db/open';
import type { Repositories } from '../db/repositories/index';
import type { PrivacyEffect } from './privacy-effects';
import { PrivacyService } from './privacy-service';
import type { InboundMail } from './request-mail';
import { RequestExecution } from './request-execution';
import { VerificationSendLimit, VerificationService } from './verification-service';
import { queueWebhook } from './webhook-service';

/** What the writer thread's privacy service needs that is not in the database. */
export interface PrivacySettings {
  hmacKey: Buffer;
  jurisdiction: Jurisdiction;
  /** The privacy address's domain, which our Message-IDs end in. */
  mailDomain: string;
}

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
 * The privacy desk's writes as writer-thread procedures: the chat's intake (filing a request, checking its
 * code, sending a new one), mail to the privacy address, operators' mails to requesters and triage. Each step writes two to four times (request, audit, verification, send log) and used to commit
 * on the main thread, one fsync each, so 200 requesters at once stalled every chat for half a second.
 * Here they share the chat's group commits. The rules stay in PrivacyService, the same class the main
 * thread uses for operators' moves; this only runs it on the thread's connection and clock.
 */
export function createPrivacyWrites(db: Db, repos: Repositories, settings: PrivacySettings) {
  let context: WriteContext = { now: 0, publicUrl: '' };
  const clock = { now: () => context.now };
  let effects: PrivacyEffect[] = [];
  const privacy = new PrivacyService({
    db,
    requests: repos.requests,
    messages: repos.requestMessages,
    audit: repos.audit,
    visitors: repos.visitors,
    // The app's one per-network send limit: every send with a network to count (the chat's) runs here.
    verification: new VerificationService(repos.verifications, clock, settings.hmacKey, new VerificationSendLimit(clock)),
    execution: new RequestExecution(repos, clock),
    webhooks: { enqueue: (event, data) => queueWebhook(repos.integrations, context.now, event, data) },
    effects: (caused) => effects.push(...caused),
    clock,
    hmacKey: settings.hmacKey,
    jurisdiction: settings.jurisdiction,
    mailDomain: settings.mailDomain,
    get publicUrl() {
      return context.publicUrl;
    },
  });

  function run<T>(next: WriteContext, step: () => T): WithEffects<T> {
    context = { now: next.now, publicUrl: next.publicUrl };
    // A step that throws leaves what it collected behind: its savepoint is rolled back, its effects with it.
    effects = [];
    return { value: step(), effects };
  }

  return {
    privacyStart(args: WriteContext & { input: PrivacyStartInput; visitorId: number; ip: string; lang: Lang }) {
      return run(args, () => privacy.startFromChat(args.input, { visitorId: args.visitorId, ip: args.ip, lang: args.lang }));
    },

    privacyVerify(args: WriteContext & { input: PrivacyVerifyInput; visitorId: number }) {
      return run(args, () => privacy.verifyCode(args.input, args.visitorId));
    },

    privacyResend(args: WriteContext & { verificationId: string; ip: string; visitorId: number }) {
      return run(args, () => privacy.resendCode(args.verificationId, args.ip, args.visitorId));
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
  };
}

export type PrivacyWrites = ReturnType<typeof createPrivacyWrites>;
