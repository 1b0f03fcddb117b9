/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What VMCS fields contain: control bits, exit reasons, exit qualifications,
 * event-information and access-rights formats. Intel SDM vol. 3C; each block
 * names its section.
 */
#ifndef MV_VMX_DEFS_H
#define MV_VMX_DEFS_H

#include <linux/bits.h>

/* "Pin-Based VM-Execution Controls" */
#define VMX_PIN_EXT_INTR_EXITING	BIT(0)
#define VMX_PIN_NMI_EXITING		BIT(3)
#define VMX_PIN_VIRTUAL_NMIS		BIT(5)
#define VMX_PIN_PREEMPTION_TIMER	BIT(6)

/* "Primary Processor-Based VM-Execution Controls" */
#define VMX_PROC_INTR_WINDOW_EXITING	BIT(2)
#define VMX_PROC_HLT_EXITING		BIT(7)
#define VMX_PROC_MWAIT_EXITING		BIT(10)
#define VMX_PROC_RDPMC_EXITING		BIT(11)
#define VMX_PROC_CR3_LOAD_EXITING	BIT(15)
#define VMX_PROC_CR3_STORE_EXITING	BIT(16)
#define VMX_PROC_CR8_LOAD_EXITING	BIT(19)
#define VMX_PROC_CR8_STORE_EXITING	BIT(20)
#define VMX_PROC_MOV_DR_EXITING		BIT(23)
#define VMX_PROC_UNCOND_IO_EXITING	BIT(24)
#define VMX_PROC_USE_MSR_BITMAPS	BIT(28)
#define VMX_PROC_MONITOR_EXITING	BIT(29)
#define VMX_PROC_SECONDARY		BIT(31)

/* "Secondary Processor-Based VM-Execution Controls" */
#define VMX_PROC2_EPT			BIT(1)
#define VMX_PROC2_RDTSCP		BIT(3)
#define VMX_PROC2_VPID			BIT(5)
#define VMX_PROC2_WBINVD_EXITING	BIT(6)
#define VMX_PROC2_UNRESTRICTED		BIT(7)
#define VMX_PROC2_INVPCID		BIT(12)
#define VMX_PROC2_XSAVES		BIT(20)

/* "Primary VM-Exit Controls" */
#define VMX_EXIT_CTL_HOST_64BIT		BIT(9)
#define VMX_EXIT_CTL_SAVE_EFER		BIT(20)
#define VMX_EXIT_CTL_LOAD_EFER		BIT(21)

/* "VM-Entry Controls" */
#define VMX_ENTRY_CTL_LOAD_DEBUG	BIT(2)
#define VMX_ENTRY_CTL_IA32E_MODE	BIT(9)
#define VMX_ENTRY_CTL_LOAD_EFER		BIT(15)

/* "Extended-Page-Table Pointer (EPTP)" */
#define VMX_EPTP_MEMTYPE_WB		6ULL
#define VMX_EPTP_WALK_4			(3ULL << 3)	/* page-walk length - 1 */

/* "INVEPT" / "INVVPID" types */
#define VMX_INVEPT_SINGLE		1
#define VMX_INVEPT_ALL			2
#define VMX_INVVPID_SINGLE		1
#define VMX_INVVPID_ALL			2

/* "Basic VM-Exit Information": the exit-reason field */
#define VMX_EXIT_REASON_BASIC(r)	((r) & 0xffff)
#define VMX_EXIT_REASON_ENTRY_FAIL	BIT(31)

