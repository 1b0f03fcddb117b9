/* SPDX-License-Identifier: GPL-2.0 */
/* minivisor: guest RAM (kmod/mem.c). */
#ifndef MV_MEM_H
#define MV_MEM_H

#include <linux/mm.h>
#include <linux/xarray.h>

#include "minivisor.h"

struct vm_area_struct;

/* Guest RAM comes in 2 MiB chunks where it can (kmod/mem.c). */
#define MV_CHUNK_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define MV_CHUNK_PAGES	(1UL << MV_CHUNK_ORDER)

/**
 * mv_mem_lookup() - the page backing a guest frame, if allocated. Lock-free
 * (the XArrays' RCU): guest RAM is not freed while the VM lives.
 * @vm: the VM.
 * @gfn: guest frame number.
 *
 * Return: the page, or NULL if not allocated (or not RAM).
 */
static inline struct page *mv_mem_lookup(struct mv_vm *vm, u64 gfn)
{
	struct page *head = xa_load(&vm->chunks, gfn >> MV_CHUNK_ORDER);

	if (head)
		return head + (gfn & (MV_CHUNK_PAGES - 1));
	return xa_load(&vm->pages, gfn);
}

struct mv_memslot *mv_mem_slot(struct mv_vm *vm, u64 gfn);
struct page *mv_mem_page(struct mv_vm *vm, u64 gfn);
int mv_mem_map_gpa(struct mv_vm *vm, u64 gpa);
bool mv_mem_is_ram(struct mv_vm *vm, u64 gpa);
void mv_mem_free(struct mv_vm *vm);
int mv_mem_mmap(struct mv_vm *vm, struct vm_area_struct *vma);
int mv_mem_read(struct mv_vm *vm, u64 gpa, void *buf, unsigned int len);
int mv_mem_write(struct mv_vm *vm, u64 gpa, const void *buf, unsigned int len);

#endif /* MV_MEM_H */
