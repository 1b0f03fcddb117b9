// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: saying in words why an entry failed or an exit is
 * not handled. Every text is static and fits &mv_run.fail_entry.cause.
 *
 * For "invalid guest state" the CPU does not say which check failed, so the
 * usual suspects of SDM 3C "Checking and Loading Guest State" are checked
 * again here, after the fact, in the order the SDM lists them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmx: " fmt

#include <linux/kernel.h>
#include <linux/printk.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>

#include "../minivisor.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_defs.h"

/* SDM 3C "VM-Instruction Error Numbers" */
static const char *const vmx_insn_errors[] = {
	[1]  = "VMCALL executed in VMX root operation",
	[2]  = "VMCLEAR with invalid physical address",
	[3]  = "VMCLEAR with VMXON pointer",
	[4]  = "VMLAUNCH with non-clear VMCS",
	[5]  = "VMRESUME with non-launched VMCS",
	[6]  = "VMRESUME after VMXOFF (VMXOFF and VMXON between VMLAUNCH and VMRESUME)",
	[7]  = "VM entry with invalid control field(s)",
	[8]  = "VM entry with invalid host-state field(s)",
	[9]  = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "Invalid operand to INVEPT/INVVPID",
};

/**
 * vmx_insn_error_text() - the SDM's text for a VM-instruction error number.
 * @error: the VM_INSTRUCTION_ERROR field; 0 after VMfailInvalid.
 *
 * Return: a static string.
 */
const char *vmx_insn_error_text(u32 error)
{
	if (!error)
		return "VMfailInvalid: no current VMCS";
	if (error < ARRAY_SIZE(vmx_insn_errors) && vmx_insn_errors[error])
		return vmx_insn_errors[error];
	return "unknown VM-instruction error";
}

