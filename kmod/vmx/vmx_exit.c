// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: turning a VM exit into a vendor-neutral struct
 * mv_exit. Exits the backend handles by itself (CR and DR accesses,
 * MONITOR / MWAIT / RDPMC, INVLPG and PAUSE where the CPU forces them to
 * exit) come back as %MV_X_NONE. An event whose delivery the exit
 * interrupted is queued again first (vmx_event.c).
 *
 * Authority: SDM 3C "VM Exits" - "Basic VM-Exit Information", "Information
 * for VM Exits Due to Vectored Events", "Information for VM Exits That
 * Occur During Event Delivery"; appendix C "VMX Basic Exit Reasons".
 */
#include <asm/trapnr.h>

#include "../minivisor.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_defs.h"

static void vmx_exit_unhandled(struct mv_exit *exit, u32 reason, unsigned long qual,
			       u64 info2, const char *cause)
{
	exit->reason = MV_X_UNHANDLED;
	exit->fail.hw_reason = reason;
	exit->fail.qual = qual;
	exit->fail.info2 = info2;
	exit->fail.cause = cause;
}

static void vmx_decode_entry_failure(u32 reason, struct mv_exit *exit)
{
	exit->reason = MV_X_FAIL_ENTRY;
	exit->fail.hw_reason = reason;
	exit->fail.qual = vmcs_readl(VMCS_EXIT_QUALIFICATION);
	exit->fail.info2 = 0;
	exit->fail.cause = vmx_entry_failure_text(VMX_EXIT_REASON_BASIC(reason));
}

static void vmx_decode_io(unsigned long qual, struct mv_exit *exit)
{
	exit->reason = MV_X_IO;
	exit->io.port = VMX_IO_QUAL_PORT(qual);
	exit->io.size = VMX_IO_QUAL_SIZE(qual);
	exit->io.in = qual & VMX_IO_QUAL_IN;
	exit->io.string = qual & VMX_IO_QUAL_STRING;
	exit->io.rep = qual & VMX_IO_QUAL_REP;
}

/*
 * "Exit Qualification for EPT Violations". An access is the instruction's
 * own data access only if it had a linear address (bit 7; not a PDPTE load)
 * and was to that address's translation (bit 8; not a guest page-table
 * walk), outside event delivery (@vectoring: pushing the frame, reading the
 * IDT).
 */
static void vmx_decode_ept_violation(unsigned long qual, bool vectoring,
				     struct mv_exit *exit)
{
	exit->reason = MV_X_NPF;
	exit->npf.gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS);
	exit->npf.write = qual & VMX_EPT_QUAL_WRITE;
	exit->npf.fetch = qual & VMX_EPT_QUAL_FETCH;
	/* Bits 5:3: what the EPT entries allowed; all clear: not present. */
	exit->npf.present = qual & VMX_EPT_QUAL_PRESENT;
	exit->npf.not_data = vectoring || !(qual & VMX_EPT_QUAL_GLA_VALID) ||
			     !(qual & VMX_EPT_QUAL_GLA_XLATE);
}

/**
 * vmx_exit_decode() - describe the exit that just happened.
 * @vcpu: the vCPU; its VMCS is current, @vcpu->regs hold the guest's state.
 * @reason: the exit-reason field.
 * @exit: filled in.
 */
