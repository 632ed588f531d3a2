#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Every state a user's tree can be in, generated from the base fixtures and
# the patches (tests/tree-states.py: any subset of the commits, in any
# order and form that applies, SUSE's kABI form of a1409adac748, and
# 28a5933e8d36 with one hunk left out): which commits each has is read
# right, backport gives each the rest of its form, and a partial one is
# refused.  No list of cases: a new base fixture or patch adds its states.

load lib

setup_file() {
	export S=$BATS_FILE_TMPDIR/states R=$BATS_FILE_TMPDIR/results
	mkdir -p "$R"
	"$NPU_PYTHON" "$TOP/tests/tree-states.py" "$S"
	export GIT_CONFIG_GLOBAL=$BATS_FILE_TMPDIR/gitconfig
	git config --global user.name 'Stable Sender'
	git config --global user.email sender@example.org
}

# the commits a state has: the base's (bases.tsv) and what was applied,
# "id12 state" lines in commits.tsv's order, "lockdep present" last if so
expected() {
	local rel=$1 applied=$2 c w base st
	base=$(awk -F '\t' -v r="$rel" '!/^#/ && $1 == r { print $10 }' "$NPU_BASES")
	for c in $(awk -F '\t' '!/^#/ { print substr($1, 1, 12) }' "$TOP/patches/commits.tsv") lockdep; do
		st=missing
		[[ " $base " != *" $c "* ]] || st=present
		for w in $applied; do
			case $w in
			"$c"@*-hunk*) st=partial ;;
			"$c"@*) st=present ;;
			esac
		done
		[ "$c" = lockdep ] && [ "$st" = missing ] && continue
		echo "$c $st"
	done
}

# state_commits REL BRANCH: commits.py's "id12 state" lines for the state
state_commits() {
	"$NPU_PYTHON" "$TOP/scripts/lib/commits.py" --tsv --git "$S/$1" --rev "$2" | cut -f1,2 | tr '\t' ' '
}