/* Appendix C "VMX Basic Exit Reasons" */
enum vmx_exit_reason {
	VMX_EXIT_EXCEPTION_NMI		= 0,
	VMX_EXIT_EXTERNAL_INTR		= 1,
	VMX_EXIT_TRIPLE_FAULT		= 2,
	VMX_EXIT_INIT			= 3,
	VMX_EXIT_SIPI			= 4,
	VMX_EXIT_IO_SMI			= 5,
	VMX_EXIT_OTHER_SMI		= 6,
	VMX_EXIT_INTR_WINDOW		= 7,
	VMX_EXIT_NMI_WINDOW		= 8,
	VMX_EXIT_TASK_SWITCH		= 9,
	VMX_EXIT_CPUID			= 10,
	VMX_EXIT_GETSEC			= 11,
	VMX_EXIT_HLT			= 12,
	VMX_EXIT_INVD			= 13,
	VMX_EXIT_INVLPG			= 14,
	VMX_EXIT_RDPMC			= 15,
	VMX_EXIT_RDTSC			= 16,
	VMX_EXIT_RSM			= 17,
	VMX_EXIT_VMCALL			= 18,
	VMX_EXIT_VMCLEAR		= 19,
	VMX_EXIT_VMLAUNCH		= 20,
	VMX_EXIT_VMPTRLD		= 21,
	VMX_EXIT_VMPTRST		= 22,
	VMX_EXIT_VMREAD			= 23,
	VMX_EXIT_VMRESUME		= 24,
	VMX_EXIT_VMWRITE		= 25,
	VMX_EXIT_VMXOFF			= 26,
	VMX_EXIT_VMXON			= 27,
	VMX_EXIT_CR_ACCESS		= 28,
	VMX_EXIT_DR_ACCESS		= 29,
	VMX_EXIT_IO			= 30,
	VMX_EXIT_RDMSR			= 31,
	VMX_EXIT_WRMSR			= 32,
	VMX_EXIT_INVALID_GUEST_STATE	= 33,
	VMX_EXIT_MSR_LOADING		= 34,
	VMX_EXIT_MWAIT			= 36,
	VMX_EXIT_MTF			= 37,
	VMX_EXIT_MONITOR		= 39,
	VMX_EXIT_PAUSE			= 40,
	VMX_EXIT_MACHINE_CHECK		= 41,
	VMX_EXIT_TPR_BELOW_THRESHOLD	= 43,
	VMX_EXIT_APIC_ACCESS		= 44,
	VMX_EXIT_VIRTUALIZED_EOI	= 45,
	VMX_EXIT_GDTR_IDTR		= 46,
	VMX_EXIT_LDTR_TR		= 47,
	VMX_EXIT_EPT_VIOLATION		= 48,
	VMX_EXIT_EPT_MISCONFIG		= 49,
	VMX_EXIT_INVEPT			= 50,
	VMX_EXIT_RDTSCP			= 51,
	VMX_EXIT_PREEMPTION_TIMER	= 52,
	VMX_EXIT_INVVPID		= 53,
	VMX_EXIT_WBINVD			= 54,
	VMX_EXIT_XSETBV			= 55,
	VMX_EXIT_APIC_WRITE		= 56,
	VMX_EXIT_RDRAND			= 57,
	VMX_EXIT_INVPCID		= 58,
	VMX_EXIT_VMFUNC			= 59,
	VMX_EXIT_ENCLS			= 60,
	VMX_EXIT_RDSEED			= 61,
	VMX_EXIT_PML_FULL		= 62,
	VMX_EXIT_XSAVES			= 63,
	VMX_EXIT_XRSTORS		= 64,
	VMX_EXIT_SPP			= 66,
	VMX_EXIT_UMWAIT			= 67,
	VMX_EXIT_TPAUSE			= 68,
	VMX_EXIT_LOADIWKEY		= 69,
	VMX_EXIT_ENCLV			= 70,
	VMX_EXIT_ENQCMD_PASID		= 72,
	VMX_EXIT_ENQCMDS_PASID		= 73,
	VMX_EXIT_BUS_LOCK		= 74,
	VMX_EXIT_NOTIFY			= 75,
	VMX_EXIT_SEAMCALL		= 76,
	VMX_EXIT_TDCALL			= 77,
	VMX_EXIT_NR
};

/*
 * "Information for VM Exits Due to Vectored Events", "Information for VM
 * Exits That Occur During Event Delivery" and "VM-Entry Controls for Event
 * Injection": one format for the exit, IDT-vectoring and entry fields.
 */
#define VMX_INTR_VECTOR_MASK		0xffu
#define VMX_INTR_TYPE_SHIFT		8
#define VMX_INTR_TYPE_MASK		(7u << VMX_INTR_TYPE_SHIFT)
#define VMX_INTR_TYPE_EXT_INTR		(0u << VMX_INTR_TYPE_SHIFT)
#define VMX_INTR_TYPE_NMI		(2u << VMX_INTR_TYPE_SHIFT)
#define VMX_INTR_TYPE_HW_EXCEPTION	(3u << VMX_INTR_TYPE_SHIFT)
#define VMX_INTR_TYPE_SW_INTR		(4u << VMX_INTR_TYPE_SHIFT)
#define VMX_INTR_TYPE_PRIV_SW_EXC	(5u << VMX_INTR_TYPE_SHIFT)
#define VMX_INTR_TYPE_SW_EXC		(6u << VMX_INTR_TYPE_SHIFT)
#define VMX_INTR_ERROR_CODE		BIT(11)
#define VMX_INTR_NMI_UNBLOCK		BIT(12)
#define VMX_INTR_VALID			BIT(31)

