#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The kselftest in each stable tree itself (NPU_TREES: a directory of
# kernel checkouts): built the kselftest way in a patched copy of the tree
# for its own arch (ppc64le), and run in QEMU on the tree's own npu-dma.c
# functions, on the tree's own kernels (scripts/stable-kernel): an x86_64
# one (pc machine) and a POWER9 one (ppc64le, powernv9 machine) with the
# series applied.  Without NPU_TREES only the bad-input tests run; the
# others skip and say so.

load lib

@test "stable: bad input to run-selftest --kernel stable and stable-kernel is refused" {
	run "$TOP/scripts/run-selftest" --kernel stable
	[ "$status" -eq 2 ]
	[[ $output == *"--kernel stable needs --tree DIR"* ]]
	run "$TOP/scripts/run-selftest" --kernel vintage
	[ "$status" -eq 2 ]
	[[ $output == *"unknown --kernel 'vintage'"* ]]
	mkdir "$BATS_TEST_TMPDIR/notatree"
	run "$TOP/scripts/run-selftest" --kernel stable --tree "$BATS_TEST_TMPDIR/notatree" --kasan
	[ "$status" -eq 2 ]
	[[ $output == *"the stable kernel always has KASAN"* ]]
	run "$TOP/scripts/run-selftest" --kernel stable --tree "$BATS_TEST_TMPDIR/notatree"
	[ "$status" -eq 2 ]
	[[ $output == *"not a git work tree"* ]]
	run "$TOP/scripts/stable-kernel"
	[ "$status" -eq 2 ]
	[[ $output == *"--tree DIR is required"* ]]
	run "$TOP/scripts/stable-kernel" --tree "$BATS_TEST_TMPDIR/notatree"
	[ "$status" -eq 2 ]
	[[ $output == *"not a git checkout"* ]]
	# a tree without arch/x86 (the one-commit base trees) cannot be booted
	fixture_tree "$BATS_TEST_TMPDIR/base" 4.14.67
	run "$TOP/scripts/stable-kernel" --tree "$BATS_TEST_TMPDIR/base"
	[ "$status" -eq 2 ]
	[[ $output == *"no arch/x86/Kconfig"* ]]
}

@test "stable: bad input to --arch is refused" {
	run "$TOP/scripts/run-selftest" --arch sparc64 --kernel stable --tree /nonexistent
	[ "$status" -eq 2 ]
	[[ $output == *"unknown --arch 'sparc64': x86_64 or ppc64le"* ]]
	run "$TOP/scripts/run-selftest" --arch ppc64le --code fixed
	[ "$status" -eq 2 ]
	[[ $output == *"--arch ppc64le is for --kernel stable"* ]]
	run "$TOP/scripts/stable-kernel" --arch sparc64 --tree /nonexistent
	[ "$status" -eq 2 ]
	[[ $output == *"unknown --arch 'sparc64'"* ]]
	run "$TOP/scripts/stable-kernel" --variant plain --tree /nonexistent
	[ "$status" -eq 2 ]
	[[ $output == *"--variant is for --arch ppc64le"* ]]
	run "$TOP/scripts/stable-kernel" --arch ppc64le --variant fixed --tree /nonexistent
	[ "$status" -eq 2 ]
	[[ $output == *"unknown --variant 'fixed'"* ]]
	# a tree without arch/powerpc's Kconfig cannot give a powernv kernel
	fixture_tree "$BATS_TEST_TMPDIR/base" 4.14.67
	run "$TOP/scripts/stable-kernel" --arch ppc64le --tree "$BATS_TEST_TMPDIR/base"
	[ "$status" -eq 2 ]
	[[ $output == *"no arch/powerpc/Kconfig"* ]]
}

@test "stable: in each patched tree, make -C tools/testing/selftests TARGETS=npu_context builds and run_tests runs" {
	need_trees
	local d k o rel ko cross=(ARCH=powerpc CROSS_COMPILE="$NPU_CROSS" "${NPU_OLD_TREE_FLAGS[@]}") n=0
	while read -r d; do
		n=$((n + 1))
		rel=$(tree_release "$d")
		# a patched copy of the tree, as a user has it after git am
		k=$BATS_TEST_TMPDIR/linux-$rel
		o=$BATS_TEST_TMPDIR/build-$rel
		git_q clone -q --shared "$d" "$k"
		run env GIT_COMMITTER_NAME=stable-test GIT_COMMITTER_EMAIL=stable-test@localhost \
			"$TOP/scripts/backport" --tree "$k" --in-place
		[ "$status" -eq 0 ] || { echo "$rel: $output"; return 1; }
		# built for its own arch: powernv_defconfig, modules_prepare, O=,
		# the kbuild way for external modules (a tree that tracks a
		# .config must not have it on disk then); v4.12's modules_prepare
		# lacks crtsavres.o, which the selftest's Makefile builds
		rm -f "$k/.config"
		run make -s -C "$k" O="$o" "${cross[@]}" powernv_defconfig
		[ "$status" -eq 0 ] || { echo "$output" | tail -n 20; return 1; }
		run make -s -C "$k" O="$o" "${cross[@]}" -j"$(nproc)" modules_prepare
		[ "$status" -eq 0 ] || { echo "$output" | tail -n 20; return 1; }
		run "$TOP/scripts/install-selftests" --tree "$k"
		[ "$status" -eq 0 ]
		run make -C "$k/tools/testing/selftests" TARGETS=npu_context KDIR="$o" "${cross[@]}" \
			KBUILD_MODPOST_WARN=1 W=1
		[ "$status" -eq 0 ] || { echo "$output" | tail -n 30; return 1; }
		ko=$k/tools/testing/selftests/npu_context/npu_context_test.ko
		# built for that kernel, with the tree's own (patched) functions,
		# which it tests by default
		tr '\0' '\n' <"$ko" | grep -q -E "^vermagic=$rel[ -]"
		"${NPU_CROSS}nm" "$ko" | grep -q ' T npu_tree_pnv_npu2_init_context$'
		grep -q 'spin_lock(&npu_context_lock)' "$k/tools/testing/selftests/npu_context/module-build/npu_tree_extract.c"
		# its own sources build without a W=1 warning (the old trees'
		# headers do warn with gcc 12)
		[ -z "$(module_own_warnings <(echo "$output"))" ]
		# run_tests runs the script; this host cannot load a module built
		# for another kernel: a kselftest skip (4.x's lib.mk prints any
		# non-zero exit, a skip too, as [FAIL])
		run make -C "$k/tools/testing/selftests" TARGETS=npu_context KDIR="$o" "${cross[@]}" run_tests
		echo "$output" | tail -n 5
		[[ $output == *"ok 1 npu_context scenario=register # SKIP npu_context_test.ko is built for $rel"* ]]
		run "$k/tools/testing/selftests/npu_context/npu_context.sh"
		[ "$status" -eq 4 ]
		rm -rf "$k" "$o"
	done < <(stable_trees)
	[ "$n" -ge 1 ]
}

