#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""model-check.py: check the npu_context functions of an npu-dma.c with spin.

Called by scripts/check-model (see its --help); not a user command.

    model-check.py file NPU_DMA_C [--mutate M] [--scenario S ...] [--name N]
    model-check.py bases [--mutations] [--jobs J]
    model-check.py cover [--cache DIR] [--ids IDS] BEFORE_C AFTER_C

"file": translates the three functions of NPU_DMA_C with
selftests/npu_context/model/c2promela.py, puts them between stand-ins.pml
and harness.pml and lets spin check every interleaving of each scenario.
A counterexample is printed as the interleaving of the GPUs' C lines.

"bases": the same for every state of every base fixture of
patches/bases/bases.tsv: unpatched, and patched with each series (each
form that applies, plain and lockdep); with --mutations, also the
mutations of each patched state, each with the scenario it breaks.  One
line per check, then a summary.

"cover": every scenario on BEFORE_C (a tree's file) and AFTER_C (the same
with a series applied); prints the paragraph scripts/mail puts in a cover
letter's "How it was tested" (IDS: the 12-digit upstream ids the series
carries).  --cache DIR keeps each verdict by the model's text and spin's
version, so that the same code is checked once.

Output lines of a check (tab-separated, for tests and scripts):
    verdict<TAB>NAME<TAB>SCENARIO<TAB>verified|counterexample|error<TAB>CLASS<TAB>STATES<TAB>SECONDS