/* Appendix C "VMX Basic Exit Reasons" */
#define UNHANDLED "unhandled VMX exit: "
static const char *const vmx_exit_texts[VMX_EXIT_NR] = {
	[VMX_EXIT_EXCEPTION_NMI] = UNHANDLED "exception or NMI",
	[VMX_EXIT_EXTERNAL_INTR] = UNHANDLED "external interrupt",
	[VMX_EXIT_TRIPLE_FAULT] = UNHANDLED "triple fault",
	[VMX_EXIT_INIT] = UNHANDLED "INIT signal",
	[VMX_EXIT_SIPI] = UNHANDLED "start-up IPI",
	[VMX_EXIT_IO_SMI] = UNHANDLED "I/O SMI",
	[VMX_EXIT_OTHER_SMI] = UNHANDLED "other SMI",
	[VMX_EXIT_INTR_WINDOW] = UNHANDLED "interrupt window",
	[VMX_EXIT_NMI_WINDOW] = UNHANDLED "NMI window",
	[VMX_EXIT_TASK_SWITCH] = UNHANDLED "task switch",
	[VMX_EXIT_CPUID] = UNHANDLED "CPUID",
	[VMX_EXIT_GETSEC] = UNHANDLED "GETSEC",
	[VMX_EXIT_HLT] = UNHANDLED "HLT",
	[VMX_EXIT_INVD] = UNHANDLED "INVD",
	[VMX_EXIT_INVLPG] = UNHANDLED "INVLPG",
	[VMX_EXIT_RDPMC] = UNHANDLED "RDPMC",
	[VMX_EXIT_RDTSC] = UNHANDLED "RDTSC",
	[VMX_EXIT_RSM] = UNHANDLED "RSM",
	[VMX_EXIT_VMCALL] = UNHANDLED "VMCALL",
	[VMX_EXIT_VMCLEAR] = UNHANDLED "VMCLEAR",
	[VMX_EXIT_VMLAUNCH] = UNHANDLED "VMLAUNCH",
	[VMX_EXIT_VMPTRLD] = UNHANDLED "VMPTRLD",
	[VMX_EXIT_VMPTRST] = UNHANDLED "VMPTRST",
	[VMX_EXIT_VMREAD] = UNHANDLED "VMREAD",
	[VMX_EXIT_VMRESUME] = UNHANDLED "VMRESUME",
	[VMX_EXIT_VMWRITE] = UNHANDLED "VMWRITE",
	[VMX_EXIT_VMXOFF] = UNHANDLED "VMXOFF",
	[VMX_EXIT_VMXON] = UNHANDLED "VMXON",
	[VMX_EXIT_CR_ACCESS] = UNHANDLED "control-register access",
	[VMX_EXIT_DR_ACCESS] = UNHANDLED "MOV DR",
	[VMX_EXIT_IO] = UNHANDLED "I/O instruction",
	[VMX_EXIT_RDMSR] = UNHANDLED "RDMSR",
	[VMX_EXIT_WRMSR] = UNHANDLED "WRMSR",
	[VMX_EXIT_INVALID_GUEST_STATE] = UNHANDLED "VM-entry failure due to invalid guest state",
	[VMX_EXIT_MSR_LOADING] = UNHANDLED "VM-entry failure due to MSR loading",
	[VMX_EXIT_MWAIT] = UNHANDLED "MWAIT",
	[VMX_EXIT_MTF] = UNHANDLED "monitor trap flag",
	[VMX_EXIT_MONITOR] = UNHANDLED "MONITOR",
	[VMX_EXIT_PAUSE] = UNHANDLED "PAUSE",
	[VMX_EXIT_MACHINE_CHECK] = UNHANDLED "VM-entry failure due to machine-check event",
	[VMX_EXIT_TPR_BELOW_THRESHOLD] = UNHANDLED "TPR below threshold",
	[VMX_EXIT_APIC_ACCESS] = UNHANDLED "APIC access",
	[VMX_EXIT_VIRTUALIZED_EOI] = UNHANDLED "virtualized EOI",
	[VMX_EXIT_GDTR_IDTR] = UNHANDLED "access to GDTR or IDTR",
	[VMX_EXIT_LDTR_TR] = UNHANDLED "access to LDTR or TR",
	[VMX_EXIT_EPT_VIOLATION] = UNHANDLED "EPT violation",
	[VMX_EXIT_EPT_MISCONFIG] = UNHANDLED "EPT misconfiguration",
	[VMX_EXIT_INVEPT] = UNHANDLED "INVEPT",
	[VMX_EXIT_RDTSCP] = UNHANDLED "RDTSCP",
	[VMX_EXIT_PREEMPTION_TIMER] = UNHANDLED "VMX-preemption timer expired",
	[VMX_EXIT_INVVPID] = UNHANDLED "INVVPID",
	[VMX_EXIT_WBINVD] = UNHANDLED "WBINVD or WBNOINVD",
	[VMX_EXIT_XSETBV] = UNHANDLED "XSETBV",
	[VMX_EXIT_APIC_WRITE] = UNHANDLED "APIC write",
	[VMX_EXIT_RDRAND] = UNHANDLED "RDRAND",
	[VMX_EXIT_INVPCID] = UNHANDLED "INVPCID",
	[VMX_EXIT_VMFUNC] = UNHANDLED "VMFUNC",
	[VMX_EXIT_ENCLS] = UNHANDLED "ENCLS",
	[VMX_EXIT_RDSEED] = UNHANDLED "RDSEED",
	[VMX_EXIT_PML_FULL] = UNHANDLED "page-modification log full",
	[VMX_EXIT_XSAVES] = UNHANDLED "XSAVES",
	[VMX_EXIT_XRSTORS] = UNHANDLED "XRSTORS",
	[VMX_EXIT_SPP] = UNHANDLED "SPP-related event",
	[VMX_EXIT_UMWAIT] = UNHANDLED "UMWAIT",
	[VMX_EXIT_TPAUSE] = UNHANDLED "TPAUSE",
	[VMX_EXIT_LOADIWKEY] = UNHANDLED "LOADIWKEY",
	[VMX_EXIT_ENCLV] = UNHANDLED "ENCLV",
	[VMX_EXIT_ENQCMD_PASID] = UNHANDLED "ENQCMD PASID translation failure",
	[VMX_EXIT_ENQCMDS_PASID] = UNHANDLED "ENQCMDS PASID translation failure",
	[VMX_EXIT_BUS_LOCK] = UNHANDLED "bus lock",
	[VMX_EXIT_NOTIFY] = UNHANDLED "instruction timeout",
	[VMX_EXIT_SEAMCALL] = UNHANDLED "SEAMCALL",
	[VMX_EXIT_TDCALL] = UNHANDLED "TDCALL",
};
#undef UNHANDLED

/**
 * vmx_unhandled_exit_text() - name an exit the backend does not handle.
 * @basic_reason: the basic exit reason.
 *
 * Return: a static string.
 */
