# SPDX-License-Identifier: GPL-2.0
# What every script in scripts/ needs: the project's paths, die/info,
# need (a tool, or the Debian package that brings it) and usage.  Source it;
# do not run it.  What a script needs besides comes from the others here:
#   tree-facts.sh  what a kernel tree is: checks, release, which upstream
#                  commits its code has, conflict markers; the record of
#                  those facts and of the plan made on them (tree_plan)
#   series.sh      the series and forms of patches/
#   patches.sh     the patches as sent: sign-off, upstream ids, checkpatch
#   kbuild.sh      building the old trees, and the build caches
# shellcheck shell=bash disable=SC2034

NPU_TOP=$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)
NPU_CACHE=${NPU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/npu-context}

# Overridable for the project's own tests, which use small fake trees.
NPU_PATCHES=${NPU_PATCHES:-$NPU_TOP/patches}
NPU_BASES=${NPU_BASES:-$NPU_PATCHES/bases/bases.tsv}
NPU_TOOLS=${NPU_TOOLS:-$NPU_TOP/scripts/lib/tools.tsv}

# each stable branch's last (or latest) release and whether it has ended
NPU_BRANCHES=${NPU_BRANCHES:-$NPU_PATCHES/bases/branches.tsv}
NPU_FILE=arch/powerpc/platforms/powernv/npu-dma.c

# the header whose prototype upstream's a1409adac748 changes
NPU_HDR=arch/powerpc/include/asm/powernv.h

# Debian's python3, whose modules the py: lines of tools.tsv install (a
# python3 of one's own earlier in PATH may lack them)
NPU_PYTHON=/usr/bin/python3
[ -x "$NPU_PYTHON" ] || NPU_PYTHON=python3

die() {
	echo "${0##*/}: error: $*" >&2
	exit "${DIE_STATUS:-1}"
}

info() {
	echo "${0##*/}: $*" >&2
}

# need KEY...: every KEY (a line of scripts/lib/tools.tsv: cmd:NAME,
# file:PATH, perl:MODULE or py:MODULE) must be present; otherwise die with
# one line naming the Debian package that brings it.
need() {
	local key kind what pkg
	for key; do
		kind=${key%%:*} what=${key#*:}
		case $kind in
		cmd) command -v "$what" >/dev/null && continue ;;
		file) [ -e "$what" ] && continue ;;
		perl) perl -M"$what" -e 1 2>/dev/null && continue ;;
		py) "$NPU_PYTHON" -c "import $what" 2>/dev/null && continue ;;
		*) die "need: unknown kind in '$key'" ;;
		esac
		pkg=$(awk -F '\t' -v k="$key" '$1 == k { print $2; exit }' "$NPU_TOOLS")
		[ -n "$pkg" ] || die "$what not found (and not listed in $NPU_TOOLS)"
		die "$what not found: install Debian's $pkg (scripts/install-deps does)"
	done
}

# usage: print the calling script's header comment (below the SPDX line).
usage() {
	awk 'NR > 3 && /^#/ { sub(/^# ?/, ""); print; next } NR > 3 { exit }' "$0"
}

# no_arguments "$@": for a script that takes none but -h/--help: print
# its usage and exit 0 for that, die (exit 2) for anything else.
no_arguments() {
	case ${1-} in
	-h|--help) usage; exit 0 ;;
	'') ;;
	*) DIE_STATUS=2 die "unknown argument '$1' (see --help)" ;;
	esac
}
