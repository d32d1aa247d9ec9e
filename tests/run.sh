#!/usr/bin/env bash
# tests/run.sh UNIT_BIN...: run the unit test programs given, then (unless
# SKIP_INTEGRATION=1) the Python integration tests, and end with one line
# "N passed, N failed". Exit status 0 only when nothing failed.
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build/plain}"
: "${PYTHON:=python3}"
# The official SigV4 vectors and sample events: ../shared when a checkout
# sits beside it, else the copies in tests/vectors.
if [ -z "${STINGY_SHARED:-}" ]; then
	if [ -d ../shared/aws-sigv4-test-suite ]; then
		STINGY_SHARED=$(cd .. && pwd)/shared
	else
		STINGY_SHARED=$PWD/tests/vectors
	fi
fi
export STINGY_SHARED BUILD
export STINGY_BIN="$PWD/$BUILD/stingy-vpn"
# Sanitizer runtime options: fail hard, report leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

passed=0 failed=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# TEST_EXEC: a command put before each unit test program, such as
# qemu-aarch64-static for a cross build (split on spaces: "qemu-aarch64-static -L /x").
read -r -a test_exec <<<"${TEST_EXEC:-}"

for t in "$@"; do
	name=$(basename "$t")
	if ${test_exec[@]+"${test_exec[@]}"} "$t" >"$log/$name.out" 2>&1; then rc=0; else rc=$?; fi
	line=$(grep -E '^[a-z_0-9]+: [0-9]+ passed, [0-9]+ failed$' "$log/$name.out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "unit  $name: no summary line (exit $rc)"
		tail -n 30 "$log/$name.out"
		failed=$((failed + 1))
		continue
	fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed or leaked after its summary
	fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		echo "unit  $name: $p passed, $f failed (exit $rc)"
		grep -E '^FAIL|ERROR|Sanitizer|runtime error' "$log/$name.out" | head -n 40
	else
		echo "unit  $name: $p passed"
	fi
done

if [ "${SKIP_INTEGRATION:-0}" != 1 ] && [ -d tests/integration ]; then
	if "$PYTHON" tests/integration/run.py >"$log/integration.out" 2>&1; then rc=0; else rc=$?; fi
	line=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed$' "$log/integration.out" | tail -n 1)
	cat "$log/integration.out" | grep -vE '^integration: [0-9]+ passed' | tail -n 200
	if [ -z "$line" ]; then
		echo "integration: no summary line (exit $rc)"
		failed=$((failed + 1))
	else
		p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
		passed=$((passed + p)); failed=$((failed + f))
		echo "integration: $p passed, $f failed"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
