/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memtest64's pattern and checksum, shared with the selftest that checks the
 * guest's work through mmap (selftests/minivisor/run_test.c).
 *
 * For every 4 KiB page at guest-physical A from the first page above the
 * image up to the RAM size, the guest writes memtest_pattern(A) at A and its
 * complement at A + 4088, reads both back, and folds them into the checksum
 * in address order. It leaves in struct mvboot_info.out[]: [0] checksum,
 * [1] first page, [2] end, [3] pages that read back wrong.
 */
#ifndef GUESTS_MEMTEST_H
#define GUESTS_MEMTEST_H

#include <stdint.h>

#define MEMTEST_LAST_WORD	4088

static inline uint64_t memtest_pattern(uint64_t addr)
{
	return (addr * 0x9e3779b97f4a7c15ull) ^ 0x6d656d7465737436ull;
}

static inline uint64_t memtest_mix(uint64_t sum, uint64_t first, uint64_t last)
{
	sum ^= first;
	sum = (sum << 13) | (sum >> 51);
	sum += last;
	return sum * 0x100000001b3ull;
}

#endif /* GUESTS_MEMTEST_H */
