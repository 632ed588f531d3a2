// SPDX-License-Identifier: GPL-2.0
/*
 * npu_context_test: hammer concurrent npu_context init/destroy, and replay
 * the two error paths upstream fixed beside the race.
 *
 * scenario=race (the default):
 * One real user mm (the mm of the task that loads the module) is adopted by
 * "threads" kthreads.  Thread i owns fake GPU i and loops:
 *
 *	mmap_write_lock(mm); ctx = init(gpu i); mmap_write_unlock(mm);
 *	hold for hold_us;
 *	destroy(ctx, gpu i);
 *
 * as the contract of pnv_npu2_init_context()/pnv_npu2_destroy_context()
 * says (init with mmap_sem held for write, destroy without it).  Since the
 * threads' GPUs share the mm, the last-reference destroy on one GPU keeps
 * overlapping the init on another: the window of the race fixed upstream
 * by 28a5933.
 *
 * scenario=register: the first notifier registration fails with -EINTR
 * (__mmu_notifier_register() does with a signal pending), then the normal
 * destroy path runs.  Before upstream 720c84046c26 init ignores the error
 * and returns a context whose destroy unregisters a notifier that was never
 * registered, dropping an mm_count never taken; from that commit on, init
 * returns -EINTR.
 *
 * scenario=callback: two inits of the mm with different release callbacks
 * and private data (GPU 0, then GPU 1).  Before upstream a1409adac748 the
 * second silently replaces the first caller's; from that commit on, it gets
 * -EINVAL.
 *
 * The code under test is one of the built-in models of the protocol or,
 * when built with KERNEL_TREE, a stable tree's real functions.
 *
 * Races show up as KCSAN reports, refcount warnings, KFENCE/SLUB reports and
 * lockdep splats in the kernel log; at the end the module checks its own
 * invariants and prints them.  The run script turns all of that into KTAP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "npu_compat.h"
#include "npu_context_test.h"

#ifdef NPU_TEST_TREE
#define NPU_TEST_CODES "unfixed fixed tree"
#define NPU_TEST_DEFAULT_CODE "tree"
#else
#define NPU_TEST_CODES "unfixed fixed"
#define NPU_TEST_DEFAULT_CODE "fixed"
#endif

/* built in a kernel tree, the test is of that tree's code by default */
static char *code = NPU_TEST_DEFAULT_CODE;
module_param(code, charp, 0444);
MODULE_PARM_DESC(code, "code under test: unfixed, fixed or tree (default: tree when built with it, else fixed)");

static unsigned int threads = 2;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "number of init/destroy threads (each owns one GPU)");

static unsigned int gpus;
module_param(gpus, uint, 0444);
MODULE_PARM_DESC(gpus, "number of fake GPUs (default: threads)");

static unsigned int duration_ms = 5000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "how long to run (upper bound with iterations)");

static unsigned long iterations;
module_param(iterations, ulong, 0444);
MODULE_PARM_DESC(iterations, "init/destroy cycles to run in all (0: run for duration_ms)");

unsigned int npu_test_delay_us;
module_param_named(delay_us, npu_test_delay_us, uint, 0444);
MODULE_PARM_DESC(delay_us, "delay injected into the race windows, in microseconds");

static unsigned int hold_us;
module_param(hold_us, uint, 0444);
MODULE_PARM_DESC(hold_us, "time a thread holds its context between init and destroy");

static char *scenario = "race";
module_param(scenario, charp, 0444);
MODULE_PARM_DESC(scenario, "what to provoke: race (concurrent init/destroy), register (notifier registration fails), callback (second init with other callback data)");

static char *negative = "none";
module_param(negative, charp, 0444);
MODULE_PARM_DESC(negative, "break the contract on purpose: none, nolock (init without mmap lock), atomic (destroy under a spinlock)");

struct npu_test_mm npu_test_mm;
struct npu_test_counts npu_test_counts;

static DEFINE_MUTEX(npu_test_mn_lock);
static LIST_HEAD(npu_test_mn_list);
static DEFINE_SPINLOCK(npu_test_atomic_lock);

enum npu_test_negative { NEG_NONE, NEG_NOLOCK, NEG_ATOMIC };
enum npu_test_scenario { SC_RACE, SC_REGISTER, SC_CALLBACK };

