// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: Intel EPT entry encoding (SDM 3C "EPT Translation Mechanism",
 * tables "Format of an EPT PML4 Entry" ... "Format of an EPT Page-Table
 * Entry").
 */
#include "../minivisor.h"

#define EPT_READ		BIT_ULL(0)
#define EPT_WRITE		BIT_ULL(1)
#define EPT_EXEC		BIT_ULL(2)
#define EPT_MEMTYPE_WB		(6ULL << 3)	/* leaf: EPT memory type */
#define EPT_LARGE		BIT_ULL(7)	/* PDE: maps 2 MiB */
#define EPT_ADDR_MASK		GENMASK_ULL(51, 12)

static u64 ept_table(phys_addr_t pa)
{
	return pa | EPT_READ | EPT_WRITE | EPT_EXEC;
}

/*
 * Guest RAM is ordinary write-back kernel memory; leaving "ignore PAT" clear
 * lets the guest's own PAT combine with WB as on bare metal.
 */
static u64 ept_leaf(phys_addr_t pa, int level)
{
	return pa | EPT_READ | EPT_WRITE | EPT_EXEC | EPT_MEMTYPE_WB |
	       (level == 2 ? EPT_LARGE : 0);
}

/* Bits 2:0 all clear means not present (SDM: "EPT Misconfigurations"). */
static bool ept_present(u64 entry)
{
	return entry & (EPT_READ | EPT_WRITE | EPT_EXEC);
}

static bool ept_is_leaf(u64 entry, int level)
{
	return level == 1 || (entry & EPT_LARGE);
}

static phys_addr_t ept_addr(u64 entry)
{
	return entry & EPT_ADDR_MASK;
}

const struct mv_npt_format mv_ept_format = {
	.name		= "ept",
	.table		= ept_table,
	.leaf		= ept_leaf,
	.present	= ept_present,
	.is_leaf	= ept_is_leaf,
	.addr		= ept_addr,
};
