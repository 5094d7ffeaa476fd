#!/usr/bin/env bash
# `make image`: builds the Chirp image (default chirp:dev) with whatever Docker
# engine is there, starting one if needed (engine.sh). The base images are the
# local ones from base.sh (no registry needed) unless BUILD_IMAGE and
# RUNTIME_IMAGE name others, or CHIRP_IMAGE_BASE=official takes the Dockerfile's
# defaults (the official node images, from a registry). The machine's CA bundle
# goes to `npm ci` as a build secret, so it never lands in an image layer.
#   CHIRP_IMAGE=chirp:dev  CHIRP_IMAGE_CONTEXT=<repo root>  CHIRP_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=../deps/lib.sh
source "$HERE/../deps/lib.sh"
# shellcheck source=buildkit.sh
source "$HERE/buildkit.sh"

IMAGE=${CHIRP_IMAGE:-chirp:dev}
CONTEXT=${CHIRP_IMAGE_CONTEXT:-$ROOT}
CA=${CHIRP_CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}

"$HERE/engine.sh" up
buildkit_client || exit 1

args=(--build-arg "VERSION=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo dev)")
if [[ -n ${BUILD_IMAGE:-} && -n ${RUNTIME_IMAGE:-} ]]; then
  args+=(--build-arg "BUILD_IMAGE=$BUILD_IMAGE" --build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE")
elif [[ ${CHIRP_IMAGE_BASE:-local} != official ]]; then
  while IFS= read -r line; do args+=(--build-arg "$line"); done < <("$HERE/base.sh")
fi
[[ -s $CA ]] && args+=(--secret "id=ca,src=$CA")

t0=$(now)
ensure_deps_dir
mkdir -p "$DEPS_DIR/docker"
log=$DEPS_DIR/docker/build.log
say "building $IMAGE from $CONTEXT ($(printf '%s ' "${args[@]}" | grep -o '[A-Z_]*IMAGE=[^ ]*' | tr '\n' ' '))..."
if ! timeout "${CHIRP_IMAGE_BUILD_TIMEOUT:-900}" "${BUILDKIT[@]}" build --progress=plain "${args[@]}" -t "$IMAGE" "$CONTEXT" >"$log" 2>&1; then
  err "docker build of $IMAGE failed (or passed ${CHIRP_IMAGE_BUILD_TIMEOUT:-900}s); the last lines of $log:"
  tail -n 40 "$log" >&2
  exit 1
fi
size=$(docker image inspect --format '{{.Size}}' "$IMAGE")
say "built $IMAGE in $(since "$t0")s: $((size / 1000000)) MB"