struct npu_test_worker {
	struct task_struct *task;
	struct npu_test_gpu *gpu;
	unsigned long limit;		/* cycles to run, 0: until stopped */
	unsigned long cycles;
	long error;			/* first error init returned */
	struct completion done;
};

static const struct npu_test_code *npu_test_code;
static enum npu_test_negative npu_test_neg;
static enum npu_test_scenario npu_test_sc;
static int npu_test_mn_inject_err;
static atomic_t npu_test_failures;

/*
 * npu_test_fail(): the test itself went wrong (an invariant, an error
 * where none belongs); npu_test_caught(): the check of a scenario caught
 * the bug it provokes.  Both fail the test; the run script tells them
 * apart, so that a run expected to show a bug shows that bug and nothing
 * else.
 */
#define npu_test_fail(fmt, ...) do {					\
		pr_err("invariant failed: " fmt "\n", ##__VA_ARGS__);	\
		atomic_inc(&npu_test_failures);				\
	} while (0)
#define npu_test_caught(fmt, ...) do {					\
		pr_err("bug caught: " fmt "\n", ##__VA_ARGS__);	\
		atomic_inc(&npu_test_failures);				\
	} while (0)
static bool npu_test_stop;
static struct npu_test_gpu npu_test_gpus[NPU_TEST_MAX_GPUS];
static struct npu_test_worker npu_test_workers[NPU_TEST_MAX_GPUS];

void npu_test_window(void)
{
	if (npu_test_delay_us)
		udelay(npu_test_delay_us);
}

int npu_test_mn_register(struct npu_test_mn *mn, struct mm_struct *mm)
{
	int err;

	WARN_ON(mm != npu_test_mm.mm);
	mutex_lock(&npu_test_mn_lock);
	err = npu_test_mn_inject_err;
	npu_test_mn_inject_err = 0;
	if (err) {
		mutex_unlock(&npu_test_mn_lock);
		pr_info("notifier registration fails with %d, as asked\n", err);
		return err;
	}
	list_add(&mn->node, &npu_test_mn_list);
	mutex_unlock(&npu_test_mn_lock);
	atomic_inc(&npu_test_counts.notifiers);
	return 0;
}

static bool npu_test_mn_registered(struct npu_test_mn *mn)
{
	struct npu_test_mn *pos;

	lockdep_assert_held(&npu_test_mn_lock);
	list_for_each_entry(pos, &npu_test_mn_list, node)
		if (pos == mn)
			return true;
	return false;
}

/*
 * Like mmu_notifier_unregister(), which waits for SRCU readers: it may
 * sleep, and says so to DEBUG_ATOMIC_SLEEP (the negative control
 * negative=atomic).  It does not wait for an SRCU grace period itself: an
 * expedited one made four in five of the accesses KCSAN sampled in a
 * cycle (16 watchpoints per cycle with it, 3.5 without), so that KCSAN
 * hardly ever watched the context pointer (Documentation/
 * npu-context-race.rst, "KCSAN").
 */
void npu_test_mn_unregister(struct npu_test_mn *mn, struct mm_struct *mm)
{
	bool found;

	might_sleep();
	WARN_ON(mm != npu_test_mm.mm);
	mutex_lock(&npu_test_mn_lock);
	found = npu_test_mn_registered(mn);
	if (found)
		list_del(&mn->node);
	mutex_unlock(&npu_test_mn_lock);
	if (!found) {
		/* mmu_notifier_unregister() would drop an mm_count never taken */
		npu_test_caught("unregistering a notifier that was never registered");
		return;
	}
	atomic_dec(&npu_test_counts.notifiers);
}

static void npu_test_cycle(struct npu_test_worker *w)
{
	struct mm_struct *mm = npu_test_mm.mm;
	void *ctx;

	if (npu_test_neg == NEG_NOLOCK) {
		ctx = npu_test_code->init(w->gpu, 0);
	} else {
		mmap_write_lock(mm);
		ctx = npu_test_code->init(w->gpu, 0);
		mmap_write_unlock(mm);
	}
	if (IS_ERR_OR_NULL(ctx)) {
		if (!w->error)
			w->error = ctx ? PTR_ERR(ctx) : -EFAULT;
		return;
	}
	if (hold_us)
		udelay(hold_us);
	if (npu_test_neg == NEG_ATOMIC) {
		spin_lock(&npu_test_atomic_lock);
		npu_test_code->destroy(ctx, w->gpu);
		spin_unlock(&npu_test_atomic_lock);
	} else {
		npu_test_code->destroy(ctx, w->gpu);
	}
	w->cycles++;
}

