/**
 * Runtime schemas for every inbound payload (socket events and HTTP bodies). Objects are strict: an
 * unknown field is an error, not something silently carried along.
 */
import * as v from 'valibot';
import { REQUEST_STATES, REQUEST_TYPES, OPERATOR_ACTIONS } from './privacy';
import { RATING_SCALES } from './widget-settings';
import { ATTACHMENT_TYPES, MAX_ATTACHMENT_MB } from './attachments';
import { LEGAL_BASIS_KEYS, SYSTEM_KINDS, SYSTEM_OUTCOMES } from './data-systems';

export const MAX_MESSAGE_LENGTH = 4000;
export const LANGS = ['en', 'ru'] as const;

const token = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22,64}$/, 'malformed token'));
const clientId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientId must be 8–64 URL-safe characters'));
const conversationId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,32}$/, 'malformed conversation id'));
const seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const limit = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200));
const messageText = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'message is empty'),
  v.maxLength(MAX_MESSAGE_LENGTH, `message is longer than ${MAX_MESSAGE_LENGTH} characters`),
);
const lang = v.picklist(LANGS);
export const emailSchema = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.maxLength(254),
  v.email('not an e-mail address (write it as name@example.com)'),
);
/**
 * What an operator's sign-in e-mail is: the one rule for account creation (console, CLI, ADMIN_EMAIL, the
 * generated first admin) and for sign-in, so no account can exist that the sign-in form refuses.
 */
export const operatorEmailSchema = emailSchema;
const personName = v.pipe(v.string(), v.trim(), v.maxLength(200));
const reason = v.pipe(v.string(), v.trim(), v.minLength(1, 'a reason is required'), v.maxLength(2000));
const requestId = v.pipe(v.number(), v.integer(), v.minValue(1));

// ---- /visitor ----
export const visitorHelloSchema = v.strictObject({
  token: v.optional(v.nullable(token)),
  lang: v.optional(lang),
  page: v.optional(
    v.strictObject({
      url: v.pipe(v.string(), v.maxLength(2000)),
      title: v.pipe(v.string(), v.maxLength(300)),
      referrer: v.optional(v.pipe(v.string(), v.maxLength(2000))),
      /** IANA zone name such as Europe/Berlin. */
      timezone: v.optional(v.pipe(v.string(), v.maxLength(64), v.regex(/^[A-Za-z0-9_+\-/]+$/, 'malformed time zone'))),
    }),
  ),
  /** Status tokens of the privacy requests this browser filed ("My requests"). */
  requestTokens: v.optional(v.pipe(v.array(token), v.maxLength(20))),
});
/** A public attachment id, as issued by an upload. */
const attachmentId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,32}$/, 'malformed attachment id'));
/** Text, a file, or both: a message that is only an attachment has no text. */
const optionalText = v.optional(
  v.pipe(v.string(), v.trim(), v.maxLength(MAX_MESSAGE_LENGTH, `message is longer than ${MAX_MESSAGE_LENGTH} characters`)),
);
const hasContent = <T extends { text?: string; attachmentId?: string }>(m: T) => Boolean(m.text) || Boolean(m.attachmentId);
export const visitorSendSchema = v.pipe(
  v.strictObject({ clientId, text: optionalText, attachmentId: v.optional(attachmentId) }),
  v.check((m) => hasContent(m), 'message is empty'),
);
export const attachmentRefSchema = v.strictObject({ attachmentId });
/** The query of an upload: the client's id for it (a resend stores it once), the file's name, and for operators the conversation. */
export const attachmentUploadSchema = v.strictObject({
  clientId,
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'the file needs a name'), v.maxLength(200, 'the file name is too long')),
  conversationId: v.optional(conversationId),
});
export const attachmentSettingsSaveSchema = v.strictObject({
  maxMb: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_ATTACHMENT_MB)),
  types: v.pipe(v.array(v.picklist(ATTACHMENT_TYPES)), v.maxLength(ATTACHMENT_TYPES.length)),
});
export const historySchema = v.strictObject({ afterSeq: v.optional(seq), limit: v.optional(limit) });
export const typingSchema = v.strictObject({ typing: v.boolean() });
export const identifySchema = v.strictObject({
  email: emailSchema,
  name: v.optional(personName),
  signature: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/i, 'signature must be a hex HMAC-SHA256')),
});
/** An e-mail (and optionally a name) left in the offline form, for a reply. */
export const contactSchema = v.strictObject({ email: emailSchema, name: v.optional(personName) });
export const privacyStartSchema = v.strictObject({
  type: v.picklist(REQUEST_TYPES),
  email: emailSchema,
  name: v.optional(personName),
  details: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(2000))),
  lang: v.optional(lang),
});
export const privacyVerifySchema = v.strictObject({
  verificationId: token,
  code: v.pipe(v.string(), v.trim(), v.regex(/^\d{6}$/, 'the code has 6 digits')),
});
export const privacyResendSchema = v.strictObject({ verificationId: token });
export const privacyStatusSchema = v.strictObject({ requestTokens: v.pipe(v.array(token), v.maxLength(20)) });
/** Thumbs: 1 good, 0 bad; stars: 1–5. Which one the admin chose is checked by the service. */
export const ratingSubmitSchema = v.strictObject({
  conversationId,
  score: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(5)),
  comment: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(1000))),
});

