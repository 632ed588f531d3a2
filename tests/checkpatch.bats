#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The mail flow's checkpatch check with checkpatch.pl of several versions
# (fixtures/checkpatch/: each base tree's own and a vendor 4.14.241 one
# that numbers folded header lines as one; and linux-source-6.1's), in a
# tree whose git knows none of the upstream ids and in one that knows
# those named in full (git replace refs to commits with upstream's
# subjects: what checkpatch's git log sees in a tree with upstream's
# history).  Each must pass the series as mail writes it, and each must
# still catch a style error in a line of ours.

load lib

setup_file() {
	fixture_trees_and_sender
	export CPV=$BATS_FILE_TMPDIR/checkpatch
	mkdir -p "$CPV/6.1"
	cp "$(modern_checkpatch)" "$CPV/6.1/checkpatch.pl"
	cp -r "$TOP"/tests/fixtures/checkpatch/4.* "$CPV/"
}

# versions of checkpatch.pl under test
versions() {
	(cd "$CPV" && ls -d -- */ | tr -d /)
}

# tree_with CHECKPATCH_VERSION HISTORY DIR: the write-once fixture tree
# (4.14.67: the upstream form applies) with that checkpatch.pl; with
# HISTORY=upstream its git also resolves every upstream id of
# patches/mainline/, named in full, to a commit with upstream's subject
tree_with() {
	local v=$1 h=$2 d=$3 f id c subj
	git clone -q "$FIX/4.14.67" "$d"
	cp "$CPV/$v/checkpatch.pl" "$d/scripts/checkpatch.pl"
	git_q -C "$d" commit -q --allow-empty -am "checkpatch.pl of $v"
	[ "$h" = upstream ] || return 0
	for f in "$TOP"/patches/mainline/*.patch; do
		id=$(sed -n 's/^From \([0-9a-f]\{40\}\) .*/\1/p' "$f" | head -n 1)
		subj=$(awk '/^Subject: / { sub(/^Subject: (\[[^]]*\] *)?/, ""); s = $0; getline; while (/^[ \t]/) { sub(/^[ \t]+/, " "); s = s $0; getline } print s; exit }' "$f")
		# (dated: the same commit every run, so mail's kept checkpatch
		# answers, keyed by what git says of each id, serve again)
		c=$(GIT_AUTHOR_DATE="2018-01-01 00:00 +0000" GIT_COMMITTER_DATE="2018-01-01 00:00 +0000" git_q -C "$d" commit-tree -m "$subj" \
			"$(git -C "$d" rev-parse 'HEAD^{tree}')")
		git -C "$d" update-ref "refs/replace/$id" "$c"
		[ "$(git -C "$d" log --format=%s -1 "$id")" = "$subj" ]
	done
}

@test "checkpatch: the fixtures are the files their README names" {
	local v blob
	for v in 4.12.0 4.13.4 4.14.67 4.15.1 4.16.13 4.14.241; do
		blob=$(awk -F '|' -v v="\`$v\`" '$2 ~ v { gsub(/[ `]/, "", $3); print $3 }' "$TOP/tests/fixtures/checkpatch/README.md")
		[ -n "$blob" ]
		[ "$(git hash-object "$TOP/tests/fixtures/checkpatch/$v/checkpatch.pl")" = "$blob" ]
	done
}

@test "checkpatch: 4.14.241's checkpatch numbers folded header lines as one (so line numbers cannot be trusted)" {
	local d=$BATS_TEST_TMPDIR/t ob=$BATS_TEST_TMPDIR/ob n m
	tree_with 4.14.241 none "$d"
	# addressed as the issue saw it: To: stable, a folded Cc: list
	run "$TOP/scripts/mail" --tree "$d" --outbox "$ob" --stable
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	p=$(ls "$ob"/0002-*.patch)
	# the mail has folded headers (Cc:, Subject:) ...
	[ "$(sed -n '1,/^$/p' "$p" | grep -c '^[[:space:]]')" -ge 2 ]
	# ... and this checkpatch's number for the commit line is not its line
	n=$(grep -n -E '^commit [0-9a-f]{40} upstream\.$' "$p" | cut -d: -f1)
	m=$(cd "$d" && ./scripts/checkpatch.pl --strict --show-types --terse "$p" 2>/dev/null |
		sed -n 's/^[^:]*:\([0-9]*\): ERROR:GIT_COMMIT_ID:.*/\1/p' | head -n 1)
	[ -n "$m" ]
	[ "$m" -lt "$n" ]
	# and what it says when the tree does not know the id
	(cd "$d" && ./scripts/checkpatch.pl --strict --show-types "$p" 2>/dev/null) | grep -q "ie: 'commit fatal: bad o"
}

