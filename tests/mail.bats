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
			# the upstream form where it applies
			[ "$f" = adapted ] || [ "$(pick_form "${d%/}" "$(tree_code "${d%/}")" plain)" = upstream ] || continue
			for v in plain lockdep; do
				mail_set_ok "${d%/}" "$v" "$BATS_TEST_TMPDIR/$(basename "$d")-$f-$v" "$f" list
				mail_set_ok "${d%/}" "$v" "$BATS_TEST_TMPDIR/$(basename "$d")-$f-$v-stable" "$f" stable
			done
		done
	done
	[ "$n" -ge 1 ]
}

@test "mail: branches.tsv has every branch of the bases, each release of bases.tsv at most its last" {
	local rel b last date state src
	while IFS=$'\t' read -r rel _; do
		[ "${rel:0:1}" = '#' ] && continue
		b=${rel%.*}
		IFS=$'\t' read -r last date state src < <(branch_facts "$b")
		[ -n "$last" ] || { echo "$b: not in branches.tsv"; return 1; }
		[[ $date =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]
		case $state in ended|maintained) ;; *) echo "$b: state '$state'"; return 1 ;; esac
		[ -n "$src" ]
		[ "${last%.*}" = "$b" ]
		# the Documentation's table of them says the same
		grep -q -E "^    $b\.y +$last +$date\$" "$TOP/Documentation/npu-context-race.rst" ||
			{ echo "$b: Documentation's table does not say $last, $date"; return 1; }
		# no release tried is later than the branch's last
		[ "$(printf '%s\n%s\n' "$rel" "$last" | sort -V | tail -n 1)" = "$last" ] ||
			{ echo "$rel is later than $b's last release $last"; return 1; }
	done <"$NPU_BASES"
}

@test "mail: an ended branch, a maintained one (latest release or not) and one not in branches.tsv" {
	local t=$BATS_TEST_TMPDIR/4.14.67 tab=$BATS_TEST_TMPDIR/branches.tsv
	fixture_tree "$t" 4.14.67
	export GIT_CONFIG_GLOBAL=$BATS_TEST_TMPDIR/gitconfig
	git config --global user.name 'Stable Sender'
	git config --global user.email sender@example.org
	# ended (the real table): nobody but whom --to/--cc name
	run "$TOP/scripts/mail" --tree "$t" --outbox "$BATS_TEST_TMPDIR/ended"
	[ "$status" -eq 0 ]
	[[ $output == *"4.14.y ended with 4.14.336 (2024-01-10); the stable tree takes no patches for it.  This tree is 4.14.67."* ]]
	[[ $output == *"the mails have no recipient"* ]]
	! grep -q -i -E '^(To|Cc):' "$BATS_TEST_TMPDIR"/ended/0000-*.patch || false
	tr '\n' ' ' <"$BATS_TEST_TMPDIR"/ended/0000-cover-letter.patch | grep -q 'This series is for kernels still built on 4.14.y'
	# maintained, and the tree is not its latest release
	printf '4.14\t4.14.999\t2030-01-01\tmaintained\ttest\n' >"$tab"
	NPU_BRANCHES=$tab run "$TOP/scripts/mail" --tree "$t" --outbox "$BATS_TEST_TMPDIR/old" --cc kernel@distro.example
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"This tree is 4.14.67; 4.14.y's latest release is 4.14.999"*"stable takes patches against the latest release."* ]]
	[[ $output == *"rebase on 4.14.999 and run mail there before sending to stable"* ]]
	# (that advice is the sender's, not the cover letter's)
	! grep -q 'rebase' "$BATS_TEST_TMPDIR"/old/0000-*.patch || false
	grep -q '^To: stable@vger.kernel.org' "$BATS_TEST_TMPDIR"/old/0000-*.patch
	grep -q 'kernel@distro.example' "$BATS_TEST_TMPDIR"/old/0000-*.patch
	grep -q 'linuxppc-dev@lists.ozlabs.org' "$BATS_TEST_TMPDIR"/old/0000-*.patch
	tr '\n' ' ' <"$BATS_TEST_TMPDIR"/old/0000-*.patch | grep -q "4.14.y's latest release is 4.14.999"
	# maintained, and the tree is its latest release: nothing to say
	printf '4.14\t4.14.67\t2018-08-24\tmaintained\ttest\n' >"$tab"
	NPU_BRANCHES=$tab run "$TOP/scripts/mail" --tree "$t" --outbox "$BATS_TEST_TMPDIR/latest"
	[ "$status" -eq 0 ]
	[[ $output != *"4.14.y"*"latest release"* ]]
	[[ $output != *"ended"* ]]
	grep -q '^To: stable@vger.kernel.org' "$BATS_TEST_TMPDIR"/latest/0000-*.patch
	! tr '\n' ' ' <"$BATS_TEST_TMPDIR"/latest/0000-cover-letter.patch | grep -q 'This series is for kernels still' || false
	# not in the table: said, and not sent to stable
	printf '4.13\t4.13.16\t2017-11-24\tended\ttest\n' >"$tab"
	NPU_BRANCHES=$tab run "$TOP/scripts/mail" --tree "$t" --outbox "$BATS_TEST_TMPDIR/unknown"
	[ "$status" -eq 0 ]
	[[ $output == *"4.14.y is not in branches.tsv"* ]]
	! grep -q 'stable@vger.kernel.org' "$BATS_TEST_TMPDIR"/unknown/0000-*.patch || false
}

