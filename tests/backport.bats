#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scripts/backport on small fake trees: every bad input gets a clear
# message and a non-zero exit, and leaves the tree exactly as it was.

load lib

setup() {
	W=$(mktemp -d)
	fake_tree "$W/tree" 4 14
	fake_series "$W/tree" "$W/patches" orig
	export NPU_PATCHES=$W/patches
	BEFORE=$(snapshot "$W/tree")
}

teardown() {
	rm -rf "$W"
}

unchanged() {
	[ "$(snapshot "$W/tree")" = "$BEFORE" ]
}

@test "backport: no arguments: usage error" {
	run "$TOP/scripts/backport"
	[ "$status" -eq 2 ]
	[[ $output == *"--tree DIR is required"* ]]
}

@test "backport: a bad --target, --series, --form or --variant is refused" {
	run "$TOP/scripts/backport" --tree "$W/tree" --target 4.14
	[ "$status" -eq 2 ]
	[[ $output == *"--target 4.14: expected vX.Y"* ]]
	run "$TOP/scripts/backport" --tree "$W/tree" --series v4.14
	[ "$status" -eq 2 ]
	[[ $output == *"unknown series 'v4.14'"* ]]
	run "$TOP/scripts/backport" --tree "$W/tree" --variant kasan
	[ "$status" -eq 2 ]
	[[ $output == *"unknown variant 'kasan'"* ]]
	run "$TOP/scripts/backport" --tree "$W/tree" --form stable
	[ "$status" -eq 2 ]
	[[ $output == *"unknown form 'stable': expected one of upstream adapted"* ]]
	run "$TOP/scripts/backport" --tree "$W/tree" --series nmmu
	[ "$status" -eq 2 ]
	[[ $output == *"its code is of the orig series, not nmmu"* ]]
	unchanged
}

@test "backport: not a git tree" {
	mkdir "$W/plain"
	echo hello >"$W/plain/file"
	local before
	before=$(snapshot "$W/plain")
	run "$TOP/scripts/backport" --tree "$W/plain" --target v4.14
	[ "$status" -eq 2 ]
	[[ $output == *"is not a git work tree"* ]]
	[ "$(snapshot "$W/plain")" = "$before" ]
	run "$TOP/scripts/backport" --tree "$W/nonexistent" --target v4.14
	[ "$status" -eq 2 ]
	[[ $output == *"no such directory"* ]]
}

@test "backport: a git tree that is not a kernel tree" {
	mkdir "$W/other"
	echo hello >"$W/other/README"
	git_q -C "$W/other" init -q
	git_q -C "$W/other" add -A
	git_q -C "$W/other" commit -q -m x
	local before
	before=$(snapshot "$W/other")
	run "$TOP/scripts/backport" --tree "$W/other" --target v4.14
	[ "$status" -eq 2 ]
	[[ $output == *"is not a Linux kernel tree"* ]]
	[ "$(snapshot "$W/other")" = "$before" ]
}

@test "backport: wrong kernel version" {
	fake_tree "$W/t413" 4 13
	local before
	before=$(snapshot "$W/t413")
	run "$TOP/scripts/backport" --tree "$W/t413" --target v4.14
	[ "$status" -eq 2 ]
	[[ $output == *"is Linux 4.13.7, not v4.14"* ]]
	[ "$(snapshot "$W/t413")" = "$before" ]
}

@test "backport: dirty tree is refused, with and without --in-place" {
	echo "line 41" >>"$W/tree/arch/powerpc/platforms/powernv/npu-dma.c"
	BEFORE=$(snapshot "$W/tree")
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14
	[ "$status" -eq 2 ]
	[[ $output == *"uncommitted changes"* ]]
	unchanged
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14 --in-place
	[ "$status" -eq 2 ]
	unchanged
}