// ---- /operator ----
export const CONVERSATION_VIEWS = ['unassigned', 'mine', 'open', 'resolved'] as const;
export const conversationListSchema = v.strictObject({ view: v.picklist(CONVERSATION_VIEWS) });
export const conversationOpenSchema = v.strictObject({
  conversationId,
  afterSeq: v.optional(seq),
  /** Pages back: the messages just before this sequence (for scrolling up). */
  beforeSeq: v.optional(seq),
  limit: v.optional(limit),
});
export const conversationRefSchema = v.strictObject({ conversationId });
export const operatorSendSchema = v.pipe(
  v.strictObject({ conversationId, clientId, text: optionalText, attachmentId: v.optional(attachmentId) }),
  v.check((m) => hasContent(m), 'message is empty'),
);
export const operatorTypingSchema = v.strictObject({ conversationId, typing: v.boolean() });
export const privacyListSchema = v.strictObject({
  state: v.optional(v.picklist(REQUEST_STATES)),
  type: v.optional(v.picklist(REQUEST_TYPES)),
});
export const privacyGetSchema = v.strictObject({ id: requestId });
export const privacyActionSchema = v.strictObject({
  id: requestId,
  action: v.picklist(OPERATOR_ACTIONS),
  reason: v.optional(reason),
  /** What was kept and why (erasure), or what was corrected (rectification). */
  note: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(2000))),
});
export const privacyFileSchema = v.strictObject({
  type: v.picklist(REQUEST_TYPES),
  email: emailSchema,
  name: v.optional(personName),
  details: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(2000))),
  lang,
});
/** An operator's mail to the requester from the request page; `clarification` when it asks them something. */
export const MAX_REPLY_LENGTH = 4000;
export const privacyReplySchema = v.strictObject({
  id: requestId,
  text: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1, 'the mail is empty'),
    v.maxLength(MAX_REPLY_LENGTH, `a mail is at most ${MAX_REPLY_LENGTH} characters`),
  ),
  clarification: v.boolean(),
});
/** An operator says which right a request that needs triage asks for. */
export const privacyClassifySchema = v.strictObject({ id: requestId, type: v.picklist(REQUEST_TYPES) });
export const emptySchema = v.strictObject({});
const operatorId = v.pipe(v.number(), v.integer(), v.minValue(1));
const newPassword = v.pipe(v.string(), v.minLength(10, 'passwords need at least 10 characters'), v.maxLength(200));
export const conversationAssignSchema = v.strictObject({ conversationId, operatorId: v.nullable(operatorId) });
export const conversationReadSchema = v.strictObject({ conversationId, seq });
export const searchSchema = v.strictObject({
  query: v.pipe(v.string(), v.trim(), v.minLength(1, 'type something to search for'), v.maxLength(200)),
  limit: v.optional(limit),
});
export const noteAddSchema = v.strictObject({ conversationId, clientId, text: messageText });
export const cannedSaveSchema = v.strictObject({
  id: v.optional(requestId),
  shortcut: v.pipe(v.string(), v.trim(), v.toLowerCase(), v.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'shortcut: 1–32 letters, digits, - or _')),
  text: messageText,
});
export const presenceSetSchema = v.strictObject({ status: v.picklist(['online', 'away']) });
export const operatorCreateSchema = v.strictObject({
  email: operatorEmailSchema,
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'a name is required'), v.maxLength(100)),
  role: v.picklist(['admin', 'operator']),
  /** Omitted: one is generated and shown once. */
  password: v.optional(newPassword),
});
export const operatorDisableSchema = v.strictObject({ id: operatorId, disabled: v.boolean() });
export const operatorResetPasswordSchema = v.strictObject({ id: operatorId, password: v.optional(newPassword) });
export const passwordChangeSchema = v.strictObject({ currentPassword: v.pipe(v.string(), v.minLength(1), v.maxLength(200)), newPassword });
export const settingsSaveSchema = v.strictObject({
  autoAssign: v.boolean(),
  maxOpenPerOperator: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)),
});
const clockTime = v.pipe(v.string(), v.regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'times are HH:MM, 00:00 to 24:00'));
const dayText = v.pipe(v.string(), v.trim(), v.maxLength(1000));
const isoDay = v.pipe(v.string(), v.regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'dates are YYYY-MM-DD'));
export const widgetSettingsSaveSchema = v.strictObject({
  hoursEnabled: v.boolean(),
  timezone: v.pipe(v.string(), v.maxLength(64), v.regex(/^[A-Za-z0-9_+\-/]+$/, 'malformed time zone')),
  week: v.pipe(
    v.array(v.pipe(v.array(v.strictObject({ from: clockTime, to: clockTime })), v.maxLength(6))),
    v.length(7, 'seven days, Monday first'),
  ),
  holidays: v.pipe(v.array(isoDay), v.maxLength(366)),
  hideOutsideHours: v.boolean(),
  greeting: v.strictObject({ en: dayText, ru: dayText }),
  away: v.strictObject({ en: dayText, ru: dayText }),
  ratingScale: v.picklist(RATING_SCALES),
});
/**
 * E-mail me this conversation: now (to `email`, else the address the visitor left), or when it is resolved
 * (`onResolve`: to `email`, kept as the visitor's contact address, else the one already left).
 */
