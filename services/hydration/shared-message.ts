// Messages shared between readers: the in-process hydration cache decodes
// an entry once and hands every reader the same message (memory.ts
// readDecoded). Shared messages are frozen, so a reader that tried to change
// one would fail at once instead of changing what every other reader sees.
// What is derived from one once (its JSON) hangs on the message, as a
// property: WeakMaps with an entry per cached tweet made the garbage
// collector's final mark-compact pause walk them all, stalling the process.

/** What is derived once from a shared message. */
export interface Derived {
  json?: string;
}

const DERIVED = Symbol("chirp.derived");

/** The message frozen, with room for what is derived from it once. */
export function share<T extends object>(message: T): T {
  Object.defineProperty(message, DERIVED, { value: {} satisfies Derived });
  return deepFreeze(message);
}

/** A shared message's derived values (undefined for a message that is not shared). */
export function derivedOf(message: object): Derived | undefined {
  return (message as { [DERIVED]?: Derived })[DERIVED];
}

/** Freezes a message, its lists, maps, oneofs and sub-messages (byte fields cannot be frozen and are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
