#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tree-states.py: every state a user's tree can be in, from the fixtures.

    tree-states.py OUTDIR [RELEASE...]

For each base fixture of patches/bases/bases.tsv with a file of its own
(or the RELEASEs given), starting from its unpatched npu-dma.c and
powernv.h, every state reachable by applying, one after the other, any of
the project's patches (each distinct text of patches/upstream/*/ and
patches/adapted/*/, the lockdep patch included, once 28a5933e8d36 is
there) whose commit the state does not have yet, in any order, with git apply (exact context, as git am
needs): upstream's order and out of order, each form, and mixes of forms
where they apply.  Besides, SUSE's kABI form of a1409adac748 (upstream's,
then tests/fixtures/suse-kabi/'s revert of its type change, applied with
one line of context as SUSE's tree had other lines around) on every state
that has upstream's a1409adac748, and partial states: a state that has a
commit, but for one hunk of the patch that brought it, for each hunk of
each such patch of 28a5933e8d36.

OUTDIR/<release>/ is a git repository with a top Makefile of the release
and the two files; each state is a branch (s000, s001, ...: s000 is the
base) whose HEAD commit holds its files.  OUTDIR/states.tsv has a line per
state, tab-separated:

    release  branch  kind  applied

kind is "whole" or "partial"; applied is what was applied, in order, as
"id12@form" words ("lockdep@form" for the lockdep patch; "a1409adac748@kabi"
for SUSE's form; a partial one ends in "-hunkN" for the hunk left out).
Exit 0; 2 on bad input.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATCHES = os.path.join(TOP, 'patches')
BASES = os.path.join(PATCHES, 'bases', 'bases.tsv')
KABI = os.path.join(TOP, 'tests', 'fixtures', 'suse-kabi',
                    'KABI-powerpc-Revert-npu-callback-signature-change.patch')
NPU_FILE = 'arch/powerpc/platforms/powernv/npu-dma.c'
NPU_HDR = 'arch/powerpc/include/asm/powernv.h'
FILES = (NPU_FILE, NPU_HDR)
PARTIAL_OF = '28a5933e8d36'


def git(*args, cwd=None, check=True):
    return subprocess.run(['git', '-c', 'user.name=states', '-c', 'user.email=states@localhost',
                           '-c', 'init.defaultBranch=master'] + list(args), cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=check)


def patch_texts():
    """[(commit id12 or 'lockdep', form, text)], each distinct diff once."""
    out, seen = [], set()
    for form in ('upstream', 'adapted'):
        top = os.path.join(PATCHES, form)
        for series in sorted(os.listdir(top)):
            d = os.path.join(top, series)
            for name in sorted(os.listdir(d)):
                if not name.endswith('.patch'):
                    continue
                with open(os.path.join(d, name), encoding='utf-8') as f:
                    text = f.read()
                m = re.search(r'^commit ([0-9a-f]{12})[0-9a-f]{28} upstream\.$', text, re.M)
                key = m.group(1) if m else 'lockdep'
                diff = text[text.index('\ndiff --git ') + 1:]
                if (key, diff) in seen:
                    continue
                seen.add((key, diff))
                out.append((key, form, diff))
    return out


def hunks_removed(diff):
    """diff with each of its hunks left out in turn: [(n, diff)]."""
    lines = diff.split('\n')
    starts = [i for i, ln in enumerate(lines) if ln.startswith('@@')]
    out = []
    for n, s in enumerate(starts, 1):
        e = s + 1
        while e < len(lines) and lines[e][:1] in (' ', '+', '-') and lines[e] != '-- ':
            e += 1
        rest = lines[:s] + lines[e:]
        # a file left with no hunk would make git apply refuse the patch
        if sum(1 for ln in rest if ln.startswith('@@')) == 0:
            continue
        out.append((n, '\n'.join(rest)))
    return out


def files_of(d):
    res = {}
    for f in FILES:
        with open(os.path.join(d, f), 'rb') as fh:
            res[f] = fh.read()
    return res


def put(d, files):
    for f, b in files.items():
        with open(os.path.join(d, f), 'wb') as fh:
            fh.write(b)


def apply(files, diff, scratch, opts=()):
    """The files after git apply of diff, or None if it does not apply."""
    put(scratch, files)
    p = os.path.join(scratch, '.patch')
    with open(p, 'w', encoding='utf-8') as f:
        f.write(diff)
    r = subprocess.run(['git', 'apply'] + list(opts) + ['.patch'], cwd=scratch,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    os.unlink(p)
    return files_of(scratch) if r.returncode == 0 else None


def key_of(files):
    h = hashlib.sha256()
    for f in FILES:
        h.update(files[f])
    return h.hexdigest()


def states_of(release, npu, hdr, texts, scratch):
    base = {NPU_FILE: npu, NPU_HDR: hdr}
    seen = {key_of(base): ()}
    order = [((), base)]
    todo = [((), base)]
    while todo:
        applied, files = todo.pop(0)
        have = {w.split('@')[0] for w in applied}
        for key, form, diff in texts:
            # the lockdep patch checks the rules of 28a5933e8d36's lock
            if key in have or (key == 'lockdep' and PARTIAL_OF not in have):
                continue
            new = apply(files, diff, scratch)
            if new is None:
                continue
            k = key_of(new)
            if k in seen:
                continue
            a = applied + ('%s@%s' % (key, form),)
            seen[k] = a
            order.append((a, new))
            todo.append((a, new))
    whole = list(order)
    # SUSE's kABI form: upstream's a1409adac748, then SUSE's revert of its type change
    with open(KABI, encoding='utf-8') as f:
        kabi = f.read()
    extra = []
    for applied, files in whole:
        if 'a1409adac748@upstream' not in applied:
            continue
        new = apply(files, kabi, scratch, ('-C1',))
        if new is None:
            continue
        # kept even where the files are those of another state (the
        # adapted a1409adac748's): that is what the test is to show
        a = tuple(w if w != 'a1409adac748@upstream' else 'a1409adac748@kabi' for w in applied)
        extra.append((a, new))
    whole += extra
    # partial: a state that took 28a5933e8d36, but for one hunk
    partial = []
    for applied, files in whole:
        if not applied or not applied[-1].startswith(PARTIAL_OF + '@'):
            continue
        before = seen_before(whole, applied[:-1])
        if before is None:
            continue
        for key, form, diff in texts:
            if key != PARTIAL_OF or apply(before, diff, scratch) != files:
                continue
            for n, cut in hunks_removed(diff):
                new = apply(before, cut, scratch)
                if new is None or key_of(new) in seen:
                    continue
                a = applied[:-1] + ('%s@%s-hunk%d' % (PARTIAL_OF, form, n),)
                seen[key_of(new)] = a
                partial.append((a, new))
    return [(a, f, 'whole') for a, f in whole] + [(a, f, 'partial') for a, f in partial]


def seen_before(states, applied):
    for a, f in states:
        if a == applied:
            return f
    return None


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    out = sys.argv[1]
    want = sys.argv[2:]
    rows = []
    with open(BASES, encoding='utf-8') as f:
        for ln in f:
            if ln.startswith('#') or not ln.strip():
                continue
            c = ln.rstrip('\n').split('\t')
            if c[5] != c[0] + '/npu-dma.c' or (want and c[0] not in want):
                continue
            rows.append((c[0], os.path.join(PATCHES, 'bases', c[5]),
                         os.path.join(PATCHES, 'bases', c[7])))
    if want and len(rows) != len(want):
        sys.stderr.write('tree-states.py: error: not a base with a file of its own: %s\n'
                         % ' '.join(sorted(set(want) - {r[0] for r in rows})))
        sys.exit(2)
    texts = patch_texts()
    os.makedirs(out, exist_ok=True)
    manifest = []
    scratch = tempfile.mkdtemp()
    try:
        for f in FILES:
            os.makedirs(os.path.join(scratch, os.path.dirname(f)), exist_ok=True)
        for release, npu, hdr in rows:
            with open(npu, 'rb') as f:
                npu_b = f.read()
            with open(hdr, 'rb') as f:
                hdr_b = f.read()
            states = states_of(release, npu_b, hdr_b, texts, scratch)
            d = os.path.join(out, release)
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(os.path.join(d, 'arch', 'powerpc'))
            for f in FILES:
                os.makedirs(os.path.join(d, os.path.dirname(f)), exist_ok=True)
            v, p, s = release.split('.')
            with open(os.path.join(d, 'Makefile'), 'w', encoding='utf-8') as f:
                f.write('VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = %s\nEXTRAVERSION =\n' % (v, p, s))
            git('init', '-q', cwd=d)
            for i, (applied, files, kind) in enumerate(states):
                branch = 's%03d' % i
                put(d, files)
                git('add', '-A', cwd=d)
                git('commit', '-q', '--allow-empty', '-m',
                    '%s: %s' % (release, ' '.join(applied) or 'unpatched'), cwd=d)
                git('branch', branch, cwd=d)
                git('reset', '-q', '--hard', 's000', cwd=d)
                manifest.append((release, branch, kind, ' '.join(applied) or '-'))
            git('checkout', '-q', 's000', cwd=d)
            git('branch', '-q', '-D', 'master', cwd=d, check=False)
    finally:
        shutil.rmtree(scratch)
    with open(os.path.join(out, 'states.tsv'), 'w', encoding='utf-8') as f:
        for r in manifest:
            f.write('\t'.join(r) + '\n')


if __name__ == '__main__':
    main()
