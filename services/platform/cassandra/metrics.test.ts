import test from "ava";
import { statementOf } from "./metrics.js";

test("a statement's label is its verb and table, never its values", (t) => {
  t.is(statementOf("SELECT tweet_id, author_id FROM tweets_by_id WHERE tweet_id IN ?"), "select tweets_by_id");
  t.is(statementOf("select * from chirp.users_by_id where user_id = ?"), "select users_by_id");
  t.is(statementOf("INSERT INTO users_by_username (username, user_id) VALUES (?, ?) IF NOT EXISTS"), "insert users_by_username lwt");
  t.is(statementOf("UPDATE tweet_counts SET like_count = like_count + 1 WHERE tweet_id = ?"), "update tweet_counts");
  t.is(statementOf("UPDATE tweets_by_id SET deleted_by = ? WHERE tweet_id = ? IF deleted_by = null"), "update tweets_by_id lwt");
  t.is(statementOf("DELETE FROM event_outbox WHERE shard = 0 AND event_id = ?"), "delete event_outbox");
  t.is(statementOf([{ query: "DELETE FROM event_outbox WHERE shard = 0 AND event_id = ?" }, { query: "DELETE FROM x WHERE a = ?" }]), "batch delete event_outbox");
  t.is(statementOf("CREATE TABLE IF NOT EXISTS t (a int PRIMARY KEY)"), "create");
  t.is(statementOf("  "), "other");
});
