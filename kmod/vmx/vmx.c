// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: detection, capabilities, the VMCS control
 * settings every vCPU gets, VMXON / VMXOFF, and the backend's ops table.
 *
 * Authority: Intel SDM vol. 3C, chapter "Introduction to Virtual Machine
 * Extensions", sections "Enabling and Entering VMX Operation" and
 * "Restrictions on VMX Operation"; vol. 3D appendix A "VMX Capability
 * Reporting Facility".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmx: " fmt

#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/io.h>
#include <asm/asm.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>

#include "../minivisor.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_caps.h"
#include "vmx_defs.h"

/* Filled once by probe; every CPU must report the same (checked at enable). */
struct vmx_config vmx_cfg;

/*
 * VMXON. It #UDs if CR4.VMXE is clear and #GPs if IA32_FEATURE_CONTROL
 * forbids it or CR0/CR4 break the fixed bits (-EFAULT); VMfailInvalid for a
 * bad region, VMfailValid when already in VMX operation (-EIO).
 */
static int vmx_on(u64 region_pa)
{
	return VMX_PA_INSN("vmxon", region_pa);
}

/* VMXOFF; it #UDs outside VMX operation, which becomes -EFAULT. */
static int vmx_off(void)
{
	u8 faulted = 1;

	asm volatile("1: vmxoff\n\t"
		     "movb $0, %[faulted]\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [faulted] "+q" (faulted) : : "cc", "memory");
	return faulted ? -EFAULT : 0;
}

/* Does @val honour the fixed-0 / fixed-1 MSR pair (SDM 3D A.7, A.8)? */
static bool vmx_fixed_bits_ok(unsigned long val, u32 msr_fixed0, u32 msr_fixed1)
{
	u64 must_be_1, may_be_1;

	rdmsrl(msr_fixed0, must_be_1);
	rdmsrl(msr_fixed1, may_be_1);
	return (val & must_be_1) == must_be_1 && !(val & ~may_be_1);
}

/*
 * Fit @want into the capability MSR @msr (SDM 3D A.3-A.5): the bits it
 * requires are added, optional ones it does not allow dropped; the bits in
 * @need must all be allowed.
 */
static int vmx_adjust_controls(u32 msr, u32 need, u32 want, u32 *ctl,
			       const char *what)
{
	u64 cap;

	rdmsrl(msr, cap);
	if (need & ~VMXCAP_CTL_MAY_BE_1(cap)) {
		pr_err("%s controls %#x are not available (capability MSR %#x = %#llx)\n",
		       what, need & ~VMXCAP_CTL_MAY_BE_1(cap), msr, cap);
		return -EOPNOTSUPP;
	}
	*ctl = ((need | want) & VMXCAP_CTL_MAY_BE_1(cap)) | VMXCAP_CTL_MUST_BE_1(cap);
	return 0;
}

/*
 * XSAVES / XRSTORS run natively in the guest only if they cannot reach
 * supervisor state: IA32_XSS is not switched, so the host's must be 0 (then
 * the XSS-exiting bitmap can stay 0 too).
 */
static bool vmx_xsaves_ok(void)
{
	u64 xss = 0;

	return boot_cpu_has(X86_FEATURE_XSAVES) &&
	       !rdmsrl_safe(MSR_IA32_XSS, &xss) && !xss;
}

/* Longest stay in the guest without an exit, in milliseconds. */
#define VMX_GUEST_SLICE_MS	10

/*
 * SDM 3C "VMX-Preemption Timer": counts down from the VMCS value loaded at
 * every VM entry at the TSC rate divided by 2^IA32_VMX_MISC[4:0], and exits
 * at 0. A host interrupt makes the guest exit anyway; the timer is a
 * backstop for when that fails: Bochs 2.7 does not look at an interrupt
 * already pending at VM entry while the guest has RFLAGS.IF clear, so a
 * guest spinning with interrupts off would keep the host CPU for good.
 * Without a known TSC frequency the timer is left off.
 */
static void vmx_setup_preemption_timer(void)
{
	u64 misc, ticks;

	rdmsrl(MSR_IA32_VMX_MISC, misc);
	ticks = ((u64)tsc_khz * VMX_GUEST_SLICE_MS) >> VMXCAP_MISC_PREEMPT_RATE(misc);
	if (!ticks)
		vmx_cfg.pin &= ~VMX_PIN_PREEMPTION_TIMER;
	vmx_cfg.preempt_ticks = min_t(u64, ticks, U32_MAX);
}

/*
 * The controls every VMCS gets. Fixed for the module's lifetime so a vCPU
 * set up on one CPU runs on any other.
 */
static int vmx_setup_controls(u64 basic, u64 ept_vpid)
{
	bool true_ctls = basic & VMXCAP_BASIC_TRUE_CTLS;
	u32 proc2_want;
	int ret;

	/*
	 * Host interrupts and NMIs always exit: the host keeps its CPU. The
	 * VMX-preemption timer bounds each stay in the guest as a backstop
	 * (vmx_setup_preemption_timer()). "Virtual NMIs" lets the CPU track
	 * the guest's own NMI blocking (vmx_event.c).
	 */
	ret = vmx_adjust_controls(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
				  MSR_IA32_VMX_PINBASED_CTLS,
				  VMX_PIN_EXT_INTR_EXITING | VMX_PIN_NMI_EXITING,
				  VMX_PIN_PREEMPTION_TIMER | VMX_PIN_VIRTUAL_NMIS,
				  &vmx_cfg.pin, "pin-based");
	if (ret)
		return ret;
	vmx_setup_preemption_timer();

	/*
	 * HLT, every port, every MSR (the bitmap is all ones), CR8 (the guest
	 * must not reach the host's TPR), MOV DR (DR0-3 and DR6 are not
	 * switched) exit. MWAIT / MONITOR / RDPMC exit where that can be
	 * chosen: the guest gets #UD / #GP instead of idling the host CPU or
	 * reading its counters. CR3 accesses exit only if the CPU insists
	 * (no TRUE controls); vmx_cr.c handles them then. Interrupt-window
	 * exiting must be available but is on only while a vCPU waits for
	 * the guest to take an interrupt (vmx_event.c); it is never one of
	 * the bits a CPU forces to 1 (SDM 3D A.3.2, "default1" class).
	 */
	ret = vmx_adjust_controls(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				  MSR_IA32_VMX_PROCBASED_CTLS,
				  VMX_PROC_HLT_EXITING | VMX_PROC_CR8_LOAD_EXITING |
				  VMX_PROC_CR8_STORE_EXITING | VMX_PROC_MOV_DR_EXITING |
				  VMX_PROC_UNCOND_IO_EXITING | VMX_PROC_USE_MSR_BITMAPS |
				  VMX_PROC_SECONDARY | VMX_PROC_INTR_WINDOW_EXITING,
				  VMX_PROC_MWAIT_EXITING | VMX_PROC_MONITOR_EXITING |
				  VMX_PROC_RDPMC_EXITING,
				  &vmx_cfg.proc, "primary processor-based");
	if (ret)
		return ret;
	vmx_cfg.proc &= ~VMX_PROC_INTR_WINDOW_EXITING;

	/*
	 * Instructions the guest may use natively if the CPU lets it.
	 * "Enable RDTSCP" and "enable INVPCID" stay 0, so RDTSCP, RDPID and
	 * INVPCID are #UD in the guest ("Changes to Instruction Behavior in
	 * VMX Non-Root Operation"), as its CPUID says: IA32_TSC_AUX is not
	 * switched, and the guest would read the host's.
	 */
	proc2_want = VMX_PROC2_WBINVD_EXITING;
	if (vmx_xsaves_ok())
		proc2_want |= VMX_PROC2_XSAVES;
	if (vmx_cfg.invvpid_type)
		proc2_want |= VMX_PROC2_VPID;
	ret = vmx_adjust_controls(MSR_IA32_VMX_PROCBASED_CTLS2,
				  VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED, proc2_want,
				  &vmx_cfg.proc2, "secondary processor-based");
	if (ret)
		return ret;

	/*
	 * A 64-bit host; EFER switched both ways. "Acknowledge interrupt on
	 * exit" stays 0: the interrupt stays pending in the local APIC and the
	 * host takes it when the common loop turns interrupts back on.
	 */
	ret = vmx_adjust_controls(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
				  MSR_IA32_VMX_EXIT_CTLS,
				  VMX_EXIT_CTL_HOST_64BIT | VMX_EXIT_CTL_SAVE_EFER |
				  VMX_EXIT_CTL_LOAD_EFER, 0, &vmx_cfg.exit, "VM-exit");
	if (ret)
		return ret;

	/* DR7 and DEBUGCTL from the VMCS: the host's breakpoints stay out. */
	ret = vmx_adjust_controls(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
				  MSR_IA32_VMX_ENTRY_CTLS,
				  VMX_ENTRY_CTL_LOAD_EFER | VMX_ENTRY_CTL_LOAD_DEBUG, 0,
				  &vmx_cfg.entry, "VM-entry");
	if (ret)
		return ret;
	vmx_cfg.entry &= ~VMX_ENTRY_CTL_IA32E_MODE;

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_cfg.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx_cfg.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_cfg.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx_cfg.cr4_fixed1);
	vmx_cr_setup();
	return 0;
}

