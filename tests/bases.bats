#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The real bases, with no stable tree: each series against a one-commit git
# tree that holds the unpatched npu-dma.c of its release, byte-exact
# (patches/bases/).  backport applies and signs off, mail writes a mail set
# that checkpatch.pl (linux-source-6.1) and git send-email --dry-run take.
# The QEMU runs of the same files are in selftest.bats.

load lib

setup_file() {
	local t
	export FIX=$BATS_FILE_TMPDIR/trees
	for t in $TARGETS; do
		fixture_tree "$FIX/$t" "$t"
	done
	# a sender, as a user has one
	export GIT_CONFIG_GLOBAL=$BATS_FILE_TMPDIR/gitconfig
	git config --global user.name 'Stable Sender'
	git config --global user.email sender@example.org
}

@test "bases: every fixture is the file bases.tsv names, with its source" {
	local rel t blob repo commit n=0
	while IFS=$'\t' read -r rel t blob repo commit; do
		[ "${rel:0:1}" = '#' ] && continue
		n=$((n + 1))
		[ "$(git hash-object "$TOP/patches/bases/$rel/npu-dma.c")" = "$blob" ] ||
			{ echo "$rel: fixture is not blob $blob"; return 1; }
		[ -d "$TOP/patches/$t" ] && [ -d "$TOP/patches/$t-lockdep" ]
		[[ $repo =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] && [[ $commit =~ ^[0-9a-f]{40}$ ]]
		grep -q "$rel" "$TOP/patches/bases/README.md" || { echo "$rel: source not in README"; return 1; }
	done <"$TOP/patches/bases/bases.tsv"
	[ "$n" -eq 5 ]
	for t in $TARGETS; do
		target_blob "$t" >/dev/null
	done
}

@test "bases: bad facts are reported once, with the value, not as an empty blob" {
	NPU_BASES=$BATS_TEST_TMPDIR/none.tsv run "$TOP/scripts/backport" --tree "$FIX/v4.14" --target v4.14
	[ "$status" -eq 2 ]
	[ "$(grep -c 'cannot read' <<<"$output")" -eq 1 ]
	[[ $output == *"none.tsv"* ]]
	grep -v v4.14 "$TOP/patches/bases/bases.tsv" >"$BATS_TEST_TMPDIR/no414.tsv"
	NPU_BASES=$BATS_TEST_TMPDIR/no414.tsv run "$TOP/scripts/backport" --tree "$FIX/v4.14" --target v4.14
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"has no line for v4.14"* ]]
	run "$TOP/scripts/backport" --tree "$FIX/v4.14" --target v4.14 --upstream "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[[ $output == *"is not a git repository"* ]]
}

@test "bases: every series applies to its base; only npu-dma.c changes, the tree stays as it was" {
	local t v before br
	for t in $TARGETS; do
		before=$(snapshot "$FIX/$t")
		for v in plain lockdep; do
			br=npu-$v
			run "$TOP/scripts/backport" --tree "$FIX/$t" --target "$t" --variant "$v" --branch "$br"
			[ "$status" -eq 0 ] || { echo "$t $v: $output"; return 1; }
			[ "$(git -C "$FIX/$t" diff --name-only "HEAD..$br")" = "$NPU_FILE" ]
			git -C "$FIX/$t" show "$br:$NPU_FILE" | grep -q '^static DEFINE_SPINLOCK(npu_context_lock);$'
			[ "$(git -C "$FIX/$t" show "$br:$NPU_FILE" | grep -c 'spin_lock(&npu_context_lock);')" -eq 2 ]
			if [ "$v" = lockdep ]; then
				git -C "$FIX/$t" show "$br:$NPU_FILE" | grep -q 'lockdep_assert_held(&npu_context_lock);'
			fi
			# the result is recognised as applied, and left alone
			run "$TOP/scripts/backport" --tree "$FIX/$t" --target "$t" --variant "$v" --output "$BATS_TEST_TMPDIR/o"
			[ "$status" -eq 0 ]
			run "$TOP/scripts/backport" --tree "$BATS_TEST_TMPDIR/o" --target "$t" --variant "$v"
			[ "$status" -eq 3 ] || { echo "$t $v: $output"; return 1; }
			git -C "$FIX/$t" worktree remove --force "$BATS_TEST_TMPDIR/o"
			git -C "$FIX/$t" branch -q -D "$br"
		done
		[ "$(snapshot "$FIX/$t")" = "$before" ]
	done
}

