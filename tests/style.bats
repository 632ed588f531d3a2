#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Shell style: every shell script of the project passes shellcheck.

load lib

@test "style: shellcheck is clean on every shell script" {
	local files
	mapfile -t files < <(cd "$TOP" && git ls-files -- scripts selftests tests .ci |
		while read -r f; do
			case $f in
			*.sh | *.bash | scripts/lib/common.sh) echo "$f" ;;
			*.bats | *.md | *.tsv | *.c | *.h | *.pml | *Makefile | *Kbuild | *config) ;;
			*) head -n 1 "$f" | grep -q -E '^#!.*(ba)?sh' && echo "$f" ;;
			esac
		done)
	[ "${#files[@]}" -ge 15 ]
	run bash -c 'cd "$1" && shift && shellcheck "$@"' _ "$TOP" "${files[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
}
