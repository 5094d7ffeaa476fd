# shellcheck shell=bash
# Sourced: buildkit_client sets BUILDKIT to a docker command that builds with
# BuildKit (build secrets, cache mounts) without pulling anything: `docker` when
# its buildx plugin is there, else Debian's docker.io client (20.10) with
# DOCKER_BUILDKIT=1, which drives the engine's built-in BuildKit. The newer
# client alone falls back to the legacy builder, which has neither.
buildkit_client() {
  BUILDKIT=()
  if docker buildx version >/dev/null 2>&1; then
    BUILDKIT=(docker)
    return 0
  fi
  local c v
  for c in /usr/bin/docker /usr/local/bin/docker docker; do
    command -v "$c" >/dev/null || continue
    v=$("$c" version --format '{{.Client.Version}}' 2>/dev/null) || continue
    if [[ ${v%%.*} =~ ^[0-9]+$ ]] && ((${v%%.*} < 23)); then
      BUILDKIT=(env DOCKER_BUILDKIT=1 "$c")
      return 0
    fi
  done
  err "no BuildKit-capable docker client: install the buildx plugin, or Debian's docker.io (its client drives the engine's BuildKit)"
  return 1
}
