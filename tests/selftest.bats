#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The concurrency selftest: the spin model, bad input, and the QEMU runs
# (KCSAN + lockdep guest) on the built-in models and on every base's real
# functions: unfixed code must fail, fixed code pass.

load lib

@test "model: spin finds the use-after-free in the unfixed protocol (2 and 3 GPUs)" {
	local n
	for n in 2 3; do
		run "$TOP/scripts/check-model" --protocol unfixed --gpus "$n"
		[ "$status" -eq 1 ]
		[[ $output == *"assertion violated"* ]]
		[[ $output == *"counterexample trail"* ]]
		[[ $output == *"[ptr = 0]"* ]]
	done
}

@test "model: spin verifies the fixed protocol over every interleaving (2 and 3 GPUs)" {
	local n
	for n in 2 3; do
		run "$TOP/scripts/check-model" --protocol fixed --gpus "$n"
		[ "$status" -eq 0 ]
		[[ $output == *"errors: 0"* ]]
		[[ $output != *"assertion violated"* ]]
	done
}

@test "run-selftest and check-model: bad input is refused before anything runs" {
	run "$TOP/scripts/run-selftest" --code bogus
	[ "$status" -eq 2 ]
	[[ $output == *"unknown --code 'bogus'"* ]]
	run "$TOP/scripts/run-selftest" --smp 1
	[ "$status" -eq 2 ]
	[[ $output == *"KCSAN sees no race on a single CPU"* ]]
	run "$TOP/scripts/run-selftest" --code tree
	[ "$status" -eq 2 ]
	[[ $output == *"--code tree needs --tree DIR"* ]]
	run "$TOP/scripts/run-selftest" --runs many
	[ "$status" -eq 2 ]
	[[ $output == *"whole number"* ]]
	mkdir "$BATS_TEST_TMPDIR/notatree"
	run "$TOP/scripts/run-selftest" --code tree --tree "$BATS_TEST_TMPDIR/notatree"
	[ "$status" -eq 2 ]
	[[ $output == *"not a git work tree"* ]]
	run "$TOP/scripts/run-selftest" --case overflow
	[ "$status" -eq 2 ]
	[[ $output == *"unknown --case 'overflow'"* ]]
	run "$TOP/scripts/run-selftest" --case register --negative nolock
	[ "$status" -eq 2 ]
	[[ $output == *"--negative is for --case race"* ]]
	run "$TOP/scripts/run-selftest" --expect maybe
	[ "$status" -eq 2 ]
	[[ $output == *"pass, race, bug or fires"* ]]
	run "$TOP/scripts/check-model" --protocol maybe
	[ "$status" -eq 2 ]
}

@test "extract-tree.sh refuses a file without the functions" {
	printf 'int x;\n' >"$BATS_TEST_TMPDIR/npu-dma.c"
	run "$TOP/selftests/npu_context/module/extract-tree.sh" "$BATS_TEST_TMPDIR/npu-dma.c" "$BATS_TEST_TMPDIR/out.c"
	[ "$status" -ne 0 ]
	[[ $output == *"not found"* ]]
}

@test "qemu: the unfixed model races (KCSAN/refcount report in every run)" {
	run "$TOP/scripts/run-selftest" --code unfixed --runs 3 --delay-us 20 --expect race
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"summary: race=3"* ]]
}

@test "qemu: KCSAN itself reports the unfixed model's race, with the default options" {
	# the race's own report, not its aftermath (refcount, SLUB): KCSAN
	# saw it in 10 of 10 runs on an idle machine, 8 of 10 under load, and
	# in none before the notifier stand-in stopped waiting for SRCU
	run "$TOP/scripts/run-selftest" --code unfixed --runs 3 --expect race
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output =~ KCSAN\ reported\ a\ data\ race\ in\ ([0-9]+)\ of\ 3\ runs ]]
	[ "${BASH_REMATCH[1]}" -ge 1 ]
}

@test "qemu: the fixed model is clean" {
	run "$TOP/scripts/run-selftest" --code fixed --runs 2 --delay-us 20 --expect pass
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"summary: pass=2"* ]]
	[[ $output == *"kcsan=0 refcount=0"* ]]
}