# words_set WORDS: the words sorted, each followed by a space, in WORDS_SET
# (in bash: asked for every state)
words_set() {
	local -a w
	local i j t
	read -r -a w <<<"$1"
	for ((i = 1; i < ${#w[@]}; i++)); do
		t=${w[i]}
		for ((j = i - 1; j >= 0; j--)); do
			[[ ${w[j]} > $t ]] || break
			w[j + 1]=${w[j]}
		done
		w[j + 1]=$t
	done
	printf -v WORDS_SET '%s ' "${w[@]}"
}

# content DIR REV: what identifies a state, the two files' blobs
content() {
	git -C "$1" rev-parse "$2:$NPU_FILE" "$2:$NPU_HDR" | paste -sd' '
}

# keep_result DIR REV REL: a tree of DIR's REV, what backport gave a state
# (or the state itself, which had it all), under $R/REL-<blob of its
# npu-dma.c>: one a distinct result, for the selftest below
keep_result() {
	local d rev=$2
	d=$R/$3-$(git -C "$1" rev-parse "$2:$NPU_FILE")
	[ ! -d "$d" ] || return 0
	if [ "$1" != "$S/$3" ]; then
		git -C "$S/$3" fetch -q "$1" "$2"
		rev=FETCH_HEAD
	fi
	git -C "$S/$3" worktree add -q --detach "$d" "$rev"
}

@test "states: generated from every base fixture with a file of its own" {
	local r n
	for r in $FIXTURE_RELEASES; do
		n=$(awk -F '\t' -v r="$r" '$1 == r && $3 == "whole"' "$S/states.tsv" | wc -l)
		[ "$n" -ge 5 ] || { echo "$r: $n whole states"; return 1; }
		n=$(awk -F '\t' -v r="$r" '$1 == r && $3 == "partial"' "$S/states.tsv" | wc -l)
		[ "$n" -ge 7 ] || { echo "$r: $n partial states"; return 1; }
		# SUSE's kABI form wherever upstream's a1409adac748 applies
		grep -q -P "^$r\t.*a1409adac748@kabi" "$S/states.tsv"
	done
	# upstream's order and out of order, both forms, mixes of them
	grep -q -P '\t720c84046c26@upstream 28a5933e8d36@upstream a1409adac748@upstream$' "$S/states.tsv"
	grep -q -P '\t28a5933e8d36@adapted a1409adac748@upstream' "$S/states.tsv"
	grep -q -P '\t720c84046c26@upstream$' "$S/states.tsv"
}

@test "states: which commits each state has is read right, one by one" {
	local rel br kind applied got want bad=0
	while IFS=$'\t' read -r rel br kind applied; do
		got=$(state_commits "$rel" "$br")
		want=$(expected "$rel" "${applied/#-/}")
		if [ "$got" != "$want" ]; then
			echo "$rel $br ($kind: $applied):"
			diff <(echo "$want") <(echo "$got") || true
			bad=1
		fi
	done <"$S/states.tsv"
	[ "$bad" = 0 ]
}

@test "states: SUSE's kABI form of a1409adac748 is read as present, and is the adapted form's code" {
	local rel br applied twin
	declare -A state_of=()
	# each state by its release and commits (in any order): the first
	while IFS=$'\t' read -r rel br _ applied; do
		words_set "$applied"
		[ -n "${state_of["$rel $WORDS_SET"]-}" ] || state_of["$rel $WORDS_SET"]=$br
	done <"$S/states.tsv"
	while IFS=$'\t' read -r rel br _ applied; do
		[[ $applied == *a1409adac748@kabi* ]] || continue
		[ "$(state_commits "$rel" "$br" | grep '^a1409adac748 ')" = "a1409adac748 present" ]
		# the same files as the state with the adapted a1409adac748
		# instead (the same commits in the same forms, in any order)
		words_set "${applied/a1409adac748@kabi/a1409adac748@adapted}"
		twin=${state_of["$rel $WORDS_SET"]-}
		[ -n "$twin" ] || { echo "$rel $br: no state with the adapted a1409adac748 and the rest the same"; return 1; }
		[ "$(content "$S/$rel" "$br")" = "$(content "$S/$rel" "$twin")" ] ||
			{ echo "$rel $br: not the files of $twin"; return 1; }
	done <"$S/states.tsv"
}

# funcs DIR REV OUT: what the tree mode of the selftest compiles of DIR's
# REV (selftests/npu_context/module/extract-tree.sh: struct npu_context,
# the lock, the three functions), in OUT
funcs() {
	mkdir -p "$3.d"
	git -C "$1" show "$2:$NPU_FILE" >"$3.d/npu-dma.c"
	sh "$TOP/selftests/npu_context/module/extract-tree.sh" "$3.d/npu-dma.c" "$3"
}

# whole_series REL FORM SERIES VARIANT DIR: REL's base (the two files) in
# DIR, with the whole SERIES of FORM (VARIANT) applied but for the
# commits the base has (bases.tsv); false if it does not apply
whole_series() {
	local w=$5 base p
	rm -rf "$w"
	mkdir -p "$w/${NPU_FILE%/*}" "$w/${NPU_HDR%/*}"
	git -C "$S/$1" show "s000:$NPU_FILE" >"$w/$NPU_FILE"
	git -C "$S/$1" show "s000:$NPU_HDR" >"$w/$NPU_HDR"
	base=$(awk -F '\t' -v r="$1" '!/^#/ && $1 == r { print $10 }' "$NPU_BASES")
	for p in $(series_patches "$(series_dir "$2" "$3" "$4")"); do
		[[ " $base " == *" $(patch_commit "$p") "* ]] || (cd "$w" && git apply "$p" 2>/dev/null) || return 1
	done
}

# full_funcs REL FORM SERIES VARIANT: the path of funcs of REL's base with
# the whole SERIES of FORM (VARIANT) applied (whole_series), made once.
# Where SERIES does not apply to the base, the base's own series of FORM:
# a tree that took a prerequisite of it (2b74e2a9b39d of the orig series
# on 4.13) has the code of the variant SERIES is for.
full_funcs() {
	local f=$BATS_FILE_TMPDIR/full/$1-$2-$3-$4.c w=$BATS_FILE_TMPDIR/full/work own
	if [ ! -e "$f" ]; then
		if ! whole_series "$@" "$w"; then
			own=$(base_series "$2" "$(awk -F '\t' -v r="$1" '!/^#/ && $1 == r { print $2 }' "$NPU_BASES")" "$1")
			whole_series "$1" "$2" "$own" "$4" "$w" || { echo "$1: neither the $3 nor the $own $2 series applies to the base" >&2; return 1; }
		fi
		sh "$TOP/selftests/npu_context/module/extract-tree.sh" "$w/$NPU_FILE" "$f"
	fi
	echo "$f"
}

# States with the same files (the same commits taken in another order) are
# one input to backport, which reads a tree's files and not its history:
# each distinct one is run.  Its result has the three functions of the
# whole series of the form it picks on that base, unless the tree held a
# commit in the other form (or the lockdep patch, asked for plain): that
# commit stays as the tree has it (Documentation/npu-context-race.rst,
# "What such a tree ends with").
@test "states: backport gives every whole state what it lacks of the form it picks, or leaves it alone (exit 3); the whole series' functions" {
	local rel br kind applied v out form series want have got c o bad=0 n0=0 n3=0 key nw=0 same=0
	local w kept neq=0 nkept=0 full fn=$BATS_TEST_TMPDIR/funcs.c eqrel=' ' r
	declare -A whole_of ran
	# each whole state by its files, with the commits it has
	while IFS=$'\t' read -r rel br kind applied; do
		[ "$kind" = whole ] || continue
		whole_of["$rel $(content "$S/$rel" "$br")"]=$(expected "$rel" "${applied/#-/}" | awk '$2 == "present" { print $1 }' | paste -sd' ')
	done <"$S/states.tsv"
	while IFS=$'\t' read -r rel br kind applied; do
		[ "$kind" = whole ] || continue
		nw=$((nw + 1))
		key="$rel $(content "$S/$rel" "$br")"
		if [ -n "${ran[$key]-}" ]; then
			same=$((same + 1))
			continue
		fi
		ran[$key]=$br
		git -C "$S/$rel" checkout -q "$br"
		have=${whole_of[$key]}
		for v in plain lockdep; do
			o=$BATS_TEST_TMPDIR/out
			rm -rf "$o"
			run "$TOP/scripts/backport" --tree "$S/$rel" --variant "$v" --output "$o"
			read -r series form < <(sed -n -e 's/.*: the \([a-z0-9.-]*\) [a-z]* series (\([a-z]*\) form) is already applied.*/\1 \2/p' \
				-e 's/.*: applied [0-9]* patch(es) of \([a-z0-9.-]*\) (\([a-z]*\) form, .*/\1 \2/p' <<<"$output") || true
			# the form: adapted where the tree has an adapted commit
			# (SUSE's kABI one too), else upstream's where it applies.
			# The adapted 28a5933e8d36 and 720c84046c26 together are
			# upstream's code of both (but for a blank line): a tree
			# with those two and no other adapted commit reads as
			# upstream's, and is one
			if [[ $applied == *@kabi* ]] || { [[ $applied == *@adapted* ]] &&
				! [[ $applied == *28a5933e8d36@adapted* && $applied == *720c84046c26@adapted* &&
					$applied != *a1409adac748@adapted* ]]; }; then
				[ "$form" = adapted ] || { echo "$rel $br $v ($applied): form $form"; bad=1; }
			elif [[ $(awk -F '\t' -v r="$rel" '$1 == r { print $9 }' "$NPU_BASES") == upstream* ]]; then
				[ "$form" = upstream ] || { echo "$rel $br $v ($applied): form $form"; bad=1; }
			fi
			want=$(for p in $(series_patches "$(series_dir "$form" "$series" "$v")"); do patch_commit "$p"; done)
			# what it picked, asked for by name (--series, --form, as a
			# user who checks a plan would): the same answer
			if [ "$v" = plain ]; then
				local st=$status
				run "$TOP/scripts/backport" --tree "$S/$rel" --series "$series" --form "$form"
				[ "$status" = "$st" ] || { echo "$rel $br --series $series --form $form: exit $status, not $st: $output"; bad=1; }
				status=$st
			fi
			# what the series leaves out is said, nothing to do or not
			# (2b74e2a9b39d, where orig-4.12 or the adapted form apply)
			for c in $(awk -F '\t' '!/^#/ && $2 == "series" { print substr($1, 1, 12) }' "$NPU_PATCHES/commits.tsv"); do
				[[ " $have ${want//$'\n'/ } " != *" $c "* ]] || continue
				grep -q -E "$c[ 0-9a-f]* stays? missing: the $form form of the $series series" <<<"$output" || {
					echo "$rel $br $v ($applied): $c not said to stay missing: $output"
					bad=1
				}
			done
			case $status in
			0) funcs "$o" HEAD "$fn" ;;
			3) funcs "$S/$rel" "$br" "$fn" ;;
			esac
			if [ "$status" = 0 ] || [ "$status" = 3 ]; then
				kept=''
				for w in $applied; do
					case $w in
					-) ;;
					lockdep@*) [ "$v" = lockdep ] && [ "${w#*@}" = "$form" ] || kept+=" $w" ;;
					*@kabi) [ "$form" = adapted ] || kept+=" $w" ;;
					*@"$form") ;;
					*) kept+=" $w" ;;
					esac
				done
				if [ -n "$kept" ]; then
					nkept=$((nkept + 1))
				elif full=$(full_funcs "$rel" "$form" "$series" "$v") && cmp -s "$fn" "$full"; then
					neq=$((neq + 1))
					eqrel+="$rel/$form/$v "
				else
					echo "$rel $br $v ($applied): the functions differ from the whole $form $series series' on $rel"
					[ -z "$full" ] || diff -u "$full" "$fn" | head -n 20
					bad=1
				fi
			fi
			case $status in
			3)
				n3=$((n3 + 1))
				keep_result "$S/$rel" "$br" "$rel"
				for c in $want; do
					[[ " $have " == *" $c "* ]] || { echo "$rel $br $v ($applied): exit 3 but $c missing"; bad=1; }
				done
				;;
			0)
				n0=$((n0 + 1))
				keep_result "$o" HEAD "$rel"
				got=${whole_of["$rel $(content "$o" HEAD)"]-none}
				# the result is a state of its own: the tree's commits, in
				# their forms, and the rest of the series
				for c in $have $want; do
					[[ " $got " == *" $c "* ]] || { echo "$rel $br $v ($applied): the result ($got) lacks $c"; bad=1; }
				done
				;;
			*)
				echo "$rel $br $v ($applied): exit $status"
				echo "$output"
				bad=1
				;;
			esac
		done
		[ -z "$(git -C "$S/$rel" status --porcelain)" ]
		[ "$(git -C "$S/$rel" rev-parse HEAD)" = "$(git -C "$S/$rel" rev-parse "$br")" ]
	done <"$S/states.tsv"
	echo "whole states: $nw, $same of them with another's files; backport runs: applied $n0, nothing to do $n3" >&3
	echo "results with the functions of the whole series of their form: $neq; keeping a commit of the tree's in the other form: $nkept" >&3
	[ "$bad" = 0 ]
	[ "$((n0 + n3))" = "$((2 * (nw - same)))" ]
	[ "$((neq + nkept))" = "$((n0 + n3))" ]
	# on each base, results of each form and variant were compared
	for r in $FIXTURE_RELEASES; do
		for w in upstream/plain upstream/lockdep adapted/plain adapted/lockdep; do
			[[ $eqrel == *" $r/$w "* ]] || { echo "$r: no $w result compared with the whole series"; return 1; }
		done
	done
}

