// The OpenAPI 3.1 document of the REST surface, generated from the same
// bindings the router serves, so the two cannot drift apart: paths and
// parameters from the templates and query rules, bodies and responses from
// the messages, the one error shape, bearer security and the rate-limit
// headers.
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { CODE_NAMES } from "../http/errors.js";
import type { Binding } from "../transcode/bindings.js";
import { jsonKey } from "../transcode/json.js";
import { isSingleSegment, openApiPath } from "../transcode/path-template.js";
import { isParameterMessage } from "../transcode/values.js";
import { SchemaSet, type Schema } from "./schemas.js";

export interface OpenApiOptions {
  title?: string;
  version?: string;
  serverUrl?: string | undefined;
}

export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> } & Record<string, unknown>;
};

export interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  parameters: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
  "x-rpc": string;
}

export interface Parameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  description?: string;
  schema: Schema;
  style?: string;
  explode?: boolean;
}

const DESCRIPTION = `The REST face of Chirp's gRPC services, transcoded from their google.api.http rules.

- JSON is proto3 JSON: 64-bit integers (ids, counts) are strings, enums are names, timestamps RFC 3339.
  Field names are the proto names (\`user_id\`, \`next_cursor\`) in responses; request bodies and query
  parameters accept those or the lowerCamelCase JSON names (\`userId\`). Unknown fields are refused with 400.
- Query parameters: repeat a parameter for a list (\`?user_ids=1&user_ids=2\`); use dots for nested fields.
- Authentication: \`Authorization: Bearer <access_token>\` from POST /api/v1/auth/login. The gateway passes it on;
  each service decides what needs it (401 without, 403 for someone else's resource).
- Errors: a JSON body \`{code, message, details}\`; \`code\` is the gRPC status name in lower snake case.
- Limits: per client address and per user, reported in RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset;
  a 429 carries Retry-After.
- Every response carries X-Request-Id (sent one is kept if it is plain and short).`;

/** "GetUserByUsername" → "Get user by username". */
function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Every query parameter a binding accepts: non-path, non-body leaf fields, nested ones dotted. */
function queryParameters(b: Binding, schemas: SchemaSet): Parameter[] {
  if (b.body.kind === "all") return [];
  const out: Parameter[] = [];
  const bodyField = b.body.kind === "field" ? b.body.field : undefined;
  const bound = (chain: DescField[]) => b.pathFields.some((p) => p.length === chain.length && p.every((f, i) => f === chain[i]));
  const walk = (m: DescMessage, prefix: DescField[], seen: Set<string>) => {
    for (const f of m.fields) {
      const chain = [...prefix, f];
      if (f === bodyField || bound(chain) || f.fieldKind === "map") continue;
      if (f.fieldKind === "list" && f.listKind === "message" && !isParameterMessage(f.message)) continue;
      if (f.fieldKind === "message" && !isParameterMessage(f.message)) {
        // Nested message: its fields, dotted. Recursive types stop at the second visit.
        if (!seen.has(f.message.typeName) && chain.length < 5) walk(f.message, chain, new Set([...seen, f.message.typeName]));
        continue;
      }
      const name = chain.map(jsonKey).join(".");
      const p: Parameter = { name, in: "query", required: false, schema: schemas.field(f) };
      if (f.fieldKind === "list") {
        p.style = "form";
        p.explode = true;
        p.description = `Repeat the parameter for more values (?${name}=a&${name}=b).`;
      }
      out.push(p);
    }
  };
  walk(b.method.input, [], new Set([b.method.input.typeName]));
  return out;
}

function pathParameters(b: Binding, schemas: SchemaSet): Parameter[] {
  return b.template.variables.map((v, i) => {
    const chain = b.pathFields[i]!;
    const p: Parameter = { name: v.fieldPath.join("."), in: "path", required: true, schema: schemas.field(chain[chain.length - 1]!) };
    if (!isSingleSegment(v, b.template)) {
      const segs = b.template.segments.slice(v.start, v.end).map((s) => (s.kind === "literal" ? s.value : s.kind === "any" ? "*" : "**"));
      p.description = `Several path segments matching \`${segs.join("/")}\` (the slashes are part of the value).`;
    }
    return p;
  });
}

function requestBody(b: Binding, schemas: SchemaSet): Operation["requestBody"] {
  if (b.body.kind === "none") return undefined;
  let schema: Schema;
  if (b.body.kind === "field") schema = schemas.field(b.body.field);
  else {
    // Top-level path fields come from the path, so the body schema leaves them out.
    const inPath = new Set(b.pathFields.filter((c) => c.length === 1).map((c) => c[0]));
    schema = inPath.size
      ? schemas.objectOf(b.method.input, b.method.input.fields.filter((f) => !inPath.has(f)))
      : schemas.message(b.method.input);
  }
  return { required: false, content: { "application/json": { schema } } };
}

