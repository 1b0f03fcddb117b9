// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: detection, capabilities and VMXON / VMXOFF.
 *
 * Authority: Intel SDM vol. 3C, chapter "Introduction to Virtual Machine
 * Extensions", sections "Enabling and Entering VMX Operation" and
 * "Restrictions on VMX Operation".
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

#include "../minivisor.h"
#include "vmx_caps.h"

/* Read once at probe; every CPU must report the same (checked at enable). */
static u32 vmx_revision_id;

/*
 * VMXON. It #UDs if CR4.VMXE is clear and #GPs if IA32_FEATURE_CONTROL
 * forbids it or CR0/CR4 break the fixed bits; it sets CF (VMfailInvalid) for
 * a bad region and ZF (VMfailValid) when already in VMX operation. A fault
 * skips to label 2 through the exception table and leaves @res at 2.
 */
static int vmx_on(u64 region_pa)
{
	u8 res = 2;

	asm volatile("1: vmxon %[pa]\n\t"
		     "setna %[res]\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [res] "+q" (res) : [pa] "m" (region_pa) : "cc", "memory");
	return res == 0 ? 0 : res == 1 ? -EIO : -EFAULT;
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

static int vmx_probe(struct mv_caps *caps)
{
	u64 feat = 0, basic, proc, proc2 = 0, ept_vpid = 0;
	u32 proc_msr, allowed2;

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
	vmx_revision_id = basic & VMXCAP_BASIC_REVISION_MASK;

	proc_msr = (basic & VMXCAP_BASIC_TRUE_CTLS) ?
		   MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS;
	rdmsrl(proc_msr, proc);
	if ((proc >> 32) & VMXCAP_PROC_SECONDARY)
		rdmsrl(MSR_IA32_VMX_PROCBASED_CTLS2, proc2);
	allowed2 = proc2 >> 32;
	if (allowed2 & (VMXCAP_PROC2_EPT | VMXCAP_PROC2_VPID))
		rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, ept_vpid);

	caps->vendor = MV_VENDOR_INTEL_VMX;
	caps->nested_paging = (allowed2 & VMXCAP_PROC2_EPT) &&
			      (ept_vpid & VMXCAP_EPT_WALK_4) &&
			      (ept_vpid & VMXCAP_EPT_MEMTYPE_WB);
	caps->tagged_tlb = !!(allowed2 & VMXCAP_PROC2_VPID);
	caps->nr_tlb_tags = caps->tagged_tlb ? VMX_NR_VPIDS : 0;
	caps->unrestricted_guest = caps->nested_paging &&
				   (allowed2 & VMXCAP_PROC2_UNRESTRICTED);
	caps->nested_2m = caps->nested_paging && (ept_vpid & VMXCAP_EPT_2M);
	caps->nested_1g = caps->nested_paging && (ept_vpid & VMXCAP_EPT_1G);
	/* The VM-exit instruction length field always gives the next RIP. */
	caps->next_rip = true;

	if (!caps->nested_paging || !caps->unrestricted_guest) {
		pr_err("minivisor needs EPT (4-level, write-back) and unrestricted guest\n");
		return -EOPNOTSUPP;
	}
	return 0;
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
	if ((basic & VMXCAP_BASIC_REVISION_MASK) != vmx_revision_id) {
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
	*(u32 *)page_address(c->root_page) = vmx_revision_id;
	ret = vmx_on(page_to_phys(c->root_page));
	if (ret) {
		pr_err("CPU %d: VMXON failed (%d)\n", cpu, ret);
		goto err_cr4;
	}
	return 0;

err_cr4:
	cr4_clear_bits(X86_CR4_VMXE);
	return ret;
}

static void vmx_hw_disable(struct mv_cpu *c)
{
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
};
