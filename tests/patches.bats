#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The series in patches/: mail form, stable tags, checkpatch, and the
# relation between each plain series and its -lockdep variant.

load lib

# every patch file of every series, as listed by the series files
all_patches() {
	local d
	for d in $NPU_SERIES; do
		sed "s|^|$TOP/patches/$d/|" "$TOP/patches/$d/series"
		sed "s|^|$TOP/patches/$d-lockdep/|" "$TOP/patches/$d-lockdep/series"
	done
}

# body of a patch's message, as git mailinfo sees it
msg() {
	git mailinfo /dev/null /dev/null <"$1" >/dev/null 2>&1
	git mailinfo "$BATS_TEST_TMPDIR/m" /dev/null <"$1" >/dev/null
	cat "$BATS_TEST_TMPDIR/m"
}

@test "patches: one plain and one -lockdep series per target, each file listed once" {
	local t d
	[ "$(all_patches | wc -l)" -eq 12 ]
	for t in $NPU_SERIES; do
		for d in "$TOP/patches/$t" "$TOP/patches/$t-lockdep"; do
			[ -f "$d/series" ]
			diff <(sort "$d/series") <(cd "$d" && ls -- *.patch | sort)
		done
		[ "$(wc -l <"$TOP/patches/$t/series")" -eq 1 ]
		[ "$(wc -l <"$TOP/patches/$t-lockdep/series")" -eq 2 ]
	done
}

@test "patches: every patch parses as a mail with author, subject and a diff" {
	local p info
	while read -r p; do
		info=$(git mailinfo "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/p" <"$p")
		grep -q '^Author: .' <<<"$info" || { echo "no author: $p"; return 1; }
		grep -q '^Email: .*@' <<<"$info" || { echo "no email: $p"; return 1; }
		grep -q '^Subject: powerpc/powernv/npu: ' <<<"$info" || { echo "subject: $p"; return 1; }
		grep -q '^diff --git a/arch/powerpc/platforms/powernv/npu-dma.c' "$BATS_TEST_TMPDIR/p" ||
			{ echo "no diff: $p"; return 1; }
	done < <(all_patches)
}

@test "patches: the fix keeps the upstream author and carries the stable tags in order" {
	local t p m n=0
	for t in $NPU_SERIES; do
		for p in "$TOP/patches/$t/0001-"*.patch "$TOP/patches/$t-lockdep/0001-"*.patch; do
			grep -qx 'From: Alistair Popple <alistair@popple.id.au>' "$p"
			n=$((n + 1))
			grep -q "^Subject: \[PATCH\( 1/2\)\?\] powerpc/powernv/npu: Add lock to prevent race in" "$p"
			m=$(msg "$p")
			# first line of the body names the upstream commit
			[ "$(head -n 1 <<<"$m")" = "commit 28a5933 upstream." ]
			grep -qx 'Fixes: 1ab66d1fbada ("powerpc/powernv: Introduce address translation services for Nvlink2")' <<<"$m"
			grep -qx 'Cc: stable@vger.kernel.org # v4.12+' <<<"$m"
			# upstream sign-offs, then the backport note, last: the
			# sender's sign-off goes below it when they apply or mail
			# it (backport --signoff, mail; see bases.bats)
			local ell note
			ell=$(grep -n '^Signed-off-by: Michael Ellerman' <<<"$m" | cut -d: -f1)
			note=$(grep -n "^\[ Backport to 4\.1[2-6]\.y" <<<"$m" | cut -d: -f1)
			[ -n "$ell" ] && [ -n "$note" ]
			[ "$ell" -lt "$note" ]
			[ "$(grep -c '^Signed-off-by: ' <<<"$m")" -eq 2 ]
			! grep -q -e 'Seed ' -e '@invalid' <<<"$m"
			# the note ends the message and says what was adapted
			tail -n 1 <<<"$m" | grep -q '\]$'
			sed -n "$note,\$p" <<<"$m" | grep -q 'adapted'
			# and names the releases it was tried on
			sed -n "$note,\$p" <<<"$m" | tr '\n' ' ' | grep -q "applies to.* $(bases_of "$t" | tail -n 1 | cut -d' ' -f1)"
		done
	done
	[ "$n" -eq 8 ]
}