static int npu_test_thread(void *arg)
{
	struct npu_test_worker *w = arg;

	kthread_use_mm(npu_test_mm.mm);
	while (!READ_ONCE(npu_test_stop) && !w->error &&
	       (!w->limit || w->cycles < w->limit)) {
		npu_test_cycle(w);
		cond_resched();
	}
	kthread_unuse_mm(npu_test_mm.mm);
	/* stays done: the loader may wait on it more than once */
	complete_all(&w->done);
	return 0;
}

static int npu_test_make_gpus(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct npu_test_gpu *g = &npu_test_gpus[i];
		struct pci_bus *bus;

		g->index = i;
		g->npu = i % NPU_TEST_MAX_NPUS;
		g->link = i / NPU_TEST_MAX_NPUS;
		/* never registered with the PCI core: only read by the code */
		bus = kzalloc(sizeof(*bus), GFP_KERNEL);
		g->gpdev = kzalloc(sizeof(*g->gpdev), GFP_KERNEL);
		g->npdev = kzalloc(sizeof(*g->npdev), GFP_KERNEL);
		if (!bus || !g->gpdev || !g->npdev) {
			kfree(bus);
			return -ENOMEM;
		}
		bus->number = 4 + g->npu;
		g->gpdev->bus = bus;
		g->gpdev->devfn = PCI_DEVFN(g->link, 0);
		g->npdev->bus = bus;
		g->npdev->devfn = PCI_DEVFN(g->link, 1);
	}
	return 0;
}

static void npu_test_free_gpus(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(npu_test_gpus); i++) {
		struct npu_test_gpu *g = &npu_test_gpus[i];

		if (g->gpdev)
			kfree(g->gpdev->bus);
		kfree(g->gpdev);
		kfree(g->npdev);
	}
	memset(npu_test_gpus, 0, sizeof(npu_test_gpus));
}

static const struct npu_test_code *const npu_test_codes[] = {
	&npu_model_unfixed,
	&npu_model_fixed,
#ifdef NPU_TEST_TREE
	&npu_tree_code,
#endif
};

static const char *const npu_test_scenarios[] = {
	[SC_RACE] = "race",
	[SC_REGISTER] = "register",
	[SC_CALLBACK] = "callback",
};

static const char *const npu_test_negatives[] = {
	[NEG_NONE] = "none",
	[NEG_NOLOCK] = "nolock",
	[NEG_ATOMIC] = "atomic",
};

static int npu_test_parse(void)
{
	int i;

	npu_test_code = NULL;
	for (i = 0; i < ARRAY_SIZE(npu_test_codes); i++)
		if (!strcmp(code, npu_test_codes[i]->name))
			npu_test_code = npu_test_codes[i];
	if (!npu_test_code) {
		pr_err("unknown code '%s' (this build has: %s)\n", code,
		       NPU_TEST_CODES);
		return -EINVAL;
	}

	i = match_string(npu_test_negatives, ARRAY_SIZE(npu_test_negatives), negative);
	if (i < 0) {
		pr_err("unknown negative '%s'\n", negative);
		return -EINVAL;
	}
	npu_test_neg = i;

	i = match_string(npu_test_scenarios, ARRAY_SIZE(npu_test_scenarios), scenario);
	if (i < 0) {
		pr_err("unknown scenario '%s' (race, register or callback)\n", scenario);
		return -EINVAL;
	}
	npu_test_sc = i;

	if (!gpus)
		gpus = threads;
	if (npu_test_sc != SC_RACE && npu_test_neg != NEG_NONE) {
		pr_err("negative=%s is for scenario=race\n", negative);
		return -EINVAL;
	}
	/* the callback scenario inits on GPUs 0 and 1 */
	if (npu_test_sc == SC_CALLBACK && gpus < 2) {
		pr_info("scenario=callback uses 2 fake GPUs, not %u\n", gpus);
		gpus = 2;
	}
	if (!threads || threads > NPU_TEST_MAX_GPUS || gpus < threads ||
	    gpus > NPU_TEST_MAX_GPUS) {
		pr_err("need 1 <= threads <= gpus <= %d (threads=%u gpus=%u)\n",
		       NPU_TEST_MAX_GPUS, threads, gpus);
		return -EINVAL;
	}
	return 0;
}

