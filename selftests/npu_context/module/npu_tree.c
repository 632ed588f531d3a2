// SPDX-License-Identifier: GPL-2.0
/*
 * Tree mode of npu_context_test: a stable tree's real
 * pnv_npu2_init_context() / pnv_npu2_destroy_context(), extracted at build
 * time into npu_tree_extract.c (see extract-tree.sh), driven by the engine
 * through the stand-ins of npu_tree_shim.h.
 */
#include <linux/slab.h>

#include "npu_context_test.h"

/* The stand-ins must call the real allocator, not the counting macros. */
static void *npu_shim_real_kzalloc(size_t size, gfp_t gfp)
{
	return kzalloc(size, gfp);
}

static void npu_shim_real_kfree(const void *p)
{
	kfree(p);
}

#include "npu_tree_shim.h"

struct npu_shim_phb {
	struct pnv_phb phb;
	struct npu_shim_hose hose;
};

static struct npu_shim_phb npu_shim_phbs[NPU_TEST_MAX_NPUS];
static struct npu_test_gpu *npu_shim_gpus;
static int npu_shim_ngpus;

void *npu_shim_kzalloc(size_t size, gfp_t gfp)
{
	void *p = npu_shim_real_kzalloc(size, gfp);

	if (p)
		atomic_inc(&npu_test_counts.allocs);
	return p;
}

void npu_shim_kfree(const void *p)
{
	if (p)
		atomic_inc(&npu_test_counts.frees);
	npu_shim_real_kfree(p);
}

struct npu_test_mm *npu_shim_mm(struct mm_struct *mm)
{
	WARN_ON(mm != npu_test_mm.mm);
	npu_test_window();
	return &npu_test_mm;
}

struct pci_dev *pnv_pci_get_npu_dev(struct pci_dev *gpdev, int index)
{
	int i;

	for (i = 0; i < npu_shim_ngpus; i++)
		if (npu_shim_gpus[i].gpdev == gpdev && index == 0)
			return npu_shim_gpus[i].npdev;
	return NULL;
}

int64_t opal_npu_init_context(u64 phb_id, int pasid, u64 msr, u64 bdf)
{
	atomic_inc(&npu_test_counts.opal);
	return 0;
}

int64_t opal_npu_destroy_context(u64 phb_id, u64 pid, u64 bdf)
{
	WARN_ON(atomic_dec_return(&npu_test_counts.opal) < 0);
	return 0;
}

#include "npu_tree_extract.c"

/*
 * Two callers' release callbacks and private data.  The callbacks are
 * never called here (the notifier's release is not part of the test);
 * their bodies differ so that the compiler cannot fold them into one.
 */
static int npu_tree_priv[2];

#ifdef NPU_TREE_CB_VOID
static void npu_tree_release_cb0(struct npu_context *ctx, void *priv)
{
	WRITE_ONCE(npu_tree_priv[0], 1);
}

static void npu_tree_release_cb1(struct npu_context *ctx, void *priv)
{
	WRITE_ONCE(npu_tree_priv[1], 1);
}
#else
static struct npu_context *npu_tree_release_cb0(struct npu_context *ctx, void *priv)
{
	WRITE_ONCE(npu_tree_priv[0], 1);
	return ctx;
}

static struct npu_context *npu_tree_release_cb1(struct npu_context *ctx, void *priv)
{
	WRITE_ONCE(npu_tree_priv[1], 1);
	return ctx;
}
#endif

static void *npu_tree_init(struct npu_test_gpu *gpu, int caller)
{
	return pnv_npu2_init_context(gpu->gpdev, 0,
				     caller ? npu_tree_release_cb1 : npu_tree_release_cb0,
				     &npu_tree_priv[caller]);
}

static void npu_tree_destroy(void *ctx, struct npu_test_gpu *gpu)
{
	pnv_npu2_destroy_context(ctx, gpu->gpdev);
}

static int npu_tree_caller_of(void *p)
{
	struct npu_context *ctx = p;

	if (ctx->release_cb == npu_tree_release_cb0 && ctx->priv == &npu_tree_priv[0])
		return 0;
	if (ctx->release_cb == npu_tree_release_cb1 && ctx->priv == &npu_tree_priv[1])
		return 1;
	return -1;
}

static int npu_tree_setup(struct npu_test_gpu *gpus, int ngpus)
{
	int i;

	for (i = 0; i < NPU_TEST_MAX_NPUS; i++) {
		struct npu_shim_phb *p = &npu_shim_phbs[i];

		p->phb.opal_id = i;
		p->phb.npu.index = i;
		/*
		 * v4.15+ add a copro reference per init and drop one per
		 * release; with nmmu_flush set they do neither (see
		 * Documentation/npu-context-race.rst).
		 */
		p->phb.npu.nmmu_flush = true;
		p->hose.private_data = &p->phb;
	}
	for (i = 0; i < ngpus; i++) {
		gpus[i].npdev->bus->sysdata = &npu_shim_phbs[gpus[i].npu].hose;
		gpus[i].npdev->dev.of_node = (struct device_node *)&gpus[i];
	}
	npu_shim_gpus = gpus;
	npu_shim_ngpus = ngpus;
	return 0;
}

const struct npu_test_code npu_tree_code = {
	.name = "tree",
	.init = npu_tree_init,
	.destroy = npu_tree_destroy,
	.caller_of = npu_tree_caller_of,
	.setup = npu_tree_setup,
};
