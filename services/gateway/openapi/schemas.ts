// JSON Schemas (OpenAPI 3.1 flavour) for protobuf messages as the gateway
// writes them in proto3 JSON: proto field names (user_id, next_cursor), 64-bit
// integers as decimal strings, enums by name, well-known types in their
// special forms. The protovalidate rules a field carries become schema
// constraints where JSON Schema has one (lengths, patterns, ranges, item
// counts).
import { getOption, hasOption, ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { field as validateField, type FieldRules } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { jsonKey } from "../transcode/json.js";

export type Schema = Record<string, unknown>;

const INT64 = { type: "string", format: "int64", pattern: "^-?[0-9]+$", description: "64-bit integer, as a decimal string." };
const UINT64 = { type: "string", format: "uint64", pattern: "^[0-9]+$", description: "Unsigned 64-bit integer, as a decimal string." };

function scalarSchema(t: ScalarType): Schema {
  switch (t) {
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32", minimum: 0, maximum: 4294967295 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { ...INT64 };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { ...UINT64 };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
  }
}

/** Well-known types whose proto3 JSON form is not an object of their fields. */
const WKT: Record<string, () => Schema> = {
  "google.protobuf.Timestamp": () => ({ type: "string", format: "date-time", description: "RFC 3339, e.g. 2026-01-02T03:04:05Z." }),
  "google.protobuf.Duration": () => ({ type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$", description: "Seconds with an 's' suffix, e.g. 1.5s." }),
  "google.protobuf.FieldMask": () => ({ type: "string", description: "Comma-separated lowerCamelCase field paths." }),
  "google.protobuf.Empty": () => ({ type: "object", additionalProperties: false }),
  "google.protobuf.Struct": () => ({ type: "object", additionalProperties: true }),
  "google.protobuf.Value": () => ({}),
  "google.protobuf.ListValue": () => ({ type: "array", items: {} }),
  "google.protobuf.Any": () => ({
    type: "object",
    properties: { "@type": { type: "string" } },
    required: ["@type"],
    additionalProperties: true,
  }),
};
const WRAPPERS: Record<string, ScalarType> = {
  "google.protobuf.DoubleValue": ScalarType.DOUBLE,
  "google.protobuf.FloatValue": ScalarType.FLOAT,
  "google.protobuf.Int64Value": ScalarType.INT64,
  "google.protobuf.UInt64Value": ScalarType.UINT64,
  "google.protobuf.Int32Value": ScalarType.INT32,
  "google.protobuf.UInt32Value": ScalarType.UINT32,
  "google.protobuf.BoolValue": ScalarType.BOOL,
  "google.protobuf.StringValue": ScalarType.STRING,
  "google.protobuf.BytesValue": ScalarType.BYTES,
};

/** Applies protovalidate rules that JSON Schema can express. */
function constrain(schema: Schema, rules: FieldRules | undefined): Schema {
  const t = rules?.type;
  if (!t) return schema;
  const out = { ...schema };
  const notes: string[] = [];
  switch (t.case) {
    case "string": {
      const r = t.value;
      if (r.minLen > 0n) out.minLength = Number(r.minLen);
      if (r.maxLen > 0n) out.maxLength = Number(r.maxLen);
      if (r.maxBytes > 0n) notes.push(`At most ${r.maxBytes} bytes of UTF-8.`);
      if (r.pattern) out.pattern = r.pattern;
      if (r.wellKnown.case === "email") out.format = "email";
      if (r.wellKnown.case === "uri") out.format = "uri";
      break;
    }
    case "int32":
    case "uint32":
    case "sint32":
    case "fixed32":
    case "sfixed32": {
      const r = t.value;
      if (r.greaterThan.case === "gt") out.exclusiveMinimum = Number(r.greaterThan.value);
      if (r.greaterThan.case === "gte") out.minimum = Number(r.greaterThan.value);
      if (r.lessThan.case === "lt") out.exclusiveMaximum = Number(r.lessThan.value);
      if (r.lessThan.case === "lte") out.maximum = Number(r.lessThan.value);
      break;
    }
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64": {
      // A string in JSON: JSON Schema's numeric bounds do not apply; say it.
      const r = t.value;
      const sym = { gt: ">", gte: "≥", lt: "<", lte: "≤" } as const;
      if (r.greaterThan.case) notes.push(`Must be ${sym[r.greaterThan.case]} ${r.greaterThan.value}.`);
      if (r.lessThan.case) notes.push(`Must be ${sym[r.lessThan.case]} ${r.lessThan.value}.`);
      break;
    }
    case "repeated": {
      const r = t.value;
      if (r.minItems > 0n) out.minItems = Number(r.minItems);
      if (r.maxItems > 0n) out.maxItems = Number(r.maxItems);
      if (r.items && out.items) out.items = constrain(out.items as Schema, r.items);
      break;
    }
  }
  if (notes.length) out.description = [out.description, ...notes].filter(Boolean).join(" ");
  return out;
}

export class SchemaSet {
  readonly components: Record<string, Schema> = {};

  /** A $ref to the message's schema, registering it (and what it uses) once. */
  message(m: DescMessage): Schema {
    const wkt = WKT[m.typeName];
    if (wkt) return wkt();
    const wrapped = WRAPPERS[m.typeName];
    if (wrapped !== undefined) {
      const inner = scalarSchema(wrapped);
      return { ...inner, type: [inner.type as string, "null"] };
    }
    if (!(m.typeName in this.components)) {
      this.components[m.typeName] = {}; // placeholder: recursive messages refer to themselves
      this.components[m.typeName] = this.objectOf(m, m.fields);
    }
    return { $ref: `#/components/schemas/${m.typeName}` };
  }

  /** An inline object schema of some of a message's fields (a body without its path fields). */
  objectOf(m: DescMessage, fields: readonly DescField[]): Schema {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const f of fields) {
      properties[jsonKey(f)] = this.field(f);
      if (hasOption(f, validateField) && getOption(f, validateField).required) required.push(jsonKey(f));
    }
    const oneofs = m.oneofs.filter((o) => fields.some((f) => f.oneof === o));
    const description = oneofs.length
      ? oneofs.map((o) => `At most one of ${o.fields.map((f) => `\`${jsonKey(f)}\``).join(", ")} is set (oneof ${o.name}).`).join(" ")
      : undefined;
    return {
      type: "object",
      ...(description ? { description } : {}),
      properties,
      ...(required.length ? { required } : {}),
      additionalProperties: false,
    };
  }

  enumOf(e: DescEnum): Schema {
    if (!(e.typeName in this.components)) {
      this.components[e.typeName] = { type: "string", enum: e.values.map((v) => v.name) };
    }
    return { $ref: `#/components/schemas/${e.typeName}` };
  }

  private single(f: DescField): Schema {
    switch (f.fieldKind) {
      case "scalar":
        return scalarSchema(f.scalar);
      case "enum":
        return this.enumOf(f.enum);
      case "message":
        return this.message(f.message);
      case "list":
        return {
          type: "array",
          items: f.listKind === "scalar" ? scalarSchema(f.scalar) : f.listKind === "enum" ? this.enumOf(f.enum) : this.message(f.message),
        };
      case "map":
        return {
          type: "object",
          additionalProperties: f.mapKind === "scalar" ? scalarSchema(f.scalar) : f.mapKind === "enum" ? this.enumOf(f.enum) : this.message(f.message),
        };
    }
  }

  /** The schema of one field, with its validation rules. */
  field(f: DescField): Schema {
    const rules = hasOption(f, validateField) ? getOption(f, validateField) : undefined;
    return constrain(this.single(f), rules);
  }
}
