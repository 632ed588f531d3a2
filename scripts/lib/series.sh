# SPDX-License-Identifier: GPL-2.0
# The series of patches/ (per code variant and form) and what of them a tree
# lacks.  Source it after common.sh.
# shellcheck shell=bash disable=SC2034

# The code variants the series are made for, oldest first.  Each is a
# directory of patches/ (and its -lockdep variant); patches/bases/bases.tsv
# names the releases seen with each and keeps their unpatched npu-dma.c.
NPU_SERIES="orig write-once nmmu nmmu-write-once"

# Series made for one branch of a variant, named <variant>-<branch>, where
# the variant's upstream series does not apply to that branch: orig-4.12,
# upstream form only, leaves out 2b74e2a9b39d, the hunk #6 of whose orig
# patch needs v4.13's move of the nest MMU flush in mmio_invalidate()
# (4.12's code is of the orig variant: the three functions are 4.13's).
NPU_BRANCH_SERIES="orig-4.12"

# series_candidates VARIANT...: each VARIANT, then the series of
# NPU_BRANCH_SERIES made for one branch of it.
series_candidates() {
	local v s
	for v; do
		echo "$v"
		for s in $NPU_BRANCH_SERIES; do
			[ "${s%-*}" != "$v" ] || echo "$s"
		done
	done
}

# form_series FORM: the series FORM has, in series_candidates' order.
form_series() {
	local s
	# shellcheck disable=SC2086  # one word per series
	for s in $(series_candidates $NPU_SERIES); do
		[ ! -r "$NPU_PATCHES/$1/$s/series" ] || echo "$s"
	done
}

