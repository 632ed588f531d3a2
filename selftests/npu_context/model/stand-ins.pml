/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Promela stand-ins for what pnv_npu2_init_context(),
 * pnv_npu2_release_context() and pnv_npu2_destroy_context() call: one
 * fixed library, written once, the same for every tree.  c2promela.py
 * translates the three functions of an npu-dma.c into calls of these
 * inlines (and the few expressions listed in its STAND_INS table);
 * harness.pml runs them.  Documentation/npu-context-model.rst lists them.
 *
 * State: one mm (MM), the contexts kzalloc() returned (index 1..nalloc,
 * 0 is NULL, an index is never reused, so "freed" is exact), the two
 * locks (the GPU holding them, 0 for none), the notifier registrations
 * and the mm references they took.
 *
 * A line tagged "@check CLASS: TEXT" is an assertion: pan's trail names
 * the line, check-model prints CLASS and TEXT.  The classes: "race" (a
 * context used, taken or freed when it must not be), "warn" (a WARN_ON
 * fires: in these functions only when a dying context is found, the race
 * too), "register" (a failed notifier registration, upstream
 * 720c84046c26), "callback" (upstream a1409adac748), "lockdep" (a
 * locking contract broken), "atomic" (a call that may sleep, under the
 * spinlock), "leak" (the end state) and, in harness.pml, "harness" (the
 * callers got what the model never gives).
 */
#ifndef NGPU
#define NGPU	2
#endif
#ifndef CYCLES
#define CYCLES	2
#endif
#define NCTX	(NGPU * CYCLES + 1)	/* kzalloc() at most once per init */
#define MM	1			/* current->mm of every GPU */

/* errno values; a negative int is an error, as in the kernel */
#define EINTR	4
#define ENOMEM	12
#define ENODEV	19
#define EINVAL	22
#define ENOSPC	28

byte mm_npu_context;		/* mm->context.npu_context */
short mm_count;			/* mm references held by registered notifiers */
byte mmap_sem_writer;		/* the GPU holding mm->mmap_sem for write */
byte npu_context_lock_owner;	/* the GPU holding npu_context_lock */

byte nalloc;			/* contexts kzalloc() returned so far */
bit ctx_freed[NCTX];
byte ctx_kref[NCTX];		/* struct kref, as its count */
byte ctx_mm[NCTX];		/* ->mm */
byte ctx_release_cb[NCTX];	/* ->release_cb: the caller's callback, 1.. */
byte ctx_priv[NCTX];		/* ->priv: the caller's private data, 1.. */
bit ctx_nmmu_flush[NCTX];	/* ->nmmu_flush (v4.15 on) */
bit ctx_mn_registered[NCTX];	/* ->mn is on the mm's notifier list */

/* a context pointer that may be dereferenced: not NULL, not freed */
#define LIVE(c)		((c) != 0 && !ctx_freed[c])
/* an mm pointer that may be dereferenced */
#define MM_OK(m)	((m) == MM)

/* might_sleep(), and every call that may sleep: not in atomic context */
inline may_sleep(me) {
	assert(npu_context_lock_owner != me)	/* @check atomic: a call that may sleep, with npu_context_lock (a spinlock) held */
}

/* kzalloc(sizeof(struct npu_context), GFP_KERNEL): never fails */
inline npu_kzalloc(me, c) {
	may_sleep(me);
	nalloc++;
	c = nalloc
}

/* kfree(): NULL is allowed */
inline npu_kfree(c) {
	if
	:: c != 0 ->
		assert(!ctx_freed[c]);	/* @check race: kfree() of a context already freed */
		ctx_freed[c] = 1
	:: else
	fi
}

inline npu_kref_init(c) {
	ctx_kref[c] = 1
}

/* kref_get(): refcount_t warns on an increment from 0 */
inline npu_kref_get(c) {
	assert(ctx_kref[c] > 0);	/* @check race: kref_get() on a count of 0 (refcount_t: increment on 0; use-after-free) */
	ctx_kref[c]++
}

inline npu_kref_get_unless_zero(c, r) {
	if
	:: ctx_kref[c] > 0 -> ctx_kref[c]++; r = 1
	:: else -> r = 0	/* @note the count is 0: kref_get_unless_zero() fails */
	fi
}

/* kref_put(), its first half: the atomic decrement; r = 1 if it hit 0
 * (the caller then runs the release function, as kref_put() does) */
inline npu_kref_dec(c, r) {
	assert(ctx_kref[c] > 0);	/* @check race: kref_put() on a count of 0 (refcount_t: underflow; use-after-free) */
	ctx_kref[c]--;
	r = (ctx_kref[c] == 0)
}

/* __mmu_notifier_register() (held = 1), whose caller holds mmap_sem for
 * write, or mmu_notifier_register() (held = 0), which takes it: takes an
 * mm reference (mmgrab); with REG_FAIL it may fail instead, with -EINTR,
 * as it does with a signal pending */
inline npu_mn_register(me, c, r, held) {
	may_sleep(me);
	assert(!held || mmap_sem_writer == me);	/* @check lockdep: __mmu_notifier_register() without mmap_sem held for write */
	assert(held || mmap_sem_writer != me);	/* @check lockdep: mmu_notifier_register() with mmap_sem held: it takes it itself (deadlock) */
	assert(!ctx_mn_registered[c]);	/* @check register: a notifier registered twice */
	if
	:: ctx_mn_registered[c] = 1; mm_count++; r = 0
#ifdef REG_FAIL
	:: r = -EINTR	/* @note the registration fails: -EINTR */
#endif
	fi
}

/* mmu_notifier_unregister(): drops the reference the registration took
 * (mmdrop); one never taken is an mm freed early */
inline npu_mn_unregister(me, c) {
	may_sleep(me);
	assert(ctx_mn_registered[c]);	/* @check register: mmu_notifier_unregister() of a notifier never registered: mmdrop() of an mm reference never taken */
	ctx_mn_registered[c] = 0;
	mm_count--
}

inline npu_spin_lock(me) {
	atomic { npu_context_lock_owner == 0 -> npu_context_lock_owner = me }
}

inline npu_spin_unlock(me) {
	assert(npu_context_lock_owner == me);	/* @check lockdep: spin_unlock() of npu_context_lock not held */
	npu_context_lock_owner = 0
}

inline npu_assert_spin_held(me) {
	assert(npu_context_lock_owner == me)	/* @check lockdep: lockdep_assert_held(&npu_context_lock) fails */
}

inline npu_assert_mmap_write_held(me) {
	assert(mmap_sem_writer == me)	/* @check lockdep: lockdep_assert_held_exclusive(&mm->mmap_sem) fails */
}

/* WARN_ON(x) that fires: the kernel's way of saying a bug was seen */
inline npu_warn_on(x) {
	assert(!(x))	/* @check warn: WARN_ON() fires */
}
