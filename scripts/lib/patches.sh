# SPDX-License-Identifier: GPL-2.0
# The patches as a sender sends them: sign-off, upstream ids, checkpatch.
# Source it after common.sh.
# shellcheck shell=bash disable=SC2034

# upstream_ids PATCH...: "<40-hex> <patch>" for each "commit <id> upstream."
# line of the patches.
upstream_ids() {
	local p
	for p; do
		sed -n -E 's/^commit ([0-9a-f]{40}) upstream\.$/\1/p' "$p" | sed "s|\$| $p|"
	done
}

# check_upstream_ids DIR PATCH...: each upstream id the patches name must be
# a commit of the repository DIR with the patch's subject; prints what is
# wrong and returns 1 otherwise.
check_upstream_ids() {
	local dir=$1 id p subject bad=0
	shift
	while read -r id p; do
		subject=$(git mailinfo /dev/null /dev/null <"$p" | sed -n 's/^Subject: //p')
		if ! git -C "$dir" cat-file -e "$id^{commit}" 2>/dev/null; then
			echo "${p##*/}: upstream commit $id is not in $dir"
			bad=1
		elif [ "$(git -C "$dir" log -1 --format=%s "$id")" != "$subject" ]; then
			echo "${p##*/}: commit $id in $dir is \"$(git -C "$dir" log -1 --format=%s "$id")\", not \"$subject\""
			bad=1
		fi
	done < <(upstream_ids "$@")
	return "$bad"
}

# sender_ident DIR: "Name <email>" of the user as git in DIR knows them
# (user.name and user.email, or GIT_COMMITTER_NAME/_EMAIL); fails, printing
# nothing, when they are not set.
sender_ident() {
	local id
	id=$(git -C "$1" -c user.useConfigOnly=true var GIT_COMMITTER_IDENT 2>/dev/null) || return 1
	echo "${id% * *}"	# without the time stamp and zone
}

# prepare_patch IN OUT SENDER: write OUT, the patch IN as git am should get
# it.  With a SENDER ("Name <email>"): the sender's Signed-off-by goes
# last, right below the backport note or the last trailer, as stable wants
# it; a patch with no upstream line (the project's own) becomes the
# sender's: its From: is replaced.
prepare_patch() {
	local in=$1 out=$2 sender=$3 id
	cp "$in" "$out"
	[ -n "$sender" ] || return 0
	id=$(sed -n -E 's/^commit ([0-9a-f]{7,40}) upstream\.$/\1/p' "$in" | head -n 1)
	awk -v sender="$sender" -v own="$([ -n "$id" ] || echo 1)" '
		# headers: the first From: (and its folded lines) is replaced
		# in the project'"'"'s own patch
		!body && /^$/ { body = 1 }
		!body && own && /^From: / { print "From: " sender; skip = 1; next }
		!body && skip && /^[ \t]/ { next }
		!body { skip = 0; print; next }
		# the message ends at the first "---" line: sign off before it
		!done && /^---$/ {
			sob = "Signed-off-by: " sender
			# (blank lines before "---" are dropped)
			if (last != sob) {
				if (last !~ /^[A-Za-z-]+: / && last !~ /\]$/)
					print ""
				print sob
			}
			done = 1; print; next
		}
		!done && /^$/ { blanks++; next }
		!done { for (i = 0; i < blanks; i++) print ""; blanks = 0; last = $0; print; next }
		{ print }
	' "$out" >"$out.tmp" && mv "$out.tmp" "$out"
}

