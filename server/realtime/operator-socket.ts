import type { Logger } from 'pino';
import type { Namespace, Socket } from 'socket.io';
import type { OperatorClientToServer, OperatorServerToClient } from '../../shared/protocol';
import type { ChatService } from '../chat/chat-service';
import type { AdminService } from '../console/admin-service';
import type { AuthService } from '../console/auth-service';
import type { CannedReplyService } from '../console/canned-reply-service';
import type { InboxService } from '../console/inbox-service';
import type { NoteService } from '../console/note-service';
import type { PresenceService } from '../console/presence-service';
import type { TeamService } from '../console/team-service';
import type { DataSystemService } from '../privacy/data-system-service';
import type { PrivacyDesk } from '../privacy/privacy-desk';
import type { RatingService } from '../chat/rating-service';
import type { AttachmentService } from '../attachments/attachment-service';
import type { WidgetSettingsService } from '../console/widget-settings-service';
import type { PrechatService } from '../chat/prechat-service';

/** The /operator namespace's socket types and what its handlers are given: shared by the namespace and the console's handlers. */
export interface OperatorSocketData {
  sessionToken: string;
  operatorId: number;
}

export type OperatorNamespace = Namespace<OperatorClientToServer, OperatorServerToClient, Record<string, never>, OperatorSocketData>;
export type OperatorSocket = Socket<OperatorClientToServer, OperatorServerToClient, Record<string, never>, OperatorSocketData>;

export interface OperatorDeps {
  auth: AuthService;
  chat: ChatService;
  privacy: PrivacyDesk;
  dataSystems: DataSystemService;
  admin: AdminService;
  team: TeamService;
  presence: PresenceService;
  inbox: InboxService;
  notes: NoteService;
  canned: CannedReplyService;
  widget: WidgetSettingsService;
  ratings: RatingService;
  attachments: AttachmentService;
  prechat: PrechatService;
  log: Logger;
}
