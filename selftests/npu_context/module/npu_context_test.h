/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npu_context_test: stress test of the npu_context init/destroy protocol.
 *
 * Declarations shared by the engine (npu_test_engine.c), the built-in
 * models (npu_models.c) and the shim around a stable tree's real functions
 * (npu_tree.c).
 */
#ifndef NPU_CONTEXT_TEST_H
#define NPU_CONTEXT_TEST_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/pci.h>

#define NPU_TEST_MAX_GPUS	8
#define NPU_TEST_MAX_NPUS	2
#define NPU_TEST_MAX_LINKS	6

/* A fake GPU: its PCI function, the NPU it hangs off and its nvlink. */
struct npu_test_gpu {
	int index;
	int npu;
	int link;
	struct pci_dev *gpdev;		/* the "GPU" */
	struct pci_dev *npdev;		/* its NPU link device */
};

/*
 * The per-mm state the protocol works on.  On powerpc these are fields of
 * mm->context; x86 has no such fields, so the test keeps them here for its
 * one mm.
 */
struct npu_test_mm {
	struct mm_struct *mm;
	void *npu_context;		/* mm->context.npu_context */
	unsigned long id;		/* mm->context.id, never 0 */
	atomic_t copros;		/* mm->context.copros */
};

extern struct npu_test_mm npu_test_mm;
extern unsigned int npu_test_delay_us;

/* Leak and balance accounting, checked when the run ends. */
struct npu_test_counts {
	atomic_t allocs;		/* contexts allocated */
	atomic_t frees;			/* contexts freed */
	atomic_t notifiers;		/* notifiers registered, not unregistered */
	atomic_t opal;			/* OPAL contexts set up, not destroyed */
};

extern struct npu_test_counts npu_test_counts;

/* Stand-in for struct mmu_notifier: registration only; removal may sleep. */
struct npu_test_mn {
	struct list_head node;
	const void *ops;
};

/*
 * Like __mmu_notifier_register(), which takes an mm_count reference on
 * success; when the register scenario asks for it, it fails once with
 * -EINTR, as with a signal pending.  Unregistering a notifier that is not
 * registered is reported: mmu_notifier_unregister() would drop an
 * mm_count that was never taken.
 */
int npu_test_mn_register(struct npu_test_mn *mn, struct mm_struct *mm);
void npu_test_mn_unregister(struct npu_test_mn *mn, struct mm_struct *mm);

/* Delay injection: widens the windows of the race when delay_us is set. */
void npu_test_window(void);

/*
 * One implementation of the protocol under test.  A caller stands for one
 * driver's release callback and private data: init(gpu, 0) and
 * init(gpu, 1) pass different ones.
 */
struct npu_test_code {
	const char *name;
	/* called with current->mm == npu_test_mm.mm */
	void *(*init)(struct npu_test_gpu *gpu, int caller);
	void (*destroy)(void *ctx, struct npu_test_gpu *gpu);
	/* whose callback and private data ctx holds: 0, 1, or -1 (mixed) */
	int (*caller_of)(void *ctx);
	/* test-wide setup, after the fake GPUs exist; may be NULL */
	int (*setup)(struct npu_test_gpu *gpus, int ngpus);
	void (*teardown)(void);
};

extern const struct npu_test_code npu_model_unfixed;
extern const struct npu_test_code npu_model_fixed;
#ifdef NPU_TEST_TREE
extern const struct npu_test_code npu_tree_code;
#endif

#endif /* NPU_CONTEXT_TEST_H */
