/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The npu_context init/destroy protocol, for spin: every interleaving of
 * NGPU GPUs (processes) of one mm, each running CYCLES init/destroy pairs.
 *
 *   spin -a [-DFIXED] [-DNGPU=3] npu_context.pml && cc -o pan pan.c && ./pan
 *
 * Without FIXED: the v4.12..v4.16 protocol.  With FIXED: after upstream
 * 28a5933.  A context is never reused once freed, so "freed" is exact.
 * Assertions: no reference is taken on a freed context or on a zero count
 * (kref_get on 0: use-after-free), no context is used after it is freed,
 * and at the end the mm points at no context and every context is freed.
 */
#ifndef NGPU
#define NGPU	2
#endif
#ifndef CYCLES
#define CYCLES	2
#endif
#define NCTX	(NGPU * CYCLES + 1)	/* slot 0 is NULL */

byte ptr;			/* mm->context.npu_context */
byte ref[NCTX];			/* kref of each context */
bool freed[NCTX];
byte nalloc;			/* contexts allocated so far */
bool mmap_lock;			/* mmap_sem, held for write by init */
bool spin_lock;			/* npu_context_lock (FIXED only) */
byte finished;

inline lock(l)   { atomic { !l -> l = true } }
inline unlock(l) { l = false }

inline alloc(c) {
	atomic { nalloc++; c = nalloc; ref[c] = 1 }
}

proctype gpu(byte id)
{
	byte c, cycle;
	bool removed;

	for (cycle : 1 .. CYCLES) {
		/* init: called with mmap_sem held for write */
		lock(mmap_lock);
#ifdef FIXED
		lock(spin_lock);
		c = ptr;
		if
		:: c != 0 ->
			assert(!freed[c]);
			assert(ref[c] > 0);	/* kref_get_unless_zero() */
			ref[c]++
		:: else
		fi;
		unlock(spin_lock);
		if
		:: c == 0 -> alloc(c); ptr = c
		:: else
		fi;
#else
		c = ptr;
		if
		:: c == 0 -> alloc(c); ptr = c
		:: else ->
			assert(!freed[c]);	/* kref_get() on freed memory */
			assert(ref[c] > 0);	/* kref_get() on a zero count */
			ref[c]++
		fi;
#endif
		unlock(mmap_lock);

		/* the GPU uses its context */
		assert(!freed[c]);

		/* destroy: no mmap_sem */
		assert(!freed[c]);
#ifdef FIXED
		lock(spin_lock);
		ref[c]--;
		removed = (ref[c] == 0);
		if
		:: removed -> ptr = 0	/* the kref release */
		:: else
		fi;
		unlock(spin_lock);
		if
		:: removed -> freed[c] = true	/* notifier unregister + kfree */
		:: else
		fi;
#else
		ref[c]--;
		if
		:: ref[c] == 0 ->	/* the kref release */
			ptr = 0;
			freed[c] = true
		:: else
		fi;
#endif
		c = 0
	}
	finished++
}

init {
	byte i;

	atomic {
		for (i : 1 .. NGPU) {
			run gpu(i)
		}
	}
	finished == NGPU;
	assert(ptr == 0);
	for (i : 1 .. nalloc) {
		assert(freed[i] && ref[i] == 0)
	}
}
