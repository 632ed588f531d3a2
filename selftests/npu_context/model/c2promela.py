#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""c2promela.py: translate the npu_context functions of an npu-dma.c to Promela.

    c2promela.py [--mutate NAME] NPU_DMA_C OUT.pml

Reads pnv_npu2_init_context(), pnv_npu2_release_context() and
pnv_npu2_destroy_context() of a v4.12..v4.16 npu-dma.c (unpatched or with
any of the project's series), parses them with pycparser after the C
preprocessor, and writes them to OUT.pml as Promela inlines for
harness.pml: one C statement, one atomic Promela step, each tagged with its
C line ("@c N").  Whatever the functions call is one of the fixed stand-ins
of stand-ins.pml or of the STAND_INS table below; a call, type, field or
construct that is neither is an error that names its C line: nothing is
skipped.

--mutate NAME first changes the parsed code as MUTATIONS below says (to
show that the check fails when the code is wrong); it is an error if the
code has nothing to mutate.

Exit: 0 written, 1 the code cannot be translated (the message names the
line), 2 bad usage.
"""
import argparse
import os
import re
import subprocess
import sys

from pycparser import c_ast, c_generator, c_parser

FUNCS = {
    # name: (short prefix of its locals, the line it starts with)
    'pnv_npu2_init_context': ('init', r'^struct npu_context \*pnv_npu2_init_context\('),
    'pnv_npu2_release_context': ('release', r'^static void pnv_npu2_release_context\('),
    'pnv_npu2_destroy_context': ('destroy', r'^void pnv_npu2_destroy_context\('),
}
# the two the harness calls; release is only called by kref_put()
ENTRIES = ('pnv_npu2_init_context', 'pnv_npu2_destroy_context')

# What the preprocessor does before parsing: the annotations that are not
# C (sparse's __must_hold) go, and container_of()'s type argument becomes
# a string, so that the call parses.  Nothing else is defined: every other
# macro stays a call and must be a stand-in.
PRELUDE = """typedef unsigned int u32;
typedef _Bool bool;
#define __must_hold(x)
#define container_of(ptr, type, member) container_of(ptr, #type, #member)
"""

# Types of parameters and locals, and what their values are in the model.
#   ctx    struct npu_context *: a context index, 0 NULL
#   kref   struct kref *: the index of the context it is in
#   mm     struct mm_struct *: MM (the one mm) or 0
#   int    an integer (int, u32, unsigned long; priv and the callback
#          pointer, which the harness passes as small numbers)
#   hw     a pointer to a hardware or firmware object (pci_dev,
#          device_node, pnv_phb, npu): the model has no hardware, every
#          such pointer is valid and every field of one reads as 1
TYPES = {
    'struct npu_context *': 'ctx',
    'struct kref *': 'kref',
    'struct mm_struct *': 'mm',
    'int': 'int',
    'u32': 'int',
    'unsigned long': 'int',
    'unsigned long int': 'int',
    'void *': 'int',
    'struct pci_dev *': 'hw',
    'struct device_node *': 'hw',
    'struct pnv_phb *': 'hw',
    'struct npu *': 'hw',
}

# Fields of the hardware objects that the code tests: what they read as.
# Any other field of one reads as 1.
HW_FIELDS = {
    # the NPU does not flush the nest MMU itself: the path that calls
    # mm_context_add_copro()/mm_context_remove_copro() (v4.15 on) runs
    'nmmu_flush': '0',
}

# Fields of struct npu_context: the array that holds each, or None for a
# field the notifiers read and the model leaves out (a write to it is a
# use of the context, checked, and its value is not kept).
CTX_FIELDS = {
    'mm': ('ctx_mm', 'mm'),
    'release_cb': ('ctx_release_cb', 'int'),
    'priv': ('ctx_priv', 'int'),
    'nmmu_flush': ('ctx_nmmu_flush', 'int'),
    'npdev': (None, None),
    'mn.ops': (None, None),
}

ERRNO = ('EINTR', 'ENOMEM', 'ENODEV', 'EINVAL', 'ENOSPC')

# The stand-ins that are expressions, what each gives (Translator.x_FuncCall);
# then those that are steps of their own, what each does (call_stmt).  A
# call of anything else is an error.
STAND_INS = {
    'pnv_pci_get_npu_dev': 'hw: the GPU\'s NPU device, always found',
    'firmware_has_feature': 'int: 1, the machine has OPAL',
    'pci_bus_to_host': 'hw: the PHB',
    'of_parse_phandle': 'hw: the nvlink node, always found',
    'PCI_DEVID': 'int: 1 (the GPU\'s bus/devfn, not modelled)',
    'ERR_PTR': 'an error return (init only)',
    'READ_ONCE': 'the value (memory is sequentially consistent)',
    'container_of': 'the context a struct kref * is in',
}
STMT_STAND_INS = {
    'might_sleep': 'may_sleep(): asserts npu_context_lock is not held',
    'spin_lock': 'npu_spin_lock(): waits for npu_context_lock, takes it',
    'spin_unlock': 'npu_spin_unlock(): asserts it is held, releases it',
    'lockdep_assert_held': 'npu_assert_spin_held() (npu_context_lock)',
    'lockdep_assert_held_exclusive': 'npu_assert_mmap_write_held() (mmap_sem)',
    'lockdep_assert_held_write': 'npu_assert_mmap_write_held() (mmap_sem)',
    'kzalloc': 'npu_kzalloc(): a new context, all fields 0; may sleep; never fails',
    'kfree': 'npu_kfree(): asserts not freed already',
    'kref_init': 'npu_kref_init(): count 1',
    'kref_get': 'npu_kref_get(): asserts the count is not 0',
    'kref_get_unless_zero': 'npu_kref_get_unless_zero()',
    'kref_put': 'npu_kref_dec(), then the release function if the count hit 0',
    '__mmu_notifier_register': 'npu_mn_register(): asserts mmap_sem held for write; may sleep; '
                               'may fail (REG_FAIL)',
    'mmu_notifier_register': 'npu_mn_register(): asserts mmap_sem not held (it takes it); may sleep; '
                             'may fail (REG_FAIL)',
    'mmu_notifier_unregister': 'npu_mn_unregister(): may sleep; asserts registered',
    'WARN_ON': 'npu_warn_on(): asserts the condition is false',
    'WRITE_ONCE': 'an assignment (memory is sequentially consistent)',
    'opal_npu_init_context': 'OPAL is left out: returns 0',
    'opal_npu_destroy_context': 'OPAL is left out: returns 0',
    'of_property_read_u32': 'the GPU\'s link index; returns 0',
    'mm_context_add_copro': 'no-op (the mm\'s TLB flush mode)',
    'mm_context_remove_copro': 'no-op (the mm\'s TLB flush mode)',
}

MUTATIONS = {
    'unlocked-put': 'destroy: drop the spin_lock()/spin_unlock() around kref_put()',
    'kfree-in-release': 'move the kfree() of the context from destroy back into the release function',
    'lookup-outside-lock': 'init: read mm->context.npu_context before taking npu_context_lock',
    'no-callback-check': 'init: drop the check that the callback data are the same (a1409adac748)',
    'no-priv-check': 'init: check the callback, not the private data (half of a1409adac748\'s check)',
    'unregister-in-release': 'move the mmu_notifier_unregister() from destroy back into the release '
                             'function, under npu_context_lock',
}


class Untranslatable(Exception):
    def __init__(self, node, what):
        line = node.coord.line if node is not None and node.coord else '?'
        super().__init__(f'npu-dma.c:{line}: {what}')


def extract(path):
    """The three functions: [(name, first line, text)], in file order."""
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    found = []
    for name, (_, head) in FUNCS.items():
        starts = [i for i, l in enumerate(lines) if re.match(head, l)]
        if len(starts) != 1:
            raise SystemExit(f'c2promela.py: {path}: {name}() found {len(starts)} times, not once')
        s = starts[0]
        e = next((i for i in range(s, len(lines)) if lines[i].startswith('}')), None)
        if e is None:
            raise SystemExit(f'c2promela.py: {path}: {name}() has no closing brace')
        # the preprocessor would drop or change code: #if, #define, ...
        for i in range(s, e + 1):
            if re.match(r'\s*(/\*.*?\*/\s*)*#', lines[i]):
                raise SystemExit(f'c2promela.py: {path}: npu-dma.c:{i + 1}: a preprocessor line in '
                                 f'{name}(): not known to the translator (it could hide code)')
        found.append((name, s + 1, '\n'.join(lines[s:e + 1])))
    # a macro of the file's own that the functions use would change them
    used = set(re.findall(r'[A-Za-z_]\w*', ' '.join(t for _, _, t in found)))
    for i, l in enumerate(lines):
        m = re.match(r'\s*#\s*define\s+(\w+)', l)
        if m and m.group(1) in used:
            raise SystemExit(f'c2promela.py: {path}: npu-dma.c:{i + 1}: the file defines {m.group(1)}, '
                             'which the functions use: not known to the translator')
    return sorted(found, key=lambda t: t[1])


def parse(path):
    src = PRELUDE + ''.join(f'#line {ln} "npu-dma.c"\n{text}\n' for _, ln, text in extract(path))
    cpp = subprocess.run(['gcc', '-E', '-undef', '-x', 'c', '-'], input=src, capture_output=True,
                         text=True, check=False)
    if cpp.returncode:
        raise SystemExit(f'c2promela.py: the C preprocessor failed:\n{cpp.stderr}')
    try:
        ast = c_parser.CParser().parse(cpp.stdout, 'npu-dma.c')
    except c_parser.ParseError as e:
        raise SystemExit(f'c2promela.py: {e}') from None
    return {n.decl.name: n for n in ast.ext if isinstance(n, c_ast.FuncDef)}


def type_str(t):
    """'struct npu_context *', 'int', ..., or 'function pointer'."""
    if isinstance(t, c_ast.PtrDecl):
        if isinstance(t.type, c_ast.FuncDecl):
            return 'function pointer'
        return type_str(t.type) + ' *'
    if isinstance(t, c_ast.TypeDecl):
        inner = t.type
        if isinstance(inner, c_ast.Struct):
            return 'struct ' + inner.name
        if isinstance(inner, c_ast.IdentifierType):
            return ' '.join(inner.names)
    return type(t).__name__


class Val:
    """A translated expression: its Promela text, its kind, and the checks
    (Promela conditions, with their reason) that must hold to evaluate it."""

    def __init__(self, text, kind, checks=()):
        self.text, self.kind, self.checks = text, kind, list(checks)


class Translator:
    def __init__(self, funcs):
        self.funcs = funcs
        self.out = []           # (promela line, tag)
        self.decls = []         # the locals of every function, as Promela
        self.ind = 1
        self.ntemps = 0         # temporaries made so far
        self.expansions = {}
        self.active = set()     # the functions being expanded

    # output -----------------------------------------------------------
    def emit(self, text, line=None, tag=None):
        t = tag if tag else (f'@c {line}' if line else None)
        self.out.append(('\t' * self.ind + text, t))

    # expressions --------------------------------------------------------
    def expr(self, n, env):
        m = getattr(self, 'x_' + type(n).__name__, None)
        if m is None:
            raise Untranslatable(n, f'expression {type(n).__name__} is not known to the translator')
        return m(n, env)

    def x_ID(self, n, env):
        if n.name in env['vars']:
            return Val(env['vars'][n.name][0], env['vars'][n.name][1])
        if n.name == 'NULL':
            return Val('0', 'null')
        if n.name in ('true', 'false'):
            return Val('1' if n.name == 'true' else '0', 'int')
        if n.name in ERRNO:
            return Val(n.name, 'int')
        if n.name == 'current':
            return Val('0', 'task')
        if n.name in ('FW_FEATURE_OPAL', 'GFP_KERNEL', 'nv_nmmu_notifier_ops'):
            return Val('1', 'int')
        if n.name == 'npu_context_lock':
            return Val('', 'spinlock')
        if n.name in FUNCS:
            return Val(n.name, 'func')
        raise Untranslatable(n, f'identifier {n.name} is not known to the translator')

    def x_Constant(self, n, env):
        if n.type == 'int' and re.fullmatch(r'\d+', n.value):
            return Val(n.value, 'int')
        if n.type == 'string':
            return Val(n.value, 'string')
        raise Untranslatable(n, f'constant {n.value} is not known to the translator')

    def x_UnaryOp(self, n, env):
        if n.op == 'sizeof':
            if isinstance(n.expr, c_ast.Typename) and type_str(n.expr.type) == 'struct npu_context':
                return Val('1', 'size')
            raise Untranslatable(n, 'sizeof of anything but struct npu_context')
        if n.op == '&':
            return self.address(n.expr, env)
        v = self.expr(n.expr, env)
        if n.op == '!':
            return Val(f'!({v.text})' if v.kind in ('int', 'bool') else f'({v.text} == 0)', 'bool', v.checks)
        if n.op == '-' and v.kind == 'int':
            return Val(f'-{v.text}', 'int', v.checks)
        raise Untranslatable(n, f'operator {n.op} on a {v.kind}')

    def x_BinaryOp(self, n, env):
        a, b = self.expr(n.left, env), self.expr(n.right, env)
        if n.op in ('||', '&&'):
            # b is evaluated only when a does not decide: so are its checks
            guard = f'({a.text})' if n.op == '||' else f'!({a.text})'
            checks = a.checks + [(f'{guard} || ({c})', why) for c, why in b.checks]
            return Val(f'({a.text} {n.op} {b.text})', 'bool', checks)
        if n.op in ('==', '!=', '<', '>', '<=', '>='):
            ok = {a.kind, b.kind} <= {'int', 'null', 'ctx', 'mm', 'bool'} and \
                not ({a.kind, b.kind} >= {'ctx', 'int'})
            if not ok:
                raise Untranslatable(n, f'comparison of a {a.kind} with a {b.kind}')
            return Val(f'({a.text} {n.op} {b.text})', 'bool', a.checks + b.checks)
        raise Untranslatable(n, f'operator {n.op} is not known to the translator')

    def x_StructRef(self, n, env):
        path, base = self.member_path(n)
        b = self.expr(base, env)
        return self.member(n, b, path, env, lvalue=False)

    def x_FuncCall(self, n, env):
        name = n.name.name if isinstance(n.name, c_ast.ID) else None
        args = n.args.exprs if n.args else []
        if name in STMT_STAND_INS:
            raise Untranslatable(n, f'call of {name}() inside an expression: the translator takes it '
                                 'as a statement, the value of an assignment, an if condition or '
                                 'the argument of WARN_ON(), each one step')
        if name not in STAND_INS:
            raise Untranslatable(n, f'call of {name or "a function pointer"}(): '
                                 'not a stand-in known to the translator')
        if name in ('ERR_PTR', 'READ_ONCE') and len(args) != 1 or \
                name == 'container_of' and len(args) != 3:
            raise Untranslatable(n, f'{name}() with {len(args)} argument(s)')
        if name == 'pnv_pci_get_npu_dev' or name == 'of_parse_phandle' or name == 'pci_bus_to_host':
            vals = [self.expr(a, env) for a in args]
            return Val('1', 'hw', sum((v.checks for v in vals), []))
        if name in ('firmware_has_feature', 'PCI_DEVID'):
            vals = [self.expr(a, env) for a in args]
            return Val('1', 'int', sum((v.checks for v in vals), []))
        if name == 'ERR_PTR':
            v = self.expr(args[0], env)
            return Val(v.text, 'errptr', v.checks)
        if name == 'READ_ONCE':
            return self.expr(args[0], env)
        if name == 'container_of':
            v = self.expr(args[0], env)
            if v.kind != 'kref' or [a.value for a in args[1:]] != ['"struct npu_context"', '"kref"']:
                raise Untranslatable(n, 'container_of() of anything but the kref of a struct npu_context')
            return Val(v.text, 'ctx', v.checks)
        raise Untranslatable(n, f'{name}(): listed in STAND_INS with no rule (a bug of c2promela.py)')

    # members --------------------------------------------------------------
    @staticmethod
    def member_path(n):
        """a->b.c.d: ('->b.c.d', a)"""
        parts = []
        while isinstance(n, c_ast.StructRef):
            parts.insert(0, n.type + n.field.name)
            n = n.name
        return ''.join(parts), n

    def member(self, n, b, path, env, lvalue):
        """The value (or the lvalue) of b<path>: Val with kind, or for an
        lvalue ('sink' | promela lvalue, kind)."""
        m = re.match(r'->([a-z_]+)(.*)$', path)
        if b.kind == 'task' and path == '->mm':
            return Val('MM', 'mm', b.checks)
        if b.kind == 'hw':
            if lvalue:
                raise Untranslatable(n, 'a write to a hardware object')
            last = re.split(r'->|\.', path)[-1]
            if last in HW_FIELDS:
                return Val(HW_FIELDS[last], 'int', b.checks)
            return Val('1', 'hw', b.checks)
        if b.kind == 'mm' and m:
            checks = b.checks + [(f'MM_OK({b.text})', 'race: a NULL mm dereferenced')]
            if path == '->context.npu_context':
                return Val('mm_npu_context', 'ctx', checks)
            if path == '->context.id' and not lvalue:
                return Val('1', 'int', checks)
            raise Untranslatable(n, f'mm{path} is not known to the translator')
        if b.kind == 'ctx' and m:
            checks = b.checks + [(f'LIVE({b.text})',
                                  'race: a context used when it is NULL or freed')]
            field = m.group(1) + m.group(2)
            first = m.group(1)
            if first == 'mm' and m.group(2):
                mm = Val(f'ctx_mm[{b.text}]', 'mm', checks)
                return self.member(n, mm, m.group(2), env, lvalue)
            if field in CTX_FIELDS:
                arr, kind = CTX_FIELDS[field]
                if arr is None:
                    if not lvalue:
                        raise Untranslatable(n, f'a read of npu_context->{field}, which the model leaves out')
                    return Val('sink', 'sink', checks)
                return Val(f'{arr}[{b.text}]', kind, checks)
            raise Untranslatable(n, f'field npu_context->{field} is not known to the translator')
        raise Untranslatable(n, f'member {path} of a {b.kind}')

    def address(self, e, env):
        """&x: &ctx->kref, &ctx->mn, &npu_context_lock, &mm->mmap_sem,
        &local (an out parameter)."""
        if isinstance(e, c_ast.ID):
            v = self.expr(e, env)
            if v.kind == 'spinlock':
                return Val('', 'spinlock')
            if e.name in env['params']:
                raise Untranslatable(e, f'the address of the parameter {e.name}: not known to the translator')
            if e.name in env['vars']:
                return Val(v.text, 'ref:' + v.kind)
            if e.name == 'nv_nmmu_notifier_ops':
                return Val('1', 'int')
            raise Untranslatable(e, f'&{e.name}')
        if isinstance(e, c_ast.StructRef):
            path, base = self.member_path(e)
            b = self.expr(base, env)
            if b.kind == 'ctx' and path in ('->kref', '->mn'):
                return Val(b.text, path[2:], b.checks + [(f'LIVE({b.text})',
                                                          'race: a context used when it is NULL or freed')])
            if b.kind == 'mm' and path == '->mmap_sem':
                return Val('', 'mmap_sem', b.checks)
            if b.kind == 'hw':
                return Val('1', 'hw', b.checks)
        raise Untranslatable(e, 'taking this address is not known to the translator')

    def lvalue(self, e, env):
        if isinstance(e, c_ast.ID):
            if e.name in env['params']:
                raise Untranslatable(e, f'assignment to the parameter {e.name}: not known to the translator')
            if e.name not in env['vars']:
                raise Untranslatable(e, f'assignment to {e.name}, not a local')
            t, k = env['vars'][e.name]
            return Val(t, k)
        if isinstance(e, c_ast.ArrayRef):
            # only npu_context->npdev[a][b]: a use of the context
            subs = []
            while isinstance(e, c_ast.ArrayRef):
                subs.append(self.expr(e.subscript, env))
                e = e.name
            v = self.lvalue(e, env)
            if v.kind != 'sink':
                raise Untranslatable(e, 'an array element other than npu_context->npdev[][]')
            return Val('sink', 'sink', v.checks + sum((s.checks for s in subs), []))
        if isinstance(e, c_ast.StructRef):
            path, base = self.member_path(e)
            b = self.expr(base, env)
            return self.member(e, b, path, env, lvalue=True)
        raise Untranslatable(e, 'this assignment target is not known to the translator')

    # statements -----------------------------------------------------------
    def step(self, line, checks, effects):
        """One C statement: its checks and effects, one atomic step."""
        if not checks and len(effects) == 1 and re.fullmatch(r'[a-z_0-9\[\]]+ = [^;]*|skip', effects[0]):
            self.emit(effects[0] + ';', line)
            return
        self.emit('atomic {', line)
        self.ind += 1
        # a step of its own, so that the trail shows the C line even when
        # all the statement does is in a stand-in (whose lines are the
        # stand-in's); inside atomic it adds no state
        self.emit('skip;', line)
        for c, why in checks:
            self.emit(f'assert({c});', tag=f'@c {line} @check {why}')
        for i, e in enumerate(effects):
            self.emit(e + (';' if i + 1 < len(effects) else ''), line)
        self.ind -= 1
        self.emit('};', line)

    def stmt(self, n, env):
        m = getattr(self, 's_' + type(n).__name__, None)
        if m is None:
            raise Untranslatable(n, f'statement {type(n).__name__} is not known to the translator')
        m(n, env)

    def s_Compound(self, n, env):
        for s in n.block_items or []:
            self.stmt(s, env)

    def s_EmptyStatement(self, n, env):
        pass

    @staticmethod
    def check_name(n):
        # the translator's own names: {prefix}_t<N> temporaries, {prefix}_end
        if re.fullmatch(r't\d+|end', n.name):
            raise Untranslatable(n, f'a variable named {n.name}: the translator uses that name')

    def declare(self, n, env):
        if n.storage:
            raise Untranslatable(n, f'a {" ".join(n.storage)} variable {n.name}: not known to the translator')
        self.check_name(n)
        ts = type_str(n.type)
        kind = 'int' if ts == 'function pointer' else TYPES.get(ts)
        if kind is None:
            raise Untranslatable(n, f'a variable of type {ts}: not known to the translator')
        if n.name in env['vars']:
            raise Untranslatable(n, f'a second variable {n.name} (shadowing): not known to the translator')
        name = f'{env["prefix"]}_{n.name}'
        env['vars'][n.name] = (name, kind)
        return name, kind

    def s_Decl(self, n, env):
        name, kind = self.declare(n, env)
        self.decls.append(f'{"short" if kind == "int" else "byte"} {name}')
        if n.init is not None:
            self.assign(n, Val(name, kind), n.init, env)

    def s_Assignment(self, n, env):
        if n.op != '=':
            raise Untranslatable(n, f'assignment operator {n.op}')
        self.assign(n, self.lvalue(n.lvalue, env), n.rvalue, env)

    def assign(self, n, lv, rhs, env):
        if isinstance(rhs, c_ast.FuncCall) and self.call_name(rhs) in STMT_STAND_INS:
            self.call_stmt(rhs, env, lv)
            return
        v = self.expr(rhs, env)
        self.store(n, lv, v)

    def store(self, n, lv, v, extra=()):
        ok = lv.kind == v.kind or (lv.kind == 'ctx' and v.kind == 'null') or \
            (lv.kind == 'int' and v.kind in ('bool', 'int')) or lv.kind == 'sink' or \
            (lv.kind == 'hw' and v.kind in ('hw', 'null')) or \
            (lv.kind == 'mm' and v.kind == 'mm')
        if not ok:
            raise Untranslatable(n, f'a {v.kind} stored in a {lv.kind}')
        eff = ['skip'] if lv.kind == 'sink' else [f'{lv.text} = {v.text}']
        self.step(n.coord.line, lv.checks + v.checks + list(extra), eff)

    @staticmethod
    def call_name(n):
        return n.name.name if isinstance(n.name, c_ast.ID) else None

    def s_FuncCall(self, n, env):
        name = self.call_name(n)
        if name in STMT_STAND_INS:
            self.call_stmt(n, env, None)
        elif name == 'READ_ONCE':
            v = self.expr(n, env)
            self.step(n.coord.line, v.checks, ['skip'])
        else:
            raise Untranslatable(n, f'call of {name or "a function pointer"}(): not a stand-in known to the translator')

    # the stand-ins that give no value
    NO_VALUE = ('might_sleep', 'spin_lock', 'spin_unlock', 'lockdep_assert_held',
                'lockdep_assert_held_exclusive', 'lockdep_assert_held_write', 'kfree',
                'kref_init', 'kref_get', 'mmu_notifier_unregister', 'WRITE_ONCE',
                'mm_context_add_copro', 'mm_context_remove_copro')

    def call_stmt(self, n, env, lv):
        """A stand-in call as a statement, its result (if any) stored in lv."""
        name = self.call_name(n)
        if lv is not None and name in self.NO_VALUE:
            raise Untranslatable(n, f'the value of {name}() is stored: not known to the translator')
        args = n.args.exprs if n.args else []
        line = n.coord.line
        me = 'me'

        def want(i, kinds):
            if i >= len(args):
                raise Untranslatable(n, f'{name}() with too few arguments')
            v = self.expr(args[i], env) if not (isinstance(args[i], c_ast.UnaryOp) and args[i].op == '&') \
                else self.address(args[i].expr, env)
            if v.kind not in kinds:
                raise Untranslatable(n, f'{name}() of a {v.kind}, not of a {" or ".join(kinds)}')
            return v

        def result(text, kind, checks, effects):
            if lv is None:
                self.step(line, checks, effects)
            else:
                self.store_after(n, lv, Val(text, kind), checks, effects)

        if name == 'might_sleep':
            result(None, None, [], [f'may_sleep({me})'])
        elif name == 'spin_lock' or name == 'spin_unlock':
            want(0, ('spinlock',))
            self.step(line, [], [f'npu_{name}({me})'])
        elif name == 'lockdep_assert_held':
            want(0, ('spinlock',))
            self.step(line, [], [f'npu_assert_spin_held({me})'])
        elif name in ('lockdep_assert_held_exclusive', 'lockdep_assert_held_write'):
            v = want(0, ('mmap_sem',))
            self.step(line, v.checks, [f'npu_assert_mmap_write_held({me})'])
        elif name == 'kzalloc':
            v = want(0, ('size',))
            want(1, ('int',))
            if lv is None or lv.kind != 'ctx':
                raise Untranslatable(n, 'kzalloc() not stored in a struct npu_context *')
            self.step(line, lv.checks + v.checks, [f'npu_kzalloc({me}, {lv.text})'])
        elif name == 'kfree':
            v = want(0, ('ctx', 'null'))
            self.step(line, v.checks, [f'npu_kfree({v.text})'])
        elif name in ('kref_init', 'kref_get'):
            v = want(0, ('kref',))
            self.step(line, v.checks, [f'npu_{name}({v.text})'])
        elif name == 'kref_get_unless_zero':
            v = want(0, ('kref',))
            tmp = self.temp(env, 'int')
            self.step(line, v.checks, [f'npu_kref_get_unless_zero({v.text}, {tmp})'])
            if lv is not None:
                self.store(n, lv, Val(tmp, 'int'))
            return Val(tmp, 'int')
        elif name == 'kref_put':
            v = want(0, ('kref',))
            rel = want(1, ('func',))
            tmp = self.temp(env, 'int')
            self.step(line, v.checks, [f'npu_kref_dec({v.text}, {tmp})'])
            self.emit('if', line)
            self.emit(f':: {tmp} ->', line)
            self.ind += 1
            self.expand(rel.text, [Val(v.text, 'kref')])
            self.emit('skip')
            self.ind -= 1
            self.emit(':: else', line)
            self.emit('fi;', line)
            if lv is not None:
                self.store(n, lv, Val(tmp, 'int'))
            return Val(tmp, 'int')
        elif name in ('__mmu_notifier_register', 'mmu_notifier_register'):
            v = want(0, ('mn',))
            m = want(1, ('mm',))
            if lv is not None and lv.kind != 'int':
                raise Untranslatable(n, f'the result of {name}() stored in a {lv.kind}')
            tmp = lv.text if lv is not None else self.temp(env, 'int')
            self.step(line, (lv.checks if lv else []) + v.checks + m.checks,
                      [f'npu_mn_register({me}, {v.text}, {tmp}, {int(name.startswith("__"))})'])
            return Val(tmp, 'int')
        elif name == 'mmu_notifier_unregister':
            v = want(0, ('mn',))
            m = want(1, ('mm',))
            self.step(line, v.checks + m.checks, [f'npu_mn_unregister({me}, {v.text})'])
        elif name == 'WARN_ON':
            a = args[0] if args else None
            if a is None or len(args) != 1:
                raise Untranslatable(n, 'WARN_ON() with other than one argument')
            if isinstance(a, c_ast.UnaryOp) and a.op == '!' and isinstance(a.expr, c_ast.FuncCall) and \
                    self.call_name(a.expr) in STMT_STAND_INS:
                r = self.value_of(a.expr, env)
                v = Val(f'!({r.text})', 'bool')
            elif isinstance(a, c_ast.FuncCall) and self.call_name(a) in STMT_STAND_INS:
                r = self.value_of(a, env)
                v = Val(f'({r.text} != 0)', 'bool')
            else:
                v = self.expr(a, env)
            # the condition is evaluated once: its value is what WARN_ON
            # returns
            tmp = self.temp(env, 'int')
            self.step(line, v.checks, [f'{tmp} = {v.text}', f'npu_warn_on({tmp})'])
            v = Val(tmp, 'bool')
            if lv is not None:
                self.store(n, lv, v)
            return v
        elif name == 'WRITE_ONCE':
            target = self.lvalue(args[0], env)
            self.store(n, target, self.expr(args[1], env))
        elif name in ('opal_npu_init_context', 'opal_npu_destroy_context'):
            vals = [self.expr(a, env) for a in args]
            checks = sum((x.checks for x in vals), [])
            if lv is not None:
                self.store(n, lv, Val('0', 'int'), extra=checks)
            else:
                self.step(line, checks, ['skip'])
            return Val('0', 'int')
        elif name == 'of_property_read_u32':
            dn = want(0, ('hw',))
            want(1, ('string',))
            out = want(2, ('ref:int',))
            tmp = self.temp(env, 'int')
            # the GPU's link: GPU i on link i - 1
            self.step(line, dn.checks + out.checks, [f'{out.text} = {me} - 1', f'{tmp} = 0'])
            if lv is not None:
                self.store(n, lv, Val(tmp, 'int'))
            return Val(tmp, 'int')
        elif name in ('mm_context_add_copro', 'mm_context_remove_copro'):
            v = want(0, ('mm',))
            self.step(line, v.checks, ['skip'])
        else:
            raise Untranslatable(n, f'{name}() is not a stand-in known to the translator')
        return None

    def value_of(self, n, env):
        """A stand-in call whose value is used: its Val (the call is its own
        step, or steps, before the use)."""
        r = self.call_stmt(n, env, None)
        if r is None:
            raise Untranslatable(n, f'the value of {self.call_name(n)}() is used: not known to the translator')
        return r

    def store_after(self, n, lv, v, checks, effects):
        self.step(n.coord.line, lv.checks + checks, effects + [f'{lv.text} = {v.text}'])

    def temp(self, env, kind):
        self.ntemps += 1
        name = f'{env["prefix"]}_t{self.ntemps}'
        self.decls.append(f'{"short" if kind == "int" else "byte"} {name}')
        return name

    def s_If(self, n, env):
        c = n.cond
        line = n.coord.line
        if isinstance(c, c_ast.FuncCall) and self.call_name(c) in STMT_STAND_INS:
            r = self.value_of(c, env)
            cond = Val(r.text if r.kind == 'bool' else f'({r.text} != 0)', 'bool')
        else:
            cond = self.expr(c, env)
            if cond.kind not in ('bool', 'ctx', 'mm', 'hw', 'int'):
                raise Untranslatable(n, f'a condition that is a {cond.kind}')
            if cond.kind != 'bool':
                cond = Val(f'({cond.text} != 0)', 'bool', cond.checks)
            if cond.checks:
                tmp = self.temp(env, 'int')
                self.step(line, cond.checks, [f'{tmp} = {cond.text}'])
                cond = Val(tmp, 'bool')
        self.emit('if', line)
        self.emit(f':: {cond.text} ->', line)
        self.ind += 1
        self.stmt(n.iftrue, env)
        self.emit('skip')
        self.ind -= 1
        self.emit(':: else ->', line)
        self.ind += 1
        if n.iffalse is not None:
            self.stmt(n.iffalse, env)
        self.emit('skip')
        self.ind -= 1
        self.emit('fi;', line)

    def s_Return(self, n, env):
        line = n.coord.line
        if (n.expr is None) != env['void']:
            raise Untranslatable(n, 'a return whose value does not fit the function')
        if n.expr is None:
            eff = []
            checks = []
        else:
            v = self.expr(n.expr, env)
            checks = v.checks
            if v.kind == 'errptr':
                eff = ['npu_ret = 0', f'npu_err = {v.text}']
            elif v.kind in ('ctx', 'null'):
                eff = [f'npu_ret = {v.text}', 'npu_err = 0']
            else:
                raise Untranslatable(n, f'return of a {v.kind}')
        if checks or eff:
            self.step(line, checks, eff)
        self.emit(f'goto {env["end"]};', line)

    # functions --------------------------------------------------------------
    def expand(self, name, args):
        """The body of function name, its parameters bound to args (a
        list of Val, one per parameter), or None: parameters of the inline."""
        f = self.funcs[name]
        k = self.expansions.get(name, 0) + 1
        self.expansions[name] = k
        if name in self.active:
            raise Untranslatable(f, f'{name}() called from itself: not known to the translator')
        self.active.add(name)
        prefix = FUNCS[name][0] + ('' if k == 1 else str(k))
        env = {'prefix': prefix, 'vars': {}, 'end': f'{prefix}_end', 'params': set(),
               'void': type_str(f.decl.type.type) == 'void'}
        params = f.decl.type.args.params if f.decl.type.args else []
        if args is not None and len(args) != len(params):
            raise Untranslatable(f, f'{name}() called with {len(args)} argument(s), not {len(params)}')
        for i, p in enumerate(params):
            self.check_name(p)
            env['params'].add(p.name)
            if args is not None:
                if args[i].kind != TYPES.get(type_str(p.type)):
                    raise Untranslatable(p, f'{name}() called with a {args[i].kind} for {p.name}')
                env['vars'][p.name] = (args[i].text, args[i].kind)
            else:
                ts = type_str(p.type)
                kind = 'int' if ts == 'function pointer' else TYPES.get(ts)
                if kind is None:
                    raise Untranslatable(p, f'a parameter of type {ts}: not known to the translator')
                env['vars'][p.name] = (f'{prefix}_{p.name}', kind)
        self.emit(f'/* {name}() */', f.coord.line)
        self.stmt(f.body, env)
        self.emit(f'{env["end"]}: skip')
        self.active.discard(name)

    def entry(self, name):
        f = self.funcs[name]
        params = f.decl.type.args.params
        prefix = FUNCS[name][0]
        self.emit(f'inline {name}(me, {", ".join(prefix + "_" + p.name for p in params)}) {{')
        self.ind = 1
        self.expand(name, None)
        self.ind = 0
        self.emit('}')


# mutations ----------------------------------------------------------------
def find_calls(node, name, parent=None, found=None):
    """(parent compound, index, statement) of each statement of node that
    is a call of name or an assignment of one."""
    found = [] if found is None else found
    if isinstance(node, c_ast.Compound):
        for i, s in enumerate(node.block_items or []):
            call = s.rvalue if isinstance(s, c_ast.Assignment) else s
            if isinstance(call, c_ast.FuncCall) and Translator.call_name(call) == name:
                found.append((node, i, s))
            find_calls(s, name, node, found)
    else:
        for _, child in node.children():
            find_calls(child, name, node, found)
    return found


def move_to_release(dest, rel, name):
    """Move destroy's one call of name to the end of the release
    function (the code before 28a5933e8d36 did it there)."""
    calls = find_calls(dest, name)
    if len(calls) != 1 or find_calls(rel, name):
        return False
    blk, i, s = calls[0]
    del blk.block_items[i]
    rel.block_items.append(s)
    return True


def mutate(funcs, what):
    init = funcs['pnv_npu2_init_context'].body
    rel = funcs['pnv_npu2_release_context'].body
    dest = funcs['pnv_npu2_destroy_context'].body
    if what == 'unlocked-put':
        puts = find_calls(dest, 'kref_put')
        if len(puts) != 1:
            return False
        blk, i, _ = puts[0]
        items = blk.block_items
        if i == 0 or i + 1 >= len(items):
            return False
        before, after = items[i - 1], items[i + 1]
        if not (isinstance(before, c_ast.FuncCall) and Translator.call_name(before) == 'spin_lock' and
                isinstance(after, c_ast.FuncCall) and Translator.call_name(after) == 'spin_unlock'):
            return False
        del items[i + 1]
        del items[i - 1]
        return True
    if what in ('kfree-in-release', 'unregister-in-release'):
        return move_to_release(dest, rel, 'kfree' if what == 'kfree-in-release' else 'mmu_notifier_unregister')
    if what == 'lookup-outside-lock':
        locks = find_calls(init, 'spin_lock')
        if not locks:
            return False
        blk, i, _ = locks[0]
        items = blk.block_items
        nxt = items[i + 1] if i + 1 < len(items) else None
        if not (isinstance(nxt, c_ast.Assignment) and isinstance(nxt.rvalue, c_ast.StructRef) and
                Translator.member_path(nxt.rvalue)[0] == '->context.npu_context'):
            return False
        items[i], items[i + 1] = items[i + 1], items[i]
        return True
    if what in ('no-callback-check', 'no-priv-check'):
        hits = []

        def walk(node):
            if isinstance(node, c_ast.Compound):
                for i, s in enumerate(node.block_items or []):
                    if isinstance(s, c_ast.If) and 'release_cb' in c_text(s.cond):
                        hits.append((node, i))
                    walk(s)
            else:
                for _, c in node.children():
                    walk(c)
        walk(init)
        if len(hits) != 1:
            return False
        blk, i = hits[0]
        if what == 'no-callback-check':
            del blk.block_items[i]
            return True
        cond = blk.block_items[i].cond
        if not (isinstance(cond, c_ast.BinaryOp) and cond.op == '||' and 'priv' in c_text(cond.right)):
            return False
        blk.block_items[i].cond = cond.left
        return True
    raise SystemExit(f'c2promela.py: unknown mutation {what}: {", ".join(MUTATIONS)}')


def c_text(node):
    return c_generator.CGenerator().visit(node)


def promela(t):
    """The generated text: NPU_LOCALS (the functions' locals, which
    harness.pml declares once in each GPU's process: Promela scopes a
    declaration in an inline to that inline), then the two entry points."""
    text = ['#define NPU_LOCALS \\\n']
    text += [f'\t{d}; \\\n' for d in t.decls]
    text.append('\tskip\n')
    text += [f'{line}\t/* {tag} */\n' if tag else line + '\n' for line, tag in t.out]
    return ''.join(text)


def translate(path, what=None):
    """The Promela text of path's three functions (changed by mutation
    what first, if given); SystemExit with the reason when it cannot be
    made."""
    funcs = parse(path)
    missing = [f for f in FUNCS if f not in funcs]
    if missing:
        raise SystemExit(f'c2promela.py: {path}: not parsed: {", ".join(missing)}')
    if what and not mutate(funcs, what):
        raise SystemExit(f'c2promela.py: {path}: nothing to mutate for {what} ({MUTATIONS[what]})')
    t = Translator(funcs)
    try:
        for name in ENTRIES:
            t.entry(name)
    except Untranslatable as e:
        raise SystemExit(f'c2promela.py: {path}: {e}') from None
    return promela(t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mutate', choices=sorted(MUTATIONS))
    ap.add_argument('file')
    ap.add_argument('out')
    a = ap.parse_args()
    text = translate(a.file, a.mutate)
    with open(a.out, 'w', encoding='utf-8') as f:
        f.write(f'/* Generated by c2promela.py from {os.path.basename(a.file)}'
                f'{" with --mutate " + a.mutate if a.mutate else ""}; do not edit. */\n')
        f.write(text)

if __name__ == '__main__':
    main()
