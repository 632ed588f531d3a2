#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scripts/install-deps when the package mirror is not all there: an index
# that fails to update (a mirror in the middle of a sync), a package no
# index lists, an install or download that fails once.  apt-get, dpkg and
# friends are the stand-ins of fixtures/apt-stub/, so nothing is
# installed on the machine; the tools list is one of the test's own.

load lib

setup() {
	export APT_STUB=$BATS_TEST_TMPDIR/apt
	mkdir -p "$APT_STUB/bin"
	BOX=$BATS_TEST_TMPDIR/root/usr/local/lib/npu-context/ppc64el/busybox
	export NPU_TOOLS=$BATS_TEST_TMPDIR/tools.tsv
	printf '%s\t%s\t%s\n' '# key' package 'used by' \
		cmd:npu-fake-a npu-fake-a test \
		cmd:npu-fake-b npu-fake-b test \
		"file:$BOX" busybox-static:ppc64el test >"$NPU_TOOLS"
	export NPU_APT_DELAY=0
	STUBPATH=$TOP/tests/fixtures/apt-stub:$APT_STUB/bin:$PATH
}

deps() {
	PATH=$STUBPATH run "$TOP/scripts/install-deps"
}

# every package installed, the foreign one unpacked, its architecture gone
all_there() {
	[ -x "$APT_STUB/bin/npu-fake-a" ]
	[ -x "$APT_STUB/bin/npu-fake-b" ]
	[ "$("$BOX")" = busybox-static ]
	[ ! -s "$APT_STUB/foreign" ]
}

@test "install-deps: a mirror mid-sync (update fails every time) still installs what it can" {
	echo always >"$APT_STUB/update-fails"
	deps
	echo "$output"
	[ "$status" -eq 0 ]
	all_there
	[[ $output == *"Mirror sync in progress?"* ]]
	[[ $output == *"apt-get update failed 3 times; going on with the indexes it has"* ]]
	[[ $output == *"every tool of"* ]]
	# tried three times, each time it was needed: before the install,
	# before the download (ppc64el added), after it (ppc64el removed)
	[ "$(grep -c '^apt-get .*update' "$APT_STUB/calls")" -eq 9 ]
	grep -q '^dpkg --add-architecture ppc64el$' "$APT_STUB/calls"
	grep -q '^dpkg --remove-architecture ppc64el$' "$APT_STUB/calls"
}

@test "install-deps: an update that fails once is retried, and no warning is left" {
	echo 1 >"$APT_STUB/update-fails"
	deps
	echo "$output"
	[ "$status" -eq 0 ]
	all_there
	[[ $output == *"apt-get update failed (try 1 of 3)"* ]]
	[[ $output != *"going on with the indexes it has"* ]]
}

@test "install-deps: an install that fails once is retried, package by package" {
	echo 1 >"$APT_STUB/install-fails"
	deps
	echo "$output"
	[ "$status" -eq 0 ]
	all_there
	[[ $output == *"Hash Sum mismatch"* ]]
	grep -qx 'apt-get install -y -q --no-install-recommends npu-fake-b' "$APT_STUB/calls"
}

@test "install-deps: a package no index lists fails the run, named, after the others are in" {
	echo always >"$APT_STUB/update-fails"
	echo npu-fake-b >"$APT_STUB/unavailable"
	deps
	echo "$output"
	[ "$status" -eq 1 ]
	[ -x "$APT_STUB/bin/npu-fake-a" ]
	[ ! -e "$APT_STUB/bin/npu-fake-b" ]
	[ "$("$BOX")" = busybox-static ]
	[[ $output == *"these packages could not be had: npu-fake-b"* ]]
	[[ $output == *"Unable to locate package npu-fake-b"* ]]
	[[ $output == *"npu-fake-b not found (Debian's npu-fake-b)"* ]]
	[[ $output != *"every tool of"* ]]
}

@test "install-deps: a download that keeps failing is named, and the architecture is removed again" {
	echo busybox-static:ppc64el >"$APT_STUB/unavailable"
	deps
	echo "$output"
	[ "$status" -eq 1 ]
	[ -x "$APT_STUB/bin/npu-fake-a" ]
	[ ! -e "$BOX" ]
	[ ! -s "$APT_STUB/foreign" ]
	[ "$(grep -c '^apt-get .*download' "$APT_STUB/calls")" -eq 3 ]
	[[ $output == *"these packages could not be had: busybox-static:ppc64el"* ]]
}

@test "install-deps: a second run installs nothing" {
	deps
	[ "$status" -eq 0 ]
	: >"$APT_STUB/calls"
	deps
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q '^apt-get' "$APT_STUB/calls" || false
}

@test "install-deps: interrupted while it retries a download, it removes the architecture it added" {
	local pid i
	echo busybox-static:ppc64el >"$APT_STUB/unavailable"
	NPU_APT_DELAY=5 PATH=$STUBPATH "$TOP/scripts/install-deps" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'download .*busybox-static:ppc64el' "$APT_STUB/calls" 2>/dev/null && break
		sleep 0.1
	done
	grep -qx 'ppc64el' "$APT_STUB/foreign"
	kill -TERM "$pid"
	wait "$pid" || true
	cat "$BATS_TEST_TMPDIR/out"
	[ ! -s "$APT_STUB/foreign" ]
	grep -q '^dpkg --remove-architecture ppc64el$' "$APT_STUB/calls"
}
