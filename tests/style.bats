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

@test "style: every script's --help prints its header comment and does nothing else" {
	local f n=0 name header
	for f in "$TOP"/scripts/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		n=$((n + 1))
		name=${f##*/}
		# the comment below the SPDX line, as usage() prints it
		header=$(awk 'NR > 3 && /^#/ { sub(/^# ?/, ""); print; next } NR > 3 { exit }' "$f")
		# nothing may be built, installed or run: a cache of its own, and
		# ten seconds
		NPU_CACHE=$BATS_TEST_TMPDIR/cache run timeout 10 "$f" --help
		echo "$name --help: $status: ${output:0:300}"
		[ "$status" -eq 0 ]
		[ "$output" = "$header" ]
		[[ $output == "$name"* ]]
		[ ! -e "$BATS_TEST_TMPDIR/cache" ]
	done
	[ "$n" -ge 12 ]
}

@test "style: check and install-deps refuse an unknown argument before doing anything" {
	local f
	for f in check install-deps; do
		run timeout 10 "$TOP/scripts/$f" --bogus
		[ "$status" -eq 2 ]
		[[ $output == "$f: error: unknown argument '--bogus' (see --help)" ]]
	done
	run timeout 10 "$TOP/scripts/run-tests" tests/no-such.bats
	[ "$status" -eq 2 ]
	[[ $output == *"tests/no-such.bats: no such test file (see --help)"* ]]
}

@test "style: checkpatch.pl --strict (linux-source-6.1) is clean on every C source and header" {
	local cp f n=0 out
	cp=$(linux61_dir)/scripts/checkpatch.pl
	while read -r f; do
		n=$((n + 1))
		out=$("$cp" --strict --no-tree --show-types -f "$TOP/$f" 2>&1) ||
			{ echo "$out"; return 1; }
		[[ $out == *"total: 0 errors, 0 warnings, 0 checks"* ]] || { echo "$out"; return 1; }
	# ours only: the bases and fixtures are upstream's files, byte for byte
	done < <(git -C "$TOP" ls-files '*.c' '*.h' | grep -v -e '^tests/fixtures/' -e '^patches/bases/')
	[ "$n" -ge 8 ]
}
