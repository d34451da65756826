/**
 * The typed Socket.IO protocol of both namespaces. Event names live here and only here: every other
 * file refers to them through these constants. One interface per direction of traffic, shared by the
 * server (`Server<ClientToServer, ServerToClient>`) and the browser (`Socket<ServerToClient, ClientToServer>`).
 */
import type { AckFn } from './errors';
import type * as S from './schemas';
import type {
  AuditEntryDto,
  ErasurePreviewDto,
  CannedReplyDto,
  ConversationDto,
  InboxSettingsDto,
  NoteDto,
  SearchHitDto,
  TeamMemberDto,
  MessageDto,
  OperatorDto,
  OutboxMailDto,
  PrivacyMessageDto,
  PrivacyRequestDto,
  VisitorRequestDto,
  RatingAskDto,
  RatingDto,
  RatingReportDto,
} from './types';
import type { AvailabilityDto, WidgetSettingsDto } from './widget-settings';
import type { AttachmentLinkDto, AttachmentSettingsDto } from './attachments';
import type { DataSystemDto } from './data-systems';
import type {
  ConsentVersionDto,
  PrechatFormDto,
  PrechatSaveInput,
  PrechatSettingsResult,
  PrechatSubmitInput,
  VisitorPrechatDto,
} from './prechat';

export const VISITOR_NAMESPACE = '/visitor';
export const OPERATOR_NAMESPACE = '/operator';

/** Events a visitor's widget sends; each takes an acknowledgement. */
export const VisitorEvent = {
  hello: 'visitor:hello',
  identify: 'visitor:identify',
  /** Leave an e-mail for a reply (the offline form). */
  contactLeave: 'visitor:contact',
  messageSend: 'message:send',
  messageHistory: 'message:history',
  typingSet: 'typing:set',
  privacyStart: 'privacy:start',
  privacyVerify: 'privacy:verify',
  privacyResend: 'privacy:resend',
  privacyStatus: 'privacy:status',
  /** Rate the conversation once it is resolved (once per conversation). */
  ratingSubmit: 'rating:submit',
  /** E-mail me this conversation (now, or when it is resolved). */
  transcriptRequest: 'transcript:request',
  /** A short-lived signed link to a file of the visitor's own conversation. */
  attachmentLink: 'attachment:link',
  /** The pre-chat form's answers and the consent accepted, before the first message. */
  prechatSubmit: 'prechat:submit',
} as const;

/** Events the server pushes to a visitor. */
export const VisitorPush = {
  messageNew: 'message:new',
  typing: 'typing:update',
  privacyUpdate: 'privacy:update',
  presence: 'presence:update',
  /** This visitor's data was erased at their request: the token is void, the history gone. */
  erased: 'visitor:erased',
  /** Business hours: the team opened or closed (or the admin changed the hours). */
  availability: 'availability:update',
  /** The conversation was resolved (with the rating question, if one is to be asked) or reopened. */
  conversationStatus: 'conversation:status',
} as const;

