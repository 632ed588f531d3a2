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
			# the form it picks (upstream where it applies), then each
			run "$TOP/scripts/backport" --tree "$d" --variant "$v"
			[ "$status" -eq 0 ] || { echo "$d $v: $output"; return 1; }
			[[ $output == *"its code is of the "*" series"*": 1b2c2b12386f "* ]]
			run "$TOP/scripts/backport" --tree "$d" --variant "$v" --form adapted
			[ "$status" -eq 0 ] || { echo "$d $v adapted: $output"; return 1; }
			if [ "$(pick_form "$d" "$(tree_code "$d")" "$v")" = upstream ]; then
				run "$TOP/scripts/backport" --tree "$d" --variant "$v" --form upstream
				[ "$status" -eq 0 ] || { echo "$d $v upstream: $output"; return 1; }
			fi
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
	local n na=0 d
	n=$(stable_trees | wc -l)
	# the trees the upstream form does not apply to (none of the
	# snapshots since orig-4.12) get n/a rows
	while read -r d; do
		[ "$(pick_form "$d" "$(tree_code "$d")" plain)" = upstream ] || na=$((na + 2))
	done < <(stable_trees)
	run "$TOP/scripts/build-test" --trees "$NPU_TREES" --matrix "$BATS_TEST_TMPDIR/matrix.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c -E ' (upstream|adapted) +(plain|lockdep) +ok +ok +0 +0 +ok +ok +- +ok ' "$BATS_TEST_TMPDIR/matrix.txt")" -eq $((4 * n - na)) ]
	[ "$(grep -c -E ' upstream +(plain|lockdep) +n/a ' "$BATS_TEST_TMPDIR/matrix.txt")" -eq "$na" ]
	grep -q "all $((4 * n)) rows green" "$BATS_TEST_TMPDIR/matrix.txt"
}

@test "trees: two build-tests at once on one new cache both end green; one waits and keeps the other's rows" {
	need_trees
	local d c=$BATS_TEST_TMPDIR/cache s1=0 s2=0 waited=2 first=1 wait_msg='another build-test is building commit .*; waiting for it'
	d=$(stable_trees | tail -n 1)
	NPU_CACHE=$c "$TOP/scripts/build-test" --tree "$d" --variants plain --matrix "$c.m1" \
		>"$c.out1" 2>&1 &
	local p1=$!
	sleep 1
	NPU_CACHE=$c "$TOP/scripts/build-test" --tree "$d" --variants plain --matrix "$c.m2" \
		>"$c.out2" 2>&1 || s2=$?
	wait "$p1" || s1=$?
	cat "$c.out1" "$c.out2"
	[ "$s1" -eq 0 ]
	[ "$s2" -eq 0 ]
	! grep -q -i 'fatal:\|index.lock' "$c.out1" "$c.out2" || false
	# which one takes the tree first is the machine's choice: the other
	# waits, then keeps every row the first one built (not the n/a ones)
	grep -q "$wait_msg" "$c.out2" || waited=1 first=2
	grep -q "$wait_msg" "$c.out$waited"
	! grep -q "$wait_msg" "$c.out$first" || false
	[ "$(grep -c -E ' plain .*\(kept\)' "$c.m$waited")" -eq "$(grep -E ' plain ' "$c.m$first" | grep -c -v ' n/a ')" ]
	[ "$(grep -E ' plain ' "$c.m$first" | grep -c -v ' n/a ')" -ge 1 ]
	rm -rf "$c"
}
