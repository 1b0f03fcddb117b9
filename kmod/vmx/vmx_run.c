// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: one trip into the guest and back.
 *
 * Before the entry: the VMCS is made current here (vmx_vcpu.c), the host
 * state that follows the running task is refreshed, queued events and the
 * guest's RSP / RIP / RFLAGS are written, the guest's CR2 is put in place.
 * After the exit: what VM exit does not restore of the host is restored,
 * a host NMI is handed to the host, and the exit is decoded (vmx_exit.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmx: " fmt

#include <linux/build_bug.h>
#include <linux/percpu.h>
#include <linux/stddef.h>
#include <asm/desc.h>
/* not self-contained in 6.1: after <asm/desc.h>, which brings what it needs */
#include <asm/debugreg.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "../minivisor.h"
#include "vmcs.h"
#include "vmenter.h"
#include "vmx.h"
#include "vmx_defs.h"

static_assert(offsetof(struct mv_regs, rax) == MV_REGS_RAX);
static_assert(offsetof(struct mv_regs, rbx) == MV_REGS_RBX);
static_assert(offsetof(struct mv_regs, rcx) == MV_REGS_RCX);
static_assert(offsetof(struct mv_regs, rdx) == MV_REGS_RDX);
static_assert(offsetof(struct mv_regs, rsi) == MV_REGS_RSI);
static_assert(offsetof(struct mv_regs, rdi) == MV_REGS_RDI);
static_assert(offsetof(struct mv_regs, rsp) == MV_REGS_RSP);
static_assert(offsetof(struct mv_regs, rbp) == MV_REGS_RBP);
static_assert(offsetof(struct mv_regs, r8) == MV_REGS_R8);
static_assert(offsetof(struct mv_regs, r9) == MV_REGS_R9);
static_assert(offsetof(struct mv_regs, r10) == MV_REGS_R10);
static_assert(offsetof(struct mv_regs, r11) == MV_REGS_R11);
static_assert(offsetof(struct mv_regs, r12) == MV_REGS_R12);
static_assert(offsetof(struct mv_regs, r13) == MV_REGS_R13);
static_assert(offsetof(struct mv_regs, r14) == MV_REGS_R14);
static_assert(offsetof(struct mv_regs, r15) == MV_REGS_R15);
static_assert(VMX_ENTER_HOST_RSP == VMCS_HOST_RSP);

/**
 * struct vmx_host_state - host state to put back after the exit.
 * @ds: DS selector.
 * @es: ES selector.
 * @fs: FS selector.
 * @gs: GS selector.
 * @ldt: LDTR selector.
 * @fs_base: IA32_FS_BASE.
 * @debugctl: IA32_DEBUGCTL.
 */
struct vmx_host_state {
	u16 ds, es, fs, gs, ldt;
	unsigned long fs_base;
	unsigned long debugctl;
};

/*
 * The host state that follows the running task, read right before the
 * entry with interrupts off; a VMCS field is rewritten only if it changed.
 * SDM 3C "Checks on Host Segment and Descriptor-Table Registers": host
 * selectors must have RPL and TI 0, so a user selector (RPL 3) goes in as
 * null and is loaded again after the exit.
 */
static void vmx_save_host(struct vmx_vcpu *vx, struct vmx_host_state *h)
{
	unsigned long cr3, cr4;
	u16 fs_sel, gs_sel;

	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	asm volatile("sldt %0" : "=g" (h->ldt));

	fs_sel = (h->fs & 7) ? 0 : h->fs;
	gs_sel = (h->gs & 7) ? 0 : h->gs;
	if (unlikely(fs_sel != vx->host_fs_sel)) {
		vmcs_write16(VMCS_HOST_FS_SELECTOR, fs_sel);
		vx->host_fs_sel = fs_sel;
	}
	if (unlikely(gs_sel != vx->host_gs_sel)) {
		vmcs_write16(VMCS_HOST_GS_SELECTOR, gs_sel);
		vx->host_gs_sel = gs_sel;
	}
	rdmsrl(MSR_FS_BASE, h->fs_base);
	if (unlikely(h->fs_base != vx->host_fs_base)) {
		vmcs_writel(VMCS_HOST_FS_BASE, h->fs_base);
		vx->host_fs_base = h->fs_base;
	}
	/* The user's GS base, while in the kernel; restored by the exit. */
	rdmsrl(MSR_KERNEL_GS_BASE, vx->msr_host[VMX_AUTO_MSR_KERNEL_GS_BASE].value);

	/* The task's page tables (and PCID), CR4 as this CPU has it now. */
	cr3 = __read_cr3();
	if (unlikely(cr3 != vx->host_cr3)) {
		vmcs_writel(VMCS_HOST_CR3, cr3);
		vx->host_cr3 = cr3;
	}
	cr4 = cr4_read_shadow();
	if (unlikely(cr4 != vx->host_cr4)) {
		vmcs_writel(VMCS_HOST_CR4, cr4);
		vx->host_cr4 = cr4;
	}

	h->debugctl = get_debugctlmsr();
}

/*
 * SDM 3C "Loading Host State": the exit left LDTR unusable, the GDTR limit
 * at 0xffff, the TR limit at 0x67 (no I/O bitmap), DS / ES / FS / GS with
 * the VMCS's selectors, DR7 at 0x400 and IA32_DEBUGCTL at 0. Put back what
 * the host had.
 */
static void vmx_restore_host(struct vmx_vcpu *vx, const struct vmx_host_state *h)
{
	if (unlikely(h->ldt || (h->gs & 7))) {
		asm volatile("lldt %0" : : "rm" (h->ldt));
		/* Loading GS resets the user's GS base: the exit restored it. */
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE,
		       vx->msr_host[VMX_AUTO_MSR_KERNEL_GS_BASE].value);
	}
	if (unlikely(h->fs & 7)) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (unlikely(h->ds | h->es)) {
		loadsegment(ds, h->ds);
		loadsegment(es, h->es);
	}
	load_fixmap_gdt(raw_smp_processor_id());
	invalidate_tss_limit();
	if (unlikely(h->debugctl))
		update_debugctlmsr(h->debugctl);
	if (unlikely(hw_breakpoint_active()))
		hw_breakpoint_restore();
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

/*
 * Queued event, interrupt shadow, TLB flush, then RSP / RIP / RFLAGS.
 * SDM 3C "Checks on VM-Entry Control Fields": an exception delivers an
 * error code exactly when it has one and the guest is in protected mode.
 * "Checks on Guest Non-Register State": blocking by STI needs RFLAGS.IF.
 */
static void vmx_prepare_guest(struct mv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	u32 info = vx->event_info, intr;

	if (info & VMX_INTR_VALID) {
		if ((info & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_HW_EXCEPTION) {
			info &= ~VMX_INTR_ERROR_CODE;
			if ((vmcs_readl(VMCS_GUEST_CR0) & X86_CR0_PE) &&
			    vmx_exception_has_error(info & VMX_INTR_VECTOR_MASK))
				info |= VMX_INTR_ERROR_CODE;
		}
		vmcs_write32(VMCS_ENTRY_INTR_INFO, info);
		if (info & VMX_INTR_ERROR_CODE)
			vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR_CODE, vx->event_error);
		vmcs_write32(VMCS_ENTRY_INSTRUCTION_LEN, vx->event_len);
		vx->event_info = 0;
	}

	if (vx->clear_intr_shadow || !(vcpu->regs.rflags & X86_EFLAGS_IF)) {
		intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
		if (vx->clear_intr_shadow)
			intr &= ~(VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOV_SS);
		if (!(vcpu->regs.rflags & X86_EFLAGS_IF))
			intr &= ~VMX_INTERRUPTIBILITY_STI;
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, intr);
		vx->clear_intr_shadow = false;
	}

	if (vx->flush_tlb) {
		vmx_invvpid(vx->vpid);
		vx->flush_tlb = false;
	}

	vmcs_writel(VMCS_GUEST_RSP, vcpu->regs.rsp);
	vmcs_writel(VMCS_GUEST_RIP, vcpu->regs.rip);
	vmcs_writel(VMCS_GUEST_RFLAGS, vcpu->regs.rflags);
}

