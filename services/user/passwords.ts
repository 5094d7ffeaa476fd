// Password hashing: argon2id at OWASP's minimum parameters (19 MiB, 2 passes,
// 1 lane). @node-rs/argon2 runs on the libuv thread pool, so hashing does not
// block the event loop. Passwords are never logged or stored, only hashed.
import { hash, verify, type Algorithm } from "@node-rs/argon2";

// Algorithm is an ambient const enum, which isolatedModules cannot read: 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;
export const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** False for a wrong password or a hash that cannot be read; never throws on either. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// A hash of a password nobody knows, with the same parameters: checked when a
// login names no account, so "no such user" costs the same time as "wrong
// password" and response times do not reveal which usernames exist.
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(`dummy-${Math.random()}-${Date.now()}`);
  return dummy;
}

export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(await dummyHash(), password);
  return false;
}