# set_passes TREE OUTBOX: every patch of the set mail wrote to OUTBOX passes
# mail's checkpatch check (lib/patches.sh checkpatch_run and
# checkpatch_clean, what mail runs on its sets) with TREE's checkpatch.pl
set_passes() {
	local p rc out n=0
	for p in "$2"/0*.patch; do
		[[ $p != */0000-cover-letter.patch ]] || continue
		n=$((n + 1))
		rc=0
		out=$(checkpatch_run "$1" "$p") || rc=$?
		checkpatch_clean "$p" "$rc" "$out" || { echo "$1: ${p##*/}: $out"; return 1; }
	done
	[ "$n" -ge 1 ]
}

# Each set is written once, by mail with 6.1's checkpatch.pl (mail fails
# on a set that does not pass it); every other checkpatch.pl then gets the
# same set through mail's own check, in its own tree.
@test "checkpatch: mail passes every base's sets, each form and variant, with the vendor 4.14.241 checkpatch and 6.1's" {
	local r f v c ob forms n=0
	for r in $FIXTURE_RELEASES; do
		forms=$(awk -F '\t' -v r="$r" '$1 == r { print $9 }' "$NPU_BASES")
		for c in 6.1 4.14.241; do
			git clone -q "$FIX/$r" "$BATS_TEST_TMPDIR/$r-$c"
			cp "$CPV/$c/checkpatch.pl" "$BATS_TEST_TMPDIR/$r-$c/scripts/checkpatch.pl"
			git_q -C "$BATS_TEST_TMPDIR/$r-$c" commit -q --allow-empty -am "checkpatch.pl of $c"
		done
		for f in $forms; do
			for v in plain lockdep; do
				ob=$BATS_TEST_TMPDIR/ob-$r-$f-$v
				run "$TOP/scripts/mail" --tree "$BATS_TEST_TMPDIR/$r-6.1" --form "$f" --variant "$v" --outbox "$ob"
				[ "$status" -eq 0 ] || { echo "$r, checkpatch 6.1, $f $v:"; echo "$output"; return 1; }
				set_passes "$BATS_TEST_TMPDIR/$r-4.14.241" "$ob" || { echo "$r, checkpatch 4.14.241, $f $v"; return 1; }
				n=$((n + 1))
			done
		done
	done
	[ "$n" -ge 20 ]
}

@test "checkpatch: mail passes its sets with checkpatch of every version, with and without upstream's ids in the tree" {
	local v h d var
	# the sets, once (the upstream form, on the 4.14.67 fixture)
	tree_with 6.1 none "$BATS_TEST_TMPDIR/writer"
	for var in plain lockdep; do
		run "$TOP/scripts/mail" --tree "$BATS_TEST_TMPDIR/writer" --variant "$var" --outbox "$BATS_TEST_TMPDIR/ob-$var"
		[ "$status" -eq 0 ] || { echo "mail, $var:"; echo "$output"; return 1; }
	done
	for v in $(versions); do
		for h in none upstream; do
			d=$BATS_TEST_TMPDIR/$v-$h
			tree_with "$v" "$h" "$d"
			for var in plain lockdep; do
				[ "$h" = none ] || [ "$var" = plain ] || continue
				set_passes "$d" "$BATS_TEST_TMPDIR/ob-$var" || { echo "checkpatch $v, history $h, $var"; return 1; }
			done
		done
	done
	# one of them through mail itself: the vendor's, with upstream's ids
	run "$TOP/scripts/mail" --tree "$BATS_TEST_TMPDIR/4.14.241-upstream" --outbox "$BATS_TEST_TMPDIR/ob-vendor"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(versions | wc -l)" -eq 7 ]
}