@test "patches: each -lockdep series is its plain series plus exactly one patch" {
	local t a b
	for t in $NPU_SERIES; do
		a=$(sed "s|^|$TOP/patches/$t/|" "$TOP/patches/$t/series")
		b=$(head -n 1 "$TOP/patches/$t-lockdep/series" | sed "s|^|$TOP/patches/$t-lockdep/|")
		# same change ...
		[ "$(git patch-id --stable <"$a" | cut -d' ' -f1)" = "$(git patch-id --stable <"$b" | cut -d' ' -f1)" ]
		# ... same message and author; only the [PATCH x/N] numbering differs
		diff <(sed -n '/^From: /,/^---$/p' "$a" | sed 's/^Subject: \[PATCH\( [0-9]\/[0-9]\)\?\]/Subject:/') \
			<(sed -n '/^From: /,/^---$/p' "$b" | sed 's/^Subject: \[PATCH\( [0-9]\/[0-9]\)\?\]/Subject:/')
	done
}

@test "patches: the lockdep patch only adds annotation lines" {
	local t p bad
	for t in $NPU_SERIES; do
		p=$(sed -n 2p "$TOP/patches/$t-lockdep/series" | sed "s|^|$TOP/patches/$t-lockdep/|")
		# no line removed
		! sed -n '/^diff --git/,$p' "$p" | grep -E '^-[^-]'
		# every added line is an annotation (or blank)
		bad=$(sed -n '/^diff --git/,$p' "$p" | grep -E '^\+[^+]' |
			grep -v -E '^\+\s*(might_sleep\(\);|lockdep_assert_held(_exclusive)?\(&[a-z_>.-]+\);|__must_hold\(&npu_context_lock\))?$' || true)
		[ -z "$bad" ] || { echo "$p adds: $bad"; return 1; }
		grep -q '^+	might_sleep();' "$p"
		grep -q '^+	lockdep_assert_held_exclusive(&mm->mmap_sem);' "$p"
		grep -q '^+	lockdep_assert_held(&npu_context_lock);' "$p"
		grep -q '^+	__must_hold(&npu_context_lock)' "$p"
		[ "$(grep -c '^+	might_sleep();' "$p")" -eq 2 ]
		grep -q 'debug and test kernels' "$p"
	done
}

@test "patches: checkpatch.pl --strict (linux-source-6.1) is clean" {
	local cp p out rc
	cp=$(modern_checkpatch)
	# the check itself must catch a style error
	sed 's/^+\tspin_lock(&npu_context_lock);$/+  spin_lock(\&npu_context_lock) ;/' \
		"$TOP/patches/write-once/$(head -n 1 "$TOP/patches/write-once/series")" >"$BATS_TEST_TMPDIR/bad.patch"
	rc=0
	out=$("$cp" --strict --show-types --no-tree --terse "$BATS_TEST_TMPDIR/bad.patch" 2>&1) || rc=$?
	! checkpatch_clean "$BATS_TEST_TMPDIR/bad.patch" "$rc" "$out"
	# each patch as it is sent: signed off by its sender
	while read -r p; do
		prepare_patch "$p" "$BATS_TEST_TMPDIR/sent.patch" 'Stable Sender <sender@example.org>'
		rc=0
		out=$(cd "$TOP" && "$cp" --strict --show-types --no-tree --terse "$BATS_TEST_TMPDIR/sent.patch" 2>&1) || rc=$?
		checkpatch_clean "$BATS_TEST_TMPDIR/sent.patch" "$rc" "$out" || { echo "$p: $out"; return 1; }
	done < <(all_patches)
}

@test "patches: checkpatch.pl --strict of each stable tree is clean on its series" {
	need_trees
	local d t p out rc n=0
	for d in "$NPU_TREES"/*/; do
		t=$(tree_series "$d")
		valid_series "$t" || continue
		n=$((n + 1))
		while read -r p; do
			prepare_patch "$p" "$BATS_TEST_TMPDIR/sent.patch" 'Stable Sender <sender@example.org>'
			rc=0
			out=$(cd "$d" && ./scripts/checkpatch.pl --strict --show-types --terse "$BATS_TEST_TMPDIR/sent.patch" 2>/dev/null) || rc=$?
			checkpatch_clean "$BATS_TEST_TMPDIR/sent.patch" "$rc" "$out" || { echo "$d: $p: $out"; return 1; }
		done < <(sed "s|^|$TOP/patches/$t/|" "$TOP/patches/$t/series"; sed "s|^|$TOP/patches/$t-lockdep/|" "$TOP/patches/$t-lockdep/series")
	done
	[ "$n" -ge 1 ]
}
