// One account by username through the user service, for services that take
// names from text (mentions, from: in a search): an unknown name, or one that
// cannot be a username at all, is no account rather than an error.
import { Code, ConnectError } from "@connectrpc/connect";
import type { User } from "../../gen/chirp/user/v1/user_pb.js";
import type { ServiceClients } from "../runtime/clients.js";

export async function userByUsername(clients: Pick<ServiceClients, "user">, username: string): Promise<User | undefined> {
  try {
    return (await clients.user.getUserByUsername({ username })).user;
  } catch (err) {
    const code = ConnectError.from(err).code;
    if (code === Code.NotFound || code === Code.InvalidArgument) return undefined;
    throw err;
  }
}