valid_series() {
	case " $NPU_SERIES $NPU_BRANCH_SERIES " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# The two forms of each series, the default first:
#   upstream  upstream's own commits as they are, with the prerequisites
#             the branch lacks: 2b74e2a9b39d where missing, 720c84046c26,
#             then 28a5933e8d36 and a1409adac748 (patches/upstream/)
#   adapted   28a5933e8d36, a1409adac748 and then 720c84046c26 adapted to
#             the branch's code, without prerequisites and with the
#             callback type unchanged (patches/adapted/): where the
#             upstream form does not apply or a frozen kABI rules out a
#             prototype change
NPU_FORMS="upstream adapted"

valid_form() {
	case " $NPU_FORMS " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# series_dir FORM SERIES VARIANT: the directory of that series' patches.
series_dir() {
	if [ "$3" = lockdep ]; then
		echo "$NPU_PATCHES/$1/$2-lockdep"
	else
		echo "$NPU_PATCHES/$1/$2"
	fi
}

# index_applies DIR REV OPTS PATCH...: true if the patches, in the order
# given, apply with "git apply --cached OPTS" (exact context, as git am
# needs) one after the other to REV of DIR.  Works on a throw-away index
# and a throw-away object store that borrows DIR's (apply writes the
# blobs it makes): DIR, its .git too, is only read, and may be read-only.
# OPTS is one word or empty.  One git apply takes the patches in turn,
# each on the result of those before it; each answer is kept for the
# process by REV's tree (backport asks the same more than once).
declare -gA NPU_APPLIES=()
index_applies() {
	local dir=$1 rev=$2 opts=$3 tmp rc=0 objects tree key
	shift 3
	{ read -r objects && read -r tree; } < <(git -C "$dir" rev-parse --path-format=absolute \
		--git-path objects "$rev^{tree}" 2>/dev/null) || return 1
	[ "$#" -gt 0 ] || return 0
	key="$tree $opts $*"
	if [ -n "${NPU_APPLIES[$key]-}" ]; then
		return "${NPU_APPLIES[$key]}"
	fi
	tmp=$(mktemp -d)
	# shellcheck disable=SC2086  # OPTS: one word or none
	GIT_INDEX_FILE=$tmp/index GIT_OBJECT_DIRECTORY=$tmp GIT_ALTERNATE_OBJECT_DIRECTORIES=$objects \
		git -C "$dir" read-tree "$tree" &&
		GIT_INDEX_FILE=$tmp/index GIT_OBJECT_DIRECTORY=$tmp GIT_ALTERNATE_OBJECT_DIRECTORIES=$objects \
			git -C "$dir" apply --cached $opts "$@" 2>/dev/null || rc=1
	rm -rf "$tmp"
	NPU_APPLIES[$key]=$rc
	return "$rc"
}

# series_applies DIR REV PATCH...: true if the patches, in order, apply to
# REV of DIR.
series_applies() {
	index_applies "$1" "$2" '' "${@:3}"
}

# applying_series DIR FORM SERIES VARIANT [REV]: the series of FORM whose
# patches apply to DIR's REV (default HEAD), whose code is of SERIES:
# SERIES, or one made for a branch of it (orig-4.12); nothing if none
# does.
applying_series() {
	local s
	local -a ps
	for s in $(series_candidates "$3"); do
		mapfile -t ps < <(series_patches "$(series_dir "$2" "$s" "$4")" 2>/dev/null)
		if [ "${#ps[@]}" -gt 0 ] && series_applies "$1" "${5:-HEAD}" "${ps[@]}"; then
			echo "$s"
			return 0
		fi
	done
}

# pick_form DIR SERIES VARIANT [REV]: the form to use on DIR's REV
# (default HEAD) when none is asked for: upstream where a series of it
# applies (applying_series), else adapted.
pick_form() {
	if [ -n "$(applying_series "$1" upstream "${@:2}")" ]; then
		echo upstream
	else
		echo adapted
	fi
}

# check_bases: the facts about the bases must be there; call it before
# anything reads them (in a subshell, a die would not stop the script).
check_bases() {
	[ -r "$NPU_BASES" ] || die "cannot read $NPU_BASES (the facts about each base)"
	awk -F '\t' -v s=" $NPU_SERIES " '!/^#/ && index(s, " " $2 " ") { f = 1 } END { exit !f }' "$NPU_BASES" ||
		die "$NPU_BASES lists no base of a known series ($NPU_SERIES)"
}

# bases_of SERIES: "RELEASE FILE" for each release bases.tsv lists for
# SERIES, FILE being its unpatched npu-dma.c (relative to patches/bases/).
bases_of() {
	[ -r "$NPU_BASES" ] || die "cannot read $NPU_BASES (the facts about each base)"
	awk -F '\t' -v s="$1" '!/^#/ && $2 == s { print $1, $6 }' "$NPU_BASES"
}

# series_patches DIR: the patch files DIR/series lists, in order, as paths.
series_patches() {
	local l
	while IFS= read -r l || [ -n "$l" ]; do
		[[ $l == \#* || $l =~ ^[[:space:]]*$ ]] || echo "$1/$l"
	done <"$1/series"
}

# patch_commit PATCH: the id12 of the upstream commit PATCH carries ("commit
# <40-hex> upstream."), or "lockdep" for the project's own patch.
patch_commit() {
	patch_commit_id "$1"
	echo "$PATCH_ID"
}

# patch_commit_id PATCH: patch_commit's answer in PATCH_ID, without a
# process, and kept for the next ask: it is asked for every patch of
# every series backport tries.
declare -gA NPU_PATCH_IDS=()
patch_commit_id() {
	local l
	PATCH_ID=${NPU_PATCH_IDS[$1]-}
	[ -z "$PATCH_ID" ] || return 0
	PATCH_ID=lockdep
	while IFS= read -r l; do
		if [[ $l =~ ^commit\ ([0-9a-f]{12})[0-9a-f]{28}\ upstream\.$ ]]; then
			PATCH_ID=${BASH_REMATCH[1]}
			break
		fi
	done <"$1"
	NPU_PATCH_IDS[$1]=$PATCH_ID
}

# compose_series DIR: from the series DIR (form, variant), the patches whose
# commit the tree of TREE_COMMITS (lib/tree-facts.sh) lacks, in the
# series' order: sets COMPOSED (their paths) and COMPOSED_HAVE (the id12s
# of the series' commits the tree has).
compose_series() {
	local p id st rest
	local -A state=()
	while IFS=$'\t' read -r id st rest; do
		[ -z "$id" ] || state[$id]=$st
	done <<<"$TREE_COMMITS"
	COMPOSED=() COMPOSED_HAVE=()
	while IFS= read -r p; do
		patch_commit_id "$p"
		if [ "${state[$PATCH_ID]:-missing}" = present ]; then
			COMPOSED_HAVE+=("$PATCH_ID")
		else
			COMPOSED+=("$p")
		fi
	done < <(series_patches "$1")
}

# compose_for DIR REV FORM VARIANT SERIES [ONLY]: compose_series on the
# FORM form of a series for the tree of TREE_COMMITS: one that the tree has
# every commit of (its own SERIES, its variant, if so, else the one with
# most), else its own SERIES, else the first other one whose missing
# patches apply to DIR's REV (a 4.13 that took the orig series'
# 2b74e2a9b39d is of the write-once variant, but it is the orig series'
# patches that apply); with ONLY, that series alone.  Sets PICKED to the
# series; true if nothing is missing or what is applies, false (COMPOSED:
# SERIES' missing patches) if none does.
compose_for() {
	local dir=$1 rev=$2 form=$3 variant=$4 own=$5 only=${6-} s d tried=' ' best='' most=-1 candidates
	# with ONLY a variant, the series made for one of its branches too
	# shellcheck disable=SC2086  # one word per series
	candidates=$(series_candidates ${only:-$own $NPU_SERIES})
	for s in $candidates; do
		d=$(series_dir "$form" "$s" "$variant")
		[ -r "$d/series" ] || continue
		compose_series "$d"
		if [ "${#COMPOSED[@]}" -eq 0 ] && [ "${#COMPOSED_HAVE[@]}" -gt "$most" ]; then
			best=$s most=${#COMPOSED_HAVE[@]}
			[ "$s" != "$own" ] || break
		fi
	done
	if [ -n "$best" ]; then
		PICKED=$best
		compose_series "$(series_dir "$form" "$best" "$variant")"
		return 0
	fi
	for s in $candidates; do
		[[ $tried != *" $s "* ]] || continue
		tried+="$s "
		d=$(series_dir "$form" "$s" "$variant")
		[ -r "$d/series" ] || continue
		compose_series "$d"
		PICKED=$s
		if series_applies "$dir" "$rev" "${COMPOSED[@]}"; then
			return 0
		fi
	done
	# none applies: SERIES (ONLY), else the first there is in FORM
	PICKED=${only:-$own}
	if [ ! -r "$(series_dir "$form" "$PICKED" "$variant")/series" ]; then
		for s in $candidates; do
			[ ! -r "$(series_dir "$form" "$s" "$variant")/series" ] || { PICKED=$s; break; }
		done
	fi
	compose_series "$(series_dir "$form" "$PICKED" "$variant")"
	return 1
}

# carried_everywhere ID12: true if every series of every form carries the
# commit.
carried_everywhere() {
	local f s p
	for f in $NPU_FORMS; do
		for s in $(form_series "$f"); do
			while IFS= read -r p; do
				patch_commit_id "$p"
				[ "$PATCH_ID" != "$1" ] || continue 2
			done < <(series_patches "$(series_dir "$f" "$s" plain)")
			return 1
		done
	done
}

# partial_refused DIR RELEASE PARTIAL: die (exit 2): a commit the series
# carries is in the tree in part (PARTIAL: commits_partial's lines).
partial_refused() {
	DIE_STATUS=2 die "$1 ($2): $(commits_line)
a commit the series carries is there only in part (its hunks that are not in the tree below); finish it, or take it back out, first; nothing was applied:
    ${3//$'\n'/$'\n'    }"
}

# plan_series DIR RELEASE FORM VARIANT SERIES [REV]: what to apply to
# DIR's REV (default HEAD), from TREE_COMMITS (tree_commits DIR REV
# first).  FORM and SERIES: as asked (--form, --series), or empty.  Dies
# (exit 2) on a tree that has in part a commit the series carries, or
# npu_context_lock in no known form of 28a5933e8d36, or whose code is not
# of the SERIES asked (neither its variant nor a series whose missing
# patches apply).  Sets PLAN_SERIES, PLAN_FORM, PLAN_WHY (why that form,
# or empty), PLAN_VARIANT (the code variant, which is not the series where
# the tree took another series' prerequisite), PLAN_OK (1; 0 if what the
# tree lacks of the series does not apply: git am would fail) and, by
# compose_for, COMPOSED (the patches to apply) and COMPOSED_HAVE.  The
# form: FORM if given; else adapted when the tree has a commit in an
# adapted form (what it lacks must fit what it has), else upstream where
# what the tree lacks of it applies, else adapted.  A commit in part that
# the series does not carry (2b74e2a9b39d with a later change of the
# vendor's, say) is said, not refused: git am decides.
plan_series() {
	local dir=$1 release=$2 form=$3 variant=$4 series=$5 rev=${6:-HEAD} partial found adapted_have ok=1 p c carried=''
	local -a ids
	if [[ $'\n'$TREE_COMMITS == *$'\n28a5933e8d36\tmissing\t'* ]] &&
		git -C "$dir" grep -q -F npu_context_lock "$rev" -- "$NPU_FILE"; then
		DIE_STATUS=2 die "$dir ($release) has npu_context_lock, but in no form of 28a5933e8d36 known here (patches/mainline/28a5933e8d36.patch, patches/*/*/): another backport of it? Nothing was applied"
	fi
	# a commit in part that every series carries (28a5933e8d36, say) is
	# refused whatever series and form would be picked: no need to try them
	partial=$(commits_partial)
	if [ -n "$partial" ]; then
		while IFS=: read -r c _; do
			! carried_everywhere "$c" || carried+=" $c"
		done <<<"$partial"
	fi
	[ -z "$carried" ] || partial_refused "$dir" "$release" "$partial"
	found=$(tree_variant)
	PLAN_WHY=''
	if [ -n "$form" ]; then
		compose_for "$dir" "$rev" "$form" "$variant" "$found" "$series" || ok=0
	else
		mapfile -t ids < <(commits_in_form adapted)
		adapted_have=${ids[*]}
		if [ -n "$adapted_have" ]; then
			form=adapted
			PLAN_WHY=" (the tree has $adapted_have in the adapted form: what it lacks comes in that form)"
			compose_for "$dir" "$rev" adapted "$variant" "$found" "$series" || ok=0
		elif compose_for "$dir" "$rev" upstream "$variant" "$found" "$series"; then
			form=upstream
		elif compose_for "$dir" "$rev" adapted "$variant" "$found" "$series"; then
			form=adapted
			PLAN_WHY=" (the upstream form does not apply to $release: see patches/README.md)"
		else
			form=upstream
			compose_for "$dir" "$rev" upstream "$variant" "$found" "$series" || ok=0
		fi
	fi
	[ -z "$series" ] || [ "$series" = "$found" ] || [ "$ok" = 1 ] ||
		DIE_STATUS=2 die "$dir ($release): its code is of the $found series, not $series"
	PLAN_SERIES=$PICKED PLAN_FORM=$form PLAN_VARIANT=$found PLAN_OK=$ok
	# a commit in part: refused if the series carries it
	[ -n "$partial" ] || return 0
	while IFS= read -r p; do
		c=$(patch_commit "$p")
		[ "$(commit_state "$c")" != partial ] || carried+=" $c"
	done < <(series_patches "$(series_dir "$form" "$PICKED" "$variant")")
	[ -z "$carried" ] || partial_refused "$dir" "$release" "$partial"
	info "$dir ($release): only in part, and not carried by the series (git am will tell whether the series applies):
    ${partial//$'\n'/$'\n'    }"
}
