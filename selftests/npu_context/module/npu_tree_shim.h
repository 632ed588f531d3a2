/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the real pnv_npu2_{init,release,destroy}_context() of a v4.12..v4.16
 * tree need from powerpc, provided for the tree mode of npu_context_test:
 * OPAL calls, the PCI/OF look-ups of the NPU link, the PHB, mm->context
 * (see extract-tree.sh) and copro accounting.  Everything here is a
 * stand-in of ours; the tree's code is compiled unchanged but for the one
 * rewrite extract-tree.sh makes.
 *
 * It builds on any arch: on x86_64 for the QEMU runs, and on powerpc (as
 * build-test does) where the kernel's headers declare the real functions.
 * So every name the stand-ins share with powerpc is mapped to an npu_shim_
 * or npu_tree_ one first: the module never calls or clashes with the
 * kernel's own OPAL or NPU code.  Include this after every header.
 */
#ifndef NPU_TREE_SHIM_H
#define NPU_TREE_SHIM_H

#include <linux/err.h>
#include <linux/kref.h>
#include <linux/lockdep.h>
#include <linux/mm_types.h>
#include <linux/of.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "npu_compat.h"
#include "npu_context_test.h"

/* names the stand-ins share with powerpc's headers */
#define pci_bus_to_host		npu_shim_pci_bus_to_host
#define pnv_pci_get_npu_dev	npu_shim_pnv_pci_get_npu_dev
#define opal_npu_init_context	npu_shim_opal_npu_init_context
#define opal_npu_destroy_context	npu_shim_opal_npu_destroy_context
#define mm_context_add_copro	npu_shim_mm_context_add_copro
#define mm_context_remove_copro	npu_shim_mm_context_remove_copro
#define pnv_npu2_init_context	npu_tree_pnv_npu2_init_context
#define pnv_npu2_destroy_context	npu_tree_pnv_npu2_destroy_context

/* asm/book3s/64/mmu.h */
#ifndef NV_MAX_NPUS
#define NV_MAX_NPUS	8
#endif

/* firmware features: this is always an OPAL machine (a macro on powerpc) */
#ifndef FW_FEATURE_OPAL
#define FW_FEATURE_OPAL		0
#endif
#undef firmware_has_feature
#define firmware_has_feature(f)	(1)

/* struct pnv_phb, reduced to what the NPU context code reads */
struct npu {
	int index;
	bool nmmu_flush;
};

struct pnv_phb {
	u64 opal_id;
	struct npu npu;
};

/* powerpc's struct pci_controller: the fake bus's sysdata points at one */
struct npu_shim_hose {
	void *private_data;		/* struct pnv_phb */
};

static inline struct npu_shim_hose *pci_bus_to_host(const struct pci_bus *bus)
{
	return bus->sysdata;
}

struct pci_dev *pnv_pci_get_npu_dev(struct pci_dev *gpdev, int index);

/* The NPU link device's of_node is its struct npu_test_gpu (see setup). */
static inline struct device_node *npu_shim_of_parse_phandle(const struct device_node *np,
							    const char *name, int index)
{
	return (struct device_node *)np;
}

static inline int npu_shim_of_property_read_u32(const struct device_node *np,
						const char *name, u32 *val)
{
	const struct npu_test_gpu *gpu = (const struct npu_test_gpu *)np;

	if (!gpu || strcmp(name, "ibm,npu-link-index"))
		return -EINVAL;
	*val = gpu->link;
	return 0;
}

#define of_parse_phandle	npu_shim_of_parse_phandle
#define of_property_read_u32	npu_shim_of_property_read_u32

int64_t opal_npu_init_context(u64 phb_id, int pasid, u64 msr, u64 bdf);
int64_t opal_npu_destroy_context(u64 phb_id, u64 pid, u64 bdf);

/* mm->context, rewritten by extract-tree.sh to npu_shim_mm(mm)-> */
struct npu_test_mm *npu_shim_mm(struct mm_struct *mm);

static inline void mm_context_add_copro(struct mm_struct *mm)
{
	atomic_inc(&npu_shim_mm(mm)->copros);
}

static inline void mm_context_remove_copro(struct mm_struct *mm)
{
	WARN_ON(atomic_dec_return(&npu_shim_mm(mm)->copros) < 0);
}

/* the notifier: registration only; unregistering may sleep */
#define mmu_notifier		npu_test_mn
#define __mmu_notifier_register	npu_test_mn_register
#define mmu_notifier_unregister	npu_test_mn_unregister
static const int nv_nmmu_notifier_ops;

/* the tree's code says mmap_sem; 5.8 renamed it (see npu_compat.h) */
#ifdef NPU_HAVE_MMAP_LOCK
#define mmap_sem		mmap_lock
#endif

/*
 * the tree's exported functions, declared as asm/powernv.h does; the
 * callback returns void from upstream a1409adac748 on (Kbuild tells)
 */
struct npu_context;
#ifdef NPU_TREE_CB_VOID
struct npu_context *pnv_npu2_init_context(struct pci_dev *gpdev, unsigned long flags,
					  void (*cb)(struct npu_context *, void *),
					  void *priv);
#else
struct npu_context *pnv_npu2_init_context(struct pci_dev *gpdev, unsigned long flags,
					  struct npu_context *(*cb)(struct npu_context *, void *),
					  void *priv);
#endif
void pnv_npu2_destroy_context(struct npu_context *npu_context, struct pci_dev *gpdev);

/* count the contexts the code allocates and frees */
void *npu_shim_kzalloc(size_t size, gfp_t gfp);
void npu_shim_kfree(const void *p);
#define kzalloc(size, gfp)	npu_shim_kzalloc(size, gfp)
#define kfree(p)		npu_shim_kfree(p)

#endif /* NPU_TREE_SHIM_H */
