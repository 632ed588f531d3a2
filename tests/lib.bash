# SPDX-License-Identifier: GPL-2.0
# Helpers for the bats tests.  Loaded with "load lib".
# shellcheck shell=bash disable=SC2034

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
# shellcheck source=../scripts/lib/common.sh
. "$TOP/scripts/lib/common.sh"
# shellcheck source=../scripts/lib/tree-facts.sh
. "$TOP/scripts/lib/tree-facts.sh"
# shellcheck source=../scripts/lib/patches.sh
. "$TOP/scripts/lib/patches.sh"
# shellcheck source=../scripts/lib/kbuild.sh
. "$TOP/scripts/lib/kbuild.sh"
export NPU_CACHE=${NPU_CACHE:-$HOME/.cache/npu-context}
# the releases of patches/bases/bases.tsv, and those whose file is kept
# under their own name (one per distinct file)
BASE_RELEASES=$(awk -F '\t' '!/^#/ { print $1 }' "$NPU_BASES")
FIXTURE_RELEASES=$(awk -F '\t' '!/^#/ && $6 == $1 "/npu-dma.c" { print $1 }' "$NPU_BASES")

# How long a race job on a tree's real code runs (--duration-ms), with
# --delay-us 20: unpatched, the first report came 0.02 .. 0.03 s (guest
# time) into each of 5 runs on 4.14.67's code, so a second catches it; the
# tests that race unpatched code (selftest.bats) run this long too, and
# the pass runs on patched code are that long.
TREE_RACE_MS=1000

# forms_of RELEASE: the forms bases.tsv says apply to RELEASE
forms_of() {
	awk -F '\t' -v r="$1" '$1 == r { print $9 }' "$NPU_BASES"
}

# tree_code DIR: the code variant of DIR's HEAD (orig, write-once, nmmu,
# nmmu-write-once), from which of upstream's commits it has
tree_code() {
	tree_commits "$1"
	tree_variant
}

# base_series FORM SERIES RELEASE: the series of FORM that applies to the
# unpatched files of RELEASE (bases.tsv), whose code is of SERIES: SERIES
# itself, else one made for a branch of it (orig-4.12); SERIES when none
# does.  (lib/series.sh applying_series, on a one-commit tree of them.)
base_series() {
	local w s file hfile
	read -r file hfile < <(awk -F '\t' -v r="$3" '!/^#/ && $1 == r { print $6, $8 }' "$NPU_BASES")
	w=$(mktemp -d)
	mkdir -p "$w/${NPU_FILE%/*}" "$w/${NPU_HDR%/*}"
	cp "$TOP/patches/bases/$file" "$w/$NPU_FILE"
	cp "$TOP/patches/bases/$hfile" "$w/$NPU_HDR"
	git_q -C "$w" init -q
	git_q -C "$w" add -A
	git_q -C "$w" commit -q -m "$3"
	s=$(applying_series "$w" "$1" "$2" plain)
	rm -rf "$w"
	echo "${s:-$2}"
}

# passed_or_shown WHY: after "run scripts/run-selftest ...": if it did not
# exit 0, print its output and WHY and fail.  A passing run prints nothing,
# so that in a test of many runs the log of the one that failed is all a
# failing test shows.
# shellcheck disable=SC2154  # bats' run sets status and output
passed_or_shown() {
	[ "$status" -eq 0 ] && return 0
	echo "$output"
	echo "$1"
	return 1
}

git_q() {
	git -c user.name=test -c user.email=test@localhost -c init.defaultBranch=master "$@"
}

# fake_tree DIR VERSION PATCHLEVEL: a tiny git "kernel" tree whose
# npu-dma.c is 40 numbered lines.  No kernel code.
fake_tree() {
	local d=$1
	mkdir -p "$d/arch/powerpc/platforms/powernv"
	printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = 7\nEXTRAVERSION =\n' "$2" "$3" >"$d/Makefile"
	seq -f 'line %g' 1 40 >"$d/arch/powerpc/platforms/powernv/npu-dma.c"
	git_q -C "$d" init -q
	git_q -C "$d" add -A
	git_q -C "$d" commit -q -m base
}

