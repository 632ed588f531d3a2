#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Documentation renders without warnings; every top-level folder says
# what lives there.

load lib

# render FILE: reStructuredText to HTML, failing on any warning
render() {
	python3 - "$1" <<'PY'
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
