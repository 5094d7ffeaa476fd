// Limits the contracts state as protovalidate rules, read from the descriptors:
// a client that asks for "the largest page" uses the same number as the rule
// that checks it, and a change to the .proto moves both.
import { getOption, hasOption, type DescField } from "@bufbuild/protobuf";
import { field as validateField } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";

/** The `lte` of an int32 field's rule; throws when the field has none. */
export function int32Lte(field: DescField): number {
  const rules = hasOption(field, validateField) ? getOption(field, validateField) : undefined;
  if (rules?.type.case === "int32" && rules.type.value.lessThan.case === "lte") return rules.type.value.lessThan.value;
  throw new Error(`${field.parent.typeName}.${field.name} has no int32 lte rule`);
}