# run_stable TREE ARGS...: run-selftest on TREE's own kernel; echo its output
run_stable() {
	local t=$1
	shift
	run "$TOP/scripts/run-selftest" --kernel stable --tree "$t" "$@"
	echo "$output"
}

# variants_ok: the lines of run-selftest --variant all --runs 2 (in
# $output) that hold on every kernel and in every form: each bug caught
# unpatched, the race gone with the series, the lockdep check firing
variants_ok() {
	local c
	[[ $output == *"race, unpatched: race=2 (expected race) -> ok"* ]]
	[[ $output == *"race, plain: pass=2 (expected pass) -> ok"* ]]
	[[ $output == *"race, lockdep: pass=2 (expected pass) -> ok"* ]]
	for c in register callback; do
		[[ $output == *"$c, unpatched: bug=2 (expected bug) -> ok"* ]]
	done
	[[ $output == *"lockdep, init without the mmap lock: fires=1 (expected fires) -> ok"* ]]
}

@test "stable: each tree's kernel: each bug caught unpatched, gone with the series, the lockdep check fires" {
	need_trees
	local d c v n=0
	while read -r d; do
		n=$((n + 1))
		# the ten cases in one command, two runs of each (one of the
		# negative control)
		run_stable "$d" --variant all --runs 2
		[ "$status" -eq 0 ] || { echo "$d: not every case gave what it must"; return 1; }
		variants_ok
		# these kernels have no KCSAN: the race was seen by the others
		[[ $output == *"kcsan=0"* ]]
		if [[ $output == *"/upstream "* ]]; then
			# 720c84046c26 is in the upstream form
			for c in register callback; do
				for v in plain lockdep; do
					[[ $output == *"$c, $v: pass=2 (expected pass) -> ok"* ]]
				done
			done
			# the adapted form, where it is not the one picked above:
			# the three bugs fixed too (the other bugs on the plain
			# series only: the lockdep one has the same code plus
			# assertions)
			for v in plain lockdep; do
				run_stable "$d" --form adapted --variant "$v" --runs 2
				[ "$status" -eq 0 ] || { echo "$d: the adapted $v series did not pass"; return 1; }
			done
			run_stable "$d" --form adapted --variant plain --case callback --runs 2
			[ "$status" -eq 0 ] || { echo "$d: the adapted series let the callback be replaced"; return 1; }
			run_stable "$d" --form adapted --variant plain --case register --runs 2
			[ "$status" -eq 0 ] || { echo "$d: the adapted series left the failed registration"; return 1; }
		else
			[[ $output == *"register, plain: pass=2 (expected pass) -> ok"* ]]
			[[ $output == *"callback, plain: pass=2 (expected pass) -> ok"* ]]
		fi
		# and on the plain series nothing checks the contract: it is the
		# lockdep series' annotation that fired above
		run_stable "$d" --variant plain --negative nolock --threads 1 --iterations 1 --expect fires
		[ "$status" -eq 1 ] || { echo "$d: plain series fired without an annotation"; return 1; }
	done < <(stable_trees)
	[ "$n" -ge 1 ]
}

@test "stable: each tree's POWER9 kernel, patched, boots clean; each bug caught unpatched, gone with the series" {
	need_trees
	local d n=0
	while read -r d; do
		n=$((n + 1))
		run_stable "$d" --arch ppc64le --variant all --runs 2
		[ "$status" -eq 0 ] || { echo "$d: not every case gave what it must on ppc64le"; return 1; }
		[[ $output == *"kernel=stable-"*" arch=ppc64le machine=powernv9 "* ]]
		variants_ok
		[[ $output == *"callback, plain: pass=2 (expected pass) -> ok"* ]]
		# every kernel, patched or not, booted without a lockdep
		# report, WARN, BUG or oops before the test
		[[ $output == *"boot_reports=0"* ]]
		[[ ! $output =~ boot_reports=[1-9-] ]]
		# no KASAN or KCSAN on powerpc 4.x: refcount_t and SLUB saw it
		[[ ! $output =~ (kasan|kcsan)=[1-9] ]]
	done < <(stable_trees)
	[ "$n" -ge 1 ]
}
