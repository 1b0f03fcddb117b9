// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: guest RAM. The module owns it: zeroed pages allocated on first
 * touch, by the guest (nested page fault) or by userspace (mmap of the VM
 * fd), 2 MiB at a time where the region allows, charged to the memory cgroup
 * of the process that created the VM, freed when the VM goes.
 *
 * Two indexes: &mv_vm.chunks holds each 2 MiB chunk allocated in one piece
 * (one entry for 512 pages: a first touch costs the allocation, its zeroing
 * and one insertion; the 512 pages get reference counts of their own only
 * if userspace maps one), &mv_vm.pages the single 4 KiB pages of regions,
 * or chunks, that could not have one.
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

#define CHUNK_ORDER	MV_CHUNK_ORDER
#define CHUNK_PAGES	MV_CHUNK_PAGES

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
 * and the buddy allocator has one, else one 4 KiB page. A chunk stays one
 * order-9 block, physically contiguous for a 2 MiB nested entry, until
 * userspace maps one of its pages (mem_chunk_split()).
 * Return: the page for @gfn or an ERR_PTR (-ENOMEM).
 */
static struct page *mem_alloc(struct mv_vm *vm, struct mv_memslot *slot, u64 gfn)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO;
	struct mem_cgroup *old_memcg;
	struct page *page;
	int ret;

	if (chunk_fits(slot, gfn) && chunk_empty(vm, gfn)) {
		old_memcg = set_active_memcg(vm->memcg);
		page = alloc_pages(gfp | __GFP_NORETRY | __GFP_NOWARN, CHUNK_ORDER);
		set_active_memcg(old_memcg);
		if (page) {
			ret = xa_insert(&vm->chunks, gfn >> CHUNK_ORDER, page, GFP_KERNEL_ACCOUNT);
			if (ret) {
				__free_pages(page, CHUNK_ORDER);
				return ERR_PTR(ret);
			}
			atomic64_add(CHUNK_PAGES, &vm->resident_pages);
			return page + (gfn & (CHUNK_PAGES - 1));
		}
	}

	old_memcg = set_active_memcg(vm->memcg);
	page = alloc_page(gfp);
	set_active_memcg(old_memcg);
	if (!page)
		return ERR_PTR(-ENOMEM);
	ret = xa_insert(&vm->pages, gfn, page, GFP_KERNEL_ACCOUNT);
	if (ret) {
		__free_page(page);
		return ERR_PTR(ret);
	}
	atomic64_inc(&vm->resident_pages);
	return page;
}

/**
 * mv_mem_page() - the page backing a guest frame, allocated if needed.
 * @vm: the VM; the caller holds @vm->mem_lock.
 * @gfn: a frame inside a region.
 *
 * Return: the page (no reference taken; inside an unsplit chunk it has no
 * reference count of its own), or an ERR_PTR: -EFAULT outside guest RAM,
 * -ENOMEM.
 */
struct page *mv_mem_page(struct mv_vm *vm, u64 gfn)
{
	struct mv_memslot *slot;
	struct page *page;

	lockdep_assert_held(&vm->mem_lock);
	page = mv_mem_lookup(vm, gfn);
	if (page)
		return page;
	slot = mv_mem_slot(vm, gfn);
	if (!slot)
		return ERR_PTR(-EFAULT);
	return mem_alloc(vm, slot, gfn);
}

/*
 * Give each page of @gfn's chunk its own reference count (split_page()), so
 * that userspace mappings can hold single pages; the VM then owns one
 * reference on each (mv_mem_free()). Marked XA_MARK_0 ("split") in
 * &mv_vm.chunks. Nothing to do for a 4 KiB page.
 */
static void mem_chunk_split(struct mv_vm *vm, u64 gfn)
{
	unsigned long index = gfn >> CHUNK_ORDER;
	struct page *head;

	lockdep_assert_held(&vm->mem_lock);
	head = xa_load(&vm->chunks, index);
	if (!head || xa_get_mark(&vm->chunks, index, XA_MARK_0))
		return;
	split_page(head, CHUNK_ORDER);
	xa_set_mark(&vm->chunks, index, XA_MARK_0);
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
	struct page *page, *head;
	int ret;

	mutex_lock(&vm->mem_lock);
	page = mv_mem_page(vm, gfn);
	if (IS_ERR(page)) {
		ret = PTR_ERR(page);
		goto out;
	}
	head = xa_load(&vm->chunks, gfn >> CHUNK_ORDER);
	if (mv_caps.nested_2m && head) {
		struct mem_cgroup *old = set_active_memcg(vm->memcg);

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
	unsigned long gfn, i;
	struct page *page;

	xa_for_each(&vm->chunks, gfn, page) {
		if (!xa_get_mark(&vm->chunks, gfn, XA_MARK_0)) {
			__free_pages(page, CHUNK_ORDER);
			continue;
		}
		for (i = 0; i < CHUNK_PAGES; i++)
			put_page(page + i);
	}
	xa_destroy(&vm->chunks);
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
	if (!IS_ERR(page)) {
		mem_chunk_split(vm, vmf->pgoff);
		get_page(page);
	}
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

/*
 * Copy between @buf and guest RAM at @gpa, page by page. A page already
 * there is found without the lock (guest RAM is never freed while the VM
 * lives: regions can only be added); only a first touch takes it.
 */
static int mem_copy(struct mv_vm *vm, u64 gpa, void *buf, unsigned int len, bool to_guest)
{
	while (len) {
		unsigned int off = offset_in_page(gpa);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
		struct page *page = mv_mem_lookup(vm, gpa >> PAGE_SHIFT);

		if (!page) {
			mutex_lock(&vm->mem_lock);
			page = mv_mem_page(vm, gpa >> PAGE_SHIFT);
			mutex_unlock(&vm->mem_lock);
			if (IS_ERR(page))
				return PTR_ERR(page);
		}
		if (to_guest)
			memcpy(page_address(page) + off, buf, n);
		else
			memcpy(buf, page_address(page) + off, n);
		buf += n;
		gpa += n;
		len -= n;
	}
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
	return mem_copy(vm, gpa, buf, len, false);
}

/**
 * mv_mem_write() - copy into guest RAM.
 * @vm: the VM.
 * @gpa: guest-physical address.
 * @buf: source.
 * @len: bytes; the range may cross pages.
 *
 * Return: 0, or -EFAULT if part of the range is not guest RAM, -ENOMEM.
 */
int mv_mem_write(struct mv_vm *vm, u64 gpa, const void *buf, unsigned int len)
{
	return mem_copy(vm, gpa, (void *)buf, len, true);
}
