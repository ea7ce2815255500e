/** Coalesces identical concurrent work: the first caller for a key leads, later callers wait for
 * the leader's result instead of repeating the (expensive, paid) upstream call. */
export type Flight<T> =
  | { role: 'leader'; finish(result: T | null): void; abandon(): void }
  | { role: 'follower'; result: Promise<Outcome<T>> };

/** What followers get when the leader gave up without learning anything about the work (its own
 * caller went away mid-call): they should join again, so that one of them leads, rather than all
 * doing the work at once. */
export const ABANDONED: unique symbol = Symbol('abandoned');

/** A flight's end as followers see it: the result, null (no usable result), or ABANDONED. */
type Outcome<T> = T | null | typeof ABANDONED;

export class SingleFlight<T> {
  private readonly inflight = new Map<string, { promise: Promise<Outcome<T>>; waiters: number }>();

  /** Joins the flight for `key`. A leader must call finish() or abandon() exactly once (finish(null)
   * = no usable result: followers then do the work themselves). Followers get null after `waitMs`. */
  join(key: string, waitMs: number): Flight<T> {
    const existing = this.inflight.get(key);
    if (existing !== undefined) {
      existing.waiters += 1;
      return { role: 'follower', result: withTimeout(existing.promise, waitMs) };
    }
    let resolve!: (v: Outcome<T>) => void;
    const promise = new Promise<Outcome<T>>((r) => {
      resolve = r;
    });
    this.inflight.set(key, { promise, waiters: 0 });
    let finished = false;
    const end = (result: Outcome<T>): void => {
      if (finished) return;
      finished = true;
      this.inflight.delete(key);
      resolve(result);
    };
    return { role: 'leader', finish: end, abandon: () => end(ABANDONED) };
  }

  get size(): number {
    return this.inflight.size;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((r) => {
    timer = setTimeout(() => r(null), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
