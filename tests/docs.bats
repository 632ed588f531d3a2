#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Documentation renders without warnings; every top-level folder says
# what lives there.

load lib

# render FILE: reStructuredText to HTML, failing on any warning
render() {
	"$NPU_PYTHON" - "$1" <<'PY'
import sys
import docutils.core
src = open(sys.argv[1]).read()
docutils.core.publish_string(src, source_path=sys.argv[1], writer_name="html",
                             settings_overrides={"halt_level": 2, "report_level": 2})
PY
}

@test "docs: every .rst under Documentation renders with no warning" {
	local f n=0
	for f in "$TOP"/Documentation/*.rst; do
		run render "$f"
		[ "$status" -eq 0 ] || { echo "$f: $output"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}

@test "docs: the render check catches a broken document" {
	printf 'Title\n===\n\n* item\n  continued badly\n   :bad:\n\n`unclosed\n' >"$BATS_TEST_TMPDIR/bad.rst"
	run render "$BATS_TEST_TMPDIR/bad.rst"
	[ "$status" -ne 0 ]
}

@test "docs: each top-level folder has a README" {
	local d
	for d in "$TOP"/*/; do
		ls "$d"README* >/dev/null 2>&1 || { echo "no README in $d"; return 1; }
	done
}

# flat FILE: FILE's text on one line, blanks squeezed, rst table borders
# and the spaces of table cells taken out
flat() {
	tr '\n' ' ' <"$1" | tr -s ' '
}

@test "docs: the contract quoted from the functions' comments is what every base's comments say" {
	local rel file
	grep -q 'the comment of ``pnv_npu2_init_context()`` says "mmap_sem must be held in write mode"' \
		<(flat "$TOP/Documentation/npu-context-race.rst")
	while IFS=$'\t' read -r rel _ _ _ _ file _; do
		[ "${rel:0:1}" = '#' ] && continue
		grep -B 4 '^struct npu_context \*pnv_npu2_init_context(' "$TOP/patches/bases/$file" |
			grep -q '\* mmap_sem must be held in write mode\.' || { echo "$rel: init's comment"; return 1; }
		# destroy has no comment: the line above it ends a function
		[ "$(grep -B 2 '^void pnv_npu2_destroy_context(' "$TOP/patches/bases/$file" | head -n 2 | paste -sd'|')" = '}|' ] ||
			{ echo "$rel: destroy has a comment"; return 1; }
	done <"$NPU_BASES"
}

@test "docs: no 'one-line note' while a backport note has more lines; the prerequisites per series as they are" {
	local p most=0 n s ids
	for p in "$TOP"/patches/*/*/*.patch; do
		n=$(sed -n '/^\[ /,/ \]$/p' "$p" | wc -l)
		[ "$n" -le "$most" ] || most=$n
	done
	[ "$most" -gt 1 ]
	! grep -n 'one-line note' "$TOP/README.md" "$TOP/Documentation/npu-context-race.rst" "$TOP/patches/README.md" || false
	# which prerequisites (Stable-dep-of:) each upstream-form series carries
	for s in $(form_series upstream); do
		# shellcheck disable=SC2046  # one word per patch
		ids=$(grep -l '^Stable-dep-of: ' $(series_patches "$(series_dir upstream "$s" plain)") |
			xargs sed -n -E 's/^commit ([0-9a-f]{12})[0-9a-f]{28} upstream\.$/\1/p' | paste -sd' ')
		case $s in
		orig|nmmu) [ "$ids" = '2b74e2a9b39d 720c84046c26' ] ;;
		*) [ "$ids" = 720c84046c26 ] ;;
		esac || { echo "$s: prerequisites $ids"; return 1; }
	done
	grep -q '2b74e2a9b39d and 720c84046c26 in orig and nmmu, 720c84046c26 alone in write-once, nmmu-write-once and orig-4.12' \
		<(flat "$TOP/Documentation/npu-context-race.rst")
	! grep -q 'two prerequisites' <(flat "$TOP/Documentation/npu-context-race.rst") || false
}

@test "docs: 4.15.y's end is told with its last release and date from branches.tsv" {
	local last date
	read -r last date < <(awk -F '\t' '$1 == "4.15" { print $2, $3 }' "$TOP/patches/bases/branches.tsv")
	[ -n "$date" ]
	grep -q "4.15.y's last release, $last of $date, came four days after v4.17-rc1 (2018-04-15), the first release with 2b74e2a9b39d" \
		<(flat "$TOP/Documentation/npu-context-race.rst")
	grep -q '^Patch-mainline: v4.17-rc1$' "$TOP/patches/mainline/2b74e2a9b39d.patch"
	! grep -q 'ended before the fix was merged' "$TOP/Documentation/npu-context-race.rst" || false
}

@test "docs: the refcount_t warning quoted for kref_get() is the one each tree's refcount_inc() prints" {
	need_trees
	local d msg n=0
	for d in $(stable_trees); do
		msg=$(awk '/^void refcount_inc\(/,/^}/' "$d/lib/refcount.c" | sed -n 's/.*"\(refcount_t: [^"]*\)\\n".*/\1/p')
		[ -n "$msg" ] || { echo "$d: no refcount_inc() message"; return 1; }
		flat "$TOP/Documentation/npu-context-race.rst" | sed 's/ *| */ /g' | grep -qF "$msg" ||
			{ echo "$d: Documentation does not quote '$msg'"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
	! grep -q 'addition on 0' "$TOP/Documentation/npu-context-race.rst" || false
}
