/**
 * The pre-chat form's answers and the versioned consent text.
 * - `consent_versions` is the register of consent texts: a changed text is a new row, never an edit, so
 *   what a visitor accepted can always be shown word for word. It holds no personal data and is kept.
 * - `visitor_consents`: which version (and language) a visitor accepted, and when: the visitor's personal
 *   data, gone with the visitor (erasure, retention) by cascade.
 * - `prechat_submissions`: the form's answers other than the name and e-mail (those live on `visitors`,
 *   where the contact name and e-mail already are); one row per visitor, gone with the visitor.
 */
export default /* sql */ `
CREATE TABLE consent_versions (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  version    INTEGER NOT NULL CHECK (version >= 1),
  lang       TEXT NOT NULL CHECK (lang IN ('en', 'ru')),
  text       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (lang, version)
);

CREATE TABLE visitor_consents (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  visitor_id         INTEGER NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
  consent_version_id INTEGER NOT NULL REFERENCES consent_versions(id),
  lang               TEXT NOT NULL CHECK (lang IN ('en', 'ru')),
  accepted_at        INTEGER NOT NULL,
  UNIQUE (visitor_id, consent_version_id)
);
CREATE INDEX visitor_consents_version ON visitor_consents(consent_version_id);

CREATE TABLE prechat_submissions (
  visitor_id   INTEGER PRIMARY KEY REFERENCES visitors(id) ON DELETE CASCADE,
  answers      TEXT NOT NULL,
  submitted_at INTEGER NOT NULL
);
`;
