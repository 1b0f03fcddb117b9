// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor SVM backend: detection, capabilities and EFER.SVME.
 *
 * Authority: AMD APM vol. 2, chapter "Secure Virtual Machine", sections
 * "Enabling SVM", "SVM Related MSRs" (VM_CR, VM_HSAVE_PA) and
 * "SVM Feature Identification" (CPUID Fn8000_000A).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": svm: " fmt

#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "svm.h"

/* CPUID Fn8000_0001 (APM vol. 3, "CPUID Fn8000_0001_ECX/EDX") */
#define SVM_CPUID_EXT_ECX_SVM		BIT(2)
#define SVM_CPUID_EXT_EDX_PAGE1GB	BIT(26)
/* VM_CR MSR: "SVMDIS" - EFER.SVME cannot be set (APM vol. 2, "VM_CR MSR") */
#define SVM_VM_CR_SVMDIS		BIT_ULL(4)

u32 svm_features;
u32 svm_nr_asids;

static int svm_probe(struct mv_caps *caps)
{
	u32 features, nr_asids;
	u64 vm_cr = 0;

	if (cpuid_eax(0x80000000) < 0x8000000a ||
	    !(cpuid_ecx(0x80000001) & SVM_CPUID_EXT_ECX_SVM))
		return -ENODEV;

	if (rdmsrl_safe(MSR_VM_CR, &vm_cr) || (vm_cr & SVM_VM_CR_SVMDIS)) {
		pr_err("SVM is disabled by the firmware (VM_CR.SVMDIS set)\n");
		return -EOPNOTSUPP;
	}

	features = cpuid_edx(0x8000000a);
	nr_asids = cpuid_ebx(0x8000000a);
	svm_features = features;
	svm_nr_asids = nr_asids;

	caps->vendor = MV_VENDOR_AMD_SVM;
	caps->nested_paging = !!(features & SVM_CPUID_FEAT_NP);
	/* Every SVM CPU tags the TLB with an ASID; ASID 0 is the host's. */
	caps->tagged_tlb = nr_asids > 1;
	caps->nr_tlb_tags = nr_asids;
	/* With nested paging a guest runs real and unpaged modes natively. */
	caps->unrestricted_guest = caps->nested_paging;
	/* Nested tables use the host's page sizes: 2 MiB always, 1 GiB if the
	 * host paging has it (APM vol. 2, "Nested Paging").
	 */
	caps->nested_2m = caps->nested_paging;
	caps->nested_1g = caps->nested_paging &&
			  (cpuid_edx(0x80000001) & SVM_CPUID_EXT_EDX_PAGE1GB);
	caps->next_rip = !!(features & SVM_CPUID_FEAT_NRIPS);

	if (!caps->nested_paging) {
		pr_err("minivisor needs nested paging (NPT/RVI)\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* APM vol. 2 "Enabling SVM": EFER.SVME must be set before any SVM instruction. */
static bool svm_hw_in_use(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	return efer & EFER_SVME;
}

static int svm_hw_enable(struct mv_cpu *c)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	/* "VM_HSAVE_PA MSR": where VMRUN saves host state; page aligned. */
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(c->root_page));
	return 0;
}

static void svm_hw_disable(struct mv_cpu *c)
{
	u64 efer;

	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

static void svm_emergency_disable(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (!(efer & EFER_SVME))
		return;
	/* A crash between CLGI and STGI leaves GIF clear, blocking INIT. */
	asm volatile("stgi" : : : "memory");
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

const struct mv_arch_ops mv_svm_ops = {
	.name			= "svm",
	.probe			= svm_probe,
	.hw_in_use		= svm_hw_in_use,
	.hw_enable		= svm_hw_enable,
	.hw_disable		= svm_hw_disable,
	.emergency_disable	= svm_emergency_disable,
	.hw_setup		= svm_hw_setup,
	.hw_unsetup		= svm_hw_unsetup,

	.npt_format		= &mv_npt_format,
	.vm_init		= svm_vm_init,
	.vm_destroy		= svm_vm_destroy,
	.vcpu_create		= svm_vcpu_create,
	.vcpu_free		= svm_vcpu_free,
	.vcpu_run		= svm_vcpu_run,
	.get_sregs		= svm_get_sregs,
	.get_cr4		= svm_guest_cr4,
	.set_sregs		= svm_set_sregs,
	.skip_insn		= svm_skip_insn,
	.inject_exception	= svm_inject_exception,
	.reset			= svm_vcpu_reset,
	.irq_allowed		= svm_irq_allowed,
	.inject_irq		= svm_inject_irq,
	.set_irq_window		= svm_set_irq_window,
	.nmi_allowed		= svm_nmi_allowed,
	.inject_nmi		= svm_inject_nmi,
	.get_msr		= svm_get_msr,
	.set_msr		= svm_set_msr,
};
