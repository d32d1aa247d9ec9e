#!/usr/bin/env bash
# deps.sh: install the Debian packages stingy-vpn needs to build and test,
# only those that are missing. Used by `make check`, `make demo` and .ci/run.
set -euo pipefail
pkgs=(build-essential pkg-config libevent-dev libcurl4-openssl-dev libjson-c-dev
      libsqlite3-dev libexpat1-dev libssl-dev clang sqlite3 curl
      shellcheck wireguard-tools wireguard-go iproute2)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
		|| missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
