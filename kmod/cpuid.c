// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: what CPUID tells a guest. The host's values, minus what the
 * guest cannot use under minivisor (VMX/SVM, monitoring and power
 * management, a local APIC not yet emulated), plus the hypervisor bit and
 * the hypervisor leaves at 0x40000000.
 */
#include <asm/processor.h>

#include "minivisor.h"
#include "vcpu.h"

#define MV_CPUID_HV_BASE	0x40000000

enum { EAX, EBX, ECX, EDX };

/* CPUID.1:ECX */
#define C1_ECX_DTES64		BIT(2)
#define C1_ECX_MONITOR		BIT(3)
#define C1_ECX_DSCPL		BIT(4)
#define C1_ECX_VMX		BIT(5)
#define C1_ECX_SMX		BIT(6)
#define C1_ECX_EST		BIT(7)
#define C1_ECX_TM2		BIT(8)
#define C1_ECX_PDCM		BIT(15)
#define C1_ECX_X2APIC		BIT(21)
#define C1_ECX_TSC_DEADLINE	BIT(24)
#define C1_ECX_FMA		BIT(12)
#define C1_ECX_XSAVE		BIT(26)
#define C1_ECX_AVX		BIT(28)
#define C1_ECX_F16C		BIT(29)
#define C1_ECX_OSXSAVE		BIT(27)
#define C1_ECX_HYPERVISOR	BIT(31)
/* CPUID.1:EDX */
#define C1_EDX_MCE		BIT(7)
#define C1_EDX_APIC		BIT(9)
#define C1_EDX_MCA		BIT(14)
#define C1_EDX_HTT		BIT(28)
#define C1_EDX_ACPI		BIT(22)
#define C1_EDX_DS		BIT(21)
#define C1_EDX_TM		BIT(29)
/* CPUID.6:EAX */
#define C6_EAX_ARAT		BIT(2)
/* CPUID.80000001H:ECX / EDX */
#define E1_ECX_CMP_LEGACY	BIT(1)
#define E1_ECX_SVM		BIT(2)
#define E1_ECX_EXTAPIC		BIT(3)
#define E1_ECX_IBS		BIT(10)
#define E1_ECX_SKINIT		BIT(12)
#define E1_ECX_TOPOEXT		BIT(22)
#define E1_EDX_RDTSCP		BIT(27)
/* CPUID.7.0:EBX / ECX */
#define C7_EBX_SGX		BIT(2)
#define C7_EBX_TSC_ADJUST	BIT(1)
#define C7_EBX_HLE		BIT(4)
#define C7_EBX_INVPCID		BIT(10)
#define C7_EBX_RTM		BIT(11)
#define C7_EBX_PQM		BIT(12)
#define C7_EBX_MPX		BIT(14)
#define C7_EBX_PQE		BIT(15)
#define C7_EBX_INTEL_PT		BIT(25)
#define C7_ECX_PKU		BIT(3)
#define C7_ECX_OSPKE		BIT(4)
#define C7_ECX_WAITPKG		BIT(5)
#define C7_ECX_RDPID		BIT(22)
/* AVX2, AVX-512 F/DQ/IFMA/PF/ER/CD/BW/VL */
#define C7_EBX_XCR0_FEATURES	(BIT(5) | BIT(16) | BIT(17) | BIT(21) | GENMASK(28, 26) | \
				 BIT(30) | BIT(31))
/* AVX-512 VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ; VAES, VPCLMULQDQ (AVX forms) */
#define C7_ECX_XCR0_FEATURES	(BIT(1) | BIT(6) | BIT(9) | BIT(10) | BIT(11) | BIT(12) | \
				 BIT(14))
/* AVX-512 4VNNIW, 4FMAPS, VP2INTERSECT, FP16 */
#define C7_EDX_XCR0_FEATURES	(BIT(2) | BIT(3) | BIT(8) | BIT(23))
#define C7_ECX_CET_SS		BIT(7)
#define C7_ECX_LA57		BIT(16)
#define C7_EDX_CET_IBT		BIT(20)
/* IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD */
#define C7_EDX_SPEC_MSRS	GENMASK(31, 26)
/* CPUID.(EAX=0DH,ECX=1):EAX */
#define D1_EAX_XSAVES		BIT(3)
#define D1_EAX_XFD		BIT(4)
/* CPUID.80000008H:EBX: IBPB .. IBRS_SAME_MODE (12-19), SSBD, VIRT_SSBD (24, 25) */
#define E8_EBX_SPEC_MSRS	(GENMASK(19, 12) | BIT(24) | BIT(25))
/* CPUID.80000021H:EAX */
#define E21_EAX_AUTOIBRS	BIT(8)
#define C7_ECX_SGX_LC		BIT(30)

