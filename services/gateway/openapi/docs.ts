// A readable API reference at /docs, rendered from the OpenAPI document:
// one self-contained page (inline CSS, no scripts, nothing fetched — the
// network may be closed and the CSP forbids it anyway).
import type { OpenApiDocument, Operation, Parameter } from "./openapi.js";
import type { Schema } from "./schemas.js";

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** `code` spans and line breaks from the small markdown subset the document uses. */
const md = (s: string) =>
  esc(s)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .split(/\n(?=- )/)
    .join("<br>");

const anchor = (name: string) => `schema-${name.replace(/[^A-Za-z0-9_.-]/g, "_")}`;

/** A schema as a short type expression, with links to named schemas. */
function typeOf(s: Schema | undefined): string {
  if (!s) return "any";
  if (typeof s.$ref === "string") {
    const name = s.$ref.split("/").pop()!;
    return `<a href="#${anchor(name)}">${esc(name.split(".").pop())}</a>`;
  }
  if (s.type === "array") return `${typeOf(s.items as Schema)}[]`;
  if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object") {
    return `map&lt;string, ${typeOf(s.additionalProperties as Schema)}&gt;`;
  }
  const t = Array.isArray(s.type) ? s.type.join(" | ") : String(s.type ?? "any");
  return esc(s.format ? `${t} (${s.format})` : t);
}

function constraints(s: Schema): string {
  const parts: string[] = [];
  const add = (k: string, label: string) => s[k] !== undefined && parts.push(`${label} ${esc(s[k])}`);
  add("minLength", "min length");
  add("maxLength", "max length");
  add("minimum", "≥");
  add("exclusiveMinimum", "&gt;");
  add("maximum", "≤");
  add("exclusiveMaximum", "&lt;");
  add("minItems", "min items");
  add("maxItems", "max items");
  if (s.pattern !== undefined) parts.push(`pattern <code>${esc(s.pattern)}</code>`);
  if (Array.isArray(s.enum)) parts.push(`one of ${s.enum.map((v) => `<code>${esc(v)}</code>`).join(", ")}`);
  if (typeof s.description === "string") parts.push(md(s.description));
  return parts.join("; ");
}

function propertiesTable(s: Schema): string {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const rows = Object.entries(props)
    .map(([name, p]) => `<tr><td><code>${esc(name)}</code>${required.has(name) ? " *" : ""}</td><td>${typeOf(p)}</td><td>${constraints(p)}</td></tr>`)
    .join("");
  if (!rows) return `<p class="muted">No fields.</p>`;
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Notes</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A schema's fields; a named one is shown in place (one level), with its link. */
function schemaBlock(s: Schema, components: Record<string, Schema> = {}): string {
  if (typeof s.$ref === "string") {
    const target = components[s.$ref.split("/").pop()!];
    if (target?.type === "object" && target.properties) return `<p>${typeOf(s)}</p>${schemaBlock(target)}`;
  }
  if (s.type === "object" && s.properties) return `${s.description ? `<p>${md(String(s.description))}</p>` : ""}${propertiesTable(s)}`;
  return `<p>${typeOf(s)}${constraints(s) ? ` — ${constraints(s)}` : ""}</p>`;
}

function parametersTable(params: Parameter[]): string {
  if (!params.length) return "";
  const rows = params
    .map((p) => `<tr><td><code>${esc(p.name)}</code>${p.required ? " *" : ""}</td><td>${p.in}</td><td>${typeOf(p.schema)}</td><td>${[constraints(p.schema), p.description ? md(p.description) : ""].filter(Boolean).join("; ")}</td></tr>`)
    .join("");
  return `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Notes</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function operationBlock(path: string, method: string, op: Operation, components: Record<string, Schema>): string {
  const body = op.requestBody?.content["application/json"]?.schema;
  const ok = op.responses["200"] as { description: string; content: Record<string, { schema: Schema; "x-event-data"?: Schema }> };
  const [mediaType, media] = Object.entries(ok.content)[0]!;
  const result = mediaType === "text/event-stream" ? (media["x-event-data"] as Schema) : media.schema;
  return `<section class="op" id="op-${esc(op.operationId)}">
<h3><span class="method ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p><strong>${esc(op.summary)}</strong> — ${md(op.description)}</p>
${parametersTable(op.parameters)}
${body ? `<h4>Request body (application/json)</h4>${schemaBlock(body, components)}` : ""}
<h4>Response 200 (${esc(mediaType)})</h4>${mediaType === "text/event-stream" ? `<p>${esc(ok.description)}</p><p>Event data:</p>` : ""}${schemaBlock(result, components)}
</section>`;
}

export function renderDocs(doc: OpenApiDocument): string {
  const info = doc.info as { title: string; version: string; description: string };
  const byTag = new Map<string, Array<[string, string, Operation]>>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags[0] ?? "Other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push([path, method, op]);
    }
  }
  const toc = [...byTag]
    .map(([tag, ops]) => `<li>${esc(tag)}<ul>${ops.map(([p, m, op]) => `<li><a href="#op-${esc(op.operationId)}"><span class="method ${esc(m)}">${esc(m.toUpperCase())}</span> ${esc(p)}</a></li>`).join("")}</ul></li>`)
    .join("");
  const sections = [...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.map(([p, m, op]) => operationBlock(p, m, op, doc.components.schemas)).join("\n")}`).join("\n");
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, s]) => `<section class="schema" id="${anchor(name)}"><h3>${esc(name)}</h3>${schemaBlock(s)}</section>`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} ${esc(info.version)}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:980px;margin:0 auto;padding:24px}
nav{background:#fff;border:1px solid #e3e6ea;border-radius:8px;padding:8px 16px;margin:16px 0}
nav ul{list-style:none;padding-left:12px;margin:4px 0} nav a{text-decoration:none;color:inherit}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef1f4;padding:1px 4px;border-radius:4px}
table{border-collapse:collapse;width:100%;margin:8px 0;background:#fff} th,td{border:1px solid #e3e6ea;padding:4px 8px;text-align:left;vertical-align:top} th{background:#f3f5f7}
.op,.schema{background:#fff;border:1px solid #e3e6ea;border-radius:8px;padding:4px 16px 12px;margin:14px 0}
.method{display:inline-block;min-width:56px;text-align:center;border-radius:4px;color:#fff;font:bold 12px ui-monospace,monospace;padding:2px 6px}
.get{background:#2f7dd1}.post{background:#2e9d5b}.patch{background:#b7791f}.put{background:#8a5cd0}.delete{background:#c53030}
.muted{color:#6b7280} h2{margin-top:36px;border-bottom:2px solid #e3e6ea}
</style></head>
<body><main>
<h1>${esc(info.title)} <small class="muted">${esc(info.version)}</small></h1>
<p>${md(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Fields marked * are required.</p>
<nav><strong>Endpoints</strong><ul>${toc}</ul></nav>
${sections}
<h2>Errors</h2>
<p>Every error is <code>{"code": "...", "message": "...", "details": [...]}</code> with the HTTP status of its gRPC code.</p>
${schemaBlock(doc.components.schemas.Error as Schema)}
<h2>Schemas</h2>
${schemas}
</main></body></html>
`;
}