const char *vmx_unhandled_exit_text(u32 basic_reason)
{
	if (basic_reason < ARRAY_SIZE(vmx_exit_texts) && vmx_exit_texts[basic_reason])
		return vmx_exit_texts[basic_reason];
	return "unhandled VMX exit: unknown exit reason";
}

/* Limit and G agree: "Checks on Guest Segment Registers", limit fields. */
static bool vmx_limit_ok(u32 limit, u32 ar)
{
	if ((limit & 0xfff) != 0xfff && (ar & VMX_AR_G))
		return false;
	if ((limit & 0xfff00000) && !(ar & VMX_AR_G))
		return false;
	return true;
}

static bool vmx_canonical(u64 addr)
{
	return (u64)((s64)(addr << 16) >> 16) == addr;
}

static u32 vmx_ar_dpl(u32 ar)
{
	return (ar & VMX_AR_DPL_MASK) >> VMX_AR_DPL_SHIFT;
}

/* "Checks on Guest Control Registers, Debug Registers, and MSRs" */
static const char *vmx_check_guest_cr(bool ia32e)
{
	unsigned long cr0 = vmcs_readl(VMCS_GUEST_CR0), cr4 = vmcs_readl(VMCS_GUEST_CR4);
	u64 must0 = vmx_cfg.cr0_fixed0 & ~(u64)(X86_CR0_PE | X86_CR0_PG);
	u64 efer = vmcs_read64(VMCS_GUEST_IA32_EFER);

	if ((cr0 & must0) != must0 || (cr0 & ~vmx_cfg.cr0_fixed1))
		return "invalid guest state: CR0 breaks IA32_VMX_CR0_FIXED0/FIXED1";
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return "invalid guest state: CR0.PG set without CR0.PE";
	if ((cr4 & vmx_cfg.cr4_fixed0) != vmx_cfg.cr4_fixed0 || (cr4 & ~vmx_cfg.cr4_fixed1))
		return "invalid guest state: CR4 breaks IA32_VMX_CR4_FIXED0/FIXED1";
	if (ia32e && (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE)))
		return "invalid guest state: IA-32e mode guest without CR0.PG and CR4.PAE";
	if (!ia32e && (cr4 & X86_CR4_PCIDE))
		return "invalid guest state: CR4.PCIDE set outside IA-32e mode";
	if (vmcs_readl(VMCS_GUEST_CR3) >> boot_cpu_data.x86_phys_bits)
		return "invalid guest state: CR3 beyond the physical-address width";
	if (vmcs_readl(VMCS_GUEST_DR7) >> 32)
		return "invalid guest state: DR7 bits 63:32 set";
	if (efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
		return "invalid guest state: reserved IA32_EFER bits set";
	if (!!(efer & EFER_LMA) != ia32e)
		return "invalid guest state: EFER.LMA differs from the IA-32e mode guest entry control";
	if ((cr0 & X86_CR0_PG) && !!(efer & EFER_LMA) != !!(efer & EFER_LME))
		return "invalid guest state: EFER.LMA differs from EFER.LME with CR0.PG set";
	return NULL;
}

