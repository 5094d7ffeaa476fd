# Fetches Debian packages with `apt-get download` and unpacks them without
# installing (no root needed for the unpack, no dpkg state touched): how the
# project gets tools Debian ships but the machine may lack (h2load, wrk,
# promtool). Sourced; the caller sets `set -euo pipefail`.

# deb_tools_or_exit WHO HINT: fails with a message naming WHO unless apt-get and dpkg-deb exist.
deb_tools_or_exit() {
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    echo "$1: needs apt-get and dpkg-deb (Debian or Ubuntu); $2" >&2
    exit 1
  fi
}

# deb_unpack DEST PKG...: downloads each package into a temporary folder and
# unpacks them all into DEST (emptied first). A PKG written "a|b" takes the
# first of the alternatives that downloads.
deb_unpack() {
  local dest=$1 work pkg alt ok
  shift
  work="$(mktemp -d)"
  # As root, apt would hand the download to its _apt user, who cannot write here.
  local sandbox=()
  [[ $EUID -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)
  for pkg in "$@"; do
    ok=''
    for alt in ${pkg//|/ }; do
      if (cd "$work" && apt-get "${sandbox[@]}" download -q "$alt" >&2); then
        ok=1
        break
      fi
    done
    if [[ -z $ok ]]; then
      rm -rf "$work"
      echo "apt-get download ${pkg//|/ or } failed; run 'apt-get update' once (as root)" >&2
      return 1
    fi
  done
  rm -rf "$dest"
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dest"; done
  rm -rf "$work"
}
