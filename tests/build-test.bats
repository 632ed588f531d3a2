#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# scripts/build-test: bad input on small fake trees.  (The real build of
# all ten series is in trees.bats and needs NPU_TREES.)

load lib

setup() {
	W=$(mktemp -d)
	mkdir "$W/trees"
	fake_tree "$W/trees/v4.14" 4 14
	fake_series "$W/trees/v4.14" "$W/patches" orig
	export NPU_PATCHES=$W/patches NPU_CACHE=$W/cache
	BEFORE=$(snapshot "$W/trees/v4.14")
}

teardown() {
	rm -rf "$W"
}

@test "build-test: no trees given" {
	NPU_TREES='' run "$TOP/scripts/build-test"
	[ "$status" -eq 2 ]
	[[ $output == *"no trees: pass --tree DIR, --trees DIR or --repo GITDIR --ref REF, or set NPU_TREES"* ]]
}

@test "build-test: bad arguments and trees are refused before anything is built" {
	run "$TOP/scripts/build-test" --tree "$W/trees/v4.14" --variants kasan
	[ "$status" -eq 2 ]
	[[ $output == *"unknown variant 'kasan'"* ]]
	run "$TOP/scripts/build-test" --tree "$W/trees/v4.14" --forms stable
	[ "$status" -eq 2 ]
	[[ $output == *"unknown form 'stable'"* ]]
	run "$TOP/scripts/build-test" --tree "$W/nonexistent"
	[ "$status" -eq 2 ]
	[[ $output == *"no such directory"* ]]
	mkdir "$W/empty"
	run "$TOP/scripts/build-test" --trees "$W/empty"
	[ "$status" -eq 2 ]
	[[ $output == *"no git checkout below it"* ]]
	run "$TOP/scripts/build-test" --ref v4.14.7
	[ "$status" -eq 2 ]
	[[ $output == *"--ref needs --repo GITDIR"* ]]
	run "$TOP/scripts/build-test" --repo "$W/trees/v4.14"
	[ "$status" -eq 2 ]
	[[ $output == *"needs at least one --ref"* ]]
	run "$TOP/scripts/build-test" --repo "$W/trees/v4.14" --ref v9.9
	[ "$status" -eq 2 ]
	[[ $output == *"--ref v9.9: no such commit"* ]]
	[ "$(snapshot "$W/trees/v4.14")" = "$BEFORE" ]
	[ ! -e "$W/cache/build-test" ]
}

@test "build-test: missing cross compiler" {
	NPU_CROSS=/nonexistent/powerpc64le-linux-gnu- run "$TOP/scripts/build-test" --trees "$W/trees"
	[ "$status" -eq 2 ]
	[[ $output == *"cross compiler /nonexistent/powerpc64le-linux-gnu-gcc not found"* ]]
	[ "$(snapshot "$W/trees/v4.14")" = "$BEFORE" ]
	[ ! -e "$W/cache/build-test" ]
}

@test "build-test: a dirty tree is refused before building" {
	echo "line 41" >>"$W/trees/v4.14/arch/powerpc/platforms/powernv/npu-dma.c"
	BEFORE=$(snapshot "$W/trees/v4.14")
	run "$TOP/scripts/build-test" --trees "$W/trees"
	[ "$status" -eq 2 ]
	[[ $output == *"uncommitted changes"* ]]
	[ "$(snapshot "$W/trees/v4.14")" = "$BEFORE" ]
	[ ! -e "$W/cache/build-test" ]
}

