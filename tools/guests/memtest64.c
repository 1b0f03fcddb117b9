// SPDX-License-Identifier: GPL-2.0
/*
 * memtest64: touch every 4 KiB page of RAM above the image (RAM size from
 * mvctl's boot info), as described in memtest.h. Prints the checksum and
 * exits with 0 if every page read back what was written, else 1.
 * mvctl create --mode long --mem 512M --image memtest64.bin
 */
#include "guest.h"
#include "memtest.h"

#define PAGE	4096ul

int main(unsigned long mem_size, struct mvboot_info *bi)
{
	unsigned long first = ((unsigned long)_end + PAGE - 1) & ~(PAGE - 1);
	unsigned long end = bi->mem_size & ~(PAGE - 1);
	unsigned long pages = 0, bad = 0;
	uint64_t sum = 0;

	if (bi->magic != MVBOOT_MAGIC || bi->mem_size != mem_size) {
		printf("memtest64: no boot info at 0x%x\n", MVBOOT_ADDR);
		return 2;
	}
	printf("memtest64: pages 0x%lx..0x%lx (%lu MiB)\n", first, end,
	       (end - first) >> 20);

	for (unsigned long a = first; a < end; a += PAGE) {
		uint64_t *p = (uint64_t *)a;

		/* Atomic (relaxed) accesses: the compiler must really do them. */
		__atomic_store_n(&p[0], memtest_pattern(a), __ATOMIC_RELAXED);
		__atomic_store_n(&p[MEMTEST_LAST_WORD / 8], ~memtest_pattern(a), __ATOMIC_RELAXED);
	}
	for (unsigned long a = first; a < end; a += PAGE) {
		uint64_t *p = (uint64_t *)a;
		uint64_t x = __atomic_load_n(&p[0], __ATOMIC_RELAXED);
		uint64_t y = __atomic_load_n(&p[MEMTEST_LAST_WORD / 8], __ATOMIC_RELAXED);

		if (x != memtest_pattern(a) || y != ~memtest_pattern(a)) {
			if (bad < 8)
				printf("memtest64: page 0x%lx reads 0x%lx 0x%lx\n", a,
				       (unsigned long)x, (unsigned long)y);
			bad++;
		}
		sum = memtest_mix(sum, x, y);
		pages++;
	}
	bi->out[0] = sum;
	bi->out[1] = first;
	bi->out[2] = end;
	bi->out[3] = bad;
	printf("memtest64: %lu pages, checksum 0x%lx, %lu bad\n", pages,
	       (unsigned long)sum, bad);
	return bad ? 1 : 0;
}