@test "backport: other changes to npu-dma.c do not matter; a change to the lines a patch needs is named (exit 1)" {
	echo "line 41" >>"$W/tree/arch/powerpc/platforms/powernv/npu-dma.c"
	git_q -C "$W/tree" commit -q -am "an unrelated change"
	BEFORE=$(snapshot "$W/tree")
	run "$TOP/scripts/backport" --tree "$W/tree"
	[ "$status" -eq 0 ]
	[[ $output == *"its code is of the orig series"*"applies cleanly"* ]]
	unchanged
	# line 3 is context of the fix's one hunk
	sed -i 's/^line 3$/line 3 of our own/' "$W/tree/arch/powerpc/platforms/powernv/npu-dma.c"
	git_q -C "$W/tree" commit -q -am "a change of its own"
	BEFORE=$(snapshot "$W/tree")
	run "$TOP/scripts/backport" --tree "$W/tree"
	[ "$status" -eq 1 ]
	[[ $output == *"failing patch: "*"0001-fix.patch"* ]]
	[[ $output == *"patch failed: arch/powerpc/platforms/powernv/npu-dma.c:"* ]]
	unchanged
}

@test "backport: a tree that already has the fix (cherry-picked, another commit) is left alone, exit 3" {
	sed -i 's/^line 5$/line 5 npu_context_lock/' "$W/tree/arch/powerpc/platforms/powernv/npu-dma.c"
	git_q -C "$W/tree" commit -q -am "the fix, as a distribution took it"
	BEFORE=$(snapshot "$W/tree")
	run "$TOP/scripts/backport" --tree "$W/tree" --in-place
	[ "$status" -eq 3 ]
	[[ $output == *"the orig plain series (upstream form) is already applied"* ]]
	unchanged
}

