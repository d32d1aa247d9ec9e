#!/usr/bin/env bash
# deps.sh: install the Debian packages stingy-vpn needs to build and test,
# only those that are missing. Used by `make check`, `make demo` and .ci/run.
set -euo pipefail
# The -dev libraries are asked for in the build machine's own architecture:
# bookworm's libevent-dev exists for one architecture at a time, and
# scripts/deps-deb.sh swaps in the arm64 one for cross builds.
arch=$(dpkg --print-architecture)
pkgs=(build-essential pkg-config "libevent-dev:$arch" "libcurl4-openssl-dev:$arch"
      "libjson-c-dev:$arch" "libsqlite3-dev:$arch" "libexpat1-dev:$arch" "libssl-dev:$arch"
      "libqrencode-dev:$arch"
      clang sqlite3 curl shellcheck wireguard-tools wireguard-go iproute2
      systemd man-db groff-base mandoc nftables iputils-ping util-linux zbar-tools)
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
