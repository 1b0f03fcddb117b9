// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: guest RAM. The module owns it: zeroed pages allocated on first
 * touch, by the guest (nested page fault) or by userspace (mmap of the VM
 * fd), 2 MiB at a time where the region allows, charged to the memory cgroup
 * of the process that created the VM, freed when the VM goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <asm/io.h>

#include "minivisor.h"
#include "compat.h"
#include "mem.h"

#define CHUNK_ORDER	(PMD_SHIFT - PAGE_SHIFT)	/* 2 MiB */
#define CHUNK_PAGES	(1UL << CHUNK_ORDER)

/* Marks the first gfn of a 2 MiB chunk allocated in one piece. */
#define MV_XA_MARK_2M	XA_MARK_1

/**
 * mv_mem_slot() - the region holding a guest frame.
 * @vm: the VM.
 * @gfn: guest frame number.
 *
 * Return: the slot, or NULL if @gfn is not guest RAM (MMIO).
 */
struct mv_memslot *mv_mem_slot(struct mv_vm *vm, u64 gfn)
{
	int i;

	for (i = 0; i < MV_MAX_MEMORY_REGIONS; i++) {
		struct mv_memslot *s = &vm->slots[i];

		if (s->npages && gfn >= s->base_gfn && gfn - s->base_gfn < s->npages)
			return s;
	}
	return NULL;
}

/**
 * mv_mem_is_ram() - is @gpa inside a memory region?
 * @vm: the VM.
 * @gpa: guest-physical address.
 *
 * Return: true for guest RAM.
 */
bool mv_mem_is_ram(struct mv_vm *vm, u64 gpa)
{
	bool ram;

	mutex_lock(&vm->mem_lock);
	ram = mv_mem_slot(vm, gpa >> PAGE_SHIFT);
	mutex_unlock(&vm->mem_lock);
	return ram;
}

/* Can the whole 2 MiB chunk of @gfn be RAM of @slot? */
static bool chunk_fits(struct mv_memslot *slot, u64 gfn)
{
	u64 first = gfn & ~(CHUNK_PAGES - 1);

	return !(slot->flags & MV_MEM_SMALL_PAGES) && first >= slot->base_gfn &&
	       first + CHUNK_PAGES <= slot->base_gfn + slot->npages;
}

/* No page of @gfn's 2 MiB chunk is allocated yet (an earlier 4 KiB fallback). */
static bool chunk_empty(struct mv_vm *vm, u64 gfn)
{
	unsigned long first = gfn & ~(CHUNK_PAGES - 1);

	return !xa_find(&vm->pages, &first, first + CHUNK_PAGES - 1, XA_PRESENT);
}

/*
 * Allocate the RAM for @gfn: its whole 2 MiB chunk if it fits in the region
 * and the buddy allocator has one, else one 4 KiB page. The chunk is split
 * into independent 4 KiB pages (each with its own refcount for mmap) that
 * stay physically contiguous, so a 2 MiB nested entry can map them.
 */
static int mem_alloc(struct mv_vm *vm, struct mv_memslot *slot, u64 gfn)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO;
	struct mem_cgroup *old_memcg;
	struct page *page = NULL;
	unsigned long i, n = 1;
	u64 first = gfn;
	int ret;

	old_memcg = set_active_memcg(vm->memcg);
	if (chunk_fits(slot, gfn) && chunk_empty(vm, gfn)) {
		page = alloc_pages(gfp | __GFP_NORETRY | __GFP_NOWARN, CHUNK_ORDER);
		if (page) {
			split_page(page, CHUNK_ORDER);
			n = CHUNK_PAGES;
			first = gfn & ~(CHUNK_PAGES - 1);
		}
	}
	if (!page)
		page = alloc_page(gfp);
	set_active_memcg(old_memcg);
	if (!page)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		ret = xa_insert(&vm->pages, first + i, page + i, GFP_KERNEL_ACCOUNT);
		if (ret)
			goto err_store;
	}
	if (n > 1)
		xa_set_mark(&vm->pages, first, MV_XA_MARK_2M);
	atomic64_add(n, &vm->resident_pages);
	return 0;

err_store:
	while (i--)
		xa_erase(&vm->pages, first + i);
	for (i = 0; i < n; i++)
		__free_page(page + i);
	return ret;
}

/**
 * mv_mem_page() - the page backing a guest frame, allocated if needed.
 * @vm: the VM; the caller holds @vm->mem_lock.
 * @gfn: a frame inside a region.
 *
 * Return: the page (no reference taken), or an ERR_PTR: -EFAULT outside
 * guest RAM, -ENOMEM.
 */
struct page *mv_mem_page(struct mv_vm *vm, u64 gfn)
{
	struct mv_memslot *slot;
	struct page *page;
	int ret;