CLASS is the class of the check that failed (race, warn, register,
callback, lockdep, atomic, leak, harness; deadlock: a GPU blocked for
ever; unknown: pan's trail named no check) or "-".
Exit: 0 all verified, 1 a counterexample, 2 an error.
"""
import argparse
import concurrent.futures
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(TOP, 'selftests', 'npu_context', 'model')
sys.path.insert(0, MODEL)
import c2promela  # noqa: E402  pylint: disable=wrong-import-position

# name: (what it is, spin -D options)
SCENARIOS = {
    'race2': ('2 GPUs, 2 init/destroy cycles each, concurrent', ['-DNGPU=2', '-DCYCLES=2']),
    'race3': ('3 GPUs, 1 cycle each, concurrent', ['-DNGPU=3', '-DCYCLES=1']),
    'register': ('1 GPU, 2 cycles, any notifier registration may fail',
                 ['-DNGPU=1', '-DCYCLES=2', '-DREG_FAIL']),
    'callback': ('2 GPUs, the second with other callback data, its init while the first holds the context',
                 ['-DNGPU=2', '-DCYCLES=1', '-DOTHER_CB', '-DSEQUENCED']),
    'all2': ('2 GPUs, 2 cycles, concurrent, registration may fail, the second with other callback data',
             ['-DNGPU=2', '-DCYCLES=2', '-DREG_FAIL', '-DOTHER_CB']),
}
DEFAULT_SCENARIOS = list(SCENARIOS)
# the scenario each mutation must break
MUTATION_SCENARIO = {
    'unlocked-put': 'race2',
    'kfree-in-release': 'race2',
    'lookup-outside-lock': 'race2',
    'no-callback-check': 'callback',
    'no-priv-check': 'callback',
    'unregister-in-release': 'race2',
}
PAN_MEMORY_MB = 4096
# how the verifier is built and run (also part of a kept verdict's key);
# -O0: of the compile and the search, the compile is the longer
CC = ['gcc', '-O0', '-DSAFETY', f'-DMEMLIM={PAN_MEMORY_MB}']
PAN = ['-m100000']


class CheckError(Exception):
    pass


def model_of(path, mutate=None):
    """The whole model of path's functions (stand-ins, functions, harness)
    and the file's lines, or raises CheckError."""
    try:
        functions = c2promela.translate(path, mutate)
    except SystemExit as e:
        raise CheckError(str(e)) from None
    except Exception as e:  # pylint: disable=broad-except
        raise CheckError(f'the translator failed ({type(e).__name__}: {e}): a bug of c2promela.py') from None
    return assemble(functions), c_source_lines(path)


def assemble(functions):
    parts = []
    for name in ('stand-ins.pml', None, 'harness.pml'):
        if name is None:
            parts.append(functions)
        else:
            with open(os.path.join(MODEL, name), encoding='utf-8') as f:
                parts.append(f.read())
    return ''.join(parts)


def tags(model):
    """{pml line: tag text} from the /* @... */ comments."""
    out = {}
    for i, line in enumerate(model.split('\n'), 1):
        m = re.search(r'/\* (@[^*]*?) \*/\s*$', line)
        if m:
            out[i] = m.group(1)
    return out


def run(cmd, cwd, what, timeout=1200):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    if p.returncode and what:
        raise CheckError(f'{what} failed:\n{p.stdout}{p.stderr}')
    return p


_CACHE = {}
_CACHE_LOCK = threading.Lock()
DISK_CACHE = None       # a directory: verdicts kept across runs (cover --cache)


def spin_check(model, scenario, c_lines):
    """(verdict, class, states, seconds, trail lines).  Models that differ
    only in their tags (the same code at other lines of the file) are
    checked once; each reads the trail with its own tags."""
    untagged = re.sub(r'/\* @[^*]*\*/', '', model)
    how = ' '.join(SCENARIOS[scenario][1] + CC + PAN)
    key = hashlib.sha256((how + '\0' + untagged).encode()).hexdigest()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is None and DISK_CACHE:
        hit = disk_cache(key)
    if hit is None:
        hit = spin_check_once(model, scenario)
        with _CACHE_LOCK:
            _CACHE[key] = hit
        if DISK_CACHE:
            disk_cache(key, hit)
    verdict, states, secs, trail, pan_out = hit
    if verdict == 'verified':
        return verdict, '-', states, secs, []
    cls, lines = read_trail(trail, tags(model), c_lines, pan_out)
    return verdict, cls, states, secs, lines


_SPIN_VERSION = []


def spin_version():
    """A short hash of spin -V: the verdicts kept are those of one spin."""
    if not _SPIN_VERSION:
        ver = run(['spin', '-V'], None, 'spin -V').stdout.strip()
        _SPIN_VERSION.append(hashlib.sha256(ver.encode()).hexdigest()[:16])
    return _SPIN_VERSION[0]


def disk_cache(key, value=None):
    """The verdict kept for key (None if none), or keep value for it.  The
    key covers the whole model and the scenario; spin's version is part of
    the path."""
    d = os.path.join(DISK_CACHE, spin_version())
    path = os.path.join(d, key + '.json')
    if value is None:
        try:
            with open(path, encoding='utf-8') as f:
                return tuple(json.load(f))
        except (OSError, ValueError):
            return None
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, suffix='.tmp')
    with os.fdopen(fd, 'w', encoding='utf-8') as f:
        json.dump(list(value), f)
    os.replace(tmp, path)
    return None