# checkpatch_run TREE PATCH: run TREE's scripts/checkpatch.pl --strict
# --show-types on PATCH from TREE's top, as mail does; prints its output,
# returns its exit status.  The answer is kept under $NPU_CACHE/checkpatch,
# keyed by all it reads: checkpatch.pl and its data files, the tree's
# HEAD (its files: the tree checks, spdxcheck, the headers' names), the
# patch, the .checkpatch.conf files it reads, and what the tree's git says
# of each word of 5 to 40 hex digits in the patch (checkpatch looks commit
# ids up from 5).  Of the patch, the key leaves out what each run writes
# anew and no checkpatch.pl reads: its mbox "From <commit id>" line, which
# checkpatch skips, and, in a mail of an outbox (tests check those with
# other checkpatch versions; mail's own check has no such headers), the
# values of its Message-Id, In-Reply-To and References headers (the lines
# stay, so that line numbers are the same).  A mail set checked again
# (another addressing, a second run) costs no perl.
checkpatch_run() {
	local tree=$1 patch=$2 key f rc=0 out text
	text=$(awk '
		NR == 1 && /^From [0-9a-f]+ / && length($2) == 40 { next }
		!body && /^$/ { body = 1 }
		!body && /^[ \t]/ && ids { print " -"; next }
		!body { ids = 0 }
		!body && tolower($0) ~ /^(message-id|in-reply-to|references):/ { ids = 1; sub(/:.*/, ": -") }
		{ print }' "$patch")
	key=$( {
		echo "checkpatch 2"
		cat "$tree/scripts/checkpatch.pl" "$tree/scripts/spelling.txt" \
			"$tree/scripts/const_structs.checkpatch" "$tree/.checkpatch.conf" \
			"$HOME/.checkpatch.conf" 2>/dev/null
		git -C "$tree" rev-parse 'HEAD^{tree}' 2>&1
		printf '%s\n' "$text"
		grep -o -i -E '\b[0-9a-f]{5,40}\b' <<<"$text" | sort -u | while IFS= read -r id; do
			echo "$id: $(git -C "$tree" log --no-color --format='%H %s' -1 "$id" 2>&1)"
		done
	} | sha256sum | cut -c1-32)
	f=$NPU_CACHE/checkpatch/$key
	if [ -r "$f" ]; then
		tail -n +2 "$f"
		return "$(head -n 1 "$f")"
	fi
	out=$(cd "$tree" && ./scripts/checkpatch.pl --strict --show-types "$patch" 2>/dev/null) || rc=$?
	# only an answer of checkpatch's own (0 or 1) is kept
	if [ "$rc" -le 1 ] && mkdir -p "$NPU_CACHE/checkpatch" 2>/dev/null; then
		printf '%s\n%s\n' "$rc" "$out" >"$f.$$" && mv "$f.$$" "$f"
	fi
	echo "$out"
	return "$rc"
}

# checkpatch_clean PATCH STATUS OUTPUT: STATUS and OUTPUT are the exit status
# and output of checkpatch.pl --show-types (not --terse) for PATCH (0:
# clean, 1: issues, anything else: it did not run).  True if it ran and
# reported nothing but what comes from checking outside upstream's
# history; lib/checkpatch-verdict.py says which reports those are, and
# matches each report to its line by the lines checkpatch quotes, not by
# its line number, which differs between checkpatch versions.  Also false
# for an abbreviated "commit <id> upstream." line, which checkpatch does
# not always report (6.1's takes it as a commit reference): stable's rules
# want the full id.
checkpatch_clean() {
	local patch=$1 rc=$2 out=$3 line id ml=''
	if line=$(grep -n -E '^commit [0-9a-f]{7,39} upstream\.$' "$patch"); then
		echo "$patch:${line%%:*}: abbreviated upstream id: stable wants 'commit <40-hex> upstream.'"
		return 1
	fi
	[ "$rc" = 0 ] && return 0
	id=$(sed -n -E 's/^commit ([0-9a-f]{12})[0-9a-f]{28} upstream\.$/\1/p' "$patch" | head -n 1)
	[ -z "$id" ] || [ ! -r "$NPU_PATCHES/mainline/$id.patch" ] || ml=$NPU_PATCHES/mainline/$id.patch
	"$NPU_PYTHON" "$NPU_TOP/scripts/lib/checkpatch-verdict.py" "$patch" "$rc" "$ml" <<<"$out"
}
