// A fanout.batch work item: one tweet id to add to (or remove from) a list of
// followers' home timelines. Not a protobuf message because it never leaves
// the timeline service: a fixed binary layout, 8 bytes per follower, so a
// 1,000-follower job is 8 KB and decodes without parsing.
//
//   byte 0     version (1)
//   byte 1     op: 1 add, 2 remove
//   bytes 2-9  tweet id   (unsigned 64-bit, big-endian)
//   bytes 10-17 author id
//   then       follower ids, 8 bytes each
export type FanoutOp = "add" | "remove";

export interface FanoutJob {
  op: FanoutOp;
  tweetId: bigint;
  authorId: bigint;
  followerIds: bigint[];
}

const VERSION = 1;
const HEADER = 18;
const OPS: Record<FanoutOp, number> = { add: 1, remove: 2 };

export function encodeJob(job: FanoutJob): Uint8Array {
  const buf = new Uint8Array(HEADER + 8 * job.followerIds.length);
  const view = new DataView(buf.buffer);
  view.setUint8(0, VERSION);
  view.setUint8(1, OPS[job.op]);
  view.setBigUint64(2, job.tweetId);
  view.setBigUint64(10, job.authorId);
  job.followerIds.forEach((id, i) => view.setBigUint64(HEADER + 8 * i, id));
  return buf;
}

/**
 * One job per tweet id, all for the same followers (a shared follower scan):
 * the follower ids are encoded once and each copy gets its tweet id.
 */
export function encodeJobs(op: FanoutOp, tweetIds: readonly bigint[], authorId: bigint, followerIds: bigint[]): Uint8Array[] {
  if (tweetIds.length === 0) return [];
  const first = encodeJob({ op, tweetId: tweetIds[0]!, authorId, followerIds });
  return tweetIds.map((tweetId, i) => {
    if (i === 0) return first;
    const copy = first.slice();
    new DataView(copy.buffer).setBigUint64(2, tweetId);
    return copy;
  });
}

export function decodeJob(data: Uint8Array): FanoutJob {
  if (data.length < HEADER || (data.length - HEADER) % 8 !== 0) throw new Error(`fanout job has a bad length (${data.length})`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint8(0) !== VERSION) throw new Error(`fanout job version ${view.getUint8(0)} is not supported`);
  const opByte = view.getUint8(1);
  const op = (Object.keys(OPS) as FanoutOp[]).find((k) => OPS[k] === opByte);
  if (!op) throw new Error(`fanout job has an unknown op ${opByte}`);
  const followerIds: bigint[] = [];
  for (let off = HEADER; off < data.length; off += 8) followerIds.push(view.getBigUint64(off));
  return { op, tweetId: view.getBigUint64(2), authorId: view.getBigUint64(10), followerIds };
}

/** De-duplication id of batch n of a tweet's fan-out: a redelivered event publishes nothing twice. */
export function jobMsgId(op: FanoutOp, tweetId: bigint, n: number): string {
  return `${op === "add" ? "fanout" : "fanout-remove"}:${tweetId}:${n}`;
}
