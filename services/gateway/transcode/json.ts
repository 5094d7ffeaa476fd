// Proto3 JSON at the edge: one registry (for google.protobuf.Any and error
// details) and one set of options, so requests and responses read and write
// the same way everywhere in the gateway.
import { createRegistry, type DescService, type JsonWriteOptions, type Registry } from "@bufbuild/protobuf";
import { file_buf_validate_validate } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

/** The services' files and their imports, plus buf.validate for violation details. */
export function jsonRegistry(services: DescService[]): Registry {
  return createRegistry(file_buf_validate_validate, ...services.map((s) => s.file));
}

/**
 * Responses list every field, zero values included (proto3 JSON allows it):
 * REST clients get a stable shape, `"hasMore": false` instead of nothing.
 * 64-bit integers are strings and enums their names, as the spec says.
 */
export function writeOptions(registry: Registry): Partial<JsonWriteOptions> {
  return { registry, alwaysEmitImplicit: true };
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
