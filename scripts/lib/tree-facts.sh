# SPDX-License-Identifier: GPL-2.0
# What a kernel tree is, read from the tree: the checks every script that
# takes a tree makes, its release, which of upstream's commits its code
# has, and the record of those facts with the plan made on them
# (tree_plan, NPU_FACTS).  Source it after common.sh.
# shellcheck shell=bash disable=SC2034
# shellcheck source=series.sh
. "${BASH_SOURCE[0]%/*}/series.sh"

# tree_release DIR [REV]: "4.14.98", from the top Makefile of DIR's REV
# (default HEAD).
tree_release() {
	makefile_release < <(git -C "$1" show "${2:-HEAD}:Makefile" 2>/dev/null)
}

# makefile_release: "X.Y.Z" from the top Makefile on stdin (its first
# VERSION, PATCHLEVEL and SUBLEVEL lines); read in bash, as every script
# that takes a tree asks it.
makefile_release() {
	local l v='' p='' s=''
	while IFS= read -r l; do
		case $l in
		'VERSION = '*) [ -n "$v" ] || v=${l#VERSION = } ;;
		'PATCHLEVEL = '*) [ -n "$p" ] || p=${l#PATCHLEVEL = } ;;
		'SUBLEVEL = '*) [ -n "$s" ] || s=${l#SUBLEVEL = } ;;
		esac
		[ -z "$s" ] || break
	done
	printf '%s\n' "$v${p:+.$p}${s:+.$s}"
}

# branch_facts X.Y: the line of patches/bases/branches.tsv for that branch,
# without the branch: last or latest release, its date, ended|maintained,
# the source, tab-separated.  Prints nothing for a branch not listed.
branch_facts() {
	awk -F '\t' -v b="$1" '!/^#/ && $1 == b { print $2 "\t" $3 "\t" $4 "\t" $5; exit }' "$NPU_BRANCHES"
}

# check_tree DIR [vX.Y]: DIR must be the top of a clean kernel git work
# tree (of version X.Y, if given).  Dies with a message saying what was
# found.  Sets TREE_RELEASE, read from the top Makefile on the way (the
# same as HEAD's: the tree is clean), so that a caller need not read it
# again.
check_tree() {
	local dir=$1 target=${2-} top v p='' s gitdir dirty

	[ -d "$dir" ] || die "$dir: no such directory"
	# (one git for both: backport runs this for every tree state tested)
	{ read -r top && read -r gitdir; } < <(git -C "$dir" rev-parse --show-toplevel --absolute-git-dir 2>/dev/null) ||
		die "$dir is not a git work tree (need a kernel git checkout)"
	[ "$top" -ef "$dir" ] ||
		die "$dir is inside the git tree $top, not its top directory"
	if [ -f "$dir/Makefile" ]; then
		TREE_RELEASE=$(makefile_release <"$dir/Makefile")
		IFS=. read -r v p s <<<"$TREE_RELEASE"
	fi
	if [ ! -f "$dir/Makefile" ] || [ ! -d "$dir/arch/powerpc" ] || [ -z "$p" ]; then
		die "$dir is not a Linux kernel tree (no top Makefile with VERSION/PATCHLEVEL, or no arch/powerpc)"
	fi
	if [ -n "$target" ]; then
		[[ $target =~ ^v[0-9]+\.[0-9]+$ ]] || die "--target $target: expected vX.Y, e.g. v4.14"
		[ "$v.$p" = "${target#v}" ] || die "$dir is Linux $v.$p.${s:-?}, not $target"
	fi
	if [ -d "$gitdir/rebase-apply" ] || [ -d "$gitdir/rebase-merge" ]; then
		die "$dir has a git am or rebase in progress; finish or abort it first"
	fi
	dirty=$(git -C "$dir" status --porcelain --untracked-files=no)
	[ -z "$dirty" ] || die "$dir has uncommitted changes to tracked files; commit or stash them first:
$dirty"
	git -C "$dir" cat-file -e "HEAD:$NPU_FILE" 2>/dev/null ||
		die "$dir: HEAD has no $NPU_FILE"
	refuse_conflicts "$dir" HEAD
}

# conflict_markers DIR REV: "FILE: lines N, M, ..." for each file the
# series touch ($NPU_FILE, $NPU_HDR) whose text at REV of DIR has merge
# conflict markers left in it: a "<<<<<<< " or ">>>>>>> " line (the
# "=======" and "||||||| " lines between them are named too).  Prints
# nothing when there are none.
conflict_markers() {
	local f text lines start='^(<{7}|>{7})( |$)'
	# (one git grep first: a tree without markers, the common case, costs
	# one process)
	git -C "$1" grep -q -E "$start" "$2" -- "$NPU_FILE" "$NPU_HDR" 2>/dev/null || return 0
	for f in "$NPU_FILE" "$NPU_HDR"; do
		text=$(git -C "$1" show "$2:$f" 2>/dev/null) || continue
		grep -q -E "$start" <<<"$text" || continue
		lines=$(grep -n -E '^(<{7}|>{7}|\|{7})( |$)|^={7}$' <<<"$text" | cut -d: -f1 | paste -sd, | sed 's/,/, /g')
		echo "$f: lines $lines"
	done
}

