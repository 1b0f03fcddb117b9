/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The minivisor guest runtime: port I/O, CPUID, COM1 output, printf, exit.
 * For freestanding 32- and 64-bit guests built from tools/guests/ (no libc;
 * only the compiler's own headers).
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/mvctl/bootinfo.h"

#define __printf(a, b)	__attribute__((__format__(printf, a, b)))
#define __noreturn	__attribute__((__noreturn__))

#define COM1		0x3f8
#define EXIT_PORT	0xf4	/* OUT: mvctl exits with the value */

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("out %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("out %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("out %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("in %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("in %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("in %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* CPUID leaf @leaf, subleaf @sub: r[0..3] = EAX, EBX, ECX, EDX. */
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

static inline unsigned long read_cr0(void)
{
	unsigned long v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

/* The boot information mvctl left at MVBOOT_ADDR. */
static inline struct mvboot_info *bootinfo(void)
{
	return (struct mvboot_info *)MVBOOT_ADDR;
}

/* Linker script symbols: the image ends (page aligned) at _end. */
extern char _end[];

void putchar(int c);
void puts(const char *s);	/* no newline added */
int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
void exit(int status) __noreturn;

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

int main(unsigned long mem_size, struct mvboot_info *bi);

#endif /* GUEST_H */
