// The response body of a binding: the whole response message as proto3
// JSON, or only the field that response_body names.
import { toJson, type JsonObject, type Message } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import type { Binding } from "./bindings.js";
import { jsonKey } from "./json.js";
import type { JsonWriter } from "./json-writer.js";

export function responseJson(binding: Binding, msg: Message, writer: JsonWriter): string {
  const output = binding.method.output;
  const field = binding.responseBody;
  if (!field) return writer.write(output, msg);
  if (field.fieldKind === "message") {
    const r = reflect(output, msg);
    // An unset message field is an empty object, as a set-but-empty one would be.
    const sub = r.isSet(field) ? (r.get(field) as unknown as { message: Message }).message : undefined;
    return sub ? writer.write(field.message, sub) : "{}";
  }
  const whole = toJson(output, msg, writer.options) as JsonObject;
  return JSON.stringify(whole[jsonKey(field)] ?? null);
}
