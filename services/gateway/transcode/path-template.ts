// google.api.http path templates (google/api/http.proto):
//
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//   Verb     = ":" LITERAL ;
//
// Parsed once at start-up into a flat list of segments plus the variables as
// index ranges over it, which is what the router and the request builder need.

export type Segment = { kind: "literal"; value: string } | { kind: "any" } | { kind: "deep" };

export interface TemplateVariable {
  /** The request field it binds, e.g. ["book", "name"]. */
  fieldPath: string[];
  /** First segment index it covers. */
  start: number;
  /** One past its last segment; undefined when it ends in "**" (runs to the end of the path). */
  end: number | undefined;
}

export interface PathTemplate {
  source: string;
  segments: Segment[];
  variables: TemplateVariable[];
  verb: string | undefined;
}

export class TemplateError extends Error {
  override name = "TemplateError";
  constructor(template: string, reason: string) {
    super(`path template ${JSON.stringify(template)}: ${reason}`);
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Unreserved and sub-delims (RFC 3986) plus '@' and '%': what may appear in a
// literal segment or verb. '{', '}', '*', '/' and ':' have template meanings.
const LITERAL = /^[A-Za-z0-9\-._~!$&'()+,;=@%]+$/;

export function parseTemplate(source: string): PathTemplate {
  const fail = (reason: string): never => {
    throw new TemplateError(source, reason);
  };
  if (!source.startsWith("/")) fail("must start with '/'");

  // The verb is a ':' outside any braces after the last '/' outside braces.
  let depth = 0;
  let lastSlash = -1;
  let verbAt = -1;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (depth === 0 && c === "/") {
      lastSlash = i;
      verbAt = -1;
    } else if (depth === 0 && c === ":" && verbAt < 0 && i > lastSlash) verbAt = i;
    if (depth < 0 || depth > 1) fail("unbalanced or nested braces");
  }
  if (depth !== 0) fail("unbalanced braces");
  const path = verbAt >= 0 ? source.slice(0, verbAt) : source;
  const verb = verbAt >= 0 ? source.slice(verbAt + 1) : undefined;
  if (verb !== undefined && !LITERAL.test(verb)) fail(`bad verb ${JSON.stringify(verb)}`);

  const segments: Segment[] = [];
  const variables: TemplateVariable[] = [];
  const body = path.slice(1);
  if (body === "") fail("needs at least one segment");

  // Split on '/' outside braces.
  const parts: string[] = [];
  let cur = "";
  depth = 0;
  for (const c of body) {
    if (c === "{") depth++;
    if (c === "}") depth--;
    if (c === "/" && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);

  const plain = (raw: string, inVariable: boolean): Segment => {
    if (raw === "*") return { kind: "any" };
    if (raw === "**") return { kind: "deep" };
    if (raw === "") fail("empty segment");
    if (!LITERAL.test(raw)) fail(`bad ${inVariable ? "segment in a variable" : "literal"} ${JSON.stringify(raw)}`);
    return { kind: "literal", value: raw };
  };

  for (const part of parts) {
    if (!part.startsWith("{")) {
      if (part.includes("{") || part.includes("}")) fail(`a variable must be a whole segment: ${JSON.stringify(part)}`);
      segments.push(plain(part, false));
      continue;
    }
    if (!part.endsWith("}")) fail(`a variable must be a whole segment: ${JSON.stringify(part)}`);
    const inner = part.slice(1, -1);
    const eq = inner.indexOf("=");
    const fieldPath = (eq < 0 ? inner : inner.slice(0, eq)).split(".");
    if (!fieldPath.every((p) => IDENT.test(p))) fail(`bad field path ${JSON.stringify(inner)}`);
    const sub = eq < 0 ? ["*"] : inner.slice(eq + 1).split("/");
    const start = segments.length;
    for (const s of sub) segments.push(plain(s, true));
    const deep = sub.includes("**");
    variables.push({ fieldPath, start, end: deep ? undefined : segments.length });
  }

  const deepAt = segments.findIndex((s) => s.kind === "deep");
  if (deepAt >= 0 && deepAt !== segments.length - 1) fail("'**' must be the last segment");
  const names = variables.map((v) => v.fieldPath.join("."));
  if (new Set(names).size !== names.length) fail("a field is bound twice");

  return { source, segments, variables, verb };
}

/**
 * The template as an OpenAPI path: variables become `{field.path}` (OpenAPI
 * has no multi-segment parameters; the parameter's description says so).
 */
export function openApiPath(t: PathTemplate): string {
  const out: string[] = [];
  let i = 0;
  while (i < t.segments.length) {
    const v = t.variables.find((x) => x.start === i);
    if (v) {
      out.push(`{${v.fieldPath.join(".")}}`);
      i = v.end ?? t.segments.length;
      continue;
    }
    const s = t.segments[i]!;
    out.push(s.kind === "literal" ? s.value : s.kind === "any" ? "*" : "**");
    i++;
  }
  return `/${out.join("/")}${t.verb !== undefined ? `:${t.verb}` : ""}`;
}

/** Whether a variable covers exactly one plain "*" segment (full decoding applies). */
export function isSingleSegment(v: TemplateVariable, t: PathTemplate): boolean {
  return v.end === v.start + 1 && t.segments[v.start]?.kind === "any";
}
