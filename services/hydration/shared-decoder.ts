// Decodes cache entries once per entry, not once per read, where the cache
// hands back the same bytes until the entry changes (the in-process cache):
// every reader of a popular tweet then shares one decoded message. Shared
// messages are frozen, so a reader that tried to change one would fail at
// once instead of changing what every other reader sees.
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

export type Decoder<S extends DescMessage> = (bytes: Uint8Array) => MessageShape<S>;

export function sharedDecoder<S extends DescMessage>(schema: S): Decoder<S> {
  const decoded = new WeakMap<Uint8Array, MessageShape<S>>();
  return (bytes) => {
    let message = decoded.get(bytes);
    if (message === undefined) {
      message = deepFreeze(fromBinary(schema, bytes));
      decoded.set(bytes, message);
    }
    return message;
  };
}

/** Freezes a message, its lists, maps, oneofs and sub-messages (byte fields cannot be frozen and are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
