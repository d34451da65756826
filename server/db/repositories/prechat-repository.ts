import type { Db } from '../open';
import type { ConsentVersionDto, PrechatAnswerDto } from '../../../shared/prechat';
import type { Lang } from '../../../shared/types';

/** A visitor's acceptance of one consent version. */
export interface VisitorConsentRow {
  version: number;
  lang: Lang;
  text: string;
  acceptedAt: number;
}

export interface PrechatSubmissionRow {
  answers: PrechatAnswerDto[];
  submittedAt: number;
}

const VERSION = `cv.id, cv.version, cv.lang, cv.text, cv.created_at AS createdAt`;

/** The register of consent texts, visitors' acceptances of them, and their pre-chat answers. */
export class PrechatRepository {
  private readonly latestStmt;
  private readonly insertVersionStmt;
  private readonly versionByIdStmt;
  private readonly versionsStmt;
  private readonly submissionStmt;
  private readonly insertSubmissionStmt;
  private readonly insertConsentStmt;
  private readonly consentsStmt;
  private readonly deleteSubmissionStmt;
  private readonly deleteConsentsStmt;
  private readonly countSubmissionStmt;
  private readonly countConsentsStmt;
  private readonly contactStmt;

  constructor(db: Db) {
    const acceptances = `(SELECT count(*) FROM visitor_consents vc WHERE vc.consent_version_id = cv.id) AS acceptances`;
    this.latestStmt = db.prepare(
      `SELECT ${VERSION}, ${acceptances} FROM consent_versions cv WHERE cv.lang = ? ORDER BY cv.version DESC LIMIT 1`,
    );
    this.insertVersionStmt = db.prepare(`INSERT INTO consent_versions (version, lang, text, created_at) VALUES (?, ?, ?, ?)`);
    this.versionByIdStmt = db.prepare(`SELECT ${VERSION}, ${acceptances} FROM consent_versions cv WHERE cv.id = ?`);
    this.versionsStmt = db.prepare(`SELECT ${VERSION}, ${acceptances} FROM consent_versions cv ORDER BY cv.created_at DESC, cv.id DESC`);
    this.submissionStmt = db.prepare(`SELECT answers, submitted_at AS submittedAt FROM prechat_submissions WHERE visitor_id = ?`);
    this.insertSubmissionStmt = db.prepare(`INSERT INTO prechat_submissions (visitor_id, answers, submitted_at) VALUES (?, ?, ?)`);
    this.insertConsentStmt = db.prepare(
      `INSERT INTO visitor_consents (visitor_id, consent_version_id, lang, accepted_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (visitor_id, consent_version_id) DO NOTHING`,
    );
    this.consentsStmt = db.prepare(
      `SELECT cv.version, vc.lang, cv.text, vc.accepted_at AS acceptedAt
         FROM visitor_consents vc JOIN consent_versions cv ON cv.id = vc.consent_version_id
        WHERE vc.visitor_id = ? ORDER BY vc.accepted_at DESC, vc.id DESC`,
    );
    this.deleteSubmissionStmt = db.prepare(`DELETE FROM prechat_submissions WHERE visitor_id = ?`);
    this.deleteConsentsStmt = db.prepare(`DELETE FROM visitor_consents WHERE visitor_id = ?`);
    this.countSubmissionStmt = db.prepare(`SELECT count(*) FROM prechat_submissions WHERE visitor_id = ?`).pluck();
    this.countConsentsStmt = db.prepare(`SELECT count(*) FROM visitor_consents WHERE visitor_id = ?`).pluck();
    // An address the host site vouched for (identify) is never replaced by one typed into a form.
    this.contactStmt = db.prepare(
      `UPDATE visitors SET email = CASE WHEN email_verified = 1 THEN email ELSE coalesce(?, email) END, name = coalesce(?, name) WHERE id = ?`,
    );
  }

  /** The version in force in `lang`: the newest. */
  latestVersion(lang: Lang): ConsentVersionDto | null {
    return (this.latestStmt.get(lang) as ConsentVersionDto | undefined) ?? null;
  }

  versionById(id: number): ConsentVersionDto | null {
    return (this.versionByIdStmt.get(id) as ConsentVersionDto | undefined) ?? null;
  }

  insertVersion(version: number, lang: Lang, text: string, now: number): number {
    return Number(this.insertVersionStmt.run(version, lang, text, now).lastInsertRowid);
  }

  /** Every version of the consent text, newest first (the register). */
  versions(): ConsentVersionDto[] {
    return this.versionsStmt.all() as ConsentVersionDto[];
  }

  submissionOf(visitorId: number): PrechatSubmissionRow | null {
    const row = this.submissionStmt.get(visitorId) as { answers: string; submittedAt: number } | undefined;
    return row ? { answers: JSON.parse(row.answers) as PrechatAnswerDto[], submittedAt: row.submittedAt } : null;
  }

  insertSubmission(visitorId: number, answers: PrechatAnswerDto[], now: number): void {
    this.insertSubmissionStmt.run(visitorId, JSON.stringify(answers), now);
  }

  /** Records an acceptance; accepting the same version again keeps the first time. */
  insertConsent(visitorId: number, versionId: number, lang: Lang, now: number): void {
    this.insertConsentStmt.run(visitorId, versionId, lang, now);
  }

  /** Keeps the name and e-mail given in the form where the visitor's contact name and e-mail live (unverified). */
  setContact(visitorId: number, email: string | null, name: string | null): void {
    this.contactStmt.run(email, name, visitorId);
  }

  /** The visitor's acceptances, newest first. */
  consentsOf(visitorId: number): VisitorConsentRow[] {
    return this.consentsStmt.all(visitorId) as VisitorConsentRow[];
  }

  /** Deletes the visitor's answers and acceptances (they would go by cascade; deleted first to be counted). */
  deleteByVisitor(visitorId: number): { prechatAnswers: number; consents: number } {
    return { prechatAnswers: this.deleteSubmissionStmt.run(visitorId).changes, consents: this.deleteConsentsStmt.run(visitorId).changes };
  }

  countByVisitor(visitorId: number): { prechatAnswers: number; consents: number } {
    return {
      prechatAnswers: this.countSubmissionStmt.get(visitorId) as number,
      consents: this.countConsentsStmt.get(visitorId) as number,
    };
  }
}
