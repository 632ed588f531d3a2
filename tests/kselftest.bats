#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# MAINTAINERS-snippet, and the selftests as they sit in a kernel tree:
# installed by scripts/install-selftests and built by the kernel's own
# kselftest Makefile.

load lib

@test "MAINTAINERS-snippet: an entry in the kernel's MAINTAINERS format" {
	local f=$TOP/MAINTAINERS-snippet line
	# a title line, then only "X:<tab>value" lines of known types
	head -n 1 "$f" | grep -q -E '^[A-Z0-9][A-Z0-9 /().,_-]+$'
	tail -n +2 "$f" | while IFS= read -r line; do
		[[ $line =~ ^[MRLSWQBCPTFXNK]:$'\t'[^[:space:]] ]] || { echo "bad line: $line"; return 1; }
	done
	# no stand-in people: whoever submits the entry adds their own M: line
	! grep -q -P '^[MR]:' "$f" || false
	! grep -q -i -e '@invalid' -e 'example' -e 'seed ' "$f" || false
	grep -q -P '^L:\tlinuxppc-dev@lists.ozlabs.org$' "$f"
	grep -q -P '^S:\t(Supported|Maintained|Odd Fixes)$' "$f"
	[ "$(grep -c -P '^F:\t' "$f")" -ge 1 ]
}

@test "MAINTAINERS-snippet: every F: pattern matches a file the selftests install" {
	local installed pat n
	installed=$("$TOP/scripts/install-selftests" --dry-run)
	[ -n "$installed" ]
	while read -r pat; do
		# MAINTAINERS: a trailing / matches everything below; else a glob
		n=$("$NPU_PYTHON" -c '
import fnmatch, sys
pat, files = sys.argv[1], sys.argv[2].split()
m = [f for f in files if (f.startswith(pat) if pat.endswith("/") else fnmatch.fnmatch(f, pat))]
print(len(m))' "$pat" "$installed")
		[ "$n" -ge 1 ] || { echo "F: $pat matches nothing installed"; return 1; }
	done < <(sed -n 's/^F:\t//p' "$TOP/MAINTAINERS-snippet")
	# and every installed file is covered by some F: line
	while read -r f; do
		sed -n 's/^F:\t//p' "$TOP/MAINTAINERS-snippet" | while read -r pat; do
			[[ $f == "$pat"* ]] && echo hit
		done | grep -q hit || { echo "$f is not covered"; return 1; }
	done <<<"$installed"
}

@test "install-selftests: refuses a non-kernel tree and existing targets" {
	run "$TOP/scripts/install-selftests" --tree "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[[ $output == *"no tools/testing/selftests/lib.mk"* ]]
	mkdir -p "$BATS_TEST_TMPDIR/k/tools/testing/selftests/npu_context"
	touch "$BATS_TEST_TMPDIR/k/tools/testing/selftests/lib.mk"
	run "$TOP/scripts/install-selftests" --tree "$BATS_TEST_TMPDIR/k"
	[ "$status" -eq 2 ]
	[[ $output == *"already exists"* ]]
	[ -z "$(ls "$BATS_TEST_TMPDIR/k/tools/testing/selftests/npu_context")" ]
}

@test "in a kernel tree: make -C tools/testing/selftests TARGETS=... builds both tests" {
	local kdir k ko
	kdir=$("$TOP/scripts/guest-kernel")
	# a copy of the kernel's kselftest framework to install into
	k=$BATS_TEST_TMPDIR/linux
	mkdir -p "$k/tools/testing"
	cp -r "$kdir/tools/testing/selftests" "$k/tools/testing/"
	cp -r "$kdir/tools/include" "$kdir/tools/scripts" "$k/tools/"
	mkdir -p "$k/scripts"
	cp "$kdir/scripts/subarch.include" "$k/scripts/"
	# the tree's own npu-dma.c (a v4.14.67 one here): tree mode by default
	mkdir -p "$k/arch/powerpc/platforms/powernv"
	cp "$TOP/patches/bases/4.14.67/npu-dma.c" "$k/arch/powerpc/platforms/powernv/"
	run "$TOP/scripts/install-selftests" --tree "$k"
	[ "$status" -eq 0 ]
	# npu_context: the module is built for the guest kernel, W=1 clean
	run make -C "$k/tools/testing/selftests" TARGETS=npu_context KDIR="$kdir" W=1 all
	echo "$output" | tail -n 20
	[ "$status" -eq 0 ]
	[[ $output != *"warning:"* ]]
	ko=$k/tools/testing/selftests/npu_context/npu_context_test.ko
	[ -f "$ko" ]
	nm "$ko" | grep -q ' T npu_tree_pnv_npu2_init_context$'
	strings "$ko" | grep -q '^parmtype=code:charp$'
	# built for the guest, not for this host: run_tests' script skips
	run "$k/tools/testing/selftests/npu_context/npu_context.sh"
	[ "$status" -eq 4 ]
	[[ $output == *"1..3"* ]]
	[[ $output == *"ok 1 npu_context scenario=register # SKIP npu_context_test.ko is built for 6.1."* ]]
	[[ $output == *"ok 3 npu_context scenario=race # SKIP"* ]]
	# npu2_context_hw: its user program builds anywhere; the run SKIPs here
	run make -C "$k/tools/testing/selftests" TARGETS=npu2_context_hw TEST_GEN_FILES= all
	echo "$output" | tail -n 20
	[ "$status" -eq 0 ]
	run "$k/tools/testing/selftests/npu2_context_hw/npu2_hw_test.sh"
	[ "$status" -eq 4 ]
	[[ $output == *"SKIP"* ]]
}

@test "a powerpc KDIR without crtsavres.o that cannot build it: the module build says which command to run" {
	# a build directory prepared for powerpc that has neither the object
	# nor a kbuild to make it with
	local k=$BATS_TEST_TMPDIR/kdir d ko
	mkdir -p "$k"
	echo 'CONFIG_PPC64=y' >"$k/.config"
	for d in npu_context:npu_context_test.ko npu2_context_hw:npu2_hw_test.ko; do
		ko=${d#*:} d=${d%%:*}
		run make -C "$TOP/selftests/$d" OUTPUT="$BATS_TEST_TMPDIR/out-$d" KDIR="$k" \
			ARCH=powerpc CROSS_COMPILE="$NPU_CROSS" "$BATS_TEST_TMPDIR/out-$d/$ko"
		echo "$output"
		[ "$status" -ne 0 ]
		[[ $output == *"$d: run make -C $k ARCH=powerpc CROSS_COMPILE=$NPU_CROSS arch/powerpc/lib/crtsavres.o, then this again"* ]]
	done
}
