/** Privacy requests, verifications, the append-only audit log, mail, exports, API keys and webhooks. */
export default /* sql */ `
CREATE TABLE privacy_requests (
  id                INTEGER PRIMARY KEY,
  reference         TEXT UNIQUE,
  type              TEXT NOT NULL CHECK (type IN ('erasure', 'access', 'rectification', 'objection')),
  state             TEXT NOT NULL CHECK (state IN ('awaiting_verification', 'verified', 'in_progress', 'completed', 'rejected', 'expired')),
  jurisdiction      TEXT NOT NULL,
  source            TEXT NOT NULL CHECK (source IN ('chat', 'operator', 'api')),
  -- Cleared when the request is closed: afterwards only the keyed hash identifies the requester.
  email             TEXT,
  email_hash        BLOB NOT NULL,
  name              TEXT,
  details           TEXT,
  lang              TEXT NOT NULL,
  visitor_id        INTEGER REFERENCES visitors(id) ON DELETE SET NULL,
  duplicate_of      INTEGER REFERENCES privacy_requests(id),
  received_at       INTEGER NOT NULL,
  verified_at       INTEGER,
  ack_due_at        INTEGER,
  due_at            INTEGER,
  extended          INTEGER NOT NULL DEFAULT 0,
  extension_reason  TEXT,
  rejection_reason  TEXT,
  retained_note     TEXT,
  result_json       TEXT,
  completed_at      INTEGER,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX privacy_requests_open ON privacy_requests(email_hash, type, state);
CREATE INDEX privacy_requests_due ON privacy_requests(state, due_at);

-- Status tokens a browser holds to follow its requests ("My requests"); they outlive the visitor record.
CREATE TABLE privacy_request_watchers (
  token_hash BLOB PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES privacy_requests(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX privacy_request_watchers_request ON privacy_request_watchers(request_id);

CREATE TABLE verifications (
  id           TEXT PRIMARY KEY,
  request_id   INTEGER NOT NULL REFERENCES privacy_requests(id) ON DELETE CASCADE,
  kind         TEXT NOT NULL CHECK (kind IN ('code', 'link')),
  secret_hash  BLOB NOT NULL,
  email_hash   BLOB NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  sends        INTEGER NOT NULL DEFAULT 1,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  consumed_at  INTEGER
) WITHOUT ROWID;

-- Every send of a verification mail, for the per-address hourly limit.
CREATE TABLE verification_sends (
  id         INTEGER PRIMARY KEY,
  email_hash BLOB NOT NULL,
  sent_at    INTEGER NOT NULL
);
CREATE INDEX verification_sends_email ON verification_sends(email_hash, sent_at);

CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY,
  request_id INTEGER,
  at         INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  detail     TEXT
);
CREATE INDEX audit_log_request ON audit_log(request_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Marketing objections, kept by keyed e-mail hash so they outlive erasure of everything else.
CREATE TABLE marketing_suppressions (
  email_hash BLOB PRIMARY KEY,
  request_id INTEGER REFERENCES privacy_requests(id),
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Copies of mails sent; with no SMTP_URL this is the dev outbox admins read.
CREATE TABLE mail_outbox (
  id         INTEGER PRIMARY KEY,
  to_address TEXT NOT NULL COLLATE NOCASE,
  subject    TEXT NOT NULL,
  body       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX mail_outbox_to ON mail_outbox(to_address);

CREATE TABLE data_exports (
  token_hash  BLOB PRIMARY KEY,
  request_id  INTEGER NOT NULL REFERENCES privacy_requests(id),
  payload     TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  consumed_at INTEGER
) WITHOUT ROWID;

CREATE TABLE api_keys (
  id          INTEGER PRIMARY KEY,
  label       TEXT NOT NULL,
  prefix      TEXT NOT NULL,
  key_hash    BLOB NOT NULL UNIQUE,
  created_by  INTEGER REFERENCES operators(id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);

CREATE TABLE webhooks (
  id         INTEGER PRIMARY KEY,
  url        TEXT NOT NULL,
  secret     TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY,
  webhook_id      INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event           TEXT NOT NULL,
  payload         TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error      TEXT,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
`;
