// SPDX-License-Identifier: GPL-2.0
/*
 * irq64: a long-mode guest for minivisor's in-kernel irqchip, driven by
 * selftests/minivisor/irqchip_test.c through the ports in irq64.h. The test
 * hands it a scenario (local APIC timer modes, TPR and ISR priorities, I/O
 * APIC edge and level pins, the PIT, the interrupt window, two vCPUs with
 * INIT / SIPI and IPIs) and the host's TSC frequency; the guest reports
 * what it saw as key / value pairs and the test judges.
 *
 * Interrupts go through lib/intr.c: every vector is counted, and the
 * dispatcher sends the EOI.
 */
#include "guest.h"
#include "intr.h"
#include "irq64.h"

#define PIT_HZ		1193182ull
#define STR(x)		#x
#define XSTR(x)		STR(x)

/* The address of an assembler symbol (labels in the asm below). */
#define SYM_ADDR(sym) ({ \
	uint64_t __a; \
	asm("lea " #sym "(%%rip), %0" : "=r"(__a)); \
	__a; \
})

static uint64_t tsc_khz;

static uint32_t param(void)
{
	return inl(IRQT_PORT_PARAM);
}

static void report(uint32_t key, uint64_t val)
{
	outl(IRQT_PORT_HI, val >> 32);
	outl(IRQT_PORT_LO, val);
	outl(IRQT_PORT_KEY, key);
}

static void event(uint32_t ev)
{
	outl(IRQT_PORT_EVENT, ev);
}

static uint64_t us_to_tsc(uint64_t us)
{
	return tsc_khz * us / 1000;
}

static void spin_us(uint64_t us)
{
	uint64_t end = rdtsc() + us_to_tsc(us);

	while (rdtsc() < end)
		asm volatile("pause");
}

/* Spin @us with interrupts enabled, then disable them again. */
static void open_us(uint64_t us)
{
	sti();
	spin_us(us);
	cli();
}

/* Sleep in HLT (IF=1) until @vector was taken @target times in all. */
static void wait_count(unsigned int vector, uint32_t target)
{
	while (intr_read_count(vector) < target)
		sti_hlt_cli();
}

/* Spin until *@p == @want or @us pass: 0 or IRQT_EXIT_TIMEOUT. */
static int spin_until(uint32_t *p, uint32_t want, uint64_t us, const char *what)
{
	uint64_t end = rdtsc() + us_to_tsc(us);

	while (__atomic_load_n(p, __ATOMIC_SEQ_CST) != want) {
		if (rdtsc() > end) {
			printf("timeout waiting for %s (%u, want %u)\n", what,
			       __atomic_load_n(p, __ATOMIC_SEQ_CST), want);
			return IRQT_EXIT_TIMEOUT;
		}
		asm volatile("pause");
	}
	return 0;
}

/*
 * (a) TSC-deadline mode: arm a deadline @delta_us ahead, STI; HLT until the
 * interrupt, @n times; then a deadline already passed and one disarmed.
 */
