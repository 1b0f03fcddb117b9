// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: the VM's I/O APIC (Intel 82093AA I/O APIC datasheet), 24 pins,
 * at 0xfec00000: IOREGSEL at +00h selects a register, IOWIN at +10h reads or
 * writes it. Version 11h: no EOI register; level-triggered interrupts are
 * retired by the local APIC's EOI broadcast (mv_ioapic_eoi()).
 *
 * Inputs are driven by userspace (MV_IRQ_LINE: the UART) and by the PIT.
 * An edge-triggered pin fires on 0 -> 1; a level-triggered pin fires while
 * its input is high and its Remote IRR is clear, which EOI clears again.
 */
#include "irqchip.h"

#define IOAPIC_VERSION		(((MV_IOAPIC_PINS - 1) << 16) | 0x11)
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10

#define RTE_VECTOR		0xffULL
#define RTE_MODE		(7ULL << 8)
#define RTE_LOGICAL		BIT_ULL(11)
#define RTE_DELIVS		BIT_ULL(12)	/* read-only: send pending */
#define RTE_POLARITY		BIT_ULL(13)
#define RTE_REMOTE_IRR		BIT_ULL(14)	/* read-only */
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST_SHIFT		56
#define RTE_WRITABLE		(RTE_VECTOR | RTE_MODE | RTE_LOGICAL | RTE_POLARITY | \
				 RTE_LEVEL | RTE_MASKED | (0xffULL << RTE_DEST_SHIFT))

static struct mv_ioapic *vm_ioapic(struct mv_vm *vm)
{
	return &vm->irqchip->ioapic;
}

/**
 * mv_ioapic_init() - the state after RESET: every pin masked.
 * @io: the I/O APIC.
 */
