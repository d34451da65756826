/** Socket.IO room names, built in one place. */
export const rooms = {
  visitor: (visitorId: number) => `v:${visitorId}`,
  request: (requestId: number) => `pr:${requestId}`,
  operators: 'operators',
  /** Every live console connection of one operator (to cut them all off at once). */
  operator: (operatorId: number) => `op:${operatorId}`,
} as const;
