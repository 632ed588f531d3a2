#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scripts/build-test: bad input on small fake trees.  (The real build of
# all ten series is in trees.bats and needs NPU_TREES.)

load lib

setup() {
	W=$(mktemp -d)
	mkdir "$W/trees"
	fake_tree "$W/trees/v4.14" 4 14
	fake_series "$W/trees/v4.14" "$W/patches" v4.14
	export NPU_PATCHES=$W/patches NPU_CACHE=$W/cache
	BEFORE=$(snapshot "$W/trees/v4.14")
}

teardown() {
	rm -rf "$W"
}

@test "build-test: no trees given" {
	NPU_TREES='' run "$TOP/scripts/build-test"
	[ "$status" -eq 2 ]
	[[ $output == *"set NPU_TREES or pass --trees"* ]]
}

@test "build-test: unknown target, unknown variant, missing tree" {
	run "$TOP/scripts/build-test" --trees "$W/trees" --targets v4.11
	[ "$status" -eq 2 ]
	[[ $output == *"unknown target 'v4.11'"* ]]
	run "$TOP/scripts/build-test" --trees "$W/trees" --targets v4.14 --variants kasan
	[ "$status" -eq 2 ]
	[[ $output == *"unknown variant 'kasan'"* ]]
	run "$TOP/scripts/build-test" --trees "$W/trees" --targets v4.13
	[ "$status" -eq 2 ]
	[[ $output == *"no tree for v4.13"* ]]
	[ "$(snapshot "$W/trees/v4.14")" = "$BEFORE" ]
}

@test "build-test: missing cross compiler" {
	NPU_CROSS=/nonexistent/powerpc64le-linux-gnu- run "$TOP/scripts/build-test" --trees "$W/trees" --targets v4.14
	[ "$status" -eq 2 ]
	[[ $output == *"cross compiler /nonexistent/powerpc64le-linux-gnu-gcc not found"* ]]
	[ "$(snapshot "$W/trees/v4.14")" = "$BEFORE" ]
	[ ! -e "$W/cache/build-test" ]
}

@test "build-test: a dirty tree or a tree that is not the unpatched base is refused before building" {
	echo "line 41" >>"$W/trees/v4.14/arch/powerpc/platforms/powernv/npu-dma.c"
	BEFORE=$(snapshot "$W/trees/v4.14")
	run "$TOP/scripts/build-test" --trees "$W/trees" --targets v4.14
	[ "$status" -eq 2 ]
	[[ $output == *"uncommitted changes"* ]]
	[ "$(snapshot "$W/trees/v4.14")" = "$BEFORE" ]
	git_q -C "$W/trees/v4.14" commit -q -am "other change"
	BEFORE=$(snapshot "$W/trees/v4.14")
	run "$TOP/scripts/build-test" --trees "$W/trees" --targets v4.14
	[ "$status" -eq 2 ]
	[[ $output == *"expected the unpatched"* ]]
	[ "$(snapshot "$W/trees/v4.14")" = "$BEFORE" ]
	[ ! -e "$W/cache/build-test" ]
}
