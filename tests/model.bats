#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The model made from each tree's code (scripts/check-model --bases,
# --file, --tree): every base fixture in every state the series make,
# verdicts as the commits in that code say; each mutation of the patched
# code caught; counterexamples printed as the GPUs' C lines; the
# translator refusing what it does not know.

load lib

setup_file() {
	export BASES_OUT=$BATS_FILE_TMPDIR/bases.out
	# one run for the whole file: every state and every mutation
	"$TOP/scripts/check-model" --bases --mutations >"$BASES_OUT" 2>&1 || echo "exit $?" >>"$BASES_OUT"
}

# verdict_of NAME SCENARIO: "verdict class" of that line of the --bases run
verdict_of() {
	awk -F '\t' -v n="$1" -v s="$2" '$1 == "verdict" && $2 == n && $3 == s { print $4, $5 }' "$BASES_OUT"
}

# the states the fixtures make: "RELEASE unpatched", "RELEASE FORM VARIANT"
states() {
	local r forms f v
	for r in $FIXTURE_RELEASES; do
		echo "$r unpatched"
		forms=$(awk -F '\t' -v r="$r" '!/^#/ && $1 == r { print $9 }' "$NPU_BASES")
		for f in $forms; do
			for v in plain lockdep; do
				echo "$r $f $v"
			done
		done
	done
}

@test "model: every state of every base fixture has its verdicts, none an error" {
	local n s want got
	grep -q '^exit 1$' "$BASES_OUT" || { cat "$BASES_OUT"; false; }
	! grep -P '^verdict\t.*\terror\t' "$BASES_OUT" || false
	n=$(states | wc -l)
	[ "$n" -ge 28 ]
	# five scenarios per state, six mutations per patched state
	want=$((n * 5 + (n - $(echo "$FIXTURE_RELEASES" | wc -w)) * 6))
	got=$(grep -c '^verdict' "$BASES_OUT")
	echo "want $want verdict lines, got $got"
	[ "$got" -eq "$want" ]
}

@test "model: unpatched code has all three bugs; the upstream form and the adapted form none" {
	local st s v want bad=0
	while read -r st; do
		for s in race2 race3 register callback all2; do
			v=$(verdict_of "$st" "$s")
			case "$st/$s" in
			*unpatched/race*) want='counterexample race' ;;
			*unpatched/register) want='counterexample register' ;;
			*unpatched/callback) want='counterexample callback' ;;
			*unpatched/all2) want='counterexample *' ;;
			*upstream*) want='verified -' ;;
			*adapted*) want='verified -' ;;
			esac
			# shellcheck disable=SC2053  # want may be a pattern
			if [[ $v != $want ]]; then
				echo "$st $s: '$v', want '$want'"
				bad=1
			fi
		done
	done < <(states)
	[ "$bad" = 0 ]
}

@test "model: each mutation of each patched state gives a counterexample of the bug it brings back" {
	local st m s v want bad=0 n=0
	while read -r st; do
		[[ $st != *unpatched ]] || continue
		for m in unlocked-put kfree-in-release lookup-outside-lock no-callback-check \
			no-priv-check unregister-in-release; do
			case $m in
			no-*-check) s=callback want='counterexample callback' ;;
			unlocked-put) s=race2 want='counterexample @(race|warn|lockdep)' ;;
			unregister-in-release) s=race2 want='counterexample atomic' ;;
			*) s=race2 want='counterexample @(race|warn)' ;;
			esac
			v=$(verdict_of "$st mutated:$m" "$s")
			n=$((n + 1))
			# shellcheck disable=SC2053
			if [[ $v != $want ]]; then
				echo "$st $m: '$v', want '$want'"
				bad=1
			fi
		done
	done < <(states)
	[ "$n" -eq $(($(states | grep -vc unpatched) * 6)) ]
	[ "$bad" = 0 ]
}

