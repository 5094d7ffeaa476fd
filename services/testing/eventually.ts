// Polling for tests that wait on something asynchronous (an event delivered,
// a fan-out done): true as soon as check() is, false if it never was in time.
export async function eventually(check: () => Promise<boolean> | boolean, ms = 15_000, everyMs = 20): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
