// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: one vCPU's local APIC, xAPIC mode (SDM vol. 3A "Advanced
 * Programmable Interrupt Controller (APIC)").
 *
 * The guest reaches the registers through MMIO at 0xfee00000 (every access
 * is a nested page fault decoded by kmod/emulate.c) and IA32_TSC_DEADLINE
 * through WRMSR. Interrupts land in IRR from any context (the APIC timer in
 * hard-interrupt context, other vCPUs' IPIs, the I/O APIC); the vCPU's run
 * loop moves the highest deliverable one to ISR when it injects it
 * (kmod/irq.c), and the guest's EOI retires it.
 *
 * Not modelled: x2APIC (not advertised), a relocated APIC base, the
 * arbitration and remote-read registers, thermal / performance / CMCI / LINT
 * sources (their LVT entries are plain storage), the error register's
 * sources other than illegal vectors, and SMI.
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "irqchip.h"

#define LAPIC_VERSION	0x00050014	/* version 14h, 6 LVT entries (max index 5) */
#define APIC_BUS_NS	1		/* the timer's input clock: 1 GHz before division */

#define LVT_TIMER_MODE	(3U << 17)
#define LVT_ONESHOT	(0U << 17)
#define LVT_PERIODIC	(1U << 17)
#define LVT_DEADLINE	(2U << 17)

static inline u32 *lreg(struct mv_lapic *apic, u32 offset)
{
	return &apic->reg[offset >> 4];
}

/* IRR, ISR and TMR: 256 bits in eight registers, 16 bytes apart. */
static inline bool vec_test(struct mv_lapic *apic, u32 base, int v)
{
	return *lreg(apic, base + (v / 32) * 16) & BIT(v % 32);
}

static inline void vec_set(struct mv_lapic *apic, u32 base, int v)
{
	*lreg(apic, base + (v / 32) * 16) |= BIT(v % 32);
}

static inline void vec_clear(struct mv_lapic *apic, u32 base, int v)
{
	*lreg(apic, base + (v / 32) * 16) &= ~BIT(v % 32);
}

static int vec_highest(struct mv_lapic *apic, u32 base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = *lreg(apic, base + i * 16);

		if (w)
			return i * 32 + fls(w) - 1;
	}
	return -1;
}

/* SDM vol. 3A "Processor Priority Register (PPR)" */
static u32 lapic_ppr(struct mv_lapic *apic)
{
	u32 tpr = *lreg(apic, APIC_TASKPRI) & 0xff;
	int isr = vec_highest(apic, APIC_ISR);
	u32 isrv = isr < 0 ? 0 : isr;

	return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr : isrv & 0xf0;
}

