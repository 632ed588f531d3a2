#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""series-check.py: check the series of patches/ against upstream's texts
(patches/mainline/) and the unpatched bases (patches/bases/).

  series-check.py diff PATCH
      Every difference between PATCH's added and removed lines and those of
      the upstream commit it names ("commit <40-hex> upstream."), per file,
      as a unified diff of the two lists; nothing when they are the same.

  series-check.py hunks PATCH TOP
      For each hunk of PATCH, whether it applies to the files under TOP with
      exact context (as git am needs), each on its own: "<file> #<n> ok" or
      "<file> #<n> rejected"; hunks are numbered per file, as git apply and
      patch number them.

  series-check.py note PATCH TOP
      Check the bracketed note of PATCH against the files under TOP (the
      tree PATCH is applied to): of the hunks of upstream's diff of the
      commit PATCH names that PATCH carries (has a change of), every one
      the note names (#N) does not apply to TOP with exact context, every
      one that does not is named, and each reason holds:
        "... #N for lines of <12-hex> (...)": the context lines of hunk N
          that TOP lacks are all lines that commit adds (its text in
          patches/mainline/);
        "... #N for the ATSD_THRESHOLD definition": TOP has that
          definition within the 8 lines below npu_to_phb();
        "... #N also for the lines patch K/M takes out" (or "#N for the
          lines ..."): some of them are lines patch K/M of PATCH's own
          series (the file beside it whose subject says [PATCH K/M])
          removes; the reasons of a hunk together cover all its lines
          that TOP lacks, and each covers one at least.
      An adapted patch says how many of how many hunks do not apply ("of
      the 7 hunks of the upstream diff, 4 do not apply"); those counts are
      checked too; a patch that leaves upstream hunks out must say it is
      adapted.  Prints what is wrong; exit 1 if anything is.
"""
import difflib
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAINLINE = os.path.join(TOP, 'patches', 'mainline')


def upstream_id(text):
    m = re.search(r'^commit ([0-9a-f]{40}) upstream\.$', text, re.M)
    return m.group(1) if m else None


def mainline_file(cid):
    path = os.path.join(MAINLINE, cid[:12] + '.patch')
    return path if os.path.exists(path) else None


def diff_part(text):
    i = text.find('\ndiff --git ')
    return text[i + 1:] if i >= 0 else ''


def hunks(text):
    """(file, header lines, body lines) of each hunk of the diff in text."""
    out = []
    head, body, name = [], None, None
    for line in diff_part(text).split('\n'):
        if line.startswith('diff --git '):
            if body:
                out.append((name, head, body))
            head, body = [line], None
            name = line.split(' b/', 1)[1]
        elif line == '-- ':
            break
        elif line.startswith('@@'):
            if body:
                out.append((name, head, body))
            body = [line]
        elif body is None:
            head.append(line)
        elif line[:1] in (' ', '+', '-', '\\') or line == '':
            body.append(line)
    if body:
        out.append((name, head, body))
    res = []
    for name, head, body in out:
        while body and body[-1] == '':
            body.pop()
        res.append((name, [h for h in head if not h.startswith('index ')], body))
    return res


def changed_lines(text):
    """{file: ['+line', '-line', ...]} in order."""
    res = {}
    for name, _, body in hunks(text):
        res.setdefault(name, []).extend(l for l in body[1:] if l[:1] in '+-')
    return res


def hunk_results(text, top):
    count, res = {}, []
    for name, head, body in hunks(text):
        count[name] = count.get(name, 0) + 1
        with tempfile.NamedTemporaryFile('w', suffix='.patch', delete=False) as f:
            f.write('\n'.join(head + body) + '\n')
        rc = subprocess.run(['git', 'apply', '--check', f.name], cwd=top,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode
        os.unlink(f.name)
        res.append((name, count[name], rc == 0, body))
    return res


def note_of(text):
    msg = text.split('\n---\n', 1)[0]
    m = re.search(r'^\[ (.*?) \]$', msg, re.M | re.S)
    return ' '.join(m.group(1).split()) if m else ''


def reason_lines(patch, why):
    """The lines a reason accounts for: those the commit <why> (an id of
    patches/mainline) adds, or those "patch K/M" of PATCH's series removes."""
    if why.startswith('patch '):
        tag = '[PATCH %s]' % why.split()[1]
        d = os.path.dirname(os.path.abspath(patch))
        for f in sorted(os.listdir(d)):
            if not f.endswith('.patch'):
                continue
            text = open(os.path.join(d, f)).read()
            if re.search(r'^Subject: ' + re.escape(tag) + ' ', text, re.M):
                return {l[1:] for l in diff_part(text).split('\n')
                        if l.startswith('-') and not l.startswith('---')}
        return None
    ml = mainline_file(why)
    if not ml:
        return None
    return {l[1:] for l in diff_part(open(ml).read()).split('\n') if l.startswith('+')}


def cmd_diff(patch):
    text = open(patch).read()
    cid = upstream_id(text)
    if not cid or not mainline_file(cid):
        print('%s: names no upstream commit of patches/mainline' % patch)
        return 1
    ours, theirs = changed_lines(text), changed_lines(open(mainline_file(cid)).read())
    for name in sorted(set(ours) | set(theirs)):
        a, b = theirs.get(name, []), ours.get(name, [])
        if a != b:
            for line in difflib.unified_diff(a, b, 'upstream/' + name, 'ours/' + name, lineterm='', n=0):
                print(line)
    return 0


def cmd_hunks(patch, top):
    for name, n, ok, _ in hunk_results(open(patch).read(), top):
        print('%s #%d %s' % (name, n, 'ok' if ok else 'rejected'))
    return 0


def cmd_note(patch, top):
    text = open(patch).read()
    cid = upstream_id(text)
    if not cid or not mainline_file(cid):
        print('%s: names no upstream commit of patches/mainline' % patch)
        return 1
    note = note_of(text)
    bad = []
    results = hunk_results(open(mainline_file(cid)).read(), top)
    main = max(set(r[0] for r in results), key=lambda n: n.endswith('npu-dma.c'))
    # the upstream hunks this patch carries: those with a change of it
    ours = changed_lines(text)
    carried = {(r[0], r[1]) for r in results
               if any(l in ours.get(r[0], []) for l in r[3][1:] if l[:1] in '+-')}
    rejected = {(r[0], r[1]) for r in results if not r[2]} & carried
    dropped = {(r[0], r[1]) for r in results} - carried
    named = {}
    # "[file ]hunk #1, #2 and #3 for <reason>" or "#4 and #5 for <reason>"
    for m in re.finditer(r'(?:([\w.-]+\.[ch]) )?(?:hunks? )?((?:#\d+(?:, | and ))*#\d+) (?:also )?for '
                         r'(lines of ([0-9a-f]{12})|the ATSD_THRESHOLD definition'
                         r'|the lines patch (\d+/\d+) takes out)', note):
        fname = main
        if m.group(1):
            fname = [r[0] for r in results if r[0].endswith('/' + m.group(1))][0]
        why = m.group(4) or ('patch ' + m.group(5) if m.group(5) else 'ATSD_THRESHOLD')
        for n in re.findall(r'#(\d+)', m.group(2)):
            named.setdefault((fname, int(n)), []).append(why)
    if set(named) != rejected:
        bad.append('hunks named in the note: %s; hunks that do not apply: %s' % (
            sorted('%s #%d' % k for k in named), sorted('%s #%d' % k for k in rejected)))
    m = re.search(r'of the (\d+) hunks of the upstream diff, (\d+) do(?:es)? not apply', note)
    if m:
        if int(m.group(1)) != len(results) or int(m.group(2)) != len(rejected):
            bad.append('the note says %s of %s hunks do not apply; %d of %d do' % (
                m.group(2), m.group(1), len(rejected), len(results)))
    if dropped and 'adapted' not in note:
        bad.append('upstream hunks left out (%s), and no note saying it is adapted' % (
            sorted('%s #%d' % k for k in dropped)))
    for (fname, n), whys in sorted(named.items()):
        body = [r[3] for r in results if (r[0], r[1]) == (fname, n)]
        if not body:
            continue
        src = open(os.path.join(top, fname)).read().split('\n')
        have = set(src)
        missing = [l[1:] for l in body[0][1:] if l[:1] in (' ', '-') and l[1:] not in have]
        covered = set()
        for why in whys:
            if why == 'ATSD_THRESHOLD':
                i = [k for k, l in enumerate(src) if l.startswith('#define npu_to_phb(')]
                if not i or not any('#define ATSD_THRESHOLD' in l for l in src[i[0]:i[0] + 9]):
                    bad.append('#%d: no ATSD_THRESHOLD definition right below npu_to_phb() here' % n)
                covered.update(missing)
                continue
            lines = reason_lines(patch, why)
            if lines is None:
                bad.append('#%d: %s is not in patches/mainline nor beside the patch' % (n, why))
                continue
            mine = [l for l in missing if l in lines]
            if not mine:
                bad.append('%s #%d: none of the context lines it lacks here is one of %s' % (fname, n, why))
            covered.update(mine)
        if not missing and whys != ['ATSD_THRESHOLD']:
            bad.append('%s #%d: its context is all here' % (fname, n))
        for l in missing:
            if l not in covered:
                bad.append('%s #%d: the context line %r is none of the lines of %s' % (
                    fname, n, l, ' or '.join(whys)))
    for b in bad:
        print('%s: %s' % (os.path.basename(patch), b))
    return 1 if bad else 0


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ''
    if cmd == 'diff' and len(sys.argv) == 3:
        return cmd_diff(sys.argv[2])
    if cmd == 'hunks' and len(sys.argv) == 4:
        return cmd_hunks(sys.argv[2], sys.argv[3])
    if cmd == 'note' and len(sys.argv) == 4:
        return cmd_note(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