@test "checkpatch: with every version, a style error in a line of ours, or in a changed line of upstream's, still fails" {
	local v d p rc out bad
	p=$(series_patches "$(series_dir upstream write-once lockdep)" | tail -n 1)
	for v in $(versions); do
		d=$BATS_TEST_TMPDIR/$v
		tree_with "$v" none "$d"
		# our lockdep patch, one of its lines made wrong
		sed 's/^+\tlockdep_assert_held(&npu_context_lock);$/+  lockdep_assert_held(\&npu_context_lock) ;/' \
			"$p" >"$BATS_TEST_TMPDIR/bad.patch"
		! cmp -s "$p" "$BATS_TEST_TMPDIR/bad.patch" || false
		rc=0
		out=$(cd "$d" && ./scripts/checkpatch.pl --strict --show-types "$BATS_TEST_TMPDIR/bad.patch" 2>/dev/null) || rc=$?
		run checkpatch_clean "$BATS_TEST_TMPDIR/bad.patch" "$rc" "$out"
		[ "$status" -eq 1 ] || { echo "checkpatch $v passed a bad line: $output"; return 1; }
		[[ $output == *"lockdep_assert_held(&npu_context_lock) ;"* ]]
		# upstream's 28a5933e8d36, one of its added lines changed: not
		# upstream's any more, so its report counts
		bad=$(grep -l -x -F $'+\t\tWARN_ON(!kref_get_unless_zero(&npu_context->kref));' \
			$(series_patches "$(series_dir upstream write-once plain)") | tail -n 1)
		sed 's/^+\t\tWARN_ON(!kref_get_unless_zero(&npu_context->kref));$/+\t\tWARN_ON(!kref_get_unless_zero(\&npu_context->kref)) ;/' \
			"$bad" >"$BATS_TEST_TMPDIR/ours.patch"
		rc=0
		out=$(cd "$d" && ./scripts/checkpatch.pl --strict --show-types "$BATS_TEST_TMPDIR/ours.patch" 2>/dev/null) || rc=$?
		run checkpatch_clean "$BATS_TEST_TMPDIR/ours.patch" "$rc" "$out"
		[ "$status" -eq 1 ] || { echo "checkpatch $v passed a changed upstream line: $output"; return 1; }
	done
}

@test "checkpatch: a report is matched by what it quotes, not by its line number" {
	local p=$BATS_TEST_TMPDIR/p.patch
	printf '%s\n' 'From: A <a@example.org>' 'Subject: [PATCH] x' '' 'commit 28a5933e8d362766462ea9e5f135e19f41e658ba upstream.' '' 'Body.' >"$p"
	# a GIT_COMMIT_ID report numbered on another line, quoting the stable line
	run checkpatch_clean "$p" 1 "$(printf '%s\n' \
		"ERROR:GIT_COMMIT_ID: Please use git commit description style - ie: 'commit fatal: bad o (\"x\")'" \
		'#2: ' 'commit 28a5933e8d362766462ea9e5f135e19f41e658ba upstream.' '' 'total: 1 errors, 0 warnings, 3 lines checked')"
	[ "$status" -eq 0 ]
	# the same report quoting another line counts
	run checkpatch_clean "$p" 1 "$(printf '%s\n' \
		"ERROR:GIT_COMMIT_ID: Please use git commit description style" \
		'#4: ' 'see commit 28a5933e8d36 for why' '' 'total: 1 errors, 0 warnings, 3 lines checked')"
	[ "$status" -eq 1 ]
	[[ $output == *"see commit 28a5933e8d36 for why"* ]]
	# a report that quotes no line counts
	run checkpatch_clean "$p" 1 "$(printf '%s\n' 'ERROR:MISSING_SIGN_OFF: Missing Signed-off-by: line(s)' '' 'total: 1 errors, 0 warnings, 3 lines checked')"
	[ "$status" -eq 1 ]
	# against upstream's text (28a5933e8d36): a report on lines of its
	# diff, in its order, does not count, a caret line under them or not
	local ml=$TOP/patches/mainline/28a5933e8d36.patch
	printf '%s\n' 'From: A <a@example.org>' 'Subject: [PATCH 4.14 2/3] powerpc/powernv/npu: Add lock to prevent race in' \
		' concurrent context init/destroy' '' 'commit 28a5933e8d362766462ea9e5f135e19f41e658ba upstream.' '' \
		'[ Context adapted: nothing. ]' '---' >"$p"
	run checkpatch_clean "$p" 1 "$(printf '%s\n' 'CHECK:X: x' '#40: FILE: a.c:1:' \
		'+	spin_lock(&npu_context_lock);' '+	removed = kref_put(&npu_context->kref, pnv_npu2_release_context);' '	^' '' 'total: 0 errors')"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# the same lines out of upstream's order, or a generic line that
	# upstream's diff has elsewhere, count
	run checkpatch_clean "$p" 1 "$(printf '%s\n' 'CHECK:X: x' '#40: FILE: a.c:1:' \
		'+	removed = kref_put(&npu_context->kref, pnv_npu2_release_context);' '+	spin_lock(&npu_context_lock);' '' 'total: 0 errors')"
	[ "$status" -eq 1 ]
	run checkpatch_clean "$p" 1 "$(printf '%s\n' 'CHECK:LINE_SPACING: x' '#40: FILE: a.c:1:' '+' '+	}' '' 'total: 0 errors')"
	[ "$status" -eq 1 ]
	# a context line of ours taken for an added one of upstream's counts
	run checkpatch_clean "$p" 1 "$(printf '%s\n' 'CHECK:X: x' '#40: FILE: a.c:1:' \
		'+	npu_context = mm->context.npu_context;' '' 'total: 0 errors')"
	[ "$status" -eq 1 ]
	grep -qx ' 	npu_context = mm->context.npu_context;' "$ml"
	# an unknown id on a line of ours (a mistyped id in a note) counts;
	# on the stable line, or on upstream's own Fixes: line, it does not
	run checkpatch_clean "$p" 1 "$(printf '%s\n' "WARNING:UNKNOWN_COMMIT_ID: Unknown commit id '28a5933e8d37'" '#7: ' \
		'[ Context adapted: see 28a5933e8d37. ]' '' 'total: 0 errors')"
	[ "$status" -eq 1 ]
	run checkpatch_clean "$p" 1 "$(printf '%s\n' "WARNING:UNKNOWN_COMMIT_ID: Unknown commit id '1ab66d1fbada'" '#5: ' \
		'Fixes: 1ab66d1fbada ("powerpc/powernv: Introduce address translation services for Nvlink2")' '' 'total: 0 errors')"
	[ "$status" -eq 0 ]
	# the Subject: is exempt only if the patch's subject is upstream's
	run checkpatch_clean "$p" 1 "$(printf '%s\n' 'WARNING:LONG_SUMMARY_LINE: summary line over 75 characters' '#2: ' \
		'Subject: [PATCH 4.14 2/3] powerpc/powernv/npu: Add lock to prevent race in concurrent context init/destroy' '' 'total: 0 errors')"
	[ "$status" -eq 0 ]
	sed -i 's|^ concurrent context init/destroy$| concurrent context init/destroy, and more|' "$p"
	run checkpatch_clean "$p" 1 "$(printf '%s\n' 'WARNING:LONG_SUMMARY_LINE: summary line over 75 characters' '#2: ' \
		'Subject: [PATCH 4.14 2/3] powerpc/powernv/npu: Add lock to prevent race in' '' 'total: 0 errors')"
	[ "$status" -eq 1 ]
	# and a checkpatch that did not run is not clean
	run checkpatch_clean "$p" 2 "Can't locate Foo.pm"
	[ "$status" -ne 0 ]
	[[ $output == *"checkpatch did not run"* ]]
}

