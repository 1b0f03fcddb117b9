/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivisor: kernel API differences between the kernels it builds for.
 * Kbuild probes the headers (distributions backport, so version numbers do
 * not tell) and defines MV_HAVE_* for what it found.
 */
#ifndef MV_COMPAT_H
#define MV_COMPAT_H

#include <linux/mm.h>

#ifndef MV_HAVE_VM_FLAGS_SET
/* Before 6.3 vm_flags was written directly. */
static inline void vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags |= flags;
}
#endif

#endif /* MV_COMPAT_H */