static void *npu_test_init_locked(struct npu_test_gpu *gpu, int caller)
{
	struct mm_struct *mm = npu_test_mm.mm;
	void *ctx;

	mmap_write_lock(mm);
	ctx = npu_test_code->init(gpu, caller);
	mmap_write_unlock(mm);
	return ctx;
}

/* upstream 720c84046c26: init must fail when registering its notifier does */
static void npu_test_register(void)
{
	struct npu_test_gpu *gpu = &npu_test_gpus[0];
	void *ctx;

	npu_test_mn_inject_err = -EINTR;
	ctx = npu_test_init_locked(gpu, 0);
	if (IS_ERR_OR_NULL(ctx))
		pr_info("init with the registration failing returned %ld\n", PTR_ERR(ctx));
	else
		pr_info("init with the registration failing returned a context\n");
	if (npu_test_mn_inject_err) {
		npu_test_mn_inject_err = 0;
		npu_test_fail("init never tried to register a notifier: nothing failed");
	}
	if (!IS_ERR_OR_NULL(ctx)) {
		npu_test_caught("init returned a context, its notifier registration failed");
		/* what the caller does with a context: the normal destroy */
		npu_test_code->destroy(ctx, gpu);
	} else if (PTR_ERR(ctx) != -EINTR) {
		npu_test_fail("init returned %ld, not %d", PTR_ERR(ctx), -EINTR);
	}

	/* the mm is still usable: one normal init/destroy */
	ctx = npu_test_init_locked(gpu, 0);
	if (IS_ERR_OR_NULL(ctx)) {
		npu_test_fail("init after the failure returned %ld", PTR_ERR(ctx));
		return;
	}
	npu_test_code->destroy(ctx, gpu);
}

/* upstream a1409adac748: a second init cannot replace the callback data */
static void npu_test_callback(void)
{
	void *first, *second;
	int owner;

	first = npu_test_init_locked(&npu_test_gpus[0], 0);
	if (IS_ERR_OR_NULL(first)) {
		npu_test_fail("the first init returned %ld", PTR_ERR(first));
		return;
	}
	second = npu_test_init_locked(&npu_test_gpus[1], 1);
	if (IS_ERR_OR_NULL(second))
		pr_info("second init, with another callback and private data, returned %ld\n",
			PTR_ERR(second));
	else
		pr_info("second init, with another callback and private data, returned a context\n");
	owner = npu_test_code->caller_of(first);
	if (owner != 0)
		npu_test_caught("the first caller's callback data were replaced %s",
				owner == 1 ? "by the second's" : "in part");
	if (!IS_ERR_OR_NULL(second)) {
		npu_test_caught("the second init returned a context, not %d", -EINVAL);
		npu_test_code->destroy(second, &npu_test_gpus[1]);
	} else if (PTR_ERR(second) != -EINVAL) {
		npu_test_fail("the second init returned %ld, not %d",
			      PTR_ERR(second), -EINVAL);
	}
	npu_test_code->destroy(first, &npu_test_gpus[0]);
}

/* Everything must be back where it started once all threads are done. */
static int npu_test_check(void)
{
	int bad = 0;

#define NPU_CHECK(cond, fmt, ...) do {					\
		if (!(cond)) {						\
			pr_err("invariant failed: " fmt "\n", ##__VA_ARGS__); \
			bad++;						\
		}							\
	} while (0)

	NPU_CHECK(!READ_ONCE(npu_test_mm.npu_context),
		  "mm's npu_context still set after the last destroy");
	NPU_CHECK(atomic_read(&npu_test_counts.allocs) ==
		  atomic_read(&npu_test_counts.frees),
		  "%d contexts allocated, %d freed",
		  atomic_read(&npu_test_counts.allocs),
		  atomic_read(&npu_test_counts.frees));
	NPU_CHECK(!atomic_read(&npu_test_counts.notifiers),
		  "%d notifiers still registered",
		  atomic_read(&npu_test_counts.notifiers));
	NPU_CHECK(!atomic_read(&npu_test_counts.opal),
		  "%d OPAL contexts not destroyed",
		  atomic_read(&npu_test_counts.opal));
	NPU_CHECK(!atomic_read(&npu_test_mm.copros),
		  "copro count is %d, not 0", atomic_read(&npu_test_mm.copros));
#undef NPU_CHECK
	return bad;
}