/** Events the operator console sends; each takes an acknowledgement. */
export const OperatorEvent = {
  conversationList: 'conversation:list',
  conversationOpen: 'conversation:open',
  conversationClaim: 'conversation:claim',
  conversationResolve: 'conversation:resolve',
  conversationReopen: 'conversation:reopen',
  messageSend: 'message:send',
  typingSet: 'typing:set',
  privacyList: 'privacy:list',
  privacyGet: 'privacy:get',
  privacyAct: 'privacy:act',
  privacyFile: 'privacy:file',
  /** What completing an erasure request would delete, counted; deletes nothing. */
  privacyPreview: 'privacy:preview',
  /** Mail the requester from the request page (an answer, or a clarification asked of them). */
  privacyReply: 'privacy:reply',
  /** Say which right a request that needs triage asks for. */
  privacyClassify: 'privacy:classify',
  /** The register of data systems (Admin → Data systems): list for operators, changes for admins. */
  dataSystemList: 'data-system:list',
  dataSystemSave: 'data-system:save',
  dataSystemDelete: 'data-system:delete',
  /** An operator enters a data system's outcome on a request, with the evidence. */
  privacySystemRecord: 'privacy:system-record',
  /** Send a webhook system the request again after its retries gave up; answered once that attempt is over. */
  privacySystemResend: 'privacy:system-resend',
  outboxList: 'outbox:list',
  apiKeyList: 'apikey:list',
  apiKeyCreate: 'apikey:create',
  apiKeyRevoke: 'apikey:revoke',
  webhookList: 'webhook:list',
  webhookCreate: 'webhook:create',
  webhookDelete: 'webhook:delete',
  conversationAssign: 'conversation:assign',
  conversationRead: 'conversation:read',
  conversationUnread: 'conversation:unread',
  conversationSearch: 'conversation:search',
  noteList: 'note:list',
  noteAdd: 'note:add',
  cannedList: 'canned:list',
  cannedSave: 'canned:save',
  cannedDelete: 'canned:delete',
  teamList: 'team:list',
  presenceSet: 'presence:set',
  operatorCreate: 'operator:create',
  operatorDisable: 'operator:disable',
  operatorResetPassword: 'operator:reset-password',
  passwordChange: 'password:change',
  settingsGet: 'settings:get',
  settingsSave: 'settings:save',
  /** Business hours, greeting, away message and the rating question. */
  widgetSettingsGet: 'widget-settings:get',
  widgetSettingsSave: 'widget-settings:save',
  ratingReport: 'rating:report',
  /** A short-lived signed link to an attachment's file. */
  attachmentLink: 'attachment:link',
  /** Admins: the size limit and the file types visitors and operators may attach. */
  attachmentSettingsGet: 'attachment-settings:get',
  attachmentSettingsSave: 'attachment-settings:save',
  /** Admins: the pre-chat form and the consent text (a changed text is a new version). */
  prechatGet: 'prechat:get',
  prechatSave: 'prechat:save',
  /** Admins: every version of the consent text, newest first. */
  consentVersions: 'consent:versions',
  /** The pre-chat answers and consent of a conversation's visitor. */
  prechatVisitor: 'prechat:visitor',
} as const;

/** Events the server pushes to operators. */
export const OperatorPush = {
  conversationUpsert: 'conversation:upsert',
  /** New messages, in order: those of one server turn arrive together. */
  messages: 'messages:new',
  typing: 'typing:update',
  /** Privacy requests that changed, each as it is now: those of up to a tenth of a second arrive together. */
  privacyUpserts: 'privacy:upserts',
  noteNew: 'note:new',
  team: 'team:update',
  canned: 'canned:update',
  settings: 'settings:update',
  /** Conversations deleted by an erasure: every list and open view drops them. */
  conversationsRemoved: 'conversations:removed',
} as const;

export interface VisitorConversationDto {
  id: string;
  status: ConversationDto['status'];
  lastSeq: number;
  assignedOperatorName: string | null;
}

export interface HelloResult {
  /** The visitor's token: the same one sent, or a new one when none (or an unknown one) was sent. */
  token: string;
  conversation: VisitorConversationDto | null;
  /** Messages after `afterSeq` (or the latest page when none). */
  messages: MessageDto[];
  operatorsOnline: boolean;
  /** The e-mail the visitor left for replies (or the one the site identified them with); null when none. */
  contactEmail: string | null;
  /** Open by the business hours, or when the team is back. */
  availability: AvailabilityDto;
  /** The admin's greeting and away message in the visitor's language; null: the widget's own. */
  greeting: string | null;
  awayMessage: string | null;
  /** Asked when the conversation is resolved and not yet rated. */
  ratingAsk: RatingAskDto | null;
  /** The admin's limits, so the widget refuses a file before uploading it (the server still decides). */
  attachments: AttachmentSettingsDto;
  /**
   * The pre-chat form to fill before the first message, in the visitor's language; null when there is
   * none, the visitor is identified, already answered it or already has a conversation.
   */
  prechat: PrechatFormDto | null;
}

