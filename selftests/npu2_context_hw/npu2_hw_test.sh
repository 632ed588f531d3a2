#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# npu2_hw_test.sh [cycles]: on a POWER9 machine with NVLink2 GPUs, load
# npu2_hw_test.ko, run npu2_hw_test (one thread per GPU with an NPU link,
# concurrent init/destroy) and check the kernel log of the run for
# refcount warnings, KASAN/KFENCE/SLUB reports, lockdep splats and WARNs.
# Elsewhere it SKIPs and says why.  Exit: 0 pass, 1 fail, 4 skip.
KSFT_SKIP=4
dir=$(dirname "$0")

skip() {
	printf 'TAP version 13\n1..0 # SKIP %s\n' "$1"
	exit $KSFT_SKIP
}

[ "$(uname -m)" = ppc64le ] || skip "not a powerpc64le (POWER9) machine: NVLink2 GPUs needed"
[ "$(id -u)" = 0 ] || skip "must be run as root"
[ -r "$dir/npu2_hw_test.ko" ] || skip "npu2_hw_test.ko not built"
[ -x "$dir/npu2_hw_test" ] || skip "npu2_hw_test not built"
mount | grep -q ' /sys/kernel/debug ' || mount -t debugfs none /sys/kernel/debug 2>/dev/null

marker="npu2_hw_test.sh: run $$"
echo "$marker" >/dev/kmsg
insmod "$dir/npu2_hw_test.ko" || skip "npu2_hw_test.ko does not load here (no powernv NPU support?)"
gpus=$(cat /sys/kernel/debug/npu2_hw_test/gpus 2>/dev/null)
if [ "${gpus:-0}" -lt 1 ]; then
	rmmod npu2_hw_test
	skip "no GPU with an NVLink2/NPU link on this machine"
fi
"$dir/npu2_hw_test" "${1:-10000}"
rc=$?
rmmod npu2_hw_test

reports=$(dmesg | sed -n "/$marker/,\$p" |
	grep -E 'refcount_t: |BUG: (KASAN|KFENCE)|BUG kmalloc|Poison overwritten|WARNING: |BUG: sleeping|BUG: scheduling while atomic|Oops')
if [ -n "$reports" ]; then
	echo "$reports" | head -n 10 | sed 's/^/# kernel: /'
	echo "Bail out! the kernel reported problems during the run"
	exit 1
fi
echo "# kernel log of the run: clean"
exit $rc