static int vmx_probe(struct mv_caps *caps)
{
	u64 feat = 0, basic, proc, proc2 = 0, ept_vpid = 0;
	u32 proc_msr, allowed2;
	int ret;

	/* CPUID.1:ECX.VMX[bit 5] */
	if (!(cpuid_ecx(1) & BIT(5)))
		return -ENODEV;

	/*
	 * SDM 3C "Enabling and Entering VMX Operation": once firmware locks
	 * IA32_FEATURE_CONTROL, VMXON outside SMX needs its bit 2.
	 */
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    ((feat & FEAT_CTL_LOCKED) &&
	     !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))) {
		pr_err("VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked without VMX outside SMX)\n");
		return -EOPNOTSUPP;
	}

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	if (VMXCAP_BASIC_REGION_SIZE(basic) > PAGE_SIZE ||
	    VMXCAP_BASIC_MEMTYPE(basic) != VMXCAP_MEMTYPE_WB ||
	    (basic & VMXCAP_BASIC_32BIT_ADDR)) {
		pr_err("unsupported VMX regions (IA32_VMX_BASIC %#llx)\n", basic);
		return -EOPNOTSUPP;
	}
	vmx_cfg.revision_id = basic & VMXCAP_BASIC_REVISION_MASK;

	proc_msr = (basic & VMXCAP_BASIC_TRUE_CTLS) ?
		   MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS;
	rdmsrl(proc_msr, proc);
	if (VMXCAP_CTL_MAY_BE_1(proc) & VMX_PROC_SECONDARY)
		rdmsrl(MSR_IA32_VMX_PROCBASED_CTLS2, proc2);
	allowed2 = VMXCAP_CTL_MAY_BE_1(proc2);
	if (allowed2 & (VMX_PROC2_EPT | VMX_PROC2_VPID))
		rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, ept_vpid);

	/*
	 * SDM 3C "Invalidation of TLBs and Paging-Structure Caches": INVEPT
	 * must exist to drop a freed table's translations; VPIDs are used
	 * only with INVVPID, else VPID 0 and every entry / exit flushes.
	 */
	vmx_cfg.invept_type = (ept_vpid & VMXCAP_EPT_INVEPT_SINGLE) ? VMX_INVEPT_SINGLE :
			      (ept_vpid & VMXCAP_EPT_INVEPT_ALL) ? VMX_INVEPT_ALL : 0;
	if (!(ept_vpid & VMXCAP_EPT_INVEPT))
		vmx_cfg.invept_type = 0;
	vmx_cfg.invvpid_type = 0;
	if ((allowed2 & VMX_PROC2_VPID) && (ept_vpid & VMXCAP_VPID_INVVPID))
		vmx_cfg.invvpid_type =
			(ept_vpid & VMXCAP_VPID_INVVPID_SINGLE) ? VMX_INVVPID_SINGLE :
			(ept_vpid & VMXCAP_VPID_INVVPID_ALL) ? VMX_INVVPID_ALL : 0;

	caps->vendor = MV_VENDOR_INTEL_VMX;
	caps->nested_paging = (allowed2 & VMX_PROC2_EPT) &&
			      (ept_vpid & VMXCAP_EPT_WALK_4) &&
			      (ept_vpid & VMXCAP_EPT_MEMTYPE_WB) &&
			      vmx_cfg.invept_type;
	caps->tagged_tlb = !!vmx_cfg.invvpid_type;
	caps->nr_tlb_tags = caps->tagged_tlb ? VMX_NR_VPIDS : 0;
	caps->unrestricted_guest = caps->nested_paging &&
				   (allowed2 & VMX_PROC2_UNRESTRICTED);
	caps->nested_2m = caps->nested_paging && (ept_vpid & VMXCAP_EPT_2M);
	caps->nested_1g = caps->nested_paging && (ept_vpid & VMXCAP_EPT_1G);
	/* The VM-exit instruction length field always gives the next RIP. */
	caps->next_rip = true;

	if (!caps->nested_paging || !caps->unrestricted_guest) {
		pr_err("minivisor needs EPT (4-level, write-back, INVEPT) and unrestricted guest\n");
		return -EOPNOTSUPP;
	}
	ret = vmx_setup_controls(basic, ept_vpid);
	if (!ret)
		vmx_percpu_init();
	return ret;
}

