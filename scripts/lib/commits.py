#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""commits.py: which of upstream's commits a tree's code has, one by one.

Called by the scripts (lib/tree-facts.sh); not a user command.

    commits.py [--tsv] --git DIR [--rev REV]   the files at REV (HEAD) of DIR
    commits.py [--tsv] --dir DIR               the files on disk below DIR

The commits are those of patches/commits.tsv, in upstream's order.  Each
text of a commit that the project holds is one form of it: upstream's
(patches/mainline/<id12>.patch, and each patch of patches/upstream/ that
names the commit, whose context differs) and the project's adaptations
(patches/adapted/), and the project's own lockdep patch counts as one
more "commit", named "lockdep".  A hunk is in the tree when its new side
(context and added lines) is found there and its old side is not; either
may lose up to three lines of context at each end (as patch's fuzz)
but for the one next to the change (none: one that only removes lines),
whitespace and blank lines do not count; hunks of a file that the tree
(a fixture of a few files) does not have are not looked at.  A commit is

    present  every hunk of one of its forms is in the tree (and no other
             form has more of its hunks there without having all)
    missing  no hunk of any form is (a hunk neither of whose sides is
             found counts as not there)
    partial  some hunks are, not all: the hunks of the form that has
             most of them there, and which of them are not, are named
             (and those that are there are undone, as below)

Commits are looked at from the newest to the oldest, and the hunks of one
found present are undone in the text (in memory) before the older ones are
looked at, so that a commit whose lines a later one changed is still found.

Output: one line, "1b2c2b12386f missing · 2b74e2a9b39d present · ...";
with --tsv a line per commit: id12 (or "lockdep"), state, form (upstream,
adapted or -), the hunks that are not in the tree of a partial one
(";"-separated, or -), and the words of the one line for it.
Exit 0; 2 on bad input.
"""
import argparse
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PATCHES = os.environ.get('NPU_PATCHES', os.path.join(TOP, 'patches'))
COMMITS = os.environ.get('NPU_COMMITS', os.path.join(PATCHES, 'commits.tsv'))
FUZZ = 3
LOCKDEP = 'lockdep'


def die(msg):
    sys.stderr.write('commits.py: error: %s\n' % msg)
    sys.exit(2)


def norm(line):
    return ' '.join(line.split())


class Hunk:
    def __init__(self, path, header, number):
        self.path = path
        self.header = header
        self.number = number
        self.old = []   # (is_context, normalised line), blank lines left out
        self.new = []
        self.tags = []  # ' ', '-' or '+' of each line kept, in order

    def add(self, tag, text):
        t = norm(text)
        if not t:
            return
        self.tags.append(tag)
        if tag in ' -':
            self.old.append((tag == ' ', t))
        if tag in ' +':
            self.new.append((tag == ' ', t))

    def name(self):
        func = self.header.split('@@')[-1].strip()
        where = os.path.basename(self.path)
        return 'hunk #%d (%s%s)' % (self.number, where, ', ' + func if func else '')


def parse_patch(path):
    """The hunks of a patch file, numbered from 1 in the order of the diff."""
    hunks, cur_path, hunk, n, in_diff = [], None, None, 0, False
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('diff --git '):
                in_diff, hunk = True, None
                m = re.match(r'diff --git a/(\S+) b/(\S+)', line)
                cur_path = m.group(2) if m else None
                continue
            if not in_diff:
                continue
            if line.startswith('@@'):
                n += 1
                hunk = Hunk(cur_path, line, n)
                hunks.append(hunk)
            elif line == '-- ' or line.startswith('--- ') or line.startswith('+++ '):
                if line == '-- ':
                    hunk = None
            elif hunk is not None and line[:1] in (' ', '+', '-'):
                hunk.add(line[0], line[1:])
            elif hunk is not None and line == '':
                hunk.add(' ', '')
    return hunks


def context_ends(hunk):
    """How many context lines the hunk has before its first change and
    after its last: the same on both sides."""
    lead = 0
    while lead < len(hunk.tags) and hunk.tags[lead] == ' ':
        lead += 1
    trail = 0
    while trail < len(hunk.tags) - lead and hunk.tags[len(hunk.tags) - 1 - trail] == ' ':
        trail += 1
    return lead, trail


def trimmed(seq, fuzz, lead, trail):
    """seq without up to fuzz context lines at each end, but for one: the
    lines next to the change stay, or a hunk that only removes lines would
    be found wherever its context is.  Both sides of a hunk lose the same
    lines, so that one can stand for the other in undo()."""
    a = min(fuzz, max(lead - 1, 0))
    b = len(seq) - min(fuzz, max(trail - 1, 0))
    return a, b


def find(text, seq):
    """Start indexes of the contiguous runs of text equal to seq (non-empty)."""
    if not seq:
        return []
    first, n = seq[0], len(seq)
    return [i for i in range(len(text) - n + 1)
            if text[i] == first and text[i:i + n] == seq]


def hunk_state(texts, hunk):
    """('present', undo) or ('missing', None) or ('unknown', None)."""
    text = texts.get(hunk.path)
    if text is None:
        return 'unknown', None
    # a hunk that only removes lines is known by its context alone: that
    # must be whole
    pure_removal = all(ctx for ctx, _ in hunk.new)
    lead, trail = context_ends(hunk)
    for fuzz in range(1 if pure_removal else FUZZ + 1):
        na, nb = trimmed(hunk.new, fuzz, lead, trail)
        oa, ob = trimmed(hunk.old, fuzz, lead, trail)
        new = [t for _, t in hunk.new[na:nb]]
        old = [t for _, t in hunk.old[oa:ob]]
        at_new = find(text, new) if new != old else []
        at_old = find(text, old) if new != old else []
        if at_new and not at_old:
            i = at_new[0]
            return 'present', (hunk.path, i, len(new), old)
        if at_old and not at_new:
            return 'missing', None
        if at_old and at_new:
            return 'unknown', None
    return 'unknown', None


def undo(texts, how):
    path, i, n, old = how
    texts[path] = texts[path][:i] + old + texts[path][i + n:]


def read_commits():
    try:
        with open(COMMITS, encoding='utf-8') as f:
            rows = [ln.rstrip('\n').split('\t') for ln in f
                    if ln.strip() and not ln.startswith('#')]
    except OSError as e:
        die('cannot read %s: %s' % (COMMITS, e))
    for r in rows:
        if len(r) < 3 or not re.fullmatch(r'[0-9a-f]{40}', r[0]):
            die('%s: bad line: %s' % (COMMITS, '\t'.join(r)))
    return [(r[0], r[1]) for r in rows]


_FORMS = {}


def forms_of():
    """{full id or LOCKDEP: [(label, path, hunks)]} from the patch files."""
    if _FORMS:
        return _FORMS
    forms = _FORMS
    ids = {full[:12]: full for full, _ in read_commits()}
    for id12, full in ids.items():
        p = os.path.join(PATCHES, 'mainline', id12 + '.patch')
        if os.path.exists(p):
            forms.setdefault(full, []).append(('upstream', p, parse_patch(p)))
    seen = set()
    for form in ('upstream', 'adapted'):
        top = os.path.join(PATCHES, form)
        if not os.path.isdir(top):
            continue
        for series in sorted(os.listdir(top)):
            d = os.path.join(top, series)
            if not os.path.isdir(d):
                continue
            for name in sorted(os.listdir(d)):
                if not name.endswith('.patch'):
                    continue
                p = os.path.join(d, name)
                with open(p, encoding='utf-8', errors='replace') as f:
                    body = f.read()
                m = re.search(r'^commit ([0-9a-f]{40}) upstream\.$', body, re.M)
                key = m.group(1) if m else LOCKDEP
                if key != LOCKDEP and key not in ids.values():
                    continue
                diff = body[body.find('\ndiff --git '):]
                if (key, form, diff) in seen:
                    continue
                seen.add((key, form, diff))
                forms.setdefault(key, []).append((form, p, parse_patch(p)))
    return forms


def presence(texts):
    """[(id12, state, form, detail)] in upstream's order, lockdep last."""
    commits = read_commits()
    forms = forms_of()
    order = [full for full, _ in commits] + [LOCKDEP]
    out = {}
    for key in reversed(order):
        best = None    # (hunks there, total, label, undos, not there)
        whole = None
        for label, _, hunks in forms.get(key, []):
            there, undos, missing = 0, [], []
            # a file the tree does not have (a fixture's) is not looked at
            hunks = [h for h in hunks if h.path in texts]
            if not hunks:
                continue
            for h in hunks:
                st, how = hunk_state(texts, h)
                if st == 'present':
                    there += 1
                    undos.append(how)
                else:
                    missing.append(h.name())
            cand = (there, len(hunks), label, undos, missing)
            if there and there == len(hunks) and (whole is None or there > whole[0]):
                whole = cand
            if best is None or there > best[0]:
                best = cand
        if best is None or best[0] == 0:
            out[key] = ('missing', '-', '')
            continue
        if whole is not None and best[0] <= whole[0]:
            state, chosen = 'present', whole
        else:
            state, chosen = 'partial', best
        # undo from the last hunk back, so earlier indexes stay right
        for how in sorted(chosen[3], key=lambda u: (u[0], u[1]), reverse=True):
            undo(texts, how)
        out[key] = (state, chosen[2], '; '.join(chosen[4]) if state == 'partial' else '')
    rows = []
    for key in order:
        if key == LOCKDEP and out[key][0] == 'missing':
            continue
        rows.append((key[:12] if key != LOCKDEP else LOCKDEP,) + out[key])
    return rows


def paths():
    ps = set()
    for fl in forms_of().values():
        for _, _, hunks in fl:
            ps.update(h.path for h in hunks if h.path)
    return sorted(ps)


def read_git(d, rev):
    texts = {}
    for p in paths():
        r = subprocess.run(['git', '-C', d, 'show', '%s:%s' % (rev, p)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
        if r.returncode == 0:
            texts[p] = r.stdout.decode('utf-8', 'replace')
    return texts


def read_dir(d):
    texts = {}
    for p in paths():
        try:
            with open(os.path.join(d, p), encoding='utf-8', errors='replace') as f:
                texts[p] = f.read()
        except OSError:
            pass
    return texts


def words(row):
    id12, state, form, _ = row
    w = {'present': 'present', 'missing': 'missing', 'partial': 'partly present'}[state]
    if id12 == LOCKDEP:
        return 'lockdep checks %s' % w
    if form == 'adapted':
        return '%s %s (adapted)' % (id12, w)
    return '%s %s' % (id12, w)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--git')
    ap.add_argument('--rev', default='HEAD')
    ap.add_argument('--dir')
    ap.add_argument('--tsv', action='store_true')
    a = ap.parse_args()
    if bool(a.git) == bool(a.dir):
        die('give --git DIR or --dir DIR')
    texts = read_git(a.git, a.rev) if a.git else read_dir(a.dir)
    if not texts:
        die('%s: none of the files the commits change is there' % (a.git or a.dir))
    texts = {p: [t for t in map(norm, s.split('\n')) if t] for p, s in texts.items()}
    rows = presence(texts)
    if a.tsv:
        for r in rows:
            print('\t'.join(r[:3] + (r[3] or '-', words(r))))
    else:
        print(' · '.join(words(r) for r in rows))


if __name__ == '__main__':
    main()
