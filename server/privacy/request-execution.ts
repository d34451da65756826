import type { ErasurePreviewDto } from '../../shared/types';
import type { Clock } from '../platform/clock';
import { randomToken, sha256 } from '../platform/crypto';
import type { PrivacyRequestRow } from '../db/repositories/privacy-repository';
import type { Stores } from '../db/store';

export const EXPORT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** The chats an erasure removed: visitor row ids and conversations' public ids. */
export interface ErasedChats {
  visitorIds: number[];
  conversationIds: string[];
}

export type ExecutionRepos = Pick<
  Stores,
  | 'requests'
  | 'visitors'
  | 'conversations'
  | 'messages'
  | 'mail'
  | 'exports'
  | 'integrations'
  | 'notes'
  | 'ratings'
  | 'attachments'
  | 'systems'
  | 'prechat'
>;

/** An attachment's bytes by storage key (null: the store no longer has the file). */
export type ReadAttachment = (storageKey: string) => Buffer | null;

/**
 * What "everything we hold about the requester" means, in one place: visitors whose stored contact
 * e-mail is theirs, and visitors who proved they hold the address by verifying a request for it.
 * Nothing is matched by anything weaker (name, IP, page) — an erasure never reaches anyone else.
 */
export class RequestExecution {
  constructor(
    private readonly repos: ExecutionRepos,
    private readonly clock: Clock,
    /** The export carries the files themselves, read before the write (see attachmentKeys). */
    private readonly readAttachment: ReadAttachment = () => null,
  ) {}

  async subjectVisitorIds(request: PrivacyRequestRow): Promise<number[]> {
    const ids = new Set<number>();
    if (request.email) for (const id of await this.repos.visitors.idsByEmail(request.email)) ids.add(id);
    for (const other of await this.repos.requests.byEmailHash(request.emailHash)) {
      if (other.visitorId !== null && other.verifiedAt !== null) ids.add(other.visitorId);
    }
    return [...ids].sort((a, b) => a - b);
  }

  /** The storage keys of every file an access export of this request would carry (read before the write). */
  async attachmentKeys(request: PrivacyRequestRow): Promise<string[]> {
    const keys: string[] = [];
    for (const visitorId of await this.subjectVisitorIds(request)) {
      const conversation = await this.repos.conversations.byVisitor(visitorId);
      if (conversation) for (const a of await this.repos.attachments.byConversation(conversation.rowId)) keys.push(a.storageKey);
    }
    return keys;
  }

  /**
   * Deletes the requester's visitors, conversations, messages, attachments, ratings and mail copies. Call
   * inside a transaction. The attachments' files leave the store once it commits (their keys wait in
   * `attachment_trash`, see migration 11, and AttachmentService removes them).
   * Returns the counts for the record, and which visitors and conversations are gone (open screens drop them).
   */
  async erase(request: PrivacyRequestRow): Promise<{ counts: Record<string, number>; erased: ErasedChats }> {
    const counts: Record<string, number> = {
      visitors: 0,
      conversations: 0,
      messages: 0,
      attachments: 0,
      notes: 0,
      ratings: 0,
      prechatAnswers: 0,
      consents: 0,
      mails: 0,
    };
    const erased: ErasedChats = { visitorIds: await this.subjectVisitorIds(request), conversationIds: [] };
    for (const visitorId of erased.visitorIds) {
      const conversation = await this.repos.conversations.byVisitor(visitorId);
      if (conversation) {
        erased.conversationIds.push(conversation.id);
        counts.attachments += await this.repos.attachments.deleteByConversation(conversation.rowId);
        counts.messages += await this.repos.messages.deleteByConversation(conversation.rowId);
        counts.notes += await this.repos.notes.deleteByConversation(conversation.rowId);
        counts.ratings += await this.repos.ratings.deleteByConversation(conversation.rowId);
        counts.conversations += await this.repos.conversations.deleteByVisitor(visitorId);
      }
      // The consent record goes with the visitor: kept, it would still name who accepted what. The text
      // they accepted stays in the register of consent texts, which names nobody.
      const prechat = await this.repos.prechat.deleteByVisitor(visitorId);
      counts.prechatAnswers += prechat.prechatAnswers;
      counts.consents += prechat.consents;
      counts.visitors += await this.repos.visitors.delete(visitorId);
    }
    if (request.email) {
      counts.mails += await this.repos.mail.deleteTo(request.email);
      counts.webhookCopies = await this.repos.integrations.scrubEmail(request.email);
    }
    return { counts, erased };
  }

  /** Counts what erase() would delete now, found the same way; changes nothing. */
  async previewErasure(request: PrivacyRequestRow): Promise<ErasurePreviewDto> {
    const counts: ErasurePreviewDto = {
      visitors: 0,
      conversations: 0,
      messages: 0,
      notes: 0,
      ratings: 0,
      mails: 0,
      webhookCopies: 0,
      attachments: 0,
      prechatAnswers: 0,
      consents: 0,
    };
    for (const visitorId of await this.subjectVisitorIds(request)) {
      counts.visitors++;
      const prechat = await this.repos.prechat.countByVisitor(visitorId);
      counts.prechatAnswers += prechat.prechatAnswers;
      counts.consents += prechat.consents;
      const conversation = await this.repos.conversations.byVisitor(visitorId);
      if (conversation) {
        counts.conversations++;
        counts.messages += await this.repos.messages.count(conversation.rowId);
        counts.attachments += await this.repos.attachments.countByConversation(conversation.rowId);
        counts.notes += await this.repos.notes.countByConversation(conversation.rowId);
        counts.ratings += await this.repos.ratings.countByConversation(conversation.rowId);
      }
    }
    if (request.email) {
      counts.mails = await this.repos.mail.countTo(request.email);
      counts.webhookCopies = await this.repos.integrations.countEmail(request.email);
    }
    return counts;
  }