# fake_kbuild DIR: turn the fake tree DIR into one that tracks a .config (as
# the v4.15.1 snapshot does) and whose Makefile refuses an O= build while
# the source tree has one, at prepare, as kbuild of v4.15 does.  Every other
# target succeeds without building anything.  Its prepare says so in
# $O/in-prepare and takes $NPU_FAKE_SLEEP seconds (default SECS, or 0).
fake_kbuild() {
	local d=$1
	sed "s/@SECS@/${2:-0}/" >>"$d/Makefile" <<'MK'
.SUFFIXES:
prepare:
	@if [ -n "$(O)" ] && [ -f $(CURDIR)/.config ]; then \
		echo "  $(CURDIR) is not clean, please run 'make mrproper'" >&2; false; fi
	@touch $(O)/in-prepare; sleep $${NPU_FAKE_SLEEP:-@SECS@}
%config:
	@mkdir -p $(O) && touch $(O)/.config
mrproper:
	@rm -f .config
%:
	@:
MK
	mkdir -p "$d/scripts/kconfig"
	cat >"$d/scripts/kconfig/merge_config.sh" <<'SH'
#!/bin/sh
# merge_config.sh -m -O DIR BASE FRAGMENT...: concatenate
shift 2; out=$1; shift
cat "$@" >"$out/.config.new" && mv "$out/.config.new" "$out/.config"
SH
	chmod +x "$d/scripts/kconfig/merge_config.sh"
	echo 'CONFIG_FROM_SOMEONE_ELSE=y' >"$d/.config"
	git_q -C "$d" add -A
	git_q -C "$d" commit -q -m "kbuild stand-in, tracked .config"
}

