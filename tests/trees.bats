#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The series on real stable trees (NPU_TREES: a directory of kernel
# checkouts, named as you like).  Without NPU_TREES every test skips.

load lib

@test "trees: the series that fits applies with git am to every tree, which stays untouched" {
	need_trees
	local d v before n=0
	while read -r d; do
		n=$((n + 1))
		before=$(git -C "$d" rev-parse HEAD; git -C "$d" status --porcelain; git -C "$d" worktree list --porcelain | grep -v '^HEAD')
		for v in plain lockdep; do
			run "$TOP/scripts/backport" --tree "$d" --variant "$v"
			[ "$status" -eq 0 ] || { echo "$d $v: $output"; return 1; }
			[[ $output == *"the code of the three functions is that of the "*" series"* ]]
		done
		[ "$before" = "$(git -C "$d" rev-parse HEAD; git -C "$d" status --porcelain; git -C "$d" worktree list --porcelain | grep -v '^HEAD')" ]
	done < <(stable_trees)
	[ "$n" -ge 1 ]
}

@test "trees: an applied series is detected as applied" {
	need_trees
	local out=$BATS_TEST_TMPDIR/applied d
	d=$(stable_trees | head -n 1)
	run "$TOP/scripts/backport" --tree "$d" --variant lockdep --output "$out"
	[ "$status" -eq 0 ]
	run "$TOP/scripts/backport" --tree "$out" --variant lockdep
	rm -rf "$out"
	[ "$status" -eq 3 ]
	[[ $output == *"already applied"* ]]
}

@test "trees: build-test builds every tree's series with no new W=1 or sparse warnings" {
	need_trees
	local n
	n=$(stable_trees | wc -l)
	run "$TOP/scripts/build-test" --trees "$NPU_TREES" --matrix "$BATS_TEST_TMPDIR/matrix.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c -E ' (plain|lockdep) +ok +ok +0 +0 +ok +ok +- +ok ' "$BATS_TEST_TMPDIR/matrix.txt")" -eq $((2 * n)) ]
	grep -q "all $((2 * n)) rows green" "$BATS_TEST_TMPDIR/matrix.txt"
}