/* "Guest Non-Register State": interruptibility state and activity state */
#define VMX_INTERRUPTIBILITY_STI	BIT(0)
#define VMX_INTERRUPTIBILITY_MOV_SS	BIT(1)
#define VMX_INTERRUPTIBILITY_NMI	BIT(3)
#define VMX_INTERRUPTIBILITY_SHADOW	(VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOV_SS)
#define VMX_ACTIVITY_ACTIVE		0

/* "Guest Register State", table "Format of Access Rights" */
#define VMX_AR_TYPE_MASK		0xfu
#define VMX_AR_S			BIT(4)
#define VMX_AR_DPL_SHIFT		5
#define VMX_AR_DPL_MASK			(3u << VMX_AR_DPL_SHIFT)
#define VMX_AR_P			BIT(7)
#define VMX_AR_AVL			BIT(12)
#define VMX_AR_L			BIT(13)
#define VMX_AR_DB			BIT(14)
#define VMX_AR_G			BIT(15)
#define VMX_AR_UNUSABLE			BIT(16)
#define VMX_AR_RESERVED			(GENMASK(11, 8) | GENMASK(31, 17))

/* "Exit Qualification for Control-Register Accesses" */
#define VMX_CR_QUAL_CR(q)		((q) & 0xf)
#define VMX_CR_QUAL_TYPE(q)		(((q) >> 4) & 3)
#define VMX_CR_TYPE_MOV_TO		0
#define VMX_CR_TYPE_MOV_FROM		1
#define VMX_CR_TYPE_CLTS		2
#define VMX_CR_TYPE_LMSW		3
#define VMX_CR_QUAL_GPR(q)		(((q) >> 8) & 0xf)
#define VMX_CR_QUAL_LMSW_DATA(q)	(((q) >> 16) & 0xffff)

/* "Exit Qualification for MOV DR" */
#define VMX_DR_QUAL_DR(q)		((q) & 7)
#define VMX_DR_QUAL_FROM_DR		BIT(4)
#define VMX_DR_QUAL_GPR(q)		(((q) >> 8) & 0xf)

/* "Exit Qualification for I/O Instructions" */
#define VMX_IO_QUAL_SIZE(q)		(((q) & 7) + 1)
#define VMX_IO_QUAL_IN			BIT(3)
#define VMX_IO_QUAL_STRING		BIT(4)
#define VMX_IO_QUAL_REP			BIT(5)
#define VMX_IO_QUAL_PORT(q)		(((q) >> 16) & 0xffff)

/* "Exit Qualification for EPT Violations" */
#define VMX_EPT_QUAL_READ		BIT(0)
#define VMX_EPT_QUAL_WRITE		BIT(1)
#define VMX_EPT_QUAL_FETCH		BIT(2)
#define VMX_EPT_QUAL_PRESENT		(BIT(3) | BIT(4) | BIT(5))
#define VMX_EPT_QUAL_GLA_VALID		BIT(7)	/* the access had a linear address */
#define VMX_EPT_QUAL_GLA_XLATE		BIT(8)	/* ... and was to its translation */
#define VMX_EPT_QUAL_NMI_UNBLOCK	BIT(12)	/* NMI unblocking due to IRET */

/* The guest's RFLAGS bits VM entry checks ("Checks on Guest RIP and RFLAGS") */
#define VMX_RFLAGS_FIXED1		BIT(1)
#define VMX_RFLAGS_RESERVED		(GENMASK_ULL(63, 22) | BIT(15) | BIT(5) | BIT(3))
#define VMX_RFLAGS_IF			BIT(9)
#define VMX_RFLAGS_VM			BIT(17)

/* SDM 3A "Debug Registers": DR6 / DR7 bits that read as 1 (reset values) */
#define VMX_DR6_FIXED_1			0xffff0ff0ul
#define VMX_DR7_FIXED_1			0x400ul

#endif /* MV_VMX_DEFS_H */
