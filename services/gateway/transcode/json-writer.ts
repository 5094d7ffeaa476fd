// Proto3 JSON written straight to a string, one compiled writer per message
// type, with the same output as protobuf-es's toJsonString and the gateway's
// write options (json.ts). It pays for itself in two ways that toJsonString
// cannot offer (bench/services/gateway/json.ts measures both against it):
// no intermediate object tree, and a shared message (one the services share
// between readers, hydration/shared-message.ts) is written once and its JSON
// kept with it, so a timeline page repeats the tweets' and authors' JSON
// instead of writing it again. Whatever it does not handle itself (another
// well-known type, unknown fields, wrappers) goes to toJsonString.
import { ScalarType, toJsonString, type DescEnum, type DescField, type DescMessage, type JsonWriteOptions, type Message } from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { derivedOf } from "../../hydration/shared-message.js";

type Write = (message: Message) => string;
type WriteValue = (value: unknown) => string;

/** FeatureSet.FieldPresence.IMPLICIT */
const IMPLICIT = 2;
const TIMESTAMP = "google.protobuf.Timestamp";
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range proto3 JSON allows. */
const MIN_SECONDS = -62135596800n;
const MAX_SECONDS = 253402300799n;


export class JsonWriter {
  private readonly compiled = new Map<DescMessage, Write>();

  constructor(readonly options: Partial<JsonWriteOptions>) {}

  /** The message as proto3 JSON, exactly as toJsonString(schema, message, opts) writes it. */
  write(schema: DescMessage, message: Message): string {
    const derived = derivedOf(message);
    if (derived === undefined) return this.writerFor(schema)(message);
    let json = derived.json;
    if (json === undefined) {
      json = this.writerFor(schema)(message);
      // Flattened once (V8 joins a concatenated string in place when it is read), not in every page that repeats it.
      json.charCodeAt(0);
      derived.json = json;
    }
    return json;
  }

  private writerFor(schema: DescMessage): Write {
    let w = this.compiled.get(schema);
    if (w === undefined) {
      // Registered before its fields are compiled, so a recursive type finds itself.
      let inner: Write = () => "";
      this.compiled.set(schema, (m) => inner(m));
      inner = this.compile(schema);
      this.compiled.set(schema, inner);
      w = inner;
    }
    return w;
  }

  private compile(schema: DescMessage): Write {
    const whole: Write = (m) => toJsonString(schema, m, this.options);
    if (schema.typeName === TIMESTAMP) return (m) => timestampJson(m as never) ?? whole(m);
    const awkward = (f: DescField) =>
      f.name === "__proto__" || f.jsonName === "__proto__" || (f.message?.typeName.startsWith("google.protobuf.") && f.message.typeName !== TIMESTAMP);
    if (schema.typeName.startsWith("google.protobuf.") || schema.fields.some(awkward) || this.options.enumAsInteger) return whole;

    const fields = schema.fields.slice().sort((a, b) => a.number - b.number).map((f) => this.field(f));
    return (m) => {
      if (m.$unknown?.length) return whole(m);
      let out = "";
      for (const field of fields) {
        const part = field(m);
        if (part !== undefined) out += out === "" ? part : "," + part;
      }
      return "{" + out + "}";
    };
  }

