#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scripts/mail: bad input, and (with NPU_TREES) a complete, threaded,
# checkpatch-clean mail set for each tree's series, in each form that
# applies to it, that git send-email --dry-run accepts.

load lib

@test "mail: bad input: unknown target, no tree, non-empty outbox, dirty series" {
	run "$TOP/scripts/mail"
	[ "$status" -eq 2 ]
	[[ $output == *"--tree DIR (or --target vX.Y with NPU_TREES) is required"* ]]
	NPU_TREES='' run "$TOP/scripts/mail" --target v4.14
	[ "$status" -eq 2 ]
	[[ $output == *"no tree: pass --tree DIR or set NPU_TREES"* ]]

	local W=$BATS_TEST_TMPDIR
	fake_tree "$W/tree" 4 14
	fake_series "$W/tree" "$W/patches" orig
	git_q -C "$W/patches" init -q
	git_q -C "$W/patches" add -A
	git_q -C "$W/patches" commit -q -m series
	mkdir "$W/outbox"
	touch "$W/outbox/old.patch"
	NPU_PATCHES=$W/patches \
		run "$TOP/scripts/mail" --tree "$W/tree" --outbox "$W/outbox"
	[ "$status" -eq 2 ]
	[[ $output == *"is not empty"* ]]
	echo "# edited" >>"$W/patches/upstream/orig/series"
	NPU_PATCHES=$W/patches \
		run "$TOP/scripts/mail" --tree "$W/tree" --outbox "$W/outbox2"
	[ "$status" -eq 2 ]
	[[ $output == *"uncommitted changes"* ]]
	[ ! -e "$W/outbox2" ]
}

@test "mail: every tree's series becomes a threaded, send-email-ready mail set" {
	need_trees
	local d v f n=0
	for d in "$NPU_TREES"/*/; do
		[ -e "$d/.git" ] || continue
		n=$((n + 1))
		for f in $NPU_FORMS; do
			# the upstream form where it applies (not on 4.12.y)
			[ "$f" = adapted ] || [ "$(pick_form "${d%/}" "$(tree_series "${d%/}")" plain)" = upstream ] || continue
			for v in plain lockdep; do
				mail_set_ok "${d%/}" "$v" "$BATS_TEST_TMPDIR/$(basename "$d")-$f-$v" "$f"
			done
		done
	done
	[ "$n" -ge 1 ]
}
