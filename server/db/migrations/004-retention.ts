/**
 * Indexes for the hourly retention job (retention/retention-service.ts): each of its deletes finds its
 * rows by age without scanning the table.
 */
export default /* sql */ `
CREATE INDEX conversations_retention ON conversations(status, updated_at);
CREATE INDEX visitors_last_seen ON visitors(last_seen_at);
CREATE INDEX verifications_expiry ON verifications(expires_at);
CREATE INDEX verification_sends_time ON verification_sends(sent_at);
CREATE INDEX mail_outbox_time ON mail_outbox(created_at);
CREATE INDEX data_exports_expiry ON data_exports(expires_at);
CREATE INDEX operator_sessions_expiry ON operator_sessions(expires_at);
`;
