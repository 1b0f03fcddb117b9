// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: the MSRs a guest may touch. A small explicit set; anything else
 * gets #GP, as on a CPU that lacks the MSR. Registers the backend keeps in
 * the VMCS / VMCB (EFER, FS/GS base) go through get/set_sregs.
 */
#include <asm/msr-index.h>
#include <asm/msr.h>

#include "irqchip.h"
#include "minivisor.h"
#include "vcpu.h"

/* IA32_FEATURE_CONTROL: locked, VMX off - a guest cannot use VMX. */
#define MV_FEAT_CTL_GUEST	FEAT_CTL_LOCKED

/**
 * mv_msr_read() - RDMSR by the guest.
 * @vcpu: the vCPU.
 * @msr: ECX.
 * @val: the value.
 *
 * Return: 0, or -EINVAL: the guest gets #GP.
 */
int mv_msr_read(struct mv_vcpu *vcpu, u32 msr, u64 *val)
{
	struct mv_sregs sregs;
	int ret;

	ret = mv_arch->get_msr ? mv_arch->get_msr(vcpu, msr, val) : -ENOENT;
	if (ret != -ENOENT)
		return ret;

	switch (msr) {
	case MSR_IA32_TSC:
		*val = rdtsc();		/* RDTSC is not intercepted either */
		return 0;
	case MSR_IA32_TSC_DEADLINE:
		if (!vcpu->apic)
			return -EINVAL;
		*val = mv_lapic_get_deadline(vcpu->apic);
		return 0;
	case MSR_IA32_FEAT_CTL:
		*val = MV_FEAT_CTL_GUEST;
		return 0;
	case MSR_IA32_APICBASE:
		if (vcpu->apic)
			*val = READ_ONCE(vcpu->apic->base_msr);
		else	/* no local APIC: say where it would be, disabled */
			*val = APIC_DEFAULT_PHYS_BASE | (vcpu->id ? 0 : MSR_IA32_APICBASE_BSP);
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = MSR_IA32_MISC_ENABLE_FAST_STRING;
		return 0;
	case MSR_MTRRcap:
	case MSR_MTRRdefType:
	case MSR_IA32_UCODE_REV:
	case MSR_AMD64_NB_CFG:	/* Linux sets ENABLE_CF8_EXT_CFG on AMD hosts */
		*val = 0;
		return 0;
	case MSR_IA32_CR_PAT:
		*val = vcpu->pat;
		return 0;
	case MSR_EFER:
		mv_arch->get_sregs(vcpu, &sregs);
		*val = sregs.efer;
		return 0;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		mv_arch->get_sregs(vcpu, &sregs);
		*val = msr == MSR_FS_BASE ? sregs.fs.base : sregs.gs.base;
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * mv_msr_write() - WRMSR by the guest.
 * @vcpu: the vCPU.
 * @msr: ECX.
 * @val: EDX:EAX.
 *
 * Return: 0, or -EINVAL: the guest gets #GP.
 */
int mv_msr_write(struct mv_vcpu *vcpu, u32 msr, u64 val)
{
	struct mv_sregs sregs;
	int ret;

	ret = mv_arch->set_msr ? mv_arch->set_msr(vcpu, msr, val) : -ENOENT;
	if (ret != -ENOENT)
		return ret;

	switch (msr) {
	case MSR_IA32_TSC_DEADLINE:
		if (!vcpu->apic)
			return -EINVAL;
		mv_lapic_set_deadline(vcpu->apic, val);
		return 0;
	case MSR_IA32_APICBASE:
		return vcpu->apic ? mv_lapic_set_base(vcpu->apic, val) : -EINVAL;
	case MSR_IA32_CR_PAT:
		/* Eight memory types, each one of 0, 1, 4, 5, 6, 7. */
		for (int i = 0; i < 8; i++) {
			u8 t = (val >> (8 * i)) & 0xff;

			if (t > 7 || t == 2 || t == 3)
				return -EINVAL;
		}
		vcpu->pat = val;
		return 0;
	case MSR_MTRRdefType:
	case MSR_IA32_UCODE_REV:
	case MSR_AMD64_NB_CFG:
		return 0;	/* accepted and ignored: guest RAM is write-back, no PCI */
	case MSR_EFER:
		mv_arch->get_sregs(vcpu, &sregs);
		/* LMA is the CPU's to set; SCE, LME, NXE are the guest's. */
		if (val & ~(u64)(EFER_SCE | EFER_LME | EFER_NX | EFER_LMA))
			return -EINVAL;
		/* Changing LME while paging is on is a #GP (SDM vol. 3A "IA32_EFER"). */
		if ((sregs.cr0 & X86_CR0_PG) && ((val ^ sregs.efer) & EFER_LME))
			return -EINVAL;
		sregs.efer = (val & ~(u64)EFER_LMA) | (sregs.efer & EFER_LMA);
		mv_arch->set_sregs(vcpu, &sregs);
		return 0;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		if (!__is_canonical_address(val, 48))
			return -EINVAL;
		mv_arch->get_sregs(vcpu, &sregs);
		if (msr == MSR_FS_BASE)
			sregs.fs.base = val;
		else
			sregs.gs.base = val;
		mv_arch->set_sregs(vcpu, &sregs);
		return 0;
	default:
		return -EINVAL;
	}
}
