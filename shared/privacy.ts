/** Privacy request types, states and the transitions between them (design.md, "Privacy requests"). */
export const REQUEST_TYPES = ['erasure', 'access', 'rectification', 'objection'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/**
 * A request's type, or null while nobody knows it: a mail to the privacy address whose words did not say
 * which right it asks for ("needs triage"). An operator classifies it before working it (`canTransitionRequest`);
 * until then it can be verified, answered, rejected or expire, and its deadline is the earliest any type has.
 */
export type RequestKind = RequestType | null;

/** How a request reached us: the chat, an operator filing it, the REST API, or a mail to the privacy address. */
export const REQUEST_SOURCES = ['chat', 'operator', 'api', 'email'] as const;
export type RequestSource = (typeof REQUEST_SOURCES)[number];

export const REQUEST_STATES = ['awaiting_verification', 'verified', 'in_progress', 'completed', 'rejected', 'expired'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const OPEN_STATES: readonly RequestState[] = ['awaiting_verification', 'verified', 'in_progress'];

export const JURISDICTIONS = ['gdpr', '152fz', 'ccpa'] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** What an operator can do to a ticket. `extend` is an event on an open ticket, not a state. */
export const OPERATOR_ACTIONS = ['start', 'extend', 'complete', 'reject'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

/** Allowed state changes; anything not listed is refused with `invalid_state`. */
export const TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  awaiting_verification: ['verified', 'expired', 'rejected'],
  verified: ['in_progress', 'rejected'],
  in_progress: ['completed', 'rejected'],
  completed: [],
  rejected: [],
  expired: [],
};

export function canTransition(from: RequestState, to: RequestState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** States in which work on the request itself happens: only a classified request gets there. */
const WORK_STATES: readonly RequestState[] = ['in_progress', 'completed'];

/**
 * The state machine with the one rule that depends on the type: a request that needs triage (type null)
 * is classified before work starts or it completes. Server and console decide with this same function.
 */
export function canTransitionRequest(request: { state: RequestState; type: RequestKind }, to: RequestState): boolean {
  if (request.type === null && WORK_STATES.includes(to)) return false;
  return canTransition(request.state, to);
}

/** Whether the request waits for an operator to say which right it asks for. */
export function needsTriage(request: { state: RequestState; type: RequestKind }): boolean {
  return request.type === null && isOpen(request.state);
}

export function isOpen(state: RequestState): boolean {
  return OPEN_STATES.includes(state);
}

/** A public reference anywhere in a text (a mail's subject), e.g. `PR-2026-000123`. */
export const REFERENCE_PATTERN = /\bPR-\d{4}-\d{6,}\b/;

/** Public reference such as `PR-2026-000123`. */
export function formatReference(year: number, id: number): string {
  return `PR-${year}-${String(id).padStart(6, '0')}`;
}

/** Length of the one-time code mailed to the requester. */
export const CODE_LENGTH = 6;