@test "model: a counterexample is the interleaving of both GPUs' C lines, each line the file's" {
	local trail f n text
	f=$TOP/patches/bases/4.14.67/npu-dma.c
	trail=$(awk '/^verdict\t4.14.67 unpatched\trace2\t/ { p = 1; next } /^verdict/ { p = 0 } p' "$BASES_OUT")
	echo "$trail"
	grep -q '^    GPU 1 .*npu-dma.c:' <<<"$trail"
	grep -q '^    GPU 2 .*npu-dma.c:' <<<"$trail"
	grep -q '^    failed     race: ' <<<"$trail"
	# every C line quoted is that line of the file
	while read -r n text; do
		[ "$(sed -n "${n}p" "$f" | sed 's/^[[:space:]]*//')" = "$text" ] ||
			{ echo "line $n is not '$text'"; false; }
	done < <(sed -n -E 's/^    GPU [0-9]+ +npu-dma\.c:([0-9]+)  (.*)$/\1 \2/p' <<<"$trail")
	# the step that fails: GPU 2 takes a reference the other GPU dropped
	grep -B 1 '^    failed' <<<"$trail" | grep -q 'GPU 2 .*kref_get(&npu_context->kref);'
	# and the excerpt Documentation/npu-context-model.rst shows is there,
	# in that order
	local doc
	doc=$(awk '/^failed::$/ { p = 1; next } p && /^    failed/ { print; exit } p && /^    [A-Za-z]/' \
		"$TOP/Documentation/npu-context-model.rst")
	[ "$(wc -l <<<"$doc")" -ge 6 ]
	while IFS= read -r l; do
		[[ $l == '    ...' ]] && continue
		grep -qxF -- "$l" <<<"$trail" || { echo "not in the run, in order: $l"; false; }
		# what follows that line
		trail=$(awk -v l="$l" 'f { print } !f && $0 == l { f = 1 }' <<<"$trail")
	done <<<"$doc"
}

# refused SED_SCRIPT WHAT: check-model on 4.14.67's file edited by
# SED_SCRIPT (N: the line of init's kref_get()) exits 2 and says WHAT
refused() {
	local f=$BATS_TEST_TMPDIR/npu-dma.c
	cp "$TOP/patches/bases/4.14.67/npu-dma.c" "$f"
	sed -i "$1" "$f"
	run "$TOP/scripts/check-model" --file "$f" --scenario race2
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"$2"* ]]
	[[ $output != *Traceback* ]]
}

@test "model: the translator refuses code it does not know, naming the C line" {
	local f=$BATS_TEST_TMPDIR/npu-dma.c n
	n=$(grep -n 'kref_get(&npu_context->kref);' "$TOP/patches/bases/4.14.67/npu-dma.c" | cut -d: -f1)
	refused "${n}a\\		npu_frob(npu_context);" "npu-dma.c:$((n + 1)): call of npu_frob()"
	refused "${n}a\\		for (rc = 0; rc < 2; rc++) ;" "npu-dma.c:$((n + 1)): statement For is not known"
	# code the preprocessor would hide, a write to a parameter, a value
	# used where the translator has none: errors, not a verdict
	refused "${n}i\\#ifdef CONFIG_NPU_FROB
${n}a\\#endif" "npu-dma.c:$n: a preprocessor line"
	refused "${n}a\\		priv = NULL;" "npu-dma.c:$((n + 1)): assignment to the parameter priv"
	refused "${n}a\\		rc = WRITE_ONCE(npu_context->priv, priv);" \
		"npu-dma.c:$((n + 1)): the value of WRITE_ONCE() is stored"
	refused "${n}a\\		{ static int once; once = 1; }" "a static variable once"
	refused "${n}a\\		if (kref_get(\\&npu_context->kref)) rc = 0;" \
		"npu-dma.c:$((n + 1)): the value of kref_get() is used"

	printf 'int x;\n' >"$f"
	run "$TOP/scripts/check-model" --file "$f"
	[ "$status" -eq 2 ]
	[[ $output == *"pnv_npu2_"*"found 0 times"* ]]
}

