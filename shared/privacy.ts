/** Privacy request types, states and the transitions between them (design.md, "Privacy requests"). */
export const REQUEST_TYPES = ['erasure', 'access', 'rectification', 'objection'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

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

export function isOpen(state: RequestState): boolean {
  return OPEN_STATES.includes(state);
}

/** Public reference such as `PR-2026-000123`. */
export function formatReference(year: number, id: number): string {
  return `PR-${year}-${String(id).padStart(6, '0')}`;
}

/** Length of the one-time code mailed to the requester. */
export const CODE_LENGTH = 6;
