// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: the nested page table walker shared by EPT and NPT.
 *
 * Both are 4-level radix trees of 512 64-bit entries per 4 KiB page, indexed
 * by guest-physical address bits 47:39, 38:30, 29:21 and 20:12, exactly like
 * x86-64 paging (SDM 3C "EPT Translation Mechanism"; APM vol. 2 "Nested
 * Paging"). Only the entry bits differ; struct mv_npt_format encodes them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/io.h>

#include "../minivisor.h"

#define NPT_LEVELS	4
#define NPT_ENTRIES	512

static unsigned int npt_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (NPT_ENTRIES - 1);
}

static u64 *npt_table(phys_addr_t pa)
{
	return phys_to_virt(pa);
}

static struct page *npt_alloc_table(struct mv_npt *npt)
{
	/* Charged like guest RAM: the caller set the VM's memcg active. */
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (page)
		npt->nr_tables++;
	return page;
}

/**
 * mv_npt_init() - allocate an empty nested page table.
 * @npt: the table.
 * @fmt: its entry encoding.
 *
 * Return: 0 or -ENOMEM.
 */
int mv_npt_init(struct mv_npt *npt, const struct mv_npt_format *fmt)
{
	npt->fmt = fmt;
	npt->nr_tables = 0;
	npt->root = npt_alloc_table(npt);
	return npt->root ? 0 : -ENOMEM;
}

/**
 * mv_npt_root_pa() - physical address of the root table (for EPTP / nCR3).
 * @npt: the table.
 *
 * Return: the address.
 */
phys_addr_t mv_npt_root_pa(struct mv_npt *npt)
{
	return page_to_phys(npt->root);
}

/**
 * mv_npt_map() - map one 4 KiB or 2 MiB page of guest RAM.
 * @npt: the table; the caller holds the VM's mem_lock.
 * @gpa: guest-physical address, aligned to the page size.
 * @hpa: host-physical address of the RAM, aligned likewise.
 * @level: 1 for 4 KiB, 2 for 2 MiB.
 *
 * Missing intermediate tables are allocated. An existing leaf for the same
 * address is left alone (another vCPU got there first).
 *
 * Return: 0, -ENOMEM, or -EEXIST if a 2 MiB leaf was asked where a table of
 * 4 KiB leaves already is.
 */
int mv_npt_map(struct mv_npt *npt, u64 gpa, phys_addr_t hpa, int level)
{
	const struct mv_npt_format *fmt = npt->fmt;
	u64 *table = npt_table(page_to_phys(npt->root));
	int l;

	for (l = NPT_LEVELS; l > level; l--) {
		u64 *entry = &table[npt_index(gpa, l)];
		struct page *page;

		if (!fmt->present(*entry)) {
			page = npt_alloc_table(npt);
			if (!page)
				return -ENOMEM;
			WRITE_ONCE(*entry, fmt->table(page_to_phys(page)));
		} else if (fmt->is_leaf(*entry, l)) {
			return 0;	/* a larger page already maps it */
		}
		table = npt_table(fmt->addr(*entry));
	}
	if (fmt->present(table[npt_index(gpa, level)]))
		return fmt->is_leaf(table[npt_index(gpa, level)], level) ? 0 : -EEXIST;
	WRITE_ONCE(table[npt_index(gpa, level)], fmt->leaf(hpa, level));
	return 0;
}

/* Free the tables below @pa (a table at @level), not the RAM they map. */
static void npt_free_table(const struct mv_npt_format *fmt, phys_addr_t pa,
			   int level)
{
	u64 *table = npt_table(pa);
	int i;

	if (level > 1) {
		for (i = 0; i < NPT_ENTRIES; i++) {
			if (fmt->present(table[i]) && !fmt->is_leaf(table[i], level))
				npt_free_table(fmt, fmt->addr(table[i]), level - 1);
		}
	}
	__free_page(virt_to_page(table));
}

/**
 * mv_npt_destroy() - free every table page. No CPU may use the table any
 * more (the backend flushed it in vm_destroy).
 * @npt: the table.
 */
void mv_npt_destroy(struct mv_npt *npt)
{
	if (npt->root)
		npt_free_table(npt->fmt, page_to_phys(npt->root), NPT_LEVELS);
	npt->root = NULL;
	npt->nr_tables = 0;
}
