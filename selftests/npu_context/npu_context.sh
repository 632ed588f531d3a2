#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# npu_context.sh [param=value ...]: load npu_context_test.ko with the given
# module parameters (code=unfixed|fixed|tree, default: tree when the module
# was built in a kernel tree or with KERNEL_TREE, else fixed;
# scenario=race|register|callback; threads, gpus, duration_ms, iterations,
# delay_us, hold_us, negative=none|nolock|atomic), then read the kernel log
# of that run and report in KTAP.  Without scenario= (and without
# negative=) it runs the three scenarios one after the other, one KTAP
# result each: register and callback (upstream 720c84046c26 and
# a1409adac748; quick, and they leave nothing behind), then the race
# (28a5933e8d36).
#
# With negative=none a test passes when the run finished with no race
# report (KCSAN, refcount, KFENCE, KASAN, SLUB), no lockdep or might_sleep splat,
# no WARN or oops, the module's own invariants hold and, with
# scenario=register or callback, the module's check of that bug did not
# catch it ("bug caught"; the notifier check can also fire in a race run,
# on a context already freed, beside the race's own reports).  With
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
scenario=
kcsan_skip=100
params=
for a in "$@"; do
	case $a in
	kcsan_skip_watch=*) kcsan_skip=${a#*=}; continue ;;
	scenario=*) scenario=${a#scenario=}; continue ;;
	negative=*) negative=${a#negative=} ;;
	*=*) ;;
	*) echo "usage: $0 [param=value ...]" >&2; exit $KSFT_FAIL ;;
	esac
	params="$params $a"
done
if [ -n "$scenario" ]; then
	scenarios=$scenario
elif [ "$negative" != none ]; then
	scenarios=race
else
	scenarios="register callback race"
fi

planned=0
for s in $scenarios; do
	planned=$((planned + 1))
done
echo "TAP version 13"
echo "1..$planned"

# skip_all REASON: every planned test is skipped
skip_all() {
	n=0
	for s in $scenarios; do
		n=$((n + 1))
		echo "ok $n npu_context scenario=$s$params # SKIP $1"
	done
	exit $KSFT_SKIP
}

[ -n "$mod" ] || skip_all "npu_context_test.ko not built"
# a module built for another kernel (a cross build, or a tree that is not
# the running one) cannot load: that is a skip, not a failure
built_for=$(tr '\0' '\n' <"$mod" | sed -n 's/^vermagic=\([^ ]*\).*/\1/p' | head -n 1)
if [ -n "$built_for" ] && [ "$built_for" != "$(uname -r)" ]; then
	skip_all "npu_context_test.ko is built for $built_for, this kernel is $(uname -r)"
fi
[ "$(id -u)" = 0 ] || skip_all "must be run as root"
if [ ! -d /sys/kernel/debug/kcsan ] && ! grep -qs kcsan /proc/kallsyms; then
	echo "# KCSAN is not enabled in this kernel (it exists from 5.8): the race is seen by"
	echo "# refcount_t, SLUB poisoning, KASAN and lockdep reports only"
fi

# the title of a KCSAN report on the code under test
kcsan_title='BUG: KCSAN: data-race in .*(npu_|pnv_npu2_)'

