#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Sent and received, end to end, with nothing leaving the machine: each
# mail set of each base (every form that applies, plain and lockdep) goes
# out with scripts/mail --send to a real SMTP server on 127.0.0.1
# (tests/smtp-sink.py: Debian's python3-aiosmtpd), which stores what
# arrives as an mbox.  That mbox, through git am of the received patch
# mails, must give the same commits, tree for tree, author for author and
# message for message, as scripts/backport --signoff; through b4 am
# (Debian's b4 0.12) too, but for where b4 puts the backport notes.

load lib

setup_file() {
	fixture_trees_and_sender
}

teardown() {
	[ -z "${SINK:-}" ] || kill "$SINK" 2>/dev/null || true
}

# sink MBOX [REFUSE]: start the SMTP server storing into MBOX (at most
# 120 s), refusing its REFUSEth message if given, and point git
# send-email at it
sink() {
	local i
	rm -f "$BATS_TEST_TMPDIR/port"
	timeout 130 "$NPU_PYTHON" "$TOP/tests/smtp-sink.py" "$1" "$BATS_TEST_TMPDIR/port" 120 ${2:+"$2"} &
	SINK=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$BATS_TEST_TMPDIR/port" ] && break
		sleep 0.1
	done
	[ -s "$BATS_TEST_TMPDIR/port" ]
	git config --global sendemail.smtpServer 127.0.0.1
	git config --global sendemail.smtpServerPort "$(cat "$BATS_TEST_TMPDIR/port")"
}

# commits A..B as what a reviewer compares: tree, author, message.  Not
# the author date: a mailed patch carries none in its body, so git am and
# b4 am take the mail's Date (the time it was sent), as for any patch
# sent on someone else's behalf.
commits() {
	git -C "$1" log --reverse --format='%T%n%an <%ae>%n%B%n--' "$2"
}

# the same, each bracketed backport note taken out of its place and listed
# after the message: b4 am (0.12) moves a note of several lines that sits
# in the trailer block, as stable's notes do, above the block
commits_note_apart() {
	commits "$@" | awk '
		/^\[ / { innote = 1 }
		innote { note = note $0 "\n"; if (/ \]$/) innote = 0; next }
		/^--$/ { sub(/\n+$/, "", body); printf "%s\n%s--\n", body, note; body = ""; note = ""; next }
		{ body = body $0 "\n" }' | cat -s
}

@test "send: the SMTP server stores what it gets" {
	sink "$BATS_TEST_TMPDIR/box"
	printf 'From: a@example.org\nTo: b@example.org\nSubject: probe\n\nbody\n' >"$BATS_TEST_TMPDIR/probe.eml"
	git send-email --confirm=never --quiet --from=a@example.org --to=b@example.org "$BATS_TEST_TMPDIR/probe.eml"
	grep -q '^Subject: probe$' "$BATS_TEST_TMPDIR/box"
	grep -q '^body$' "$BATS_TEST_TMPDIR/box"
}