@test "bases: --signoff puts the sender's sign-off right below the backport note" {
	local t m
	for t in $TARGETS; do
		run "$TOP/scripts/backport" --tree "$FIX/$t" --target "$t" --variant lockdep --signoff --branch signed
		[ "$status" -eq 0 ] || { echo "$t: $output"; return 1; }
		# the fix: upstream author kept, note, then the sender, last
		m=$(git -C "$FIX/$t" log -1 --format=%B signed~1)
		[ "$(git -C "$FIX/$t" log -1 --format='%an <%ae>' signed~1)" = 'Alistair Popple <alistair@popple.id.au>' ]
		[ "$(tail -n 1 <<<"$m")" = 'Signed-off-by: Stable Sender <sender@example.org>' ]
		[[ $(tail -n 2 <<<"$m" | head -n 1) == *']' ]]
		# the project's own patch becomes the sender's
		[ "$(git -C "$FIX/$t" log -1 --format='%an <%ae>' signed)" = 'Stable Sender <sender@example.org>' ]
		m=$(git -C "$FIX/$t" log -1 --format=%B signed)
		[ "$(tail -n 1 <<<"$m")" = 'Signed-off-by: Stable Sender <sender@example.org>' ]
		! git -C "$FIX/$t" log -2 --format='%an %ae %B' signed | grep -q -e '@invalid' -e 'Seed '
		git -C "$FIX/$t" branch -q -D signed
	done
}

@test "bases: without a git identity, keeping a result is refused; a check still runs" {
	GIT_CONFIG_GLOBAL=/dev/null run "$TOP/scripts/backport" --tree "$FIX/v4.16" --target v4.16 --branch x
	[ "$status" -eq 2 ]
	[[ $output == *"user.name and user.email are not set"* ]]
	GIT_CONFIG_GLOBAL=/dev/null run "$TOP/scripts/mail" --target v4.16 --tree "$FIX/v4.16" --outbox "$BATS_TEST_TMPDIR/ob"
	[ "$status" -eq 2 ]
	[[ $output == *"user.name and user.email are not set"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/ob" ]
	GIT_CONFIG_GLOBAL=/dev/null run "$TOP/scripts/backport" --tree "$FIX/v4.16" --target v4.16
	[ "$status" -eq 0 ]
	! git -C "$FIX/v4.16" rev-parse -q --verify x
}

@test "bases: mail writes every series as a signed-off set that checkpatch and send-email take" {
	local t v ob n p cover
	for t in $TARGETS; do
		for v in plain lockdep; do
			ob=$BATS_TEST_TMPDIR/$t-$v
			run "$TOP/scripts/mail" --target "$t" --variant "$v" --tree "$FIX/$t" --outbox "$ob"
			echo "$output"
			[ "$status" -eq 0 ]
			n=$([ "$v" = plain ] && echo 1 || echo 2)
			[ "$(find "$ob" -name '*.patch' | wc -l)" -eq $((n + 1)) ]
			cover=$(ls "$ob"/0000-*.patch)
			grep -q "^From: Stable Sender <sender@example.org>" "$cover"
			grep -q "git am on $(base_field "$t" 1)," "$cover"
			! grep -q -e '@invalid' -e 'Seed ' -e '\*\*\*' "$ob"/*.patch
			for p in "$ob"/000[1-9]-*.patch; do
				grep -q '^Signed-off-by: Stable Sender <sender@example.org>$' "$p"
				[ "$(sed -n '/^---$/{x;p;q};h' "$p")" = 'Signed-off-by: Stable Sender <sender@example.org>' ]
			done
			if [ "$v" = plain ]; then
				grep -q '^To: stable@vger.kernel.org' "$cover"
				grep -q 'linuxppc-dev@lists.ozlabs.org' "$cover"
			fi
		done
	done
}
