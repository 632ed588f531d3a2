/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The environment of the three functions and the properties checked: the
 * same for every tree.  check-model puts stand-ins.pml, the functions
 * c2promela.py made from a tree's npu-dma.c and this file together.
 *
 * NGPU GPUs (processes) of one mm.  Each runs CYCLES times what a driver
 * does, as the functions' contract says:
 *
 *	mmap_write_lock(mm); ctx = init(gpu, flags, cb, priv); mmap_write_unlock(mm);
 *	use ctx; destroy(ctx, gpu);
 *
 * Scenarios (spin -D...):
 *   REG_FAIL   any notifier registration may fail (-EINTR)
 *   OTHER_CB   GPU NGPU passes another callback, other private data,
 *              or both (any of the three)
 *   SEQUENCED  no concurrency: GPU k inits after GPU k-1's init returned,
 *              and destroys after GPU k+1's destroy (CYCLES 1), so the
 *              later inits find the context the earlier ones hold
 * Lines tagged "@step TEXT" are the caller's steps, as check-model prints
 * them in a counterexample.
 */
byte finished;
#ifdef SEQUENCED
byte inited, destroyed;
#endif

proctype gpu(byte me)
{
	byte cycle, ctx, cb = 1, priv = 1;
	short npu_err;
	byte npu_ret;
	NPU_LOCALS;

#ifdef OTHER_CB
	if
	:: me == NGPU ->
		if
		:: cb = 2	/* @note this GPU passes another callback */
		:: priv = 2	/* @note this GPU passes other private data */
		:: cb = 2; priv = 2	/* @note this GPU passes another callback and other private data */
		fi
	:: else
	fi;
#endif
	for (cycle : 1 .. CYCLES) {
#ifdef SEQUENCED
		inited == me - 1;
#endif
		atomic { mmap_sem_writer == 0 -> mmap_sem_writer = me; npu_ret = 0; npu_err = 1 }	/* @step mmap_write_lock(mm) */
		pnv_npu2_init_context(me, me, 0, cb, priv);
		ctx = npu_ret;	/* @step ctx = pnv_npu2_init_context(...) */
		mmap_sem_writer = 0;	/* @step mmap_write_unlock(mm) */
#ifdef SEQUENCED
		inited++;
		inited == NGPU && destroyed == NGPU - me;
#if defined(OTHER_CB)
		assert(me != NGPU || me == 1 || npu_err == -EINVAL);	/* @check callback: an init with other callback data, while the mm has a context, did not get -EINVAL */
#endif
#endif
		if
		:: npu_err == 0 ->
			atomic {
				assert(LIVE(ctx));	/* @step the GPU uses ctx @check race: the context init returned is freed */
				assert(ctx_release_cb[ctx] == cb && ctx_priv[ctx] == priv)	/* @step the GPU uses ctx @check callback: the callback data of the caller's context are another caller's */
			}
			pnv_npu2_destroy_context(me, ctx, me)	/* @step pnv_npu2_destroy_context(ctx, ...) */
		:: npu_err == -EINTR ->
#ifndef REG_FAIL
			assert(false)	/* @check harness: init returned -EINTR, and no registration failed */
#endif
		:: npu_err == -EINVAL ->
#ifndef OTHER_CB
			assert(false)	/* @check harness: init returned -EINVAL, and all callers pass the same callback */
#endif
		:: npu_err == 1 ->
			assert(false)	/* @check harness: init ended without a return */
		:: else ->
			assert(false)	/* @check harness: init returned an error the model never causes */
		fi;
#ifdef SEQUENCED
		destroyed++;
#endif
		ctx = 0
	}
	finished++
}

/* the mm never points at a freed context, in any state */
proctype mm_invariant()
{
	assert(mm_npu_context == 0 || !ctx_freed[mm_npu_context])	/* @check race: mm->context.npu_context points at a freed context */
}

init {
	byte i;

	atomic {
		for (i : 1 .. NGPU) {
			run gpu(i)
		}
		run mm_invariant()
	}
	finished == NGPU;
	assert(mm_npu_context == 0);	/* @check leak: after the last destroy the mm still points at a context */
	for (i : 1 .. nalloc) {
		assert(ctx_freed[i]);	/* @check leak: a context was never freed */
		assert(!ctx_mn_registered[i])	/* @check leak: a notifier is still registered */
	}
	assert(mm_count == 0)	/* @check leak: mm references of notifiers are left */
}