# cover_tree DIR: the 4.14.67 fixture in DIR, a sender, and a cache of
# the test's own (NPU_CACHE) with the shared one's spin verdicts, which
# the cover letter needs
cover_tree() {
	fixture_tree "$1" 4.14.67
	export GIT_CONFIG_GLOBAL=$BATS_TEST_TMPDIR/gitconfig
	git config --global user.name 'Stable Sender'
	git config --global user.email sender@example.org
	mkdir -p "$BATS_TEST_TMPDIR/cache/build-test" "$BATS_TEST_TMPDIR/cache/selftest-results"
	[ ! -d "$NPU_CACHE/model" ] || ln -s "$NPU_CACHE/model" "$BATS_TEST_TMPDIR/cache/model"
	export NPU_CACHE=$BATS_TEST_TMPDIR/cache
}

@test "mail: the cover letter quotes this tree's build-test row, its columns found by the matrix's header, of what this series adds" {
	local d=$BATS_TEST_TMPDIR/t m c
	cover_tree "$d"
	m=$NPU_CACHE/build-test/matrix.txt
	# another tool's columns first, and a row of another release
	printf '%s\n' 'host tree release series form variant result adds' \
		'h1 t 4.14.60 write-once upstream plain FAIL -' \
		'h1 t 4.14.67 write-once upstream plain ok 720c84046c26,28a5933e8d36,a1409adac748' \
		'h1 t 4.14.67 write-once adapted plain FAIL -' \
		'h1 t 4.14.67 write-once upstream plain FAIL 28a5933e8d36,a1409adac748' >"$m"
	run "$TOP/scripts/mail" --tree "$d" --outbox "$BATS_TEST_TMPDIR/ob" --to list@distro.example
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	c=$(ls "$BATS_TEST_TMPDIR"/ob/0000-*.patch)
	grep -q '^    host tree release series form variant result adds$' "$c"
	grep -q '^    h1 t 4.14.67 write-once upstream plain ok 720c84046c26,28a5933e8d36,a1409adac748$' "$c"
	! grep -q 'FAIL' "$c" || false
}

@test "mail: the cover letter quotes this tree's selftest verdicts, read by the names of verdicts.tsv's columns, in order, of what this series adds" {
	local d=$BATS_TEST_TMPDIR/t v c r full=720c84046c26,28a5933e8d36,a1409adac748
	cover_tree "$d"
	v=$NPU_CACHE/selftest-results/verdicts.tsv
	# r WORD...: a row; the columns in another order than run-selftest
	# writes them, with one of another tool's
	r() {
		printf '%s\t' "$@" | sed 's/\t$//'
		echo
	}
	{
		r line host case negative kasan kernel arch machine code release series variant form adds date runs summary expected ok
		r 'L-guest-callback-plain' h callback none 0 6.1-guest x86_64 pc tree 4.14.67 write-once plain upstream "$full" d 1 pass=1 pass 1
		r 'L-other-release' h race none 0 6.1-guest x86_64 pc tree 4.14.60 write-once plain upstream "$full" d 1 pass=1 pass 1
		r 'L-kasan' h race none 1 6.1-guest x86_64 pc tree 4.14.67 write-once plain upstream "$full" d 1 pass=1 pass 1
		r 'L-other-form' h race none 0 6.1-guest x86_64 pc tree 4.14.67 write-once plain adapted x d 1 pass=1 pass 1
		r 'L-guest-race-unpatched' h race none 0 6.1-guest x86_64 pc tree 4.14.67 write-once unpatched - had:2b74e2a9b39d d 1 race=1 race 1
		# the unpatched code of a 4.14.67 that had 720c84046c26 and
		# 28a5933e8d36: not this tree's code
		r 'L-guest-race-unpatched-had-more' h race none 0 6.1-guest x86_64 pc tree 4.14.67 write-once unpatched - had:2b74e2a9b39d,720c84046c26,28a5933e8d36 d 1 pass=1 pass 1
		r 'L-guest-register-plain-failed' h register none 0 6.1-guest x86_64 pc tree 4.14.67 write-once plain upstream "$full" d 1 bug=1 pass 0
		r 'L-model-fixed-register' h register none 0 6.1-guest x86_64 pc fixed - - - - - d 1 pass=1 pass 1
		r 'L-model-fixed-register-expected-bug' h register none 0 6.1-guest x86_64 pc fixed - - - - - d 1 pass=1 bug 0
		r 'L-power9-race-plain' h race none 0 stable-4.14.67 ppc64le powernv9 tree 4.14.67 write-once plain upstream "$full" d 1 pass=2 pass 1
		r 'L-guest-race-plain' h race none 0 6.1-guest x86_64 pc tree 4.14.67 write-once plain upstream "$full" d 1 pass=1 pass 1
		# a run on a 4.14.67 that had 720c84046c26: not of this series
		r 'L-guest-race-plain-had-720c' h race none 0 6.1-guest x86_64 pc tree 4.14.67 write-once plain upstream 28a5933e8d36,a1409adac748 d 1 pass=1 pass 1
	} >"$v"
	run "$TOP/scripts/mail" --tree "$d" --outbox "$BATS_TEST_TMPDIR/ob" --to list@distro.example
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	c=$(ls "$BATS_TEST_TMPDIR"/ob/0000-*.patch)
	diff <(grep '^    L-' "$c") - <<-'EOF2'
	    L-power9-race-plain
	    L-guest-race-unpatched
	    L-guest-race-plain
	    L-guest-callback-plain
	    L-model-fixed-register
	EOF2
	# a kind of run whose latest did not go as expected is said, not quoted
	[[ $output == *"did not give what it expected, so the cover letter leaves it out: L-guest-register-plain-failed"* ]]
	[[ $output != *"L-model-fixed-register-expected-bug"* ]]
	grep -q "this release's own ppc64le kernel" "$c"
}