/**
 * mv_cpuid() - the guest's view of one CPUID leaf.
 * @vcpu: the vCPU (for CR4.OSXSAVE and its APIC id).
 * @leaf: EAX.
 * @subleaf: ECX.
 * @out: EAX, EBX, ECX, EDX.
 */
void mv_cpuid(struct mv_vcpu *vcpu, u32 leaf, u32 subleaf, u32 out[4])
{
	if (leaf >= MV_CPUID_HV_BASE && leaf < MV_CPUID_HV_BASE + 0x100) {
		memset(out, 0, 4 * sizeof(u32));
		if (leaf == MV_CPUID_HV_BASE) {
			char sig[12] = MV_CPUID_SIGNATURE;

			out[EAX] = MV_CPUID_HV_BASE;
			memcpy(&out[EBX], sig, 4);
			memcpy(&out[ECX], sig + 4, 4);
			memcpy(&out[EDX], sig + 8, 4);
		}
		return;
	}

	cpuid_count(leaf, subleaf, &out[EAX], &out[EBX], &out[ECX], &out[EDX]);
	switch (leaf) {
	case 1:
		out[ECX] &= ~(C1_ECX_DTES64 | C1_ECX_MONITOR | C1_ECX_DSCPL |
			      C1_ECX_VMX | C1_ECX_SMX | C1_ECX_EST | C1_ECX_TM2 |
			      C1_ECX_PDCM | C1_ECX_X2APIC | C1_ECX_TSC_DEADLINE |
			      C1_ECX_OSXSAVE);
		out[ECX] |= C1_ECX_HYPERVISOR;
		/* Saved with FXSAVE only: no XSAVE, nor what needs XCR0 (AVX and kin). */
		if (!mv_fpu_supported_xcr0())
			out[ECX] &= ~(C1_ECX_XSAVE | C1_ECX_AVX | C1_ECX_FMA | C1_ECX_F16C);
		/* OSXSAVE mirrors the guest's own CR4.OSXSAVE. */
		if (mv_arch->get_cr4(vcpu) & X86_CR4_OSXSAVE)
			out[ECX] |= C1_ECX_OSXSAVE;
		/*
		 * No machine-check MSRs, thermal / debug-store / ACPI MSRs, and
		 * every vCPU is a package of its own (no HTT).
		 */
		out[EDX] &= ~(C1_EDX_MCE | C1_EDX_MCA | C1_EDX_APIC | C1_EDX_ACPI |
			      C1_EDX_DS | C1_EDX_TM | C1_EDX_HTT);
		/* The in-kernel local APIC, with its TSC-deadline timer mode. */
		if (vcpu->apic) {
			out[EDX] |= C1_EDX_APIC;
			out[ECX] |= C1_ECX_TSC_DEADLINE;
		}
		/* EBX[31:24]: initial APIC id; [23:16]: logical CPUs */
		out[EBX] = (out[EBX] & 0xffff) | (vcpu->id << 24) | (1 << 16);
		break;
	case 4:		/* deterministic caches: one core, one thread per package */
		out[EAX] &= ~(GENMASK(31, 26) | GENMASK(25, 14));
		break;
	case 6:		/* thermal and power management: only "APIC timer always runs" */
		memset(out, 0, 4 * sizeof(u32));
		if (vcpu->apic)
			out[EAX] = C6_EAX_ARAT;
		break;
	case 5:		/* MONITOR/MWAIT: hidden */
	case 0xa:	/* architectural performance monitoring */
	case 0xb:	/* topology: not described yet */
	case 0x1f:
		memset(out, 0, 4 * sizeof(u32));
		break;
	case 7:
		if (subleaf == 0) {
			/* INVPCID, RDPID: not enabled in the VMCS / TSC_AUX not switched */
			/* TSC_ADJUST: the guest's TSC is the host's, it cannot move */
			out[EBX] &= ~(C7_EBX_SGX | C7_EBX_HLE | C7_EBX_RTM | C7_EBX_PQM |
				      C7_EBX_MPX | C7_EBX_PQE | C7_EBX_INTEL_PT |
				      C7_EBX_INVPCID | C7_EBX_TSC_ADJUST);
			out[ECX] &= ~(C7_ECX_PKU | C7_ECX_OSPKE | C7_ECX_WAITPKG |
				      C7_ECX_SGX_LC | C7_ECX_RDPID);
			out[EDX] &= ~(BIT(24) | BIT(25));	/* AMX-BF16, AMX-TILE */
			out[EDX] &= ~BIT(22);			/* AMX-INT8 */
			/*
			 * No MSRs behind these: 5-level paging, CET (S_CET and
			 * friends), IA32_SPEC_CTRL / PRED_CMD / FLUSH_CMD,
			 * ARCH_CAPABILITIES, CORE_CAPABILITIES.
			 */
			out[ECX] &= ~(C7_ECX_LA57 | C7_ECX_CET_SS);
			out[EDX] &= ~(C7_EDX_CET_IBT | C7_EDX_SPEC_MSRS);
			/* AVX2 and AVX-512 need XCR0, i.e. XSAVE */
			if (!mv_fpu_supported_xcr0()) {
				out[EBX] &= ~C7_EBX_XCR0_FEATURES;
				out[ECX] &= ~C7_ECX_XCR0_FEATURES;
				out[EDX] &= ~C7_EDX_XCR0_FEATURES;
			}
		}
		break;
	case 0xd:
		/* XSAVE leaves describe the host's XCR0; keep the guest within it. */
		if (!mv_fpu_supported_xcr0()) {
			memset(out, 0, 4 * sizeof(u32));
		} else if (subleaf == 0) {
			out[EAX] &= (u32)mv_fpu_supported_xcr0();
			out[EDX] &= (u32)(mv_fpu_supported_xcr0() >> 32);
			/*
			 * EBX: the size for the guest's XCR0, ECX: for all it may
			 * enable. Computed, not the host CPU's answer, which
			 * depends on the XCR0 live right now (the guest's in the
			 * fast path, the host's otherwise).
			 */
			out[EBX] = mv_fpu_xsave_size(vcpu->guest_xcr0 & mv_fpu_supported_xcr0(),
						     false);
			out[ECX] = mv_fpu_xsave_size(mv_fpu_supported_xcr0(), false);
		} else if (subleaf == 1) {
			/* XSAVES needs IA32_XSS, XFD its MSRs: neither is there. */
			out[EAX] &= ~(D1_EAX_XSAVES | D1_EAX_XFD);
			/* EBX: compacted size for XCR0 | IA32_XSS (0 here) */
			out[EBX] = mv_fpu_xsave_size(vcpu->guest_xcr0 & mv_fpu_supported_xcr0(),
						     true);
			out[ECX] = 0;
			out[EDX] = 0;
		}
		break;
	case 0x80000001:
		out[ECX] &= ~(E1_ECX_SVM | E1_ECX_SKINIT | E1_ECX_CMP_LEGACY | E1_ECX_EXTAPIC |
			      E1_ECX_IBS | E1_ECX_TOPOEXT);
		out[EDX] &= ~E1_EDX_RDTSCP;	/* TSC_AUX is not switched */
		break;
	case 0x80000008:
		/* ECX: one core per package, no APIC-id split; EBX: no speculation MSRs */
		out[ECX] = 0;
		out[EBX] &= ~E8_EBX_SPEC_MSRS;
		break;
	case 0x80000021:	/* EFER.AUTOIBRS is not a bit a guest may set here */
		out[EAX] &= ~E21_EAX_AUTOIBRS;
		break;
	case 0x8000001d:	/* AMD cache and core topology: hidden with TOPOEXT */
	case 0x8000001e:
	case 0x8000001f:	/* memory encryption (SME / SEV) */
		memset(out, 0, 4 * sizeof(u32));
		break;
	case 0x8000000a:	/* SVM features */
		memset(out, 0, 4 * sizeof(u32));
		break;
	}
}