  /** Builds the machine-readable copy of everything held, stores it behind a one-time token. */
  async exportData(request: PrivacyRequestRow): Promise<{ token: string; expiresAt: number; counts: Record<string, number> }> {
    const now = this.clock.now();
    const visitors: Awaited<ReturnType<RequestExecution['exportVisitor']>>[] = [];
    // One after the other: the reads share the transaction's connection.
    for (const id of await this.subjectVisitorIds(request)) visitors.push(await this.exportVisitor(id));
    const requests = (await this.repos.requests.byEmailHash(request.emailHash))
      .filter((r) => r.duplicateOf === null)
      .map((r) => ({
        reference: r.reference,
        type: r.type,
        state: r.state,
        receivedAt: new Date(r.receivedAt).toISOString(),
        completedAt: r.completedAt && new Date(r.completedAt).toISOString(),
      }));
    const mails = request.email
      ? (await this.repos.mail.list())
          .filter((m) => m.to.toLowerCase() === request.email)
          .map((m) => ({ at: new Date(m.createdAt).toISOString(), subject: m.subject, text: m.text }))
      : [];
    // What each of the site's other data systems gave back (webhook receipts carry it; others say what they did).
    const otherSystems = (await this.repos.systems.entries(request.id)).map((e) => ({
      system: e.name,
      outcome: e.state,
      legalBasis: e.legalBasis,
      note: e.note,
      data: e.dataJson ? (JSON.parse(e.dataJson) as unknown) : null,
    }));
    const payload = {
      format: 'cw-privacy-export/1',
      generatedAt: new Date(now).toISOString(),
      request: request.reference,
      subject: { email: request.email, name: request.name },
      visitors,
      privacyRequests: requests,
      mails,
      otherSystems,
    };
    const token = randomToken(32);
    const expiresAt = now + EXPORT_TTL_MS;
    await this.repos.exports.insert(sha256(token), request.id, JSON.stringify(payload, null, 2), now, expiresAt);
    const messages = visitors.reduce((n, v) => n + (v.conversation?.messages.length ?? 0), 0);
    const attachments = visitors.reduce((n, v) => n + (v.conversation?.attachments.length ?? 0), 0);
    return {
      token,
      expiresAt,
      counts: {
        visitors: visitors.length,
        messages,
        attachments,
        requests: requests.length,
        mails: mails.length,
        systems: otherSystems.length,
      },
    };
  }

  /** One visitor's part of an access export: their contact data, consents, conversation, files, notes and rating. */
  private async exportVisitor(id: number) {
    const visitor = (await this.repos.visitors.findById(id))!;
    const conversation = await this.repos.conversations.byVisitor(id);
    const prechat = await this.repos.prechat.submissionOf(id);
    return {
      label: visitor.label,
      email: visitor.email,
      name: visitor.name,
      language: visitor.lang,
      marketingConsent: visitor.marketingConsent,
      firstSeen: new Date(visitor.createdAt).toISOString(),
      lastSeen: new Date(visitor.lastSeenAt).toISOString(),
      // The pre-chat form's answers (the name and e-mail are above), and each consent accepted with its text.
      prechatForm: prechat && {
        submittedAt: new Date(prechat.submittedAt).toISOString(),
        answers: prechat.answers.map((a) => ({ question: a.label, answer: a.value })),
      },
      consents: (await this.repos.prechat.consentsOf(id)).map((c) => ({
        version: c.version,
        language: c.lang,
        acceptedAt: new Date(c.acceptedAt).toISOString(),
        text: c.text,
      })),
      conversation: conversation && {
        startedAt: new Date(conversation.createdAt).toISOString(),
        status: conversation.status,
        lastPage: conversation.pageUrl,
        messages: (await this.repos.messages.all(conversation.rowId, conversation.id)).map((m) => ({
          at: new Date(m.createdAt).toISOString(),
          from: m.author === 'operator' ? `operator ${m.operatorName ?? ''}`.trim() : m.author,
          text: m.text,
          ...(m.attachment ? { attachment: m.attachment.id } : {}),
        })),
        // The files themselves (sent or only uploaded), each with its bytes in base64: a copy needs no link
        // that could expire or reach past the requester.
        attachments: (await this.repos.attachments.byConversation(conversation.rowId)).map((a) => {
          const bytes = this.readAttachment(a.storageKey);
          return {
            id: a.id,
            at: new Date(a.createdAt).toISOString(),
            from: a.uploader,
            name: a.name,
            type: a.type,
            size: a.size,
            sha256: a.sha256,
            contentBase64: bytes ? bytes.toString('base64') : null,
          };
        }),
        // Operators' internal notes about the requester are their personal data too (GDPR Art. 15).
        operatorNotes: (await this.repos.notes.list(conversation.rowId, conversation.id)).map((n) => ({
          at: new Date(n.createdAt).toISOString(),
          by: n.operatorName,
          text: n.text,
        })),
        // The visitor's own rating of the conversation and its comment.
        rating:
          (await this.repos.ratings.byConversation(conversation.rowId)).map((r) => ({
            at: new Date(r.createdAt).toISOString(),
            scale: r.scale,
            score: r.score,
            comment: r.comment,
          }))[0] ?? null,
      },
    };
  }

  /** Stops marketing at once: the suppression outlives any later erasure. */
  async objectToMarketing(request: PrivacyRequestRow): Promise<Record<string, number>> {
    await this.repos.requests.suppressMarketing(request.emailHash, request.id, this.clock.now());
    const visitorsUpdated = request.email ? await this.repos.visitors.withdrawMarketingConsent(request.email) : 0;
    return { suppressed: 1, visitorsUpdated };
  }
}
