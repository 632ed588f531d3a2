#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""checkpatch-verdict.py PATCH STATUS [UPSTREAM]: read checkpatch.pl's
output for PATCH (run with --show-types and without --terse) on standard
input, STATUS its exit status, UPSTREAM the upstream commit the patch
backports (a patch file of patches/mainline/), if any.  Print each report
that counts, and exit 0 if there is none, 1 if there are, 2 if checkpatch
did not run (a status other than 0 and 1, or no "total:" line).

A report is matched to what it is about by the lines checkpatch quotes
under it (its "#N:" line and what follows), never by N: checkpatch
versions number a patch's lines differently (4.14.241's counts a folded
mail header as one line).  These reports do not count, as they come from
checking outside upstream's history or are about upstream's own text:
- GIT_COMMIT_ID or UNKNOWN_COMMIT_ID on a stable "commit <40-hex>
  upstream." line: the form the stable rules require; checkpatch of
  v4.12..v4.16 predates its exemption, later ones that cannot look the id
  up in the tree's git report it unknown or quote git's error;
- a report on lines of the message that are all, character for
  character, lines of UPSTREAM's message (its trailers, say), or on the
  Subject: when the patch's subject is UPSTREAM's;
- a report on lines of the diff that stand, in that order and with the
  same text, in UPSTREAM's diff, each added line of ours an added line
  there: upstream's code, which a backport takes as it is.
A report that quotes no line (a missing Signed-off-by, say) counts, and
so does one on any line of ours: a note, an adapted hunk, our own patch."""
import re
import sys

REPORT = re.compile(r'^(ERROR|WARNING|CHECK):([A-Z0-9_]+): ?(.*)$')
HERE = re.compile(r'^#\d+: ?(FILE: .*)?$')
STABLE_ID = re.compile(r'^commit [0-9a-f]{40} upstream\.$')
CARET = re.compile(r'^\s*\^+\s*$')


def subject_of(text):
    """the Subject: of a mail, unfolded, without its [PATCH ...] prefix"""
    m = re.search(r'^Subject: (.*(?:\n[ \t].*)*)', text, re.M)
    if not m:
        return None
    s = re.sub(r'\n[ \t]+', ' ', m.group(1)).strip()
    return re.sub(r'^(\[[^]]*\] *)+', '', s)


def split(text):
    """(message lines, diff lines) of a patch; the diff's lines are those
    of its hunks, each with its first character (' ', '+' or '-')"""
    head, _, rest = text.partition('\n---\n')
    diff, inhunk = [], False
    for line in rest.split('\n'):
        if line.startswith('@@ '):
            inhunk = True
        elif line.startswith('diff --git ') or line.startswith('-- '):
            inhunk = False
        elif inhunk and line[:1] in (' ', '+', '-'):
            diff.append(line)
    return head.split('\n'), diff


def blocks(out):
    """[type, message, in the diff?, quoted lines] of each report"""
    cur = None
    for line in out.splitlines():
        m = REPORT.match(line)
        if m:
            if cur:
                yield cur
            cur = [m.group(2), line, False, None]
            continue
        if cur is None:
            continue
        if not line.strip():
            if cur[3] is not None:
                yield cur
                cur = None
            continue
        h = HERE.match(line)
        if cur[3] is None and h:
            cur[2] = bool(h.group(1))
            cur[3] = []
        elif cur[3] is not None:
            # a caret line points into the line above; it is no line
            if not CARET.match(line):
                cur[3].append(line)
        else:
            # a message of several lines, before its "#N:" line
            cur[1] += '\n' + line
    if cur:
        yield cur


def variants(q):
    """q, and q without the '$' some reports add to show where it ends"""
    return (q, q[:-1]) if q.endswith('$') else (q,)


def in_sequence(quoted, theirs):
    """the quoted diff lines stand in this order, with the same text, in
    theirs, each added line of ours an added line there"""
    k = len(quoted)
    for i in range(len(theirs) - k + 1):
        if all(any(v[1:] == theirs[i + j][1:] and (v[0] != '+' or theirs[i + j][0] == '+')
                   for v in variants(q) if v)
               for j, q in enumerate(quoted)):
            return True
    return False


def main():
    patch, status = sys.argv[1], sys.argv[2]
    upstream = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    out = sys.stdin.read()
    if status not in ('0', '1') or not re.search(r'^total: ', out, re.M):
        print('checkpatch did not run (status %s): %s' % (status, out.strip()))
        return 2
    ours = subject_of(open(patch, encoding='utf-8', errors='replace').read())
    msg_lines, diff_lines, subject = set(), [], None
    if upstream:
        text = open(upstream, encoding='utf-8', errors='replace').read()
        msg, diff_lines = split(text)
        msg_lines = {l for l in msg if l.strip()}
        subject = subject_of(text)

    def upstreams(q):
        """a line of the message that is upstream's"""
        if q.startswith('Subject: '):
            # the Subject: header as quoted, whole or its first line:
            # the patch's own subject must be upstream's
            return subject is not None and ours == subject
        return any(v in msg_lines for v in variants(q))

    counted = 0
    for typ, msg, indiff, quoted in blocks(out):
        quoted = [q for q in (quoted or []) if q.strip()]
        if typ in ('GIT_COMMIT_ID', 'UNKNOWN_COMMIT_ID') and quoted and not indiff and \
                all(STABLE_ID.match(q) for q in quoted):
            continue
        if quoted and upstream:
            if indiff and in_sequence(quoted, diff_lines):
                continue
            if not indiff and all(upstreams(q) for q in quoted):
                continue
        counted += 1
        print(msg)
        for q in quoted or []:
            print('    ' + q)
    return 1 if counted else 0


if __name__ == '__main__':
    sys.exit(main())
