// The gateway's JSON writer (services/gateway/transcode/json-writer.ts)
// against protobuf-es's toJsonString, in one run on one machine, on the
// 20-tweet home page the framework baselines answer: the page built fresh
// (as a cluster-mode gateway decodes it off the wire), and the page whose
// tweets and authors are the shared, frozen messages of the all-in-one's
// hydration cache. Variants take turns for --rounds rounds; the median
// round is reported, and the shared page encoded as UTF-8 (what the socket
// write costs on top).
//
//   node --import tsx bench/services/gateway/json.ts [--seconds=2] [--rounds=5]
import { create, toJsonString, type Message } from "@bufbuild/protobuf";
import { GetHomeTimelineResponseSchema, HydratedTweetSchema, type GetHomeTimelineResponse } from "../../../gen/chirp/timeline/v1/timeline_pb.js";
import { jsonRegistry, jsonWriter, writeOptions } from "../../../services/gateway/transcode/json.js";
import { share } from "../../../services/hydration/shared-message.js";
import { SERVICES } from "../../../services/runtime/services.js";
import { benchArgs } from "../../args.js";
import { homePage } from "../../baselines/home-page.js";
import { calibrationLine, commitId, openingLine } from "../../machine.js";

const USAGE = "node --import tsx bench/services/gateway/json.ts [--seconds=2] [--rounds=5]\n";
const args = benchArgs(USAGE, { seconds: "2", rounds: "5" });
const seconds = args.num("seconds");
const rounds = args.num("rounds");

const registry = jsonRegistry(Object.values(SERVICES));
const opts = writeOptions(registry);
const fresh = homePage();
// The all-in-one's page: every entry new, its tweet and author shared and frozen.
const sharedPage = (() => {
  const shared = fresh.tweets.map((h) => ({ tweet: share(h.tweet!), author: share(h.author!) }));
  return () =>
    create(GetHomeTimelineResponseSchema, {
      tweets: shared.map((s) => create(HydratedTweetSchema, { tweet: s.tweet, author: s.author, liked: false, retweeted: false })),
      nextCursor: "",
      hasMore: true,
    });
})();

type Variant = { name: string; run: () => string | Buffer };
const writer = jsonWriter(registry);
const variants: Variant[] = [
  { name: "toJsonString, fresh page", run: () => toJsonString(GetHomeTimelineResponseSchema, homePage(), opts) },
  { name: "JsonWriter, fresh page", run: () => writer.write(GetHomeTimelineResponseSchema, homePage() as Message) },
  { name: "toJsonString, shared tweets and authors", run: () => toJsonString(GetHomeTimelineResponseSchema, sharedPage(), opts) },
  { name: "JsonWriter, shared tweets and authors", run: () => writer.write(GetHomeTimelineResponseSchema, sharedPage() as Message) },
  { name: "building the fresh page alone (subtract)", run: () => String((homePage() as GetHomeTimelineResponse).tweets.length) },
  { name: "JsonWriter, shared, then its UTF-8 length", run: () => String(Buffer.byteLength(writer.write(GetHomeTimelineResponseSchema, sharedPage() as Message))) },
];
if (writer.write(GetHomeTimelineResponseSchema, fresh) !== toJsonString(GetHomeTimelineResponseSchema, fresh, opts)) throw new Error("the writers disagree");

function perSecond(v: Variant): number {
  const until = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < until) for (let i = 0; i < 50; i++, n++) v.run();
  return n / seconds;
}

console.log(openingLine("in process", calibrationLine()));
console.log(`commit ${commitId()}, ${new Date().toISOString()}, ${seconds} s per variant, ${rounds} rounds, page ${Buffer.byteLength(toJsonString(GetHomeTimelineResponseSchema, fresh, opts))} bytes`);
const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) results.get(v.name)!.push(perSecond(v));
  process.stderr.write(`round ${r + 1}/${rounds} done\n`);
}
for (const [name, xs] of results) {
  const median = xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${name.padEnd(44)} ${Math.round(median).toLocaleString("en-US").padStart(9)} pages/s  ${(1e6 / median).toFixed(1).padStart(7)} µs/page`);
}
