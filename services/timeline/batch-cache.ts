// A short-lived in-process cache in front of a batch lookup (BatchGetUsers,
// BatchGetTweets): hits are answered here, misses go out in batches of 100
// (the contracts' limit), ids already being fetched are shared by concurrent
// readers, and ids the service does not know are not cached (an account
// registered, or a tweet posted, a moment later must show up).
//
// Why it is worth it: at read time every page asks for the same popular
// authors and tweets; a few seconds of reuse removes most of a read's RPCs,
// and what goes stale (display names, like counts) may lag by about that
// long (up to twice, see below).
//
// An entry past its time to live is still served for one more time to live
// while a refresh runs behind it (stale-while-revalidate): the popular
// entries were loaded together, so they expire together, and every read at
// that moment used to wait for the reload (a latency spike every few
// seconds under load). So a value may be up to twice the TTL old.
export type BatchLookup<V> = (ids: readonly bigint[]) => Promise<Map<bigint, V>>;

const BATCH = 100;

export function cachedBatch<V>(load: BatchLookup<V>, ttlMs: number, maxEntries = 100_000): BatchLookup<V> {
  const cache = new Map<bigint, { value: V; expiresAt: number }>();
  /** Past expiresAt, an entry is served this much longer while it is refreshed. */
  const graceMs = ttlMs;
  const inFlight = new Map<bigint, Promise<V | undefined>>();

  const fetch = (ids: bigint[]): Array<Promise<[bigint, V | undefined]>> => {
    const out: Array<Promise<[bigint, V | undefined]>> = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH);
      const res = load(chunk).then((found) => {
        if (ttlMs > 0) {
          const expiresAt = Date.now() + ttlMs;
          for (const [id, value] of found) cache.set(id, { value, expiresAt });
          // Gone since it was cached (a deleted tweet): the stale entry goes too.
          for (const id of chunk) if (!found.has(id)) cache.delete(id);
          while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
        }
        return found;
      });
      for (const id of chunk) {
        const one = res.then((m) => m.get(id)).finally(() => inFlight.delete(id));
        inFlight.set(id, one);
        out.push(one.then((v) => [id, v]));
      }
    }
    return out;
  };

  // Every read passes through here, mostly with every id a hit: that path
  // allocates only the answer (the lists below are made on a first miss).
  return async (ids) => {
    const now = Date.now();
    const found = new Map<bigint, V>();
    let waiting: Array<Promise<[bigint, V | undefined]>> | undefined;
    let missing: bigint[] | undefined;
    let stale: bigint[] | undefined;
    for (const id of ids) {
      if (found.has(id)) continue;
      const hit = cache.get(id);
      if (hit && hit.expiresAt > now) found.set(id, hit.value);
      else if (hit && hit.expiresAt + graceMs > now) {
        found.set(id, hit.value);
        if (!inFlight.has(id)) (stale ??= []).push(id);
      } else if (!missing?.includes(id)) {
        const pending = inFlight.get(id);
        if (pending) (waiting ??= []).push(pending.then((v) => [id, v]));
        else (missing ??= []).push(id);
      }
    }
    // Refreshed behind this read; a failed refresh leaves the entry to expire.
    if (stale) for (const p of fetch(stale)) p.catch(() => {});
    if (missing) (waiting ??= []).push(...fetch(missing));
    if (waiting) for (const [id, v] of await Promise.all(waiting)) if (v !== undefined) found.set(id, v);
    return found;
  };
}
