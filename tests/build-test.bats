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

# fake_kbuild DIR: turn the fake tree DIR into one that tracks a .config (as
# the v4.15.1 snapshot does) and whose Makefile refuses an O= build while
# the source tree has one, at prepare, as kbuild of v4.15 does.  Every other
# target succeeds without building anything.
fake_kbuild() {
	local d=$1
	cat >>"$d/Makefile" <<'MK'
.SUFFIXES:
prepare:
	@if [ -n "$(O)" ] && [ -f $(CURDIR)/.config ]; then \
		echo "  $(CURDIR) is not clean, please run 'make mrproper'" >&2; false; fi
%config:
	@mkdir -p $(O) && touch $(O)/.config
mrproper:
	@rm -f .config
%:
	@:
MK
	mkdir -p "$d/scripts/kconfig"
	cat >"$d/scripts/kconfig/merge_config.sh" <<'SH'
#!/bin/sh
# merge_config.sh -m -O DIR BASE FRAGMENT...: concatenate
shift 2; out=$1; shift
cat "$@" >"$out/.config.new" && mv "$out/.config.new" "$out/.config"
SH
	chmod +x "$d/scripts/kconfig/merge_config.sh"
	echo 'CONFIG_FROM_SOMEONE_ELSE=y' >"$d/.config"
	git_q -C "$d" add -A
	git_q -C "$d" commit -q -m "kbuild stand-in, tracked .config"
}

@test "build-test: a base that tracks a .config builds cold and warm (v4.15.1)" {
	fake_tree "$W/trees/v4.15" 4 15
	fake_kbuild "$W/trees/v4.15"
	fake_series "$W/trees/v4.15" "$W/p415" v4.15
	local run
	for run in cold warm; do
		NPU_PATCHES=$W/p415 run "$TOP/scripts/build-test" --trees "$W/trees" --targets v4.15 \
			--variants plain --matrix "$W/matrix-$run.txt"
		echo "$run: $output"
		grep -q -E '^v4\.15 +plain +ok +ok +0 +0 ' "$W/matrix-$run.txt"
		[ ! -e "$W/cache/build-test/src/v4.15/.config" ]
	done
	# the user's tree keeps its .config
	[ -f "$W/trees/v4.15/.config" ]
	[ -z "$(git -C "$W/trees/v4.15" status --porcelain)" ]
}
