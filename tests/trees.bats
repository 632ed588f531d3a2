#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The real series on the real stable trees (NPU_TREES: one checkout per
# target, named like the targets).  Without NPU_TREES every test skips.

load lib

@test "trees: every series applies with git am to its tree, which stays untouched" {
	need_trees
	local t v before
	for t in $TARGETS; do
		before=$(git -C "$NPU_TREES/$t" rev-parse HEAD; git -C "$NPU_TREES/$t" status --porcelain; git -C "$NPU_TREES/$t" worktree list --porcelain | grep -v '^HEAD')
		for v in plain lockdep; do
			run "$TOP/scripts/backport" --tree "$NPU_TREES/$t" --target "$t" --variant "$v"
			[ "$status" -eq 0 ] || { echo "$t $v: $output"; return 1; }
		done
		[ "$before" = "$(git -C "$NPU_TREES/$t" rev-parse HEAD; git -C "$NPU_TREES/$t" status --porcelain; git -C "$NPU_TREES/$t" worktree list --porcelain | grep -v '^HEAD')" ]
	done
}

@test "trees: an applied series is detected as applied" {
	need_trees
	local out=$BATS_TEST_TMPDIR/applied
	run "$TOP/scripts/backport" --tree "$NPU_TREES/v4.14" --target v4.14 --variant lockdep --output "$out"
	[ "$status" -eq 0 ]
	run "$TOP/scripts/backport" --tree "$out" --target v4.14 --variant lockdep
	git -C "$NPU_TREES/v4.14" worktree remove --force "$out"
	[ "$status" -eq 3 ]
	[[ $output == *"already applied"* ]]
}

@test "trees: build-test builds all 10 series with no new W=1 or sparse warnings" {
	need_trees
	run "$TOP/scripts/build-test" --trees "$NPU_TREES" --matrix "$BATS_TEST_TMPDIR/matrix.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c -E '^v4\.1[2-6] +(plain|lockdep) +ok +ok +0 +0 +ok ' "$BATS_TEST_TMPDIR/matrix.txt")" -eq 10 ]
	grep -q 'all 10 rows green' "$BATS_TEST_TMPDIR/matrix.txt"
}
