// SearchUsers: accounts by prefix, ranked for the caller when there is one.
import type { ServiceImpl } from "@connectrpc/connect";
import type { SearchService } from "../../../gen/chirp/search/v1/search_pb.js";
import { callerKey } from "../../kit/auth.js";
import { invalidArgument } from "../../kit/errors.js";
import type { SearchContext } from "../context.js";
import { decodeUserCursor, encodeUserCursor } from "../cursor.js";
import { findPeople, peopleWords } from "../find/users.js";
import { checkLimit } from "./limit.js";

export const DEFAULT_PEOPLE = 20;
export const MAX_PEOPLE_QUERY = 64;

export function userRoutes(ctx: SearchContext): Partial<ServiceImpl<typeof SearchService>> {
  return {
    async searchUsers(req, hc) {
      const end = ctx.metrics.queries.startTimer({ kind: "users" });
      const limit = checkLimit(req.limit, DEFAULT_PEOPLE);
      if (req.q.trim() === "") throw invalidArgument("q", "must not be empty");
      if ([...req.q].length > MAX_PEOPLE_QUERY) throw invalidArgument("q", `must be at most ${MAX_PEOPLE_QUERY} characters`);
      // The cursor belongs to the words searched, however they were spelled.
      const key = peopleWords(req.q).join(" ");
      const after = decodeUserCursor(key, req.cursor);
      const viewer = hc.values.get(callerKey)?.userId;
      const found = await findPeople(ctx, req.q, viewer, after, limit);
      end();
      return { users: found.users, hasMore: found.hasMore, nextCursor: found.last ? encodeUserCursor(key, found.last) : "" };
    },
  };
}