	lockdep_assert_held(&vm->mem_lock);
	page = xa_load(&vm->pages, gfn);
	if (page)
		return page;
	slot = mv_mem_slot(vm, gfn);
	if (!slot)
		return ERR_PTR(-EFAULT);
	ret = mem_alloc(vm, slot, gfn);
	if (ret)
		return ERR_PTR(ret);
	return xa_load(&vm->pages, gfn);
}

/**
 * mv_mem_map_gpa() - make a guest-physical address that faulted accessible:
 * allocate its RAM and add the nested mapping, 2 MiB where the RAM is a
 * whole chunk and the CPU has 2 MiB nested pages.
 * @vm: the VM.
 * @gpa: the faulting address.
 *
 * Return: 0; -EFAULT if @gpa is not RAM (an MMIO access); -ENOMEM.
 */
int mv_mem_map_gpa(struct mv_vm *vm, u64 gpa)
{
	u64 gfn = gpa >> PAGE_SHIFT, first = gfn & ~(CHUNK_PAGES - 1);
	struct page *page;
	int ret;

	mutex_lock(&vm->mem_lock);
	page = mv_mem_page(vm, gfn);
	if (IS_ERR(page)) {
		ret = PTR_ERR(page);
		goto out;
	}
	if (mv_caps.nested_2m && xa_get_mark(&vm->pages, first, MV_XA_MARK_2M)) {
		struct mem_cgroup *old = set_active_memcg(vm->memcg);

		struct page *head = xa_load(&vm->pages, first);

		ret = mv_npt_map(&vm->npt, first << PAGE_SHIFT, page_to_phys(head), 2);
		set_active_memcg(old);
		if (!ret) {
			atomic64_inc(&vm->nested_2m);
			goto mapped;
		}
		if (ret != -EEXIST)
			goto out;
	}
	{
		struct mem_cgroup *old = set_active_memcg(vm->memcg);

		ret = mv_npt_map(&vm->npt, gfn << PAGE_SHIFT, page_to_phys(page), 1);
		set_active_memcg(old);
	}
	if (ret)
		goto out;
mapped:
	atomic64_inc(&vm->nested_faults);
out:
	mutex_unlock(&vm->mem_lock);
	return ret;
}

/**
 * mv_mem_free() - free all guest RAM of a VM that no vCPU runs any more.
 * Pages still mapped by userspace live on until munmap (they hold their own
 * references).
 * @vm: the VM.
 */
void mv_mem_free(struct mv_vm *vm)
{
	unsigned long gfn;
	struct page *page;

	xa_for_each(&vm->pages, gfn, page)
		put_page(page);
	xa_destroy(&vm->pages);
	atomic64_set(&vm->resident_pages, 0);
}

/*
 * mmap of the VM fd: the file offset is the guest-physical address. Pages
 * are inserted on fault; an address outside guest RAM gets SIGBUS.
 */
static vm_fault_t mem_vma_fault(struct vm_fault *vmf)
{
	struct mv_vm *vm = vmf->vma->vm_file->private_data;
	struct page *page;

	mutex_lock(&vm->mem_lock);
	page = mv_mem_page(vm, vmf->pgoff);
	if (!IS_ERR(page))
		get_page(page);
	mutex_unlock(&vm->mem_lock);
	if (IS_ERR(page))
		return PTR_ERR(page) == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mem_vm_ops = {
	.fault = mem_vma_fault,
};

/**
 * mv_mem_mmap() - mmap of the VM fd.
 * @vm: the VM.
 * @vma: the mapping; must be shared (a private copy would not be guest RAM).
 *
 * Return: 0 or -EINVAL.
 */
int mv_mem_mmap(struct mv_vm *vm, struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mem_vm_ops;
	return 0;
}

/**
 * mv_mem_read() - copy guest RAM (allocating untouched pages as zero).
 * @vm: the VM.
 * @gpa: guest-physical address.
 * @buf: destination.
 * @len: bytes; the range may cross pages.
 *
 * Return: 0, or -EFAULT if part of the range is not guest RAM, -ENOMEM.
 */
int mv_mem_read(struct mv_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	int ret = 0;

	mutex_lock(&vm->mem_lock);
	while (len) {
		unsigned int off = offset_in_page(gpa);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
		struct page *page = mv_mem_page(vm, gpa >> PAGE_SHIFT);

		if (IS_ERR(page)) {
			ret = PTR_ERR(page);
			break;
		}
		memcpy(buf, page_address(page) + off, n);
		buf += n;
		gpa += n;
		len -= n;
	}
	mutex_unlock(&vm->mem_lock);
	return ret;
}
