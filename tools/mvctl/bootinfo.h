/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mvctl leaves in guest memory for protected- and long-mode guests, and
 * the guest-physical layout it uses below 1 MiB. Shared by mvctl
 * (tools/mvctl/vm.c), the selftests and the guests (tools/guests/lib), so it
 * needs nothing but <stdint.h>.
 *
 * Low memory, protected and long mode (real mode gets none of this):
 *
 *   0x00500  struct mvboot_info (below)
 *   0x01000  GDT: 0x08 code (32-bit or 64-bit), 0x10 flat data
 *   0x02000  long mode: PML4, 0x03000 PDPT, 0x04000.. one page directory
 *            per GiB (2 MiB pages), identity map of all RAM and at least
 *            the first 4 GiB (so MMIO below 4 GiB is reachable)
 *   0x80000  initial stack pointer (grows down, towards the page tables)
 *
 * Images must not overlap 0x500 .. 0x7ffff in these modes; the default load
 * address is 0x100000. The entry point gets RDI/EDI = RAM size (low 32 bits
 * in protected mode) and RSI/ESI = MVBOOT_ADDR.
 *
 * Real mode: the image alone; CS = 0 (or the 64 KiB segment holding the
 * entry point), SS = 0, SP = 0x7c00, like a BIOS handing over to a boot
 * sector.
 */
#ifndef MVCTL_BOOTINFO_H
#define MVCTL_BOOTINFO_H

#include <stdint.h>

#define MVBOOT_ADDR		0x500
#define MVBOOT_MAGIC		0x4f464e49544f4f42ull	/* "BOOTINFO" */
#define MVBOOT_GDT		0x1000
#define MVBOOT_PML4		0x2000
#define MVBOOT_PDPT		0x3000
#define MVBOOT_PD		0x4000
#define MVBOOT_STACK_TOP	0x80000
#define MVBOOT_LOW_END		0x80000	/* images start at or above this */

#define MVBOOT_SEL_CODE		0x08
#define MVBOOT_SEL_DATA		0x10

/* mvctl create --kernel: the selectors Linux's 64-bit entry expects */
#define MVBOOT_LINUX_CS		0x10	/* __BOOT_CS */
#define MVBOOT_LINUX_DS		0x18	/* __BOOT_DS */

/**
 * struct mvboot_info - at guest-physical MVBOOT_ADDR.
 * @magic: MVBOOT_MAGIC.
 * @mem_size: bytes of RAM at guest-physical 0.
 * @mode: 1 protected, 2 long (enum mvctl_mode).
 * @reserved: zero.
 * @out: written by the guest for whoever reads guest memory afterwards
 *	(memtest64: checksum, first page, end, errors).
 */
struct mvboot_info {
	uint64_t magic;
	uint64_t mem_size;
	uint32_t mode;
	uint32_t reserved;
	uint64_t out[4];
};

#endif /* MVCTL_BOOTINFO_H */
