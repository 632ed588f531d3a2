#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scripts/build-test: bad input on small fake trees.  (The real build of
# all ten series is in trees.bats and needs NPU_TREES.)

load lib

setup() {
	W=$(mktemp -d)
	mkdir "$W/trees"
	fake_tree "$W/trees/v4.14" 4 14
	fake_series "$W/trees/v4.14" "$W/patches" orig
	export NPU_PATCHES=$W/patches NPU_CACHE=$W/cache
	BEFORE=$(snapshot "$W/trees/v4.14")
}

teardown() {
	rm -rf "$W"
}

@test "build-test: no trees given" {
	NPU_TREES='' run "$TOP/scripts/build-test"
	[ "$status" -eq 2 ]
	[[ $output == *"no trees: pass --tree DIR, --trees DIR or --repo GITDIR --ref REF, or set NPU_TREES"* ]]
}

@test "build-test: bad arguments and trees are refused before anything is built" {
	run "$TOP/scripts/build-test" --tree "$W/trees/v4.14" --variants kasan
	[ "$status" -eq 2 ]
	[[ $output == *"unknown variant 'kasan'"* ]]
	run "$TOP/scripts/build-test" --tree "$W/trees/v4.14" --forms stable
	[ "$status" -eq 2 ]
	[[ $output == *"unknown form 'stable'"* ]]
	run "$TOP/scripts/build-test" --tree "$W/nonexistent"
	[ "$status" -eq 2 ]
	[[ $output == *"no such directory"* ]]
	mkdir "$W/empty"
	run "$TOP/scripts/build-test" --trees "$W/empty"
	[ "$status" -eq 2 ]
	[[ $output == *"no git checkout below it"* ]]
	run "$TOP/scripts/build-test" --ref v4.14.7
	[ "$status" -eq 2 ]
	[[ $output == *"--ref needs --repo GITDIR"* ]]
	run "$TOP/scripts/build-test" --repo "$W/trees/v4.14"
	[ "$status" -eq 2 ]
	[[ $output == *"needs at least one --ref"* ]]
	run "$TOP/scripts/build-test" --repo "$W/trees/v4.14" --ref v9.9
	[ "$status" -eq 2 ]
	[[ $output == *"--ref v9.9: no such commit"* ]]
	[ "$(snapshot "$W/trees/v4.14")" = "$BEFORE" ]
	[ ! -e "$W/cache/build-test" ]
}

@test "build-test: missing cross compiler" {
	NPU_CROSS=/nonexistent/powerpc64le-linux-gnu- run "$TOP/scripts/build-test" --trees "$W/trees"
	[ "$status" -eq 2 ]
	[[ $output == *"cross compiler /nonexistent/powerpc64le-linux-gnu-gcc not found"* ]]
	[ "$(snapshot "$W/trees/v4.14")" = "$BEFORE" ]
	[ ! -e "$W/cache/build-test" ]
}

@test "build-test: a dirty tree is refused before building" {
	echo "line 41" >>"$W/trees/v4.14/arch/powerpc/platforms/powernv/npu-dma.c"
	BEFORE=$(snapshot "$W/trees/v4.14")
	run "$TOP/scripts/build-test" --trees "$W/trees"
	[ "$status" -eq 2 ]
	[[ $output == *"uncommitted changes"* ]]
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
	fake_tree "$W/t415" 4 15
	fake_kbuild "$W/t415"
	fake_series "$W/t415" "$W/p415" nmmu
	local run c
	c=$(git -C "$W/t415" rev-parse HEAD)
	for run in cold warm; do
		NPU_PATCHES=$W/p415 run "$TOP/scripts/build-test" --tree "$W/t415" --variants plain \
			--matrix "$W/matrix-$run.txt" --no-cache
		echo "$run: $output"
		grep -q -E '^t415 +4\.15\.7 +nmmu +upstream +plain +ok +ok +0 +0 ' "$W/matrix-$run.txt"
		grep -q -E '^t415 +4\.15\.7 +nmmu +adapted +plain +ok +ok +0 +0 ' "$W/matrix-$run.txt"
		[ ! -e "$W/cache/build-test/src/${c:0:16}/.config" ]
	done
	# the user's tree keeps its .config
	[ -f "$W/t415/.config" ]
	[ -z "$(git -C "$W/t415" status --porcelain)" ]
}

