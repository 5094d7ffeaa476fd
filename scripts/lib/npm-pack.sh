# Sourced by the tool installers: npm_pack DIR PKG@VERSION downloads the
# package's tarball from the npm registry into DIR (npm checks its integrity)
# and prints the tarball's path; on failure it prints npm's error and exits.
npm_pack() {
  local dir=$1 spec=$2 tarball
  echo "fetching $spec from the npm registry…" >&2
  if ! tarball="$(cd "$dir" && npm pack --loglevel=error "$spec" 2>"$dir/npm.err" | tail -n 1)" || [[ ! -f "$dir/$tarball" ]]; then
    echo "npm pack $spec failed:" >&2
    grep -v '^npm warn' "$dir/npm.err" >&2 || true
    exit 1
  fi
  echo "$dir/$tarball"
}
