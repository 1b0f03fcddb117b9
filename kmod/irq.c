// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: interrupt delivery between the in-kernel devices and vCPUs.
 *
 * Who raises what: the APIC timer (hard-interrupt context), the PIT's
 * channel 0, userspace's MV_IRQ_LINE (through the I/O APIC) and other vCPUs
 * (IPIs) put vectors in a local APIC's IRR and kick its vCPU. The vCPU's run
 * loop, with host interrupts off right before entry, injects the highest
 * deliverable vector if the guest can take it or asks the backend for an
 * interrupt-window exit (SDM vol. 3C "Interrupt-Window Exiting and Virtual-
 * Interrupt Delivery", APM vol. 2 "Virtual Interrupts").
 *
 * Kicking (the same protocol as KVM's): the vCPU publishes in_guest before
 * it looks at IRR for the last time; a kicker publishes IRR before it looks
 * at in_guest. Either the vCPU sees the new vector, or the kicker sees
 * in_guest and sends the vCPU's CPU a reschedule IPI, which stays pending
 * while host interrupts are off and makes the guest exit right after entry.
 * A vCPU asleep in HLT is woken through its wait queue instead.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/apicdef.h>
/* smp_send_reschedule() traces the IPI on newer kernels */
#include <trace/events/ipi.h>

#include "irqchip.h"

/* Port 80h: the POST-code port Linux writes for I/O delays. */
#define PORT_POST	0x80

/**
 * mv_irqchip_create() - MV_CREATE_IRQCHIP.
 * @vm: the VM.
 *
 * Return: 0, -EEXIST (already has one), -EBUSY (vCPUs exist), -ENOMEM.
 */
int mv_irqchip_create(struct mv_vm *vm)
{
	struct mv_irqchip *chip;
	int ret = 0;

	mutex_lock(&vm->lock);
	if (vm->irqchip) {
		ret = -EEXIST;
		goto out;
	}
	if (vm->vcpus_started) {
		ret = -EBUSY;
		goto out;
	}
	chip = kzalloc(sizeof(*chip), GFP_KERNEL_ACCOUNT);
	if (!chip) {
		ret = -ENOMEM;
		goto out;
	}
	mv_ioapic_init(&chip->ioapic);
	mv_pit_init(vm, &chip->pit);
	vm->irqchip = chip;
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * mv_irqchip_destroy() - free the irqchip; every vCPU is gone already.
 * @vm: the VM.
 */
void mv_irqchip_destroy(struct mv_vm *vm)
{
	if (!vm->irqchip)
		return;
	mv_pit_destroy(&vm->irqchip->pit);
	kfree(vm->irqchip);
	vm->irqchip = NULL;
}

/**
 * mv_irqchip_set_line() - MV_IRQ_LINE.
 * @vm: the VM.
 * @gsi: the I/O APIC pin.
 * @level: 0 or 1.
 *
 * Return: 0, -ENXIO (no irqchip), -EINVAL.
 */
int mv_irqchip_set_line(struct mv_vm *vm, u32 gsi, u32 level)
{
	if (!READ_ONCE(vm->irqchip))
		return -ENXIO;
	if (gsi >= MV_IOAPIC_PINS || level > 1)
		return -EINVAL;
	mv_ioapic_set_line(vm, gsi, level);
	return 0;
}

/**
 * mv_vcpu_kick() - make @vcpu look at its APIC soon: wake it if it sleeps,
 * make it exit if it runs guest code on another CPU. Any context.
 * @vcpu: the vCPU.
 */
void mv_vcpu_kick(struct mv_vcpu *vcpu)
{
	int cpu, me;

	wake_up_interruptible(&vcpu->wq);
	smp_mb();	/* IRR (written by the caller) before in_guest */
	if (!READ_ONCE(vcpu->in_guest))
		return;
	cpu = READ_ONCE(vcpu->run_cpu);
	me = get_cpu();
	if (cpu != me && cpu >= 0)
		smp_send_reschedule(cpu);
	put_cpu();
}

/**
 * mv_irq_deliver() - send an interrupt message to the local APICs it names.
 * @vm: the VM.
 * @dest: destination field.
 * @logical: logical destination mode.
 * @mode: delivery mode (APIC_DM_*).
 * @vector: the vector.
 * @level_trig: from a level-triggered I/O APIC pin.
 * @shorthand: ICR destination shorthand: 0 none, 1 self, 2 all, 3 all but self.
 * @self: the sending vCPU for shorthands, or NULL.
 *
 * Lowest-priority delivery goes to the first APIC that matches (SDM vol. 3A
 * "Lowest Priority Delivery Mode" leaves the choice to the platform).
 */
void mv_irq_deliver(struct mv_vm *vm, u32 dest, bool logical, u32 mode,
		    u8 vector, bool level_trig, int shorthand, struct mv_vcpu *self)
{
	int i;

	for (i = 0; i < MV_MAX_VCPUS; i++) {
		struct mv_vcpu *v = READ_ONCE(vm->vcpus[i]);
		bool match;

		if (!v || !v->apic)
			continue;
		switch (shorthand) {
		case 1:
			match = v == self;
			break;
		case 2:
			match = true;
			break;
		case 3:
			match = v != self;
			break;
		default:
			match = mv_lapic_match(v->apic, dest, logical);
			break;
		}
		if (!match)
			continue;
		mv_lapic_accept(v->apic, mode, vector, level_trig);
		if (mode == APIC_DM_LOWEST)
			break;
	}
}

/**
 * mv_irq_mmio() - an MMIO access to the local APIC or the I/O APIC.
 * @vcpu: the accessing vCPU (the local APIC page is its own).
 * @gpa: the address.
 * @len: 1, 2, 4 or 8 bytes.
 * @write: a write of *@val, else a read into *@val.
 * @val: the data.
 *
 * Both devices have 32-bit registers; other sizes and misaligned accesses
 * read 0 and write nothing.
 * Return: true if the address belongs to one of them.
 */
bool mv_irq_mmio(struct mv_vcpu *vcpu, u64 gpa, unsigned int len, bool write, u64 *val)
{
	u32 off = gpa & 0xfff;
	bool ok = len == 4 && !(off & 3);

	if (!vcpu->apic)
		return false;
	if ((gpa & PAGE_MASK) == MV_LAPIC_BASE) {
		if (write && ok)
			mv_lapic_write(vcpu->apic, off, *val);
		else if (!write)
			*val = ok ? mv_lapic_read(vcpu->apic, off) : 0;
	} else if ((gpa & PAGE_MASK) == MV_IOAPIC_BASE) {
		if (write && ok)
			mv_ioapic_write(vcpu->vm, off, *val);
		else if (!write)
			*val = ok ? mv_ioapic_read(vcpu->vm, off) : 0;
	} else {
		return false;
	}
	vcpu->stats.by_reason[MV_STAT_APIC_ACCESS]++;
	return true;
}

/**
 * mv_irq_pio() - port I/O to the PIT, port 61h or port 80h.
 * @vcpu: the vCPU.
 * @port: the port.
 * @len: 1, 2 or 4 (bytes beyond the first read as FFh).
 * @in: IN into *@val, else OUT of *@val.
 * @val: the data.
 *
 * Return: true if handled here.
 */
bool mv_irq_pio(struct mv_vcpu *vcpu, u16 port, unsigned int len, bool in, u32 *val)
{
	struct mv_irqchip *chip = vcpu->vm->irqchip;

	if (!chip)
		return false;
	if ((port >= 0x40 && port <= 0x43) || port == 0x61) {
		if (in)
			*val = 0xffffff00 | mv_pit_read(&chip->pit, port);
		else
			mv_pit_write(&chip->pit, port, *val);
		return true;
	}
	if (port == PORT_POST) {
		if (in)
			*val = ~0U;
		return true;
	}
	return false;
}

/* Would an interrupt or NMI end a HLT now? */
static bool mv_irq_wakes_halt(struct mv_vcpu *vcpu)
{
	struct mv_lapic *apic = vcpu->apic;

	return READ_ONCE(apic->nmi_pending) ||
	       ((vcpu->regs.rflags & X86_EFLAGS_IF) && mv_lapic_pending(apic) >= 0);
}

static bool mv_irq_wake_cond(struct mv_vcpu *vcpu)
{
	struct mv_lapic *apic = vcpu->apic;

	switch (READ_ONCE(vcpu->mp_state)) {
	case MV_MP_WAIT_SIPI:
		return READ_ONCE(apic->init_pending) || READ_ONCE(apic->sipi_pending);
	case MV_MP_HALTED:
		return READ_ONCE(apic->init_pending) || mv_irq_wakes_halt(vcpu);
	default:
		return true;
	}
}

/*
 * INIT: the processor resets (SDM vol. 3A "Initialization Overview") and,
 * unless it is the BSP, waits for a STARTUP IPI.
 */
static void mv_irq_do_init(struct mv_vcpu *vcpu)
{
	struct mv_lapic *apic = vcpu->apic;
	bool bsp = apic->base_msr & MSR_IA32_APICBASE_BSP;

	/*
	 * Waiting for SIPI from here on: a STARTUP arriving now is kept (and
	 * one that came right behind the INIT was kept already, see
	 * mv_lapic_accept()); mv_lapic_reset() leaves both alone.
	 */
	WRITE_ONCE(vcpu->mp_state, bsp ? MV_MP_RUNNABLE : MV_MP_WAIT_SIPI);
	mv_arch->reset(vcpu);
	memset(&vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->regs.rflags = X86_EFLAGS_FIXED;
	vcpu->regs.rip = 0xfff0;
	vcpu->pending = MV_PENDING_NONE;
	vcpu->irq_window = false;
	mv_lapic_reset(apic, bsp);
}

/* STARTUP: real mode at vector << 12 (SDM vol. 3A "MP Initialization Protocol"). */
static void mv_irq_do_sipi(struct mv_vcpu *vcpu)
{
	struct mv_lapic *apic = vcpu->apic;
	struct mv_sregs sregs;
	u8 vector;

	spin_lock_irq(&apic->lock);
	vector = apic->sipi_vector;
	apic->sipi_pending = false;
	spin_unlock_irq(&apic->lock);

	mv_arch->get_sregs(vcpu, &sregs);
	sregs.cs.selector = vector << 8;
	sregs.cs.base = (u64)vector << 12;
	sregs.cs.limit = 0xffff;
	mv_arch->set_sregs(vcpu, &sregs);
	vcpu->regs.rip = 0;
	WRITE_ONCE(vcpu->mp_state, MV_MP_RUNNABLE);
}

/**
 * mv_irq_block() - before entering the guest: act on INIT and SIPI, and
 * sleep while the vCPU waits for SIPI or sits in HLT with nothing to wake it.
 * @vcpu: the vCPU (with a local APIC).
 *
 * Return: 0 when the vCPU can run, -EINTR on a signal.
 */
int mv_irq_block(struct mv_vcpu *vcpu)
{
	struct mv_lapic *apic = vcpu->apic;
	bool slept = false;

	for (;;) {
		if (READ_ONCE(apic->init_pending))
			mv_irq_do_init(vcpu);
		if (vcpu->mp_state == MV_MP_WAIT_SIPI && READ_ONCE(apic->sipi_pending))
			mv_irq_do_sipi(vcpu);
		if (vcpu->mp_state == MV_MP_HALTED && mv_irq_wakes_halt(vcpu))
			WRITE_ONCE(vcpu->mp_state, MV_MP_RUNNABLE);
		if (vcpu->mp_state == MV_MP_RUNNABLE) {
			if (slept)
				vcpu->stats.by_reason[MV_STAT_HALT_WAKEUP]++;
			return 0;
		}
		if (wait_event_interruptible(vcpu->wq, mv_irq_wake_cond(vcpu)))
			return -EINTR;
		slept = true;
	}
}

/**
 * mv_irq_halt() - the guest executed HLT (already skipped): sleep in the
 * kernel until an interrupt is due, unless one is due now.
 * @vcpu: the vCPU.
 */
void mv_irq_halt(struct mv_vcpu *vcpu)
{
	if (!mv_irq_wakes_halt(vcpu))
		WRITE_ONCE(vcpu->mp_state, MV_MP_HALTED);
}

/**
 * mv_irq_inject() - right before entry, host interrupts off: give the guest
 * a pending NMI or the highest deliverable interrupt, or ask for an exit as
 * soon as it can take one.
 * @vcpu: the vCPU (with a local APIC).
 */
void mv_irq_inject(struct mv_vcpu *vcpu)
{
	struct mv_lapic *apic = vcpu->apic;
	bool want_window = false;
	int vector;

	if (READ_ONCE(apic->nmi_pending) && mv_arch->nmi_allowed(vcpu)) {
		spin_lock(&apic->lock);
		apic->nmi_pending--;
		spin_unlock(&apic->lock);
		mv_arch->inject_nmi(vcpu);
	}

	vector = mv_lapic_pending(apic);
	if (vector >= 0) {
		if (mv_arch->irq_allowed(vcpu)) {
			mv_lapic_ack(apic, vector);
			mv_arch->inject_irq(vcpu, vector);
			vcpu->stats.by_reason[MV_STAT_IRQ_INJECTED]++;
		} else {
			want_window = true;
		}
	}
	if (want_window != vcpu->irq_window) {
		mv_arch->set_irq_window(vcpu, want_window);
		vcpu->irq_window = want_window;
	}
}
