#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The real bases, with no stable tree: each series against a one-commit git
# tree that holds the unpatched npu-dma.c of its release, byte-exact
# (patches/bases/).  backport applies and signs off, mail writes a mail set
# that checkpatch.pl (linux-source-6.1) and git send-email --dry-run take.
# The QEMU runs of the same files are in selftest.bats.

load lib

setup_file() {
	fixture_trees_and_sender
}

@test "bases: every release's files are the blobs bases.tsv names, of the series and with the upstream commits it names" {
	local rel series blob repo commit file hblob hfile forms has n=0 s f d
	while IFS=$'\t' read -r rel series blob repo commit file hblob hfile forms has; do
		[ "${rel:0:1}" = '#' ] && continue
		n=$((n + 1))
		[ "$(git hash-object "$TOP/patches/bases/$file")" = "$blob" ] ||
			{ echo "$rel: $file is not blob $blob"; return 1; }
		[ "$(git hash-object "$TOP/patches/bases/$hfile")" = "$hblob" ] ||
			{ echo "$rel: $hfile is not blob $hblob"; return 1; }
		# the upstream commits it has, as scripts/lib/commits.py reads them,
		# and the code variant they make it
		d=$BATS_TEST_TMPDIR/$rel
		mkdir -p "$d/${NPU_FILE%/*}" "$d/${NPU_HDR%/*}"
		cp "$TOP/patches/bases/$file" "$d/$NPU_FILE"
		cp "$TOP/patches/bases/$hfile" "$d/$NPU_HDR"
		TREE_COMMITS=$("$NPU_PYTHON" "$TOP/scripts/lib/commits.py" --tsv --dir "$d")
		[ "$(awk -F '\t' '$2 == "present" { print $1 }' <<<"$TREE_COMMITS" | paste -sd' ')" = "${has/#-/}" ] ||
			{ echo "$rel: commits.py does not find just $has"; return 1; }
		[ "$(tree_variant)" = "$series" ] || { echo "$rel: its commits make it $(tree_variant), not $series"; return 1; }
		for f in $forms; do
			valid_form "$f"
			[ -d "$(series_dir "$f" "$series" plain)" ] && [ -d "$(series_dir "$f" "$series" lockdep)" ]
		done
		[[ $repo =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] && [[ $commit =~ ^[0-9a-f]{40}$ ]]
		grep -q "| $rel |" "$TOP/patches/bases/README.md" || { echo "$rel: not in the README"; return 1; }
	done <"$TOP/patches/bases/bases.tsv"
	[ "$n" -ge 8 ]
	# at least two releases of every series but the last, which has one
	for s in $NPU_SERIES; do
		[ "$(bases_of "$s" | wc -l)" -ge 1 ]
	done
	# and the fix is read as there once the series is applied
	(cd "$BATS_TEST_TMPDIR" && mkdir -p t/arch/powerpc/platforms/powernv && cd t &&
		cp "$TOP/patches/bases/4.14.67/npu-dma.c" "$NPU_FILE" &&
		git apply --include="$NPU_FILE" "$TOP"/patches/upstream/write-once/*.patch)
	"$NPU_PYTHON" "$TOP/scripts/lib/commits.py" --tsv --dir "$BATS_TEST_TMPDIR/t" | grep -q -P '^28a5933e8d36\tpresent\t'
}

@test "bases: bad facts are reported once, with the value, not as an empty blob" {
	NPU_BASES=$BATS_TEST_TMPDIR/none.tsv run "$TOP/scripts/backport" --tree "$FIX/4.14.67"
	[ "$status" -eq 2 ]
	[ "$(grep -c 'cannot read' <<<"$output")" -eq 1 ]
	[[ $output == *"none.tsv"* ]]
	grep '^#' "$TOP/patches/bases/bases.tsv" >"$BATS_TEST_TMPDIR/empty.tsv"
	NPU_BASES=$BATS_TEST_TMPDIR/empty.tsv run "$TOP/scripts/backport" --tree "$FIX/4.14.67"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"lists no base of a known series"* ]]
	run "$TOP/scripts/backport" --tree "$FIX/4.14.67" --upstream "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[[ $output == *"is not a git repository"* ]]
}

@test "bases: the series and form that fit are picked on every base; only npu-dma.c and powernv.h change, the tree stays as it was" {
	local r v before br series forms form after bs
	for r in $FIXTURE_RELEASES; do
		series=$(awk -F '\t' -v r="$r" '$1 == r { print $2 }' "$NPU_BASES")
		forms=$(awk -F '\t' -v r="$r" '$1 == r { print $9 }' "$NPU_BASES")
		form=${forms%% *}
		# the series of that form that applies (orig-4.12 on 4.12)
		bs=$(base_series "$form" "$series" "$r")
		before=$(snapshot "$FIX/$r")
		for v in plain lockdep; do
			br=npu-$v
			run "$TOP/scripts/backport" --tree "$FIX/$r" --variant "$v" --branch "$br"
			[ "$status" -eq 0 ] || { echo "$r $v: $output"; return 1; }
			[[ $output == *"$FIX/$r is $r; its code is of the $series series"* ]]
			[[ $output == *"applying $(series_dir "$form" "$bs" "$v" | sed "s|^$TOP/||")"* ]]
			if [ "$form" = upstream ]; then
				[ "$(git -C "$FIX/$r" diff --name-only "HEAD..$br" | sort | paste -sd' ')" = "$NPU_HDR $NPU_FILE" ]
			else
				[[ $output == *"the upstream form does not apply to $r"* ]]
				[ "$(git -C "$FIX/$r" diff --name-only "HEAD..$br")" = "$NPU_FILE" ]
			fi
			git -C "$FIX/$r" show "$br:$NPU_FILE" | grep -q '^static DEFINE_SPINLOCK(npu_context_lock);$'
			[ "$(git -C "$FIX/$r" show "$br:$NPU_FILE" | grep -c 'spin_lock(&npu_context_lock);')" -eq 2 ]
			if [ "$v" = lockdep ]; then
				git -C "$FIX/$r" show "$br:$NPU_FILE" | grep -q 'lockdep_assert_held(&npu_context_lock);'
			fi
			# the result is recognised as applied, and left alone
			run "$TOP/scripts/backport" --tree "$FIX/$r" --variant "$v" --output "$BATS_TEST_TMPDIR/o"
			[ "$status" -eq 0 ]
			run "$TOP/scripts/backport" --tree "$BATS_TEST_TMPDIR/o" --variant "$v"
			[ "$status" -eq 3 ] || { echo "$r $v: $output"; return 1; }
			# (the upstream form of orig and nmmu carries 2b74e2a9b39d,
			# whose WRITE_ONCE() stores make the code the -write-once one;
			# orig-4.12 does not)
			after=$bs
			if [ "$form" = upstream ] && [ "$bs" = "$series" ] && [[ $series != *write-once ]]; then
				after=$series-write-once
				after=${after/orig-/}
			fi
			[[ $output == *"the $after $v series ($form form) is already applied"* ]] || { echo "$r $v: $output"; return 1; }
			rm -rf "$BATS_TEST_TMPDIR/o"
			git -C "$FIX/$r" branch -q -D "$br"
		done
		[ "$(snapshot "$FIX/$r")" = "$before" ]
	done
}

@test "bases: the --target and --series checks" {
	run "$TOP/scripts/backport" --tree "$FIX/4.15.1" --target v4.15 --series nmmu
	[ "$status" -eq 0 ]
	run "$TOP/scripts/backport" --tree "$FIX/4.15.1" --target v4.16
	[ "$status" -eq 2 ]
	[[ $output == *"is Linux 4.15.1, not v4.16"* ]]
	run "$TOP/scripts/backport" --tree "$FIX/4.15.1" --series nmmu-write-once
	[ "$status" -eq 2 ]
	[[ $output == *"its code is of the nmmu series, not nmmu-write-once"* ]]
}

@test "bases: --signoff puts the sender's sign-off right below the backport note" {
	local t m
	for t in $FIXTURE_RELEASES; do
		run "$TOP/scripts/backport" --tree "$FIX/$t" --variant lockdep --signoff --branch signed
		[ "$status" -eq 0 ] || { echo "$t: $output"; return 1; }
		# a1409ada: upstream author kept, upstream's trailers or the
		# note, then the sender, last
		m=$(git -C "$FIX/$t" log -1 --format=%B signed~1)
		[ "$(git -C "$FIX/$t" log -1 --format='%an <%ae>' signed~1)" = 'Alistair Popple <alistair@popple.id.au>' ]
		[ "$(tail -n 1 <<<"$m")" = 'Signed-off-by: Stable Sender <sender@example.org>' ]
		[[ $(tail -n 2 <<<"$m" | head -n 1) == *']' ]] ||
			[ "$(tail -n 2 <<<"$m" | head -n 1)" = 'Signed-off-by: Michael Ellerman <mpe@ellerman.id.au>' ]
		# the project's own patch becomes the sender's
		[ "$(git -C "$FIX/$t" log -1 --format='%an <%ae>' signed)" = 'Stable Sender <sender@example.org>' ]
		m=$(git -C "$FIX/$t" log -1 --format=%B signed)
		[ "$(tail -n 1 <<<"$m")" = 'Signed-off-by: Stable Sender <sender@example.org>' ]
		! git -C "$FIX/$t" log -2 --format='%an %ae %B' signed | grep -q -e '@invalid' -e 'Seed ' || false
		git -C "$FIX/$t" branch -q -D signed
	done
}

@test "bases: git am -s signs off where backport --signoff does but after a long note; only our patch's author differs (README)" {
	local t f v sd ref am same=0 blank=0
	for t in $FIXTURE_RELEASES; do
		for f in $(awk -F '\t' -v r="$t" '$1 == r { print $9 }' "$NPU_BASES"); do
			for v in plain lockdep; do
				run "$TOP/scripts/backport" --tree "$FIX/$t" --form "$f" --variant "$v" --signoff --branch ref
				[ "$status" -eq 0 ] || { echo "$t: $output"; return 1; }
				sd=$(series_dir "$f" "$(base_series "$f" "$(tree_code "$FIX/$t")" "$t")" "$v")
				am=$BATS_TEST_TMPDIR/am-$t-$f-$v
				git clone -q "$FIX/$t" "$am"
				# shellcheck disable=SC2046  # one word per patch
				git -C "$am" am -q -s $(series_patches "$sd")
				# per commit: the same tree and message, or the same but
				# for a blank line git am -s put before the sign-off
				while read -r c r; do
					if [ "$(git -C "$FIX/$t" log -1 --format='%T%n%B' "$r")" = "$(git -C "$am" log -1 --format='%T%n%B' "$c")" ]; then
						same=$((same + 1))
					elif [ "$(git -C "$FIX/$t" log -1 --format='%T%n%B' "$r")" = \
						"$(git -C "$am" log -1 --format='%T%n%B' "$c" | awk '/^$/ { b = b "\n"; next } /^Signed-off-by: Stable Sender/ && b == "\n" && !done { b = ""; done = 1 } { printf "%s%s\n", b, $0; b = "" } END { printf "%s", b }')" ]; then
						blank=$((blank + 1))
						echo "$t $f $v: git am -s put a blank line before the sign-off of: $(git -C "$am" log -1 --format=%s "$c")"
					else
						echo "$t $f $v: git am -s and backport --signoff differ:"
						diff <(git -C "$FIX/$t" log -1 --format='%T%n%B' "$r") <(git -C "$am" log -1 --format='%T%n%B' "$c")
						return 1
					fi
				done < <(paste -d' ' <(git -C "$am" rev-list --reverse origin/HEAD..HEAD) <(git -C "$FIX/$t" rev-list --reverse HEAD..ref))
				# ... and the same authors but for our own patch's
				ref=$(git -C "$FIX/$t" log --format='%an <%ae>' HEAD..ref)
				am=$(git -C "$am" log --format='%an <%ae>' origin/HEAD..HEAD)
				if [ "$v" = plain ]; then
					[ "$ref" = "$am" ]
				else
					[ "$(tail -n +2 <<<"$ref")" = "$(tail -n +2 <<<"$am")" ]
					[ "$(head -n 1 <<<"$ref")" = 'Stable Sender <sender@example.org>' ]
					[[ $(head -n 1 <<<"$am") == *'@invalid>' ]]
				fi
				git -C "$FIX/$t" branch -q -D ref
			done
		done
	done
	# both happen, so the README must say both
	[ "$same" -gt 0 ] && [ "$blank" -gt 0 ]
	tr '\n' ' ' <"$TOP/README.md" | grep -q 'a quarter of its lines'
	! grep -q 'would put a blank line between them' "$TOP/README.md" || false
}

@test "bases: without a git identity, keeping a result is refused; a check still runs" {
	GIT_CONFIG_GLOBAL=/dev/null run "$TOP/scripts/backport" --tree "$FIX/4.16.13" --branch x
	[ "$status" -eq 2 ]
	[[ $output == *"user.name and user.email are not set"* ]]
	GIT_CONFIG_GLOBAL=/dev/null run "$TOP/scripts/mail" --tree "$FIX/4.16.13" --outbox "$BATS_TEST_TMPDIR/ob"
	[ "$status" -eq 2 ]
	[[ $output == *"user.name and user.email are not set"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/ob" ]
	GIT_CONFIG_GLOBAL=/dev/null run "$TOP/scripts/backport" --tree "$FIX/4.16.13"
	[ "$status" -eq 0 ]
	! git -C "$FIX/4.16.13" rev-parse -q --verify x || false
}

@test "bases: mail writes every series, in each form that applies, as a signed-off set that checkpatch and send-email take" {
	local t v ob p f forms
	for t in $FIXTURE_RELEASES; do
		forms=$(awk -F '\t' -v r="$t" '$1 == r { print $9 }' "$NPU_BASES")
		for fv in $(for f in $forms; do echo "$f/plain $f/lockdep"; done); do
			f=${fv%/*} v=${fv#*/}
			ob=$BATS_TEST_TMPDIR/$t-$f-$v
			mail_set_ok "$FIX/$t" "$v" "$ob" "$f" list
			# --stable's addressing does not depend on the form: once
			# per base and variant, on the default form's set
			[ "$f" != "${forms%% *}" ] || mail_set_ok "$FIX/$t" "$v" "$ob-stable" "$f" stable
			# the cover letter says which form, and why the kABI matters
			if [ "$v" = plain ] && [ "$f" = upstream ]; then
				grep -q 'upstream.s commits as they are, with the prerequisites' "$ob"/0000-*.patch
				grep -q 'What an out-of-tree caller sees' "$ob"/0000-*.patch
			elif [ "$v" = plain ]; then
				grep -q 'adapted to '"${t%.*}"'.y, without' "$ob"/0000-*.patch
				grep -q 'kABI is frozen' "$ob"/0000-*.patch
				grep -q 'comes last, as this form.s 28a5933e8d36 is made without it' "$ob"/0000-*.patch
			fi
			# signed off and sent by the sender, right below the note
			grep -q "^From: Stable Sender <sender@example.org>" "$ob"/0000-*.patch
			grep -q "git am on $t" "$ob"/0000-*.patch
			! grep -q -e '@invalid' -e 'Seed ' "$ob"/*.patch || false
			for p in "$ob"/000[1-9]-*.patch; do
				[ "$(sed -n '/^---$/{x;p;q};h' "$p")" = 'Signed-off-by: Stable Sender <sender@example.org>' ]
			done
		done
	done
}

@test "bases: a tree that took 720c84046c26 gets the rest: backport and mail say what it had, the set is two patches" {
	local t=$BATS_TEST_TMPDIR/t ob=$BATS_TEST_TMPDIR/ob p
	cp -r "$FIX/4.14.67" "$t"
	# a distribution took the crash fix alone (upstream's, with its own message)
	git -C "$t" apply "$TOP/patches/upstream/write-once/0001-powerpc-npu-dma.c-Fix-crash-after-__mmu_notifier_reg.patch"
	git -C "$t" commit -q -am "powerpc/npu-dma.c: Fix crash after __mmu_notifier_register failure"
	run "$TOP/scripts/backport" --tree "$t"
	[ "$status" -eq 0 ]
	[[ $output == *"720c84046c26 present · 28a5933e8d36 missing · a1409adac748 missing"* ]]
	[[ $output == *"applying patches/upstream/write-once: 28a5933e8d36 a1409adac748 (2 of 3 patches; the tree has 720c84046c26)"* ]]
	run "$TOP/scripts/mail" --tree "$t" --outbox "$ob" --to list@distro.example
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(ls "$ob"/*.patch | wc -l)" -eq 3 ]
	grep -q '^Subject: \[PATCH 4.14 0/2\]' "$ob"/0000-*.patch
	grep -q '^commit 28a5933e8d362766462ea9e5f135e19f41e658ba upstream\.$' "$ob"/0001-*.patch
	grep -q '^commit a1409adac748f0db655e096521bbe6904aadeb98 upstream\.$' "$ob"/0002-*.patch
	tr '\n' ' ' <"$ob"/0000-*.patch | grep -q 'This tree already has 720c84046c26 of the upstream form.s series'
	# what it had is not presented as what the series brings
	! grep -q '^720c84046c26 ("powerpc/npu-dma.c: Fix crash' "$ob"/0000-*.patch || false
	# and once it has it all, there is nothing to mail
	git -C "$t" am -q "$ob"/000[12]-*.patch
	run "$TOP/scripts/mail" --tree "$t" --outbox "$ob-2" --to list@distro.example
	[ "$status" -eq 2 ]
	[[ $output == *"has every commit of the write-once plain series (upstream form): nothing to mail"* ]]
	[ ! -e "$ob-2" ]
}