void vmx_exit_decode(struct mv_vcpu *vcpu, u32 reason, struct mv_exit *exit)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	u32 basic = VMX_EXIT_REASON_BASIC(reason), intr;
	unsigned long qual;
	bool vectoring;

	exit->insn_len = 0;
	if (reason & VMX_EXIT_REASON_ENTRY_FAIL) {
		vmx_decode_entry_failure(reason, exit);
		return;
	}

	qual = vmcs_readl(VMCS_EXIT_QUALIFICATION);
	vx->exit_insn_len = vmcs_read32(VMCS_EXIT_INSTRUCTION_LEN);
	vectoring = vmx_event_after_exit(vx, basic, qual);

	switch (basic) {
	case VMX_EXIT_EXCEPTION_NMI:
		intr = vmcs_read32(VMCS_EXIT_INTR_INFO);
		if ((intr & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_NMI) {
			/* vmx_vcpu_run() already handed it to the host. */
			exit->reason = MV_X_NMI;
			return;
		}
		if ((intr & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_HW_EXCEPTION) {
			switch (intr & VMX_INTR_VECTOR_MASK) {
			case X86_TRAP_MC:
				/* vmx_vcpu_run() handed it to the host. */
				exit->reason = MV_X_NONE;
				return;
			case X86_TRAP_AC:
				/*
				 * Reflect it (error code 0). If it hit while
				 * an event was being delivered, that event is
				 * queued again and raises it again if due.
				 */
				if (!vectoring)
					vmx_queue_exception(vx, X86_TRAP_AC, true, 0);
				exit->reason = MV_X_NONE;
				return;
			}
		}
		/* The exception bitmap has only #AC and #MC. */
		vmx_exit_unhandled(exit, basic, qual, intr,
				   "unhandled VMX exit: guest exception intercepted");
		return;
	case VMX_EXIT_EXTERNAL_INTR:
		/* The host gets its CPU back (signals, rescheduling); re-enter. */
		exit->reason = MV_X_EXTERNAL_INTR;
		return;
	case VMX_EXIT_PREEMPTION_TIMER:
		exit->reason = MV_X_SLICE_END;
		return;
	case VMX_EXIT_TRIPLE_FAULT:
		exit->reason = MV_X_SHUTDOWN;
		return;
	case VMX_EXIT_INTR_WINDOW:
		/* The guest can take an interrupt now; the common loop injects it. */
		vmx_set_irq_window(vcpu, false);
		exit->reason = MV_X_IRQ_WINDOW;
		return;
	case VMX_EXIT_CPUID:
		exit->reason = MV_X_CPUID;
		break;
	case VMX_EXIT_HLT:
		exit->reason = MV_X_HLT;
		break;
	case VMX_EXIT_INVD:
	case VMX_EXIT_WBINVD:
		exit->reason = MV_X_INVD;
		break;
	case VMX_EXIT_VMCALL:
		exit->reason = MV_X_HYPERCALL;
		break;
	case VMX_EXIT_GETSEC:
	case VMX_EXIT_VMCLEAR ... VMX_EXIT_VMXON:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID:
	case VMX_EXIT_VMFUNC:
		/* The guest has no VMX (or SMX): these #UD. */
		exit->reason = MV_X_VIRT_INSN;
		break;
	case VMX_EXIT_CR_ACCESS:
		exit->reason = vmx_handle_cr_access(vcpu, qual);
		if (exit->reason == MV_X_UNHANDLED)
			vmx_exit_unhandled(exit, basic, qual, 0,
					   "unhandled VMX exit: control-register access");
		return;
	case VMX_EXIT_DR_ACCESS:
		exit->reason = vmx_handle_dr_access(vcpu, qual);
		return;
	case VMX_EXIT_IO:
		vmx_decode_io(qual, exit);
		break;
	case VMX_EXIT_RDMSR:
		exit->reason = MV_X_MSR_READ;
		break;
	case VMX_EXIT_WRMSR:
		exit->reason = MV_X_MSR_WRITE;
		break;
	case VMX_EXIT_XSETBV:
		exit->reason = MV_X_XSETBV;
		break;
	case VMX_EXIT_EPT_VIOLATION:
		vmx_decode_ept_violation(qual, vectoring, exit);
		return;
	case VMX_EXIT_EPT_MISCONFIG:
		/* The qualification is undefined; the GPA says where. */
		vmx_exit_unhandled(exit, basic, vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS), 0,
				   "EPT misconfiguration: a bad entry in minivisor's EPT tables");
		return;
	case VMX_EXIT_MONITOR:
	case VMX_EXIT_MWAIT:
		/* Not for a guest to idle the host CPU; its CPUID has no MONITOR. */
		vmx_queue_exception(vx, X86_TRAP_UD, false, 0);
		exit->reason = MV_X_NONE;
		return;
	case VMX_EXIT_RDPMC:
		/* No performance counters to read (SDM vol. 2 "RDPMC": #GP). */
		vmx_queue_exception(vx, X86_TRAP_GP, true, 0);
		exit->reason = MV_X_NONE;
		return;
	case VMX_EXIT_INVLPG:
		/*
		 * Only if the CPU forces "INVLPG exiting": drop the guest's
		 * translations (all of them: simpler than one address, and rare).
		 */
		vx->flush_tlb = true;
		vmx_skip_insn(vcpu, 0);
		exit->reason = MV_X_NONE;
		return;
	case VMX_EXIT_PAUSE:
		/* Only if the CPU forces "PAUSE exiting": a hint, nothing to do. */
		vmx_skip_insn(vcpu, 0);
		exit->reason = MV_X_NONE;
		return;
	default:
		vmx_exit_unhandled(exit, basic, qual, 0, vmx_unhandled_exit_text(basic));
		return;
	}
	/* An instruction exited: the common code skips it by this length. */
	exit->insn_len = vx->exit_insn_len;
}
