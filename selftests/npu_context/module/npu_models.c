// SPDX-License-Identifier: GPL-2.0
/*
 * Models of the npu_context init/destroy protocol, written from its
 * description in Documentation/npu-context-race.rst (no kernel code
 * copied).  They keep what matters for the three bugs and nothing else:
 * the context shared by all GPUs of an mm, its kref, the mm's pointer to
 * it, the notifier whose registration can fail and whose removal may
 * sleep, the per-GPU slots, and the one caller's callback data.
 *
 * unfixed: the v4.12..v4.16 protocol.  init finds the context through the
 *	mm and takes a reference with no lock against destroy; the kref
 *	release clears the mm's pointer, unregisters the notifier and frees
 *	the context.  A destroy dropping the last reference can free the
 *	context that a concurrent init on another GPU has just found.  init
 *	ignores a failed notifier registration, and every init stores its
 *	caller's callback data over the previous caller's.
 *
 * fixed: the protocol after upstream 720c84046c26, 28a5933 and
 *	a1409adac748.  The lookup with its reference grab, and kref_put()
 *	with the clearing of the pointer, run under one spinlock;
 *	unregistering and freeing happen after the unlock.  A failed
 *	registration frees the new context and init returns the error; an
 *	init with another caller's callback data gets -EINVAL.  It also
 *	carries the checks of the -lockdep series, so that the negative
 *	controls can show them firing.
 */
#include <linux/err.h>
#include <linux/kref.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "npu_compat.h"
#include "npu_context_test.h"

struct npu_model_ctx {
	struct kref kref;
	struct mm_struct *mm;
	struct npu_test_mn mn;
	struct pci_dev *npdev[NPU_TEST_MAX_NPUS][NPU_TEST_MAX_LINKS];
	int caller;		/* whose release callback and private data */
};

static struct npu_model_ctx *npu_model_alloc(struct mm_struct *mm)
{
	struct npu_model_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return NULL;
	atomic_inc(&npu_test_counts.allocs);
	ctx->mm = mm;
	return ctx;
}

static void npu_model_free(struct npu_model_ctx *ctx)
{
	atomic_inc(&npu_test_counts.frees);
	kfree(ctx);
}

/* unfixed */

static int npu_model_caller_of(void *p)
{
	struct npu_model_ctx *ctx = p;

	return ctx->caller;
}

static void *unfixed_init(struct npu_test_gpu *gpu, int caller)
{
	struct mm_struct *mm = current->mm;
	struct npu_model_ctx *ctx;

	ctx = npu_test_mm.npu_context;
	npu_test_window();
	if (!ctx) {
		ctx = npu_model_alloc(mm);
		if (!ctx)
			return ERR_PTR(-ENOMEM);
		npu_test_mm.npu_context = ctx;
		npu_test_mn_register(&ctx->mn, mm);
		kref_init(&ctx->kref);
	} else {
		kref_get(&ctx->kref);
	}
	ctx->caller = caller;
	ctx->npdev[gpu->npu][gpu->link] = gpu->npdev;
	return ctx;
}

static void unfixed_release(struct kref *kref)
{
	struct npu_model_ctx *ctx = container_of(kref, struct npu_model_ctx, kref);

	npu_test_window();
	npu_test_mm.npu_context = NULL;
	npu_test_mn_unregister(&ctx->mn, ctx->mm);
	npu_model_free(ctx);
}

static void unfixed_destroy(void *p, struct npu_test_gpu *gpu)
{
	struct npu_model_ctx *ctx = p;

	ctx->npdev[gpu->npu][gpu->link] = NULL;
	kref_put(&ctx->kref, unfixed_release);
}

const struct npu_test_code npu_model_unfixed = {
	.name = "unfixed",
	.init = unfixed_init,
	.destroy = unfixed_destroy,
	.caller_of = npu_model_caller_of,
};

/* fixed */

static DEFINE_SPINLOCK(npu_model_lock);

static void *fixed_init(struct npu_test_gpu *gpu, int caller)
{
	struct mm_struct *mm = current->mm;
	struct npu_model_ctx *ctx;
	int rc;

	might_sleep();
	lockdep_assert_held_write(npu_mmap_lock(mm));

	spin_lock(&npu_model_lock);
	ctx = npu_test_mm.npu_context;
	npu_test_window();
	if (ctx) {
		if (ctx->caller != caller) {
			spin_unlock(&npu_model_lock);
			return ERR_PTR(-EINVAL);
		}
		WARN_ON(!kref_get_unless_zero(&ctx->kref));
	}
	spin_unlock(&npu_model_lock);

	if (!ctx) {
		/* not visible to destroy until returned; mmap lock orders inits */
		ctx = npu_model_alloc(mm);
		if (!ctx)
			return ERR_PTR(-ENOMEM);
		kref_init(&ctx->kref);
		ctx->caller = caller;
		rc = npu_test_mn_register(&ctx->mn, mm);
		if (rc) {
			npu_model_free(ctx);
			return ERR_PTR(rc);
		}
		npu_test_mm.npu_context = ctx;
	}
	WRITE_ONCE(ctx->npdev[gpu->npu][gpu->link], gpu->npdev);
	return ctx;
}

static void fixed_release(struct kref *kref)
	__must_hold(&npu_model_lock)
{
	lockdep_assert_held(&npu_model_lock);
	npu_test_window();
	npu_test_mm.npu_context = NULL;
}

static void fixed_destroy(void *p, struct npu_test_gpu *gpu)
{
	struct npu_model_ctx *ctx = p;
	int removed;

	might_sleep();
	WRITE_ONCE(ctx->npdev[gpu->npu][gpu->link], NULL);

	spin_lock(&npu_model_lock);
	removed = kref_put(&ctx->kref, fixed_release);
	spin_unlock(&npu_model_lock);

	/* unregistering may sleep, as with SRCU: never under the spinlock */
	if (removed) {
		npu_test_mn_unregister(&ctx->mn, ctx->mm);
		npu_model_free(ctx);
	}
}

const struct npu_test_code npu_model_fixed = {
	.name = "fixed",
	.init = fixed_init,
	.destroy = fixed_destroy,
	.caller_of = npu_model_caller_of,
};