@test "qemu: the models' other two bugs: unfixed caught (register failure, callback overwrite), fixed clean" {
	local c
	for c in register callback; do
		run "$TOP/scripts/run-selftest" --code unfixed --case "$c" --expect bug
		echo "$output"
		[ "$status" -eq 0 ]
		[[ $output == *"summary: bug=1"* ]]
		# two checks of the bug caught it, and nothing else fired
		[[ $output == *"invariants=0 caught=2"* ]]
		run "$TOP/scripts/run-selftest" --code fixed --case "$c" --expect pass
		echo "$output"
		[ "$status" -eq 0 ]
		[[ $output == *"summary: pass=1"* ]]
		# --expect bug is a claim that can fail: on fixed code it does
		run "$TOP/scripts/run-selftest" --code fixed --case "$c" --expect bug
		[ "$status" -eq 1 ]
	done
}

@test "qemu: negative controls: init without mmap lock, destroy in atomic context" {
	local neg
	for neg in nolock atomic; do
		run "$TOP/scripts/run-selftest" --code fixed --negative "$neg" --threads 1 --iterations 1 --expect fires
		echo "$output"
		[ "$status" -eq 0 ]
		[[ $output == *"summary: fires=1"* ]]
	done
	# the unfixed model has no annotations: breaking the contract there
	# goes unseen, so it is the annotation that fires above
	run "$TOP/scripts/run-selftest" --code unfixed --negative nolock --threads 1 --iterations 1 --expect fires
	echo "$output"
	[ "$status" -eq 1 ]
}

# The real functions of every distinct base file, with no stable tree: a
# one-commit tree that holds it (patches/bases/, byte-exact).  A tree of
# NPU_TREES whose functions are the same gets the same verdicts.
base_trees() {
	local r
	for r in $FIXTURE_RELEASES; do
		[ -d "$BATS_FILE_TMPDIR/trees/$r" ] || fixture_tree "$BATS_FILE_TMPDIR/trees/$r" "$r"
	done
	echo "$BATS_FILE_TMPDIR/trees"
}

# the forms bases.tsv says apply to release $1
forms_of() {
	awk -F '\t' -v r="$1" '$1 == r { print $9 }' "$NPU_BASES"
}

@test "qemu: each base's real code: unpatched races, plain and lockdep pass, in each form" {
	local t v f trees n=0
	trees=$(base_trees)
	for t in $FIXTURE_RELEASES; do
		n=$((n + 1))
		run "$TOP/scripts/run-selftest" --code tree --tree "$trees/$t" --variant unpatched --runs 2 --delay-us 20 --expect race
		passed_or_shown "$t unpatched did not race"
		for f in $(forms_of "$t"); do
			for v in plain lockdep; do
				run "$TOP/scripts/run-selftest" --code tree --tree "$trees/$t" --form "$f" --variant "$v" \
					--delay-us 20 --expect pass
				passed_or_shown "$t $f $v did not pass"
				[[ $output == *"tree=$t/"*"/$v/$f "* ]] ||
					{ echo "$output"; echo "$t $f $v: the run was not of tree=$t/.../$v/$f"; return 1; }
			done
		done
	done
	[ "$n" -ge 6 ]
}

@test "qemu: each base's lockdep series fires on init without the mmap lock, in each form" {
	local t f trees n=0
	trees=$(base_trees)
	for t in $FIXTURE_RELEASES; do
		for f in $(forms_of "$t"); do
			n=$((n + 1))
			run "$TOP/scripts/run-selftest" --code tree --tree "$trees/$t" --form "$f" --variant lockdep \
				--negative nolock --threads 1 --iterations 1 --expect fires
			passed_or_shown "$t $f lockdep annotation did not fire"
		done
	done
	[ "$n" -ge 11 ]
}

# what each form must give for the two other bugs: 720c84046c26 is in the
# upstream form, not in the adapted one
@test "qemu: each base's real code: register failure and callback overwrite, unpatched and in each form" {
	local t v f c trees want n=0
	trees=$(base_trees)
	for t in $FIXTURE_RELEASES; do
		for c in register callback; do
			run "$TOP/scripts/run-selftest" --code tree --tree "$trees/$t" --case "$c" --variant unpatched --expect bug
			passed_or_shown "$t unpatched: $c bug not caught"
			[[ $output == *"case=$c "* ]] || { echo "$output"; echo "$t unpatched: the run was not of case=$c"; return 1; }
			for f in $(forms_of "$t"); do
				for v in plain lockdep; do
					n=$((n + 1))
					want=pass
					[ "$c/$f" = register/adapted ] && want=bug
					run "$TOP/scripts/run-selftest" --code tree --tree "$trees/$t" --case "$c" \
						--form "$f" --variant "$v" --expect "$want"
					passed_or_shown "$t $f $v: $c gave not $want"
				done
			done
		done
	done
	[ "$n" -ge 44 ]
}