static int test_deadline(void)
{
	uint32_t n = param(), delta_us = param();
	uint32_t early = 0, stale = 0, bad = 0, before, r[4];
	uint64_t delta = us_to_tsc(delta_us), lat = 0;

	cpuid(1, 0, r);
	report(IRQT_K_CPUID1_ECX, r[2]);
	report(IRQT_K_CPUID1_EDX, r[3]);
	if (!(r[3] & (1u << 9)))
		return IRQT_EXIT_NO_APIC;
	if (!(r[2] & (1u << 24)))
		return IRQT_EXIT_NO_DEADLINE;
	if (!n)
		return IRQT_EXIT_BAD_PARAM;

	apic_write(APIC_LVTT, APIC_LVTT_DEADLINE | IRQT_VEC_DEADLINE);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t dl, now, back;

		before = intr_read_count(IRQT_VEC_DEADLINE);
		dl = rdtsc() + delta;
		wrmsr(MSR_TSC_DEADLINE, dl);
		back = rdmsr(MSR_TSC_DEADLINE);
		/* Armed: reads back; fired meanwhile (IF=0, not taken yet): 0. */
		if (back != dl && !(back == 0 && rdtsc() >= dl))
			bad++;
		wait_count(IRQT_VEC_DEADLINE, before + 1);
		now = rdtsc();
		if (now < dl)
			early++;
		else
			lat += now - dl;
		if (rdmsr(MSR_TSC_DEADLINE))
			stale++;
	}
	report(IRQT_K_COUNT, intr_read_count(IRQT_VEC_DEADLINE));
	report(IRQT_K_EARLY, early);
	report(IRQT_K_STALE, stale);
	report(IRQT_K_READBACK_BAD, bad);
	report(IRQT_K_LATENCY, lat / n);

	/* A deadline already passed fires at once. */
	before = intr_read_count(IRQT_VEC_DEADLINE);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() - 1);
	open_us(2000);
	report(IRQT_K_PAST_FIRED, intr_read_count(IRQT_VEC_DEADLINE) - before);

	/*
	 * Writing 0 disarms. 50 ms ahead: a deadline that passes between the
	 * two writes (a stalled host) fires legitimately.
	 */
	before = intr_read_count(IRQT_VEC_DEADLINE);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + us_to_tsc(50000));
	wrmsr(MSR_TSC_DEADLINE, 0);
	open_us(100000);
	report(IRQT_K_DISARMED_FIRED, intr_read_count(IRQT_VEC_DEADLINE) - before);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	return 0;
}

/* (b) One-shot: TMICT with divide-by-1, then divide-by-16; TMCCT counts down. */
static int test_oneshot(void)
{
	uint32_t c1 = param(), c16 = param(), m1, m2, before;
	uint64_t t0, t1;

	apic_write(APIC_TDCR, 0xb);	/* divide by 1 */
	report(IRQT_K_TDCR, apic_read(APIC_TDCR));
	apic_write(APIC_LVTT, APIC_LVTT_ONESHOT | IRQT_VEC_ONESHOT);

	before = intr_read_count(IRQT_VEC_ONESHOT);
	t0 = rdtsc();
	apic_write(APIC_TMICT, c1);
	m1 = apic_read(APIC_TMCCT);
	m2 = apic_read(APIC_TMCCT);
	wait_count(IRQT_VEC_ONESHOT, before + 1);
	t1 = rdtsc();
	report(IRQT_K_TMCCT1, m1);
	report(IRQT_K_TMCCT2, m2);
	report(IRQT_K_TMCCT_AFTER, apic_read(APIC_TMCCT));
	report(IRQT_K_ELAPSED, t1 - t0);

	apic_write(APIC_TDCR, 0x3);	/* divide by 16 */
	before = intr_read_count(IRQT_VEC_ONESHOT);
	t0 = rdtsc();
	apic_write(APIC_TMICT, c16);
	wait_count(IRQT_VEC_ONESHOT, before + 1);
	t1 = rdtsc();
	report(IRQT_K_ELAPSED_DIV16, t1 - t0);

	/* One-shot means once: nothing in the next two periods. */
	before = intr_read_count(IRQT_VEC_ONESHOT);
	open_us(2ull * c16 * 16 / 1000 + 1000);
	report(IRQT_K_EXTRA, intr_read_count(IRQT_VEC_ONESHOT) - before);
	report(IRQT_K_COUNT, intr_read_count(IRQT_VEC_ONESHOT));
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	return 0;
}