@test "build-test: a row whose inputs did not change is kept, a changed series is rebuilt" {
	fake_tree "$W/t415" 4 15
	fake_kbuild "$W/t415"
	fake_series "$W/t415" "$W/p415" nmmu
	export NPU_PATCHES=$W/p415
	run "$TOP/scripts/build-test" --tree "$W/t415" --matrix "$W/m1.txt"
	[ "$(grep -c '(kept)' "$W/m1.txt")" -eq 0 ]
	run "$TOP/scripts/build-test" --tree "$W/t415" --matrix "$W/m2.txt"
	echo "$output"
	[ "$(grep -c -E '^t415 .* 0  \(kept\)' "$W/m2.txt")" -eq 4 ]
	diff <(sed 's/ *[0-9]* *(kept).*//; s/ *[0-9]* *(logs.*//' "$W/m1.txt" | awk '{ NF--; print }') \
		<(sed 's/ *[0-9]* *(kept).*//; s/ *[0-9]* *(logs.*//' "$W/m2.txt" | awk '{ NF--; print }')
	echo "# a comment" >>"$W/p415/upstream/nmmu-lockdep/0002-annotate.patch"
	run "$TOP/scripts/build-test" --tree "$W/t415" --matrix "$W/m3.txt"
	grep -q -E '^t415 .* upstream +plain .*\(kept\)' "$W/m3.txt"
	grep -q -E '^t415 .* adapted +lockdep .*\(kept\)' "$W/m3.txt"
	! grep -q -E '^t415 .* upstream +lockdep .*\(kept\)' "$W/m3.txt"
}

@test "build-test: where the upstream form does not apply, its row says n/a and is no failure" {
	fake_tree "$W/t415" 4 15
	fake_kbuild "$W/t415"
	fake_series "$W/t415" "$W/p415" nmmu
	# the upstream form's context is not this tree's
	sed -i 's/^ line 4$/ line 4 elsewhere/' "$W/p415/upstream/nmmu/"*.patch
	NPU_PATCHES=$W/p415 run "$TOP/scripts/build-test" --tree "$W/t415" --variants plain --matrix "$W/m.txt"
	echo "$output"
	grep -q -E '^t415 +4\.15\.7 +nmmu +upstream +plain +n/a +- .* n/a .*the upstream form does not apply to 4\.15\.7: adapted only' "$W/m.txt"
	grep -q -E '^t415 +4\.15\.7 +nmmu +adapted +plain +ok +ok +0 +0 ' "$W/m.txt"
}

@test "build-test: one repository and refs, built in scratch copies; the repository is only read" {
	fake_tree "$W/repo" 4 15
	fake_kbuild "$W/repo"
	fake_series "$W/repo" "$W/p415" nmmu
	git_q -C "$W/repo" tag v4.15.7
	echo "line 41" >>"$W/repo/arch/powerpc/platforms/powernv/npu-dma.c"
	git_q -C "$W/repo" commit -q -am "4.15.8: an unrelated change"
	git_q -C "$W/repo" branch linux-4.15.y
	git_q -C "$W/repo" checkout -q v4.15.7
	local before
	before=$(snapshot "$W/repo")
	NPU_PATCHES=$W/p415 run "$TOP/scripts/build-test" --repo "$W/repo" --ref v4.15.7 --ref linux-4.15.y \
		--variants plain --matrix "$W/m.txt"
	echo "$output"
	grep -q -E '^v4\.15\.7 +4\.15\.7 +nmmu +upstream +plain +ok +ok ' "$W/m.txt"
	grep -q -E '^linux-4\.15\.y +4\.15\.7 +nmmu +adapted +plain +ok +ok ' "$W/m.txt"
	[ "$(snapshot "$W/repo")" = "$before" ]
}
