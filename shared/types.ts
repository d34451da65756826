/** Data shapes that cross the wire. Times are epoch milliseconds. */
import type { AttachmentDto } from './attachments';
import type { RequestSystemDto, VisitorSystemDto } from './data-systems';
import type { Jurisdiction, RequestKind, RequestSource, RequestState } from './privacy';

export type Author = 'visitor' | 'operator' | 'system';
export type Lang = 'en' | 'ru';
export type ConversationStatus = 'open' | 'resolved';
export type OperatorRole = 'admin' | 'operator';

export interface MessageDto {
  id: number;
  conversationId: string;
  seq: number;
  clientId: string;
  author: Author;
  /** Display name of the operator who wrote it; null for visitor and system messages. */
  operatorName: string | null;
  /** Empty when the message is only its attachment. */
  text: string;
  createdAt: number;
  /** The file sent with the message, if any. */
  attachment?: AttachmentDto;
}

export interface ConversationDto {
  id: string;
  status: ConversationStatus;
  /** A stable, non-identifying label such as "Visitor 4F2A". */
  visitorLabel: string;
  assignedOperatorId: number | null;
  assignedOperatorName: string | null;
  lastSeq: number;
  lastMessagePreview: string | null;
  lastMessageAt: number | null;
  /** When the visitor's oldest unanswered message arrived; null when an operator answered last. */
  waitingSince: number | null;
  pageUrl: string | null;
  pageTitle: string | null;
  lang: Lang | null;
  /** Where the visitor came from: origin and path only (query strings can carry personal data). */
  referrer: string | null;
  /** The visitor's IANA time zone, for their local time. */
  timezone: string | null;
  /** A coarse device summary ("Chrome on Windows, desktop"); never the raw user agent or an IP address. */
  device: string | null;
  createdAt: number;
  /** The visitor's rating of this conversation, once given. */
  rating: RatingDto | null;
}

/** A visitor's rating of a resolved conversation: thumbs 1 good / 0 bad, or stars 1–5. */
export interface RatingDto {
  scale: 'thumbs' | 'stars';
  score: number;
  comment: string | null;
  createdAt: number;
}

/** What the widget asks a visitor whose conversation was resolved and is not yet rated. */
export interface RatingAskDto {
  conversationId: string;
  scale: 'thumbs' | 'stars';
}

/** Ratings given in a date range (days in the team's time zone), in all and per operator rated. */
export interface RatingReportDto {
  from: string;
  to: string;
  /** Counts: thumbs [bad, good], stars [1★ … 5★]. */
  total: RatingCounts;
  byOperator: Array<{ operatorId: number | null; operatorName: string | null } & RatingCounts>;
  /** The latest ratings of the range, newest first (at most 50). */
  recent: Array<RatingDto & { conversationId: string; visitorLabel: string; operatorName: string | null }>;
}

export interface RatingCounts {
  thumbs: [number, number];
  stars: [number, number, number, number, number];
}

export type Presence = 'online' | 'away' | 'offline';

/** An operator as the team sees them. */
export interface TeamMemberDto extends OperatorDto {
  disabled: boolean;
  presence: Presence;
}

/** An internal note on a conversation, shown after the message `afterSeq`; never sent to the visitor. */
export interface NoteDto {
  id: number;
  conversationId: string;
  clientId: string;
  afterSeq: number;
  operatorName: string | null;
  text: string;
  createdAt: number;
}

export interface CannedReplyDto {
  id: number;
  /** Typed after "/" in the composer. */
  shortcut: string;
  text: string;
}

export interface InboxSettingsDto {
  /** Round robin among online operators for new conversations. */
  autoAssign: boolean;
  /** Most open conversations auto-assignment gives one operator. */
  maxOpenPerOperator: number;
}

/** One message found by full-text search; `snippet` marks hits between \uE000 and \uE001. */
export interface SearchHitDto {
  conversationId: string;
  visitorLabel: string;
  status: ConversationStatus;
  seq: number;
  author: Author;
  snippet: string;
  createdAt: number;
}

export interface OperatorDto {
  id: number;
  email: string;
  name: string;
  role: OperatorRole;
}

/** What a visitor sees of a request: no e-mail, no internal notes. */
export interface VisitorRequestDto {
  reference: string;
  /** Null while the request needs triage (a mail whose words did not say which right it asks for). */
  type: RequestKind;
  state: RequestState;
  dueAt: number | null;
  createdAt: number;
  completedAt: number | null;
  rejectionReason: string | null;
  extended: boolean;
  /** The data systems the request concerns, each with its outcome once it answered ("3 of 4 systems done"). */
  systems: VisitorSystemDto[];
}

/** What operators see of a request. `email` is null once the request is closed and minimised. */
export interface PrivacyRequestDto extends Omit<VisitorRequestDto, 'systems'> {
  id: number;
  /** One row per data system, with who answered, when, and the evidence. */
  systems: RequestSystemDto[];
  jurisdiction: Jurisdiction;
  source: RequestSource;
  email: string | null;
  name: string | null;
  details: string | null;
  lang: Lang;
  verifiedAt: number | null;
  ackDueAt: number | null;
  extensionReason: string | null;
  retainedNote: string | null;
  result: Record<string, number> | null;
}

/**
 * What completing an erasure request would delete now, counted the way the erasure itself finds it
 * (RequestExecution): the console names these in its confirmation before anything is deleted.
 */
export interface ErasurePreviewDto {
  visitors: number;
  conversations: number;
  messages: number;
  notes: number;
  mails: number;
  webhookCopies: number;
  ratings: number;
  attachments: number;
  /** The pre-chat form's answers (one set per visitor) and the consents the visitor accepted. */
  prechatAnswers: number;
  consents: number;
}

/**
 * One mail of a request's thread: the requester's mails to the privacy address (their first one is the
 * request) and operators' answers. Text only, bounded; deleted when the request closes.
 */
export interface PrivacyMessageDto {
  id: number;
  direction: 'in' | 'out';
  /** `request`: the mail that filed it; `reply`: a later mail from the requester; `answer` / `clarification`: ours. */
  kind: 'request' | 'reply' | 'answer' | 'clarification';
  /** The operator who wrote an outgoing mail; null for the requester's. */
  operatorName: string | null;
  subject: string;
  text: string;
  createdAt: number;
}

export interface AuditEntryDto {
  id: number;
  at: number;
  actor: string;
  action: string;
  detail: Record<string, unknown> | null;
}

export interface OutboxMailDto {
  id: number;
  to: string;
  subject: string;
  text: string;
  createdAt: number;
}
