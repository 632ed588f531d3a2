#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scripts/mail: bad input, and (with NPU_TREES) a complete, threaded,
# checkpatch-clean mail set for each of the 10 series that
# git send-email --dry-run accepts.

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
	echo "# edited" >>"$W/patches/orig/series"
	NPU_PATCHES=$W/patches \
		run "$TOP/scripts/mail" --tree "$W/tree" --outbox "$W/outbox2"
	[ "$status" -eq 2 ]
	[[ $output == *"uncommitted changes"* ]]
	[ ! -e "$W/outbox2" ]
}

@test "mail: every tree's series becomes a threaded, send-email-ready mail set" {
	need_trees
	local d t v ob n cover id p ver
	for d in "$NPU_TREES"/*/; do
		[ -e "$d/.git" ] || continue
		t=$(basename "$d")
		ver=$(tree_release "$d")
		ver=${ver%.*}
		for v in plain lockdep; do
			ob=$BATS_TEST_TMPDIR/$t-$v
			run "$TOP/scripts/mail" --tree "$d" --variant "$v" --outbox "$ob"
			echo "$output"
			[ "$status" -eq 0 ]
			n=$([ "$v" = plain ] && echo 1 || echo 2)
			[ "$(find "$ob" -name '*.patch' | wc -l)" -eq $((n + 1)) ]
			cover=$(ls "$ob"/0000-*.patch)
			! grep -q '\*\*\*' "$cover"
			id=$(sed -n 's/^Message-Id: //Ip' "$cover")
			[ -n "$id" ]
			if [ "$v" = plain ]; then
				grep -q "^Subject: \[PATCH $ver 0/$n\]" "$cover"
				grep -q '^To: stable@vger.kernel.org' "$cover"
			else
				grep -q "^Subject: \[RFC PATCH $ver-lockdep 0/$n\]" "$cover"
				! grep -q 'stable@vger.kernel.org' "$cover"
			fi
			grep -q 'linuxppc-dev@lists.ozlabs.org' "$cover"
			grep -q 'How it was tested' "$cover"
			for p in "$ob"/000[1-9]-*.patch; do
				grep -q "^In-Reply-To: $id" "$p"
				grep -q "^Subject: \[.*PATCH $ver.* [1-9]/$n\]" "$p"
			done
		done
	done
}