# refuse_conflicts DIR REV: die (exit 2 in every script that takes a tree)
# if a file the series touch has conflict markers at REV of DIR: such a
# file is no code of any series, whatever one side of the conflict has.
refuse_conflicts() {
	local found
	found=$(conflict_markers "$1" "$2")
	[ -z "$found" ] && return 0
	DIE_STATUS=2 die "$1 ($2): unresolved merge conflict markers; finish the merge (or check out a commit without them) first:
    ${found//$'\n'/$'\n'    }"
}

# tree_commits DIR [REV]: which of the commits of patches/commits.tsv the
# code at REV (default HEAD) of DIR has, one by one (lib/commits.py says
# how it tells): sets TREE_COMMITS to commits.py's lines, tab-separated:
#   id12 (or "lockdep")  present|missing|partial  upstream|adapted|-
#   the hunks not there (partial) or -  the words for commits_line
# The answer is kept under $NPU_CACHE/commits, keyed by all commits.py
# reads: the files the patches touch, at REV, every text of patches/, the
# commit list and commits.py itself (every state test and mail asks it
# again for the same files); and for the process by DIR and REV, when REV is
# a commit id (build-test plans each row of a tree; HEAD may move).
declare -gA NPU_TREE_COMMITS=()
tree_commits() {
	local rev=${2:-HEAD} key f files
	if [[ $rev =~ ^[0-9a-f]{40}$ ]] && [ -n "${NPU_TREE_COMMITS[$1 $rev]-}" ]; then
		TREE_COMMITS=${NPU_TREE_COMMITS[$1 $rev]}
		return 0
	fi
	# (a patches/ of the tests' may lack a folder: a glob left as it is)
	files=$(sed -n 's|^diff --git a/\([^ ]*\) .*|\1|p' "$NPU_PATCHES"/mainline/*.patch \
		"$NPU_PATCHES"/*/*/*.patch 2>/dev/null | sort -u) || true
	# shellcheck disable=SC2046,SC2086  # one word per path
	key=$( {
		echo "commits 1 $files"
		git -C "$1" rev-parse $(printf "$rev:%s " $files) 2>&1
		cat "$NPU_TOP/scripts/lib/commits.py" "${NPU_COMMITS:-$NPU_PATCHES/commits.tsv}" \
			"$NPU_PATCHES"/mainline/*.patch "$NPU_PATCHES"/*/*/*.patch 2>/dev/null || true
	} | sha256sum)
	f=$NPU_CACHE/commits/${key:0:32}
	if [ -r "$f" ]; then
		TREE_COMMITS=$(<"$f")
		NPU_TREE_COMMITS[$1 $rev]=$TREE_COMMITS
		return 0
	fi
	TREE_COMMITS=$(NPU_PATCHES=$NPU_PATCHES "$NPU_PYTHON" "$NPU_TOP/scripts/lib/commits.py" \
		--tsv --git "$1" --rev "$rev") ||
		DIE_STATUS=2 die "$1 ($rev): could not tell which upstream commits its code has"
	NPU_TREE_COMMITS[$1 $rev]=$TREE_COMMITS
	if mkdir -p "$NPU_CACHE/commits" 2>/dev/null; then
		printf '%s\n' "$TREE_COMMITS" >"$f.$$" && mv "$f.$$" "$f"
	fi
}

# commits_line: TREE_COMMITS as one line, "1b2c2b12386f missing ·
# 2b74e2a9b39d present · ...", as every command that takes a tree prints it.
commits_line() {
	local id st f h w line=''
	while IFS=$'\t' read -r id st f h w; do
		line+="${line:+ · }$w"
	done <<<"$TREE_COMMITS"
	printf '%s\n' "$line"
}

# commits_had: the commits TREE_COMMITS has (present, the lockdep
# checks too), comma-separated id12s, or "nothing": what a run of the
# tree's own code (unpatched) is of.
commits_had() {
	local id st rest out=''
	while IFS=$'\t' read -r id st rest; do
		[ "$st" != present ] || out+="${out:+,}$id"
	done <<<"$TREE_COMMITS"
	echo "${out:-nothing}"
}

# commit_state ID12: present, missing or partial, from TREE_COMMITS
# (missing for a commit it does not name).
commit_state() {
	# (in bash: backport asks it for every patch of every series it tries)
	local id st rest s=missing
	while IFS=$'\t' read -r id st rest; do
		[ "$id" != "$1" ] || s=$st
	done <<<"$TREE_COMMITS"
	echo "$s"
}

# commits_in_form FORM: the commits TREE_COMMITS has in that form, id12s.
commits_in_form() {
	local id st f rest
	while IFS=$'\t' read -r id st f rest; do
		[ "$st" != present ] || [ "$f" != "$1" ] || printf '%s\n' "$id"
	done <<<"$TREE_COMMITS"
}

# commits_partial: "ID12: the hunks not there" for each commit of
# TREE_COMMITS that is partly present.
commits_partial() {
	local id st f h rest
	while IFS=$'\t' read -r id st f h rest; do
		[ "$st" != partial ] || printf '%s: %s\n' "$id" "$h"
	done <<<"$TREE_COMMITS"
}

# tree_variant: the code variant (series) of TREE_COMMITS' tree:
# 1b2c2b12386f (v4.15) makes it nmmu, 2b74e2a9b39d (stable 4.14.45 and
# 4.16.13) write-once, both nmmu-write-once, neither orig.
tree_variant() {
	local v=orig
	[ "$(commit_state 2b74e2a9b39d)" != present ] || v=write-once
	if [ "$(commit_state 1b2c2b12386f)" = present ]; then
		v=nmmu${v#orig}
		v=${v/nmmuwrite-once/nmmu-write-once}
	fi
	echo "$v"
}

# plan_inputs: what every plan of this checkout depends on besides the
# tree: where patches/ is (COMPOSED holds its paths), every text of it, the
# facts about the bases and commits, and the code that plans; computed
# once a process, in PLAN_INPUTS.
PLAN_INPUTS=''
plan_inputs() {
	[ -z "$PLAN_INPUTS" ] || return 0
	PLAN_INPUTS=$( {
		echo "plan 1 $NPU_PATCHES"
		cat "$NPU_PATCHES"/mainline/*.patch "$NPU_PATCHES"/*/*/series "$NPU_PATCHES"/*/*/*.patch \
			"$NPU_BASES" "${NPU_COMMITS:-$NPU_PATCHES/commits.tsv}" \
			"$NPU_TOP"/scripts/lib/*.sh "$NPU_TOP/scripts/lib/commits.py" 2>/dev/null || true
	} | sha256sum | cut -c1-32)
}

# tree_plan DIR RELEASE FORM VARIANT [SERIES [REV]]: what the VARIANT
# (plain or lockdep) series of FORM (empty: as scripts/backport chooses
# it; SERIES: as --series asks) adds to DIR's REV (default HEAD):
# tree_commits, then plan_series (which sets PLAN_*, COMPOSED and
# COMPOSED_HAVE, or dies as there).  Sets PLAN_ADDS: the ids of COMPOSED's
# patches (id12, or "lockdep"), comma-separated, empty if none; and
# PLAN_FIXES: the commits of the three bugs (28a5933e8d36, 720c84046c26,
# a1409adac748) that the tree has, or gets from COMPOSED.
#
# The record of a tree's facts: with NPU_FACTS (a directory), each answer
# is kept there, keyed by REV's commit, what is asked and plan_inputs,
# and read back: an entry point that asks once (build-test, mail,
# run-selftest --batch) sets NPU_FACTS, and the scripts it calls
# (backport on a copy of the same commit, with the same question) read
# its answer instead of working it out again.
tree_plan() {
	local dir=$1 release=$2 form=$3 variant=$4 series=${5-} rev=${6:-HEAD} p c f=''
	if [ -n "${NPU_FACTS:-}" ]; then
		plan_inputs
		f=$NPU_FACTS/$(printf '%s\n' "$(git -C "$dir" rev-parse "$rev^{commit}")" "$form" "$variant" "$series" \
			"$PLAN_INPUTS" | sha256sum | cut -c1-24)
		if [ -r "$f" ]; then
			# shellcheck disable=SC1090  # written below
			. "$f"
			return 0
		fi
	fi
	tree_commits "$dir" "$rev"
	plan_series "$dir" "$release" "$form" "$variant" "$series" "$rev"
	PLAN_FIXES=' ' PLAN_ADDS=''
	for c in 28a5933e8d36 720c84046c26 a1409adac748; do
		[ "$(commit_state "$c")" != present ] || PLAN_FIXES+="$c "
	done
	for p in "${COMPOSED[@]}"; do
		patch_commit_id "$p"
		PLAN_FIXES+="$PATCH_ID "
		PLAN_ADDS+="${PLAN_ADDS:+,}$PATCH_ID"
	done
	if [ -n "$f" ] && mkdir -p "$NPU_FACTS" 2>/dev/null; then
		declare -p TREE_COMMITS PLAN_SERIES PLAN_FORM PLAN_WHY PLAN_VARIANT PLAN_OK COMPOSED COMPOSED_HAVE PLAN_FIXES PLAN_ADDS |
			sed -E 's/^declare -(-|([a-zA-Z]+)) /declare -g\2 /' >"$f.$$"
		mv "$f.$$" "$f"
	fi
}