/**
 * vmx_vcpu_run() - &mv_arch_ops.vcpu_run: enter the guest once.
 * @vcpu: the vCPU.
 * @exit: the decoded exit.
 *
 * Called with preemption and interrupts off (interrupts go on briefly if
 * the VMCS must be fetched from another CPU, see vmx_vcpu.c).
 *
 * Return: 0 with @exit filled in (a refused entry is %MV_X_FAIL_ENTRY),
 * -EIO if VMX is off on this CPU.
 */
int vmx_vcpu_run(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	struct vmx_host_state host;
	u32 reason, intr;
	int ret;

	ret = vmx_vcpu_load(vcpu);
	if (ret)
		return ret;

	vmx_prepare_guest(vcpu);
	vmx_save_host(vx, &host);

	/* The VMCS has no CR2: the guest's is loaded and saved by hand. */
	if (native_read_cr2() != vx->cr2)
		native_write_cr2(vx->cr2);
	ret = mv_vmx_vmenter(&vcpu->regs, vx->launched);
	vx->cr2 = native_read_cr2();

	vmx_restore_host(vx, &host);

	if (unlikely(ret == VMX_ENTER_FAULT)) {
		pr_err_ratelimited("VMLAUNCH/VMRESUME faulted: VMX is off on CPU %d\n",
				   smp_processor_id());
		return -EIO;
	}
	if (unlikely(ret == VMX_ENTER_FAIL)) {
		/* VMfailInvalid leaves the error at 0: there is no current VMCS. */
		u32 err = vmcs_read32(VMCS_INSTRUCTION_ERROR);

		exit->reason = MV_X_FAIL_ENTRY;
		exit->insn_len = 0;
		exit->fail.hw_reason = err;
		exit->fail.qual = 0;
		exit->fail.info2 = 0;
		exit->fail.cause = vmx_insn_error_text(err);
		return 0;
	}

	reason = vmcs_read32(VMCS_EXIT_REASON);
	/*
	 * A host NMI: NMIs stay blocked until the next IRET, which the
	 * kernel's handler, entered through its IDT gate, ends with (SDM 3C
	 * "Treatment of NMIs Arriving While in VMX Non-Root Operation").
	 */
	if (VMX_EXIT_REASON_BASIC(reason) == VMX_EXIT_EXCEPTION_NMI) {
		intr = vmcs_read32(VMCS_EXIT_INTR_INFO);
		if ((intr & (VMX_INTR_VALID | VMX_INTR_TYPE_MASK)) ==
		    (VMX_INTR_VALID | VMX_INTR_TYPE_NMI))
			asm volatile("int $2");
	}

	/*
	 * A failed VM entry ("VM-Entry Failures During or After Loading Guest
	 * State") leaves the launch state as it was.
	 */
	if (!(reason & VMX_EXIT_REASON_ENTRY_FAIL))
		vx->launched = true;

	vcpu->regs.rsp = vmcs_readl(VMCS_GUEST_RSP);
	vcpu->regs.rip = vmcs_readl(VMCS_GUEST_RIP);
	vcpu->regs.rflags = vmcs_readl(VMCS_GUEST_RFLAGS);

	vmx_exit_decode(vcpu, reason, exit);
	return 0;
}
