// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: events for the guest - exceptions, external
 * interrupts and NMIs injected at VM entry, the interrupt window, events
 * whose delivery an exit interrupted - and the guest's interruptibility
 * state (the STI / MOV SS interrupt shadow, NMI blocking).
 *
 * SDM 3C "VM-Entry Controls for Event Injection", "Event Injection": one
 * event per entry, described by the VM-entry interruption-information
 * field and delivered through the guest's IDT (or IVT in real mode) before
 * its first instruction. The next entry's event waits in
 * &vmx_vcpu.event_info until vmx_event_before_entry() writes it. The ops
 * here change only software state: the common loop calls them before
 * vcpu_run, when the VMCS may still be active on another CPU.
 *
 * The interruptibility state ("Guest Non-Register State") is read after
 * every exit into &vmx_vcpu.intr_state and written back only when changed:
 * one VMREAD per exit instead of a VMREAD and a VMWRITE per entry (skipping
 * an instruction ends its shadow, "Interruptibility State").
 *
 * External interrupts go in only when the guest takes them (RFLAGS.IF set,
 * no shadow, nothing else queued); otherwise the common code asks for an
 * interrupt window: "interrupt-window exiting" makes the CPU exit before
 * the first instruction at which the guest could take one ("Interrupt-
 * Window Exiting and Virtual-Interrupt Delivery").
 *
 * NMIs: "NMI exiting" sends host NMIs to the host (vmx_run.c). "Virtual
 * NMIs" makes the CPU keep the guest's own NMI blocking in the
 * interruptibility state: set when an injected NMI is delivered, cleared by
 * the guest's IRET ("Changes to Instruction Behavior in VMX Non-Root
 * Operation"), so nmi_allowed() knows when the guest's NMI handler is done.
 * Without virtual NMIs (every CPU since Nehalem has them) the guest gets no
 * NMIs: nothing would tell when its handler returns.
 */
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "../minivisor.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_defs.h"

static bool vmx_virtual_nmis(void)
{
	return vmx_cfg.pin & VMX_PIN_VIRTUAL_NMIS;
}

static bool vmx_event_queued(const struct vmx_vcpu *vx)
{
	return vx->event_info & VMX_INTR_VALID;
}

static void vmx_set_intr_state(struct vmx_vcpu *vx, u32 state)
{
	if (state != vx->intr_state) {
		vx->intr_state = state;
		vx->dirty |= VMX_DIRTY_INTR_STATE;
	}
}

/**
 * vmx_skip_insn() - &mv_arch_ops.skip_insn: move RIP past the instruction
 * that exited and end the STI / MOV SS shadow it may have been in (SDM 3C
 * "Interruptibility State": the shadow covers one instruction, now done).
 * @vcpu: the vCPU.
 * @len: instruction length; 0: the VM-exit instruction length of the last
 *	exit.
 */
void vmx_skip_insn(struct mv_vcpu *vcpu, unsigned int len)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	vcpu->regs.rip += len ? len : vx->exit_insn_len;
	vmx_set_intr_state(vx, vx->intr_state & ~VMX_INTERRUPTIBILITY_SHADOW);
}

/**
 * vmx_queue_exception() - deliver a hardware exception at the next entry,
 * replacing whatever was queued.
 * @vx: the vCPU.
 * @vector: exception vector.
 * @has_error: push @error_code (dropped in real mode, see
 *	vmx_event_before_entry()).
 * @error_code: the error code.
 */
void vmx_queue_exception(struct vmx_vcpu *vx, u8 vector, bool has_error,
			 u32 error_code)
{
	vx->event_info = vector | VMX_INTR_TYPE_HW_EXCEPTION | VMX_INTR_VALID |
			 (has_error ? VMX_INTR_ERROR_CODE : 0);
	vx->event_error = error_code;
	vx->event_len = 0;
}

/**
 * vmx_inject_exception() - &mv_arch_ops.inject_exception.
 * @vcpu: the vCPU.
 * @vector: exception vector.
 * @has_error: push @error_code.
 * @error_code: the error code.
 */
void vmx_inject_exception(struct mv_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error_code)
{
	vmx_queue_exception(to_vmx(vcpu), vector, has_error, error_code);
}

/**
 * vmx_irq_allowed() - &mv_arch_ops.irq_allowed.
 * @vcpu: the vCPU.
 *
 * Return: true if RFLAGS.IF is set, there is no STI / MOV SS shadow, no
 * event is queued for the next entry and no interrupt is held back.
 */
bool vmx_irq_allowed(struct mv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	return (vcpu->regs.rflags & X86_EFLAGS_IF) &&
	       !(vx->intr_state & VMX_INTERRUPTIBILITY_SHADOW) &&
	       !vmx_event_queued(vx) && !vx->held_irq;
}