/** `sent`: mailed now; `onResolve`: it will be mailed when the conversation is resolved. */
export interface TranscriptResult {
  sent: boolean;
  onResolve: boolean;
}

/** Pushed to a visitor when an operator resolves or reopens their conversation. */
export interface ConversationStatusPush {
  status: ConversationDto['status'];
  ratingAsk: RatingAskDto | null;
}

/** The admin's widget settings, with what they mean right now. */
export interface WidgetSettingsResult {
  settings: WidgetSettingsDto;
  availability: AvailabilityDto;
}

export interface TrackedRequest {
  requestToken: string;
  request: VisitorRequestDto;
}

/** A request just filed; `alreadyOpen` when it turned out to repeat an open one, which is returned instead. */
export interface FiledRequest extends TrackedRequest {
  alreadyOpen: boolean;
}

export type PrivacyStartResult = { status: 'code_sent'; verificationId: string; expiresAt: number } | ({ status: 'filed' } & FiledRequest);

export interface ApiKeyDto {
  id: number;
  label: string;
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface WebhookDto {
  id: number;
  url: string;
  createdAt: number;
  deliveries: Array<{
    id: number;
    event: string;
    status: 'pending' | 'delivered' | 'failed';
    attempts: number;
    lastError: string | null;
    updatedAt: number;
  }>;
}

/** Request/response pairs of the visitor namespace, by event. */
export interface VisitorRpc {
  [VisitorEvent.hello]: { in: S.VisitorHelloInput; out: HelloResult };
  [VisitorEvent.identify]: { in: S.IdentifyInput; out: { identified: true } };
  [VisitorEvent.contactLeave]: { in: S.ContactInput; out: { email: string } };
  [VisitorEvent.messageSend]: { in: S.VisitorSendInput; out: { message: MessageDto } };
  [VisitorEvent.messageHistory]: { in: S.HistoryInput; out: { messages: MessageDto[]; lastSeq: number } };
  [VisitorEvent.typingSet]: { in: S.TypingInput; out: null };
  [VisitorEvent.privacyStart]: { in: S.PrivacyStartInput; out: PrivacyStartResult };
  [VisitorEvent.privacyVerify]: { in: S.PrivacyVerifyInput; out: FiledRequest };
  [VisitorEvent.privacyResend]: { in: S.PrivacyResendInput; out: { expiresAt: number } };
  [VisitorEvent.privacyStatus]: { in: S.PrivacyStatusInput; out: { requests: TrackedRequest[] } };
  [VisitorEvent.ratingSubmit]: { in: S.RatingSubmitInput; out: { rating: RatingDto } };
  [VisitorEvent.transcriptRequest]: { in: S.TranscriptRequestInput; out: TranscriptResult };
  [VisitorEvent.attachmentLink]: { in: S.AttachmentRefInput; out: AttachmentLinkDto };
  [VisitorEvent.prechatSubmit]: { in: PrechatSubmitInput; out: { submitted: true } };
}

/** Request/response pairs of the operator namespace, by event. */
export interface OperatorRpc {
  [OperatorEvent.conversationList]: { in: S.ConversationListInput; out: { conversations: ConversationDto[] } };
  [OperatorEvent.conversationOpen]: {
    in: S.ConversationOpenInput;
    out: { conversation: ConversationDto; messages: MessageDto[] };
  };
  [OperatorEvent.conversationClaim]: { in: S.ConversationRefInput; out: { conversation: ConversationDto } };
  [OperatorEvent.conversationResolve]: { in: S.ConversationRefInput; out: { conversation: ConversationDto } };
  [OperatorEvent.conversationReopen]: { in: S.ConversationRefInput; out: { conversation: ConversationDto } };
  [OperatorEvent.messageSend]: { in: S.OperatorSendInput; out: { message: MessageDto } };
  [OperatorEvent.typingSet]: { in: S.OperatorTypingInput; out: null };
  [OperatorEvent.privacyList]: { in: S.PrivacyListInput; out: { requests: PrivacyRequestDto[] } };
  [OperatorEvent.privacyGet]: {
    in: S.PrivacyGetInput;
    out: { request: PrivacyRequestDto; audit: AuditEntryDto[]; messages: PrivacyMessageDto[] };
  };
  [OperatorEvent.privacyAct]: { in: S.PrivacyActionInput; out: { request: PrivacyRequestDto } };
  [OperatorEvent.privacyFile]: { in: S.PrivacyFileInput; out: { request: PrivacyRequestDto } };
  [OperatorEvent.privacyPreview]: { in: S.PrivacyGetInput; out: { preview: ErasurePreviewDto } };
  [OperatorEvent.privacyReply]: { in: S.PrivacyReplyInput; out: { request: PrivacyRequestDto; message: PrivacyMessageDto } };
  [OperatorEvent.privacyClassify]: { in: S.PrivacyClassifyInput; out: { request: PrivacyRequestDto } };
  [OperatorEvent.outboxList]: { in: S.EmptyInput; out: { mails: OutboxMailDto[] } };
  [OperatorEvent.apiKeyList]: { in: S.EmptyInput; out: { keys: ApiKeyDto[] } };
  [OperatorEvent.apiKeyCreate]: { in: S.ApiKeyCreateInput; out: { key: ApiKeyDto; secret: string } };
  [OperatorEvent.apiKeyRevoke]: { in: S.IdInput; out: null };
  [OperatorEvent.webhookList]: { in: S.EmptyInput; out: { webhooks: WebhookDto[] } };
  [OperatorEvent.webhookCreate]: { in: S.WebhookCreateInput; out: { webhook: WebhookDto; secret: string } };
  [OperatorEvent.webhookDelete]: { in: S.IdInput; out: null };
  [OperatorEvent.dataSystemList]: { in: S.EmptyInput; out: { systems: DataSystemDto[] } };
  /** `secret` only for a new webhook system: what it signs its receipts with and checks our requests by. */
  [OperatorEvent.dataSystemSave]: { in: S.DataSystemSaveInput; out: { system: DataSystemDto; secret: string | null } };
  [OperatorEvent.dataSystemDelete]: { in: S.IdInput; out: null };
  [OperatorEvent.privacySystemRecord]: { in: S.PrivacySystemRecordInput; out: { request: PrivacyRequestDto } };
  [OperatorEvent.privacySystemResend]: { in: S.PrivacySystemResendInput; out: { request: PrivacyRequestDto } };
  [OperatorEvent.conversationAssign]: { in: S.ConversationAssignInput; out: { conversation: ConversationDto } };
  [OperatorEvent.conversationRead]: { in: S.ConversationReadInput; out: null };
  /** Unread visitor messages per conversation for the asking operator (open conversations only). */
  [OperatorEvent.conversationUnread]: { in: S.EmptyInput; out: { unread: Record<string, number> } };
  [OperatorEvent.conversationSearch]: { in: S.SearchInput; out: { hits: SearchHitDto[] } };
  [OperatorEvent.noteList]: { in: S.ConversationRefInput; out: { notes: NoteDto[] } };
  [OperatorEvent.noteAdd]: { in: S.NoteAddInput; out: { note: NoteDto } };
  [OperatorEvent.cannedList]: { in: S.EmptyInput; out: { replies: CannedReplyDto[] } };
  [OperatorEvent.cannedSave]: { in: S.CannedSaveInput; out: { reply: CannedReplyDto } };
  [OperatorEvent.cannedDelete]: { in: S.IdInput; out: null };
  [OperatorEvent.teamList]: { in: S.EmptyInput; out: { team: TeamMemberDto[] } };
  [OperatorEvent.presenceSet]: { in: S.PresenceSetInput; out: { team: TeamMemberDto[] } };
  /** `password` is returned only when it was generated; it is shown once. */
  [OperatorEvent.operatorCreate]: { in: S.OperatorCreateInput; out: { operator: TeamMemberDto; password: string | null } };
  [OperatorEvent.operatorDisable]: { in: S.OperatorDisableInput; out: { operator: TeamMemberDto } };
  [OperatorEvent.operatorResetPassword]: { in: S.OperatorResetPasswordInput; out: { password: string | null } };
  [OperatorEvent.passwordChange]: { in: S.PasswordChangeInput; out: null };
  [OperatorEvent.settingsGet]: { in: S.EmptyInput; out: { settings: InboxSettingsDto } };
  [OperatorEvent.settingsSave]: { in: S.SettingsSaveInput; out: { settings: InboxSettingsDto } };
  [OperatorEvent.widgetSettingsGet]: { in: S.EmptyInput; out: WidgetSettingsResult };
  [OperatorEvent.widgetSettingsSave]: { in: S.WidgetSettingsSaveInput; out: WidgetSettingsResult };
  [OperatorEvent.ratingReport]: { in: S.RatingReportInput; out: { report: RatingReportDto } };
  [OperatorEvent.attachmentLink]: { in: S.AttachmentRefInput; out: AttachmentLinkDto };
  [OperatorEvent.attachmentSettingsGet]: { in: S.EmptyInput; out: { settings: AttachmentSettingsDto } };
  [OperatorEvent.attachmentSettingsSave]: { in: S.AttachmentSettingsSaveInput; out: { settings: AttachmentSettingsDto } };
  [OperatorEvent.prechatGet]: { in: S.EmptyInput; out: PrechatSettingsResult };
  [OperatorEvent.prechatSave]: { in: PrechatSaveInput; out: PrechatSettingsResult };
  [OperatorEvent.consentVersions]: { in: S.EmptyInput; out: { versions: ConsentVersionDto[] } };
  [OperatorEvent.prechatVisitor]: { in: S.ConversationRefInput; out: { prechat: VisitorPrechatDto } };
}

type Handlers<R> = { [K in keyof R]: R[K] extends { in: infer I; out: infer O } ? (payload: I, ack: AckFn<O>) => void : never };

export type VisitorClientToServer = Handlers<VisitorRpc>;
export interface VisitorServerToClient {
  [VisitorPush.messageNew]: (message: MessageDto) => void;
  [VisitorPush.typing]: (state: { typing: boolean; name: string | null }) => void;
  [VisitorPush.privacyUpdate]: (request: VisitorRequestDto) => void;
  [VisitorPush.presence]: (state: { operatorsOnline: boolean }) => void;
  [VisitorPush.erased]: () => void;
  [VisitorPush.availability]: (availability: AvailabilityDto) => void;
  [VisitorPush.conversationStatus]: (state: ConversationStatusPush) => void;
}

export type OperatorClientToServer = Handlers<OperatorRpc>;

/**
 * A new message together with its conversation as it stands after it: one item updates both the open
 * thread and the inbox row (preview, sequence, waiting time), instead of a message and an upsert.
 */
export interface OperatorMessagePush {
  message: MessageDto;
  conversation: ConversationDto;
}
export interface OperatorServerToClient {
  [OperatorPush.conversationUpsert]: (conversation: ConversationDto) => void;
  [OperatorPush.messages]: (pushes: OperatorMessagePush[]) => void;
  [OperatorPush.typing]: (state: { conversationId: string; typing: boolean }) => void;
  [OperatorPush.privacyUpserts]: (requests: PrivacyRequestDto[]) => void;
  [OperatorPush.noteNew]: (note: NoteDto) => void;
  [OperatorPush.team]: (team: TeamMemberDto[]) => void;
  [OperatorPush.canned]: (replies: CannedReplyDto[]) => void;
  [OperatorPush.settings]: (settings: InboxSettingsDto) => void;
  [OperatorPush.conversationsRemoved]: (removed: { conversationIds: string[] }) => void;
}

export type { OperatorDto };
