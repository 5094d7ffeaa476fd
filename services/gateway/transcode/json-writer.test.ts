// The gateway's JSON writer against protobuf-es's toJsonString, byte for
// byte: every message of every service contract, filled at random (unset
// and set fields, zero values, lists, maps, oneofs, odd numbers and
// strings, timestamps across the whole range), written both ways.
import test from "ava";
import { create, toJsonString, ScalarType, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { isWrapperDesc, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { SERVICES } from "../../runtime/services.js";
import { share } from "../../hydration/shared-message.js";
import { LibraryService } from "../testing/library.js";
import { jsonRegistry, writeOptions } from "./json.js";
import { JsonWriter, timestampJson } from "./json-writer.js";

const services = [...Object.values(SERVICES), LibraryService];
const registry = jsonRegistry(services);
const files = new Set(services.map((s) => s.file));
const messages = [...files].flatMap((f) => [...nestedTypes(f)].filter((t): t is DescMessage => t.kind === "message"));

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = ["", "a", 'quote " and \\ back', "line\nbreak\ttab", "ünïcødé 日本語 🐦", "\u0000\u001f\u2028", "__proto__"];
const NUMBERS = [0, -0, 1, -1, 2147483647, -2147483648, 0.5, 1e21, 1e-7, NaN, Infinity, -Infinity];

function scalar(t: ScalarType, r: () => number): unknown {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  switch (t) {
    case ScalarType.STRING:
      return pick(STRINGS);
    case ScalarType.BOOL:
      return r() < 0.5;
    case ScalarType.BYTES:
      return Uint8Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * 256));
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return pick(NUMBERS);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return pick([0n, 1n, -1n, 9223372036854775807n, -9223372036854775808n, 255530568689688576n]);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return pick([0n, 1n, 18446744073709551615n, 255530568689688576n]);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return pick([0, 1, 4294967295]);
    default:
      return pick([0, 1, -1, 2147483647, -2147483648]);
  }
}

function timestamp(r: () => number) {
  const seconds = BigInt(Math.floor(-62135596800 + r() * (253402300799 + 62135596800)));
  const nanos = [0, 1, 999_999_999, 123_000_000, 123_456_000, 123_456_789][Math.floor(r() * 6)]!;
  return create(TimestampSchema, { seconds, nanos });
}

function value(f: DescField, kind: string | undefined, r: () => number, depth: number): unknown {
  if (kind === "message") {
    const m = f.message!;
    if (m.typeName === TimestampSchema.typeName) return timestamp(r);
    // Generated code holds a wrapper field's value unboxed.
    return isWrapperDesc(m) && f.fieldKind === "message" ? scalar(m.fields[0]!.scalar!, r) : fill(m, r, depth + 1);
  }
  if (kind === "enum") return r() < 0.1 ? 99 : f.enum!.values[Math.floor(r() * f.enum!.values.length)]!.number;
  return scalar(f.scalar!, r);
}

function fill(schema: DescMessage, r: () => number, depth = 0): Message {
  const m = create(schema) as unknown as Record<string, unknown>;
  if (depth > 3) return m as unknown as Message;
  for (const f of schema.fields) {
    if (r() < 0.3) continue; // left unset (or zero)
    if (f.fieldKind === "list") m[f.localName] = Array.from({ length: Math.floor(r() * 3) }, () => value(f, f.listKind, r, depth));
    else if (f.fieldKind === "map") {
      const rec: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 3); i > 0; i--) rec[String(Math.floor(r() * 1000))] = value(f, f.mapKind, r, depth);
      m[f.localName] = rec;
    } else if (f.oneof) m[f.oneof.localName] = { case: f.localName, value: value(f, f.fieldKind, r, depth) };
    else m[f.localName] = value(f, f.fieldKind, r, depth);
  }
  return m as unknown as Message;
}

test("every contract message is written as toJsonString writes it", (t) => {
  t.true(messages.length > 50, `only ${messages.length} message types found`);
  const opts = writeOptions(registry);
  const writer = new JsonWriter(opts);
  const quiet = new JsonWriter({ ...opts, alwaysEmitImplicit: false });
  const r = rng(29);
  let compared = 0;
  for (const schema of messages) {
    for (let i = 0; i < 20; i++) {
      const m = fill(schema, r);
      t.is(writer.write(schema, m), toJsonString(schema, m, opts), `${schema.typeName} #${i}`);
      t.is(quiet.write(schema, m), toJsonString(schema, m, { ...opts, alwaysEmitImplicit: false }), `${schema.typeName} #${i}, zero values left out`);
      compared += 2;
    }
  }
  t.true(compared > 2000);
});

test("a shared message is written once and its JSON kept; a changed copy is written anew", (t) => {
  const schema = messages.find((m) => m.typeName === "chirp.timeline.v1.HydratedTweet")!;
  const writer = new JsonWriter(writeOptions(registry));
  const m = fill(schema, rng(7));
  const frozen = share(m);
  const first = writer.write(schema, frozen);
  t.is(writer.write(schema, frozen), first);
  t.is(first, toJsonString(schema, frozen, writeOptions(registry)));
  t.throws(() => {
    (frozen as unknown as { liked: boolean }).liked = !(frozen as unknown as { liked: boolean }).liked;
  });
  const changed = { ...frozen, liked: true } as Message;
  t.is(writer.write(schema, changed), toJsonString(schema, changed, writeOptions(registry)));
});

test("timestamps: the range's ends, leap days and fractions as toJsonString writes them; outside the range, nothing", (t) => {
  const cases: Array<[bigint, number]> = [
    [-62135596800n, 0],
    [253402300799n, 999_999_999],
    [0n, 0],
    [-1n, 500_000_000],
    [951782400n, 1_000], // 2000-02-29
    [4107542400n, 10], // 2100-02-28T... (not a leap year)
    [1796612878n, 123_456_000],
  ];
  for (const [seconds, nanos] of cases) {
    const ts = create(TimestampSchema, { seconds, nanos });
    t.is(timestampJson(ts), toJsonString(TimestampSchema, ts), `${seconds}s ${nanos}ns`);
  }
  t.is(timestampJson({ seconds: 253402300800n, nanos: 0 }), undefined);
  t.is(timestampJson({ seconds: 0n, nanos: -1 }), undefined);
});
