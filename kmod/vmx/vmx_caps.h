/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX capability MSR fields, named as in the Intel SDM vol. 3D, appendix A
 * "VMX Capability Reporting Facility". The MSR numbers themselves come from
 * the kernel's <asm/msr-index.h>.
 */
#ifndef MV_VMX_CAPS_H
#define MV_VMX_CAPS_H

#include <linux/bits.h>

/* A.1 "Basic VMX Information" (IA32_VMX_BASIC) */
#define VMXCAP_BASIC_REVISION_MASK	GENMASK_ULL(30, 0)
#define VMXCAP_BASIC_REGION_SIZE(b)	(((b) >> 32) & 0x1fff)
#define VMXCAP_BASIC_32BIT_ADDR		BIT_ULL(48)
#define VMXCAP_BASIC_MEMTYPE(b)		(((b) >> 50) & 0xf)
#define VMXCAP_MEMTYPE_WB		6
#define VMXCAP_BASIC_TRUE_CTLS		BIT_ULL(55)

/*
 * A.3 "VM-Execution Controls", A.4 "VM-Exit Controls", A.5 "VM-Entry
 * Controls": the low half of each control MSR holds the bits that must be 1,
 * the high half the bits that may be 1 (control bits are in vmx_defs.h).
 */
#define VMXCAP_CTL_MUST_BE_1(c)		((u32)(c))
#define VMXCAP_CTL_MAY_BE_1(c)		((u32)((c) >> 32))

/* A.6 "Miscellaneous Data" (IA32_VMX_MISC): the preemption timer counts at TSC >> rate */
#define VMXCAP_MISC_PREEMPT_RATE(m)	((m) & 0x1f)

/* A.10 "VPID and EPT Capabilities" (IA32_VMX_EPT_VPID_CAP) */
#define VMXCAP_EPT_WALK_4		BIT_ULL(6)
#define VMXCAP_EPT_MEMTYPE_WB		BIT_ULL(14)
#define VMXCAP_EPT_2M			BIT_ULL(16)
#define VMXCAP_EPT_1G			BIT_ULL(17)
#define VMXCAP_EPT_INVEPT		BIT_ULL(20)
#define VMXCAP_EPT_INVEPT_SINGLE	BIT_ULL(25)
#define VMXCAP_EPT_INVEPT_ALL		BIT_ULL(26)
#define VMXCAP_VPID_INVVPID		BIT_ULL(32)
#define VMXCAP_VPID_INVVPID_SINGLE	BIT_ULL(41)
#define VMXCAP_VPID_INVVPID_ALL		BIT_ULL(42)

/* VPIDs are 16 bits wide and VPID 0 is the host's (SDM 3C "VPID"). */
#define VMX_NR_VPIDS			0xffff

#endif /* MV_VMX_CAPS_H */