export const transcriptRequestSchema = v.strictObject({
  conversationId,
  email: v.optional(emailSchema),
  onResolve: v.boolean(),
});
/** Either end left out: `to` is today in the team's zone, `from` 29 days before `to` (30 days in all). */
export const ratingReportSchema = v.strictObject({ from: v.optional(isoDay), to: v.optional(isoDay) });
export const apiKeyCreateSchema = v.strictObject({ label: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100)) });
export const idSchema = v.strictObject({ id: requestId });
export const webhookCreateSchema = v.strictObject({
  url: v.pipe(v.string(), v.trim(), v.maxLength(2000), v.url('not a URL'), v.regex(/^https?:\/\//, 'http or https only')),
});

// ---- the data-system register (admins) and systems' answers ----
const httpUrl = v.pipe(v.string(), v.trim(), v.maxLength(2000), v.url('not a URL'), v.regex(/^https?:\/\//, 'http or https only'));
export const dataSystemSaveSchema = v.strictObject({
  /** Absent: a new system. */
  id: v.optional(requestId),
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'name the system'), v.maxLength(120)),
  purpose: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(500))),
  requestTypes: v.pipe(v.array(v.picklist(REQUEST_TYPES)), v.minLength(1, 'choose at least one kind of request'), v.maxLength(4)),
  ownerEmail: emailSchema,
  kind: v.picklist(SYSTEM_KINDS),
  webhookUrl: v.optional(v.nullable(httpUrl)),
  contactEmail: v.optional(v.nullable(emailSchema)),
  assigneeId: v.optional(v.nullable(requestId)),
});
const evidenceNote = v.pipe(v.string(), v.trim(), v.maxLength(2000));
const legalBasis = v.picklist(LEGAL_BASIS_KEYS, 'not one of the legal bases in the list');
const counts = v.pipe(
  v.record(v.pipe(v.string(), v.maxLength(40)), v.pipe(v.number(), v.integer(), v.minValue(0))),
  v.check((c) => Object.keys(c).length <= 20, 'at most 20 counts'),
);
/** An operator enters a system's outcome on the request page (a manual task, or instead of a system that cannot answer). */
export const privacySystemRecordSchema = v.strictObject({
  id: requestId,
  entryId: requestId,
  outcome: v.picklist(SYSTEM_OUTCOMES),
  legalBasis: v.optional(v.nullable(legalBasis)),
  note: evidenceNote,
});
/** Send a webhook system's request again, once its retries have given up. */
export const privacySystemResendSchema = v.strictObject({ id: requestId, entryId: requestId });
/** A system's webhook receipt: in the answer to our POST, or later at the callback URL. */
export const systemReceiptSchema = v.strictObject({
  outcome: v.picklist(SYSTEM_OUTCOMES),
  legalBasis: v.optional(legalBasis),
  reason: v.optional(evidenceNote),
  counts: v.optional(counts),
  data: v.optional(v.unknown()),
});
/** The processor's page: the one-time secret and their answer. */
export const processorAnswerSchema = v.strictObject({
  t: token,
  outcome: v.picklist(SYSTEM_OUTCOMES),
  legalBasis: v.optional(v.union([v.literal(''), legalBasis])),
  note: evidenceNote,
});

// ---- HTTP ----
export const loginSchema = v.strictObject({
  email: operatorEmailSchema,
  password: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
});
export const apiCreateRequestSchema = v.strictObject({
  type: v.picklist(REQUEST_TYPES),
  email: emailSchema,
  name: v.optional(personName),
  details: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(2000))),
  lang: v.optional(lang),
});

