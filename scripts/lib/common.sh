# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the scripts in scripts/.  Source it; do not run it.
# shellcheck shell=bash disable=SC2034

NPU_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NPU_CACHE=${NPU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/npu-context}
NPU_TARGETS="v4.12 v4.13 v4.14 v4.15 v4.16"
# Overridable for the project's own tests, which use small fake trees.
NPU_TREES_TSV=${NPU_TREES_TSV:-$NPU_TOP/../shared/trees.tsv}
NPU_PATCHES=${NPU_PATCHES:-$NPU_TOP/patches}
NPU_FILE=arch/powerpc/platforms/powernv/npu-dma.c
NPU_OBJ=arch/powerpc/platforms/powernv/npu-dma.o
NPU_CROSS=${NPU_CROSS:-powerpc64le-linux-gnu-}

die() {
	echo "${0##*/}: error: $*" >&2
	exit "${DIE_STATUS:-1}"
}

info() {
	echo "${0##*/}: $*" >&2
}

# The blob id that $NPU_FILE has in the target's base tree (shared/trees.tsv).
target_blob() {
	[ -r "$NPU_TREES_TSV" ] || die "cannot read $NPU_TREES_TSV"
	awk -F '\t' -v t="$1" '$1 == t { print $5 }' "$NPU_TREES_TSV"
}

# "4.14" for "v4.14".
target_version() {
	echo "${1#v}"
}

valid_target() {
	case " $NPU_TARGETS " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# check_tree DIR TARGET: DIR must be the top of a clean kernel git work
# tree of TARGET's version.  Dies with a message saying what was found.
check_tree() {
	local dir=$1 target=$2 top v p s gitdir dirty

	[ -d "$dir" ] || die "$dir: no such directory"
	top=$(git -C "$dir" rev-parse --show-toplevel 2>/dev/null) ||
		die "$dir is not a git work tree (need a kernel git checkout)"
	[ "$(cd "$top" && pwd -P)" = "$(cd "$dir" && pwd -P)" ] ||
		die "$dir is inside the git tree $top, not its top directory"
	if [ ! -f "$dir/Makefile" ] || [ ! -d "$dir/arch/powerpc" ] ||
		! grep -q '^PATCHLEVEL =' "$dir/Makefile"; then
		die "$dir is not a Linux kernel tree (no top Makefile with VERSION/PATCHLEVEL, or no arch/powerpc)"
	fi
	v=$(sed -n 's/^VERSION = //p' "$dir/Makefile" | head -n 1)
	p=$(sed -n 's/^PATCHLEVEL = //p' "$dir/Makefile" | head -n 1)
	s=$(sed -n 's/^SUBLEVEL = //p' "$dir/Makefile" | head -n 1)
	[ "$v.$p" = "$(target_version "$target")" ] ||
		die "$dir is Linux $v.$p.${s:-?}, not $target"
	gitdir=$(git -C "$dir" rev-parse --absolute-git-dir)
	if [ -d "$gitdir/rebase-apply" ] || [ -d "$gitdir/rebase-merge" ]; then
		die "$dir has a git am or rebase in progress; finish or abort it first"
	fi
	dirty=$(git -C "$dir" status --porcelain --untracked-files=no)
	[ -z "$dirty" ] || die "$dir has uncommitted changes to tracked files; commit or stash them first:
$dirty"
	git -C "$dir" cat-file -e "HEAD:$NPU_FILE" 2>/dev/null ||
		die "$dir: HEAD has no $NPU_FILE"
}

# check_base DIR TARGET: DIR's HEAD must have the unpatched npu-dma.c of
# TARGET (the blob id in shared/trees.tsv).
check_base() {
	local blob

	blob=$(git -C "$1" rev-parse "HEAD:$NPU_FILE")
	[ "$blob" = "$(target_blob "$2")" ] ||
		die "$1: $NPU_FILE at HEAD is blob $blob, expected the unpatched $(target_blob "$2") (shared/trees.tsv)"
}

# series_applied DIR PATCH...: true if HEAD of DIR already contains the
# whole series (every patch, last first, reverse-applies to HEAD's tree).
# Works on a throw-away index; DIR is not touched.
series_applied() {
	local dir=$1 idx i rc=0
	shift
	idx=$(mktemp)
	GIT_INDEX_FILE=$idx git -C "$dir" read-tree HEAD
	for ((i = $#; i >= 1; i--)); do
		if ! GIT_INDEX_FILE=$idx git -C "$dir" apply --cached -R "${!i}" 2>/dev/null; then
			rc=1
			break
		fi
	done
	rm -f "$idx"
	return "$rc"
}

# checkpatch_clean PATCH STATUS OUTPUT: STATUS and OUTPUT are the exit status
# and output of checkpatch.pl --terse --show-types for PATCH (0: clean, 1:
# issues, anything else: it did not run).  True if it ran and reported nothing but
# what comes from checking outside upstream's history, by name:
# - UNKNOWN_COMMIT_ID: the repository has no upstream commits to look up;
# - GIT_COMMIT_ID on the stable "commit <id> upstream." line: checkpatch of
#   v4.12..v4.16 predates its exemption for that line, which the stable rules
#   require.
checkpatch_clean() {
	local patch=$1 rc=$2 out=$3 line n type ok=0
	[ "$rc" = 0 ] && return 0
	if [ "$rc" != 1 ] || ! grep -q '^total: ' <<<"$out"; then
		echo "checkpatch did not run (status $rc): $out"
		return 1
	fi
	while IFS= read -r line; do
		[[ $line =~ :([0-9]+):\ (ERROR|WARNING|CHECK):([A-Z_]+): ]] || continue
		n=${BASH_REMATCH[1]} type=${BASH_REMATCH[3]}
		case $type in
		UNKNOWN_COMMIT_ID) continue ;;
		GIT_COMMIT_ID)
			[ "$(sed -n "${n}p" "$patch")" = "commit 28a5933 upstream." ] && continue ;;
		esac
		echo "$line"
		ok=1
	done <<<"$out"
	return "$ok"
}

# usage: print the calling script's header comment (below the SPDX line).
usage() {
	awk 'NR > 3 && /^#/ { sub(/^# ?/, ""); print; next } NR > 3 { exit }' "$0"
}
