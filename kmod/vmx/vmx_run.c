// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: one trip into the guest and back.
 *
 * Before the entry: the VMCS is made current here (vmx_vcpu.c), the host
 * state that follows the running task is refreshed, the queued event and
 * what changed in software (interruptibility, controls, SYSENTER MSRs) and
 * the guest's RSP / RIP / RFLAGS are written, the guest's CR2 and the MSRs
 * the VMCS does not switch are put in place (vmx_msr.c).
 * After the exit: those MSRs and what VM exit does not restore of the host
 * are restored, a host NMI is handed to the host, and the exit is decoded
 * (vmx_exit.c).
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
 * @kernel_gs_base: IA32_KERNEL_GS_BASE (the user's GS base), if read.
 * @debugctl: IA32_DEBUGCTL.
 */
struct vmx_host_state {
	u16 ds, es, fs, gs, ldt;
	unsigned long fs_base;
	u64 kernel_gs_base;
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
	/*
	 * The user's GS base, while in the kernel: needed if the guest may
	 * change it (SWAPGS, vmx_msr.c) or reloading GS clobbers it below.
	 */
	h->kernel_gs_base = 0;
	if ((vx->msr_switch & VMX_SWITCH_KERNEL_GS) || h->ldt || (h->gs & 7))
		rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);

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
		/* Loading GS resets the user's GS base: put it back. */
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
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

/*
 * The queued event, what changed in software since the last entry, the TLB
 * flush, then RSP / RIP / RFLAGS. The fields behind &vmx_vcpu.dirty change
 * rarely: one test per entry instead of a VMWRITE each.
 */
static void vmx_prepare_guest(struct mv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	vmx_event_before_entry(vcpu);

	if (unlikely(vx->dirty)) {
		if (vx->dirty & VMX_DIRTY_INTR_STATE)
			vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, vx->intr_state);
		if (vx->dirty & VMX_DIRTY_PROC)
			vmcs_write32(VMCS_PROC_CONTROLS, vx->proc);
		if (vx->dirty & VMX_DIRTY_SYSENTER) {
			vmcs_write32(VMCS_GUEST_SYSENTER_CS, vx->sysenter_cs);
			vmcs_writel(VMCS_GUEST_SYSENTER_ESP, vx->sysenter_esp);
			vmcs_writel(VMCS_GUEST_SYSENTER_EIP, vx->sysenter_eip);
		}
		vx->dirty = 0;
	}

	if (vx->flush_tlb) {
		vmx_invvpid(vx->vpid);
		vx->flush_tlb = false;
	}

	vmcs_writel(VMCS_GUEST_RSP, vcpu->regs.rsp);
	vmcs_writel(VMCS_GUEST_RIP, vcpu->regs.rip);
	vmcs_writel(VMCS_GUEST_RFLAGS, vcpu->regs.rflags);
}

/*
 * One VM entry and exit with the host state of vmx_save_host() in place:
 * the queued event and the guest's registers go in, the exit comes out
 * decoded. A host NMI is handed to the host right here, as KVM does, with
 * the GDT limit the exit left (0xffff: larger than the real one, so every
 * host descriptor is still reachable).
 *
 * Return: 0 with @exit filled in (a refused entry is %MV_X_FAIL_ENTRY),
 * %VMX_ENTER_FAULT if VMX is off on this CPU.
 */
static int vmx_enter_exit(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	u32 reason, intr, err;
	int ret;

	vmx_prepare_guest(vcpu);
	/* The VMCS has no CR2: the guest's is loaded and saved by hand. */
	if (native_read_cr2() != vx->cr2)
		native_write_cr2(vx->cr2);
	ret = mv_vmx_vmenter(&vcpu->regs, vx->launched);
	vx->cr2 = native_read_cr2();

	if (unlikely(ret == VMX_ENTER_FAULT))
		return ret;
	if (unlikely(ret == VMX_ENTER_FAIL)) {
		/* VMfailInvalid leaves the error at 0: there is no current VMCS. */
		err = vmcs_read32(VMCS_INSTRUCTION_ERROR);
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
	 * "Virtual NMIs" changes nothing here: it is about the NMIs minivisor
	 * gives the guest (vmx_event.c); host NMIs still exit ("NMI exiting").
	 */
	if (VMX_EXIT_REASON_BASIC(reason) == VMX_EXIT_EXCEPTION_NMI) {
		intr = vmcs_read32(VMCS_EXIT_INTR_INFO);
		if ((intr & (VMX_INTR_VALID | VMX_INTR_TYPE_MASK)) ==
		    (VMX_INTR_VALID | VMX_INTR_TYPE_NMI))
			asm volatile("int $2");
		else if ((intr & (VMX_INTR_VALID | VMX_INTR_TYPE_MASK | VMX_INTR_VECTOR_MASK)) ==
			 (VMX_INTR_VALID | VMX_INTR_TYPE_HW_EXCEPTION | X86_TRAP_MC))
			mv_host_machine_check();
	} else if (VMX_EXIT_REASON_BASIC(reason) == VMX_EXIT_MACHINE_CHECK) {
		/* "VM-entry failure due to machine-check event" */
		mv_host_machine_check();
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

/**
 * vmx_vcpu_run() - &mv_arch_ops.vcpu_run: enter the guest until an exit
 * the common loop must see.
 * @vcpu: the vCPU.
 * @exit: the decoded exit.
 *
 * Called with preemption and interrupts off. If the VMCS must be fetched
 * from another CPU, interrupts go on for a moment (see vmx_vcpu.c); a host
 * interrupt taken then may have changed what the common loop decided
 * before this call (an interrupt for the guest, a reschedule), so the loop
 * gets an %MV_X_EXTERNAL_INTR exit without an entry and decides again;
 * whatever was queued stays queued.
 *
 * The host state is saved once, the guest's MSRs loaded once; exits that
 * mv_handle_exit_fast() handles go straight back in, and the host's GDT,
 * segments and MSRs come back only before returning (the profile in
 * docs/benchmarks.md: that restore was a quarter of a CPUID round trip).
 *
 * Return: 0 with @exit filled in (a refused entry is %MV_X_FAIL_ENTRY),
 * -EIO if VMX is off on this CPU.
 */
int vmx_vcpu_run(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	struct vmx_host_state host;
	int ret;

	ret = vmx_vcpu_load(vcpu);
	if (ret < 0)
		return ret;
	if (unlikely(ret == VMX_LOAD_IRQS_WERE_ON)) {
		exit->reason = MV_X_EXTERNAL_INTR;
		exit->insn_len = 0;
		return 0;
	}

	vmx_save_host(vx, &host);
	vmx_msr_load_guest(vx, host.kernel_gs_base);
	do {
		ret = vmx_enter_exit(vcpu, exit);
	} while (!ret && mv_handle_exit_fast(vcpu, exit));
	vmx_msr_load_host(vx, host.kernel_gs_base);
	vmx_restore_host(vx, &host);

	if (unlikely(ret == VMX_ENTER_FAULT)) {
		pr_err_ratelimited("VMLAUNCH/VMRESUME faulted: VMX is off on CPU %d\n",
				   smp_processor_id());
		return -EIO;
	}
	return 0;
}
