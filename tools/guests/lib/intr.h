/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupts for 64-bit guests: an IDT whose 256 gates all lead to one C
 * dispatcher (lib/intr64.S, lib/intr.c), per-vector counters, optional
 * per-vector hooks, and helpers for the local APIC (xAPIC MMIO at
 * 0xfee00000), the I/O APIC (0xfec00000) and MSRs. Linked only into the
 * guests that ask for it (see the Makefile): a guest that never calls
 * intr_init() runs exactly as before.
 *
 * The dispatcher counts the vector, remembers the interrupted RIP, calls the
 * hook if there is one, and then: exceptions (0-31) without a hook print
 * where they happened and end the guest with status INTR_EXIT_EXCEPTION +
 * vector; NMI (2) and the spurious vector need no EOI; every other vector
 * gets an EOI to the local APIC after the hook.
 */
#ifndef GUEST_INTR_H
#define GUEST_INTR_H

#include "guest.h"

#define INTR_EXIT_EXCEPTION	200

/**
 * struct intr_frame - what the stubs push, lowest address first.
 * @r15: @r14: @r13: @r12: @r11: @r10: @r9: @r8: @rbp: @rdi: @rsi: @rdx:
 *	@rcx: @rbx: @rax: the interrupted code's registers.
 * @vector: the vector.
 * @error: the exception's error code, 0 for the others.
 * @rip: @cs: @rflags: @rsp: @ss: pushed by the CPU.
 */
struct intr_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*intr_hook_t)(struct intr_frame *f);

/*
 * Interrupts taken per vector (all CPUs) and the RIP each one interrupted
 * last: written by handlers, so read them with intr_read_count() and
 * intr_read_rip().
 */
extern uint32_t intr_count[256];
extern uint64_t intr_last_rip[256];

/* lib/intr64.S: 256 entry stubs, 16 bytes apart; they call intr_dispatch(). */
extern char intr_stubs[];
void intr_dispatch(struct intr_frame *f);

/* Build the IDT (first call) and load it on this CPU. */
void intr_init(void);
/* Run @hook for @vector (NULL: none) before the EOI. */
void intr_set_hook(unsigned int vector, intr_hook_t hook);

static inline uint32_t intr_read_count(unsigned int vector)
{
	return __atomic_load_n(&intr_count[vector], __ATOMIC_SEQ_CST);
}

static inline uint64_t intr_read_rip(unsigned int vector)
{
	return __atomic_load_n(&intr_last_rip[vector], __ATOMIC_SEQ_CST);
}

static inline void cli(void)
{
	asm volatile("cli" : : : "memory");
}

static inline void sti(void)
{
	asm volatile("sti" : : : "memory");
}

/* STI; HLT (the HLT runs in STI's shadow: no interrupt slips in between), CLI. */
static inline void sti_hlt_cli(void)
{
	asm volatile("sti; hlt; cli" : : : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

/*
 * Device registers: one 32-bit MOV each, written out so that the compiler
 * cannot fold the access into another instruction that minivisor's MMIO
 * decoder does not know.
 */
static inline uint32_t mmio_read32(uint64_t addr)
{
	uint32_t v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

/* Local APIC registers (SDM vol. 3A table "Local APIC Register Address Map") */
#define APIC_BASE		0xfee00000ull
#define APIC_ID			0x020
#define APIC_TPR		0x080
#define APIC_PPR		0x0a0
#define APIC_EOI		0x0b0
#define APIC_SVR		0x0f0
#define APIC_ISR		0x100
#define APIC_IRR		0x200
#define APIC_ICR		0x300
#define APIC_ICR2		0x310
#define APIC_LVTT		0x320
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3e0

#define APIC_SVR_ENABLE		(1u << 8)
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVTT_ONESHOT	(0u << 17)
#define APIC_LVTT_PERIODIC	(1u << 17)
#define APIC_LVTT_DEADLINE	(2u << 17)
#define APIC_ICR_FIXED		(0u << 8)
#define APIC_ICR_NMI		(4u << 8)
#define APIC_ICR_INIT		(5u << 8)
#define APIC_ICR_STARTUP	(6u << 8)
#define APIC_ICR_ASSERT		(1u << 14)
#define APIC_ICR_LEVEL		(1u << 15)
#define APIC_ICR_SELF		(1u << 18)

#define MSR_TSC_DEADLINE	0x6e0

static inline uint32_t apic_read(uint32_t reg)
{
	return mmio_read32(APIC_BASE + reg);
}

static inline void apic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(APIC_BASE + reg, v);
}

/* Software-enable the local APIC with @spurious as the spurious vector. */
static inline void apic_enable(uint8_t spurious)
{
	apic_write(APIC_SVR, APIC_SVR_ENABLE | spurious);
}

/* Send an IPI: ICR high (destination APIC ID) first, the low word sends. */
static inline void apic_ipi(uint8_t dest, uint32_t icr)
{
	apic_write(APIC_ICR2, (uint32_t)dest << 24);
	apic_write(APIC_ICR, icr);
}

/* Is @vector's bit set in IRR / ISR (base APIC_IRR or APIC_ISR)? */
static inline int apic_vec_bit(uint32_t base, unsigned int vector)
{
	return (apic_read(base + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}

/* I/O APIC: IOREGSEL at +0, IOWIN at +10h; redirection entries from 10h. */
#define IOAPIC_BASE		0xfec00000ull
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_REDIR	0x10
#define IOAPIC_RTE_LEVEL	(1u << 15)
#define IOAPIC_RTE_REMOTE_IRR	(1u << 14)
#define IOAPIC_RTE_MASKED	(1u << 16)

static inline uint32_t ioapic_read(uint32_t reg)
{
	mmio_write32(IOAPIC_BASE, reg);
	return mmio_read32(IOAPIC_BASE + 0x10);
}

static inline void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOAPIC_BASE, reg);
	mmio_write32(IOAPIC_BASE + 0x10, v);
}

/* Program pin @pin: destination APIC ID @dest, low dword @lo (vector, flags). */
static inline void ioapic_set_pin(unsigned int pin, uint8_t dest, uint32_t lo)
{
	ioapic_write(IOAPIC_REG_REDIR + 2 * pin + 1, (uint32_t)dest << 24);
	ioapic_write(IOAPIC_REG_REDIR + 2 * pin, lo);
}

static inline uint32_t ioapic_pin_lo(unsigned int pin)
{
	return ioapic_read(IOAPIC_REG_REDIR + 2 * pin);
}

#endif /* GUEST_INTR_H */
