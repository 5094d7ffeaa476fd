// Trace export settings: the standard OTEL_* variables, read once with the
// rest of the configuration (services/runtime/config.ts) and handed to
// createTracing (tracing.ts). Off unless an exporter is asked for: no
// OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) and no
// OTEL_TRACES_EXPORTER means no spans are made at all.
import { z } from "zod";
import { envs } from "./config.js";

export const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/**
 * Chirp's default sampler: a new trace is kept with this probability at the
 * edge and every hop follows the caller's decision, so a kept trace is whole.
 * The spec's default (parentbased_always_on) would record every request.
 */
export const DEFAULT_SAMPLER: SamplerName = "parentbased_traceidratio";
export const DEFAULT_SAMPLE_RATIO = 0.01;

/** "k=v,k2=v2" with URL-encoded values, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES are written. */
const keyValues = z
  .string()
  .optional()
  .refine((v) => v === undefined || v.split(",").every((p) => p.trim() === "" || /^[^=]+=.*$/.test(p)), { message: "expected key=value[,key=value…]" });

const protocol = z.enum(["http/protobuf"], { message: "expected http/protobuf (the only OTLP protocol built in)" }).optional();

export const tracingEnv = {
  OTEL_SDK_DISABLED: envs.bool(false),
  /** otlp, console or none; unset: otlp when an endpoint is set, else none. */
  OTEL_TRACES_EXPORTER: z.enum(["otlp", "console", "none"], { message: "expected otlp, console or none" }).optional(),
  /** Base URL of an OTLP/HTTP receiver; traces go to <it>/v1/traces. */
  OTEL_EXPORTER_OTLP_ENDPOINT: envs.optionalUrl(["http:", "https:"]),
  /** The full URL traces go to (wins over OTEL_EXPORTER_OTLP_ENDPOINT). */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: envs.optionalUrl(["http:", "https:"]),
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_HEADERS: keyValues,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValues,
  OTEL_TRACES_SAMPLER: z.enum(SAMPLERS, { message: `expected one of ${SAMPLERS.join(", ")}` }).default(DEFAULT_SAMPLER),
  /** The ratio of the traceidratio samplers, 0–1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(DEFAULT_SAMPLE_RATIO),
  OTEL_SERVICE_NAME: z.string().default("chirp"),
  OTEL_RESOURCE_ATTRIBUTES: keyValues,
};

export interface TracingConfig {
  /** Where spans go; "none" makes none. */
  exporter: "otlp" | "console" | "none";
  /** The OTLP/HTTP traces URL (exporter otlp). */
  url: string;
  headers: Record<string, string>;
  sampler: SamplerName;
  ratio: number;
  serviceName: string;
  resourceAttributes: Record<string, string>;
}

/** Tracing off: what tests and tools that build a config by hand use. */
export const TRACING_OFF: TracingConfig = {
  exporter: "none",
  url: "",
  headers: {},
  sampler: DEFAULT_SAMPLER,
  ratio: DEFAULT_SAMPLE_RATIO,
  serviceName: "chirp",
  resourceAttributes: {},
};

function parseKeyValues(v: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (v ?? "").split(",")) {
    const i = pair.indexOf("=");
    if (i <= 0) continue;
    out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
  }
  return out;
}

export function tracingConfig(e: {
  OTEL_SDK_DISABLED: boolean;
  OTEL_TRACES_EXPORTER?: "otlp" | "console" | "none" | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_HEADERS?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_HEADERS?: string | undefined;
  OTEL_TRACES_SAMPLER: SamplerName;
  OTEL_TRACES_SAMPLER_ARG: number;
  OTEL_SERVICE_NAME: string;
  OTEL_RESOURCE_ATTRIBUTES?: string | undefined;
}): TracingConfig {
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces` : undefined);
  const exporter = e.OTEL_SDK_DISABLED ? "none" : (e.OTEL_TRACES_EXPORTER ?? (endpoint ? "otlp" : "none"));
  return {
    exporter,
    // The spec's default receiver, for OTEL_TRACES_EXPORTER=otlp alone.
    url: endpoint ?? "http://localhost:4318/v1/traces",
    headers: { ...parseKeyValues(e.OTEL_EXPORTER_OTLP_HEADERS), ...parseKeyValues(e.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    sampler: e.OTEL_TRACES_SAMPLER,
    ratio: e.OTEL_TRACES_SAMPLER_ARG,
    serviceName: e.OTEL_SERVICE_NAME,
    resourceAttributes: parseKeyValues(e.OTEL_RESOURCE_ATTRIBUTES),
  };
}