static bool lapic_sw_enabled(struct mv_lapic *apic)
{
	return *lreg(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static bool lapic_hw_enabled(struct mv_lapic *apic)
{
	return apic->base_msr & MSR_IA32_APICBASE_ENABLE;
}

static u32 lapic_timer_mode(struct mv_lapic *apic)
{
	return *lreg(apic, APIC_LVTT) & LVT_TIMER_MODE;
}

/* Divide Configuration Register: bits 0, 1 and 3 select 2, 4, ... 128 or 1. */
static u32 lapic_divisor(struct mv_lapic *apic)
{
	u32 tdcr = *lreg(apic, APIC_TDCR);
	u32 v = (tdcr & 3) | ((tdcr & 8) >> 1);

	return v == 7 ? 1 : 2U << v;
}

/* Raise the timer's LVT vector; lock held. Returns whether to kick. */
static bool lapic_timer_fire(struct mv_lapic *apic)
{
	u32 lvtt = *lreg(apic, APIC_LVTT);
	u8 vector = lvtt & APIC_VECTOR_MASK;

	if ((lvtt & APIC_LVT_MASKED) || vector < 16)
		return false;
	vec_set(apic, APIC_IRR, vector);
	vec_clear(apic, APIC_TMR, vector);
	return true;
}

static enum hrtimer_restart mv_lapic_timer_fn(struct hrtimer *timer)
{
	struct mv_lapic *apic = container_of(timer, struct mv_lapic, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	bool kick = false;

	spin_lock_irqsave(&apic->lock, flags);
	switch (lapic_timer_mode(apic)) {
	case LVT_DEADLINE:
		if (apic->deadline) {	/* else disarmed meanwhile */
			apic->deadline = 0;
			kick = lapic_timer_fire(apic);
		}
		break;
	case LVT_PERIODIC:
		if (apic->period_ns) {
			kick = lapic_timer_fire(apic);
			hrtimer_forward_now(timer, ns_to_ktime(apic->period_ns));
			apic->expires_ns = ktime_to_ns(hrtimer_get_expires(timer));
			ret = HRTIMER_RESTART;
		}
		break;
	default:
		if (apic->expires_ns) {
			apic->expires_ns = 0;
			kick = lapic_timer_fire(apic);
		}
		break;
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	if (kick)
		mv_vcpu_kick(apic->vcpu);
	return ret;
}

/*
 * Arm the hrtimer for an absolute host time. Pinned: it fires on the CPU the
 * vCPU runs on, so the host interrupt itself makes the guest exit.
 */
static void lapic_timer_start(struct mv_lapic *apic, u64 expires_ns)
{
	hrtimer_start(&apic->timer, ns_to_ktime(expires_ns), HRTIMER_MODE_ABS_PINNED);
}

static void lapic_timer_stop(struct mv_lapic *apic)
{
	/* A callback running right now finds the fields cleared and does nothing. */
	hrtimer_try_to_cancel(&apic->timer);
}

/* Guest TSC (minivisor gives the guest the host TSC) to host nanoseconds. */
static u64 tsc_delta_to_ns(u64 delta)
{
	return mul_u64_u32_div(delta, NSEC_PER_MSEC, tsc_khz);
}

/**
 * mv_lapic_set_deadline() - WRMSR IA32_TSC_DEADLINE (SDM vol. 3A "TSC-Deadline
 * Mode"): ignored unless the timer is in TSC-deadline mode; 0 disarms; a
 * deadline already passed fires at once.
 * @apic: the APIC.
 * @deadline: the guest TSC value.
 */
void mv_lapic_set_deadline(struct mv_lapic *apic, u64 deadline)
{
	unsigned long flags;
	bool kick = false;
	u64 now, ns = 0;

	spin_lock_irqsave(&apic->lock, flags);
	if (lapic_timer_mode(apic) != LVT_DEADLINE) {
		spin_unlock_irqrestore(&apic->lock, flags);
		return;
	}
	apic->deadline = deadline;
	now = rdtsc();
	if (deadline && deadline <= now) {
		apic->deadline = 0;
		kick = lapic_timer_fire(apic);
	} else if (deadline) {
		ns = ktime_get_ns() + tsc_delta_to_ns(deadline - now);
	}
	spin_unlock_irqrestore(&apic->lock, flags);

	if (ns)
		lapic_timer_start(apic, ns);
	else
		lapic_timer_stop(apic);
	if (kick)
		mv_vcpu_kick(apic->vcpu);
}

/**
 * mv_lapic_get_deadline() - RDMSR IA32_TSC_DEADLINE: 0 outside TSC-deadline
 * mode and once the deadline has passed.
 * @apic: the APIC.
 *
 * Return: the armed deadline or 0.
 */
u64 mv_lapic_get_deadline(struct mv_lapic *apic)
{
	return lapic_timer_mode(apic) == LVT_DEADLINE ? READ_ONCE(apic->deadline) : 0;
}

/* Writing the initial count starts (or, with 0, stops) one-shot and periodic. */
static u64 lapic_set_count(struct mv_lapic *apic, u32 count)
{
	u64 period;

	*lreg(apic, APIC_TMICT) = count;
	apic->deadline = 0;
	if (lapic_timer_mode(apic) == LVT_DEADLINE || !count) {
		apic->period_ns = 0;
		apic->expires_ns = 0;
		return 0;
	}
	period = (u64)count * lapic_divisor(apic) * APIC_BUS_NS;
	apic->period_ns = lapic_timer_mode(apic) == LVT_PERIODIC ? period : 0;
	apic->start_ns = ktime_get_ns();
	apic->expires_ns = apic->start_ns + period;
	return apic->expires_ns;
}

/* Current Count Register: what is left of the count, 0 once it ran out. */
static u32 lapic_current_count(struct mv_lapic *apic)
{
	u64 now = ktime_get_ns();

	u64 left, elapsed;

	if (lapic_timer_mode(apic) == LVT_DEADLINE || !apic->expires_ns)
		return 0;
	if (apic->period_ns) {
		/* Periodic: the count reloads every period since the start. */
		elapsed = now - apic->start_ns;
		left = apic->period_ns - do_div(elapsed, apic->period_ns);
	} else {
		left = now < apic->expires_ns ? apic->expires_ns - now : 0;
	}
	return div_u64(left, lapic_divisor(apic) * APIC_BUS_NS);
}

/**
 * mv_lapic_reset() - the APIC state after RESET or INIT: everything cleared
 * but the APIC ID and base, LVT entries masked, DFR flat, SVR 0FFh
 * (software-disabled). SDM vol. 3A "Local APIC State After Power-Up or Reset"
 * and "Local APIC State After an INIT Reset".
 * @apic: the APIC.
 * @bsp: the boot processor (IA32_APIC_BASE.BSP).
 */
void mv_lapic_reset(struct mv_lapic *apic, bool bsp)
{
	static const u32 lvts[] = {
		APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
		APIC_LVTCMCI,
	};
	unsigned long flags;
	int i;

	lapic_timer_stop(apic);
	spin_lock_irqsave(&apic->lock, flags);
	memset(apic->reg, 0, sizeof(apic->reg));
	*lreg(apic, APIC_ID) = apic->vcpu->id << 24;
	*lreg(apic, APIC_LVR) = LAPIC_VERSION;
	*lreg(apic, APIC_DFR) = 0xffffffff;
	*lreg(apic, APIC_SPIV) = 0xff;
	for (i = 0; i < ARRAY_SIZE(lvts); i++)
		*lreg(apic, lvts[i]) = APIC_LVT_MASKED;
	apic->base_msr = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			 (bsp ? MSR_IA32_APICBASE_BSP : 0);
	apic->deadline = 0;
	apic->period_ns = 0;
	apic->expires_ns = 0;
	apic->nmi_pending = 0;
	apic->init_pending = false;
	/* A processor that waits for SIPI keeps one that already arrived. */
	if (READ_ONCE(apic->vcpu->mp_state) != MV_MP_WAIT_SIPI)
		apic->sipi_pending = false;
	spin_unlock_irqrestore(&apic->lock, flags);
}

/**
 * mv_lapic_set_base() - WRMSR IA32_APIC_BASE.
 * @apic: the APIC.
 * @val: the new value.
 *
 * Return: 0, or -EINVAL (#GP): x2APIC mode (not advertised), reserved bits,
 * or a base other than FEE00000h (not supported).
 */
int mv_lapic_set_base(struct mv_lapic *apic, u64 val)
{
	u64 keep = apic->base_msr & MSR_IA32_APICBASE_BSP;

	if ((val & ~(u64)(MSR_IA32_APICBASE_BSP | MSR_IA32_APICBASE_ENABLE)) !=
	    APIC_DEFAULT_PHYS_BASE)
		return -EINVAL;
	WRITE_ONCE(apic->base_msr, (val & MSR_IA32_APICBASE_ENABLE) |
		   APIC_DEFAULT_PHYS_BASE | keep);
	return 0;
}

/**
 * mv_lapic_match() - is @apic a destination of a message to @dest?
 * @apic: the APIC.
 * @dest: 8-bit destination (ICR high byte or I/O APIC entry bits 63:56).
 * @logical: logical destination mode (flat or cluster model per DFR).
 *
 * SDM vol. 3A "Determining IPI Destination".
 * Return: true if it accepts the message.
 */
bool mv_lapic_match(struct mv_lapic *apic, u32 dest, bool logical)
{
	u32 ldr, id;

	dest &= 0xff;
	if (!logical) {
		id = *lreg(apic, APIC_ID) >> 24;
		return dest == 0xff || dest == id;
	}
	ldr = *lreg(apic, APIC_LDR) >> 24;
	if ((*lreg(apic, APIC_DFR) >> 28) == 0xf)	/* flat model */
		return ldr & dest;
	/* cluster model: bits 7:4 pick the cluster (0fh = all), 3:0 the members */
	return ((dest >> 4) == 0xf || (dest >> 4) == (ldr >> 4)) && (dest & ldr & 0xf);
}

/**
 * mv_lapic_accept() - an interrupt message arrives at @apic.
 * @apic: the APIC.
 * @mode: APIC_DM_* delivery mode.
 * @vector: the vector (fixed, lowest priority, STARTUP).
 * @level_trig: level-triggered (sets the TMR bit so EOI reaches the I/O APIC).
 */
void mv_lapic_accept(struct mv_lapic *apic, u32 mode, u8 vector, bool level_trig)
{
	unsigned long flags;
	bool kick = true;

	spin_lock_irqsave(&apic->lock, flags);
	switch (mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (vector < 16 || !lapic_hw_enabled(apic)) {
			/* Vectors 0-15 are illegal: "Received Illegal Vector" in ESR */
			*lreg(apic, APIC_ESR) |= APIC_ESR_RECVILL;
			kick = false;
			break;
		}
		vec_set(apic, APIC_IRR, vector);
		if (level_trig)
			vec_set(apic, APIC_TMR, vector);
		else
			vec_clear(apic, APIC_TMR, vector);
		break;
	case APIC_DM_NMI:
		apic->nmi_pending++;
		break;
	case APIC_DM_INIT:
		apic->init_pending = true;
		break;
	case APIC_DM_STARTUP:
		/*
		 * Only a processor waiting for SIPI takes it; others drop it. An
		 * INIT not yet acted on counts as waiting: Linux sends INIT and
		 * STARTUP microseconds apart, long before the target's thread
		 * wakes up to process the INIT.
		 */
		if (apic->init_pending || READ_ONCE(apic->vcpu->mp_state) == MV_MP_WAIT_SIPI) {
			apic->sipi_pending = true;
			apic->sipi_vector = vector;
		} else {
			kick = false;
		}
		break;
	default:	/* SMI, ExtINT (there is no 8259): dropped */
		kick = false;
		break;
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	if (kick)
		mv_vcpu_kick(apic->vcpu);
}

/**
 * mv_lapic_pending() - the highest-priority interrupt the APIC would give
 * the processor now: in IRR, above the processor priority.
 * @apic: the APIC.
 *
 * Return: the vector, or -1.
 */
int mv_lapic_pending(struct mv_lapic *apic)
{
	unsigned long flags;
	int v;

	spin_lock_irqsave(&apic->lock, flags);
	v = vec_highest(apic, APIC_IRR);
	if (v >= 0 && (!lapic_hw_enabled(apic) || (v & 0xf0) <= (lapic_ppr(apic) & 0xf0)))
		v = -1;
	spin_unlock_irqrestore(&apic->lock, flags);
	return v;
}

/**
 * mv_lapic_ack() - the processor takes @vector: IRR -> ISR (SDM vol. 3A
 * "Interrupt Acceptance for Fixed Interrupts").
 * @apic: the APIC.
 * @vector: what mv_lapic_pending() returned.
 */
void mv_lapic_ack(struct mv_lapic *apic, int vector)
{
	unsigned long flags;

	spin_lock_irqsave(&apic->lock, flags);
	vec_clear(apic, APIC_IRR, vector);
	vec_set(apic, APIC_ISR, vector);
	spin_unlock_irqrestore(&apic->lock, flags);
}

/* EOI retires the highest in-service vector; level-triggered ones reach the I/O APIC. */
static void lapic_eoi(struct mv_lapic *apic)
{
	unsigned long flags;
	bool level = false;
	int v;

	spin_lock_irqsave(&apic->lock, flags);
	v = vec_highest(apic, APIC_ISR);
	if (v >= 0) {
		vec_clear(apic, APIC_ISR, v);
		level = vec_test(apic, APIC_TMR, v);
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	if (level)
		mv_ioapic_eoi(apic->vcpu->vm, v);
}

/* ICR low written: send the IPI (SDM vol. 3A "Interrupt Command Register (ICR)"). */
static void lapic_send_ipi(struct mv_lapic *apic, u32 icr, u32 dest)
{
	u32 mode = icr & APIC_DM_EXTINT;	/* bits 10:8 */

	/* INIT level de-assert only synchronizes arbitration IDs: nothing to do. */
	if (mode == APIC_DM_INIT && (icr & APIC_INT_LEVELTRIG) && !(icr & APIC_INT_ASSERT))
		return;
	mv_irq_deliver(apic->vcpu->vm, dest, icr & APIC_DEST_LOGICAL, mode,
		       icr & APIC_VECTOR_MASK, false, (icr >> 18) & 3,
		       apic->vcpu);
}

/**
 * mv_lapic_read() - a 32-bit read of the register at @offset.
 * @apic: the APIC.
 * @offset: 0..0xff0.
 *
 * Return: the value; reserved offsets read 0.
 */
u32 mv_lapic_read(struct mv_lapic *apic, u32 offset)
{
	unsigned long flags;
	u32 val;

	if (offset & 0xf)
		return 0;
	spin_lock_irqsave(&apic->lock, flags);
	switch (offset) {
	case APIC_PROCPRI:
		val = lapic_ppr(apic);
		break;
	case APIC_TMCCT:
		val = lapic_current_count(apic);
		break;
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_LDR: case APIC_DFR:
	case APIC_SPIV: case APIC_ESR: case APIC_ICR: case APIC_ICR2: case APIC_LVTCMCI:
	case APIC_LVTT: case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0: case APIC_LVT1:
	case APIC_LVTERR: case APIC_TMICT: case APIC_TDCR:
	case APIC_ISR ... APIC_IRR + 0x70:
		val = *lreg(apic, offset);
		break;
	default:	/* APR, RRD, EOI (write-only) and reserved */
		val = 0;
		break;
	}
	spin_unlock_irqrestore(&apic->lock, flags);
	return val;
}

/**
 * mv_lapic_write() - a 32-bit write of the register at @offset.
 * @apic: the APIC.
 * @offset: 0..0xff0.
 * @val: the value; read-only and reserved registers ignore it.
 */
void mv_lapic_write(struct mv_lapic *apic, u32 offset, u32 val)
{
	u32 lvt_mask = APIC_LVT_MASKED | APIC_VECTOR_MASK;
	u64 start_ns = 0;
	bool stop = false, send = false, sw_off;
	unsigned long flags;
	u32 old, icr = 0;

	if (offset == APIC_EOI) {
		lapic_eoi(apic);
		return;
	}
	if (offset & 0xf)
		return;

	spin_lock_irqsave(&apic->lock, flags);
	sw_off = !lapic_sw_enabled(apic);
	switch (offset) {
	case APIC_ID:
		*lreg(apic, APIC_ID) = val & 0xff000000;
		break;
	case APIC_TASKPRI:
		*lreg(apic, APIC_TASKPRI) = val & 0xff;
		break;
	case APIC_LDR:
		*lreg(apic, APIC_LDR) = val & 0xff000000;
		break;
	case APIC_DFR:
		*lreg(apic, APIC_DFR) = val | 0x0fffffff;
		break;
	case APIC_SPIV:
		*lreg(apic, APIC_SPIV) = val & 0x13ff;
		if (!(val & APIC_SPIV_APIC_ENABLED)) {
			/* Software disable masks every LVT entry (SDM "Software Enabling") */
			u32 r;

			for (r = APIC_LVTT; r <= APIC_LVTERR; r += 0x10)
				*lreg(apic, r) |= APIC_LVT_MASKED;
			*lreg(apic, APIC_LVTCMCI) |= APIC_LVT_MASKED;
		}
		break;
	case APIC_ESR:
		*lreg(apic, APIC_ESR) = 0;	/* a write latches (and here clears) it */
		break;
	case APIC_ICR2:
		*lreg(apic, APIC_ICR2) = val & 0xff000000;
		break;
	case APIC_ICR:
		icr = val & ~APIC_ICR_BUSY;
		*lreg(apic, APIC_ICR) = icr;
		send = true;
		break;
	case APIC_LVTT:
		old = *lreg(apic, APIC_LVTT);
		val &= lvt_mask | LVT_TIMER_MODE;
		if ((val & LVT_TIMER_MODE) == (3U << 17))
			val &= ~LVT_TIMER_MODE;		/* reserved mode: one-shot */
		if (sw_off)
			val |= APIC_LVT_MASKED;
		*lreg(apic, APIC_LVTT) = val;
		/* Changing the mode disarms the timer (SDM "TSC-Deadline Mode"). */
		if ((old ^ val) & LVT_TIMER_MODE) {
			apic->deadline = 0;
			apic->period_ns = 0;
			apic->expires_ns = 0;
			*lreg(apic, APIC_TMICT) = 0;
			stop = true;
		}
		break;
	case APIC_LVT0:
	case APIC_LVT1:
		lvt_mask |= APIC_MODE_MASK | APIC_INPUT_POLARITY | APIC_LVT_LEVEL_TRIGGER;
		*lreg(apic, offset) = (val & lvt_mask) | (sw_off ? APIC_LVT_MASKED : 0);
		break;
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVTCMCI:
		lvt_mask |= APIC_MODE_MASK;
		*lreg(apic, offset) = (val & lvt_mask) | (sw_off ? APIC_LVT_MASKED : 0);
		break;
	case APIC_LVTERR:
		*lreg(apic, offset) = (val & lvt_mask) | (sw_off ? APIC_LVT_MASKED : 0);
		break;
	case APIC_TMICT:
		if (lapic_timer_mode(apic) == LVT_DEADLINE)
			break;		/* ignored in TSC-deadline mode */
		start_ns = lapic_set_count(apic, val);
		stop = !start_ns;
		break;
	case APIC_TDCR:
		*lreg(apic, APIC_TDCR) = val & 0xb;
		break;
	default:	/* read-only and reserved */
		break;
	}
	spin_unlock_irqrestore(&apic->lock, flags);

	if (start_ns)
		lapic_timer_start(apic, start_ns);
	else if (stop)
		lapic_timer_stop(apic);
	if (send)
		lapic_send_ipi(apic, icr, *lreg(apic, APIC_ICR2) >> 24);
}

/**
 * mv_lapic_create() - give @vcpu a local APIC in its RESET state.
 * @vcpu: the vCPU (its id is the APIC ID; vCPU 0 is the BSP).
 *
 * Return: 0 or -ENOMEM.
 */
int mv_lapic_create(struct mv_vcpu *vcpu)
{
	struct mv_lapic *apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);

	if (!apic)
		return -ENOMEM;
	apic->vcpu = vcpu;
	spin_lock_init(&apic->lock);
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED);
	apic->timer.function = mv_lapic_timer_fn;
	vcpu->apic = apic;
	mv_lapic_reset(apic, vcpu->id == 0);
	return 0;
}

/**
 * mv_lapic_free() - stop the timer and free the APIC.
 * @vcpu: the vCPU, which no longer runs.
 */
void mv_lapic_free(struct mv_vcpu *vcpu)
{
	if (!vcpu->apic)
		return;
	hrtimer_cancel(&vcpu->apic->timer);
	kfree(vcpu->apic);
	vcpu->apic = NULL;
}
