import test from "ava";
import { keySlot } from "./slots.js";

test("key slots match Redis Cluster's", (t) => {
  // CRC16/XMODEM check value of "123456789" is 0x31C3 (= 12739 < 16384).
  t.is(keySlot("123456789"), 0x31c3);
  // What a real cluster answered for `SET foo` (MOVED 12182).
  t.is(keySlot("foo"), 12182);
});

test("only the first non-empty {hash tag} counts", (t) => {
  t.is(keySlot("chirp:tl:{42}"), keySlot("42"));
  t.is(keySlot("chirp:tl:{42}:lock"), keySlot("other:{42}"));
  t.is(keySlot("a{}b"), keySlot("a{}b"), "an empty tag hashes the whole key");
  t.not(keySlot("a{}{x}"), keySlot("x"));
});
