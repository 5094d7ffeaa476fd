import test from "ava";
import { ListFollowerIdsRequestSchema } from "../../gen/chirp/graph/v1/graph_pb.js";
import { CreateTweetRequestSchema } from "../../gen/chirp/tweet/v1/tweet_pb.js";
import { int32Lte } from "./proto-limits.js";

test("an int32 lte rule is read from the descriptor", (t) => {
  t.is(int32Lte(ListFollowerIdsRequestSchema.field.limit!), 5000);
});

test("a field without such a rule is refused by name", (t) => {
  t.throws(() => int32Lte(CreateTweetRequestSchema.field.content!), { message: "chirp.tweet.v1.CreateTweetRequest.content has no int32 lte rule" });
});
