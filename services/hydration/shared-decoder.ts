// Decodes cache entries once per entry, not once per read, where the cache
// hands back the same bytes until the entry changes (the in-process cache):
// every reader of a popular tweet then shares one decoded message. Shared
// messages are frozen, so a reader that tried to change one would fail at
// once instead of changing what every other reader sees. The message hangs
// on its bytes, and what is derived from it once (its JSON) on the message,
// as properties: WeakMaps with an entry per cached tweet made the garbage
// collector's final mark-compact pause walk them all, stalling the process.
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

export type Decoder<S extends DescMessage> = (bytes: Uint8Array) => MessageShape<S>;

/** What is derived once from a shared message. */
export interface Derived {
  json?: string;
}

const DERIVED = Symbol("chirp.derived");

export function sharedDecoder<S extends DescMessage>(schema: S): Decoder<S> {
  const decoded = Symbol(`chirp.decoded.${schema.typeName}`);
  return (bytes) => {
    const holder = bytes as Uint8Array & { [k: symbol]: MessageShape<S> | undefined };
    let message = holder[decoded];
    if (message === undefined) {
      message = share(fromBinary(schema, bytes));
      holder[decoded] = message;
    }
    return message;
  };
}

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