@test "send: every mail set, sent and received, is the same commits as backport --signoff, through b4 am and git am" {
	local r f v forms box ob out n cover id p m ref got sets=0
	for r in $FIXTURE_RELEASES; do
		forms=$(awk -F '\t' -v r="$r" '$1 == r { print $9 }' "$NPU_BASES")
		for fv in $(for f in $forms; do echo "$f/plain $f/lockdep"; done); do
			f=${fv%/*} v=${fv#*/}
			sets=$((sets + 1))
			out=$BATS_TEST_TMPDIR/$r-$f-$v
			mkdir -p "$out"
			box=$out/received.mbox
			# what the sender gets by applying the series
			run "$TOP/scripts/backport" --tree "$FIX/$r" --form "$f" --variant "$v" --signoff --branch "ref-$f-$v"
			[ "$status" -eq 0 ] || { echo "$output"; return 1; }
			n=$(git -C "$FIX/$r" rev-list --count "HEAD..ref-$f-$v")
			# sent through the SMTP server
			sink "$box"
			run "$TOP/scripts/mail" --tree "$FIX/$r" --form "$f" --variant "$v" --outbox "$out/ob" \
				--to kernel@distro.example --send --yes
			[ "$status" -eq 0 ] || { echo "$output"; return 1; }
			kill "$SINK"
			wait "$SINK" 2>/dev/null || true
			SINK=''
			[ "$(grep -c '^From ' "$box")" -eq $((n + 1)) ] || { echo "$r $f $v: $(grep -c '^From ' "$box") mails arrived"; return 1; }
			# threaded as b4 expects: each patch answers the cover letter
			mkdir -p "$out/mails"
			git mailsplit -o"$out/mails" "$box" >/dev/null
			cover=$(grep -l '^Subject: \[.*PATCH .* 0/'"$n"'\]' "$out"/mails/*)
			id=$(sed -n 's/^Message-I[dD]: *//p' "$cover" | head -n 1)
			[ -n "$id" ]
			for m in "$out"/mails/*; do
				[ "$m" = "$cover" ] && continue
				grep -qx "In-Reply-To: $id" "$m" || { echo "$m: not a reply to $id"; return 1; }
				grep -q "^References: .*$id" "$m"
			done
			# b4 am, offline, on the received mbox; then git am
			mkdir -p "$out/b4"
			(cd "$out" && timeout 120 b4 -q am -m "$box" -o "$out/b4" "${id//[<>]/}") >"$out/b4.log" 2>&1 ||
				{ cat "$out/b4.log"; return 1; }
			git clone -q "$FIX/$r" "$out/via-b4"
			git -C "$out/via-b4" am -q "$out"/b4/*.mbx
			ref=$(commits_note_apart "$FIX/$r" "HEAD..ref-$f-$v")
			got=$(commits_note_apart "$out/via-b4" "origin/HEAD..HEAD")
			[ "$ref" = "$got" ] || { echo "$r $f $v: b4 am gave"; diff <(echo "$ref") <(echo "$got"); return 1; }
			ref=$(commits "$FIX/$r" "HEAD..ref-$f-$v")
			# and git am of the received patch mails, in their order
			git clone -q "$FIX/$r" "$out/via-am"
			for p in $(grep -l '^Subject: \[.*PATCH .* [1-9][0-9]*/'"$n"'\]' "$out"/mails/* |
				while read -r m; do echo "$(sed -n 's|^Subject: .* \([0-9]*\)/'"$n"'\].*|\1|p' "$m" | head -n 1) $m"; done |
				sort -n | cut -d' ' -f2); do
				git -C "$out/via-am" am -q "$p"
			done
			got=$(commits "$out/via-am" "origin/HEAD..HEAD")
			[ "$ref" = "$got" ] || { echo "$r $f $v: git am gave"; diff <(echo "$ref") <(echo "$got"); return 1; }
			git -C "$FIX/$r" branch -q -D "ref-$f-$v"
		done
	done
	[ "$sets" -ge 22 ]
}

# subjects MBOX: the subject of each message in MBOX, unfolded, in order
subjects() {
	"$NPU_PYTHON" - "$1" <<'PY'
import mailbox, sys
for m in mailbox.mbox(sys.argv[1]):
    print(' '.join(str(m['Subject']).split()))
PY
}

@test "send: a server that refuses the third mail: mail says what went, exit 3; again, it sends only the rest, each mail once" {
	local r=4.14.67 ob=$BATS_TEST_TMPDIR/ob box=$BATS_TEST_TMPDIR/box n id m
	sink "$box" 3
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --to kernel@distro.example --send --yes
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"git send-email failed on 0002-"* ]]
	[[ $output == *"sent now: 0000-cover-letter.patch 0001-"* ]]
	[[ $output == *"not sent: 0002-"*" 0003-"* ]]
	[[ $output == *"the same command again sends the rest"* ]]
	[ "$(subjects "$box" | wc -l)" -eq 2 ]
	[ "$(cat "$ob/.sent")" = "$(cd "$ob" && ls 0000-*.patch 0001-*.patch)" ]
	# the same command again (the server takes everything now): only
	# the two that did not go
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --to kernel@distro.example --send --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"2 of 4 mails of $ob were sent already"* ]]
	n=$(ls "$ob"/*.patch | wc -l)
	[ "$(subjects "$box" | wc -l)" -eq "$n" ]
	[ "$(subjects "$box" | sort | uniq -d)" = '' ]
	# the set as written, each mail once
	diff <(subjects "$box" | sort) <(for m in "$ob"/*.patch; do subjects "$m"; done | sort)
	# one thread: every patch answers the cover letter that went first
	id=$(sed -n 's/^Message-I[dD]: *//p' "$ob"/0000-*.patch)
	[ "$(grep -c "^In-Reply-To: $id" "$box")" -eq $((n - 1)) ]
	# and a third time: nothing to send
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --send --yes
	[ "$status" -eq 0 ]
	[[ $output == *"all $n mails of $ob were sent already; nothing to send"* ]]
	[ "$(subjects "$box" | wc -l)" -eq "$n" ]
}

