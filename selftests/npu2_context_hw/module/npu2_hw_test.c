// SPDX-License-Identifier: GPL-2.0
/*
 * npu2_hw_test: drive the exported pnv_npu2_init_context() and
 * pnv_npu2_destroy_context() on a POWER9 machine with NVLink2 GPUs, from
 * the threads of one user process.
 *
 * debugfs npu2_hw_test/gpus: read: the number of GPUs with an NPU link.
 * debugfs npu2_hw_test/ctl:  write "cycle G N": the calling thread runs N
 *	init/destroy cycles on GPU G, init with mmap_sem held for write as
 *	its contract says, destroy without it.  While a thread holds a
 *	context, every other GPU held by the same process must have been
 *	given the same context (one per mm); a mismatch or an error fails the
 *	write with -EIO.  Read: "cycles=... errors=... mismatches=...".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <asm/pci.h>
#include <asm/powernv.h>

#define NPU2_HW_MAX_GPUS	16

static struct pci_dev *gpus[NPU2_HW_MAX_GPUS];
static int ngpus;
static struct dentry *dir;

/* what each GPU currently holds, to check that one mm shares one context */
static DEFINE_MUTEX(held_lock);
static struct npu_context *held[NPU2_HW_MAX_GPUS];
static struct mm_struct *held_mm[NPU2_HW_MAX_GPUS];
static atomic_long_t cycles, errors, mismatches;

/* its type follows asm/powernv.h: void from upstream a1409adac748 on */
#ifdef NPU2_HW_CB_VOID
static void npu2_hw_release_cb(struct npu_context *ctx, void *priv)
{
}
#else
static struct npu_context *npu2_hw_release_cb(struct npu_context *ctx, void *priv)
{
	return ctx;
}
#endif

static int npu2_hw_hold(int g, struct npu_context *ctx)
{
	int i, bad = 0;

	mutex_lock(&held_lock);
	for (i = 0; i < ngpus; i++)
		if (i != g && held[i] && held_mm[i] == current->mm && held[i] != ctx)
			bad = 1;
	held[g] = ctx;
	held_mm[g] = current->mm;
	mutex_unlock(&held_lock);
	return bad;
}

static void npu2_hw_unhold(int g)
{
	mutex_lock(&held_lock);
	held[g] = NULL;
	held_mm[g] = NULL;
	mutex_unlock(&held_lock);
}

static int npu2_hw_cycle(int g)
{
	struct mm_struct *mm = current->mm;
	struct npu_context *ctx;

	down_write(&mm->mmap_sem);
	ctx = pnv_npu2_init_context(gpus[g], 0, npu2_hw_release_cb, NULL);
	up_write(&mm->mmap_sem);
	if (IS_ERR_OR_NULL(ctx)) {
		pr_err("init on GPU %d (%s) returned %ld\n", g, pci_name(gpus[g]),
		       PTR_ERR(ctx));
		atomic_long_inc(&errors);
		return -EIO;
	}
	if (npu2_hw_hold(g, ctx)) {
		pr_err("GPU %d was given a different context than another GPU of this mm\n", g);
		atomic_long_inc(&mismatches);
	}
	cond_resched();
	npu2_hw_unhold(g);
	pnv_npu2_destroy_context(ctx, gpus[g]);
	atomic_long_inc(&cycles);
	return 0;
}

static ssize_t ctl_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	char buf[32];
	unsigned int g, n, i;
	long before = atomic_long_read(&mismatches);

	if (!current->mm)
		return -EINVAL;
	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "cycle %u %u", &g, &n) != 2 || g >= ngpus)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (npu2_hw_cycle(g))
			return -EIO;
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	if (atomic_long_read(&mismatches) != before)
		return -EIO;
	return len;
}

static ssize_t ctl_read(struct file *file, char __user *ubuf, size_t len,
			loff_t *ppos)
{
	char buf[96];
	int n = scnprintf(buf, sizeof(buf), "cycles=%ld errors=%ld mismatches=%ld\n",
			  atomic_long_read(&cycles), atomic_long_read(&errors),
			  atomic_long_read(&mismatches));

	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations ctl_fops = {
	.owner = THIS_MODULE,
	.read = ctl_read,
	.write = ctl_write,
	.llseek = default_llseek,
};

static ssize_t gpus_read(struct file *file, char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	char buf[16];
	int n = scnprintf(buf, sizeof(buf), "%d\n", ngpus);

	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations gpus_fops = {
	.owner = THIS_MODULE,
	.read = gpus_read,
	.llseek = default_llseek,
};

static int __init npu2_hw_init(void)
{
	struct pci_dev *pdev = NULL;

	/* every GPU that has an NPU link */
	for_each_pci_dev(pdev) {
		if (ngpus < NPU2_HW_MAX_GPUS && pnv_pci_get_npu_dev(pdev, 0))
			gpus[ngpus++] = pci_dev_get(pdev);
	}
	pr_info("%d GPU(s) with an NPU link\n", ngpus);
	dir = debugfs_create_dir("npu2_hw_test", NULL);
	debugfs_create_file("gpus", 0400, dir, NULL, &gpus_fops);
	debugfs_create_file("ctl", 0600, dir, NULL, &ctl_fops);
	return 0;
}

static void __exit npu2_hw_exit(void)
{
	int i;

	debugfs_remove_recursive(dir);
	for (i = 0; i < ngpus; i++)
		pci_dev_put(gpus[i]);
}

module_init(npu2_hw_init);
module_exit(npu2_hw_exit);
MODULE_DESCRIPTION("Concurrent pnv_npu2_init_context/destroy on real NVLink2 GPUs");
MODULE_LICENSE("GPL");