/* SDM 3C "Enabling and Entering VMX Operation": CR4.VMXE is set before VMXON. */
static bool vmx_hw_in_use(void)
{
	return __read_cr4() & X86_CR4_VMXE;
}

static int vmx_hw_enable(struct mv_cpu *c)
{
	int cpu = smp_processor_id();
	u64 feat, basic;
	int ret;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	if ((basic & VMXCAP_BASIC_REVISION_MASK) != vmx_cfg.revision_id) {
		pr_err("CPU %d: VMCS revision differs from the boot CPU's\n", cpu);
		return -EIO;
	}

	/* Firmware left the MSR unlocked: allow VMX outside SMX and lock it. */
	rdmsrl(MSR_IA32_FEAT_CTL, feat);
	if (!(feat & FEAT_CTL_LOCKED)) {
		feat |= FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
		wrmsrl(MSR_IA32_FEAT_CTL, feat);
	} else if (!(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("CPU %d: VMX is disabled by the firmware\n", cpu);
		return -EOPNOTSUPP;
	}

	/*
	 * SDM 3C "Restrictions on VMX Operation": CR0 and CR4 must honour the
	 * IA32_VMX_CR{0,4}_FIXED{0,1} MSRs. The kernel already runs with the
	 * CR0 bits they demand (PE, NE, PG); of CR4 they demand VMXE, which is
	 * the bit we set. Anything else is refused rather than forced.
	 */
	if (!vmx_fixed_bits_ok(read_cr0(), MSR_IA32_VMX_CR0_FIXED0,
			       MSR_IA32_VMX_CR0_FIXED1)) {
		pr_err("CPU %d: CR0 %#lx is not allowed in VMX operation\n",
		       cpu, read_cr0());
		return -EIO;
	}
	cr4_set_bits(X86_CR4_VMXE);
	if (!vmx_fixed_bits_ok(cr4_read_shadow(), MSR_IA32_VMX_CR4_FIXED0,
			       MSR_IA32_VMX_CR4_FIXED1)) {
		pr_err("CPU %d: CR4 %#lx is not allowed in VMX operation\n",
		       cpu, cr4_read_shadow());
		ret = -EIO;
		goto err_cr4;
	}

	/* SDM 3C "VMXON Region": the revision id goes in its first 31 bits. */
	*(u32 *)page_address(c->root_page) = vmx_cfg.revision_id;
	ret = vmx_on(page_to_phys(c->root_page));
	if (ret) {
		pr_err("CPU %d: VMXON failed (%d)\n", cpu, ret);
		goto err_cr4;
	}
	/*
	 * SDM 3C "VMXOFF": leaving VMX operation does not invalidate EPT- or
	 * VPID-tagged translations; whoever used VMX here before (an earlier
	 * load, kexec) may have left some behind.
	 */
	vmx_flush_all_tlbs();
	return 0;

err_cr4:
	cr4_clear_bits(X86_CR4_VMXE);
	return ret;
}

static void vmx_hw_disable(struct mv_cpu *c)
{
	/*
	 * SDM 3C "VMXOFF" does not write back the VMCSs active on this CPU:
	 * VMCLEAR them first, so their vCPUs can be loaded on another CPU (or
	 * this one, after VMXON again).
	 */
	vmx_clear_all_on_cpu();
	if (vmx_off())
		pr_err("CPU %d: VMXOFF faulted\n", smp_processor_id());
	cr4_clear_bits(X86_CR4_VMXE);
}

static void vmx_emergency_disable(void)
{
	if (!vmx_hw_in_use())
		return;
	vmx_off();
	cr4_clear_bits(X86_CR4_VMXE);
}

const struct mv_arch_ops mv_vmx_ops = {
	.name			= "vmx",
	.probe			= vmx_probe,
	.hw_in_use		= vmx_hw_in_use,
	.hw_enable		= vmx_hw_enable,
	.hw_disable		= vmx_hw_disable,
	.emergency_disable	= vmx_emergency_disable,

	.npt_format		= &mv_ept_format,
	.vm_init		= vmx_vm_init,
	.vm_destroy		= vmx_vm_destroy,
	.vcpu_create		= vmx_vcpu_create,
	.vcpu_free		= vmx_vcpu_free,
	.vcpu_run		= vmx_vcpu_run,
	.get_sregs		= vmx_get_sregs,
	.get_cr4		= vmx_guest_cr4,
	.set_sregs		= vmx_set_sregs,
	.skip_insn		= vmx_skip_insn,
	.inject_exception	= vmx_inject_exception,
	.reset			= vmx_reset,
	.irq_allowed		= vmx_irq_allowed,
	.inject_irq		= vmx_inject_irq,
	.set_irq_window		= vmx_set_irq_window,
	.nmi_allowed		= vmx_nmi_allowed,
	.inject_nmi		= vmx_inject_nmi,
	.get_msr		= vmx_get_msr,
	.set_msr		= vmx_set_msr,
};
