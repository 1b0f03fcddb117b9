// SPDX-License-Identifier: GPL-2.0
/*
 * The IDT and the C side of interrupt handling for 64-bit guests (see
 * lib/intr.h; the entry stubs are in lib/intr64.S).
 */
#include "intr.h"

#define STUB_SIZE	16
#define GATE_INTR	0x8e	/* present, DPL 0, 64-bit interrupt gate (IF cleared) */

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
static intr_hook_t hooks[256];
static int idt_built;

uint32_t intr_count[256];
uint64_t intr_last_rip[256];

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?", "#TS",
	"#NP", "#SS", "#GP", "#PF", "?", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void intr_dispatch(struct intr_frame *f)
{
	unsigned int v = f->vector & 0xff;

	__atomic_add_fetch(&intr_count[v], 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&intr_last_rip[v], f->rip, __ATOMIC_SEQ_CST);
	if (hooks[v]) {
		hooks[v](f);
	} else if (v < 32 && v != 2) {
		unsigned long cr2;

		asm volatile("mov %%cr2, %0" : "=r"(cr2));
		printf("exception %u %s at rip %lx error %lx cr2 %lx\n", v,
		       exc_names[v] ? exc_names[v] : "?", (unsigned long)f->rip,
		       (unsigned long)f->error, cr2);
		exit(INTR_EXIT_EXCEPTION + v);
	}
	if (v >= 32 && v != 0xff)
		apic_write(APIC_EOI, 0);
}

void intr_set_hook(unsigned int vector, intr_hook_t hook)
{
	hooks[vector & 0xff] = hook;
}

void intr_init(void)
{
	struct idt_ptr p = { .limit = sizeof(idt) - 1, .base = (uint64_t)idt };
	uint16_t cs;

	if (!idt_built) {
		asm volatile("mov %%cs, %0" : "=r"(cs));
		for (int i = 0; i < 256; i++) {
			uint64_t a = (uint64_t)intr_stubs + i * STUB_SIZE;

			idt[i].off_lo = a;
			idt[i].sel = cs;
			idt[i].ist = 0;
			idt[i].type = GATE_INTR;
			idt[i].off_mid = a >> 16;
			idt[i].off_hi = a >> 32;
			idt[i].zero = 0;
		}
		idt_built = 1;
	}
	asm volatile("lidt %0" : : "m"(p) : "memory");
}