/* (b) Periodic, divide by 2: @periods interrupts from one TMICT write, then stop. */
static int test_periodic(void)
{
	uint32_t c = param(), periods = param(), before, got, mid = 0;
	uint64_t t0, t1, period_us = (uint64_t)c * 2 / 1000;

	apic_write(APIC_TDCR, 0x0);	/* divide by 2 */
	report(IRQT_K_TDCR, apic_read(APIC_TDCR));
	apic_write(APIC_LVTT, APIC_LVTT_PERIODIC | IRQT_VEC_PERIODIC);
	before = intr_read_count(IRQT_VEC_PERIODIC);
	t0 = rdtsc();
	apic_write(APIC_TMICT, c);
	while ((got = intr_read_count(IRQT_VEC_PERIODIC) - before) < periods) {
		sti_hlt_cli();
		if (!mid && intr_read_count(IRQT_VEC_PERIODIC) - before == 1)
			mid = apic_read(APIC_TMCCT);
	}
	t1 = rdtsc();
	apic_write(APIC_TMICT, 0);	/* stops the timer */
	report(IRQT_K_COUNT, got);
	report(IRQT_K_ELAPSED, t1 - t0);
	report(IRQT_K_TMCCT_MID, mid);
	report(IRQT_K_TMCCT_AFTER, apic_read(APIC_TMCCT));

	/* One period may have been raised before the stop: take it, then none. */
	open_us(200);
	before = intr_read_count(IRQT_VEC_PERIODIC);
	open_us(3 * period_us + 1000);
	report(IRQT_K_EXTRA, intr_read_count(IRQT_VEC_PERIODIC) - before);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	return 0;
}

/* Written in class6_hook(), read after the STI that let it run ("memory" clobber). */
static uint32_t ppr_in_handler, nested_lower, nested_higher;

/* In service: 0x65. A lower class must wait for its EOI, a higher one nests. */
static void class6_hook(struct intr_frame *f)
{
	(void)f;
	ppr_in_handler = apic_read(APIC_PPR);
	apic_ipi(0, APIC_ICR_SELF | IRQT_VEC_CLASS5);
	apic_ipi(0, APIC_ICR_SELF | IRQT_VEC_CLASS7);
	open_us(2000);
	nested_lower = intr_read_count(IRQT_VEC_CLASS5);
	nested_higher = intr_read_count(IRQT_VEC_CLASS7);
}

/* TPR, PPR and ISR classes with self IPIs, and an NMI taken with IF=0. */
static int test_priority(void)
{
	uint32_t isr = 0;

	apic_write(APIC_TPR, 0x50);
	report(IRQT_K_PPR, apic_read(APIC_PPR));
	apic_ipi(0, APIC_ICR_SELF | IRQT_VEC_CLASS4);
	open_us(2000);
	report(IRQT_K_BLOCKED, intr_read_count(IRQT_VEC_CLASS4));
	report(IRQT_K_IRR_SET, apic_vec_bit(APIC_IRR, IRQT_VEC_CLASS4));
	apic_write(APIC_TPR, 0);
	open_us(2000);
	report(IRQT_K_AFTER_TPR, intr_read_count(IRQT_VEC_CLASS4));

	intr_set_hook(IRQT_VEC_CLASS6, class6_hook);
	apic_ipi(0, APIC_ICR_SELF | IRQT_VEC_CLASS6);
	open_us(4000);
	report(IRQT_K_PPR_IN_HANDLER, ppr_in_handler);
	report(IRQT_K_NESTED_LOWER, nested_lower);
	report(IRQT_K_NESTED_HIGHER, nested_higher);
	report(IRQT_K_LOWER_AFTER_EOI, intr_read_count(IRQT_VEC_CLASS5));

	/* NMI to our own APIC ID (the self shorthand is for fixed IPIs only). */
	apic_ipi(apic_read(APIC_ID) >> 24, APIC_ICR_NMI);
	spin_us(2000);
	report(IRQT_K_NMI_IF0, intr_read_count(2));

	for (int i = 0; i < 8; i++)
		isr |= apic_read(APIC_ISR + i * 0x10);
	report(IRQT_K_ISR_AFTER, isr);
	return 0;
}