/* "Checks on Guest Segment Registers" for CS, SS and the data segments. */
static const char *vmx_check_guest_segs(bool ia32e)
{
	static const struct {
		enum vmcs_field32 limit, ar;
		const char *bad_ar;
	} data[] = {
		{ VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR, "invalid guest state: DS access rights" },
		{ VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR, "invalid guest state: ES access rights" },
		{ VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR, "invalid guest state: FS access rights" },
		{ VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR, "invalid guest state: GS access rights" },
	};
	u32 cs = vmcs_read32(VMCS_GUEST_CS_AR), ss = vmcs_read32(VMCS_GUEST_SS_AR);
	u32 type = cs & VMX_AR_TYPE_MASK, ar;
	bool pe = vmcs_readl(VMCS_GUEST_CR0) & X86_CR0_PE;
	int i;

	/* Unrestricted guest: real mode, or a data CS, means ring 0. */
	if ((!pe || type == 3) && vmx_ar_dpl(ss))
		return "invalid guest state: SS.DPL must be 0 (real mode or data CS)";

	/* CS: accessed code, or (unrestricted guest) read/write accessed data */
	if ((type != 3 && type != 9 && type != 11 && type != 13 && type != 15) ||
	    !(cs & VMX_AR_S) || !(cs & VMX_AR_P) || (cs & VMX_AR_RESERVED) ||
	    (cs & VMX_AR_UNUSABLE))
		return "invalid guest state: CS access rights (type, S, P or reserved bits)";
	if (type == 3 && vmx_ar_dpl(cs))
		return "invalid guest state: CS is a data segment with DPL other than 0";
	if ((type == 9 || type == 11) && vmx_ar_dpl(cs) != vmx_ar_dpl(ss))
		return "invalid guest state: CS.DPL differs from SS.DPL (non-conforming code)";
	if ((type == 13 || type == 15) && vmx_ar_dpl(cs) > vmx_ar_dpl(ss))
		return "invalid guest state: CS.DPL above SS.DPL (conforming code)";
	if (ia32e && (cs & VMX_AR_L) && (cs & VMX_AR_DB))
		return "invalid guest state: CS.L and CS.D both set in IA-32e mode";
	if (!vmx_limit_ok(vmcs_read32(VMCS_GUEST_CS_LIMIT), cs))
		return "invalid guest state: CS limit and G bit disagree";
	if (vmcs_readl(VMCS_GUEST_CS_BASE) >> 32)
		return "invalid guest state: CS base above 4 GiB";

	/* SS */
	if (!(ss & VMX_AR_UNUSABLE)) {
		type = ss & VMX_AR_TYPE_MASK;
		if ((type != 3 && type != 7) || !(ss & VMX_AR_S) || !(ss & VMX_AR_P) ||
		    (ss & VMX_AR_RESERVED))
			return "invalid guest state: SS access rights (type, S, P or reserved bits)";
		if (!vmx_limit_ok(vmcs_read32(VMCS_GUEST_SS_LIMIT), ss))
			return "invalid guest state: SS limit and G bit disagree";
	}

	/* DS, ES, FS, GS: accessed; readable if code */
	for (i = 0; i < ARRAY_SIZE(data); i++) {
		ar = vmcs_read32(data[i].ar);
		if (ar & VMX_AR_UNUSABLE)
			continue;
		if (!(ar & 1) || ((ar & 8) && !(ar & 2)) || !(ar & VMX_AR_S) ||
		    !(ar & VMX_AR_P) || (ar & VMX_AR_RESERVED) ||
		    !vmx_limit_ok(vmcs_read32(data[i].limit), ar))
			return data[i].bad_ar;
	}
	return NULL;
}

/* TR, LDTR, GDTR, IDTR ("Checks on Guest Descriptor-Table Registers") */
static const char *vmx_check_guest_system(bool ia32e)
{
	u32 tr = vmcs_read32(VMCS_GUEST_TR_AR), ldtr = vmcs_read32(VMCS_GUEST_LDTR_AR);
	u32 type = tr & VMX_AR_TYPE_MASK;

	if (vmcs_read16(VMCS_GUEST_TR_SELECTOR) & 4)
		return "invalid guest state: TR selector points into the LDT";
	if ((type != 11 && (ia32e || type != 3)) || (tr & VMX_AR_S) || !(tr & VMX_AR_P) ||
	    (tr & VMX_AR_RESERVED) || (tr & VMX_AR_UNUSABLE))
		return ia32e ? "invalid guest state: TR must be a usable busy 64-bit TSS (type 11, S=0, P=1)"
			     : "invalid guest state: TR must be a usable busy TSS (type 3 or 11, S=0, P=1)";
	if (!vmx_limit_ok(vmcs_read32(VMCS_GUEST_TR_LIMIT), tr))
		return "invalid guest state: TR limit and G bit disagree";
	if (!vmx_canonical(vmcs_readl(VMCS_GUEST_TR_BASE)))
		return "invalid guest state: TR base not canonical";
	if (!(ldtr & VMX_AR_UNUSABLE)) {
		if ((vmcs_read16(VMCS_GUEST_LDTR_SELECTOR) & 4) ||
		    (ldtr & VMX_AR_TYPE_MASK) != 2 || (ldtr & VMX_AR_S) ||
		    !(ldtr & VMX_AR_P) || (ldtr & VMX_AR_RESERVED) ||
		    !vmx_limit_ok(vmcs_read32(VMCS_GUEST_LDTR_LIMIT), ldtr))
			return "invalid guest state: LDTR access rights (type 2, S=0, P=1), selector or limit";
		if (!vmx_canonical(vmcs_readl(VMCS_GUEST_LDTR_BASE)))
			return "invalid guest state: LDTR base not canonical";
	}
	if (!vmx_canonical(vmcs_readl(VMCS_GUEST_FS_BASE)) ||
	    !vmx_canonical(vmcs_readl(VMCS_GUEST_GS_BASE)))
		return "invalid guest state: FS or GS base not canonical";
	if ((vmcs_read32(VMCS_GUEST_GDTR_LIMIT) | vmcs_read32(VMCS_GUEST_IDTR_LIMIT)) >> 16)
		return "invalid guest state: GDTR or IDTR limit above 0xffff";
	if (!vmx_canonical(vmcs_readl(VMCS_GUEST_GDTR_BASE)) ||
	    !vmx_canonical(vmcs_readl(VMCS_GUEST_IDTR_BASE)))
		return "invalid guest state: GDTR or IDTR base not canonical";
	return NULL;
}

