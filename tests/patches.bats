#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The series in patches/, in both forms: mail form, upstream ids, messages
# and diffs against upstream's (patches/mainline/), the backport notes
# against the bases (patches/bases/), checkpatch, and the relation between
# each plain series and its -lockdep variant.

load lib

# every patch file of every series of FORM (default both), as listed by
# the series files, each once (a -lockdep series lists its plain series'
# files)
all_patches() {
	local f d
	for f in ${1:-$NPU_FORMS}; do
		for d in $(form_series "$f"); do
			series_patches "$(series_dir "$f" "$d" plain)"
			series_patches "$(series_dir "$f" "$d" lockdep)"
		done
	done | xargs -r realpath --relative-to="$TOP" | awk -v top="$TOP" '!seen[$0]++ { print top "/" $0 }'
}

# the mainline text (patches/mainline/) of the commit PATCH names
mainline_of() {
	local id
	id=$(sed -n -E 's/^commit ([0-9a-f]{12})[0-9a-f]{28} upstream\.$/\1/p' "$1")
	[ -n "$id" ] && echo "$TOP/patches/mainline/$id.patch"
}

# upstream's message of a mainline text: SUSE's headers and ack dropped
mainline_msg() {
	git mailinfo "$BATS_TEST_TMPDIR/mm" /dev/null <"$1" >/dev/null
	grep -v -e '^References: ' -e '^Patch-mainline: ' -e '^Git-commit: ' \
		-e '^Acked-by: Michal Suchanek <msuchanek@suse.de>$' "$BATS_TEST_TMPDIR/mm" | cat -s |
		sed -e '1{/^$/d}'
}