/**
 * vmx_inject_irq() - &mv_arch_ops.inject_irq: queue external interrupt
 * @vector for the next entry, after vmx_irq_allowed() said yes.
 * @vcpu: the vCPU.
 * @vector: the vector.
 */
void vmx_inject_irq(struct mv_vcpu *vcpu, u8 vector)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	vx->event_info = vector | VMX_INTR_TYPE_EXT_INTR | VMX_INTR_VALID;
	vx->event_error = 0;
	vx->event_len = 0;
}

/**
 * vmx_set_irq_window() - &mv_arch_ops.set_irq_window: turn
 * "interrupt-window exiting" on or off from the next entry on (SDM 3C
 * "Primary Processor-Based VM-Execution Controls"). The controls are kept
 * in &vmx_vcpu.proc and written only when they change.
 * @vcpu: the vCPU.
 * @on: exit as soon as the guest can take an interrupt.
 */
void vmx_set_irq_window(struct mv_vcpu *vcpu, bool on)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	u32 proc = on ? vx->proc | VMX_PROC_INTR_WINDOW_EXITING :
			vx->proc & ~VMX_PROC_INTR_WINDOW_EXITING;

	if (proc != vx->proc) {
		vx->proc = proc;
		vx->dirty |= VMX_DIRTY_PROC;
	}
}

/**
 * vmx_nmi_allowed() - &mv_arch_ops.nmi_allowed.
 * @vcpu: the vCPU.
 *
 * SDM 3C "Checks on Guest Non-Register State": with virtual NMIs, an NMI
 * may not be injected while virtual NMIs are blocked; blocking by MOV SS
 * forbids it too, and blocking by STI may on some CPUs.
 *
 * Return: true if the CPU has virtual NMIs, the guest is not handling an
 * NMI, there is no STI / MOV SS shadow and no event is queued.
 */
bool vmx_nmi_allowed(struct mv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	return vmx_virtual_nmis() &&
	       !(vx->intr_state & (VMX_INTERRUPTIBILITY_SHADOW | VMX_INTERRUPTIBILITY_NMI)) &&
	       !vmx_event_queued(vx);
}

/**
 * vmx_inject_nmi() - &mv_arch_ops.inject_nmi: queue an NMI for the next
 * entry, after vmx_nmi_allowed() said yes. Its delivery blocks virtual NMIs
 * until the guest's IRET.
 * @vcpu: the vCPU.
 */
void vmx_inject_nmi(struct mv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	vx->event_info = X86_TRAP_NMI | VMX_INTR_TYPE_NMI | VMX_INTR_VALID;
	vx->event_error = 0;
	vx->event_len = 0;
}

/* Hardware exceptions that push an error code (SDM 3A "Exception and Interrupt Reference"). */
static bool vmx_exception_has_error(u8 vector)
{
	switch (vector) {
	case X86_TRAP_DF:
	case X86_TRAP_TS:
	case X86_TRAP_NP:
	case X86_TRAP_SS:
	case X86_TRAP_GP:
	case X86_TRAP_PF:
	case X86_TRAP_AC:
		return true;
	default:
		return false;
	}
}

/**
 * vmx_event_before_entry() - write the queued event to the VMCS and fix up
 * what VM entry would refuse. The VMCS is current, interrupts are off.
 * @vcpu: the vCPU.
 *
 * SDM 3C "Checks on Guest RIP, RFLAGS, and SSP" and "Checks on Guest
 * Non-Register State": blocking by STI needs RFLAGS.IF; an external
 * interrupt goes in only with RFLAGS.IF set and no STI / MOV SS shadow.
 * Userspace may have cleared RFLAGS.IF since the interrupt was queued (or
 * re-queued after an exit): it is then held back, behind any event an exit
 * brings, with the interrupt window open until the guest can take it; it
 * cannot be dropped, the local APIC already counts it as in service.
 * "Checks on VM-Entry Control Fields": an exception delivers an error code
 * exactly when it has one and the guest is in protected mode (the real CR0
 * has the guest's PE: unrestricted guest leaves PE to the guest).
 */
