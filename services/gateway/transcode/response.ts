// The response body of a binding: the whole response message as proto3
// JSON, or only the field that response_body names.
import { toJson, toJsonString, type JsonObject, type Message, type Registry } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import type { Binding } from "./bindings.js";
import { jsonKey, writeOptions } from "./json.js";

export function responseJson(binding: Binding, msg: Message, registry: Registry): string {
  const output = binding.method.output;
  const opts = writeOptions(registry);
  const field = binding.responseBody;
  if (!field) return toJsonString(output, msg, opts);
  if (field.fieldKind === "message") {
    const r = reflect(output, msg);
    // An unset message field is an empty object, as a set-but-empty one would be.
    const sub = r.isSet(field) ? (r.get(field) as unknown as { message: Message }).message : undefined;
    return sub ? toJsonString(field.message, sub, opts) : "{}";
  }
  const whole = toJson(output, msg, opts) as JsonObject;
  return JSON.stringify(whole[jsonKey(field)] ?? null);
}