def spin_check_once(model, scenario):
    """(verdict, states, seconds, spin's trail, pan's output)."""
    defs = SCENARIOS[scenario][1]
    work = tempfile.mkdtemp(prefix='npu-model.')
    try:
        with open(os.path.join(work, 'm.pml'), 'w', encoding='utf-8') as f:
            f.write(model)
        run(['spin', '-a'] + defs + ['m.pml'], work, 'spin -a')
        run(CC + ['-o', 'pan', 'pan.c'], work, 'compiling pan.c')
        t0 = time.monotonic()
        p = run(['./pan'] + PAN, work, None)
        secs = time.monotonic() - t0
        out = p.stdout + p.stderr
        if 'search depth too small' in out:
            raise CheckError('the search was cut short (depth limit): no verdict')
        if 'out of memory' in out or 'pan: reached -DMEMLIM' in out:
            raise CheckError(f'pan ran out of memory ({PAN_MEMORY_MB} MB): no verdict')
        m = re.search(r'errors: (\d+)', out)
        st = re.search(r'(\d+) states, stored', out)
        if not m or not st:
            raise CheckError(f'pan gave no verdict:\n{out}')
        states = int(st.group(1))
        if m.group(1) == '0':
            return 'verified', states, secs, '', out
        if not os.path.exists(os.path.join(work, 'm.pml.trail')):
            raise CheckError(f'pan found an error but wrote no trail:\n{out}')
        # a shorter counterexample (pan -i; without -DREACH not always the
        # shortest), which is easier to read
        run(['./pan'] + PAN + ['-i'], work, None)
        t = run(['spin', '-t', '-p'] + defs + ['m.pml'], work, None)
        return 'counterexample', states, secs, t.stdout + t.stderr, out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def read_trail(text, tagmap, c_lines, pan_out):
    """The class of the failed check and the interleaving, as C lines."""
    steps = []
    failed = None
    last = {}
    for line in text.split('\n'):
        if line.startswith('spin: trail ends'):
            break           # what follows is the state at the end
        m = re.match(r'\s*\d+:\s+proc\s+(\d+) \((\w+):\d+\) m\.pml:(\d+) ', line)
        if m:
            pid, proc, ln = int(m.group(1)), m.group(2), int(m.group(3))
            tag = tagmap.get(ln, '')
            who = f'GPU {pid}' if proc == 'gpu' else ('end check' if proc == 'init' else proc)
            c = re.match(r'@c (\d+)', tag)
            what = None
            if tag.startswith('@note '):
                if steps[-1:] != [(who, f'    -> {tag[6:]}')]:
                    steps.append((who, f'    -> {tag[6:]}'))
            elif c:
                cl = int(c.group(1))
                what = f'npu-dma.c:{cl}  {c_lines.get(cl, "").strip()}'
            elif tag.startswith('@step '):
                what = f'(caller) {tag[6:].split(" @check ")[0]}'
            if what and (last.get(pid) != what or (steps and steps[-1][0] != who)):
                if not (steps and steps[-1] == (who, what)):
                    steps.append((who, what))
                last[pid] = what
            if failed is not None:
                break       # the step that failed (spin prints it after the error)
            continue
        m = re.match(r'spin: m\.pml:(\d+), Error: (assertion violated.*)', line)
        if m and failed is None:
            failed = (int(m.group(1)), m.group(2))
    if failed is None:
        if 'invalid end state' in pan_out:
            return 'deadlock', steps[-60:] + [('pan', 'invalid end state: a process blocked forever')]
        return 'unknown', steps[-60:]
    tag = tagmap.get(failed[0], '')
    m = re.search(r'@check (\w+): (.*)', tag)
    cls, why = (m.group(1), m.group(2)) if m else ('unknown', failed[1])
    return cls, steps[-60:] + [('failed', f'{cls}: {why}')]


