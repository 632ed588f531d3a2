# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the scripts in scripts/.  Source it; do not run it.
# shellcheck shell=bash disable=SC2034

NPU_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
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
NPU_OBJ=arch/powerpc/platforms/powernv/npu-dma.o
NPU_CROSS=${NPU_CROSS:-powerpc64le-linux-gnu-}
# Debian's static busybox for ppc64el, for the initramfs of the ppc64le
# kernels (run-selftest --arch ppc64le): busybox-static:ppc64el cannot be
# installed beside the host's busybox-static (same /bin/busybox), so
# scripts/install-deps unpacks it here
NPU_PPC64EL_BUSYBOX=/usr/local/lib/npu-context/ppc64el/busybox
# Debian's python3, whose modules the py: lines of tools.tsv install (a
# python3 of one's own earlier in PATH may lack them)
NPU_PYTHON=/usr/bin/python3
[ -x "$NPU_PYTHON" ] || NPU_PYTHON=python3

# What the v4.12..v4.16 trees need on make's command line to build with
# Debian's gcc 12, one entry per need with its reason.  Every build of a
# stable tree (scripts/build-test, scripts/stable-kernel) passes all of them.
#  HOSTCFLAGS=-fcommon  gcc 10 made -fno-common the default; the trees' dtc
#                       defines yylloc twice and fails to link without it.
# Kconfig lines that avoid other breakage live in the fragments, with
# their reasons (config-fragments/stable-x86.config: objtool).
NPU_OLD_TREE_FLAGS=(HOSTCFLAGS=-fcommon)
# And for their x86_64 kernels (scripts/stable-kernel), on top:
#  CROSS_COMPILE=       some trees' Makefiles default it to an ARM compiler
#                       (v4.15.1's: arm-linux-).
#  LDFLAGS=... -z max-page-size=0x200000
#                       binutils 2.31+ align the kernel's segments to 4K by
#                       default; the early page tables of x86_64 need 2M.
#                       Later kernels pass it in arch/x86/Makefile ("The
#                       64-bit kernel must be aligned to 2MB"): the 4.14.67
#                       and 4.16.13 trees do, 4.13.4 does not, and its
#                       kernel faults in startup_64 before any output.  The
#                       value is the whole of what arch/x86/Makefile sets.
NPU_STABLE_X86_FLAGS=(CROSS_COMPILE= "LDFLAGS=-m elf_x86_64 -z max-page-size=0x200000")

die() {
	echo "${0##*/}: error: $*" >&2
	exit "${DIE_STATUS:-1}"
}

info() {
	echo "${0##*/}: $*" >&2
}

# The code variants the series are made for, oldest first.  Each is a
# directory of patches/ (and its -lockdep variant); patches/bases/bases.tsv
# names the releases seen with each and keeps their unpatched npu-dma.c.
NPU_SERIES="orig write-once nmmu nmmu-write-once"

