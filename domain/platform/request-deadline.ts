// One time budget per request (issue 8 §5): the HTTP layer opens it, and
// every wait below it — for a pooled connection, for a statement — takes
// what is left of it instead of a fixed timeout of its own, so a request
// with several queries cannot wait several timeouts in a row.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

// the instant (performance.now()) by which the current request must be answered
const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` (and everything it starts) under a deadline `budgetMs` from now. */
export function withDeadline<T>(budgetMs: number, work: () => T): T {
  return deadlines.run(performance.now() + budgetMs, work);
}

/** Milliseconds left before the current request's deadline (negative once past it); undefined outside a request with one. */
export function remainingBudgetMs(): number | undefined {
  const deadline = deadlines.getStore();
  return deadline === undefined ? undefined : deadline - performance.now();
}

/** The request's deadline passed: answered 503 with Retry-After, like any other saturation. */
export class DeadlineExceededError extends Error {
  constructor() {
    super('request deadline exceeded');
    this.name = 'DeadlineExceededError';
  }
}
