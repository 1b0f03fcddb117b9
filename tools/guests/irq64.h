/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol between the irq64 guest (tools/guests/irq64.c) and
 * selftests/minivisor/irqchip_test.c. Plain macros and enums only: the
 * guest (freestanding) and the test (libc) both include it.
 *
 * Ports (all 4 bytes wide except the exit port's usual sizes):
 *   IN  IRQT_PORT_PARAM   the next parameter from the test: first the
 *                         scenario (enum irqt_scenario), then the host's
 *                         TSC frequency in kHz, then the scenario's own
 *   OUT IRQT_PORT_LO      low 32 bits of a value to report
 *   OUT IRQT_PORT_HI      its high 32 bits (optional, 0 if not written)
 *   OUT IRQT_PORT_KEY     commit the value under a key (enum irqt_key)
 *   OUT IRQT_PORT_EVENT   ask the test to drive an I/O APIC input
 *                         (IRQT_EV_* | gsi)
 *   OUT 0xf4              the guest's exit status (0: no error seen)
 */
#ifndef IRQ64_H
#define IRQ64_H

#define IRQT_PORT_PARAM		0xe0
#define IRQT_PORT_LO		0xe4
#define IRQT_PORT_HI		0xe8
#define IRQT_PORT_KEY		0xec
#define IRQT_PORT_EVENT		0xf0

/* Events: the low byte is the GSI. */
#define IRQT_EV_HIGH		0x100	/* MV_IRQ_LINE level 1, now */
#define IRQT_EV_LOW		0x200	/* MV_IRQ_LINE level 0, now */
#define IRQT_EV_PULSE		0x300	/* 1 then 0, now */
#define IRQT_EV_PULSE_LATER	0x400	/* 1 then 0 from another thread, 50 ms later */
#define IRQT_EV_MASK		0xff00

#define IRQT_PULSE_DELAY_MS	50

enum irqt_scenario {
	IRQT_DEADLINE = 1,	/* params: n, delta_us */
	IRQT_ONESHOT,		/* params: count (divide by 1), count (divide by 16) */
	IRQT_PERIODIC,		/* params: count (divide by 2), periods */
	IRQT_PRIORITY,		/* TPR, PPR, ISR classes, self NMI */
	IRQT_IOAPIC_EDGE,	/* params: gsi */
	IRQT_IOAPIC_LEVEL,	/* params: gsi, times */
	IRQT_PIT,		/* params: calibration ms */
	IRQT_PIT_CH0,		/* params: interrupts to count */
	IRQT_WINDOW,		/* params: gsi */
	IRQT_SMP,		/* two vCPUs: INIT, SIPI, fixed IPIs, NMI, INIT again */
};

/* Vectors */
#define IRQT_VEC_DEADLINE	0x40
#define IRQT_VEC_ONESHOT	0x41
#define IRQT_VEC_PERIODIC	0x42
#define IRQT_VEC_EDGE		0x44
#define IRQT_VEC_WINDOW		0x46
#define IRQT_VEC_PIT		0x48
#define IRQT_VEC_LEVEL		0x4a
#define IRQT_VEC_TO_AP		0x50
#define IRQT_VEC_TO_BSP		0x51
#define IRQT_VEC_CLASS4		0x45	/* below TPR 0x50 */
#define IRQT_VEC_CLASS5		0x55	/* below the in-service 0x65 */
#define IRQT_VEC_CLASS6		0x65
#define IRQT_VEC_CLASS7		0x75	/* above it: nests */
#define IRQT_VEC_SPURIOUS	0xff

/* The application processor's real-mode trampoline (SIPI vector 08h). */
#define IRQT_TRAMP_BASE		0x8000

enum irqt_key {
	IRQT_K_CPUID1_ECX,
	IRQT_K_CPUID1_EDX,
	IRQT_K_COUNT,		/* interrupts seen */
	IRQT_K_EARLY,		/* timer interrupts before their time */
	IRQT_K_STALE,		/* IA32_TSC_DEADLINE not 0 after it fired */
	IRQT_K_READBACK_BAD,	/* IA32_TSC_DEADLINE read back wrong while armed */
	IRQT_K_LATENCY,		/* mean TSC ticks from deadline to handler */
	IRQT_K_PAST_FIRED,	/* a deadline already passed fired */
	IRQT_K_DISARMED_FIRED,	/* a deadline disarmed with 0 fired anyway */
	IRQT_K_TMCCT1,		/* current count right after TMICT */
	IRQT_K_TMCCT2,		/* a little later */
	IRQT_K_TMCCT_AFTER,	/* once the one-shot fired / the timer stopped */
	IRQT_K_ELAPSED,		/* TSC ticks from TMICT to the last interrupt */
	IRQT_K_ELAPSED_DIV16,
	IRQT_K_EXTRA,		/* interrupts after they should have stopped */
	IRQT_K_TMCCT_MID,	/* periodic: current count between interrupts */
	IRQT_K_TDCR,		/* divide configuration read back */
	IRQT_K_PPR,		/* PPR with TPR 0x50 */
	IRQT_K_BLOCKED,		/* class-4 interrupts taken under TPR 0x50 */
	IRQT_K_IRR_SET,		/* its IRR bit while blocked */
	IRQT_K_AFTER_TPR,	/* taken once TPR went back to 0 */
	IRQT_K_PPR_IN_HANDLER,	/* PPR while serving 0x65 */
	IRQT_K_NESTED_LOWER,	/* 0x55 taken inside 0x65's handler (IF=1) */
	IRQT_K_NESTED_HIGHER,	/* 0x75 taken inside 0x65's handler */
	IRQT_K_LOWER_AFTER_EOI,	/* 0x55 taken after 0x65's EOI */
	IRQT_K_NMI_IF0,		/* self NMI taken with IF=0 */
	IRQT_K_ISR_AFTER,	/* ISR words or-ed together at the end */
	IRQT_K_IOAPIC_VERSION,
	IRQT_K_RTE_READBACK,	/* low dword of the programmed entry */
	IRQT_K_EDGE_COUNT,	/* interrupts from one pulse */
	IRQT_K_MASKED_FIRED,	/* interrupts from a pulse on a masked pin */
	IRQT_K_HIGH_AGAIN,	/* interrupts from raising a high edge pin again */
	IRQT_K_REMOTE_IRR_SEEN,	/* handler runs that saw Remote IRR set */
	IRQT_K_RTE_AFTER,	/* low dword after the last EOI */
	IRQT_K_UNMASK_FIRED,	/* unmasking a high level pin fired it */
	IRQT_K_PIT_KHZ_OUT2,	/* TSC kHz measured polling OUT2 (mode 0) */
	IRQT_K_PIT_KHZ_COUNT,	/* TSC kHz measured reading the count */
	IRQT_K_PIT_POLLS,	/* port 61h reads in the OUT2 loop */
	IRQT_K_PIT_GATE,	/* port 61h with the gate set */
	IRQT_K_PIT_OUT2_MIN,	/* the lowest of the OUT2 measurements */
	IRQT_K_PIT_OUT2_MAX,	/* the highest */
	IRQT_K_BEFORE_STI,	/* taken while IF=0 (must be 0) */
	IRQT_K_AFTER_STI_CLI,	/* taken across "sti; cli" (must be 0) */
	IRQT_K_AFTER_STI_NOP,	/* taken across "sti; nop; cli" */
	IRQT_K_RIP_AT_CLI,	/* it interrupted right before the cli */
	IRQT_K_AP_REAL_ID,	/* AP, real mode: CPUID.1:EBX[31:24] */
	IRQT_K_AP_ID,		/* AP, long mode: its APIC ID register */
	IRQT_K_AP_GOT,		/* fixed IPIs the AP took */
	IRQT_K_BSP_GOT,		/* fixed IPIs the BSP took back */
	IRQT_K_AP_NMI,		/* NMIs the AP took in HLT with IF=0 */
	IRQT_K_AP_ROUND2,	/* the AP ran again after INIT + SIPI */
	IRQT_K_NR,
};

/* Exit statuses of the guest besides 0. */
#define IRQT_EXIT_BAD_PARAM	2
#define IRQT_EXIT_NO_APIC	3	/* CPUID.1:EDX[9] clear */
#define IRQT_EXIT_NO_DEADLINE	4	/* CPUID.1:ECX[24] clear */
#define IRQT_EXIT_TIMEOUT	5	/* a spin-wait ran out (see the output) */

#endif /* IRQ64_H */