void mv_ioapic_init(struct mv_ioapic *io)
{
	int i;

	spin_lock_init(&io->lock);
	for (i = 0; i < MV_IOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
}

/*
 * Decide under the lock whether @pin fires now; the message itself goes out
 * after the lock is dropped (it takes local APIC locks and kicks vCPUs).
 */
static bool ioapic_should_fire(struct mv_ioapic *io, int pin, u64 *rte)
{
	u64 e = io->redir[pin];

	if (e & RTE_MASKED)
		return false;
	if (e & RTE_LEVEL) {
		if (!(io->line & BIT(pin)) || (e & RTE_REMOTE_IRR))
			return false;
		io->redir[pin] |= RTE_REMOTE_IRR;
	}
	*rte = e;
	return true;
}

static void ioapic_send(struct mv_vm *vm, u64 rte)
{
	mv_irq_deliver(vm, rte >> RTE_DEST_SHIFT, rte & RTE_LOGICAL, rte & RTE_MODE,
		       rte & RTE_VECTOR, rte & RTE_LEVEL, 0, NULL);
}

/**
 * mv_ioapic_set_line() - drive input @pin.
 * @vm: the VM (with an irqchip).
 * @pin: 0 .. %MV_IOAPIC_PINS - 1.
 * @level: asserted or not (the polarity bit describes the wire, not this).
 */
void mv_ioapic_set_line(struct mv_vm *vm, u32 pin, bool level)
{
	struct mv_ioapic *io = vm_ioapic(vm);
	unsigned long flags;
	bool fire = false;
	u64 rte = 0;
	bool was;

	spin_lock_irqsave(&io->lock, flags);
	was = io->line & BIT(pin);
	if (level)
		io->line |= BIT(pin);
	else
		io->line &= ~BIT(pin);
	if (level && (!was || (io->redir[pin] & RTE_LEVEL)))
		fire = ioapic_should_fire(io, pin, &rte);
	spin_unlock_irqrestore(&io->lock, flags);
	if (fire)
		ioapic_send(vm, rte);
}

/**
 * mv_ioapic_eoi() - a local APIC retired level-triggered @vector: clear
 * Remote IRR of the pins using it, and fire again those still asserted.
 * @vm: the VM.
 * @vector: the vector.
 */
void mv_ioapic_eoi(struct mv_vm *vm, u8 vector)
{
	struct mv_ioapic *io = vm_ioapic(vm);
	u64 send[MV_IOAPIC_PINS];
	unsigned long flags;
	int pin, n = 0;

	spin_lock_irqsave(&io->lock, flags);
	for (pin = 0; pin < MV_IOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];

		if ((e & RTE_VECTOR) != vector || !(e & RTE_LEVEL) || !(e & RTE_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~RTE_REMOTE_IRR;
		if (ioapic_should_fire(io, pin, &send[n]))
			n++;
	}
	spin_unlock_irqrestore(&io->lock, flags);
	for (pin = 0; pin < n; pin++)
		ioapic_send(vm, send[pin]);
}

/**
 * mv_ioapic_read() - 32-bit read at @offset into the register window.
 * @vm: the VM.
 * @offset: 0 (IOREGSEL) or 10h (IOWIN); other offsets read 0.
 *
 * Return: the value.
 */
u32 mv_ioapic_read(struct mv_vm *vm, u32 offset)
{
	struct mv_ioapic *io = vm_ioapic(vm);
	unsigned long flags;
	u32 val = 0, reg;

	spin_lock_irqsave(&io->lock, flags);
	reg = io->ioregsel;
	if (offset == 0x00) {
		val = reg;
	} else if (offset == 0x10) {
		if (reg == IOAPIC_REG_ID || reg == IOAPIC_REG_ARB)
			val = io->id << 24;
		else if (reg == IOAPIC_REG_VERSION)
			val = IOAPIC_VERSION;
		else if (reg >= IOAPIC_REG_REDIR && reg < IOAPIC_REG_REDIR + 2 * MV_IOAPIC_PINS)
			val = io->redir[(reg - IOAPIC_REG_REDIR) / 2] >> ((reg & 1) * 32);
	}
	spin_unlock_irqrestore(&io->lock, flags);
	return val;
}

/**
 * mv_ioapic_write() - 32-bit write at @offset into the register window.
 * @vm: the VM.
 * @offset: 0 (IOREGSEL) or 10h (IOWIN); other offsets are ignored.
 * @val: the value.
 */
void mv_ioapic_write(struct mv_vm *vm, u32 offset, u32 val)
{
	struct mv_ioapic *io = vm_ioapic(vm);
	unsigned long flags;
	bool fire = false;
	u64 rte = 0, e, w;
	u32 reg;
	int pin;

	spin_lock_irqsave(&io->lock, flags);
	if (offset == 0x00) {
		io->ioregsel = val & 0xff;
	} else if (offset == 0x10) {
		reg = io->ioregsel;
		if (reg == IOAPIC_REG_ID) {
			io->id = (val >> 24) & 0xf;
		} else if (reg >= IOAPIC_REG_REDIR &&
			   reg < IOAPIC_REG_REDIR + 2 * MV_IOAPIC_PINS) {
			pin = (reg - IOAPIC_REG_REDIR) / 2;
			e = io->redir[pin];
			w = (reg & 1) ? ((u64)val << 32) | (u32)e : (e & ~0xffffffffULL) | val;
			io->redir[pin] = (w & RTE_WRITABLE) | (e & RTE_REMOTE_IRR);
			/* Edge-triggered pins have no Remote IRR. */
			if (!(w & RTE_LEVEL))
				io->redir[pin] &= ~RTE_REMOTE_IRR;
			/* Unmasking a level-triggered pin that is high fires it. */
			if ((w & RTE_LEVEL) && !(w & RTE_MASKED))
				fire = ioapic_should_fire(io, pin, &rte);
		}
	}
	spin_unlock_irqrestore(&io->lock, flags);
	if (fire)
		ioapic_send(vm, rte);
}
