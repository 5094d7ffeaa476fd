// Ed25519 key pairs for access tokens. Clusters get keys from a Secret; the
// embedded all-in-one mode makes one on first start and keeps it under the
// data folder so tokens survive restarts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportPKCS8, exportSPKI, generateKeyPair } from "jose";

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export async function generateKeyPairPem(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  return { privateKeyPem: await exportPKCS8(privateKey), publicKeyPem: await exportSPKI(publicKey) };
}

export async function loadOrCreateKeyPair(dir: string): Promise<KeyPairPem & { created: boolean }> {
  const priv = join(dir, "jwt-ed25519.key.pem");
  const pub = join(dir, "jwt-ed25519.pub.pem");
  if (existsSync(priv) && existsSync(pub)) {
    return { privateKeyPem: readFileSync(priv, "utf8"), publicKeyPem: readFileSync(pub, "utf8"), created: false };
  }
  const pair = await generateKeyPairPem();
  mkdirSync(dir, { recursive: true });
  writeFileSync(priv, pair.privateKeyPem, { mode: 0o600 });
  writeFileSync(pub, pair.publicKeyPem);
  return { ...pair, created: true };
}
