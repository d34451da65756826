/**
 * The register of data systems: the places besides the chat that hold visitors' data (a shop, a CRM, a
 * mailing tool), how each is reached when a request concerns it, and what each answered. Server, console
 * and widget read these.
 */
import type { RequestType } from './privacy';
/** The languages the texts are in (as shared/types.ts's Lang; not imported from there: types.ts imports this file). */
type Lang = 'en' | 'ru';

/** How a system is reached: a signed webhook that answers with a receipt, a mail to its processor with a one-time link, or an operator's task. */
export const SYSTEM_KINDS = ['webhook', 'processor_email', 'manual'] as const;
export type SystemKind = (typeof SYSTEM_KINDS)[number];

/**
 * What a system answered for one request. `done` is "erased" for an erasure, "data provided" for an access
 * request, "applied" for a correction or objection; `kept` needs a legal basis, `failed` a reason.
 */
export const SYSTEM_OUTCOMES = ['done', 'not_found', 'kept', 'failed'] as const;
export type SystemOutcome = (typeof SYSTEM_OUTCOMES)[number];
export type SystemState = 'pending' | SystemOutcome;

/** The grounds on which a system may keep data it was asked to erase: GDPR Art. 17(3) and 152-FZ's exceptions. */
export const LEGAL_BASES = {
  gdpr_17_3_a: {
    en: 'Freedom of expression and information (GDPR Art. 17(3)(a))',
    ru: 'Свобода выражения мнений и информации (GDPR ст. 17(3)(a))',
  },
  gdpr_17_3_b: {
    en: 'A legal obligation to keep it, e.g. tax and accounting records (GDPR Art. 17(3)(b))',
    ru: 'Обязанность хранить по закону, например налоговые и бухгалтерские документы (GDPR ст. 17(3)(b))',
  },
  gdpr_17_3_c: {
    en: 'Public interest in public health (GDPR Art. 17(3)(c))',
    ru: 'Общественный интерес в сфере здравоохранения (GDPR ст. 17(3)(c))',
  },
  gdpr_17_3_d: {
    en: 'Archiving in the public interest, research or statistics (GDPR Art. 17(3)(d))',
    ru: 'Архивирование в общественных интересах, научные или статистические цели (GDPR ст. 17(3)(d))',
  },
  gdpr_17_3_e: {
    en: 'Establishing, exercising or defending legal claims (GDPR Art. 17(3)(e))',
    ru: 'Установление, осуществление или защита правовых требований (GDPR ст. 17(3)(e))',
  },
  fz152_law: {
    en: 'Storage required by a federal law, e.g. accounting records under 402-FZ Art. 29 (152-FZ Art. 21(5))',
    ru: 'Хранение предусмотрено федеральным законом, например бухгалтерские документы по ст. 29 402-ФЗ (ст. 21 ч. 5 152-ФЗ)',
  },
  fz152_contract: {
    en: 'Needed to perform a contract the person is party to (152-FZ Art. 6(1)(5), Art. 21(5))',
    ru: 'Необходимо для исполнения договора, стороной которого является субъект (п. 5 ч. 1 ст. 6, ч. 5 ст. 21 152-ФЗ)',
  },
  fz152_court: {
    en: 'Needed for court proceedings or enforcement (152-FZ Art. 6(1)(3))',
    ru: 'Необходимо для правосудия или исполнения судебного акта (п. 3 ч. 1 ст. 6 152-ФЗ)',
  },
} as const satisfies Record<string, Record<Lang, string>>;
export type LegalBasis = keyof typeof LEGAL_BASES;
export const LEGAL_BASIS_KEYS = Object.keys(LEGAL_BASES) as LegalBasis[];

/** A system in the register, as admins edit it. The webhook's secret is shown once, when the system is created. */
export interface DataSystemDto {
  id: number;
  name: string;
  purpose: string;
  /** Which requests concern it. */
  requestTypes: RequestType[];
  /** Who answers for it; reminders go to this address. */
  ownerEmail: string;
  kind: SystemKind;
  /** webhook: where requests are POSTed. */
  webhookUrl: string | null;
  /** processor_email: who gets the one-time link. */
  contactEmail: string | null;
  /** manual: the operator who must enter the outcome. */
  assigneeId: number | null;
  createdAt: number;
}

/** One system's row on a request, as operators see it. */
export interface RequestSystemDto {
  id: number;
  systemId: number;
  name: string;
  kind: SystemKind;
  state: SystemState;
  legalBasis: LegalBasis | null;
  /** The failure's reason, the processor's note or the operator's evidence. */
  note: string | null;
  counts: Record<string, number> | null;
  /** Who or what answered: "webhook receipt", "processor (contact@…)", "operator #3 (Olga)". */
  answeredBy: string | null;
  answeredAt: number | null;
  /** webhook: why the last delivery did not get through. */
  deliveryError: string | null;
  /** webhook: deliveries tried so far, and when the next one goes (null: none planned, retries given up once failed). */
  attempts: number;
  nextAttemptAt: number | null;
  assigneeId: number | null;
}

/** What the requester sees of one system: its name and, once answered, the outcome. */
export interface VisitorSystemDto {
  name: string;
  state: SystemState;
  legalBasis: LegalBasis | null;
}

/** What a system's webhook receipt (its answer now, or later at the callback) carries. */
export interface SystemReceipt {
  outcome: SystemOutcome;
  legalBasis?: LegalBasis;
  reason?: string;
  counts?: Record<string, number>;
  /** Access requests: the data the system holds on the requester; it joins the export. */
  data?: unknown;
}
