/**
 * Runs `then` on a repository's answer at once when the store gave it synchronously (SQLite, on this
 * thread), else once its promise settles. For the read between a write and the push it leads to: an
 * `await` there would let the continuation of a write committed after this one run first, and its push
 * would overtake this one (chat-service.ts `publish` promises commit order).
 */
export function whenRead<T, U>(answer: T | Promise<T>, then: (value: T) => U): U | Promise<U> {
  return answer instanceof Promise ? answer.then(then) : then(answer);
}