# fake_series TREE OUTDIR SERIES [broken]: a plain series (one patch) and
# a lockdep series (two patches) for TREE, made with git format-patch, in
# both forms (OUTDIR/upstream/, OUTDIR/adapted/: the same patches), plus
# a bases/bases.tsv that makes TREE's file the one base of SERIES and a
# commits.tsv that lists the fix, whose patch names it ("commit <id>
# upstream.", the fix's own id).  The fake "fix" adds the word
# npu_context_lock, as the real one does.  With
# "broken", the second lockdep patch does not apply (its context is wrong).
fake_series() {
	local tree=$1 out=$2 t=$3 f=arch/powerpc/platforms/powernv/npu-dma.c
	local wt fix
	wt=$(mktemp -d)/wt
	git_q -C "$tree" worktree add -q --detach "$wt" HEAD
	sed -i 's/^line 5$/line 5 npu_context_lock/' "$wt/$f"
	git_q -C "$wt" commit -q -am "fix"
	fix=$(git -C "$wt" rev-parse HEAD)
	if [ "${4-}" = broken ]; then
		# context that the tree will not have
		sed -i 's/^line 30$/line 30 changed/' "$wt/$f"
		git_q -C "$wt" commit -q -am "not in the series"
	fi
	sed -i 's/^line 31$/line 31 annotated/' "$wt/$f"
	git_q -C "$wt" commit -q -am "annotate"
	mkdir -p "$out/upstream/$t" "$out/upstream/$t-lockdep"
	git_q -C "$wt" format-patch -q -o "$out/upstream/$t" -1 "$fix"
	git_q -C "$wt" format-patch -q -o "$out/upstream/$t-lockdep" -1 "$fix"
	git_q -C "$wt" format-patch -q -o "$out/upstream/$t-lockdep" --start-number 2 -1 HEAD
	# the fix names its commit as a backport names upstream's, and
	# commits.tsv lists it, so that backport can tell whether a tree has it
	for p in "$out/upstream/$t"/*.patch "$out/upstream/$t-lockdep"/0001-*.patch; do
		awk -v l="commit $fix upstream." '!done && /^$/ { print; print l; done = 1; next } { print }' \
			"$p" >"$p.new"
		mv "$p.new" "$p"
	done
	printf '%s\tseries\tfix\n' "$fix" >"$out/commits.tsv"
	(cd "$out/upstream/$t" && ls -- *.patch >series)
	(cd "$out/upstream/$t-lockdep" && ls -- *.patch >series)
	# the adapted form: the same patches
	mkdir -p "$out/adapted"
	cp -r "$out/upstream/$t" "$out/upstream/$t-lockdep" "$out/adapted/"
	git_q -C "$tree" worktree remove --force "$wt"
	rm -rf "$(dirname "$wt")"
	mkdir -p "$out/bases/fake"
	git -C "$tree" show "HEAD:$f" >"$out/bases/fake/npu-dma.c"
	printf '%s\t%s\t%s\trepo\tHEAD\tfake/npu-dma.c\n' "$(tree_release "$tree")" "$t" \
		"$(git -C "$tree" rev-parse "HEAD:$f")" >"$out/bases/bases.tsv"
}

# snapshot DIR: everything a user could see of DIR: HEAD, branches,
# worktrees, status, in-progress operations and every file's content.
snapshot() {
	local d=$1
	{
		git -C "$d" rev-parse HEAD 2>/dev/null || true
		git -C "$d" branch -a 2>/dev/null || true
		git -C "$d" worktree list --porcelain 2>/dev/null | grep -v '^HEAD' || true
		git -C "$d" status --porcelain --ignored 2>/dev/null || true
		find "$d/.git" -maxdepth 1 -name 'rebase-*' -printf '%f\n' 2>/dev/null | sort || true
		(cd "$d" && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum)
	}
}

# the checkouts below NPU_TREES
stable_trees() {
	local d
	for d in "$NPU_TREES"/*/; do
		[ -e "$d/.git" ] && echo "${d%/}"
	done
}

need_trees() {
	if [ -z "${NPU_TREES:-}" ]; then
		skip "NPU_TREES is not set: no stable trees, this check did not run"
	fi
}

