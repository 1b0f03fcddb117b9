// SPDX-License-Identifier: GPL-2.0
/*
 * hello64: a long-mode guest (mvctl create --mode long --mem 16M --image
 * hello64.bin). Prints a banner, what CPUID tells a guest, and one line
 * exercising every printf conversion, then exits with status 0.
 */
#include "guest.h"

#define CPUID_1_ECX_VMX		(1u << 5)
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)
#define CPUID_80000001_ECX_SVM	(1u << 2)

/* Twelve bytes from three registers, in the order CPUID leaves use. */
static void regs_string(char *s, uint32_t a, uint32_t b, uint32_t c)
{
	memcpy(s, &a, 4);
	memcpy(s + 4, &b, 4);
	memcpy(s + 8, &c, 4);
	s[12] = 0;
}

int main(unsigned long mem_size, struct mvboot_info *bi)
{
	uint32_t r[4];
	char vendor[13], sig[13];

	printf("Hello from a 64-bit minivisor guest!\n");
	printf("RAM: %lu MiB (boot info magic %s)\n", mem_size >> 20,
	       bi->magic == MVBOOT_MAGIC ? "ok" : "bad");

	cpuid(0, 0, r);
	regs_string(vendor, r[1], r[3], r[2]);
	printf("CPU vendor: %s, max leaf 0x%x\n", vendor, r[0]);

	cpuid(1, 0, r);
	printf("CPUID.1: eax 0x%08x ecx 0x%08x edx 0x%08x: hypervisor %s, vmx %s\n",
	       r[0], r[2], r[3], (r[2] & CPUID_1_ECX_HYPERVISOR) ? "yes" : "no",
	       (r[2] & CPUID_1_ECX_VMX) ? "yes" : "no");
	cpuid(0x80000001, 0, r);
	printf("CPUID.80000001: ecx 0x%08x: svm %s\n", r[2],
	       (r[2] & CPUID_80000001_ECX_SVM) ? "yes" : "no");

	cpuid(0x40000000, 0, r);
	regs_string(sig, r[1], r[2], r[3]);
	printf("hypervisor: %s, max leaf 0x%x\n", sig, r[0]);

	printf("printf: %d %u %x %lx %s %p %c %5d|%-5d|%05x %%\n", -42, 42u,
	       0xbeefu, 0x123456789abcdefUL, "str", (void *)0x1000, 'c', 7, 7, 0xab);
	return 0;
}
