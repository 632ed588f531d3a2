/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npu_context_test builds against every kernel from v4.12 (the oldest tree
 * the fix is for) to the 6.1 guest.  What changed in between, each with the
 * release that changed it; nothing else differs for this module.  Each is
 * told by what the kernel has, not by its version number.
 */
#ifndef NPU_COMPAT_H
#define NPU_COMPAT_H

#include <linux/lockdep.h>
#include <linux/mm_types.h>

/*
 * 5.8: mm->mmap_sem became mm->mmap_lock, taken through linux/mmap_lock.h
 * (new in that release); use_mm()/unuse_mm() became kthread_use_mm()/
 * kthread_unuse_mm() in the same release.
 */
#if __has_include("linux/mmap_lock.h")
#define NPU_HAVE_MMAP_LOCK
#include <linux/kthread.h>
#include <linux/mmap_lock.h>
#define npu_mmap_lock(mm)	(&(mm)->mmap_lock)
#else
#include <linux/mmu_context.h>
#include <linux/rwsem.h>
#define npu_mmap_lock(mm)	(&(mm)->mmap_sem)

static inline void mmap_write_lock(struct mm_struct *mm)
{
	down_write(&mm->mmap_sem);
}

static inline void mmap_write_unlock(struct mm_struct *mm)
{
	up_write(&mm->mmap_sem);
}

#define kthread_use_mm(mm)	use_mm(mm)
#define kthread_unuse_mm(mm)	unuse_mm(mm)
#endif

/*
 * 4.20: lockdep_assert_held_exclusive() became lockdep_assert_held_write().
 * The -lockdep series of v4.12..v4.16 uses the old name, this module the
 * new one: give each kernel both.
 */
#ifndef lockdep_assert_held_write
#define lockdep_assert_held_write(l)	lockdep_assert_held_exclusive(l)
#endif
#ifndef lockdep_assert_held_exclusive
#define lockdep_assert_held_exclusive(l)	lockdep_assert_held_write(l)
#endif

#endif /* NPU_COMPAT_H */