# linux61 FILE...: the paths of FILEs of Debian's linux-source-6.1 (relative
# to its top), extracted once into the cache (keyed by the package version).
LINUX61_FILES="scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
scripts/get_maintainer.pl MAINTAINERS"
linux61_dir() {
	local v d f
	v=$(dpkg-query -W -f='${Version}' linux-source-6.1)
	d=$NPU_CACHE/linux61-files-$v
	if [ ! -f "$d/.done" ]; then
		rm -rf "$d.tmp"
		mkdir -p "$d.tmp"
		# shellcheck disable=SC2046,SC2086
		tar -C "$d.tmp" --strip-components=1 -xJf /usr/src/linux-source-6.1.tar.xz \
			$(for f in $LINUX61_FILES; do echo "linux-source-6.1/$f"; done)
		touch "$d.tmp/.done"
		rm -rf "$d"
		mv "$d.tmp" "$d"
	fi
	echo "$d"
}

# modern_checkpatch: path to checkpatch.pl of Debian's linux-source-6.1.
modern_checkpatch() {
	echo "$(linux61_dir)/scripts/checkpatch.pl"
}

# fixture_tree DIR RELEASE: a one-commit git "kernel" tree holding the
# unpatched npu-dma.c and powernv.h of RELEASE (the files
# patches/bases/bases.tsv names for it, byte-exact, so their blob ids are
# the real ones), a top Makefile of
# that version, and what scripts/mail reads in a tree: MAINTAINERS,
# checkpatch.pl and get_maintainer.pl (those of linux-source-6.1) and the
# top-level names get_maintainer.pl looks for.
fixture_tree() {
	local d=$1 rel=$2 v p s l61 f file blob hfile hblob
	read -r file blob hfile hblob < <(awk -F '\t' -v r="$rel" '!/^#/ && $1 == r { print $6, $3, $8, $7 }' "$NPU_BASES")
	[ -n "$file" ] || { echo "fixture_tree: no base $rel in $NPU_BASES" >&2; return 1; }
	IFS=. read -r v p s <<<"$rel"
	l61=$(linux61_dir)
	mkdir -p "$d/arch/powerpc/platforms/powernv" "$d/scripts"
	printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = %s\nEXTRAVERSION =\n' "$v" "$p" "$s" >"$d/Makefile"
	cp "$TOP/patches/bases/$file" "$d/$NPU_FILE"
	mkdir -p "$d/${NPU_HDR%/*}"
	cp "$TOP/patches/bases/$hfile" "$d/$NPU_HDR"
	for f in $LINUX61_FILES; do
		cp "$l61/$f" "$d/$f"
	done
	for f in COPYING CREDITS Kbuild README; do
		: >"$d/$f"
	done
	for f in Documentation include drivers fs init ipc kernel lib; do
		mkdir -p "$d/$f"
		: >"$d/$f/.keep"
	done
	git_q -C "$d" init -q
	git_q -C "$d" add -A
	git_q -C "$d" commit -q -m "$rel: $NPU_FILE and the files scripts/mail reads"
	[ "$(git -C "$d" rev-parse "HEAD:$NPU_FILE")" = "$blob" ]
	[ "$(git -C "$d" rev-parse "HEAD:$NPU_HDR")" = "$hblob" ]
}

# fixture_trees_and_sender: (for setup_file) FIX, a fixture_tree of each
# release with a file of its own, and a sender as a user has one: git's
# user.name and user.email in a global config of the test file's own.
fixture_trees_and_sender() {
	local r
	export FIX=$BATS_FILE_TMPDIR/trees
	for r in $FIXTURE_RELEASES; do
		fixture_tree "$FIX/$r" "$r"
	done
	export GIT_CONFIG_GLOBAL=$BATS_FILE_TMPDIR/gitconfig
	git config --global user.name 'Stable Sender'
	git config --global user.email sender@example.org
}