@test "build-test: a base that tracks a .config builds cold and warm (v4.15.1)" {
	fake_tree "$W/t415" 4 15
	fake_kbuild "$W/t415"
	fake_series "$W/t415" "$W/p415" nmmu
	local run c id
	c=$(git -C "$W/t415" rev-parse HEAD)
	for run in cold warm; do
		NPU_PATCHES=$W/p415 run "$TOP/scripts/build-test" --tree "$W/t415" --variants plain \
			--matrix "$W/matrix-$run.txt" --no-cache
		echo "$run: $output"
		grep -q -E '^t415 +4\.15\.7 +nmmu +upstream +plain +ok +ok +0 +0 ' "$W/matrix-$run.txt"
		grep -q -E '^t415 +4\.15\.7 +nmmu +adapted +plain +ok +ok +0 +0 ' "$W/matrix-$run.txt"
		# the row names the commits its series added to the tree
		id=$(sed -n -E 's/^commit ([0-9a-f]{12})[0-9a-f]{28} upstream\.$/\1/p' "$W"/p415/upstream/nmmu/*.patch)
		[ "$(awk '$1 == "t415" && $4 == "upstream" && $5 == "plain" { print $15 }' "$W/matrix-$run.txt")" = "$id" ]
		grep -q -E '^tree .* secs +adds$' "$W/matrix-$run.txt"
		[ ! -e "$W/cache/build-test/trees/${c:0:16}/src/.config" ]
	done
	# the user's tree keeps its .config
	[ -f "$W/t415/.config" ]
	[ -z "$(git -C "$W/t415" status --porcelain)" ]
}

@test "build-test: a row whose inputs did not change is kept, a changed series is rebuilt" {
	fake_tree "$W/t415" 4 15
	fake_kbuild "$W/t415"
	fake_series "$W/t415" "$W/p415" nmmu
	export NPU_PATCHES=$W/p415
	run "$TOP/scripts/build-test" --tree "$W/t415" --matrix "$W/m1.txt"
	[ "$(grep -c '(kept)' "$W/m1.txt")" -eq 0 ]
	run "$TOP/scripts/build-test" --tree "$W/t415" --matrix "$W/m2.txt"
	echo "$output"
	[ "$(grep -c -E '^t415 .* 0  [^ ]+  \(kept\)' "$W/m2.txt")" -eq 4 ]
	# the same rows but for the seconds (column 14)
	diff <(sed 's/  (kept).*//; s/  (logs.*//' "$W/m1.txt" | awk '{ $14 = ""; print }') \
		<(sed 's/  (kept).*//; s/  (logs.*//' "$W/m2.txt" | awk '{ $14 = ""; print }')
	echo "# a comment" >>"$W/p415/upstream/nmmu-lockdep/0002-annotate.patch"
	run "$TOP/scripts/build-test" --tree "$W/t415" --matrix "$W/m3.txt"
	grep -q -E '^t415 .* upstream +plain .*\(kept\)' "$W/m3.txt"
	grep -q -E '^t415 .* adapted +lockdep .*\(kept\)' "$W/m3.txt"
	! grep -q -E '^t415 .* upstream +lockdep .*\(kept\)' "$W/m3.txt" || false
}

@test "build-test: where the upstream form does not apply, its row says n/a and is no failure" {
	fake_tree "$W/t415" 4 15
	fake_kbuild "$W/t415"
	fake_series "$W/t415" "$W/p415" nmmu
	# the upstream form's context is not this tree's
	sed -i 's/^ line 4$/ line 4 elsewhere/' "$W/p415/upstream/nmmu/"*.patch
	NPU_PATCHES=$W/p415 run "$TOP/scripts/build-test" --tree "$W/t415" --variants plain --matrix "$W/m.txt"
	echo "$output"
	grep -q -E '^t415 +4\.15\.7 +nmmu +upstream +plain +n/a +- .* n/a .*the upstream form does not apply to 4\.15\.7: adapted only' "$W/m.txt"
	grep -q -E '^t415 +4\.15\.7 +nmmu +adapted +plain +ok +ok +0 +0 ' "$W/m.txt"
}

@test "build-test: one repository and refs, built in scratch copies; the repository is only read" {
	fake_tree "$W/repo" 4 15
	fake_kbuild "$W/repo"
	fake_series "$W/repo" "$W/p415" nmmu
	git_q -C "$W/repo" tag v4.15.7
	echo "line 41" >>"$W/repo/arch/powerpc/platforms/powernv/npu-dma.c"
	git_q -C "$W/repo" commit -q -am "4.15.8: an unrelated change"
	git_q -C "$W/repo" branch linux-4.15.y
	git_q -C "$W/repo" checkout -q v4.15.7
	local before
	before=$(snapshot "$W/repo")
	NPU_PATCHES=$W/p415 run "$TOP/scripts/build-test" --repo "$W/repo" --ref v4.15.7 --ref linux-4.15.y \
		--variants plain --matrix "$W/m.txt"
	echo "$output"
	grep -q -E '^v4\.15\.7 +4\.15\.7 +nmmu +upstream +plain +ok +ok ' "$W/m.txt"
	grep -q -E '^linux-4\.15\.y +4\.15\.7 +nmmu +adapted +plain +ok +ok ' "$W/m.txt"
	[ "$(snapshot "$W/repo")" = "$before" ]
}

# two_trees [SECS]: fake trees $W/ta and $W/tb of one series (nmmu), tb's
# line 31 not what the lockdep patch expects; ta's prepare takes SECS
two_trees() {
	fake_tree "$W/ta" 4 15
	fake_kbuild "$W/ta" "${1:-0}"
	fake_series "$W/ta" "$W/p" nmmu
	fake_tree "$W/tb" 4 15
	sed -i 's/^line 31$/line 31 elsewhere/' "$W/tb/arch/powerpc/platforms/powernv/npu-dma.c"
	git_q -C "$W/tb" commit -q -am "another line 31"
	fake_kbuild "$W/tb"
	export NPU_PATCHES=$W/p
}

# cols FILE: tree form variant apply build of each row of a matrix FILE
cols() {
	awk '$5 ~ /^(plain|lockdep)$/ { print $1, $4, $5, $6, $7 }' "$1"
}

@test "build-test: -j 2 builds trees at once: a line per row as it ends, the matrix in a fixed order, a failure hides nothing" {
	# ta is slow: tb's rows end first
	two_trees 3
	run "$TOP/scripts/build-test" --tree "$W/ta" --tree "$W/tb" -j 2 --matrix "$W/m.txt"
	echo "$output"
	[ "$status" -eq 1 ]
	# one line per row, numbered as they end: tb's first
	[ "$(grep -c -E '^\[[1-8]/8\] ' <<<"$output")" -eq 8 ]
	grep -q -E '^\[1/8\] tb ' <<<"$output"
	grep -q -E '^\[8/8\] ta ' <<<"$output"
	# the matrix: the trees in the order given, the rows in form, variant order
	diff - <(cols "$W/m.txt") <<'ROWS'
ta upstream plain ok ok
ta upstream lockdep ok ok
ta adapted plain ok ok
ta adapted lockdep ok ok
tb upstream plain ok ok
tb upstream lockdep n/a -
tb adapted plain ok ok
tb adapted lockdep FAIL -
ROWS
	grep -q -E '^tb .* adapted +lockdep +FAIL .*\(logs: ' "$W/m.txt"
	[ "$(tail -n 1 "$W/m.txt")" = "build-test: FAILED (see the rows whose result is not ok)" ]
	# a job that dies is a row each, not a gap
	rm -rf "$W/cache"
	mkdir -p "$W/cache/build-test/trees"
	touch "$W/cache/build-test/trees/$(git -C "$W/ta" rev-parse HEAD | cut -c1-16)"
	run "$TOP/scripts/build-test" --tree "$W/ta" --tree "$W/tb" -j 2 --matrix "$W/m2.txt"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(grep -c -E '^ta .*FAIL\(job\) .*stopped early' "$W/m2.txt")" -eq 4 ]
	diff <(cols "$W/m.txt" | grep '^tb') <(cols "$W/m2.txt" | grep '^tb')
	run "$TOP/scripts/build-test" --tree "$W/ta" -j 0
	[ "$status" -eq 2 ]
	[[ $output == *"-j 0: expected a number of jobs, 1 or more"* ]]
}

# in_session SID: the ids of the processes of session SID, from /proc (no
# procps in a minimal Debian)
in_session() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(sed 's/^.*) //' "$p/stat" 2>/dev/null | cut -d' ' -f4)" = "$1" ] && echo "${p#/proc/}"
	done
	return 0
}

# started CMD...: run CMD in the background in a session of its own, with
# SIGINT as a terminal's foreground job has it (a background job of a
# script ignores it); wait until a fake prepare has begun
started() {
	setsid "$NPU_PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" >"$W/bg.out" 2>&1 &
	BG=$!
	local i
	for i in $(seq 100); do
		find "$W/cache" -name in-prepare 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	echo "prepare never started: $(cat "$W/bg.out")"
	return 1
}

@test "build-test: interrupted (Ctrl-C, SIGKILL of everything), the next run rebuilds what was not done and keeps nothing wrong" {
	two_trees
	local c
	c=$(git -C "$W/ta" rev-parse HEAD | cut -c1-16)
	# Ctrl-C (SIGINT to the foreground process group): build-test stops
	# its jobs, with their make, and says so
	NPU_FAKE_SLEEP=30 started "$TOP/scripts/build-test" --tree "$W/ta" --matrix "$W/m0.txt"
	kill -INT -- "-$BG"
	wait "$BG" && st=0 || st=$?
	cat "$W/bg.out"
	[ "$st" -eq 130 ]
	grep -q 'interrupted; nothing it left half done is kept' "$W/bg.out"
	# nothing of the run is left (TERMed processes may take a moment)
	local i p
	for i in $(seq 50); do
		[ -n "$(in_session "$BG")" ] || break
		sleep 0.1
	done
	for p in $(in_session "$BG"); do
		echo "left: $p $(tr '\0' ' ' <"/proc/$p/cmdline")"
	done
	[ -z "$(in_session "$BG")" ]
	[ -z "$(ls "$W/cache/build-test/results")" ]
	# SIGKILL of every process of the run, in the middle of a row ...
	rm -f "$W/cache/build-test/trees/$c/obj-plain/in-prepare"
	NPU_FAKE_SLEEP=30 started "$TOP/scripts/build-test" --tree "$W/ta" --matrix "$W/m0.txt"
	[ -n "$(in_session "$BG")" ]
	# shellcheck disable=SC2046  # a list of ids
	kill -KILL $(in_session "$BG")
	wait "$BG" || true
	# ... and what a kill inside git am would leave: a lock, an am
	touch "$W/cache/build-test/trees/$c/src/.git/index.lock"
	mkdir "$W/cache/build-test/trees/$c/src/.git/rebase-apply"
	[ -z "$(ls "$W/cache/build-test/results")" ]
	run "$TOP/scripts/build-test" --tree "$W/ta" --matrix "$W/m1.txt"
	echo "$output"
	[[ $output != *fatal:* ]]
	! grep -q '(kept)' "$W/m1.txt" || false
	diff - <(cols "$W/m1.txt") <<'ROWS'
ta upstream plain ok ok
ta upstream lockdep ok ok
ta adapted plain ok ok
ta adapted lockdep ok ok
ROWS
	# and now all is kept
	run "$TOP/scripts/build-test" --tree "$W/ta" --matrix "$W/m2.txt"
	[ "$(grep -c '(kept)' "$W/m2.txt")" -eq 4 ]
}

@test "build-test: two runs at once on one cache: one waits, then keeps the other's rows" {
	two_trees
	NPU_FAKE_SLEEP=2 "$TOP/scripts/build-test" --tree "$W/ta" --matrix "$W/m1.txt" >"$W/out1" 2>&1 &
	local p1=$! s1=0 s2=0 waited=2 first=1 wait_msg='another build-test is building commit .*; waiting for it'
	sleep 0.3
	NPU_FAKE_SLEEP=2 "$TOP/scripts/build-test" --tree "$W/ta" --matrix "$W/m2.txt" >"$W/out2" 2>&1 || s2=$?
	wait "$p1" || s1=$?
	cat "$W/out1" "$W/out2"
	# the same verdicts (fake trees build no module: hw-test FAIL, exit 1)
	[ "$s1" -eq "$s2" ]
	[ "$s1" -eq 1 ]
	! grep -q -i 'fatal\|index.lock' "$W/out1" "$W/out2" || false
	# which one takes the tree first is the machine's choice (on a busy
	# one the first may still be planning when the second starts): the
	# other waits for it and keeps its rows
	grep -q "$wait_msg" "$W/out2" || waited=1 first=2
	grep -q "$wait_msg" "$W/out$waited"
	! grep -q "$wait_msg" "$W/out$first" || false
	[ "$(grep -c '(kept)' "$W/m$waited.txt")" -eq 4 ]
	! grep -q '(kept)' "$W/m$first.txt" || false
	diff <(cols "$W/m1.txt") <(cols "$W/m2.txt")
}

@test "bench-build-test: cold and warm in caches of its own, the exit status of the cold run, what the machine costs" {
	two_trees
	mkdir "$W/user-cache"
	export NPU_CACHE=$W/user-cache CCACHE_DIR=$W/user-ccache
	run "$TOP/scripts/bench-build-test" --tree "$W/ta" --tree "$W/tb"
	echo "$output"
	# fake trees build no module, so every row fails (and tb's lockdep
	# series does not apply): the runs' status, 1, not dropped to 0
	[ "$status" -eq 1 ]
	grep -q -E '^bench-build-test: 8 rows: cold [0-9]+\.[0-9] s, warm [0-9]+\.[0-9] s ' <<<"$output"
	grep -q -E '^bench-build-test: cold / sum of the rows. own seconds \([0-9]+ s\) = ([0-9]+\.[0-9]{2}|-)$' <<<"$output"
	grep -q -E '^bench-build-test: CPU time of the cold run: user [0-9]+\.[0-9]+ s, system [0-9]+\.[0-9]+ s$' <<<"$output"
	grep -q -E '^bench-build-test: processes started: cold [0-9?]+, warm [0-9?]+; one fork\+exec here: [0-9.]+ ms; [0-9]+ CPUs$' <<<"$output"
	# the warm run keeps every row that ran to the end (all but the n/a one)
	[ "$(sed -n '/^== warm matrix/,$p' <<<"$output" | grep -c "(kept)")" -eq 7 ]
	# the user's caches are not touched
	[ -z "$(ls -A "$W/user-cache")" ]
	[ ! -e "$W/user-ccache" ]
}

@test "build-test: a tree that has every commit of the series: its commits line says so, its rows are n/a, no failure" {
	local p
	fake_kbuild "$W/trees/v4.14"
	for p in $(series_patches "$W/patches/upstream/orig"); do
		git_q -C "$W/trees/v4.14" am -q "$p"
	done
	run "$TOP/scripts/build-test" --tree "$W/trees/v4.14" --variants plain --matrix "$W/m.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"build-test: v4.14 (4.14.7): $(cut -c1-12 "$W/patches/commits.tsv") present"* ]]
	[ "$(grep -c -E '^v4\.14 .* n/a .*\(the tree has every commit of the series: nothing to add\)$' "$W/m.txt")" -eq 2 ]
	[[ $(tail -n 1 "$W/m.txt") == "build-test: all 2 rows green (2 n/a: "* ]]
	# nothing was built
	[ -z "$(ls "$W/cache/build-test/logs")" ]
}