# the upstream ids each series must carry, in order
upstream_ids_of() {
	case $1/$2 in
	upstream/orig|upstream/nmmu) echo 2b74e2a9b39d 720c84046c26 28a5933e8d36 a1409adac748 ;;
	upstream/*) echo 720c84046c26 28a5933e8d36 a1409adac748 ;;
	adapted/*) echo 28a5933e8d36 a1409adac748 720c84046c26 ;;
	esac
}

@test "patches: the mainline texts are the public copies, whole, with their ids" {
	local f id n=0
	for f in "$TOP"/patches/mainline/*.patch; do
		n=$((n + 1))
		id=$(basename "$f" .patch)
		head -n 1 "$f" | grep -q "^From $id[0-9a-f]\{28\} "
		grep -q "^Git-commit: $id[0-9a-f]\{28\}$" "$f"
		grep -q "| \`$id\` |.*| \`$(git hash-object "$f")\` |" "$TOP/patches/mainline/README.md" ||
			{ echo "$f: not in mainline/README.md with its blob"; return 1; }
	done
	[ "$n" -eq 6 ]
}

@test "patches: per form and series a plain and a -lockdep series, each file kept once and listed" {
	local f t d ids
	# orig, write-once, orig-4.12, nmmu, nmmu-write-once: each plain
	# series' patches, and one lockdep patch each
	[ "$(all_patches upstream | wc -l)" -eq $(( (4 + 3 + 3 + 4 + 3) + 5 )) ]
	[ "$(all_patches adapted | wc -l)" -eq $((4 * (3 + 1))) ]
	[ "$(find "$TOP/patches/upstream" "$TOP/patches/adapted" -name '*.patch' | wc -l)" -eq $((22 + 16)) ]
	for f in $NPU_FORMS; do
		for t in $(form_series "$f"); do
			for d in "$(series_dir "$f" "$t" plain)" "$(series_dir "$f" "$t" lockdep)"; do
				[ -f "$d/series" ]
				# the folder's own patches are those its series names
				# there; the rest it names are its plain series'
				diff <(grep -v -e '^#' -e / "$d/series" | sort) <(cd "$d" && ls -- *.patch | sort)
				! grep -v '^#' "$d/series" | grep / | grep -v "^\.\./$t/" || false
			done
			# the plain series carries these upstream commits, in order
			ids=$(for p in $(series_patches "$(series_dir "$f" "$t" plain)"); do
				sed -n -E 's/^commit ([0-9a-f]{12})[0-9a-f]{28} upstream\.$/\1/p' "$p"; done | paste -sd' ')
			[ "$ids" = "$(upstream_ids_of "$f" "$t")" ] || { echo "$f/$t: $ids"; return 1; }
		done
	done
}

@test "patches: every patch parses as a mail with author, subject and a diff" {
	local p info
	while read -r p; do
		info=$(git mailinfo "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/p" <"$p")
		grep -q '^Author: .' <<<"$info" || { echo "no author: $p"; return 1; }
		grep -q '^Email: .*@' <<<"$info" || { echo "no email: $p"; return 1; }
		grep -q '^Subject: powerpc/' <<<"$info" || { echo "subject: $p"; return 1; }
		grep -q '^diff --git a/arch/powerpc/platforms/powernv/npu-dma.c' "$BATS_TEST_TMPDIR/p" ||
			{ echo "no diff: $p"; return 1; }
	done < <(all_patches)
}

@test "patches: each upstream commit keeps upstream's author, date, subject and message, with its full id" {
	local p ml m n=0
	while read -r p; do
		ml=$(mainline_of "$p") || continue
		n=$((n + 1))
		[ -r "$ml" ] || { echo "$p: no mainline text for its id"; return 1; }
		# the full id, as stable's rules want it, first in the body
		git mailinfo "$BATS_TEST_TMPDIR/m" /dev/null <"$p" >/dev/null
		m=$(cat "$BATS_TEST_TMPDIR/m")
		[ "$(head -n 1 <<<"$m")" = "commit $(head -n 1 "$ml" | cut -d' ' -f2) upstream." ]
		# From:, Date: and Subject: are upstream's
		diff <(git mailinfo /dev/null /dev/null <"$ml" | grep -E '^(Author|Email|Subject|Date):') \
			<(git mailinfo /dev/null /dev/null <"$p" | grep -E '^(Author|Email|Subject|Date):')
		# the message is upstream's, then, for a prerequisite of the
		# upstream form, stable's Stable-dep-of: naming the fix, then (at
		# most) the bracketed note, and no sign-off of a backporter: the
		# sender adds theirs
		diff <(mainline_msg "$ml") <(sed -n '3,$p' <<<"$m" | sed '/^\[ /,$d' | grep -v '^Stable-dep-of: ')
		case ${p#"$TOP"/patches/}:${ml##*/} in
		upstream/*:2b74e2a9b39d.patch | upstream/*:720c84046c26.patch)
			[ "$(grep -c '^Stable-dep-of: ' <<<"$m")" -eq 1 ]
			grep -qx 'Stable-dep-of: 28a5933e8d36 ("powerpc/powernv/npu: Add lock to prevent race in concurrent context init/destroy")' <<<"$m"
			# right below upstream's trailers
			[ "$(sed '/^\[ /,$d' <<<"$m" | tail -n 1)" = "$(grep '^Stable-dep-of: ' <<<"$m")" ] ;;
		*)
			! grep -q '^Stable-dep-of: ' <<<"$m" || false ;;
		esac
		if grep -q '^\[ ' <<<"$m"; then
			tail -n 1 <<<"$m" | grep -q ' \]$'
		fi
		! grep -q -e 'Seed ' -e '@invalid' <<<"$m" || false
	done < <(all_patches)
	# each patch that carries an upstream commit, once
	[ "$n" -eq $(( (4 + 3 + 3 + 4 + 3) + 4 * 3 )) ]
}

@test "patches: the upstream form's changes are upstream's, line for line" {
	local p d n=0
	while read -r p; do
		mainline_of "$p" >/dev/null || continue
		n=$((n + 1))
		d=$("$NPU_PYTHON" "$TOP/tests/series-check.py" diff "$p")
		[ -z "$d" ] || { echo "$p differs from upstream:"; echo "$d"; return 1; }
	done < <(all_patches upstream)
	[ "$n" -eq 17 ]
}

@test "patches: the adapted form adds no line upstream does not; every difference listed" {
	local p ml d added removed prereq
	prereq=$(sed -n '/^diff --git/,$p' "$TOP"/patches/mainline/720c84046c26.patch | grep '^-[^-]' || true)
	while read -r p; do
		ml=$(mainline_of "$p") || continue
		d=$("$NPU_PYTHON" "$TOP/tests/series-check.py" diff "$p")
		echo "# ${p#"$TOP"/}: $(grep -c '^[-+][-+]' <<<"$d" || true) line(s) differ from upstream's" >&3
		# what we add that upstream's diff does not must not exist
		added=$(grep '^+[+]' <<<"$d" | grep -v '^+++ ours/' | sed 's/^+//' || true)
		[ -z "$added" ] || { echo "$p adds lines upstream does not:"; echo "$added"; return 1; }
		# what we remove that upstream does not: the old code that
		# upstream's prerequisite 720c84046c26 changed
		removed=$(grep '^+-' <<<"$d" | sed 's/^+//' || true)
		while IFS= read -r l; do
			[ -z "$l" ] || grep -qxF -- "$l" <<<"$prereq" ||
				{ echo "$p removes '$l', which neither upstream nor 720c84046c26 does"; return 1; }
		done <<<"$removed"
	done < <(all_patches adapted)
	# and the check finds a difference: the adapted a1409ada keeps the old type
	p=$(series_patches "$(series_dir adapted write-once plain)" | grep -e -Prevent-overwriting-)
	"$NPU_PYTHON" "$TOP/tests/series-check.py" diff "$p" | grep -qF -- '-+			void (*cb)(struct npu_context *, void *),'
}

@test "patches: every backport note is true of every base it is for" {
	local rel s file hfile forms f p w n=0 bases=0
	local -A seen=()
	while IFS=$'\t' read -r rel s _ _ _ file _ hfile forms _; do
		[ "${rel:0:1}" = '#' ] && continue
		# releases with the same files (bases.tsv names them) are the
		# same check: each pair of files once
		[ -z "${seen["$file $hfile $s $forms"]-}" ] || continue
		seen["$file $hfile $s $forms"]=1
		bases=$((bases + 1))
		for f in $forms; do
			for v in plain lockdep; do
				w=$BATS_TEST_TMPDIR/$rel-$f-$v
				mkdir -p "$w/${NPU_FILE%/*}" "$w/${NPU_HDR%/*}"
				cp "$TOP/patches/bases/$file" "$w/$NPU_FILE"
				cp "$TOP/patches/bases/$hfile" "$w/$NPU_HDR"
				while read -r p; do
					if mainline_of "$p" >/dev/null; then
						n=$((n + 1))
						"$NPU_PYTHON" "$TOP/tests/series-check.py" note "$p" "$w" ||
							{ echo "on $rel ($f form)"; return 1; }
					fi
					git -C "$w" apply "$p" || { echo "$p does not apply to $rel"; return 1; }
				done < <(series_patches "$(series_dir "$f" "$(base_series "$f" "$s" "$rel")" "$v")")
			done
		done
	done <"$NPU_BASES"
	[ "$bases" -eq "$(echo "$FIXTURE_RELEASES" | wc -w)" ]
	[ "$n" -ge 50 ]
	# the check can fail: a wrong hunk number, a wrong reason, a wrong count
	w=$BATS_TEST_TMPDIR/neg
	mkdir -p "$w/${NPU_FILE%/*}"
	cp "$TOP/patches/bases/4.13.4/npu-dma.c" "$w/$NPU_FILE"
	p=$(series_patches "$(series_dir adapted orig plain)" | head -n 1)
	"$NPU_PYTHON" "$TOP/tests/series-check.py" note "$p" "$w"
	sed 's/^  lines of 2b74e2a9b39d/  lines of 720c84046c26/' "$p" >"$w/reason.patch"
	! "$NPU_PYTHON" "$TOP/tests/series-check.py" note "$w/reason.patch" "$w" || false
	sed 's/#6 for lines of/#3 for lines of/' "$p" >"$w/hunk.patch"
	! "$NPU_PYTHON" "$TOP/tests/series-check.py" note "$w/hunk.patch" "$w" || false
	sed 's/upstream diff, 4 do not apply/upstream diff, 3 do not apply/' "$p" >"$w/count.patch"
	! "$NPU_PYTHON" "$TOP/tests/series-check.py" note "$w/count.patch" "$w" || false
	# ... and lines an earlier patch of the series takes out: the
	# adapted 720c84046c26 after that form's 28a5933e8d36 (patch 1/3)
	git -C "$w" apply "$p" "$(series_patches "$(series_dir adapted orig plain)" | sed -n 2p)"
	cp -r "$(series_dir adapted orig plain)" "$w/series"
	p=$(ls "$w"/series/0003-*.patch)
	"$NPU_PYTHON" "$TOP/tests/series-check.py" note "$p" "$w"
	sed -i 's/#2 also for the$/#2 also for a/' "$p"
	! "$NPU_PYTHON" "$TOP/tests/series-check.py" note "$p" "$w" || false
	sed -i 's/#2 also for a$/#2 also for the/; s/^  lines patch 1\/3 takes out:/  lines patch 2\/3 takes out:/' "$p"
	! "$NPU_PYTHON" "$TOP/tests/series-check.py" note "$p" "$w" || false
}

@test "patches: the upstream form applies where bases.tsv says, the adapted one everywhere" {
	local rel s file hfile forms w p t ok
	# shellcheck disable=SC2046  # one word per patch
	while IFS=$'\t' read -r rel s _ _ _ file _ hfile forms _; do
		[ "${rel:0:1}" = '#' ] && continue
		w=$BATS_TEST_TMPDIR/$rel
		mkdir -p "$w/${NPU_FILE%/*}" "$w/${NPU_HDR%/*}"
		cp "$TOP/patches/bases/$file" "$w/$NPU_FILE"
		cp "$TOP/patches/bases/$hfile" "$w/$NPU_HDR"
		git_q -C "$w" init -q
		git_q -C "$w" add -A
		git_q -C "$w" commit -q -m base
		# the series' own, or one made for a branch of it (orig-4.12)
		ok=0
		for t in $(series_candidates "$s"); do
			[ -r "$(series_dir upstream "$t" plain)/series" ] || continue
			! series_applies "$w" HEAD $(series_patches "$(series_dir upstream "$t" plain)") || { ok=1; break; }
		done
		if [ "$ok" = 1 ]; then
			[[ " $forms " == *" upstream "* ]] || { echo "$rel: the upstream form applies, bases.tsv says not"; return 1; }
		else
			[[ " $forms " != *" upstream "* ]] || { echo "$rel: the upstream form does not apply"; return 1; }
		fi
		[[ " $forms " == *" adapted "* ]]
		series_applies "$w" HEAD $(series_patches "$(series_dir adapted "$s" plain)")
	done <"$NPU_BASES"
	# on 4.12 the orig series does not apply: 2b74e2a9b39d's hunk #6 ...
	w=$BATS_TEST_TMPDIR/4.12.0
	p=$(series_patches "$(series_dir upstream orig plain)" | head -n 1)
	"$NPU_PYTHON" "$TOP/tests/series-check.py" hunks "$p" "$w" | grep -qx "$NPU_FILE #6 rejected"
	! series_applies "$w" HEAD $(series_patches "$(series_dir upstream orig plain)") || false
	# ... and orig-4.12, the same without it, does, and not on 4.13's
	# code only: its three functions are the same
	[ "$(base_series upstream orig 4.12.0)" = orig-4.12 ]
	[ "$(base_series upstream orig 4.13.4)" = orig ]
	! grep -q '^commit 2b74e2a9b39d' $(series_patches "$(series_dir upstream orig-4.12 plain)") || false
}

@test "patches: each -lockdep series is its plain series' files plus exactly one patch" {
	local f t a b i
	for f in $NPU_FORMS; do
		for t in $(form_series "$f"); do
			mapfile -t a < <(series_patches "$(series_dir "$f" "$t" plain)")
			mapfile -t b < <(series_patches "$(series_dir "$f" "$t" lockdep)")
			[ "${#b[@]}" -eq $(( ${#a[@]} + 1 )) ]
			for ((i = 0; i < ${#a[@]}; i++)); do
				[ "$(realpath "${a[i]}")" = "$(realpath "${b[i]}")" ]
			done
			[ "$(dirname "$(realpath "${b[-1]}")")" = "$(realpath "$(series_dir "$f" "$t" lockdep)")" ]
		done
	done
}

@test "export-series: a folder for git am of each series, numbered in it; bad input refused" {
	local f t v sd o i n p q
	for f in $NPU_FORMS; do
		for t in $(form_series "$f"); do
			for v in plain lockdep; do
				sd=$(series_dir "$f" "$t" "$v")
				o=$BATS_TEST_TMPDIR/$f-$t-$v
				"$TOP/scripts/export-series" "$sd" "$o" >/dev/null
				mapfile -t q < <(series_patches "$sd")
				n=${#q[@]}
				[ "$(ls "$o" | wc -l)" -eq "$n" ]
				i=0
				for p in "$o"/*.patch; do
					i=$((i + 1))
					[[ ${p##*/} == "$(printf '%04d' "$i")-"* ]]
					# the same file but for the count of the subject
					diff <(sed -E '0,/^Subject: \[PATCH [0-9]+\/[0-9]+\]/s//Subject: [PATCH]/' "${q[i - 1]}") \
						<(sed -E "0,/^Subject: \[PATCH $i\/$n\]/s//Subject: [PATCH]/" "$p")
				done
			done
		done
	done
	# git am takes the folder, and gives backport's tree
	fixture_tree "$BATS_TEST_TMPDIR/t" 4.14.67
	git_q -C "$BATS_TEST_TMPDIR/t" am -q "$BATS_TEST_TMPDIR/upstream-write-once-lockdep"/*.patch
	git -C "$BATS_TEST_TMPDIR/t" checkout -q "HEAD~$(ls "$BATS_TEST_TMPDIR/upstream-write-once-lockdep" | wc -l)"
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@localhost "$TOP/scripts/backport" --tree "$BATS_TEST_TMPDIR/t" \
		--form upstream --variant lockdep --output "$BATS_TEST_TMPDIR/bp"
	[ "$(git -C "$BATS_TEST_TMPDIR/bp" rev-parse 'HEAD^{tree}')" = "$(git -C "$BATS_TEST_TMPDIR/t" rev-parse 'master^{tree}')" ]
	run "$TOP/scripts/export-series" "$TOP/patches/upstream/orig" "$o"
	[ "$status" -eq 2 ]
	[[ $output == *"already exists"* ]]
	run "$TOP/scripts/export-series" "$TOP/patches/upstream" "$BATS_TEST_TMPDIR/x"
	[ "$status" -eq 2 ]
	[[ $output == *"no series file"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "patches: the lockdep patch only adds annotation lines, and says what they cost" {
	local f t p bad
	for f in $NPU_FORMS; do
		for t in $(form_series "$f"); do
			p=$(series_patches "$(series_dir "$f" "$t" lockdep)" | tail -n 1)
			# no line removed
			! sed -n '/^diff --git/,$p' "$p" | grep -E '^-[^-]' || false
			# every added line is an annotation (or blank)
			bad=$(sed -n '/^diff --git/,$p' "$p" | grep -E '^\+[^+]' |
				grep -v -E '^\+\s*(might_sleep\(\);|lockdep_assert_held(_exclusive)?\(&[a-z_>.-]+\);|__must_hold\(&npu_context_lock\))?$' || true)
			[ -z "$bad" ] || { echo "$p adds: $bad"; return 1; }
			grep -q '^+	might_sleep();' "$p"
			grep -q '^+	lockdep_assert_held_exclusive(&mm->mmap_sem);' "$p"
			grep -q '^+	lockdep_assert_held(&npu_context_lock);' "$p"
			grep -q '^+	__must_hold(&npu_context_lock)' "$p"
			[ "$(grep -c '^+	might_sleep();' "$p")" -eq 2 ]
			grep -q 'debug and test kernels' "$p"
			# not "compile to nothing": lockdep is on with any LOCKDEP,
			# might_sleep() is a preemption point anyway
			! grep -q 'compile to nothing\.$' "$p" || false
			grep -q 'without CONFIG_LOCKDEP (which PROVE_LOCKING,' "$p"
			grep -q '(_cond_resched())' "$p"
			# why might_sleep() is right: what sleeps, by name
			for w in 'kzalloc(GFP_KERNEL)' '__mmu_notifier_register()' 'mm_take_all_locks()' \
				'mmu_notifier_unregister()' 'synchronize_srcu()'; do
				tr '\n' ' ' <"$p" | grep -qF "$w" || { echo "$p: the message does not name $w"; return 1; }
			done
			# a summary line of at most 75 characters, as
			# submitting-patches.rst asks (a vendor checkpatch warns)
			[ "$(git mailinfo /dev/null /dev/null <"$p" | sed -n 's/^Subject: //p' | wc -L)" -le 75 ]
		done
	done
}

@test "patches: what the lockdep patch's message says of the code is true on every base after the series" {
	local rel s file hfile forms f w p fn
	while IFS=$'\t' read -r rel s _ _ _ file _ hfile forms _; do
		[ "${rel:0:1}" = '#' ] && continue
		for f in $forms; do
			w=$BATS_TEST_TMPDIR/$rel-$f
			mkdir -p "$w/${NPU_FILE%/*}" "$w/${NPU_HDR%/*}"
			cp "$TOP/patches/bases/$file" "$w/$NPU_FILE"
			cp "$TOP/patches/bases/$hfile" "$w/$NPU_HDR"
			# the series, without the lockdep patch itself
			while read -r p; do
				git -C "$w" apply "$p"
			done < <(series_patches "$(series_dir "$f" "$(base_series "$f" "$s" "$rel")" lockdep)" | head -n -1)
			fn() { awk -v f="$1" '$0 ~ "^[a-z].*[ *]" f "\\(" { on = 1 } on { print } on && /^}/ { exit }' "$w/$NPU_FILE"; }
			# "the comments ... state their locking rules: init must be
			# called with mmap_sem held for write, and neither may be
			# called from interrupt context"
			grep -B 30 '^struct npu_context \*pnv_npu2_init_context(' "$w/$NPU_FILE" |
				grep -q 'mmap_sem must be held in write mode and must not be called from interrupt'
			grep -B 6 '^void pnv_npu2_destroy_context(' "$w/$NPU_FILE" | grep -q 'Must not be called from interrupt context'
			# "init allocates the context with kzalloc(GFP_KERNEL) and
			# registers its MMU notifier ... destroy unregisters it"
			fn pnv_npu2_init_context | grep -q 'kzalloc(sizeof(struct npu_context), GFP_KERNEL)'
			fn pnv_npu2_init_context | grep -q '__mmu_notifier_register(&npu_context->mn, mm)'
			fn pnv_npu2_destroy_context | grep -q 'mmu_notifier_unregister(&npu_context->mn'
			# "the kref release callback ... clears mm->context.npu_context"
			fn pnv_npu2_release_context | grep -q 'npu_context->mm->context.npu_context = NULL;'
			! fn pnv_npu2_release_context | grep -q -e kfree -e mmu_notifier_unregister || false
		done
	done <"$NPU_BASES"
}

@test "patches: a1409adac748's upstream-form note says it changes an exported prototype and its CRC" {
	local t p
	for t in $(form_series upstream); do
		for v in plain lockdep; do
			p=$(grep -l '^commit a1409adac748f0db655e096521bbe6904aadeb98 upstream\.$' \
				$(series_patches "$(series_dir upstream "$t" "$v")"))
			# the prototype does change in this patch ...
			grep -q '^+			void (\*cb)(struct npu_context \*, void \*),' "$p"
			# ... and its note says so
			"$NPU_PYTHON" - "$p" <<'PY'
import re, sys
msg = open(sys.argv[1]).read().split('\n---\n', 1)[0]
note = ' '.join(re.search(r'^\[ (.*?) \]$', msg, re.M | re.S).group(1).split())
for w in ('prototype of the exported pnv_npu2_init_context()', 'CONFIG_MODVERSIONS', "symbol's CRC changes", 'adapted form'):
    assert w in note, (sys.argv[1], w, note)
PY
		done
	done
	# the adapted form keeps the type
	for t in $(form_series adapted); do
		! grep -q '^+			void (\*cb)(struct npu_context \*, void \*),' \
			$(series_patches "$(series_dir adapted "$t" plain)") || false
	done
}

@test "patches: checkpatch.pl --strict (linux-source-6.1) is clean; an abbreviated id is not" {
	local cp p out rc
	cp=$(modern_checkpatch)
	# the check itself must catch a style error ...
	p=$(series_patches "$(series_dir adapted write-once plain)" | head -n 1)
	sed 's/^+\tspin_lock(&npu_context_lock);$/+  spin_lock(\&npu_context_lock) ;/' "$p" >"$BATS_TEST_TMPDIR/bad.patch"
	rc=0
	out=$("$cp" --strict --show-types --no-tree "$BATS_TEST_TMPDIR/bad.patch" 2>&1) || rc=$?
	! checkpatch_clean "$BATS_TEST_TMPDIR/bad.patch" "$rc" "$out" || false
	# ... and the short id stable's rules do not take
	sed 's/^commit 28a5933e8d362766462ea9e5f135e19f41e658ba upstream\.$/commit 28a5933 upstream./' "$p" >"$BATS_TEST_TMPDIR/short.patch"
	! cmp -s "$p" "$BATS_TEST_TMPDIR/short.patch" || false
	rc=0
	out=$("$cp" --strict --show-types --no-tree "$BATS_TEST_TMPDIR/short.patch" 2>&1) || rc=$?
	run checkpatch_clean "$BATS_TEST_TMPDIR/short.patch" "$rc" "$out"
	[ "$status" -eq 1 ]
	[[ $output == *"abbreviated upstream id"* ]]
	# ... and what upstream's own code gets is upstream's, not ours: a
	# CHECK on a line upstream does not have still fails
	p=$(grep -l -x -F $'+\t\tWARN_ON(!kref_get_unless_zero(&npu_context->kref));' \
		$(series_patches "$(series_dir upstream write-once plain)") | tail -n 1)
	sed 's/^+\t\tWARN_ON(!kref_get_unless_zero(&npu_context->kref));$/+\t\tWARN_ON(!kref_get_unless_zero(&npu_context->kref)) ;/' \
		"$p" >"$BATS_TEST_TMPDIR/ours.patch"
	! cmp -s "$p" "$BATS_TEST_TMPDIR/ours.patch" || false
	rc=0
	out=$("$cp" --strict --show-types --no-tree "$BATS_TEST_TMPDIR/ours.patch" 2>&1) || rc=$?
	! checkpatch_clean "$BATS_TEST_TMPDIR/ours.patch" "$rc" "$out" || false
	# each patch as it is sent: signed off by its sender
	while read -r p; do
		prepare_patch "$p" "$BATS_TEST_TMPDIR/sent.patch" 'Stable Sender <sender@example.org>'
		rc=0
		out=$(cd "$TOP" && "$cp" --strict --show-types --no-tree "$BATS_TEST_TMPDIR/sent.patch" 2>&1) || rc=$?
		checkpatch_clean "$BATS_TEST_TMPDIR/sent.patch" "$rc" "$out" || { echo "$p: $out"; return 1; }
	done < <(all_patches)
}

@test "patches: checkpatch.pl --strict of each stable tree is clean on its series" {
	need_trees
	local d t f s p out rc n=0
	for d in "$NPU_TREES"/*/; do
		t=$(tree_code "$d")
		valid_series "$t" || continue
		n=$((n + 1))
		for f in $NPU_FORMS; do
			# its variant's series, and one made for its branch (orig-4.12)
			for s in $(series_candidates "$t"); do
				[ -r "$(series_dir "$f" "$s" plain)/series" ] || continue
				while read -r p; do
					prepare_patch "$p" "$BATS_TEST_TMPDIR/sent.patch" 'Stable Sender <sender@example.org>'
					rc=0
					out=$(cd "$d" && ./scripts/checkpatch.pl --strict --show-types "$BATS_TEST_TMPDIR/sent.patch" 2>/dev/null) || rc=$?
					checkpatch_clean "$BATS_TEST_TMPDIR/sent.patch" "$rc" "$out" || { echo "$d: $p: $out"; return 1; }
				done < <(series_patches "$(series_dir "$f" "$s" plain)"; series_patches "$(series_dir "$f" "$s" lockdep)")
			done
		done
	done
	[ "$n" -ge 1 ]
}