/* (c) An edge-triggered pin: one pulse from another thread while in HLT. */
static int test_ioapic_edge(void)
{
	uint32_t gsi = param(), before;

	if (gsi >= 24)
		return IRQT_EXIT_BAD_PARAM;
	report(IRQT_K_IOAPIC_VERSION, ioapic_read(IOAPIC_REG_VERSION));
	ioapic_set_pin(gsi, 0, IRQT_VEC_EDGE);
	report(IRQT_K_RTE_READBACK, ioapic_pin_lo(gsi));

	before = intr_read_count(IRQT_VEC_EDGE);
	event(IRQT_EV_PULSE_LATER | gsi);
	wait_count(IRQT_VEC_EDGE, before + 1);
	open_us(20000);
	report(IRQT_K_EDGE_COUNT, intr_read_count(IRQT_VEC_EDGE) - before);

	/* A pulse on a masked edge pin is lost, also once it is unmasked. */
	ioapic_set_pin(gsi, 0, IRQT_VEC_EDGE | IOAPIC_RTE_MASKED);
	before = intr_read_count(IRQT_VEC_EDGE);
	event(IRQT_EV_PULSE | gsi);
	open_us(5000);
	ioapic_set_pin(gsi, 0, IRQT_VEC_EDGE);
	open_us(5000);
	report(IRQT_K_MASKED_FIRED, intr_read_count(IRQT_VEC_EDGE) - before);

	/* Raising a line that is already high is no edge. */
	before = intr_read_count(IRQT_VEC_EDGE);
	event(IRQT_EV_HIGH | gsi);
	open_us(5000);
	event(IRQT_EV_HIGH | gsi);
	open_us(5000);
	event(IRQT_EV_LOW | gsi);
	open_us(2000);
	report(IRQT_K_HIGH_AGAIN, intr_read_count(IRQT_VEC_EDGE) - before);
	report(IRQT_K_COUNT, intr_read_count(IRQT_VEC_EDGE));
	return 0;
}

/* Shared with level_hook(); the STI / CLI around it are compiler barriers. */
static uint32_t level_gsi, level_deassert_at, remote_irr_seen;

/* Before the EOI: Remote IRR must be set; ask for the deassert on the last one. */
static void level_hook(struct intr_frame *f)
{
	(void)f;
	if (ioapic_pin_lo(level_gsi) & IOAPIC_RTE_REMOTE_IRR)
		remote_irr_seen++;
	if (intr_read_count(IRQT_VEC_LEVEL) == level_deassert_at)
		event(IRQT_EV_LOW | level_gsi);
}

/* (c) A level-triggered pin fires again after each EOI while it is high. */
static int test_ioapic_level(void)
{
	uint32_t gsi = param(), times = param(), before;
	const uint32_t lvl = IRQT_VEC_LEVEL | IOAPIC_RTE_LEVEL;

	if (gsi >= 24 || !times)
		return IRQT_EXIT_BAD_PARAM;
	level_gsi = gsi;
	intr_set_hook(IRQT_VEC_LEVEL, level_hook);
	ioapic_set_pin(gsi, 0, lvl);
	report(IRQT_K_RTE_READBACK, ioapic_pin_lo(gsi));

	level_deassert_at = times;
	event(IRQT_EV_HIGH | gsi);
	wait_count(IRQT_VEC_LEVEL, times);
	open_us(20000);
	report(IRQT_K_COUNT, intr_read_count(IRQT_VEC_LEVEL));
	report(IRQT_K_REMOTE_IRR_SEEN, remote_irr_seen);
	report(IRQT_K_RTE_AFTER, ioapic_pin_lo(gsi));

	/* Masked, the high line waits; unmasking fires it. */
	ioapic_set_pin(gsi, 0, lvl | IOAPIC_RTE_MASKED);
	before = intr_read_count(IRQT_VEC_LEVEL);
	level_deassert_at = before + 1;
	event(IRQT_EV_HIGH | gsi);
	open_us(5000);
	report(IRQT_K_MASKED_FIRED, intr_read_count(IRQT_VEC_LEVEL) - before);
	ioapic_set_pin(gsi, 0, lvl);
	wait_count(IRQT_VEC_LEVEL, before + 1);
	open_us(5000);
	report(IRQT_K_UNMASK_FIRED, intr_read_count(IRQT_VEC_LEVEL) - before);
	return 0;
}