/* "Checks on Guest RIP, RFLAGS, and SSP" and "Checks on Guest Non-Register State" */
static const char *vmx_check_guest_other(bool ia32e)
{
	unsigned long rflags = vmcs_readl(VMCS_GUEST_RFLAGS);
	u32 intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	bool cs_l = vmcs_read32(VMCS_GUEST_CS_AR) & VMX_AR_L;

	if ((!ia32e || !cs_l) && (vmcs_readl(VMCS_GUEST_RIP) >> 32))
		return "invalid guest state: RIP above 4 GiB outside 64-bit mode";
	if (!(rflags & VMX_RFLAGS_FIXED1) || (rflags & VMX_RFLAGS_RESERVED))
		return "invalid guest state: RFLAGS reserved bits (bit 1 must be 1)";
	if ((rflags & VMX_RFLAGS_VM) && (ia32e || !(vmcs_readl(VMCS_GUEST_CR0) & X86_CR0_PE)))
		return "invalid guest state: RFLAGS.VM set in IA-32e mode or real mode";
	if (vmcs_read32(VMCS_GUEST_ACTIVITY_STATE) > 3)
		return "invalid guest state: activity state";
	if ((intr & VMX_INTERRUPTIBILITY_STI) && (intr & VMX_INTERRUPTIBILITY_MOV_SS))
		return "invalid guest state: blocking by both STI and MOV SS";
	if ((intr & VMX_INTERRUPTIBILITY_STI) && !(rflags & VMX_RFLAGS_IF))
		return "invalid guest state: blocking by STI with RFLAGS.IF clear";
	if (vmcs_read64(VMCS_LINK_POINTER) != ~0ULL)
		return "invalid guest state: VMCS link pointer is not ~0";
	return NULL;
}

/*
 * Which guest-state check failed? Runs on the exit of the failed entry,
 * with the VMCS still current.
 */
static const char *vmx_check_guest_state(void)
{
	bool ia32e = vmcs_read32(VMCS_ENTRY_CONTROLS) & VMX_ENTRY_CTL_IA32E_MODE;
	const char *why;

	why = vmx_check_guest_cr(ia32e);
	if (!why)
		why = vmx_check_guest_segs(ia32e);
	if (!why)
		why = vmx_check_guest_system(ia32e);
	if (!why)
		why = vmx_check_guest_other(ia32e);
	return why ?: "invalid guest state (none of minivisor's own checks found the culprit)";
}

/**
 * vmx_entry_failure_text() - explain a VM exit with the "VM-entry failure"
 * bit set (SDM 3C "VM-Entry Failures During or After Loading Guest State").
 * @basic_reason: 33, 34 or 41.
 *
 * Return: a static string.
 */
const char *vmx_entry_failure_text(u32 basic_reason)
{
	switch (basic_reason) {
	case VMX_EXIT_INVALID_GUEST_STATE:
		return vmx_check_guest_state();
	case VMX_EXIT_MSR_LOADING:
		return "VM-entry failure: loading an MSR from the VM-entry MSR-load area (qualification: entry number)";
	case VMX_EXIT_MACHINE_CHECK:
		return "VM-entry failure: machine-check event during VM entry";
	default:
		return "VM-entry failure: unknown exit reason";
	}
}

/**
 * vmx_vmwrite_error() - report a VMWRITE that failed or faulted.
 * @field: the field encoding.
 * @val: the value.
 */
void vmx_vmwrite_error(unsigned long field, unsigned long val)
{
	pr_err_ratelimited("VMWRITE of %#lx to field %#lx failed: %s\n", val, field,
			   vmx_insn_error_text(__vmcs_read(VMCS_INSTRUCTION_ERROR)));
}
