import type { ConsentVersionDto, PrechatAnswerDto } from '../../../../shared/prechat';
import type { Lang } from '../../../../shared/types';
import type { PrechatSubmissionRow, VisitorConsentRow } from '../../repositories/prechat-repository';
import type { PrechatStore } from '../../store';
import type { Queryable } from '../queryable';

const VERSION = `cv.id, cv.version, cv.lang, cv.text, cv.created_at AS "createdAt",
  (SELECT count(*) FROM visitor_consents vc WHERE vc.consent_version_id = cv.id) AS acceptances`;

const LATEST = `SELECT ${VERSION} FROM consent_versions cv WHERE cv.lang = $1 ORDER BY cv.version DESC LIMIT 1`;
const INSERT_VERSION = `INSERT INTO consent_versions (version, lang, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id`;
const VERSION_BY_ID = `SELECT ${VERSION} FROM consent_versions cv WHERE cv.id = $1`;
const VERSIONS = `SELECT ${VERSION} FROM consent_versions cv ORDER BY cv.created_at DESC, cv.id DESC`;
const SUBMISSION = `SELECT answers, submitted_at AS "submittedAt" FROM prechat_submissions WHERE visitor_id = $1`;
const INSERT_SUBMISSION = `INSERT INTO prechat_submissions (visitor_id, answers, submitted_at) VALUES ($1, $2, $3)`;
// Accepting a version again keeps the first time; one statement, so two acceptances at once keep one row.
const INSERT_CONSENT = `INSERT INTO visitor_consents (visitor_id, consent_version_id, lang, accepted_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (visitor_id, consent_version_id) DO NOTHING`;
const CONSENTS = `SELECT cv.version, vc.lang, cv.text, vc.accepted_at AS "acceptedAt"
    FROM visitor_consents vc JOIN consent_versions cv ON cv.id = vc.consent_version_id
   WHERE vc.visitor_id = $1 ORDER BY vc.accepted_at DESC, vc.id DESC`;
// Both deletes in one statement, each counted.
const DELETE_BY_VISITOR = `WITH s AS (DELETE FROM prechat_submissions WHERE visitor_id = $1 RETURNING 1),
    c AS (DELETE FROM visitor_consents WHERE visitor_id = $1 RETURNING 1)
  SELECT (SELECT count(*) FROM s) AS "prechatAnswers", (SELECT count(*) FROM c) AS consents`;
const COUNT_BY_VISITOR = `SELECT (SELECT count(*) FROM prechat_submissions WHERE visitor_id = $1) AS "prechatAnswers",
  (SELECT count(*) FROM visitor_consents WHERE visitor_id = $1) AS consents`;
// An address the host site vouched for (identify) is never replaced by one typed into a form.
const CONTACT = `UPDATE visitors SET email = CASE WHEN email_verified = 1 THEN email ELSE coalesce($1, email) END,
  name = coalesce($2, name) WHERE id = $3`;

/** The register of consent texts, visitors' acceptances of them and their pre-chat answers in PostgreSQL; the twin of PrechatRepository. */
export class PgPrechatRepository implements PrechatStore {
  constructor(private readonly db: Queryable) {}

  /** The version in force in `lang`: the newest. */
  async latestVersion(lang: Lang): Promise<ConsentVersionDto | null> {
    return (await this.db.query<ConsentVersionDto>({ name: 'prechat-latest-version', text: LATEST, values: [lang] })).rows[0] ?? null;
  }

  async versionById(id: number): Promise<ConsentVersionDto | null> {
    return (await this.db.query<ConsentVersionDto>({ name: 'prechat-version-by-id', text: VERSION_BY_ID, values: [id] })).rows[0] ?? null;
  }

  async insertVersion(version: number, lang: Lang, text: string, now: number): Promise<number> {
    const values = [version, lang, text, now];
    return (await this.db.query<{ id: number }>({ name: 'prechat-insert-version', text: INSERT_VERSION, values })).rows[0].id;
  }

  /** Every version of the consent text, newest first (the register). */
  async versions(): Promise<ConsentVersionDto[]> {
    return (await this.db.query<ConsentVersionDto>({ name: 'prechat-versions', text: VERSIONS })).rows;
  }

  async submissionOf(visitorId: number): Promise<PrechatSubmissionRow | null> {
    const { rows } = await this.db.query<{ answers: string; submittedAt: number }>({
      name: 'prechat-submission',
      text: SUBMISSION,
      values: [visitorId],
    });
    const row = rows[0];
    return row ? { answers: JSON.parse(row.answers) as PrechatAnswerDto[], submittedAt: row.submittedAt } : null;
  }

  async insertSubmission(visitorId: number, answers: PrechatAnswerDto[], now: number): Promise<void> {
    const values = [visitorId, JSON.stringify(answers), now];
    await this.db.query({ name: 'prechat-insert-submission', text: INSERT_SUBMISSION, values });
  }

  /** Records an acceptance; accepting the same version again keeps the first time. */
  async insertConsent(visitorId: number, versionId: number, lang: Lang, now: number): Promise<void> {
    await this.db.query({ name: 'prechat-insert-consent', text: INSERT_CONSENT, values: [visitorId, versionId, lang, now] });
  }

  /** Keeps the name and e-mail given in the form where the visitor's contact name and e-mail live (unverified). */
  async setContact(visitorId: number, email: string | null, name: string | null): Promise<void> {
    await this.db.query({ name: 'prechat-contact', text: CONTACT, values: [email, name, visitorId] });
  }

  /** The visitor's acceptances, newest first. */
  async consentsOf(visitorId: number): Promise<VisitorConsentRow[]> {
    return (await this.db.query<VisitorConsentRow>({ name: 'prechat-consents', text: CONSENTS, values: [visitorId] })).rows;
  }

  /** Deletes the visitor's answers and acceptances (they would go by cascade; deleted first to be counted). */
  async deleteByVisitor(visitorId: number): Promise<{ prechatAnswers: number; consents: number }> {
    const query = { name: 'prechat-delete-by-visitor', text: DELETE_BY_VISITOR, values: [visitorId] };
    return (await this.db.query<{ prechatAnswers: number; consents: number }>(query)).rows[0];
  }

  async countByVisitor(visitorId: number): Promise<{ prechatAnswers: number; consents: number }> {
    const query = { name: 'prechat-count-by-visitor', text: COUNT_BY_VISITOR, values: [visitorId] };
    return (await this.db.query<{ prechatAnswers: number; consents: number }>(query)).rows[0];
  }
}
