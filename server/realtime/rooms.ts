/** Socket.IO room names, built in one place. */
export const rooms = {
  visitor: (visitorId: number) => `v:${visitorId}`,
  request: (requestId: number) => `pr:${requestId}`,
  operators: 'operators',
} as const;
