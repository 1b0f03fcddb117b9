// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: AMD NPT entry encoding. Nested tables use the ordinary x86-64
 * long-mode page-table format (APM vol. 2 "Nested Paging"); every nested
 * access is treated as a user access, so U/S must be set at every level.
 */
#include "../minivisor.h"

#define NPT_P		BIT_ULL(0)
#define NPT_RW		BIT_ULL(1)
#define NPT_US		BIT_ULL(2)
#define NPT_PS		BIT_ULL(7)	/* PDE: maps 2 MiB */
#define NPT_ADDR_MASK	GENMASK_ULL(51, 12)

static u64 npt_table(phys_addr_t pa)
{
	return pa | NPT_P | NPT_RW | NPT_US;
}

static u64 npt_leaf(phys_addr_t pa, int level)
{
	return pa | NPT_P | NPT_RW | NPT_US | (level == 2 ? NPT_PS : 0);
}

static bool npt_present(u64 entry)
{
	return entry & NPT_P;
}

static bool npt_is_leaf(u64 entry, int level)
{
	return level == 1 || (entry & NPT_PS);
}

static phys_addr_t npt_addr(u64 entry)
{
	return entry & NPT_ADDR_MASK;
}

const struct mv_npt_format mv_npt_format = {
	.name		= "npt",
	.table		= npt_table,
	.leaf		= npt_leaf,
	.present	= npt_present,
	.is_leaf	= npt_is_leaf,
	.addr		= npt_addr,
};