def c_source_lines(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        return {i: l.rstrip('\n') for i, l in enumerate(f, 1)}


def check_file(path, name, scenarios, mutate=None, trails=True, out=sys.stdout):
    """Check one file; returns the worst exit status (0, 1, 2)."""
    status = 0
    try:
        model, c_lines = model_of(path, mutate)
    except CheckError as e:
        print(f'verdict\t{name}\t-\terror\t-\t-\t-', file=out)
        print(f'  {e}', file=out)
        return 2
    for s in scenarios:
        try:
            verdict, cls, states, secs, lines = spin_check(model, s, c_lines)
        except (CheckError, subprocess.TimeoutExpired) as e:
            print(f'verdict\t{name}\t{s}\terror\t-\t-\t-', file=out)
            print(f'  {e}', file=out)
            status = 2
            continue
        print(f'verdict\t{name}\t{s}\t{verdict}\t{cls}\t{states}\t{secs:.2f}', file=out)
        if verdict != 'verified':
            status = max(status, 1)
            if trails:
                print(f'  counterexample ({SCENARIOS[s][0]}):', file=out)
                for who, what in lines:
                    print(f'    {who:10} {what}', file=out)
    return status


def series_for(form, series, variant, d):
    """(directory, patches, True) of the series of form that applies to the
    files under d, whose code is of series: series itself, else one made
    for a branch of it (scripts/lib/series.sh NPU_BRANCH_SERIES, which
    scripts/check-model hands down: orig-4.12), applied there; (series'
    directory, patches, False) when none does.  (git apply takes the patches in turn, and all or none:
    --check would try each on the unpatched files.)"""
    top = os.path.join(TOP, 'patches', form)
    names = [series] + [n for n in os.environ['NPU_BRANCH_SERIES'].split()
                        if n.rsplit('-', 1)[0] == series
                        and os.path.exists(os.path.join(top, n, 'series'))]
    found = []
    for name in names:
        sdir = os.path.join(top, name + ('-lockdep' if variant == 'lockdep' else ''))
        with open(os.path.join(sdir, 'series'), encoding='utf-8') as s:
            patches = [os.path.join(sdir, p.strip()) for p in s
                       if p.strip() and not p.startswith('#')]
        found.append((sdir, patches))
        if subprocess.run(['git', 'apply'] + patches, cwd=d, check=False,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            return sdir, patches, True
    return found[0] + (False,)


def base_states(work):
    """[(name, file)]: each base fixture unpatched and patched with each
    series of each form that applies, plain and lockdep."""
    bases = os.path.join(TOP, 'patches', 'bases')
    states = []
    with open(os.path.join(bases, 'bases.tsv'), encoding='utf-8') as f:
        rows = [l.rstrip('\n').split('\t') for l in f if l.strip() and not l.startswith('#')]
    for row in rows:
        rel, series, cfile, hfile, forms = row[0], row[1], row[5], row[7], row[8].split()
        if cfile != f'{rel}/npu-dma.c':
            continue    # the same file as an earlier release's
        states.append((f'{rel} unpatched', os.path.join(bases, cfile)))
        for form in forms:
            for variant in ('plain', 'lockdep'):
                d = os.path.join(work, f'{rel}-{form}-{variant}')
                tree_file = os.path.join(d, 'arch/powerpc/platforms/powernv/npu-dma.c')
                hdr = os.path.join(d, 'arch/powerpc/include/asm/powernv.h')
                os.makedirs(os.path.dirname(tree_file))
                os.makedirs(os.path.dirname(hdr))
                shutil.copy(os.path.join(bases, cfile), tree_file)
                shutil.copy(os.path.join(bases, hfile), hdr)
                run(['git', 'init', '-q'], d, 'git init')
                sdir, patches, applied = series_for(form, series, variant, d)
                if not applied:     # to say why
                    run(['git', 'apply'] + patches, d, f'applying {sdir} to {rel}')
                states.append((f'{rel} {form} {variant}', tree_file))
    return states


BUGS = {
    'race': ('the race', '28a5933e8d36'),
    'warn': ('the race', '28a5933e8d36'),
    'register': ('the failed registration', '720c84046c26'),
    'callback': ('the second callback', 'a1409adac748'),
}


# the scenarios as the cover letter names them
SCEN_WORDS = {
    'race2': 'the race with 2 GPUs',
    'race3': 'the race with 3 GPUs',
    'register': 'failing registrations',
    'callback': 'the second callback',
    'all2': 'all at once',
}


def bug_of(cls):
    return BUGS.get(cls, (f'a check of class {cls}', None))


def cover(before, after, ids):
    """The cover letter's paragraph on the spin check, or raises CheckError."""
    found = {}
    verified = []
    states = 0
    checks = []
    for which, path in (('before', before), ('after', after)):
        model, c_lines = model_of(path)
        checks += [(which, model, s, c_lines) for s in DEFAULT_SCENARIOS]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as ex:
        results = list(ex.map(lambda c: (c[0], c[2], spin_check(*c[1:])), checks))
    for which, scen, (verdict, cls, st, _, _) in results:
        if which == 'after' and verdict == 'verified':
            states = max(states, st)
        if verdict != 'verified':
            name = bug_of(cls)
            if name not in found.setdefault(which, []):
                found[which].append(name)
        elif which == 'after':
            verified.append(scen)

    def names(bugs):
        t = [f'{n} ({i})' if i else n for n, i in bugs]
        return ', '.join(t[:-1]) + ' and ' + t[-1] if len(t) > 1 else t[0]

    text = ('spin (scripts/check-model): every interleaving of 2 and of 3 GPUs of one mm, '
            'registrations that may fail and a second caller with another callback, on a '
            'model translated from this tree\'s npu-dma.c: ')
    if 'after' not in found:
        text += f'verified with the series (up to {states} states); '
    else:
        notes = [f'{n} ({i} is not in this series)' if i and i not in ids.split() else n
                 for n, i in found['after']]
        text += ('with the series, a counterexample for ' + ', '.join(notes) +
                 (', verified for ' + names([(SCEN_WORDS[v], None) for v in verified])
                  if verified else '') + f' (up to {states} states); ')
    if 'before' in found:
        text += 'without it, a counterexample for ' + names(found['before']) + '. '
    elif 'after' in found:
        text += 'without it, verified. '
    else:
        text += 'without it, verified as well. '
    text += ('Not modelled: memory ordering beyond sequential consistency, OPAL, '
             'the hardware.')
    return textwrap.fill(text, width=72, initial_indent='- ', subsequent_indent='  ')


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)     # | head: no traceback
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    f = sub.add_parser('file')
    f.add_argument('path')
    f.add_argument('--name')
    f.add_argument('--mutate', choices=sorted(c2promela.MUTATIONS))
    f.add_argument('--scenario', action='append', choices=DEFAULT_SCENARIOS)
    c = sub.add_parser('cover')
    c.add_argument('before')
    c.add_argument('after')
    c.add_argument('--ids', default='')
    c.add_argument('--cache')
    b = sub.add_parser('bases')
    b.add_argument('--mutations', action='store_true')
    b.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    if a.cmd == 'bases' and 'NPU_BRANCH_SERIES' not in os.environ:
        sys.exit('model-check.py: bases: NPU_BRANCH_SERIES is not set: run scripts/check-model --bases')
    if a.cmd == 'cover':
        global DISK_CACHE  # pylint: disable=global-statement
        DISK_CACHE = a.cache
        try:
            print(cover(a.before, a.after, a.ids))
        except (CheckError, subprocess.TimeoutExpired) as e:
            print(f'model-check.py: {e}', file=sys.stderr)
            sys.exit(2)
        sys.exit(0)
    if a.cmd == 'file':
        scen = a.scenario or ([MUTATION_SCENARIO[a.mutate]] if a.mutate else DEFAULT_SCENARIOS)
        sys.exit(check_file(a.path, a.name or a.path, scen, a.mutate))
    work = tempfile.mkdtemp(prefix='npu-model-bases.')
    try:
        states = base_states(work)
        jobs = [(n, p, DEFAULT_SCENARIOS, None) for n, p in states]
        if a.mutations:
            jobs += [(f'{n} mutated:{m}', p, [s], m) for n, p in states
                     if 'unpatched' not in n for m, s in MUTATION_SCENARIO.items()]
        results = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            futs = {}
            for i, (n, p, scen, m) in enumerate(jobs):
                buf = io.StringIO()
                futs[ex.submit(check_file, p, n, scen, m, True, buf)] = (i, buf)
            for fu in concurrent.futures.as_completed(futs):
                i, buf = futs[fu]
                results[i] = (fu.result(), buf.getvalue())
        worst = 0
        for i in sorted(results):
            st, text = results[i]
            sys.stdout.write(text)
            worst = max(worst, st)
        sys.exit(worst)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    try:
        main()
    except SystemExit:
        raise
    except BaseException as e:  # pylint: disable=broad-except
        # never exit 1, which says "counterexample"
        print(f'model-check.py: {type(e).__name__}: {e}', file=sys.stderr)
        sys.exit(2)