/* Channel 2's count, latched (counter latch command). */
static uint16_t pit2_read(void)
{
	uint8_t lo, hi;

	outb(0x43, 0x80);
	lo = inb(0x42);
	hi = inb(0x42);
	return lo | (hi << 8);
}

#define PIT_TRIES	5

/* The median of PIT_TRIES values: a host stall in one try moves only that one. */
static uint64_t median(uint64_t *v)
{
	for (int i = 1; i < PIT_TRIES; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return v[PIT_TRIES / 2];
}

/*
 * (d) Measure the TSC against PIT channel 2 the two ways Linux does, each
 * PIT_TRIES times (Linux retries too, and keeps the best of three).
 */
static int test_pit(void)
{
	uint32_t ms = param(), latch, polls = 0;
	uint64_t t1, t2, a, b, limit, out2[PIT_TRIES], count[PIT_TRIES];
	uint16_t c1, c2;

	if (!ms || ms > 50)
		return IRQT_EXIT_BAD_PARAM;
	limit = us_to_tsc(ms * 1000ull * 20);
	latch = PIT_HZ * ms / 1000;

	for (int i = 0; i < PIT_TRIES; i++) {
		/* pit_calibrate_tsc(): gate high, speaker off, mode 0, poll OUT2 */
		outb(0x61, (inb(0x61) & ~0x02) | 0x01);
		if (!i)
			report(IRQT_K_PIT_GATE, inb(0x61));
		outb(0x43, 0xb0);	/* channel 2, LSB then MSB, mode 0, binary */
		outb(0x42, latch & 0xff);
		outb(0x42, latch >> 8);
		t1 = rdtsc();
		polls = 0;
		while (!(inb(0x61) & 0x20)) {
			polls++;
			if (rdtsc() - t1 > limit) {
				printf("OUT2 never went high (%u polls)\n", polls);
				return IRQT_EXIT_TIMEOUT;
			}
		}
		t2 = rdtsc();
		out2[i] = (t2 - t1) * PIT_HZ / (latch * 1000ull);

		/* quick_pit_calibrate()-like: sample the count and the TSC together. */
		outb(0x43, 0xb0);
		outb(0x42, 0xff);
		outb(0x42, 0xff);
		a = rdtsc();
		c1 = pit2_read();
		b = rdtsc();
		t1 = a + (b - a) / 2;
		do {
			a = rdtsc();
			c2 = pit2_read();
			b = rdtsc();
			if (b - t1 > limit) {
				printf("PIT count stuck at %u\n", c2);
				return IRQT_EXIT_TIMEOUT;
			}
		} while ((uint16_t)(c1 - c2) < latch);
		t2 = a + (b - a) / 2;
		count[i] = (t2 - t1) * PIT_HZ / ((uint16_t)(c1 - c2) * 1000ull);
		outb(0x61, inb(0x61) & ~0x03);
	}
	report(IRQT_K_PIT_KHZ_OUT2, median(out2));
	report(IRQT_K_PIT_OUT2_MIN, out2[0]);		/* sorted by median() */
	report(IRQT_K_PIT_OUT2_MAX, out2[PIT_TRIES - 1]);
	report(IRQT_K_PIT_POLLS, polls);
	report(IRQT_K_PIT_KHZ_COUNT, median(count));
	return 0;
}

static int test_pit_ch0(void)
{
	uint32_t n = param(), latch = PIT_HZ / 100, before;
	uint64_t t0, t1;

	if (!n)
		return IRQT_EXIT_BAD_PARAM;
	ioapic_set_pin(2, 0, IRQT_VEC_PIT);
	outb(0x43, 0x34);	/* channel 0, LSB then MSB, mode 2 */
	t0 = rdtsc();
	outb(0x40, latch & 0xff);
	outb(0x40, latch >> 8);
	wait_count(IRQT_VEC_PIT, n);
	t1 = rdtsc();
	outb(0x43, 0x30);	/* mode 0 without a count: stops channel 0 */
	report(IRQT_K_COUNT, intr_read_count(IRQT_VEC_PIT));
	report(IRQT_K_ELAPSED, t1 - t0);
	open_us(200);
	before = intr_read_count(IRQT_VEC_PIT);
	open_us(30000);
	report(IRQT_K_EXTRA, intr_read_count(IRQT_VEC_PIT) - before);
	return 0;
}

/* (e) An interrupt raised while IF=0 arrives right after STI's shadow. */
static int __attribute__((noinline)) test_window(void)
{
	uint32_t gsi = param();

	if (gsi >= 24)
		return IRQT_EXIT_BAD_PARAM;
	ioapic_set_pin(gsi, 0, IRQT_VEC_WINDOW);
	cli();
	event(IRQT_EV_PULSE | gsi);
	spin_us(5000);
	report(IRQT_K_BEFORE_STI, intr_read_count(IRQT_VEC_WINDOW));
	asm volatile("sti; cli" : : : "memory");
	report(IRQT_K_AFTER_STI_CLI, intr_read_count(IRQT_VEC_WINDOW));
	asm volatile("sti\n\tnop\n\t.globl irqt_window_cli\nirqt_window_cli:\n\tcli"
		     : : : "memory");
	report(IRQT_K_AFTER_STI_NOP, intr_read_count(IRQT_VEC_WINDOW));
	/* Where it should have been interrupted: right before the cli. */
	report(IRQT_K_RIP_AT_CLI, intr_read_rip(IRQT_VEC_WINDOW) == SYM_ADDR(irqt_window_cli));
	return 0;
}

/*
 * (f) The application processor's trampoline, copied to IRQT_TRAMP_BASE and
 * started there by SIPI (CS = 0800h, IP = 0): report CPUID's APIC ID from
 * real mode, then protected mode on its own GDT, then long mode on mvctl's
 * page tables (CR3 = MVBOOT_PML4), then ap_main() on the stack the BSP put
 * in tramp_stack. The BSP also fills in tramp_entry and tramp_key (the
 * report key of the real-mode APIC ID).
 */
asm(
"	.pushsection .rodata.tramp, \"a\"\n"
"	.globl	tramp_start, tramp_end, tramp_stack, tramp_entry, tramp_key\n"
"	.code16\n"
"tramp_start:\n"
"	cli\n"
"	cld\n"
"	movw	%cs, %ax\n"
"	movw	%ax, %ds\n"
"	movl	$1, %eax\n"
"	cpuid\n"
"	shrl	$24, %ebx\n"
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(IRQT_PORT_HI) "\n"
"	movl	%ebx, %eax\n"
"	outl	%eax, $" XSTR(IRQT_PORT_LO) "\n"
"	movl	tramp_key - tramp_start, %eax\n"
"	outl	%eax, $" XSTR(IRQT_PORT_KEY) "\n"
"	lgdtl	tramp_gdtr - tramp_start\n"
"	movl	$0x11, %eax\n"			/* CR0: PE, ET (CD, NW off) */
"	movl	%eax, %cr0\n"
"	ljmpl	$0x18, $(" XSTR(IRQT_TRAMP_BASE) " + tramp32 - tramp_start)\n"
"	.code32\n"
"tramp32:\n"
"	movl	$0x10, %eax\n"
"	movw	%ax, %ds\n"
"	movw	%ax, %es\n"
"	movw	%ax, %ss\n"
"	movw	%ax, %fs\n"
"	movw	%ax, %gs\n"
"	movl	$0x620, %eax\n"			/* CR4: PAE, OSFXSR, OSXMMEXCPT */
"	movl	%eax, %cr4\n"
"	movl	$" XSTR(MVBOOT_PML4) ", %eax\n"
"	movl	%eax, %cr3\n"
"	movl	$0xc0000080, %ecx\n"		/* EFER.LME */
"	rdmsr\n"
"	orl	$0x100, %eax\n"
"	wrmsr\n"
"	movl	$0x80010033, %eax\n"		/* CR0: PG, WP, NE, ET, MP, PE */
"	movl	%eax, %cr0\n"
"	ljmp	$0x08, $(" XSTR(IRQT_TRAMP_BASE) " + tramp64 - tramp_start)\n"
"	.code64\n"
"tramp64:\n"
"	movq	" XSTR(IRQT_TRAMP_BASE) " + (tramp_stack - tramp_start), %rsp\n"
"	movq	" XSTR(IRQT_TRAMP_BASE) " + (tramp_entry - tramp_start), %rax\n"
"	call	*%rax\n"
"1:	cli\n"
"	hlt\n"
"	jmp	1b\n"
"	.balign	8\n"
"tramp_gdt:\n"
"	.quad	0\n"
"	.quad	0x00af9b000000ffff\n"		/* 0x08: 64-bit code */
"	.quad	0x00cf93000000ffff\n"		/* 0x10: data */
"	.quad	0x00cf9b000000ffff\n"		/* 0x18: 32-bit code */
"tramp_gdtr:\n"
"	.word	31\n"
"	.long	" XSTR(IRQT_TRAMP_BASE) " + (tramp_gdt - tramp_start)\n"
"	.balign	8\n"
"tramp_stack:\n"
"	.quad	0\n"
"tramp_entry:\n"
"	.quad	0\n"
"tramp_key:\n"
"	.long	0\n"
"tramp_end:\n"
"	.popsection\n"
);

/* Where a trampoline symbol lands in the copy at IRQT_TRAMP_BASE. */
#define TRAMP_SLOT(sym)	((void *)(IRQT_TRAMP_BASE + SYM_ADDR(sym) - SYM_ADDR(tramp_start)))

/* Shared by the two CPUs: always accessed with __atomic builtins. */
static uint32_t ap_round, ap_alive, ap_id, ap_nmi_done;
static uint8_t ap_stack[16384] __attribute__((aligned(16)));

/* The AP in long mode. Round 1: take a fixed IPI, answer, take an NMI in HLT with IF=0. */
static void ap_main(void)
{
	uint32_t round = __atomic_load_n(&ap_round, __ATOMIC_SEQ_CST);

	intr_init();
	apic_enable(IRQT_VEC_SPURIOUS);
	if (round == 1) {
		__atomic_store_n(&ap_id, apic_read(APIC_ID) >> 24, __ATOMIC_SEQ_CST);
		__atomic_store_n(&ap_alive, round, __ATOMIC_SEQ_CST);
		wait_count(IRQT_VEC_TO_AP, 1);
		apic_ipi(0, APIC_ICR_FIXED | IRQT_VEC_TO_BSP);
		while (intr_read_count(2) < 1)
			asm volatile("hlt" : : : "memory");	/* IF=0: only an NMI gets through */
		__atomic_store_n(&ap_nmi_done, 1, __ATOMIC_SEQ_CST);
	} else {
		__atomic_store_n(&ap_alive, round, __ATOMIC_SEQ_CST);
	}
	for (;;)
		asm volatile("cli; hlt");
}

/*
 * INIT assert, @init_us, INIT deassert, then two STARTUPs @sipi_us apart to
 * APIC ID 1: wakeup_secondary_cpu_via_init() in Linux, which on current
 * CPUs (init_udelay = 0) waits 0 and 20 us, on old ones 10 ms and 500 us.
 */
static void start_ap(uint64_t init_us, uint64_t sipi_us)
{
	apic_ipi(1, APIC_ICR_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);
	spin_us(init_us);
	apic_ipi(1, APIC_ICR_INIT | APIC_ICR_LEVEL);
	for (int i = 0; i < 2; i++) {
		apic_ipi(1, APIC_ICR_STARTUP | (IRQT_TRAMP_BASE >> 12));
		spin_us(sipi_us);
	}
}

/* (f) The BSP: bring the AP up, exchange IPIs, NMI it, INIT + SIPI it again. */
static int test_smp(void)
{
	const uint64_t wait_us = 5000000;
	int ret;

	memcpy((void *)IRQT_TRAMP_BASE, (void *)SYM_ADDR(tramp_start),
	       SYM_ADDR(tramp_end) - SYM_ADDR(tramp_start));
	*(uint64_t *)TRAMP_SLOT(tramp_stack) = (uint64_t)(ap_stack + sizeof(ap_stack));
	*(uint64_t *)TRAMP_SLOT(tramp_entry) = (uint64_t)ap_main;
	*(uint32_t *)TRAMP_SLOT(tramp_key) = IRQT_K_AP_REAL_ID;

	/* Round 1: the AP waits for SIPI since its creation; Linux's timing. */
	__atomic_store_n(&ap_round, 1, __ATOMIC_SEQ_CST);
	start_ap(0, 20);
	ret = spin_until(&ap_alive, 1, wait_us, "the AP (INIT, SIPI, SIPI without delays)");
	if (ret)
		return ret;
	report(IRQT_K_AP_ID, __atomic_load_n(&ap_id, __ATOMIC_SEQ_CST));

	apic_ipi(1, APIC_ICR_FIXED | IRQT_VEC_TO_AP);
	wait_count(IRQT_VEC_TO_BSP, 1);
	report(IRQT_K_AP_GOT, intr_read_count(IRQT_VEC_TO_AP));
	report(IRQT_K_BSP_GOT, intr_read_count(IRQT_VEC_TO_BSP));

	apic_ipi(1, APIC_ICR_NMI);
	ret = spin_until(&ap_nmi_done, 1, wait_us, "the AP's NMI");
	if (ret)
		return ret;
	report(IRQT_K_AP_NMI, intr_read_count(2));

	/* Round 2: the AP sits in HLT with IF=0; INIT and SIPI with old delays. */
	__atomic_store_n(&ap_alive, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ap_round, 2, __ATOMIC_SEQ_CST);
	start_ap(10000, 500);
	ret = spin_until(&ap_alive, 2, wait_us, "the halted AP (INIT, 10 ms, SIPI, SIPI)");
	if (ret)
		return ret;
	report(IRQT_K_AP_ROUND2, __atomic_load_n(&ap_alive, __ATOMIC_SEQ_CST));
	return 0;
}

int main(unsigned long mem_size, struct mvboot_info *bi)
{
	uint32_t scenario = param();

	(void)mem_size;
	(void)bi;
	tsc_khz = param();
	if (!tsc_khz)
		return IRQT_EXIT_BAD_PARAM;
	intr_init();
	apic_enable(IRQT_VEC_SPURIOUS);
	cli();

	switch (scenario) {
	case IRQT_DEADLINE:
		return test_deadline();
	case IRQT_ONESHOT:
		return test_oneshot();
	case IRQT_PERIODIC:
		return test_periodic();
	case IRQT_PRIORITY:
		return test_priority();
	case IRQT_IOAPIC_EDGE:
		return test_ioapic_edge();
	case IRQT_IOAPIC_LEVEL:
		return test_ioapic_level();
	case IRQT_PIT:
		return test_pit();
	case IRQT_PIT_CH0:
		return test_pit_ch0();
	case IRQT_WINDOW:
		return test_window();
	case IRQT_SMP:
		return test_smp();
	}
	printf("unknown scenario %u\n", scenario);
	return IRQT_EXIT_BAD_PARAM;
}