function responseSchema(b: Binding, schemas: SchemaSet): Schema {
  return b.responseBody ? schemas.field(b.responseBody) : schemas.message(b.method.output);
}

const limitHeaders = {
  "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" },
  "RateLimit-Limit": { $ref: "#/components/headers/RateLimit-Limit" },
  "RateLimit-Remaining": { $ref: "#/components/headers/RateLimit-Remaining" },
  "RateLimit-Reset": { $ref: "#/components/headers/RateLimit-Reset" },
};

function operation(b: Binding, schemas: SchemaSet): Operation {
  const rpc = `${b.service.typeName}/${b.method.name}`;
  const ok = b.streaming
    ? {
        description: `A stream of server-sent events: one event per ${b.method.output.typeName} message, named after the oneof case that is set, with the message's JSON as data; ": keep-alive" comments while idle.`,
        headers: limitHeaders,
        content: { "text/event-stream": { schema: { type: "string" }, "x-event-data": responseSchema(b, schemas) } },
      }
    : { description: "OK", headers: limitHeaders, content: { "application/json": { schema: responseSchema(b, schemas) } } };
  const op: Operation = {
    operationId: b.id,
    summary: humanize(b.method.name),
    description: `Calls \`${rpc}\`${b.id.match(/_\d+$/) ? " (additional binding)" : ""}.`,
    tags: [b.service.name],
    parameters: [...pathParameters(b, schemas), ...queryParameters(b, schemas)],
    responses: {
      "200": ok,
      "429": { $ref: "#/components/responses/RateLimited" },
      default: { $ref: "#/components/responses/Error" },
    },
    "x-rpc": rpc,
  };
  const body = requestBody(b, schemas);
  if (body) op.requestBody = body;
  return op;
}

export function buildOpenApi(bindings: Binding[], opts: OpenApiOptions = {}): OpenApiDocument {
  const schemas = new SchemaSet();
  const paths: Record<string, Record<string, Operation>> = {};
  for (const b of bindings) {
    const p = openApiPath(b.template);
    (paths[p] ??= {})[b.httpMethod.toLowerCase()] = operation(b, schemas);
  }
  const services = [...new Map(bindings.map((b) => [b.service.typeName, b.service])).values()];
  return {
    openapi: "3.1.0",
    info: { title: opts.title ?? "Chirp REST API", version: opts.version ?? "v1", description: DESCRIPTION },
    servers: [{ url: opts.serverUrl ?? "/" }],
    tags: services.map((s) => ({ name: s.name, description: `gRPC service \`${s.typeName}\`.` })),
    // A token is optional at the edge; each service says 401 where it needs one.
    security: [{ bearerAuth: [] }, {}],
    paths,
    components: {
      schemas: {
        ...schemas.components,
        Error: {
          type: "object",
          required: ["code", "message", "details"],
          properties: {
            code: { type: "string", enum: [...new Set(Object.values(CODE_NAMES))], description: "The gRPC status, lower snake case." },
            message: { type: "string", description: "For people; do not parse it." },
            details: {
              type: "array",
              description: "google.protobuf.Any in JSON form, e.g. buf.validate.Violations for a field that broke a rule.",
              items: { type: "object", required: ["@type"], properties: { "@type": { type: "string" } }, additionalProperties: true },
            },
          },
        },
      },
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The access_token from POST /api/v1/auth/login." },
      },
      headers: {
        "X-Request-Id": { description: "The request's id, as sent (if plain) or generated.", schema: { type: "string" } },
        "RateLimit-Limit": { description: "Requests allowed per minute by the tightest limit that applies.", schema: { type: "integer" } },
        "RateLimit-Remaining": { description: "Requests left in that limit now.", schema: { type: "integer" } },
        "RateLimit-Reset": { description: "Seconds until that limit is whole again.", schema: { type: "integer" } },
        "Retry-After": { description: "Seconds to wait before the next request.", schema: { type: "integer" } },
      },
      responses: {
        Error: {
          description: "An error: HTTP status from the gRPC code (400 invalid_argument, 401 unauthenticated, 403 permission_denied, 404 not_found, 409 already_exists, 429, 5xx ...).",
          headers: { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" } },
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
        RateLimited: {
          description: "Rate limit reached.",
          headers: { ...limitHeaders, "Retry-After": { $ref: "#/components/headers/Retry-After" } },
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    },
  };
}
