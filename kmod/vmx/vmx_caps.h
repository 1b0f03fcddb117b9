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

/* A.3.2 "Primary Processor-Based VM-Execution Controls" (allowed-1, high half) */
#define VMXCAP_PROC_SECONDARY		BIT(31)

/* A.3.3 "Secondary Processor-Based VM-Execution Controls" (allowed-1) */
#define VMXCAP_PROC2_EPT		BIT(1)
#define VMXCAP_PROC2_VPID		BIT(5)
#define VMXCAP_PROC2_UNRESTRICTED	BIT(7)

/* A.10 "VPID and EPT Capabilities" (IA32_VMX_EPT_VPID_CAP) */
#define VMXCAP_EPT_WALK_4		BIT_ULL(6)
#define VMXCAP_EPT_MEMTYPE_WB		BIT_ULL(14)
#define VMXCAP_EPT_2M			BIT_ULL(16)
#define VMXCAP_EPT_1G			BIT_ULL(17)

/* VPIDs are 16 bits wide and VPID 0 is the host's (SDM 3C "VPID"). */
#define VMX_NR_VPIDS			0xffff

#endif /* MV_VMX_CAPS_H */