  /** `"key":value`, or undefined when the field is left out. */
  private field(f: DescField): (m: Message) => string | undefined {
    const key = JSON.stringify(this.options.useProtoFieldName ? f.name : f.jsonName) + ":";
    const always = this.options.alwaysEmitImplicit === true;
    const name = f.localName;
    const get = (m: Message) => (m as unknown as Record<string, unknown>)[name];
    if (f.fieldKind === "list") {
      const item = this.value(f, f.listKind);
      return (m) => {
        const items = get(m) as unknown[];
        if (items.length === 0 && !always) return undefined;
        let out = key + "[";
        for (let i = 0; i < items.length; i++) out += (i === 0 ? "" : ",") + item(items[i]);
        return out + "]";
      };
    }
    if (f.fieldKind === "map") {
      const item = this.value(f, f.mapKind);
      return (m) => {
        const record = get(m) as Record<string, unknown>;
        const keys = Object.keys(record);
        if (keys.length === 0 && !always) return undefined;
        return key + "{" + keys.map((k) => JSON.stringify(k) + ":" + item(record[k])).join(",") + "}";
      };
    }
    const value = this.value(f, f.fieldKind);
    if (f.oneof) {
      const oneof = f.oneof.localName;
      return (m) => {
        const o = (m as unknown as Record<string, { case: string | undefined; value: unknown }>)[oneof]!;
        return o.case === name ? key + value(o.value) : undefined;
      };
    }
    if (f.presence !== IMPLICIT) {
      // Explicit presence: set when the message has the property itself (proto2 defaults sit on the prototype).
      return (m) => {
        const v = get(m);
        return v !== undefined && Object.prototype.hasOwnProperty.call(m, name) ? key + value(v) : undefined;
      };
    }
    const isZero = zeroTest(f);
    return (m) => {
      const v = get(m);
      return always || !isZero(v) ? key + value(v) : undefined;
    };
  }

  private value(f: DescField, kind: "scalar" | "enum" | "message" | undefined): WriteValue {
    if (kind === "message") {
      const schema = f.message!;
      return (v) => this.write(schema, v as Message);
    }
    if (kind === "enum") return enumValue(f.enum!);
    return scalarValue(f.scalar!);
  }
}

function zeroTest(f: DescField): (v: unknown) => boolean {
  if (f.fieldKind === "enum") {
    const zero = f.enum.values[0]!.number;
    return (v) => v === zero;
  }
  switch (f.scalar) {
    case ScalarType.BOOL:
      return (v) => v === false;
    case ScalarType.STRING:
      return (v) => v === "";
    case ScalarType.BYTES:
      return (v) => v instanceof Uint8Array && v.byteLength === 0;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return (v) => Object.is(v, 0);
    default:
      // Loose, as protobuf-es does: 0n, 0 and "0".
      return (v) => v == 0;
  }
}

function enumValue(e: DescEnum): WriteValue {
  if (e.typeName === "google.protobuf.NullValue") return () => "null";
  const names = new Map(Object.values(e.value).map((v) => [v.number, JSON.stringify(v.jsonName)]));
  // An unknown value is written as its number.
  return (v) => names.get(v as number) ?? String(v);
}

function scalarValue(t: ScalarType): WriteValue {
  switch (t) {
    case ScalarType.STRING:
      return (v) => JSON.stringify(v);
    case ScalarType.BOOL:
      return (v) => (v ? "true" : "false");
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return (v) => JSON.stringify(String(v));
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return (v) => {
        const n = v as number;
        if (Number.isNaN(n)) return '"NaN"';
        if (n === Infinity) return '"Infinity"';
        if (n === -Infinity) return '"-Infinity"';
        return JSON.stringify(n);
      };
    case ScalarType.BYTES:
      return (v) => JSON.stringify(base64Encode(v as Uint8Array));
    default:
      return (v) => String(v);
  }
}

const pad2 = (n: number) => (n < 10 ? "0" + n : String(n));

/**
 * RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as toJsonString
 * writes it, by arithmetic (Date.toISOString is the slow part of
 * protobuf-es's writer); undefined outside the range, where toJsonString
 * throws its own error.
 */
export function timestampJson(ts: { seconds: bigint; nanos: number }): string | undefined {
  const { seconds, nanos } = ts;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos > 999_999_999) return undefined;
  const s = Number(seconds);
  const days = Math.floor(s / 86400);
  const ofDay = s - days * 86400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  let fraction = "";
  if (nanos > 0) {
    const digits = String(nanos + 1_000_000_000).slice(1);
    fraction = digits.endsWith("000000") ? "." + digits.slice(0, 3) : digits.endsWith("000") ? "." + digits.slice(0, 6) : "." + digits;
  }
  const hh = Math.floor(ofDay / 3600);
  const mm = Math.floor((ofDay % 3600) / 60);
  return (
    '"' + String(year).padStart(4, "0") + "-" + pad2(month) + "-" + pad2(day) + "T" + pad2(hh) + ":" + pad2(mm) + ":" + pad2(ofDay % 60) + fraction + 'Z"'
  );
}