@test "states: a partly present commit is refused (exit 2), naming the hunk that is not there; the tree is untouched" {
	local rel br kind applied n before
	while IFS=$'\t' read -r rel br kind applied; do
		[ "$kind" = partial ] || continue
		git -C "$S/$rel" checkout -q "$br"
		before=$(snapshot "$S/$rel")
		n=${applied##*-hunk}
		run "$TOP/scripts/backport" --tree "$S/$rel" --in-place
		[ "$status" -eq 2 ] || { echo "$rel $br ($applied): exit $status: $output"; return 1; }
		[[ $output == *"28a5933e8d36 partly present"* ]]
		[[ $output == *"28a5933e8d36: hunk #$n ("* || $output == *"; hunk #$n ("* ]] ||
			{ echo "$rel $br ($applied): $output"; return 1; }
		[ "$(snapshot "$S/$rel")" = "$before" ]
	done <"$S/states.tsv"
}

@test "states: the README's example line is what a 4.14.67 that took 720c84046c26 reads as" {
	local br line
	br=$(awk -F '\t' '$1 == "4.14.67" && $4 == "720c84046c26@upstream" { print $2 }' "$S/states.tsv")
	[ -n "$br" ]
	line=$(grep -A 2 'on a 4.14.67 that took 720c84046c26:' "$TOP/README.md" | sed -n '3s/^    //p')
	[ -n "$line" ]
	[ "$("$NPU_PYTHON" "$TOP/scripts/lib/commits.py" --git "$S/4.14.67" --rev "$br")" = "$line" ]
}

# After the backport test above: its distinct results (each state's tree
# after backport, one per distinct npu-dma.c), each in the three cases, in
# one boot of the KCSAN + lockdep guest; results whose code under test is
# the same (what selftests/npu_context/module/extract-tree.sh copies out:
# the three functions, struct npu_context, the lock) build the same module
# and give the same verdicts, so each such code runs once.  Every result
# holds the commits of the three bugs (both forms carry them), and so
# passes all three cases.  Most results are the code of their base's
# whole series in a form and variant (the test above compares them):
# tests/selftest.bats runs that code in the same three cases ("each base's
# real code in one boot"), so it runs there, not here too.
@test "states: the tree-mode selftest passes on each distinct result of backport, all in one boot" {
	local d b=$BATS_TEST_TMPDIR/batch n=0 codes=0 rels=' ' r key seen=' ' c f v own full covered=' ' elsewhere=0
	: >"$b"
	for r in $FIXTURE_RELEASES; do
		own=$(awk -F '\t' -v r="$r" '!/^#/ && $1 == r { print $2 }' "$NPU_BASES")
		for f in $(forms_of "$r"); do
			for v in plain lockdep; do
				full=$(full_funcs "$r" "$f" "$own" "$v")
				covered+="$(sha256sum <"$full" | cut -c1-16) "
			done
		done
	done
	for d in "$R"/*/; do
		[ -d "$d" ] || continue
		d=${d%/}
		n=$((n + 1))
		rels+="${d##*/} "
		"$NPU_PYTHON" "$TOP/scripts/lib/commits.py" --tsv --git "$d" >"$BATS_TEST_TMPDIR/commits.tsv"
		for c in 720c84046c26 28a5933e8d36 a1409adac748; do
			grep -q -P "^$c\tpresent\t" "$BATS_TEST_TMPDIR/commits.tsv" || { echo "${d##*/}: lacks $c"; return 1; }
		done
		sh "$TOP/selftests/npu_context/module/extract-tree.sh" "$d/$NPU_FILE" "$BATS_TEST_TMPDIR/code.c"
		key=$(sha256sum <"$BATS_TEST_TMPDIR/code.c" | cut -c1-16)
		[[ $seen != *" $key "* ]] || continue
		seen+="$key "
		if [[ $covered == *" $key "* ]]; then
			elsewhere=$((elsewhere + 1))
			continue
		fi
		codes=$((codes + 1))
		{
			echo "--code tree --tree $d --variant unpatched --delay-us 20 --duration-ms $TREE_RACE_MS"
			echo "--code tree --tree $d --variant unpatched --case register"
			echo "--code tree --tree $d --variant unpatched --case callback"
		} >>"$b"
	done
	# every base has results (the test above keeps them)
	for r in $FIXTURE_RELEASES; do
		[[ $rels == *" $r-"* ]] || { echo "no result of $r: run with the backport test above"; return 1; }
	done
	[ "$codes" -ge 2 ]
	run "$TOP/scripts/run-selftest" --batch "$b"
	passed_or_shown "not every result passed"
	[[ $output == *"batch: $((3 * codes)) of $((3 * codes)) jobs as expected"* ]]
	echo "distinct results: $n, of distinct code under test: $((codes + elsewhere)), $elsewhere of them a base's whole series (tests/selftest.bats runs those); jobs: $((3 * codes)), in one boot" >&3
}
