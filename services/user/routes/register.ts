// Register: validate and normalise, hash the password (argon2id, off the
// event loop), then let the store claim the username and email atomically.
import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../gen/chirp/user/v1/user_pb.js";
import { alreadyExists } from "../../kit/errors.js";
import type { UserContext } from "../context.js";
import { checkDisplayName, checkPassword, checkUsername, normalizeEmail, usernameKey } from "../normalize.js";
import { hashPassword } from "../passwords.js";
import { toUser } from "../present.js";

const USERNAME_TAKEN = "username: already taken";
const EMAIL_TAKEN = "email: already registered";

export function registerRoutes(ctx: UserContext): Partial<ServiceImpl<typeof UserService>> {
  return {
    async register(req) {
      const username = checkUsername(req.username);
      const email = normalizeEmail(req.email);
      const password = checkPassword(req.password);
      const displayName = checkDisplayName(req.displayName) || username;
      // A cheap look first, so an obviously taken name or email costs no
      // hash; the store's atomic claims below are what actually decide.
      const [byName, byEmail] = await Promise.all([ctx.store.findByUsername(usernameKey(username)), ctx.store.findByEmail(email)]);
      if (byName) throw alreadyExists(USERNAME_TAKEN);
      if (byEmail) throw alreadyExists(EMAIL_TAKEN);
      const passwordHash = await hashPassword(password);
      const user = {
        userId: ctx.ids.next(),
        username,
        email,
        passwordHash,
        displayName,
        bio: "",
        avatarUrl: "",
        // Whole milliseconds, as both stores keep them.
        createdAt: new Date(Date.now()),
      };
      const res = await ctx.store.createUser(user);
      if (!res.ok) throw alreadyExists(res.taken === "username" ? USERNAME_TAKEN : EMAIL_TAKEN);
      ctx.logger.info({ userId: user.userId.toString() }, "account registered");
      // Announced as a first profile change, so people search finds the account at once; the
      // account exists whatever the bus says (a retry would find the name taken), and
      // `make reindex` recovers an event that could not be published.
      await ctx.events.updated(toUser(user), user.userId).catch(() => undefined);
      // A new account has no followers, following or tweets yet.
      return { user: toUser(user) };
    },
  };
}
