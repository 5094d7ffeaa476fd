// Builds the request message of a binding from the HTTP request, per
// google/api/http.proto: path variables set their fields; the body fills the
// whole message ("*") or one field; every other field may come from the
// query string ("a.b=1" for nested fields, "ids=1&ids=2" for repeated ones).
// Everything goes through the strict proto3 JSON parser: unknown fields,
// wrong types and out-of-range numbers are refused with the field named.
import {
  create,
  fromJsonString,
  mergeFromJson,
  type DescField,
  type DescMessage,
  type JsonObject,
  type JsonValue,
  type Message,
  type Registry,
} from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import type { Binding } from "./bindings.js";
import { cleanJsonError } from "./json.js";
import type { PathValue } from "./path-values.js";
import { isParameterMessage, parameterJson, ValueError } from "./values.js";

/** The HTTP request is wrong (a 400 for the caller). */
export class InvalidRequest extends Error {
  override name = "InvalidRequest";
}

/** The body is not JSON at all (also a 400, said differently). */
export class MalformedJson extends InvalidRequest {
  override name = "MalformedJson";
}

export interface HttpInput {
  path: PathValue[];
  query: URLSearchParams;
  /** The raw body text; undefined or blank when there is none. */
  body: string | undefined;
}

const byName = new WeakMap<DescMessage, Map<string, DescField>>();

/** A field by its proto name or its JSON name (clients use either). */
function fieldNamed(m: DescMessage, name: string): DescField | undefined {
  let names = byName.get(m);
  if (!names) {
    names = new Map();
    for (const f of m.fields) {
      names.set(f.name, f);
      names.set(f.jsonName, f);
    }
    byName.set(m, names);
  }
  return names.get(name);
}

/** `{"a": {"b": value}}` for the chain a.b, with JSON names. */
function nest(chain: DescField[], value: JsonValue): JsonObject {
  let out: JsonValue = value;
  for (let i = chain.length - 1; i >= 0; i--) out = { [chain[i]!.jsonName]: out };
  return out as JsonObject;
}

function merge(binding: Binding, msg: Message, json: JsonObject, what: string, registry: Registry): void {
  try {
    mergeFromJson(binding.method.input, msg, json, { registry });
  } catch (err) {
    throw new InvalidRequest(`${what}: ${cleanJsonError((err as Error).message).replace(/^\w+: /, "")}`);
  }
}

function parseBody(binding: Binding, text: string | undefined, registry: Registry): Message {
  const input = binding.method.input;
  const blank = text === undefined || text.trim() === "";
  const rule = binding.body;
  if (rule.kind === "none") {
    // Tolerate an empty object: some clients always send one with a POST.
    if (!blank && text.trim() !== "{}") throw new InvalidRequest("this endpoint takes no request body");
    return create(input);
  }
  if (blank) return create(input);
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new MalformedJson(`request body is not valid JSON: ${(err as Error).message}`);
  }
  try {
    if (rule.kind === "all") {
      // fromJsonString, not fromJson: it also refuses duplicate keys.
      return fromJsonString(input, text, { registry });
    }
    const msg = create(input);
    if (rule.field.fieldKind === "message") {
      const sub = fromJsonString(rule.field.message, text, { registry });
      reflect(input, msg).set(rule.field, reflect(rule.field.message, sub));
    } else {
      mergeFromJson(input, msg, { [rule.field.jsonName]: parsed }, { registry });
    }
    return msg;
  } catch (err) {
    throw new InvalidRequest(`request body: ${cleanJsonError((err as Error).message)}`);
  }
}

/** The value at a chain, when every message on the way and the leaf are set. */
function valueAt(msg: Message, desc: DescMessage, chain: DescField[]): unknown {
  let r = reflect(desc, msg);
  for (const [i, f] of chain.entries()) {
    if (!r.isSet(f)) return undefined;
    if (i === chain.length - 1) return r.get(f);
    r = r.get(f) as typeof r;
  }
  return undefined;
}