@test "model: --tree checks the HEAD of a tree, before and after the series; bad input is refused" {
	local t=$BATS_TEST_TMPDIR/tree p
	mkdir -p "$t/arch/powerpc/platforms/powernv" "$t/arch/powerpc/include/asm"
	printf 'VERSION = 4\nPATCHLEVEL = 14\nSUBLEVEL = 67\nEXTRAVERSION =\n' >"$t/Makefile"
	cp "$TOP/patches/bases/4.14.67/npu-dma.c" "$t/$NPU_FILE"
	cp "$TOP/patches/bases/4.12.0/powernv.h" "$t/$NPU_HDR"
	git_q -C "$t" init -q
	git_q -C "$t" add -A
	git_q -C "$t" commit -q -m base
	run "$TOP/scripts/check-model" --tree "$t" --scenario callback
	[ "$status" -eq 1 ]
	[[ $output == *"counterexample	callback"* ]]
	# which of upstream's commits it has, one by one, as every command says
	[[ $output == *"$t: 1b2c2b12386f missing · 2b74e2a9b39d present · 720c84046c26 missing · 28a5933e8d36 missing"* ]]
	for p in $(series_patches "$(series_dir upstream write-once plain)"); do
		git_q -C "$t" am -q "$p"
	done
	run "$TOP/scripts/check-model" --tree "$t"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '	verified	' <<<"$output")" -eq 5 ]

	echo '/* edited */' >>"$t/$NPU_FILE"
	run "$TOP/scripts/check-model" --tree "$t"
	[ "$status" -eq 2 ]
	[[ $output == *"uncommitted changes"* ]]
	run "$TOP/scripts/check-model" --file "$t/nonexistent.c"
	[ "$status" -eq 2 ]
	run "$TOP/scripts/check-model" --file "$t/$NPU_FILE" --scenario bogus
	[ "$status" -eq 2 ]
	run "$TOP/scripts/check-model" --file "$TOP/patches/bases/4.14.67/npu-dma.c" --mutate no-callback-check
	[ "$status" -eq 2 ]
	[[ $output == *"nothing to mutate"* ]]
	run "$TOP/scripts/check-model" --bases --tree "$t"
	[ "$status" -eq 2 ]
	run "$TOP/scripts/check-model" --file "$t/$NPU_FILE" --mutations
	[ "$status" -eq 2 ]
}

@test "model: the verdict table of Documentation/npu-context-model.rst is what --bases prints" {
	local bases code cells r s i want got n=0 bad=0
	local -a c
	while IFS=$'\t' read -r bases code cells; do
		read -r -a c <<<"$cells"
		for r in $bases; do
			i=0
			for s in race2 race3 register callback all2; do
				# "66830": verified in that many states; "race (815)"
				if [[ ${c[i]} =~ ^[0-9]+$ ]]; then
					want="verified - ${c[i]}"
					i=$((i + 1))
				else
					want="counterexample ${c[i]} ${c[i + 1]//[()]/}"
					i=$((i + 2))
				fi
				got=$(awk -F '\t' -v n="$r $code" -v s="$s" \
					'$1 == "verdict" && $2 == n && $3 == s { print $4, $5, $6 }' "$BASES_OUT")
				n=$((n + 1))
				[ "$got" = "$want" ] || { echo "$r $code $s: doc '$want', run '$got'"; bad=1; }
			done
		done
	done < <(sed -n -E 's/^(4\.[0-9.]+( 4\.[0-9.]+)*) +(unpatched|(upstream|adapted) (plain|lockdep)) {2,}(.*)$/\1\t\3\t\6/p' \
		"$TOP/Documentation/npu-context-model.rst")
	# every state of every base, five scenarios each
	[ "$n" -eq $(($(states | wc -l) * 5)) ]
	[ "$bad" = 0 ]
}
