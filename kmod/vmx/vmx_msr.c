// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: the guest's MSRs that the backend keeps - the
 * SYSENTER MSRs of the VMCS, and those the VMCS does not switch.
 *
 * IA32_SYSENTER_CS / ESP / EIP are guest-state fields, loaded at every entry
 * and saved at every exit (SDM 3C "Guest Register State"). The guest
 * changes them only with WRMSR, which exits (the MSR bitmap is all ones),
 * so the software copy is the authority and is written to the VMCS before
 * the next entry when it changed: get_msr and set_msr never need the VMCS.
 *
 * IA32_KERNEL_GS_BASE, IA32_STAR, IA32_LSTAR, IA32_CSTAR and IA32_FMASK are
 * not in the VMCS. The guest's values must be in the MSRs while it runs and
 * the host's back before vcpu_run returns: right after, the host may switch
 * tasks (switch_to() saves IA32_KERNEL_GS_BASE as the task's user GS base)
 * and run a task that executes SYSCALL (through IA32_LSTAR). KVM restores
 * the SYSCALL MSRs only on the way back to userspace (user-return
 * notifiers); minivisor has no such hook and switches them around each
 * entry (vmx_run.c), in the interrupts-off section, by RDMSR / WRMSR, and
 * only what is needed:
 *
 * - Only while the guest can use them. SWAPGS is #UD outside 64-bit mode;
 *   SYSCALL and SYSRET are #UD on Intel outside 64-bit mode or with
 *   EFER.SCE clear (SDM vol. 2 "SWAPGS", "SYSCALL", "SYSRET"). So
 *   KERNEL_GS_BASE is switched in IA-32e mode (EFER.LMA) only, STAR, LSTAR
 *   and FMASK in IA-32e mode with EFER.SCE only, and CSTAR (the target of
 *   SYSCALL from compatibility mode, which Intel CPUs refuse) never: it is
 *   just remembered. Outside those modes the guest reaches them only by
 *   RDMSR / WRMSR, which exit and get the software copies.
 * - A WRMSR only where guest and host values differ. A Linux guest's STAR
 *   and FMASK equal a Linux host's; its KERNEL_GS_BASE while its kernel
 *   runs is its user's GS base, mostly 0, like the VMM's.
 * - KERNEL_GS_BASE is read back after every exit in IA-32e mode (SWAPGS
 *   changes it without an exit), and the host's is read before every
 *   entry: userspace changes its GS base with WRGSBASE without telling the
 *   kernel, so no copy of it stays valid across ioctls.
 *
 * Cost per round trip: none outside IA-32e mode (the real-mode CPUID
 * benchmark); in IA-32e mode two RDMSRs, plus two WRMSRs per MSR whose guest
 * and host values differ (a Linux guest: LSTAR; KERNEL_GS_BASE when it
 * exits from user mode). The alternative, the VM-entry MSR-load and VM-exit
 * MSR-store / MSR-load areas (SDM 3C "VM-Entry Controls for MSRs", "VM-Exit
 * Controls for MSRs"), switches in microcode whatever it lists at every
 * entry and exit - three MSR accesses per MSR per round trip, for every
 * guest in every mode, equal values or not.
 */
#include <linux/irqflags.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/page.h>

#include "../minivisor.h"
#include "vmx.h"

/*
 * Addresses the guest may put in these MSRs. 48 bits: what the guest's
 * paging can use, and never beyond what this CPU takes (VM entry checks
 * the SYSENTER ones, "Checks on Guest Control Registers, Debug Registers,
 * and MSRs"; WRMSR at entry must not fault).
 */
static bool vmx_msr_canonical(u64 val)
{
	return __is_canonical_address(val, 48);
}

/*
 * Does this CPU take @val in @msr (reserved bits)? Try it, with interrupts
 * off and the host's value back at once: nothing on this CPU executes
 * SYSCALL meanwhile. Only at the guest's WRMSR, not on the hot path.
 */
static bool vmx_msr_value_ok(u32 msr, u64 val)
{
	unsigned long flags;
	u64 host;
	int err;

	local_irq_save(flags);
	rdmsrl(msr, host);
	err = wrmsrl_safe(msr, val);
	wrmsrl(msr, host);
	local_irq_restore(flags);
	return !err;
}

/**
 * vmx_get_msr() - &mv_arch_ops.get_msr.
 * @vcpu: the vCPU; not running.
 * @msr: the MSR.
 * @val: its value.
 *
 * Return: 0, or -ENOENT if the backend does not keep @msr.
 */
int vmx_get_msr(struct mv_vcpu *vcpu, u32 msr, u64 *val)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	switch (msr) {
	case MSR_IA32_SYSENTER_CS:
		*val = vx->sysenter_cs;
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*val = vx->sysenter_esp;
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*val = vx->sysenter_eip;
		return 0;
	case MSR_KERNEL_GS_BASE:
		*val = vx->kernel_gs_base;
		return 0;
	case MSR_STAR:
		*val = vx->star;
		return 0;
	case MSR_LSTAR:
		*val = vx->lstar;
		return 0;
	case MSR_CSTAR:
		*val = vx->cstar;
		return 0;
	case MSR_SYSCALL_MASK:
		*val = vx->sfmask;
		return 0;
	default:
		return -ENOENT;
	}
}

/**
 * vmx_set_msr() - &mv_arch_ops.set_msr. The new value is loaded by the next
 * entry (vmx_run.c) if the guest can use it then.
 * @vcpu: the vCPU; not running.
 * @msr: the MSR.
 * @val: the value the guest writes.
 *
 * Return: 0; -EINVAL for a value the CPU would refuse with #GP (a
 * non-canonical address, reserved bits); -ENOENT if the backend does not
 * keep @msr.
 */
int vmx_set_msr(struct mv_vcpu *vcpu, u32 msr, u64 val)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	switch (msr) {
	case MSR_IA32_SYSENTER_CS:
		/* A 32-bit VMCS field; the selector is bits 15:0. */
		vx->sysenter_cs = val;
		vx->dirty |= VMX_DIRTY_SYSENTER;
		return 0;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!vmx_msr_canonical(val))
			return -EINVAL;
		if (msr == MSR_IA32_SYSENTER_ESP)
			vx->sysenter_esp = val;
		else
			vx->sysenter_eip = val;
		vx->dirty |= VMX_DIRTY_SYSENTER;
		return 0;
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
		if (!vmx_msr_canonical(val))
			return -EINVAL;
		if (msr == MSR_KERNEL_GS_BASE)
			vx->kernel_gs_base = val;
		else if (msr == MSR_LSTAR)
			vx->lstar = val;
		else
			vx->cstar = val;
		return 0;
	case MSR_STAR:
	case MSR_SYSCALL_MASK:
		if (!vmx_msr_value_ok(msr, val))
			return -EINVAL;
		if (msr == MSR_STAR)
			vx->star = val;
		else
			vx->sfmask = val;
		return 0;
	default:
		return -ENOENT;
	}
}

