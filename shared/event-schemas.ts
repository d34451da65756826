/**
 * Which schema validates which inbound event. Kept apart from protocol.ts so browser bundles that only
 * need event names do not carry every schema.
 */
import type { GenericSchema } from 'valibot';
import { OperatorEvent, VisitorEvent, type OperatorRpc, type VisitorRpc } from './protocol';
import * as S from './schemas';
import { prechatSaveSchema, prechatSubmitSchema } from './prechat';

type SchemaTable<R> = { [K in keyof R]: R[K] extends { in: infer I } ? GenericSchema<unknown, I> : never };

export const visitorEventSchemas: SchemaTable<VisitorRpc> = {
  [VisitorEvent.hello]: S.visitorHelloSchema,
  [VisitorEvent.identify]: S.identifySchema,
  [VisitorEvent.contactLeave]: S.contactSchema,
  [VisitorEvent.messageSend]: S.visitorSendSchema,
  [VisitorEvent.messageHistory]: S.historySchema,
  [VisitorEvent.typingSet]: S.typingSchema,
  [VisitorEvent.privacyStart]: S.privacyStartSchema,
  [VisitorEvent.privacyVerify]: S.privacyVerifySchema,
  [VisitorEvent.privacyResend]: S.privacyResendSchema,
  [VisitorEvent.privacyStatus]: S.privacyStatusSchema,
  [VisitorEvent.ratingSubmit]: S.ratingSubmitSchema,
  [VisitorEvent.transcriptRequest]: S.transcriptRequestSchema,
  [VisitorEvent.attachmentLink]: S.attachmentRefSchema,
  [VisitorEvent.prechatSubmit]: prechatSubmitSchema,
};

export const operatorEventSchemas: SchemaTable<OperatorRpc> = {
  [OperatorEvent.conversationList]: S.conversationListSchema,
  [OperatorEvent.conversationOpen]: S.conversationOpenSchema,
  [OperatorEvent.conversationClaim]: S.conversationRefSchema,
  [OperatorEvent.conversationResolve]: S.conversationRefSchema,
  [OperatorEvent.conversationReopen]: S.conversationRefSchema,
  [OperatorEvent.messageSend]: S.operatorSendSchema,
  [OperatorEvent.typingSet]: S.operatorTypingSchema,
  [OperatorEvent.privacyList]: S.privacyListSchema,
  [OperatorEvent.privacyGet]: S.privacyGetSchema,
  [OperatorEvent.privacyAct]: S.privacyActionSchema,
  [OperatorEvent.privacyFile]: S.privacyFileSchema,
  [OperatorEvent.privacyPreview]: S.privacyGetSchema,
  [OperatorEvent.privacyReply]: S.privacyReplySchema,
  [OperatorEvent.privacyClassify]: S.privacyClassifySchema,
  [OperatorEvent.outboxList]: S.emptySchema,
  [OperatorEvent.apiKeyList]: S.emptySchema,
  [OperatorEvent.apiKeyCreate]: S.apiKeyCreateSchema,
  [OperatorEvent.apiKeyRevoke]: S.idSchema,
  [OperatorEvent.webhookList]: S.emptySchema,
  [OperatorEvent.webhookCreate]: S.webhookCreateSchema,
  [OperatorEvent.webhookDelete]: S.idSchema,
  [OperatorEvent.dataSystemList]: S.emptySchema,
  [OperatorEvent.dataSystemSave]: S.dataSystemSaveSchema,
  [OperatorEvent.dataSystemDelete]: S.idSchema,
  [OperatorEvent.privacySystemRecord]: S.privacySystemRecordSchema,
  [OperatorEvent.privacySystemResend]: S.privacySystemResendSchema,
  [OperatorEvent.conversationAssign]: S.conversationAssignSchema,
  [OperatorEvent.conversationRead]: S.conversationReadSchema,
  [OperatorEvent.conversationUnread]: S.emptySchema,
  [OperatorEvent.conversationSearch]: S.searchSchema,
  [OperatorEvent.noteList]: S.conversationRefSchema,
  [OperatorEvent.noteAdd]: S.noteAddSchema,
  [OperatorEvent.cannedList]: S.emptySchema,
  [OperatorEvent.cannedSave]: S.cannedSaveSchema,
  [OperatorEvent.cannedDelete]: S.idSchema,
  [OperatorEvent.teamList]: S.emptySchema,
  [OperatorEvent.presenceSet]: S.presenceSetSchema,
  [OperatorEvent.operatorCreate]: S.operatorCreateSchema,
  [OperatorEvent.operatorDisable]: S.operatorDisableSchema,
  [OperatorEvent.operatorResetPassword]: S.operatorResetPasswordSchema,
  [OperatorEvent.passwordChange]: S.passwordChangeSchema,
  [OperatorEvent.settingsGet]: S.emptySchema,
  [OperatorEvent.settingsSave]: S.settingsSaveSchema,
  [OperatorEvent.widgetSettingsGet]: S.emptySchema,
  [OperatorEvent.widgetSettingsSave]: S.widgetSettingsSaveSchema,
  [OperatorEvent.ratingReport]: S.ratingReportSchema,
  [OperatorEvent.attachmentLink]: S.attachmentRefSchema,
  [OperatorEvent.attachmentSettingsGet]: S.emptySchema,
  [OperatorEvent.attachmentSettingsSave]: S.attachmentSettingsSaveSchema,
  [OperatorEvent.prechatGet]: S.emptySchema,
  [OperatorEvent.prechatSave]: prechatSaveSchema,
  [OperatorEvent.consentVersions]: S.emptySchema,
  [OperatorEvent.prechatVisitor]: S.conversationRefSchema,
};
