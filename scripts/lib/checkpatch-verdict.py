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
checking outside upstream's history:
- UNKNOWN_COMMIT_ID: the tree's git has no upstream commit to look up;
- GIT_COMMIT_ID on a stable "commit <40-hex> upstream." line: the form the
  stable rules require; checkpatch of v4.12..v4.16 predates its exemption,
  and later ones that cannot look the id up quote git's error instead;
- a report whose quoted lines are all, character for character, lines of
  UPSTREAM (its message's trailers, its added code), or whose quoted
  Subject: is UPSTREAM's subject: a backport takes those as they are.
A report that quotes no line (e.g. a missing Signed-off-by) counts."""
import re
import sys

REPORT = re.compile(r'^(ERROR|WARNING|CHECK):([A-Z0-9_]+): ?(.*)$')
HERE = re.compile(r'^#\d+: ?(FILE: .*)?$')
STABLE_ID = re.compile(r'^commit [0-9a-f]{40} upstream\.$')
# lines that are structure, not content: never taken as upstream's
STRUCTURE = re.compile(r'^(\+\+\+ |--- |diff --git |@@ |index )')


def subject_of(text):
    """the Subject: of a mail, unfolded, without its [PATCH ...] prefix"""
    m = re.search(r'^Subject: (.*(?:\n[ \t].*)*)', text, re.M)
    if not m:
        return None
    s = re.sub(r'\n[ \t]+', ' ', m.group(1)).strip()
    return re.sub(r'^(\[[^]]*\] *)+', '', s)


def blocks(out):
    """(type, message, quoted lines) of each report, in order"""
    cur = None
    for line in out.splitlines():
        m = REPORT.match(line)
        if m:
            if cur:
                yield cur
            cur = [m.group(2), line, None]
            continue
        if cur is None:
            continue
        if not line.strip():
            if cur[2] is not None:
                yield cur
                cur = None
            continue
        if cur[2] is None and HERE.match(line):
            cur[2] = []
        elif cur[2] is not None:
            cur[2].append(line)
        else:
            # a message of several lines, before its "#N:" line
            cur[1] += '\n' + line
    if cur:
        yield cur


def main():
    patch, status = sys.argv[1], sys.argv[2]
    upstream = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    out = sys.stdin.read()
    if status not in ('0', '1') or not re.search(r'^total: ', out, re.M):
        print('checkpatch did not run (status %s): %s' % (status, out.strip()))
        return 2
    lines, subject = set(), None
    if upstream:
        text = open(upstream, encoding='utf-8', errors='replace').read()
        lines = set(text.splitlines())
        subject = subject_of(text)
    counted = 0
    for typ, msg, quoted in blocks(out):
        if typ == 'UNKNOWN_COMMIT_ID':
            continue
        quoted = [q for q in (quoted or []) if q.strip()]
        if typ == 'GIT_COMMIT_ID' and quoted and all(STABLE_ID.match(q) for q in quoted):
            continue
        if quoted and subject:
            def upstreams(q):
                if q.startswith('Subject: '):
                    s = re.sub(r'^(\[[^]]*\] *)+', '', q[len('Subject: '):]).strip()
                    return bool(s) and subject.startswith(s)
                return q in lines and not STRUCTURE.match(q)
            if all(upstreams(q) for q in quoted):
                continue
        counted += 1
        print(msg)
        for q in quoted or []:
            print('    ' + q)
    return 1 if counted else 0


if __name__ == '__main__':
    sys.exit(main())