static int __init npu_test_init(void)
{
	unsigned long cycles = 0;
	long error = 0;
	ktime_t start;
	s64 ms;
	unsigned int i;
	int ret;

	ret = npu_test_parse();
	if (ret)
		return ret;
	if (!current->mm) {
		pr_err("must be loaded by a user process (needs its mm)\n");
		return -EINVAL;
	}
	mmgrab(current->mm);
	mmget(current->mm);
	npu_test_mm.mm = current->mm;
	npu_test_mm.id = 1;

	ret = npu_test_make_gpus(gpus);
	if (!ret && npu_test_code->setup)
		ret = npu_test_code->setup(npu_test_gpus, gpus);
	if (ret)
		goto out;

	pr_info("start code=%s scenario=%s threads=%u gpus=%u duration_ms=%u iterations=%lu delay_us=%u hold_us=%u negative=%s\n",
		npu_test_code->name, scenario, threads, gpus, duration_ms,
		iterations, npu_test_delay_us, hold_us, negative);

	if (npu_test_sc != SC_RACE) {
		start = ktime_get();
		if (npu_test_sc == SC_REGISTER)
			npu_test_register();
		else
			npu_test_callback();
		goto report;
	}

	WRITE_ONCE(npu_test_stop, false);
	start = ktime_get();
	for (i = 0; i < threads; i++) {
		struct npu_test_worker *w = &npu_test_workers[i];

		w->gpu = &npu_test_gpus[i];
		w->limit = iterations ? DIV_ROUND_UP(iterations, threads) : 0;
		w->cycles = 0;
		w->error = 0;
		init_completion(&w->done);
		w->task = kthread_run(npu_test_thread, w, "npu_test/%u", i);
		if (IS_ERR(w->task)) {
			ret = PTR_ERR(w->task);
			WRITE_ONCE(npu_test_stop, true);
			while (i--)
				wait_for_completion(&npu_test_workers[i].done);
			goto out_teardown;
		}
	}

	/* run until every thread is done or the time is up */
	for (i = 0; i < threads; i++) {
		struct npu_test_worker *w = &npu_test_workers[i];
		s64 left = duration_ms - ktime_ms_delta(ktime_get(), start);

		if (left <= 0 ||
		    !wait_for_completion_timeout(&w->done, msecs_to_jiffies(left)))
			break;
	}
	WRITE_ONCE(npu_test_stop, true);
	for (i = 0; i < threads; i++) {
		wait_for_completion(&npu_test_workers[i].done);
		cycles += npu_test_workers[i].cycles;
		if (!error)
			error = npu_test_workers[i].error;
	}
report:
	ms = ktime_ms_delta(ktime_get(), start);

	pr_info("done code=%s cycles=%lu elapsed_ms=%lld cycles_per_sec=%lld init_error=%ld\n",
		npu_test_code->name, cycles, ms,
		ms ? div64_s64((s64)cycles * 1000, ms) : 0, error);
	if (error)
		npu_test_fail("init returned %ld", error);
	if (npu_test_check() || atomic_read(&npu_test_failures))
		pr_err("checks: FAILED\n");
	else
		pr_info("checks: ok\n");
	ret = 0;

out_teardown:
	if (npu_test_code->teardown)
		npu_test_code->teardown();
out:
	npu_test_free_gpus();
	mmput(npu_test_mm.mm);
	mmdrop(npu_test_mm.mm);
	npu_test_mm.mm = NULL;
	return ret;
}

static void __exit npu_test_exit(void)
{
}

module_init(npu_test_init);
module_exit(npu_test_exit);
MODULE_DESCRIPTION("Concurrency stress test of the npu_context init/destroy protocol");
MODULE_LICENSE("GPL");
