#!/usr/bin/env bash
# buf breaking against the main branch. The branch's proto/ is built with the
# same third-party module (.proto-deps, generated from npm, not in git), since
# buf cannot resolve those imports from a git input alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
buf=node_modules/.bin/buf
ref=${BREAKING_AGAINST:-main}
if ! git rev-parse --verify -q "$ref" >/dev/null || ! git cat-file -e "$ref:proto" 2>/dev/null; then
  echo "breaking: no proto/ on $ref yet, nothing to compare"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git archive "$ref" proto buf.yaml | tar -x -C "$work"
ln -s "$PWD/.proto-deps" "$work/.proto-deps"
"$buf" breaking --against "$work"
echo "breaking: no breaking changes against $ref"