@test "backport: default mode applies in a temporary repository and leaves the tree alone" {
	local git_before
	# the series' commits were made in this repository: without them, the
	# patched files' blobs are nowhere in it, as in a user's tree
	git -C "$W/tree" reflog expire --expire=now --all
	git -C "$W/tree" gc -q --prune=now
	git -C "$W/tree" status >/dev/null
	git_before=$(cd "$W/tree/.git" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14 --variant lockdep
	[ "$status" -eq 0 ]
	[[ $output == *"applies cleanly"* ]]
	unchanged
	# not a byte of its .git changed either: the tree is only read
	[ "$(cd "$W/tree/.git" && find . -type f -print0 | sort -z | xargs -0 sha256sum)" = "$git_before" ]
}

@test "backport: --branch keeps the result on a new branch, checkout untouched" {
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14 --branch npu-fix
	[ "$status" -eq 0 ]
	[ "$(git -C "$W/tree" rev-list --count master..npu-fix)" -eq 1 ]
	git -C "$W/tree" show npu-fix:arch/powerpc/platforms/powernv/npu-dma.c | grep -qx 'line 5 npu_context_lock'
	[ -z "$(git -C "$W/tree" status --porcelain)" ]
	[ "$(git -C "$W/tree" worktree list | wc -l)" -eq 1 ]
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14 --branch npu-fix
	[ "$status" -eq 2 ]
	[[ $output == *"already exists"* ]]
}

@test "backport: --in-place applies, then a second run says already applied" {
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14 --variant lockdep --in-place
	[ "$status" -eq 0 ]
	[ "$(git -C "$W/tree" rev-list --count HEAD)" -eq 3 ]
	BEFORE=$(snapshot "$W/tree")
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14 --variant lockdep --in-place
	[ "$status" -eq 3 ]
	[[ $output == *"already applied"* ]]
	unchanged
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14 --variant lockdep
	[ "$status" -eq 3 ]
	unchanged
}

@test "backport: a patch that fails half-way names the patch and hunk, tree unchanged" {
	rm -rf "$W/patches"
	fake_series "$W/tree" "$W/patches" orig broken
	BEFORE=$(snapshot "$W/tree")
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14 --variant lockdep
	[ "$status" -eq 1 ]
	[[ $output == *"failing patch: "*"0002-annotate.patch"* ]]
	[[ $output == *"patch failed: arch/powerpc/platforms/powernv/npu-dma.c"* ]]
	unchanged
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14 --variant lockdep --in-place
	[ "$status" -eq 1 ]
	[[ $output == *"0002-annotate.patch"* ]]
	unchanged
}

@test "backport: a git am in progress is refused" {
	mkdir "$W/tree/.git/rebase-apply"
	BEFORE=$(snapshot "$W/tree")
	run "$TOP/scripts/backport" --tree "$W/tree" --target v4.14 --in-place
	[ "$status" -eq 2 ]
	[[ $output == *"git am or rebase in progress"* ]]
	unchanged
}

@test "backport: --upstream checks every upstream id against that repository" {
	local p full
	p=$(ls "$W/patches/upstream/orig"/*.patch)
	# the fake fix commit (first line of the patch, and its "commit <id>
	# upstream." line) stands in for upstream; its object is in $W/tree,
	# not in a second, fresh tree of the same file
	full=$(head -n 1 "$p" | cut -d' ' -f2)
	grep -qx "commit $full upstream." "$p"
	fake_tree "$W/fresh" 4 14

	run "$TOP/scripts/backport" --tree "$W/fresh" --target v4.14 --upstream "$W/tree"
	[ "$status" -eq 0 ]
	[[ $output == *"every upstream id of "*"is a commit of $W/tree with the patch's subject"* ]]

	# the id is not there
	run "$TOP/scripts/backport" --tree "$W/fresh" --target v4.14 --upstream "$W/fresh"
	[ "$status" -eq 2 ]
	[[ $output == *"upstream commit $full is not in $W/fresh"* ]]

	# the id is there, with another subject
	sed -i 's/^Subject: \[PATCH\] fix$/Subject: [PATCH] another fix/' "$p"
	run "$TOP/scripts/backport" --tree "$W/fresh" --target v4.14 --upstream "$W/tree"
	[ "$status" -eq 2 ]
	[[ $output == *"commit $full in $W/tree is \"fix\", not \"another fix\""* ]]

	# no --upstream: nothing to check against, nothing said
	run "$TOP/scripts/backport" --tree "$W/fresh" --target v4.14
	[ "$status" -eq 0 ]
	[[ $output != *"upstream id"* ]]
}

@test "conflict markers: backport, build-test, mail and run-selftest refuse a half-merged npu-dma.c (exit 2), tree untouched" {
	# tests/fixtures/conflict-markers/: a real half-merged file, one of
	# whose sides has npu_context_lock
	local t=$W/moba before m f=arch/powerpc/platforms/powernv/npu-dma.c
	fake_tree "$t" 4 19
	cp "$TOP/tests/fixtures/conflict-markers/npu-dma.c" "$t/$f"
	git_q -C "$t" commit -q -am "Add 'techpack/audio/'"
	before=$(snapshot "$t")
	m="unresolved merge conflict markers"
	for cmd in "backport --tree $t" "backport --tree $t --in-place" "build-test --tree $t" \
		"mail --tree $t --outbox $W/outbox" "run-selftest --code tree --tree $t"; do
		# shellcheck disable=SC2086  # a command line
		NPU_CACHE=$W/cache run "$TOP"/scripts/$cmd
		echo "$cmd: $status: $output"
		[ "$status" -eq 2 ]
		[[ $output == *"$t (HEAD): $m"* ]]
		[[ $output == *"$f: lines 20, 24, 26, 43, 50, 51, 56, 59, 61, 69, 87, 89, 327, 329, 331, 449, 454, 458,"* ]]
		[[ $output != *"already applied"* ]]
		[ "$(snapshot "$t")" = "$before" ]
		[ ! -e "$W/outbox" ]
		[ ! -e "$W/cache/build-test/trees" ]
	done
	# the same file in powernv.h's place, or a ref of a repository
	git_q -C "$t" revert --no-edit HEAD >/dev/null
	run "$TOP/scripts/backport" --tree "$t"
	[ "$status" -ne 2 ] || [[ $output != *"$m"* ]]
	NPU_CACHE=$W/cache run "$TOP/scripts/build-test" --repo "$t" --ref HEAD~1
	[ "$status" -eq 2 ]
	[[ $output == *"$t (HEAD~1): $m"* ]]
	mkdir -p "$t/arch/powerpc/include/asm"
	printf 'a\n<<<<<<< ours\nb\n=======\nc\n>>>>>>> theirs\n' >"$t/arch/powerpc/include/asm/powernv.h"
	git_q -C "$t" add -A
	git_q -C "$t" commit -q -m "half-merged header"
	run "$TOP/scripts/backport" --tree "$t"
	[ "$status" -eq 2 ]
	[[ $output == *"arch/powerpc/include/asm/powernv.h: lines 2, 4, 6"* ]]
}
