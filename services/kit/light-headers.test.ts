import test from "ava";
import { LightHeaders } from "./light-headers.js";

test("names are case-insensitive and stored lowercase, as Fetch Headers does", (t) => {
  const h = new LightHeaders({ Authorization: "Bearer a", "X-Request-Id": "r1" });
  t.is(h.get("authorization"), "Bearer a");
  t.is(h.get("AUTHORIZATION"), "Bearer a");
  t.true(h.has("x-request-id"));
  t.deepEqual([...h.keys()], ["authorization", "x-request-id"]);
  h.set("X-Request-Id", "r2");
  t.is(h.get("x-request-id"), "r2");
  h.delete("Authorization");
  t.is(h.get("authorization"), null);
  t.false(h.has("authorization"));
});

test("append joins values as Fetch Headers does, and every init form is read", (t) => {
  const fetchForm = new Headers([["a", "1"], ["a", "2"], ["b", "3"]]);
  for (const init of [fetchForm, [["a", "1"], ["a", "2"], ["b", "3"]], { a: ["1", "2"], b: "3" }] as const) {
    const h = new LightHeaders(init as never);
    t.is(h.get("a"), fetchForm.get("a"));
    t.is(h.get("b"), "3");
  }
  const h = new LightHeaders();
  h.append("set-cookie", "x=1");
  t.deepEqual(h.getSetCookie(), ["x=1"]);
  t.deepEqual(new LightHeaders().getSetCookie(), []);
});

test("iterates pairs, and forEach may delete while it walks (Connect's copyHeaders does)", (t) => {
  const h = new LightHeaders({ a: "1", b: "2" });
  t.deepEqual([...h], [["a", "1"], ["b", "2"]]);
  t.deepEqual(Object.fromEntries(h.entries()), { a: "1", b: "2" });
  t.deepEqual([...h.values()], ["1", "2"]);
  const seen: string[] = [];
  h.forEach((v, k, self) => {
    seen.push(`${k}=${v}`);
    self.delete(k);
  });
  t.deepEqual(seen, ["a=1", "b=2"]);
  t.deepEqual([...h], []);
});
