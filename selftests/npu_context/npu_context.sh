#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# npu_context.sh [param=value ...]: load npu_context_test.ko with the given
# module parameters (code=unfixed|fixed|tree, default: tree when the module
# was built in a kernel tree or with KERNEL_TREE, else fixed;
# scenario=race|register|callback, default race; threads, gpus, duration_ms,
# iterations, delay_us, hold_us, negative=none|nolock|atomic), then read the
# kernel log of that run and report in KTAP.
#
# With negative=none the test passes when the run finished with no race
# report (KCSAN, refcount, KFENCE, KASAN, SLUB), no lockdep or might_sleep splat,
# no WARN or oops, and the module's own invariants hold; with
# scenario=register or callback these include the checks of that bug.  With
# negative=nolock|atomic the contract is broken on purpose and the test
# passes when a lockdep or might_sleep check fires.
#
# KCSAN samples one access in kcsan.skip_watch (4000 by default), too few
# to watch the context pointer often; for the length of the run the script
# sets it to kcsan_skip_watch=N (an option of this script, default 100) and
# then restores it.
#
# Exit: 0 pass, 1 fail, 4 skip (kselftest codes).
KSFT_PASS=0 KSFT_FAIL=1 KSFT_SKIP=4
dir=$(dirname "$0")
mod=
for m in "$dir/npu_context_test.ko" "$dir/module/npu_context_test.ko"; do
	[ -r "$m" ] && { mod=$m; break; }
done

negative=none
kcsan_skip=100
params=
for a in "$@"; do
	case $a in
	kcsan_skip_watch=*) kcsan_skip=${a#*=}; continue ;;
	negative=*) negative=${a#negative=} ;;
	*=*) ;;
	*) echo "usage: $0 [param=value ...]" >&2; exit $KSFT_FAIL ;;
	esac
	params="$params $a"
done
# shellcheck disable=SC2086  # one word per module parameter
set -- $params
desc="npu_context${params:- (module defaults)}"

echo "TAP version 13"
echo "1..1"
if [ -z "$mod" ]; then
	echo "ok 1 $desc # SKIP npu_context_test.ko not built"
	exit $KSFT_SKIP
fi
# a module built for another kernel (a cross build, or a tree that is not
# the running one) cannot load: that is a skip, not a failure
built_for=$(tr '\0' '\n' <"$mod" | sed -n 's/^vermagic=\([^ ]*\).*/\1/p' | head -n 1)
if [ -n "$built_for" ] && [ "$built_for" != "$(uname -r)" ]; then
	echo "ok 1 $desc # SKIP npu_context_test.ko is built for $built_for, this kernel is $(uname -r)"
	exit $KSFT_SKIP
fi
if [ "$(id -u)" != 0 ]; then
	echo "ok 1 $desc # SKIP must be run as root"
	exit $KSFT_SKIP
fi
if [ ! -d /sys/kernel/debug/kcsan ] && ! grep -qs kcsan /proc/kallsyms; then
	echo "# KCSAN is not enabled in this kernel (it exists from 5.8): the race is seen by"
	echo "# refcount_t, SLUB poisoning, KASAN and lockdep reports only"
fi

skip_watch=/sys/module/kcsan/parameters/skip_watch
old_skip=
if [ -w "$skip_watch" ]; then
	old_skip=$(cat "$skip_watch")
	echo "$kcsan_skip" >"$skip_watch"
fi

# Mark the log so that only this run is read.
marker="npu_context.sh: run $$ $(date +%s 2>/dev/null)"
echo "$marker" >/dev/kmsg
insmod "$mod" "$@"
rc=$?
[ -n "$old_skip" ] && echo "$old_skip" >"$skip_watch"
if [ $rc != 0 ]; then
	log=$(dmesg | sed -n "/$marker/,\$p")
	echo "$log" | grep 'npu_context_test' | sed 's/^/# /'
	echo "not ok 1 $desc # insmod failed"
	exit $KSFT_FAIL
fi
rmmod npu_context_test 2>/dev/null
log=$(dmesg | sed -n "/$marker/,\$p")

count() {
	echo "$log" | grep -c -E "$1"
}
ours='(npu_|pnv_npu2_)'
kcsan=$(count "BUG: KCSAN: data-race in .*$ours")
refcount=$(count 'refcount_t: ')
kfence=$(count 'BUG: KFENCE: ')
kasan=$(count 'BUG: KASAN: ')
slub=$(count 'BUG [a-z0-9_-]+ \(.*\): |Object already free|Poison overwritten|Redzone overwritten')
lockdep=$(count 'WARNING: possible |WARNING: inconsistent lock state|BUG: sleeping function called from invalid context|BUG: scheduling while atomic|BUG: spinlock |BUG: lock held |held lock freed')
warn=$(count 'WARNING: CPU: [0-9]+ PID: [0-9]+ at ')
oops=$(count 'Oops|general protection fault|BUG: unable to handle|kernel BUG at|BUG: kernel NULL pointer')
invariants=$(count 'npu_context_test: invariant failed')
done_line=$(echo "$log" | grep 'npu_context_test: done ' | tail -n 1)

echo "# $(echo "$log" | grep 'npu_context_test: start ' | sed 's/.*npu_context_test: //')"
[ -n "$done_line" ] && echo "# ${done_line#*npu_context_test: }"
echo "# signals: kcsan=$kcsan refcount=$refcount kfence=$kfence kasan=$kasan slub=$slub lockdep=$lockdep warn=$warn oops=$oops invariants=$invariants"
echo "$log" | grep -E "BUG: KCSAN: data-race in .*$ours|refcount_t: |BUG: KFENCE: |BUG: KASAN: |WARNING: CPU: |BUG: sleeping function|npu_context_test: invariant failed" |
	head -n 8 | sed 's/^/# report: /'

if [ -z "$done_line" ]; then
	echo "not ok 1 $desc # the run did not finish"
	exit $KSFT_FAIL
fi
case $negative in
none)
	if [ $((kcsan + refcount + kfence + kasan + slub + lockdep + warn + oops + invariants)) -eq 0 ]; then
		echo "ok 1 $desc"
		exit $KSFT_PASS
	fi
	echo "not ok 1 $desc # race or contract violation reported"
	exit $KSFT_FAIL
	;;
*)
	if [ $((lockdep + warn)) -gt 0 ]; then
		echo "ok 1 $desc # negative control: the check fired"
		exit $KSFT_PASS
	fi
	echo "not ok 1 $desc # negative control: the contract was broken and nothing fired"
	exit $KSFT_FAIL
	;;
esac