/**
 * The inbound-mail webhook's JSON form (providers that wrap the message): the raw MIME as a string. Other
 * providers post the raw MIME itself as the body (message/rfc822, text/plain, application/octet-stream).
 */
export const inboundMailJsonSchema = v.strictObject({ raw: v.pipe(v.string(), v.minLength(1, 'raw is empty')) });

export type VisitorHelloInput = v.InferOutput<typeof visitorHelloSchema>;
export type VisitorSendInput = v.InferOutput<typeof visitorSendSchema>;
export type HistoryInput = v.InferOutput<typeof historySchema>;
export type TypingInput = v.InferOutput<typeof typingSchema>;
export type IdentifyInput = v.InferOutput<typeof identifySchema>;
export type ContactInput = v.InferOutput<typeof contactSchema>;
export type PrivacyStartInput = v.InferOutput<typeof privacyStartSchema>;
export type PrivacyVerifyInput = v.InferOutput<typeof privacyVerifySchema>;
export type PrivacyResendInput = v.InferOutput<typeof privacyResendSchema>;
export type PrivacyStatusInput = v.InferOutput<typeof privacyStatusSchema>;
export type ConversationView = (typeof CONVERSATION_VIEWS)[number];
export type ConversationListInput = v.InferOutput<typeof conversationListSchema>;
export type ConversationOpenInput = v.InferOutput<typeof conversationOpenSchema>;
export type ConversationRefInput = v.InferOutput<typeof conversationRefSchema>;
export type OperatorSendInput = v.InferOutput<typeof operatorSendSchema>;
export type OperatorTypingInput = v.InferOutput<typeof operatorTypingSchema>;
export type PrivacyListInput = v.InferOutput<typeof privacyListSchema>;
export type PrivacyGetInput = v.InferOutput<typeof privacyGetSchema>;
export type PrivacyActionInput = v.InferOutput<typeof privacyActionSchema>;
export type PrivacyFileInput = v.InferOutput<typeof privacyFileSchema>;
export type PrivacyReplyInput = v.InferOutput<typeof privacyReplySchema>;
export type PrivacyClassifyInput = v.InferOutput<typeof privacyClassifySchema>;
export type InboundMailJsonInput = v.InferOutput<typeof inboundMailJsonSchema>;
export type EmptyInput = v.InferOutput<typeof emptySchema>;
export type ApiKeyCreateInput = v.InferOutput<typeof apiKeyCreateSchema>;
export type IdInput = v.InferOutput<typeof idSchema>;
export type WebhookCreateInput = v.InferOutput<typeof webhookCreateSchema>;
export type DataSystemSaveInput = v.InferOutput<typeof dataSystemSaveSchema>;
export type PrivacySystemRecordInput = v.InferOutput<typeof privacySystemRecordSchema>;
export type PrivacySystemResendInput = v.InferOutput<typeof privacySystemResendSchema>;
export type SystemReceiptInput = v.InferOutput<typeof systemReceiptSchema>;
export type ProcessorAnswerInput = v.InferOutput<typeof processorAnswerSchema>;
export type ConversationAssignInput = v.InferOutput<typeof conversationAssignSchema>;
export type ConversationReadInput = v.InferOutput<typeof conversationReadSchema>;
export type SearchInput = v.InferOutput<typeof searchSchema>;
export type NoteAddInput = v.InferOutput<typeof noteAddSchema>;
export type CannedSaveInput = v.InferOutput<typeof cannedSaveSchema>;
export type PresenceSetInput = v.InferOutput<typeof presenceSetSchema>;
export type OperatorCreateInput = v.InferOutput<typeof operatorCreateSchema>;
export type OperatorDisableInput = v.InferOutput<typeof operatorDisableSchema>;
export type OperatorResetPasswordInput = v.InferOutput<typeof operatorResetPasswordSchema>;
export type PasswordChangeInput = v.InferOutput<typeof passwordChangeSchema>;
export type SettingsSaveInput = v.InferOutput<typeof settingsSaveSchema>;
export type WidgetSettingsSaveInput = v.InferOutput<typeof widgetSettingsSaveSchema>;
export type RatingSubmitInput = v.InferOutput<typeof ratingSubmitSchema>;
export type TranscriptRequestInput = v.InferOutput<typeof transcriptRequestSchema>;
export type RatingReportInput = v.InferOutput<typeof ratingReportSchema>;
export type LoginInput = v.InferOutput<typeof loginSchema>;
export type ApiCreateRequestInput = v.InferOutput<typeof apiCreateRequestSchema>;
export type AttachmentRefInput = v.InferOutput<typeof attachmentRefSchema>;
export type AttachmentUploadInput = v.InferOutput<typeof attachmentUploadSchema>;
export type AttachmentSettingsSaveInput = v.InferOutput<typeof attachmentSettingsSaveSchema>;
