// SPDX-License-Identifier: GPL-2.0
/*
 * hello32: a 32-bit protected-mode guest, paging off (mvctl create --mode
 * protected --mem 16M --image hello32.bin). Prints a banner and its CR0,
 * then exits with status 0.
 */
#include "guest.h"

int main(unsigned long mem_size, struct mvboot_info *bi)
{
	unsigned long cr0 = read_cr0();
	uint32_t r[4];

	printf("Hello from a 32-bit protected-mode minivisor guest!\n");
	printf("RAM: %lu MiB (boot info magic %s), CR0 0x%lx (PE %lu, PG %lu)\n",
	       mem_size >> 20, bi->magic == MVBOOT_MAGIC ? "ok" : "bad", cr0,
	       cr0 & 1, cr0 >> 31);
	cpuid(0x40000000, 0, r);
	printf("hypervisor leaf max 0x%x, %lld-bit printf ok: %llx\n", r[0],
	       64LL, 0xfedcba9876543210ULL);
	return (cr0 & 1) ? 0 : 1;
}
