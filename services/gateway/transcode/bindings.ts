// The REST surface, read from the contracts: every google.api.http rule (and
// its additional_bindings) of the given services becomes a Binding, checked
// at start-up so a bad rule fails the process instead of a request.
import { getOption, hasOption, type DescField, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { http } from "../../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../../gen/google/api/http_pb.js";
import { parseTemplate, type PathTemplate } from "./path-template.js";

export type BodyRule = { kind: "none" } | { kind: "all" } | { kind: "field"; field: DescField };

export interface Binding {
  /** Stable id for logs and OpenAPI operation ids: "UserService_GetUser", "..._1" for additional bindings. */
  id: string;
  service: DescService;
  method: DescMethod;
  httpMethod: string;
  template: PathTemplate;
  body: BodyRule;
  /** Set when response_body names a field: only that field is returned. */
  responseBody: DescField | undefined;
  /** Resolved field chains of the path variables, in template order. */
  pathFields: DescField[][];
  /** Server streaming: served as server-sent events. */
  streaming: boolean;
}

export class BindingError extends Error {
  override name = "BindingError";
}

/** Field chain for a dotted proto field path, e.g. ["book", "name"]. */
export function resolveFieldPath(message: DescMessage, path: string[]): DescField[] | string {
  const chain: DescField[] = [];
  let m: DescMessage | undefined = message;
  for (const [i, name] of path.entries()) {
    if (!m) return `'${path.slice(0, i).join(".")}' is not a message`;
    const f: DescField | undefined = m.fields.find((x) => x.name === name);
    if (!f) return `no field '${name}' in ${m.typeName}`;
    chain.push(f);
    m = f.fieldKind === "message" ? f.message : undefined;
  }
  return chain;
}

function pattern(rule: HttpRule): { method: string; path: string } | undefined {
  const p = rule.pattern;
  switch (p.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      return { method: p.case.toUpperCase(), path: p.value };
    case "custom":
      return { method: p.value.kind.toUpperCase(), path: p.value.path };
    default:
      return undefined;
  }
}

function bind(service: DescService, method: DescMethod, rule: HttpRule, index: number): Binding {
  const where = `${service.typeName}.${method.name}`;
  const fail = (reason: string): never => {
    throw new BindingError(`${where}: ${reason}`);
  };
  const p = pattern(rule) ?? fail("http rule without a pattern");
  let template: PathTemplate;
  try {
    template = parseTemplate(p.path);
  } catch (err) {
    return fail((err as Error).message);
  }
  const pathFields = template.variables.map((v) => {
    const chain = resolveFieldPath(method.input, v.fieldPath);
    if (typeof chain === "string") return fail(`path variable {${v.fieldPath.join(".")}}: ${chain}`);
    const leaf = chain[chain.length - 1]!;
    if (leaf.fieldKind !== "scalar" && leaf.fieldKind !== "enum") {
      fail(`path variable {${v.fieldPath.join(".")}} must be a singular scalar or enum field`);
    }
    return chain;
  });

  let body: BodyRule = { kind: "none" };
  if (rule.body === "*") body = { kind: "all" };
  else if (rule.body !== "") {
    const f = method.input.fields.find((x) => x.name === rule.body) ?? fail(`body '${rule.body}' is not a field of ${method.input.typeName}`);
    body = { kind: "field", field: f };
  }
  if (body.kind !== "none" && p.method === "GET") fail("a GET binding cannot take a body");

  let responseBody: DescField | undefined;
  if (rule.responseBody !== "") {
    responseBody =
      method.output.fields.find((x) => x.name === rule.responseBody) ??
      fail(`response_body '${rule.responseBody}' is not a field of ${method.output.typeName}`);
  }

  if (method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming") {
    fail("client and bidi streaming cannot be transcoded");
  }
  const streaming = method.methodKind === "server_streaming";
  if (streaming && p.method !== "GET") fail("a server-streaming binding must be a GET (server-sent events)");

  return {
    id: `${service.name}_${method.name}${index === 0 ? "" : `_${index}`}`,
    service,
    method,
    httpMethod: p.method,
    template,
    body,
    responseBody,
    pathFields,
    streaming,
  };
}

/** Every binding of every method with a google.api.http rule. */
export function bindingsOf(services: DescService[]): Binding[] {
  const out: Binding[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      if (!hasOption(method, http)) continue;
      const rule = getOption(method, http);
      if (rule.additionalBindings.some((b) => b.additionalBindings.length > 0)) {
        throw new BindingError(`${service.typeName}.${method.name}: additional_bindings cannot nest`);
      }
      [rule, ...rule.additionalBindings].forEach((r, i) => out.push(bind(service, method, r, i)));
    }
  }
  return out;
}
