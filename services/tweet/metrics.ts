// The tweet service's figures on the process's /metrics: tweets created, by
// kind (a retried create that finds its tweet stored counts once). Made once
// per registry: the embedded mode and tests start several targets on one Runtime.
import { Counter, type Registry } from "prom-client";

export interface TweetMetrics {
  created: Counter<"kind">;
}

export function tweetMetrics(registry: Registry): TweetMetrics {
  const name = "chirp_tweets_created_total";
  const created =
    (registry.getSingleMetric(name) as Counter<"kind"> | undefined) ??
    new Counter({ name, help: "Tweets created, by kind (tweet, reply, retweet); idempotent retries are not counted again.", labelNames: ["kind"], registers: [registry] });
  return { created };
}