valid_series() {
	case " $NPU_SERIES " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# The two forms of each series, the default first:
#   upstream  upstream's own commits as they are, with the prerequisites
#             the branch lacks: 2b74e2a9b39d where missing, 720c84046c26,
#             then 28a5933e8d36 and a1409adac748 (patches/upstream/)
#   adapted   28a5933e8d36 and a1409adac748 adapted to the branch's code,
#             without prerequisites and with the callback type unchanged
#             (patches/adapted/): where the upstream form does not apply
#             (4.12.y) or a frozen kABI rules out a prototype change
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
# OPTS is one word or empty.
index_applies() {
	local dir=$1 rev=$2 opts=$3 tmp p rc=0 scratch
	shift 3
	tmp=$(mktemp -d)
	mkdir "$tmp/objects"
	scratch=(env GIT_INDEX_FILE="$tmp/index" GIT_OBJECT_DIRECTORY="$tmp/objects"
		GIT_ALTERNATE_OBJECT_DIRECTORIES="$(git -C "$dir" rev-parse --path-format=absolute --git-path objects)")
	"${scratch[@]}" git -C "$dir" read-tree "$rev" || rc=1
	for p; do
		[ "$rc" = 0 ] || break
		# shellcheck disable=SC2086  # OPTS: one word or none
		"${scratch[@]}" git -C "$dir" apply --cached $opts "$p" 2>/dev/null || rc=1
	done
	rm -rf "$tmp"
	return "$rc"
}

# series_applies DIR REV PATCH...: true if the patches, in order, apply to
# REV of DIR.
series_applies() {
	index_applies "$1" "$2" '' "${@:3}"
}

# pick_form DIR SERIES VARIANT [REV]: the form to use on DIR's REV
# (default HEAD) when none is asked for: upstream where its series
# applies, else adapted.
pick_form() {
	local -a ps
	mapfile -t ps < <(series_patches "$(series_dir upstream "$2" "$3")")
	if [ "${#ps[@]}" -gt 0 ] && series_applies "$1" "${4:-HEAD}" "${ps[@]}"; then
		echo upstream
	else
		echo adapted
	fi
}

# upstream_ids PATCH...: "<40-hex> <patch>" for each "commit <id> upstream."
# line of the patches.
upstream_ids() {
	local p
	for p; do
		sed -n -E 's/^commit ([0-9a-f]{40}) upstream\.$/\1/p' "$p" | sed "s|\$| $p|"
	done
}

# check_upstream_ids DIR PATCH...: each upstream id the patches name must be
# a commit of the repository DIR with the patch's subject; prints what is
# wrong and returns 1 otherwise.
check_upstream_ids() {
	local dir=$1 id p subject bad=0
	shift
	while read -r id p; do
		subject=$(git mailinfo /dev/null /dev/null <"$p" | sed -n 's/^Subject: //p')
		if ! git -C "$dir" cat-file -e "$id^{commit}" 2>/dev/null; then
			echo "${p##*/}: upstream commit $id is not in $dir"
			bad=1
		elif [ "$(git -C "$dir" log -1 --format=%s "$id")" != "$subject" ]; then
			echo "${p##*/}: commit $id in $dir is \"$(git -C "$dir" log -1 --format=%s "$id")\", not \"$subject\""
			bad=1
		fi
	done < <(upstream_ids "$@")
	return "$bad"
}

# check_bases: the facts about the bases must be there; call it before
# any detection (whose helpers run in subshells).
check_bases() {
	[ -r "$NPU_BASES" ] || die "cannot read $NPU_BASES (the facts about each base)"
	[ -n "$(known_series)" ] || die "$NPU_BASES lists no base of a known series ($NPU_SERIES)"
}

# bases_of SERIES: "RELEASE FILE" for each release bases.tsv lists for
# SERIES, FILE being its unpatched npu-dma.c (relative to patches/bases/).
bases_of() {
	[ -r "$NPU_BASES" ] || die "cannot read $NPU_BASES (the facts about each base)"
	awk -F '\t' -v s="$1" '!/^#/ && $2 == s { print $1, $6 }' "$NPU_BASES"
}

# known_series: the series of $NPU_SERIES that bases.tsv has a base for.
known_series() {
	local s
	for s in $NPU_SERIES; do
		[ -z "$(bases_of "$s")" ] || echo "$s"
	done
}

# npu_functions FILE: pnv_npu2_init_context(), pnv_npu2_release_context()
# and pnv_npu2_destroy_context() of FILE, each from its first line to its
# closing brace.  They tell the code variants apart; hunks elsewhere in the
# file, which change with unrelated fixes, do not.
npu_functions() {
	awk '/^struct npu_context \*pnv_npu2_init_context\(|^static void pnv_npu2_release_context\(|^void pnv_npu2_destroy_context\(/ { g = 1 }
		g { print }
		g && /^}/ { g = 0 }' "$1"
}

# series_file SERIES: the unpatched file that stands for SERIES' code (the
# first base bases.tsv lists for it).
series_file() {
	local rel file
	read -r rel file < <(bases_of "$1")
	[ -n "$file" ] || die "$NPU_BASES lists no base for the series $1"
	echo "${NPU_BASES%/*}/$file"
}

# detect_series FILE: which series FILE's code is: a name of $NPU_SERIES,
# "fixed" (it has the npu_context_lock of 28a5933 already), or "unknown".
detect_series() {
	local f=$1 sum s
	if grep -q 'npu_context_lock' "$f"; then
		echo fixed
		return 0
	fi
	sum=$(npu_functions "$f" | sha256sum)
	for s in $(known_series); do
		if [ "$(npu_functions "$(series_file "$s")" | sha256sum)" = "$sum" ]; then
			echo "$s"
			return 0
		fi
	done
	echo unknown
}

# unknown_code FILE: what differs between FILE and each known series, and
# the diff of the three functions against the nearest one.
unknown_code() {
	local f=$1 s n best='' bestn=999999
	for s in $(known_series); do
		n=$(diff <(npu_functions "$(series_file "$s")") <(npu_functions "$f") | grep -c '^[<>]')
		echo "  $s: $n line(s) of the three functions differ"
		if [ "$n" -lt "$bestn" ]; then
			best=$s bestn=$n
		fi
	done
	echo "  the nearest, $best (-), against this tree (+):"
	diff -u <(npu_functions "$(series_file "$best")") <(npu_functions "$f") | tail -n +3 |
		head -n 40 | sed 's/^/    /'
}

