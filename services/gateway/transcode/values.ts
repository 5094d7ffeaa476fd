// Path and query parameters arrive as strings; proto3 JSON wants typed
// values. This turns one string into the JSON value for a field, so that the
// one strict proto3 JSON parser (fromJson) does the range and format checks.
import { ScalarType, type DescField, type DescMessage, type JsonValue } from "@bufbuild/protobuf";

export class ValueError extends Error {
  override name = "ValueError";
}

/** Message types that have a plain string form in proto3 JSON (allowed as parameters). */
const STRING_WKT = new Set([
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
]);
const WRAPPERS = new Set([
  "google.protobuf.DoubleValue",
  "google.protobuf.FloatValue",
  "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.Int32Value",
  "google.protobuf.UInt32Value",
  "google.protobuf.BoolValue",
  "google.protobuf.StringValue",
  "google.protobuf.BytesValue",
]);

/** Whether a message-typed field can take a parameter value (Timestamp, wrappers, ...). */
export function isParameterMessage(m: DescMessage): boolean {
  return STRING_WKT.has(m.typeName) || WRAPPERS.has(m.typeName);
}

const INTEGER = /^-?[0-9]+$/;

function scalarJson(type: ScalarType, raw: string): JsonValue {
  switch (type) {
    case ScalarType.BOOL:
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw new ValueError(`expected true or false, got ${JSON.stringify(raw)}`);
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return raw;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      // The parser takes "1.5", "NaN", "Infinity" as strings; it rejects "".
      return raw;
    default:
      // Integers: plain decimal only here ("0x10" or " 7" are not ids), the
      // parser then checks the range.
      if (!INTEGER.test(raw)) throw new ValueError(`expected an integer, got ${JSON.stringify(raw)}`);
      return raw;
  }
}

/** The proto3 JSON value of one parameter string for a singular field or a list item. */
export function parameterJson(field: DescField, raw: string): JsonValue {
  switch (field.fieldKind) {
    case "scalar":
      return scalarJson(field.scalar, raw);
    case "enum":
      return INTEGER.test(raw) ? Number(raw) : raw;
    case "message":
      if (WRAPPERS.has(field.message.typeName)) return parameterJson(field.message.fields[0]!, raw);
      if (STRING_WKT.has(field.message.typeName)) return raw;
      break;
    case "list":
      if (field.listKind === "scalar") return scalarJson(field.scalar, raw);
      if (field.listKind === "enum") return INTEGER.test(raw) ? Number(raw) : raw;
      if (isParameterMessage(field.message)) {
        return WRAPPERS.has(field.message.typeName) ? parameterJson(field.message.fields[0]!, raw) : raw;
      }
      break;
    case "map":
      break;
  }
  throw new ValueError(`field '${field.name}' cannot be set from a parameter`);
}