# run_one N SCENARIO: load the module once for that scenario, report test N;
# returns the test's kselftest code
run_one() {
	n=$1
	desc="npu_context scenario=$2$params"
	skip_watch=/sys/module/kcsan/parameters/skip_watch
	old_skip=
	if [ -w "$skip_watch" ]; then
		old_skip=$(cat "$skip_watch")
		echo "$kcsan_skip" >"$skip_watch"
	fi

	# Mark the log so that only this run is read.
	marker="npu_context.sh: run $$.$n $(date +%s 2>/dev/null)"
	echo "$marker" >/dev/kmsg
	# shellcheck disable=SC2086  # one word per module parameter
	insmod "$mod" scenario="$2" $params
	rc=$?
	[ -n "$old_skip" ] && echo "$old_skip" >"$skip_watch"
	if [ $rc != 0 ]; then
		log=$(dmesg | sed -n "/$marker/,\$p")
		echo "$log" | grep 'npu_context_test' | sed 's/^/# /'
		echo "not ok $n $desc # insmod failed"
		return $KSFT_FAIL
	fi
	rmmod npu_context_test 2>/dev/null
	log=$(dmesg | sed -n "/$marker/,\$p")

	# each kind of report counted in one pass (a grep each was about a
	# second of every run in a KCSAN guest under QEMU's TCG)
	read -r kcsan refcount kfence kasan slub lockdep warn oops invariants caught <<EOF
$(echo "$log" | awk -v title="$kcsan_title" '
		$0 ~ title { n["kcsan"]++ }
		/refcount_t: / { n["refcount"]++ }
		/BUG: KFENCE: / { n["kfence"]++ }
		/BUG: KASAN: / { n["kasan"]++ }
		/BUG [a-z0-9_-]+ \(.*\): |Object already free|Poison overwritten|Redzone overwritten/ { n["slub"]++ }
		/WARNING: possible |WARNING: inconsistent lock state|BUG: sleeping function called from invalid context|BUG: scheduling while atomic|BUG: spinlock |BUG: lock held |held lock freed/ { n["lockdep"]++ }
		/WARNING: CPU: [0-9]+ PID: [0-9]+ at / { n["warn"]++ }
		/Oops|general protection fault|BUG: unable to handle|kernel BUG at|BUG: kernel NULL pointer/ { n["oops"]++ }
		/npu_context_test: invariant failed/ { n["invariants"]++ }
		/npu_context_test: bug caught: / { n["caught"]++ }
		END {
			split("kcsan refcount kfence kasan slub lockdep warn oops invariants caught", k, " ")
			for (i = 1; i <= 10; i++)
				printf "%d ", n[k[i]]
			print ""
		}')
EOF
	done_line=$(echo "$log" | grep 'npu_context_test: done ' | tail -n 1)

	echo "$log" | grep 'npu_context_test: start ' | sed 's/^/# /'
	[ -n "$done_line" ] && echo "# ${done_line#*npu_context_test: }"
	echo "# signals: kcsan=$kcsan refcount=$refcount kfence=$kfence kasan=$kasan slub=$slub lockdep=$lockdep warn=$warn oops=$oops invariants=$invariants caught=$caught"
	echo "$log" | grep -E "$kcsan_title|refcount_t: |BUG: KFENCE: |BUG: KASAN: |WARNING: CPU: |BUG: sleeping function|npu_context_test: (invariant failed|bug caught)" |
		head -n 8 | sed 's/^/# report: /'
	# the first KCSAN report of our functions: its title, and each of
	# the two accesses with the function that made it
	echo "$log" | awk -v title="$kcsan_title" '
		$0 ~ title && !seen { seen = 1; on = 1; print; next }
		on && / (read-write|read|write)( \(marked\))? to 0x/ { print; frame = 1; next }
		on && frame { print; frame = 0; next }
		on && /Reported by Kernel Concurrency Sanitizer/ { exit }' |
		sed 's/^/# kcsan: /'

	if [ -z "$done_line" ]; then
		echo "not ok $n $desc # the run did not finish"
		return $KSFT_FAIL
	fi
	others=$((kcsan + refcount + kfence + kasan + slub + lockdep + warn + oops + invariants))
	case $negative in
	none)
		if [ $((others + caught)) -eq 0 ]; then
			echo "ok $n $desc"
			return $KSFT_PASS
		fi
		if [ "$others" -eq 0 ]; then
			echo "not ok $n $desc # bug caught"
		else
			echo "not ok $n $desc # race or contract violation reported"
		fi
		return $KSFT_FAIL
		;;
	*)
		if [ $((lockdep + warn)) -gt 0 ]; then
			echo "ok $n $desc # negative control: the check fired"
			return $KSFT_PASS
		fi
		echo "not ok $n $desc # negative control: the contract was broken and nothing fired"
		return $KSFT_FAIL
		;;
	esac
}

status=$KSFT_PASS
i=0
for s in $scenarios; do
	i=$((i + 1))
	run_one $i "$s" || status=$KSFT_FAIL
done
exit $status
