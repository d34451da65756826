import type { PrivacyClassifyInput, PrivacyReplyInput, PrivacyStartInput, PrivacyVerifyInput } from '../../shared/schemas';
import type { Lang } from '../../shared/types';
import type { Clock } from '../platform/clock';
import type { ThreadWriter } from '../writer/client';
import type { PrivacyEffect } from './privacy-effects';
import type { PrivacyWrites, WithEffects, WriteContext } from './privacy-writes';
import type { InboundMail } from './request-mail';

/**
 * The privacy desk's writes on the main thread (the chat's intake, mail to the privacy address, operators'
 * mails and triage): each step runs in the writer thread (privacy-writes.ts) and, once its batch has committed, the mails, pushes and webhooks it caused go out from here.
 */
export class PrivacyIntake {
  constructor(
    private readonly writer: ThreadWriter<PrivacyWrites>,
    private readonly effects: (effects: PrivacyEffect[]) => void,
    private readonly clock: Clock,
    private readonly publicUrl: () => string,
  ) {}

  startFromChat(input: PrivacyStartInput, ctx: { visitorId: number; ip: string; lang: Lang }) {
    return this.settle(this.writer.run('privacyStart', { ...this.context(), input, ...ctx }));
  }

  verifyCode(input: PrivacyVerifyInput, visitorId: number) {
    return this.settle(this.writer.run('privacyVerify', { ...this.context(), input, visitorId }));
  }

  resendCode(verificationId: string, ip: string, visitorId: number) {
    return this.settle(this.writer.run('privacyResend', { ...this.context(), verificationId, ip, visitorId }));
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

  private context(): WriteContext {
    return { now: this.clock.now(), publicUrl: this.publicUrl() };
  }

  private async settle<T>(step: Promise<WithEffects<T>>): Promise<T> {
    const { value, effects } = await step;
    if (effects.length > 0) this.effects(effects);
    return value;
  }
}
