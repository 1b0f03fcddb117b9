/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivisor: the in-kernel interrupt hardware of a VM (MV_CREATE_IRQCHIP):
 * a local APIC per vCPU (kmod/lapic.c), one I/O APIC (kmod/ioapic.c), the
 * 8254 PIT (kmod/pit.c), and the glue that delivers interrupts to vCPUs and
 * wakes them (kmod/irq.c).
 *
 * Why in the kernel: every timer tick, EOI and IPI of a Linux guest goes
 * through these; emulating them in userspace would turn each one into two
 * extra kernel/user transitions. The UART, the RTC and ACPI's sleep
 * registers are touched rarely and stay in userspace (mvctl).
 */
#ifndef MV_IRQCHIP_H
#define MV_IRQCHIP_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "minivisor.h"

#define MV_APIC_REGS		64	/* 16-byte registers in the 1 KiB page */

/**
 * struct mv_lapic - one vCPU's local APIC (SDM vol. 3A "Advanced Programmable
 * Interrupt Controller (APIC)").
 * @vcpu: its vCPU.
 * @lock: protects everything below; taken from the vCPU thread, other
 *	vCPUs (IPIs), the I/O APIC and the timer (hard interrupt context).
 * @reg: the registers, indexed by offset / 16; IRR, ISR and TMR live here too.
 * @base_msr: IA32_APIC_BASE.
 * @timer: the APIC timer (all three modes).
 * @deadline: IA32_TSC_DEADLINE, 0 when disarmed or fired.
 * @period_ns: periodic mode: the period; 0 otherwise.
 * @expires_ns: one-shot / periodic: when the count reaches zero (ktime).
 * @start_ns: one-shot / periodic: when the initial count was written.
 * @nmi_pending: NMIs accepted and not yet injected.
 * @init_pending: an INIT IPI arrived.
 * @sipi_pending: a STARTUP IPI arrived while waiting for one.
 * @sipi_vector: its vector.
 */
struct mv_lapic {
	struct mv_vcpu *vcpu;
	spinlock_t lock;	/* see above */
	u32 reg[MV_APIC_REGS];
	u64 base_msr;
	struct hrtimer timer;
	u64 deadline;
	u64 period_ns;
	u64 expires_ns;
	u64 start_ns;
	unsigned int nmi_pending;
	bool init_pending;
	bool sipi_pending;
	u8 sipi_vector;
};

/**
 * struct mv_ioapic - the VM's I/O APIC (Intel 82093AA datasheet).
 * @lock: protects the fields below.
 * @ioregsel: the selected register.
 * @id: IOAPICID.
 * @redir: redirection table.
 * @line: the input levels userspace (or the PIT) set, one bit per pin.
 */
struct mv_ioapic {
	spinlock_t lock;	/* see above */
	u32 ioregsel;
	u32 id;
	u64 redir[MV_IOAPIC_PINS];
	u32 line;
};

/**
 * struct mv_pit_channel - one 8254 counter.
 * @reload: the count written (0 means 65536).
 * @mode: 0..5.
 * @rw: access: 1 LSB, 2 MSB, 3 LSB then MSB.
 * @write_msb: next write is the MSB (rw 3).
 * @read_msb: next read is the MSB (rw 3).
 * @latched: a latched count is waiting to be read (@latch, 2 reads for rw 3).
 * @latch_reads: bytes of @latch still to read.
 * @latch: the latched count.
 * @status_latched: a read-back status byte comes first.
 * @status: that byte.
 * @gate: the GATE input (channel 2: port 61h bit 0; 0 and 1: always high).
 * @loaded: a count was loaded since the last control word.
 * @counting: a count was loaded and the gate allowed it to start.
 * @start: guest TSC when counting started.
 * @lsb: the LSB of a count being written.
 */
struct mv_pit_channel {
	u32 reload;
	u8 mode;
	u8 rw;
	bool write_msb;
	bool read_msb;
	bool latched;
	u8 latch_reads;
	u16 latch;
	bool status_latched;
	u8 status;
	bool gate;
	bool loaded;
	bool counting;
	u64 start;
	u8 lsb;
};

/**
 * struct mv_pit - the 8254 and port 61h (NMI status and control).
 * @lock: protects the fields below.
 * @ch: the three counters.
 * @speaker: port 61h bit 1.
 * @timer: raises GSI 2 for channel 0.
 * @vm: its VM.
 */
struct mv_pit {
	struct mutex lock;	/* see above */
	struct mv_pit_channel ch[3];
	bool speaker;
	struct hrtimer timer;
	struct mv_vm *vm;
};

/**
 * struct mv_irqchip - a VM's interrupt hardware.
 * @ioapic: the I/O APIC.
 * @pit: the PIT.
 */
struct mv_irqchip {
	struct mv_ioapic ioapic;
	struct mv_pit pit;
};

/* kmod/irq.c */
int mv_irqchip_create(struct mv_vm *vm);
void mv_irqchip_destroy(struct mv_vm *vm);
int mv_irqchip_set_line(struct mv_vm *vm, u32 gsi, u32 level);
void mv_vcpu_kick(struct mv_vcpu *vcpu);
void mv_irq_deliver(struct mv_vm *vm, u32 dest, bool logical, u32 mode,
		    u8 vector, bool level_trig, int shorthand, struct mv_vcpu *self);
bool mv_irq_mmio(struct mv_vcpu *vcpu, u64 gpa, unsigned int len, bool write, u64 *val);
bool mv_irq_pio(struct mv_vcpu *vcpu, u16 port, unsigned int len, bool in, u32 *val);
void mv_irq_inject(struct mv_vcpu *vcpu);
int mv_irq_block(struct mv_vcpu *vcpu);
void mv_irq_halt(struct mv_vcpu *vcpu);

/* kmod/lapic.c */
int mv_lapic_create(struct mv_vcpu *vcpu);
void mv_lapic_free(struct mv_vcpu *vcpu);
void mv_lapic_reset(struct mv_lapic *apic, bool bsp);
bool mv_lapic_match(struct mv_lapic *apic, u32 dest, bool logical);
void mv_lapic_accept(struct mv_lapic *apic, u32 mode, u8 vector, bool level_trig);
int mv_lapic_pending(struct mv_lapic *apic);
void mv_lapic_ack(struct mv_lapic *apic, int vector);
u32 mv_lapic_read(struct mv_lapic *apic, u32 offset);
void mv_lapic_write(struct mv_lapic *apic, u32 offset, u32 val);
u64 mv_lapic_get_deadline(struct mv_lapic *apic);
void mv_lapic_set_deadline(struct mv_lapic *apic, u64 deadline);
int mv_lapic_set_base(struct mv_lapic *apic, u64 val);

/* kmod/ioapic.c */
void mv_ioapic_init(struct mv_ioapic *io);
u32 mv_ioapic_read(struct mv_vm *vm, u32 offset);
void mv_ioapic_write(struct mv_vm *vm, u32 offset, u32 val);
void mv_ioapic_set_line(struct mv_vm *vm, u32 pin, bool level);
void mv_ioapic_eoi(struct mv_vm *vm, u8 vector);

/* kmod/pit.c */
void mv_pit_init(struct mv_vm *vm, struct mv_pit *pit);
void mv_pit_destroy(struct mv_pit *pit);
u8 mv_pit_read(struct mv_pit *pit, u16 port);
void mv_pit_write(struct mv_pit *pit, u16 port, u8 val);

#endif /* MV_IRQCHIP_H */
