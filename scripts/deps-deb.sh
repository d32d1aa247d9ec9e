#!/usr/bin/env bash
# deps-deb.sh [HOST_ARCH]: install the Debian packages `make deb`,
# `make deb DEB_ARCH=arm64`, `make check-arm64` and tests/deb/check-deb.sh
# need, only those that are missing: arm64 as a foreign architecture, the
# cross toolchain, qemu, the packaging tools and the -dev packages for both
# architectures. Used by `make deb`, `make check-arm64` and .ci/run.
#
# HOST_ARCH (default: this machine's) is the architecture about to be built.
# A -dev package that is not "Multi-Arch: same" cannot be installed for two
# architectures at once (in bookworm: libevent-dev, whose event2/event-config.h
# differs per architecture); it is installed for HOST_ARCH only, replacing the
# other one. The cross targets call this again without HOST_ARCH when done, so
# the native build (`make check`) finds its libevent-dev again.
set -euo pipefail
build_arch=$(dpkg --print-architecture)
cross_arch=arm64
host_arch=${1:-$build_arch}
libs=(libevent-dev libcurl4-openssl-dev libjson-c-dev libsqlite3-dev libexpat1-dev libssl-dev
      libqrencode-dev)
pkgs=(build-essential dpkg-dev debhelper fakeroot pkg-config file man-db systemd
      "crossbuild-essential-$cross_arch" qemu-user-static "pkgconf:$cross_arch")

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
# multiarch PKG: its Multi-Arch field, from dpkg when it is installed (fast).
multiarch() {
	local a m
	for a in "$build_arch" "$cross_arch"; do
		m=$(dpkg-query -W -f='${Status} ${Multi-Arch}' "$1:$a" 2>/dev/null) || continue
		case $m in "install ok installed"*) echo "${m##* }"; return ;; esac
	done
	apt-cache show --no-all-versions "$1:$cross_arch" 2>/dev/null | sed -n 's/^Multi-Arch: //p'
}
update=
if ! dpkg --print-foreign-architectures | grep -qx "$cross_arch"; then
	echo "deps-deb: adding the $cross_arch architecture" >&2
	$SUDO dpkg --add-architecture "$cross_arch"
	$SUDO apt-get update -qq
	update=yes
fi

remove=()
for l in "${libs[@]}"; do
	if [ "$(multiarch "$l")" = same ]; then
		pkgs+=("$l:$build_arch" "$l:$cross_arch")
	else
		pkgs+=("$l:$host_arch")
		for a in "$build_arch" "$cross_arch"; do
			[ "$a" = "$host_arch" ] || ! installed "$l:$a" || remove+=("$l:$a")
		done
	fi
done
missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt_get() {
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get -y -qq "$@" >"$log" 2>&1 \
		|| { cat "$log" >&2; echo "deps-deb: apt-get $* failed" >&2; exit 1; }
}
[ -n "$update" ] || apt_get update
if [ ${#remove[@]} -gt 0 ]; then
	echo "deps-deb: ${remove[*]} cannot sit beside its $host_arch twin (not Multi-Arch: same): removing it" >&2
	apt_get remove "${remove[@]}"
fi
echo "deps-deb: installing ${missing[*]}" >&2
# --no-remove: apt may remove nothing else (pkgconf:arm64, say, must sit
# beside the build machine's pkg-config, not replace it).
apt_get install --no-install-recommends --no-remove "${missing[@]}"
for t in pkg-config "$(dpkg-architecture -qDEB_HOST_GNU_TYPE -a"$cross_arch" 2>/dev/null)-pkg-config"; do
	command -v "$t" >/dev/null || { echo "deps-deb: $t is missing after the install" >&2; exit 1; }
done