# tree_release DIR [REV]: "4.14.98", from the top Makefile of DIR's REV
# (default HEAD).
tree_release() {
	git -C "$1" show "${2:-HEAD}:Makefile" 2>/dev/null |
		sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p' | head -n 3 | paste -sd.
}

# branch_facts X.Y: the line of patches/bases/branches.tsv for that branch,
# without the branch: last or latest release, its date, ended|maintained,
# the source, tab-separated.  Prints nothing for a branch not listed.
branch_facts() {
	awk -F '\t' -v b="$1" '!/^#/ && $1 == b { print $2 "\t" $3 "\t" $4 "\t" $5; exit }' "$NPU_BRANCHES"
}

# series_patches DIR: the patch files DIR/series lists, in order, as paths.
series_patches() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$1/series" | sed "s|^|$1/|"
}

# sender_ident DIR: "Name <email>" of the user as git in DIR knows them
# (user.name and user.email, or GIT_COMMITTER_NAME/_EMAIL); fails, printing
# nothing, when they are not set.
sender_ident() {
	local id
	id=$(git -C "$1" -c user.useConfigOnly=true var GIT_COMMITTER_IDENT 2>/dev/null) || return 1
	echo "${id% * *}"	# without the time stamp and zone
}

# tree_series DIR [WHY]: detect_series on DIR's HEAD:npu-dma.c; for an
# unknown variant, what differs goes to the file WHY.
tree_series() {
	local tmp s
	tmp=$(mktemp)
	git -C "$1" show "HEAD:$NPU_FILE" >"$tmp"
	s=$(detect_series "$tmp")
	if [ "$s" = unknown ] && [ -n "${2-}" ]; then
		unknown_code "$tmp" >"$2"
	fi
	rm -f "$tmp"
	echo "$s"
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

# check_tree DIR [vX.Y]: DIR must be the top of a clean kernel git work
# tree (of version X.Y, if given).  Dies with a message saying what was
# found.
check_tree() {
	local dir=$1 target=${2-} top v p s gitdir dirty

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
	if [ -n "$target" ]; then
		[[ $target =~ ^v[0-9]+\.[0-9]+$ ]] || die "--target $target: expected vX.Y, e.g. v4.14"
		[ "$v.$p" = "${target#v}" ] || die "$dir is Linux $v.$p.${s:-?}, not $target"
	fi
	gitdir=$(git -C "$dir" rev-parse --absolute-git-dir)
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
	local f text lines
	for f in "$NPU_FILE" "$NPU_HDR"; do
		text=$(git -C "$1" show "$2:$f" 2>/dev/null) || continue
		grep -q -E '^(<{7}|>{7})( |$)' <<<"$text" || continue
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

# series_applied DIR PATCH...: true if HEAD of DIR already contains the
# whole series (every patch, last first, reverse-applies to HEAD's tree).
series_applied() {
	local dir=$1 i last=()
	shift
	for ((i = $#; i >= 1; i--)); do
		last+=("${!i}")
	done
	index_applies "$dir" HEAD -R "${last[@]}"
}

# prepare_patch IN OUT SENDER: write OUT, the patch IN as git am should get
# it.  With a SENDER ("Name <email>"): the sender's Signed-off-by goes
# last, right below the backport note or the last trailer, as stable wants
# it; a patch with no upstream line (the project's own) becomes the
# sender's: its From: is replaced.
prepare_patch() {
	local in=$1 out=$2 sender=$3 id
	cp "$in" "$out"
	id=$(sed -n -E 's/^commit ([0-9a-f]{7,40}) upstream\.$/\1/p' "$in" | head -n 1)
	[ -n "$sender" ] || return 0
	awk -v sender="$sender" -v own="$([ -n "$id" ] || echo 1)" '
		# headers: the first From: (and its folded lines) is replaced
		# in the project'"'"'s own patch
		!body && /^$/ { body = 1 }
		!body && own && /^From: / { print "From: " sender; skip = 1; next }
		!body && skip && /^[ \t]/ { next }
		!body { skip = 0; print; next }
		# the message ends at the first "---" line: sign off before it
		!done && /^---$/ {
			sob = "Signed-off-by: " sender
			# (blank lines before "---" are dropped)
			if (last != sob) {
				if (last !~ /^[A-Za-z-]+: / && last !~ /\]$/)
					print ""
				print sob
			}
			done = 1; print; next
		}
		!done && /^$/ { blanks++; next }
		!done { for (i = 0; i < blanks; i++) print ""; blanks = 0; last = $0; print; next }
		{ print }
	' "$out" >"$out.tmp" && mv "$out.tmp" "$out"
}

# checkpatch_clean PATCH STATUS OUTPUT: STATUS and OUTPUT are the exit status
# and output of checkpatch.pl --show-types (not --terse) for PATCH (0:
# clean, 1: issues, anything else: it did not run).  True if it ran and
# reported nothing but what comes from checking outside upstream's
# history; lib/checkpatch-verdict.py says which reports those are, and
# matches each report to its line by the lines checkpatch quotes, not by
# its line number, which differs between checkpatch versions.  Also false
# for an abbreviated "commit <id> upstream." line, which checkpatch does
# not always report (6.1's takes it as a commit reference): stable's rules
# want the full id.
checkpatch_clean() {
	local patch=$1 rc=$2 out=$3 line id ml=''
	if line=$(grep -n -E '^commit [0-9a-f]{7,39} upstream\.$' "$patch"); then
		echo "$patch:${line%%:*}: abbreviated upstream id: stable wants 'commit <40-hex> upstream.'"
		return 1
	fi
	[ "$rc" = 0 ] && return 0
	id=$(sed -n -E 's/^commit ([0-9a-f]{12})[0-9a-f]{28} upstream\.$/\1/p' "$patch" | head -n 1)
	[ -z "$id" ] || [ ! -r "$NPU_PATCHES/mainline/$id.patch" ] || ml=$NPU_PATCHES/mainline/$id.patch
	"$NPU_PYTHON" "$NPU_TOP/scripts/lib/checkpatch-verdict.py" "$patch" "$rc" "$ml" <<<"$out"
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

# cache_claim OUT: for a build cached at OUT (guest-kernel, stable-kernel).
# If OUT is built, print it and exit 0; else take OUT.lock (fd 9, held
# until the script exits) and return: one build per key at a time, and a
# second caller waits and then reuses the first one's result.
cache_claim() {
	local out=$1
	if [ -e "$out/.done" ]; then
		echo "$out"
		exit 0
	fi
	mkdir -p "$(dirname "$out")"
	exec 9>"$out.lock"
	flock 9
	if [ -e "$out/.done" ]; then
		echo "$out"
		exit 0
	fi
}

# cache_publish DIR OUT: the finished build DIR becomes OUT; print it.
cache_publish() {
	rm -rf "$2"
	mv "$1" "$2"
	touch "$2/.done"
	echo "$2"
}

# module_own_warnings LOG: the warnings of a test module build log that
# come from the module's own sources (built in a module-build/ copy), not
# from the kernel's headers, which in the old trees warn with gcc 12.
module_own_warnings() {
	grep -E 'warning:' "$1" | grep -E 'module-build/[^:]*\.[ch]:' || true
}

# config_check SRC DOTCONFIG FRAGMENT...: every line of the fragments must
# be in the final DOTCONFIG (merge_config.sh's own warnings flag every
# tinyconfig line it overrides, too noisy to use).  A later fragment wins
# over an earlier one.  An option that SRC's Kconfig files do not define is
# named on stdout ("absent: ...") and skipped: a fragment for several
# releases may name options the older ones lack.  Problems go to stdout;
# returns 1 if any.
config_check() {
	local src=$1 dotconfig=$2 f line name want last bad=0 known
	shift 2
	known=$(find "$src" -name 'Kconfig*' -not -path '*/.git/*' -print0 |
		xargs -0 sed -n -E 's/^[[:space:]]*(menu)?config ([A-Za-z0-9_]+)[[:space:]]*$/CONFIG_\2/p' | sort -u)
	for f in "$@"; do
		while IFS= read -r line; do
			case $line in
			CONFIG_*=n) want="# ${line%=n} is not set" ;;
			CONFIG_*) want=$line ;;
			"# CONFIG_"*" is not set") want=$line ;;
			*) continue ;;
			esac
			name=${want#\# }
			name=${name%%[= ]*}
			last=$(grep -h -E "^(# )?${name}[= ]" "$@" | tail -n 1)
			[ "$line" = "$last" ] || continue
			if ! grep -qxF "$name" <<<"$known"; then
				echo "absent: $name (not in this tree's Kconfig)"
				continue
			fi
			if [[ $want == "# "* ]]; then
				if grep -q -E "^${name}=" "$dotconfig"; then
					echo "config: $name should be off"
					bad=1
				fi
			elif ! grep -qxF "$want" "$dotconfig"; then
				echo "config: $want did not stick"
				bad=1
			fi
		done <"$f"
	done
	return "$bad"
}