function applyPath(binding: Binding, msg: Message, path: PathValue[], registry: Registry): void {
  const input = binding.method.input;
  for (const [i, pv] of path.entries()) {
    const chain = binding.pathFields[i]!;
    const name = pv.fieldPath.join(".");
    let json: JsonObject;
    try {
      json = nest(chain, parameterJson(chain[chain.length - 1]!, pv.value));
    } catch (err) {
      throw new InvalidRequest(`path parameter '${name}': ${(err as Error).message}`);
    }
    // With body "*" or a body field that contains the path field (the
    // "/v1/{book.name=shelves/*/books/*}" body "book" pattern), both can say.
    const inBody = binding.body.kind === "none" ? undefined : valueAt(msg, input, chain);
    if (inBody !== undefined) {
      // The path names the resource; a body that names another one is a mistake.
      const fromPath = create(input);
      merge(binding, fromPath, json, `path parameter '${name}'`, registry);
      if (valueAt(fromPath, input, chain) !== inBody) {
        throw new InvalidRequest(`'${name}' in the body does not match the path`);
      }
      continue;
    }
    merge(binding, msg, json, `path parameter '${name}'`, registry);
  }
}

function resolveQueryName(binding: Binding, name: string): DescField[] {
  const chain: DescField[] = [];
  let m: DescMessage | undefined = binding.method.input;
  for (const part of name.split(".")) {
    const f: DescField | undefined = m && fieldNamed(m, part);
    if (!f) throw new InvalidRequest(`unknown query parameter '${name}'`);
    chain.push(f);
    m = f.fieldKind === "message" && !isParameterMessage(f.message) ? f.message : undefined;
  }
  const leaf = chain[chain.length - 1]!;
  const settable =
    leaf.fieldKind === "scalar" ||
    leaf.fieldKind === "enum" ||
    (leaf.fieldKind === "message" && isParameterMessage(leaf.message)) ||
    (leaf.fieldKind === "list" && (leaf.listKind !== "message" || isParameterMessage(leaf.message)));
  if (!settable) throw new InvalidRequest(`query parameter '${name}' names a field that cannot be set from the query`);
  if (binding.body.kind === "field" && chain[0] === binding.body.field) {
    throw new InvalidRequest(`query parameter '${name}' belongs in the request body`);
  }
  const bound = binding.pathFields.find((p) => p.every((f, i) => chain[i] === f) || chain.every((f, i) => p[i] === f));
  if (bound) throw new InvalidRequest(`query parameter '${name}' is already bound by the path`);
  return chain;
}

function applyQuery(binding: Binding, msg: Message, query: URLSearchParams, registry: Registry): void {
  const names = new Set(query.keys());
  if (names.size === 0) return;
  if (binding.body.kind === "all") {
    throw new InvalidRequest(`this endpoint takes its fields from the body, not the query (got '${[...names][0]}')`);
  }
  for (const name of names) {
    const chain = resolveQueryName(binding, name);
    const leaf = chain[chain.length - 1]!;
    const raws = query.getAll(name);
    if (leaf.fieldKind !== "list" && raws.length > 1) throw new InvalidRequest(`query parameter '${name}' is given more than once`);
    let value: JsonValue;
    try {
      value = leaf.fieldKind === "list" ? raws.map((r) => parameterJson(leaf, r)) : parameterJson(leaf, raws[0]!);
    } catch (err) {
      if (err instanceof ValueError) throw new InvalidRequest(`query parameter '${name}': ${err.message}`);
      throw err;
    }
    merge(binding, msg, nest(chain, value), `query parameter '${name}'`, registry);
  }
}

export function buildRequest(binding: Binding, input: HttpInput, registry: Registry): Message {
  const msg = parseBody(binding, input.body, registry);
  applyPath(binding, msg, input.path, registry);
  applyQuery(binding, msg, input.query, registry);
  return msg;
}