@test "checkpatch: mail keeps checkpatch's answers, and asks again when checkpatch.pl changes" {
	local d=$BATS_TEST_TMPDIR/t marker=$BATS_TEST_TMPDIR/marker
	tree_with 6.1 none "$d"
	# a cache of its own (the other test files mail beside it), with the
	# spin verdicts of the shared one, which the cover letter needs
	mkdir "$BATS_TEST_TMPDIR/cache"
	[ ! -d "$NPU_CACHE/model" ] || ln -s "$NPU_CACHE/model" "$BATS_TEST_TMPDIR/cache/model"
	export NPU_CACHE=$BATS_TEST_TMPDIR/cache
	run "$TOP/scripts/mail" --tree "$d" --outbox "$BATS_TEST_TMPDIR/ob1" --to list@distro.example
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ -n "$(ls "$NPU_CACHE/checkpatch")" ]
	# the same set again (another addressing): every answer is a kept one
	touch "$marker"
	sleep 1
	run "$TOP/scripts/mail" --tree "$d" --outbox "$BATS_TEST_TMPDIR/ob2" --stable
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ -z "$(find "$NPU_CACHE/checkpatch" -type f -newer "$marker")" ]
	# a checkpatch.pl that finds an error everywhere: no kept answer hides it
	printf '#!/usr/bin/perl\nprint "ERROR:FAKE_ERROR: every line is wrong\\n#1: FILE: x.c:1:\\n+x\\n";\nexit 1;\n' \
		>"$d/scripts/checkpatch.pl"
	git_q -C "$d" commit -q -am "a checkpatch.pl that always fails"
	run "$TOP/scripts/mail" --tree "$d" --outbox "$BATS_TEST_TMPDIR/ob3" --to list@distro.example
	[ "$status" -eq 1 ]
	[[ $output == *FAKE_ERROR* ]]
}