void vmx_event_before_entry(struct mv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	bool irq_ok = vcpu->regs.rflags & X86_EFLAGS_IF;
	u32 info, type;

	if (!irq_ok)
		vmx_set_intr_state(vx, vx->intr_state & ~VMX_INTERRUPTIBILITY_STI);
	irq_ok = irq_ok && !(vx->intr_state & VMX_INTERRUPTIBILITY_SHADOW);

	if (unlikely(vx->held_irq) && !(vx->event_info & VMX_INTR_VALID) && irq_ok) {
		vx->event_info = vx->held_irq;
		vx->held_irq = 0;
	}
	info = vx->event_info;
	type = info & VMX_INTR_TYPE_MASK;
	if (unlikely(type == VMX_INTR_TYPE_EXT_INTR && (info & VMX_INTR_VALID) && !irq_ok)) {
		vx->held_irq = info;
		vx->event_info = 0;
		info = 0;
	}
	if (unlikely(vx->held_irq))
		vmx_set_irq_window(vcpu, true);
	if (!(info & VMX_INTR_VALID))
		return;

	if (type == VMX_INTR_TYPE_HW_EXCEPTION) {
		info &= ~VMX_INTR_ERROR_CODE;
		if ((vmcs_readl(VMCS_GUEST_CR0) & X86_CR0_PE) &&
		    vmx_exception_has_error(info & VMX_INTR_VECTOR_MASK))
			info |= VMX_INTR_ERROR_CODE;
	}
	vmcs_write32(VMCS_ENTRY_INTR_INFO, info);
	if (info & VMX_INTR_ERROR_CODE)
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR_CODE, vx->event_error);
	/* Only software interrupts and exceptions use the length (1 to 15). */
	if (type == VMX_INTR_TYPE_SW_INTR || type == VMX_INTR_TYPE_PRIV_SW_EXC ||
	    type == VMX_INTR_TYPE_SW_EXC)
		vmcs_write32(VMCS_ENTRY_INSTRUCTION_LEN, vx->event_len);
	vx->event_info = 0;
}

/*
 * An exit in the middle of delivering an event through the guest's IDT
 * (typically an EPT violation on the IDT, the stack or a handler the guest
 * touches for the first time): the event was not delivered and goes in
 * again with the next entry, whatever its kind - an external interrupt or
 * NMI that minivisor injected, or the guest's own exception or INT n
 * ("Information for VM Exits That Occur During Event Delivery";
 * "Reflecting Exceptions to Guest Software").
 */
static void vmx_requeue(struct vmx_vcpu *vx, u32 idt)
{
	u32 type = idt & VMX_INTR_TYPE_MASK;

	vx->event_info = idt & (VMX_INTR_VALID | VMX_INTR_ERROR_CODE |
				VMX_INTR_TYPE_MASK | VMX_INTR_VECTOR_MASK);
	vx->event_error = (idt & VMX_INTR_ERROR_CODE) ?
			  vmcs_read32(VMCS_IDT_VECTORING_ERROR_CODE) : 0;
	/*
	 * Software interrupts and exceptions (INT n, INT3, INTO, INT1) restart
	 * at their instruction: the VM-exit instruction length is its length.
	 */
	vx->event_len = vx->exit_insn_len;
	/*
	 * An interrupted NMI delivery has not blocked anything yet, and VM
	 * entry refuses to inject an NMI under virtual-NMI blocking ("Checks on
	 * Guest Non-Register State").
	 */
	if (type == VMX_INTR_TYPE_NMI)
		vmx_set_intr_state(vx, vx->intr_state & ~VMX_INTERRUPTIBILITY_NMI);
}

/**
 * vmx_event_after_exit() - what an exit did to events: note the guest's
 * interruptibility state, re-queue an event whose delivery the exit
 * interrupted, and restore NMI blocking that a faulting IRET lifted.
 * @vx: the vCPU; its VMCS is current, the exit was not a failed entry.
 * @basic: the basic exit reason.
 * @qual: the exit qualification.
 *
 * SDM 3C "Resuming Guest Software after Handling an Exception": with
 * virtual NMIs, an IRET that unblocked NMIs and then exited (an EPT
 * violation on the guest's stack, say; bit 12 "NMI unblocking due to IRET"
 * of the exit interruption information or EPT-violation qualification) is
 * executed again after the entry, so NMIs must be blocked again until then.
 * Bit 12 is undefined after an exit during event delivery and for #DF
 * ("Information for VM Exits Due to Vectored Events").
 *
 * Return: true if the exit interrupted the delivery of an event.
 */
bool vmx_event_after_exit(struct vmx_vcpu *vx, u32 basic, unsigned long qual)
{
	u32 idt = vmcs_read32(VMCS_IDT_VECTORING_INFO), intr;
	bool unblocked = false;

	vx->intr_state = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	if (idt & VMX_INTR_VALID) {
		vmx_requeue(vx, idt);
		return true;
	}
	if (!vmx_virtual_nmis())
		return false;
	if (basic == VMX_EXIT_EXCEPTION_NMI) {
		intr = vmcs_read32(VMCS_EXIT_INTR_INFO);
		unblocked = (intr & VMX_INTR_VALID) && (intr & VMX_INTR_NMI_UNBLOCK) &&
			    (intr & VMX_INTR_VECTOR_MASK) != X86_TRAP_DF;
	} else if (basic == VMX_EXIT_EPT_VIOLATION) {
		unblocked = qual & VMX_EPT_QUAL_NMI_UNBLOCK;
	}
	if (unblocked)
		vmx_set_intr_state(vx, vx->intr_state | VMX_INTERRUPTIBILITY_NMI);
	return false;
}