/**
 * vmx_msr_update_switch() - which MSRs vmx_run.c switches, for a new EFER.
 * @vx: the vCPU.
 * @efer: the guest's EFER.
 */
void vmx_msr_update_switch(struct vmx_vcpu *vx, u64 efer)
{
	vx->msr_switch = 0;
	if (efer & EFER_LMA) {
		vx->msr_switch |= VMX_SWITCH_KERNEL_GS;
		if (efer & EFER_SCE)
			vx->msr_switch |= VMX_SWITCH_SYSCALL;
	}
}

/**
 * vmx_msr_read_host() - note the host's SYSCALL MSRs on the CPU the vCPU
 * just arrived at (the kernel sets them once per CPU, at boot).
 * @vx: the vCPU.
 */
void vmx_msr_read_host(struct vmx_vcpu *vx)
{
	rdmsrl(MSR_STAR, vx->host_star);
	rdmsrl(MSR_LSTAR, vx->host_lstar);
	rdmsrl(MSR_SYSCALL_MASK, vx->host_sfmask);
}

/**
 * vmx_msr_load_guest() - right before the entry, interrupts off: put the
 * guest's values in the MSRs it can use now.
 * @vx: the vCPU.
 * @host_kernel_gs_base: the host's KERNEL_GS_BASE, read by the caller when
 *	%VMX_SWITCH_KERNEL_GS is set.
 */
void vmx_msr_load_guest(struct vmx_vcpu *vx, u64 host_kernel_gs_base)
{
	u32 sw = vx->msr_switch;

	if ((sw & VMX_SWITCH_KERNEL_GS) && vx->kernel_gs_base != host_kernel_gs_base)
		wrmsrl(MSR_KERNEL_GS_BASE, vx->kernel_gs_base);
	if (sw & VMX_SWITCH_SYSCALL) {
		if (vx->star != vx->host_star)
			wrmsrl(MSR_STAR, vx->star);
		if (vx->lstar != vx->host_lstar)
			wrmsrl(MSR_LSTAR, vx->lstar);
		if (vx->sfmask != vx->host_sfmask)
			wrmsrl(MSR_SYSCALL_MASK, vx->sfmask);
	}
}

/**
 * vmx_msr_load_host() - right after the exit, interrupts off: keep what the
 * guest changed without an exit (SWAPGS), put the host's values back.
 * @vx: the vCPU.
 * @host_kernel_gs_base: as for vmx_msr_load_guest().
 */
void vmx_msr_load_host(struct vmx_vcpu *vx, u64 host_kernel_gs_base)
{
	u32 sw = vx->msr_switch;

	if (sw & VMX_SWITCH_KERNEL_GS) {
		rdmsrl(MSR_KERNEL_GS_BASE, vx->kernel_gs_base);
		if (vx->kernel_gs_base != host_kernel_gs_base)
			wrmsrl(MSR_KERNEL_GS_BASE, host_kernel_gs_base);
	}
	if (sw & VMX_SWITCH_SYSCALL) {
		if (vx->star != vx->host_star)
			wrmsrl(MSR_STAR, vx->host_star);
		if (vx->lstar != vx->host_lstar)
			wrmsrl(MSR_LSTAR, vx->host_lstar);
		if (vx->sfmask != vx->host_sfmask)
			wrmsrl(MSR_SYSCALL_MASK, vx->host_sfmask);
	}
}
