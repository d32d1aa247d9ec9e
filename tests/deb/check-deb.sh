#!/usr/bin/env bash
# tests/deb/check-deb.sh: check the packages `make deb` and
# `make deb DEB_ARCH=arm64` left in build/deb/ (DEB_DIR overrides).
#   amd64 (the build machine's architecture): its metadata and contents, then
#     a real `dpkg -i` (root; it purges an installed stingy-vpn first):
#     --version, check of the example, man, systemd-analyze verify, the unit
#     not enabled; then `dpkg -r` and `dpkg --purge` leave nothing behind.
#   arm64: its metadata, then the extracted binary under qemu-aarch64-static.
# One PASS/FAIL line per check; exits 1 if any failed. Not part of
# `make check` (it needs root and dpkg); .ci/run runs it after `make deb`.
# shellcheck disable=SC2016 # the bash -c scripts expand their own "$1"
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
: "${DEB_DIR:=build/deb}"
: "${VERSION:=$(sed -n 's/^VERSION *:= *//p' Makefile)}"
native=$(dpkg --print-architecture)
cross=arm64
failed=0 passed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS  $*"; passed=$((passed + 1)); }
fail() { echo "FAIL  $*"; failed=$((failed + 1)); }
# check "what" command...: PASS when the command succeeds; its output on FAIL.
check() {
	local what=$1; shift
	if "$@" >"$tmp/out" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/      /' "$tmp/out" | head -n 20; fi
}
deb_for() { echo "$DEB_DIR/stingy-vpn_${VERSION}_$1.deb"; }

# The metadata and contents every package must have.
check_meta() {
	local arch=$1 deb
	deb=$(deb_for "$arch")
	if [ ! -f "$deb" ]; then
		fail "$arch: $deb exists (run make deb${arch:+ DEB_ARCH=$arch})"
		return 1
	fi
	pass "$arch: $deb exists"
	check "$arch: Architecture is $arch" \
		test "$(dpkg-deb -f "$deb" Architecture)" = "$arch"
	check "$arch: Version is $VERSION" test "$(dpkg-deb -f "$deb" Version)" = "$VERSION"
	check "$arch: Depends names libevent ($(dpkg-deb -f "$deb" Depends | grep -o 'libevent[^,]*'))" \
		grep -q libevent <<<"$(dpkg-deb -f "$deb" Depends)"
	dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/$arch.list"
	check "$arch: contains /usr/bin/stingy-vpn" grep -qx /usr/bin/stingy-vpn "$tmp/$arch.list"
	check "$arch: contains the unit in /lib/systemd/system or /usr/lib/systemd/system" \
		grep -qxE '(/usr)?/lib/systemd/system/stingy-vpn.service' "$tmp/$arch.list"
	check "$arch: contains the man page stingy-vpn(8)" \
		grep -qE '^/usr/share/man/man8/stingy-vpn\.8(\.gz)?$' "$tmp/$arch.list"
	check "$arch: contains the man page desired.conf(5)" \
		grep -qE '^/usr/share/man/man5/desired\.conf\.5(\.gz)?$' "$tmp/$arch.list"
	check "$arch: contains desired.conf.example" grep -q '/desired\.conf\.example$' "$tmp/$arch.list"
}

version_is() { # version_is CMD...: the command prints "stingy-vpn VERSION"
	local out
	out=$("$@" --version 2>&1) || { echo "exit $?: $out"; return 1; }
	echo "$out"
	grep -qx "stingy-vpn $VERSION" <<<"$out"
}

# ---- the build machine's package, installed for real ----
if check_meta "$native"; then
	deb=$(deb_for "$native")
	if [ "$(id -u)" -ne 0 ]; then
		fail "$native: install checks need root"
	else
		if dpkg-query -W -f='${Status}' stingy-vpn 2>/dev/null | grep -q 'ok'; then
			echo "note  purging the stingy-vpn installed before the test"
			dpkg --purge stingy-vpn >/dev/null 2>&1
		fi
		check "$native: dpkg -i" dpkg -i "$deb"
		unit=$(grep -xE '(/usr)?/lib/systemd/system/stingy-vpn.service' "$tmp/$native.list" | head -n 1)
		: "${unit:=/usr/lib/systemd/system/stingy-vpn.service}"
		example=$(grep '/desired\.conf\.example$' "$tmp/$native.list" | head -n 1)
		check "$native: stingy-vpn --version prints $VERSION" version_is /usr/bin/stingy-vpn
		check "$native: stingy-vpn check -c $example" /usr/bin/stingy-vpn check -c "$example"
		check "$native: man -w stingy-vpn" man -w stingy-vpn
		check "$native: man -w desired.conf" man -w 5 desired.conf
		# Clean means: exit 0 and not a line of complaint.
		check "$native: systemd-analyze verify $unit is clean" \
			bash -c 'out=$(systemd-analyze verify "$1" 2>&1); rc=$?; echo "$out"; [ $rc -eq 0 ] && [ -z "$out" ]' _ "$unit"
		check "$native: not enabled (no multi-user.target.wants link)" \
			test ! -e /etc/systemd/system/multi-user.target.wants/stingy-vpn.service
		check "$native: systemctl is-enabled says disabled" \
			bash -c '[ "$(systemctl is-enabled stingy-vpn.service 2>&1)" = disabled ]'
		check "$native: dpkg -r" dpkg -r stingy-vpn
		check "$native: dpkg --purge" dpkg --purge stingy-vpn
		check "$native: dpkg knows no stingy-vpn any more" \
			bash -c '! dpkg-query -W -f="\${Status}" stingy-vpn 2>/dev/null | grep -q ok'
		# Every path the package shipped is gone, but the shared directories.
		left=()
		while read -r p; do
			[ -e "$p" ] || [ -L "$p" ] || continue
			[ -d "$p" ] && ! [ -L "$p" ] && case $p in */stingy-vpn|*/stingy-vpn/) ;; *) continue ;; esac
			left+=("$p")
		done <"$tmp/$native.list"
		for p in /var/lib/stingy-vpn /var/lib/private/stingy-vpn \
			/var/lib/systemd/deb-systemd-helper-enabled/stingy-vpn.service.dsh-also \
			/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/stingy-vpn.service; do
			[ -e "$p" ] && left+=("$p")
		done
		check "$native: nothing left after purge${left[*]:+ (left: ${left[*]})}" test ${#left[@]} -eq 0
	fi
fi

# ---- the cross package, run under qemu ----
if check_meta "$cross"; then
	deb=$(deb_for "$cross")
	root=$tmp/root-$cross
	check "$cross: dpkg-deb -x" dpkg-deb -x "$deb" "$root"
	check "$cross: usr/bin/stingy-vpn is an ARM aarch64 binary" \
		bash -c 'file -L "$1" | grep -q "ARM aarch64"' _ "$root/usr/bin/stingy-vpn"
	if command -v qemu-aarch64-static >/dev/null; then
		example=$root$(grep '/desired\.conf\.example$' "$tmp/$cross.list" | head -n 1)
		check "$cross: qemu: stingy-vpn --version prints $VERSION" \
			version_is qemu-aarch64-static "$root/usr/bin/stingy-vpn"
		check "$cross: qemu: stingy-vpn check -c the packaged desired.conf.example" \
			qemu-aarch64-static "$root/usr/bin/stingy-vpn" check -c "$example"
	else
		fail "$cross: qemu-aarch64-static is installed (bash scripts/deps-deb.sh)"
	fi
fi

echo "check-deb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
