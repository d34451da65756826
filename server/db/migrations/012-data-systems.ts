/**
 * The register of data systems, and one row per system on each request it concerns. The webhook's secret
 * signs what we send and checks what the system answers; a processor's one-time link is kept as a hash.
 * A row keeps no requester data: the system's answer for an access request waits in data_json only until
 * the request completes (it joins the export), then is cleared.
 */
export default /* sql */ `
CREATE TABLE data_systems (
  id             INTEGER PRIMARY KEY,
  name           TEXT NOT NULL,
  purpose        TEXT NOT NULL DEFAULT '',
  request_types  TEXT NOT NULL,
  owner_email    TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('webhook', 'processor_email', 'manual')),
  webhook_url    TEXT,
  secret         TEXT NOT NULL,
  contact_email  TEXT,
  assignee_id    INTEGER REFERENCES operators(id) ON DELETE SET NULL,
  created_at     INTEGER NOT NULL,
  archived_at    INTEGER
);

CREATE TABLE request_systems (
  id               INTEGER PRIMARY KEY,
  request_id       INTEGER NOT NULL REFERENCES privacy_requests(id) ON DELETE CASCADE,
  system_id        INTEGER NOT NULL REFERENCES data_systems(id),
  receipt_id       TEXT NOT NULL UNIQUE,
  name             TEXT NOT NULL,
  kind             TEXT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'not_found', 'kept', 'failed')),
  legal_basis      TEXT,
  note             TEXT,
  counts_json      TEXT,
  data_json        TEXT,
  answered_by      TEXT,
  answered_at      INTEGER,
  link_hash        BLOB,
  link_expires_at  INTEGER,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,
  delivery_error   TEXT,
  reminded_at      INTEGER,
  created_at       INTEGER NOT NULL,
  UNIQUE (request_id, system_id)
);
CREATE INDEX request_systems_due ON request_systems (next_attempt_at) WHERE state = 'pending' AND next_attempt_at IS NOT NULL;
`;