@test "send: no SMTP server: exit 3, nothing recorded as sent, and a later try sends the whole set" {
	local r=4.14.67 ob=$BATS_TEST_TMPDIR/ob box=$BATS_TEST_TMPDIR/box
	git config --global sendemail.smtpServer 127.0.0.1
	git config --global sendemail.smtpServerPort 1
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --to kernel@distro.example --send --yes
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"sent now: none"* ]]
	[[ $output == *"nothing went"* ]]
	[ ! -s "$ob/.sent" ]
	sink "$box"
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --send --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(subjects "$box" | wc -l)" -eq "$(ls "$ob"/*.patch | wc -l)" ]
}

@test "send: refused before anything is written: no recipient on an ended branch, no terminal to ask at" {
	local r=4.14.67 ob=$BATS_TEST_TMPDIR/ob
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --send --yes
	[ "$status" -eq 2 ]
	[[ $output == *"no recipient: 4.14.y ended with 4.14.336"* ]]
	[[ $output == *"--stable"* ]]
	[ ! -e "$ob" ]
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --to kernel@distro.example --send </dev/null
	[ "$status" -eq 2 ]
	[[ $output == *"add --yes"* ]]
	[ ! -e "$ob" ]
}

@test "send: an outbox changed since mail wrote it is not sent" {
	local r=4.14.67 ob=$BATS_TEST_TMPDIR/ob box=$BATS_TEST_TMPDIR/box
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --to kernel@distro.example
	[ "$status" -eq 0 ]
	sed -i 's/^Upstream commits/Our commits/' "$ob"/0000-*.patch
	sink "$box"
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --send --yes
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"not the set mail wrote there (0000-cover-letter.patch changed or added since)"* ]]
	[ ! -s "$box" ]
	# nor is a set to which a mail was added
	rm -rf "$ob"
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --to kernel@distro.example
	cp "$ob"/0001-*.patch "$ob/0009-extra.patch"
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --send --yes
	[ "$status" -eq 2 ]
	[[ $output == *"0009-extra.patch"* ]]
	[ ! -s "$box" ]
}

@test "send: the rest of a set goes only for the same form and variant, to the same addresses" {
	local r=4.14.67 ob=$BATS_TEST_TMPDIR/ob box=$BATS_TEST_TMPDIR/box
	sink "$box" 2
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --to kernel@distro.example --send --yes
	[ "$status" -eq 3 ]
	[ "$(subjects "$box" | wc -l)" -eq 1 ]
	# another form: not this set
	run "$TOP/scripts/mail" --tree "$FIX/$r" --form adapted --outbox "$ob" --send --yes
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"holds the set for tree "*"form upstream"*"this run is for tree "*"form adapted"* ]]
	# other addresses: not where this set goes
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --to other@distro.example --send --yes
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"holds a set addressed upstream=0 to=kernel@distro.example cc="* ]]
	[ "$(subjects "$box" | wc -l)" -eq 1 ]
	# the same addresses, or none: the rest goes
	run "$TOP/scripts/mail" --tree "$FIX/$r" --outbox "$ob" --to kernel@distro.example --send --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(subjects "$box" | wc -l)" -eq "$(ls "$ob"/*.patch | wc -l)" ]
}
