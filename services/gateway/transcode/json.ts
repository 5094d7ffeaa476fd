// Proto3 JSON at the edge: one registry (for google.protobuf.Any and error
// details) and one set of options, so requests and responses read and write
// the same way everywhere in the gateway.
import { createRegistry, type DescField, type DescService, type JsonWriteOptions, type Registry } from "@bufbuild/protobuf";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { JsonWriter } from "./json-writer.js";

/** The services' files and their imports, plus buf.validate for violation details. */
export function jsonRegistry(services: DescService[]): Registry {
  return createRegistry(file_buf_validate_validate, ...services.map((s) => s.file));
}

/**
 * Field names as the contracts and the original design spell them
 * (`user_id`, `next_cursor`, as Twitter's and Mastodon's APIs do), not the
 * lowerCamelCase JSON names; proto3 JSON allows either, and reading accepts
 * both. Everything the gateway writes, and the OpenAPI document that
 * describes it, takes its names from here.
 */
const PROTO_FIELD_NAMES = true;

/** The key a field has in the JSON the gateway writes. */
export function jsonKey(field: DescField): string {
  return PROTO_FIELD_NAMES ? field.name : field.jsonName;
}

/**
 * Responses list every field, zero values included (proto3 JSON allows it):
 * REST clients get a stable shape, `"has_more": false` instead of nothing.
 * 64-bit integers are strings and enums their names, as the spec says.
 * Error details are written as they come (`zeroValues: false`).
 */
export function writeOptions(registry: Registry, { zeroValues = true } = {}): Partial<JsonWriteOptions> {
  return { registry, alwaysEmitImplicit: zeroValues, useProtoFieldName: PROTO_FIELD_NAMES };
}

/**
 * protobuf-es errors name the full message type ("cannot decode field
 * chirp.user.v1.LoginRequest.login from JSON: expected string, got 5"); a
 * REST caller wants the field and the reason.
 */
export function cleanJsonError(message: string): string {
  const field = /^cannot decode field [\w.]*?\.(\w+) from JSON: (.*)$/s.exec(message);
  if (field) return `${field[1]}: ${field[2]}`;
  const other = /^cannot decode (?:message|enum) [\w.]+ from JSON: (.*)$/s.exec(message);
  if (other) return other[1]!;
  return message;
}

/** The writer of the RPC answers the gateway sends, with writeOptions. */
export function jsonWriter(registry: Registry): JsonWriter {
  return new JsonWriter(writeOptions(registry));
}