# mail_set_ok TREE VARIANT OUTBOX [FORM [ADDRESSING]]: scripts/mail writes
# TREE's series (in FORM, default the one it picks) as a threaded set to
# OUTBOX: a cover letter and one mail per patch, each upstream id in full,
# "[PATCH X.Y n/N]" for the plain series, "[RFC PATCH X.Y-lockdep n/N]"
# for the lockdep one, nothing left to fill in.  ADDRESSING: "stable"
# (--stable: to stable for the plain series, to the lists only for the
# lockdep one, as for a maintained branch), or "list" (the default: the
# branch has ended, so only --to list@distro.example, and no stable@ nor
# the upstream lists), and either way the cover letter says whether the
# branch has ended, as patches/bases/branches.tsv has it.
# shellcheck disable=SC2154  # bats' run sets status and output
mail_set_ok() {
	local tree=$1 v=$2 ob=$3 form=${4-} how=${5:-list} ver rel n cover id p s sd args=() last state text
	rel=$(tree_release "$tree")
	ver=${rel%.*}
	case $how in
	stable) args=(--stable) ;;
	list) args=(--to list@distro.example) ;;
	*) echo "mail_set_ok: addressing '$how'?" >&2; return 1 ;;
	esac
	run "$TOP/scripts/mail" --tree "$tree" --variant "$v" --outbox "$ob" ${form:+--form "$form"} "${args[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	s=$(tree_code "$tree")
	[ -n "$form" ] || form=$(pick_form "$tree" "$s" "$v")
	# the upstream form's series that applies (orig-4.12 on 4.12.y)
	[ "$form" != upstream ] || s=$(applying_series "$tree" upstream "$s" "$v")
	sd=$(series_dir "$form" "$s" "$v")
	n=$(series_patches "$sd" | wc -l)
	[ "$(find "$ob" -name '*.patch' | wc -l)" -eq $((n + 1)) ]
	# every upstream id of the series, in full, in its mail
	# shellcheck disable=SC2046  # one word per patch
	diff <(grep -h -E '^commit [0-9a-f]{40} upstream\.$' $(series_patches "$sd")) \
		<(grep -h -E '^commit [0-9a-f]{7,40} upstream\.$' "$ob"/000[1-9]-*.patch)
	cover=$(ls "$ob"/0000-*.patch)
	! grep -q '\*\*\*' "$cover" || false
	id=$(sed -n 's/^Message-Id: //Ip' "$cover")
	[ -n "$id" ]
	if [ "$v" = plain ]; then
		grep -q "^Subject: \[PATCH $ver 0/$n\]" "$cover"
	else
		grep -q "^Subject: \[RFC PATCH $ver-lockdep 0/$n\]" "$cover"
	fi
	# where it goes
	if [ "$how" = stable ]; then
		if [ "$v" = plain ]; then
			grep -q '^To: stable@vger.kernel.org' "$cover"
		else
			! grep -q 'stable@vger.kernel.org' "$cover" || false
			# a debug series: never said to go to stable
			! tr '\n' ' ' <"$cover" | grep -q 'sent to stable' || false
		fi
		grep -q 'linuxppc-dev@lists.ozlabs.org' "$cover"
	else
		grep -q '^To: list@distro.example$' "$cover"
		! grep -q -e 'stable@vger.kernel.org' -e 'linuxppc-dev@' "$cover" || false
	fi
	# what it says of the branch
	IFS=$'\t' read -r last _ state _ < <(branch_facts "$ver")
	if [ "$state" = ended ]; then
		tr '\n' ' ' <"$cover" | tr -s ' ' | grep -q "$ver.y ended with $last ([0-9-]*); the stable tree takes no patches for it."
		[[ $output == *"$ver.y ended with $last"* ]]
	fi
	grep -q 'How it was tested' "$cover"
	# spin's verdicts on this tree's code, with and without the series:
	# each form fixes all three bugs
	text=$(tr '\n' ' ' <"$cover" | tr -s ' ')
	grep -q 'spin (scripts/check-model): every interleaving' <<<"$text"
	grep -q 'without it, a counterexample for the race (28a5933e8d36), the failed registration (720c84046c26) and the second callback (a1409adac748)\.' <<<"$text"
	grep -q 'verified with the series (up to [0-9]* states)' <<<"$text"
	for p in "$ob"/000[1-9]-*.patch; do
		grep -q "^In-Reply-To: $id" "$p"
		grep -q "^Subject: \[.*PATCH $ver.* [1-9]/$n\]" "$p"
	done
}
