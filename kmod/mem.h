/* SPDX-License-Identifier: GPL-2.0 */
/* minivisor: guest RAM (kmod/mem.c). */
#ifndef MV_MEM_H
#define MV_MEM_H

#include "minivisor.h"

struct vm_area_struct;

struct mv_memslot *mv_mem_slot(struct mv_vm *vm, u64 gfn);
struct page *mv_mem_page(struct mv_vm *vm, u64 gfn);
int mv_mem_map_gpa(struct mv_vm *vm, u64 gpa);
bool mv_mem_is_ram(struct mv_vm *vm, u64 gpa);
void mv_mem_free(struct mv_vm *vm);
int mv_mem_mmap(struct mv_vm *vm, struct vm_area_struct *vma);
int mv_mem_read(struct mv_vm *vm, u64 gpa, void *buf, unsigned int len);

#endif /* MV_MEM_H */
