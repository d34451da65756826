/**
 * The pre-chat form and the versioned consent text: what an admin configures (Admin → Pre-chat form),
 * what a visitor is shown in their language, what they send back, and what operators see of it.
 */
import * as v from 'valibot';
import type { Lang } from './types';

export const PRECHAT_KINDS = ['text', 'email', 'phone', 'choice', 'checkbox'] as const;
export type PrechatKind = (typeof PRECHAT_KINDS)[number];
/** `always`: before the first message; `offline`: only when no operator is online. */
export const PRECHAT_MODES = ['always', 'offline'] as const;
export type PrechatMode = (typeof PRECHAT_MODES)[number];
/** A text field with this key is the visitor's name (kept where the contact name lives). */
export const NAME_KEY = 'name';
export const MAX_PRECHAT_FIELDS = 12;
export const MAX_ANSWER_LENGTH = 500;

export type Texts = Record<Lang, string>;

export interface PrechatFieldConfig {
  /** Stable id of the field: the answer is stored under it. */
  key: string;
  kind: PrechatKind;
  /** RU empty: the EN label is shown. */
  label: Texts;
  required: boolean;
  /** Choice only: the options in order. */
  options: Texts[];
}

export interface PrechatConfigDto {
  enabled: boolean;
  mode: PrechatMode;
  fields: PrechatFieldConfig[];
  /** The visitor must tick the consent checkbox (with the current text) to start. */
  consentRequired: boolean;
  /** RU empty: RU visitors are shown (and accept) the EN text. */
  consentText: Texts;
}

export const DEFAULT_PRECHAT: PrechatConfigDto = {
  enabled: false,
  mode: 'always',
  fields: [],
  consentRequired: false,
  consentText: { en: '', ru: '' },
};

/** One version of the consent text in one language; a changed text is a new version, never an edit. */
export interface ConsentVersionDto {
  id: number;
  version: number;
  lang: Lang;
  text: string;
  createdAt: number;
  /** Visitors holding an acceptance of this version now (erased visitors' acceptances go with them). */
  acceptances: number;
}

/** The admin's form with the consent versions in force per language. */
export interface PrechatSettingsResult {
  config: PrechatConfigDto;
  current: Record<Lang, ConsentVersionDto | null>;
}

/** The form as a visitor sees it, in their language. */
export interface PrechatFormDto {
  mode: PrechatMode;
  fields: Array<{ key: string; kind: PrechatKind; label: string; required: boolean; options: string[] }>;
  /** The consent to accept, null when none is required. `version` is sent back with the acceptance. */
  consent: { version: number; text: string } | null;
}

/** One answer as kept: the label the visitor read, and their answer (a checkbox: "yes"/"no"). */
export interface PrechatAnswerDto {
  key: string;
  label: string;
  value: string;
}

/** What operators see of a conversation's visitor: the form's answers and the consent they gave. */
export interface VisitorPrechatDto {
  name: string | null;
  email: string | null;
  answers: PrechatAnswerDto[];
  submittedAt: number | null;
  consent: { version: number; lang: Lang; acceptedAt: number } | null;
}

// ---- schemas ----
const texts = (max: number) =>
  v.strictObject({ en: v.pipe(v.string(), v.trim(), v.maxLength(max)), ru: v.pipe(v.string(), v.trim(), v.maxLength(max)) });
const fieldKey = v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]{0,31}$/, 'field keys are 1–32 lowercase letters, digits or _'));

export const prechatSaveSchema = v.strictObject({
  enabled: v.boolean(),
  mode: v.picklist(PRECHAT_MODES),
  fields: v.pipe(
    v.array(
      v.strictObject({
        key: fieldKey,
        kind: v.picklist(PRECHAT_KINDS),
        label: texts(200),
        required: v.boolean(),
        options: v.pipe(v.array(texts(100)), v.maxLength(20, 'a choice has at most 20 options')),
      }),
    ),
    v.maxLength(MAX_PRECHAT_FIELDS, `at most ${MAX_PRECHAT_FIELDS} fields`),
  ),
  consentRequired: v.boolean(),
  consentText: texts(5000),
});

/**
 * A visitor's answers by field key: text, e-mail and phone as strings, a choice as the option's index,
 * a checkbox as a boolean. `consentVersion`: the version of the consent text they ticked.
 */
export const prechatSubmitSchema = v.strictObject({
  answers: v.pipe(
    v.record(
      fieldKey,
      v.union([v.pipe(v.string(), v.maxLength(MAX_ANSWER_LENGTH)), v.boolean(), v.pipe(v.number(), v.integer(), v.minValue(0))]),
    ),
    v.check((a) => Object.keys(a).length <= MAX_PRECHAT_FIELDS, 'too many answers'),
  ),
  consentVersion: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

export type PrechatSaveInput = v.InferOutput<typeof prechatSaveSchema>;
export type PrechatSubmitInput = v.InferOutput<typeof prechatSubmitSchema>;
