#!/usr/bin/env bash
# Makes the Ed25519 token-signing pair for a dev cluster, once, in .tools/dev-keys
# (git-ignored): jwt.key (PKCS#8 PEM) and jwt.pub (SPKI PEM). The same pair is
# reused on every `make helm-install` / `helm-upgrade`, so tokens stay valid.
# Never use these keys outside kind / minikube.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${1:-$ROOT/.tools/dev-keys}"
if [[ -s "$DIR/jwt.key" && -s "$DIR/jwt.pub" ]]; then exit 0; fi
mkdir -p "$DIR"
chmod 700 "$DIR"
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
node -e '
const { generateKeyPairSync } = require("node:crypto");
const { writeFileSync } = require("node:fs");
const dir = process.argv[1];
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
writeFileSync(`${dir}/jwt.key`, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
writeFileSync(`${dir}/jwt.pub`, publicKey.export({ type: "spki", format: "pem" }));
' "$DIR"
echo "made a dev token-signing key pair in $DIR" >&2
