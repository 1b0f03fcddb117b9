/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivisor VMX backend: what its files share.
 *
 *   vmx.c       detection, the control settings, VMXON / VMXOFF, the ops
 *   vmx_tlb.c   EPTP, VPIDs, INVEPT / INVVPID, per-VM data
 *   vmx_vcpu.c  VMCS lifetime: allocation, setup, which CPU holds it; sregs
 *   vmx_cr.c    CR0 / CR4 / CR8 / DR virtualization and emulation
 *   vmx_run.c   one entry and exit: host state around it, the world switch
 *   vmx_exit.c  turning an exit into a struct mv_exit
 *   vmx_diag.c  human-readable causes of failed entries and exits
 *   vmenter.S   VMLAUNCH / VMRESUME and the VM-exit landing point
 */
#ifndef MV_VMX_H
#define MV_VMX_H

#include <linux/list.h>
#include <linux/types.h>

#include "../minivisor.h"

/**
 * struct vmx_config - how every VMCS is set up; computed once by probe from
 * the capability MSRs (SDM 3D appendix A).
 * @revision_id: VMCS revision identifier (IA32_VMX_BASIC[30:0]).
 * @pin: pin-based VM-execution controls.
 * @proc: primary processor-based VM-execution controls.
 * @proc2: secondary processor-based VM-execution controls (with VPID if
 *	@invvpid_type is set; a vCPU without a VPID clears it).
 * @exit: VM-exit controls.
 * @entry: VM-entry controls, without "IA-32e mode guest" (per vCPU).
 * @cr0_fixed0: IA32_VMX_CR0_FIXED0: CR0 bits that must be 1.
 * @cr0_fixed1: IA32_VMX_CR0_FIXED1: CR0 bits that may be 1.
 * @cr4_fixed0: IA32_VMX_CR4_FIXED0.
 * @cr4_fixed1: IA32_VMX_CR4_FIXED1.
 * @cr0_mask: CR0 guest/host mask: bits the host owns (vmx_cr.c).
 * @cr4_mask: CR4 guest/host mask.
 * @invept_type: %VMX_INVEPT_SINGLE or %VMX_INVEPT_ALL.
 * @invvpid_type: %VMX_INVVPID_SINGLE, %VMX_INVVPID_ALL, or 0: no VPIDs.
 * @preempt_ticks: VMX-preemption timer value for one guest slice, if @pin
 *	has the timer.
 */
struct vmx_config {
	u32 revision_id;
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	unsigned long cr0_mask, cr4_mask;
	int invept_type;
	int invvpid_type;
	u32 preempt_ticks;
};

extern struct vmx_config vmx_cfg;

/**
 * struct vmx_vm - per-VM data.
 * @eptp: the EPT pointer of the VM's nested table.
 */
struct vmx_vm {
	u64 eptp;
};

/* "VM-Exit Controls for MSRs": one entry of an MSR-load / MSR-store area. */
struct vmx_msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
};

/*
 * MSRs switched by the CPU itself at entry and exit (the guest value at
 * entry, the host value at exit): just IA32_KERNEL_GS_BASE, which SWAPGS
 * changes without an exit. Everything else the guest may write goes through
 * a WRMSR exit or lives in the VMCS.
 */
#define VMX_AUTO_MSR_KERNEL_GS_BASE	0
#define VMX_NR_AUTO_MSRS		1

/**
 * struct vmx_vcpu - per-vCPU data (&mv_vcpu.arch).
 * @vcpu: the common vCPU.
 * @vmcs: the VMCS region (one page).
 * @vmcs_pa: its physical address.
 * @msr_bitmap: the MSR bitmap page: all ones, every RDMSR / WRMSR exits.
 * @msr_guest: VM-entry MSR-load area, also the VM-exit MSR-store area (the
 *	guest values are saved where the next entry loads them from).
 * @msr_host: VM-exit MSR-load area (host values).
 * @vpid: the vCPU's VPID, 0 if it has none.
 * @loaded_cpu: the CPU on which the VMCS is active (must be VMCLEARed there
 *	before another CPU may load it), -1 if none. Written with interrupts
 *	off on that CPU, or before the vCPU is first loaded.
 * @loaded_link: entry in that CPU's list of active VMCSs.
 * @launched: launch state is "launched": VMRESUME, not VMLAUNCH.
 * @initialized: the VMCS fields have been written once.
 * @host_cr3: HOST_CR3 as written, to rewrite only what changed.
 * @host_cr4: HOST_CR4 as written.
 * @host_fs_base: HOST_FS_BASE as written.
 * @host_fs_sel: HOST_FS_SELECTOR as written.
 * @host_gs_sel: HOST_GS_SELECTOR as written.
 * @cr2: the guest's CR2 (the VMCS has no field for it).
 * @cr8: the guest's CR8 (TPR), kept in software: CR8 accesses exit.
 * @db: the guest's DR0-DR3, kept in software: MOV DR exits.
 * @dr6: the guest's DR6.
 * @dr7: the guest's DR7 as it wrote it (the VMCS keeps breakpoints off).
 * @event_info: VM-entry interruption information for the next entry.
 * @event_error: its error code.
 * @event_len: its instruction length (software interrupts and exceptions).
 * @clear_intr_shadow: clear blocking by STI / MOV SS at the next entry.
 * @flush_tlb: invalidate the vCPU's VPID-tagged mappings at the next entry.
 * @exit_insn_len: VM-exit instruction length of the last exit.
 */
struct vmx_vcpu {
	struct mv_vcpu *vcpu;
	void *vmcs;
	u64 vmcs_pa;
	void *msr_bitmap;
	struct vmx_msr_entry *msr_guest;
	struct vmx_msr_entry *msr_host;
	u16 vpid;
	int loaded_cpu;
	struct list_head loaded_link;
	bool launched;
	bool initialized;

	unsigned long host_cr3, host_cr4, host_fs_base;
	u16 host_fs_sel, host_gs_sel;

	unsigned long cr2;
	u64 cr8;
	unsigned long db[4], dr6, dr7;

	u32 event_info, event_error, event_len;
	bool clear_intr_shadow;
	bool flush_tlb;
	u32 exit_insn_len;
};

static inline struct vmx_vcpu *to_vmx(struct mv_vcpu *vcpu)
{
	return vcpu->arch;
}

static inline struct vmx_vm *to_vmx_vm(struct mv_vm *vm)
{
	return vm->arch;
}

/* vmx_tlb.c */
int vmx_vm_init(struct mv_vm *vm);
void vmx_vm_destroy(struct mv_vm *vm);
u16 vmx_vpid_alloc(void);
void vmx_vpid_free(u16 vpid);
void vmx_invept(u64 eptp);
void vmx_invvpid(u16 vpid);
void vmx_flush_all_tlbs(void);

/* vmx_vcpu.c */
void vmx_percpu_init(void);
void vmx_clear_all_on_cpu(void);
int vmx_vcpu_create(struct mv_vcpu *vcpu);
void vmx_vcpu_free(struct mv_vcpu *vcpu);
int vmx_vcpu_load(struct mv_vcpu *vcpu);
void vmx_get_sregs(struct mv_vcpu *vcpu, struct mv_sregs *sregs);
void vmx_set_sregs(struct mv_vcpu *vcpu, const struct mv_sregs *sregs);
void vmx_skip_insn(struct mv_vcpu *vcpu, unsigned int len);
void vmx_inject_exception(struct mv_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error_code);
void vmx_queue_exception(struct vmx_vcpu *vx, u8 vector, bool has_error,
			 u32 error_code);

/* vmx_cr.c */
void vmx_cr_setup(void);
unsigned long vmx_cr0_hw(unsigned long cr0);
unsigned long vmx_cr4_hw(unsigned long cr4);
unsigned long vmx_get_cr0(void);
unsigned long vmx_get_cr4(void);
void vmx_write_cr0(unsigned long cr0);
void vmx_write_cr4(unsigned long cr4);
void vmx_write_efer(u64 efer);
bool vmx_load_pdptes(struct mv_vcpu *vcpu);
bool vmx_guest_64bit(void);
u32 vmx_handle_cr_access(struct mv_vcpu *vcpu, unsigned long qual);
u32 vmx_handle_dr_access(struct mv_vcpu *vcpu, unsigned long qual);

/* vmx_run.c */
int vmx_vcpu_run(struct mv_vcpu *vcpu, struct mv_exit *exit);

/* vmx_exit.c */
void vmx_exit_decode(struct mv_vcpu *vcpu, u32 reason, struct mv_exit *exit);

/* vmx_diag.c */
const char *vmx_insn_error_text(u32 error);
const char *vmx_unhandled_exit_text(u32 basic_reason);
const char *vmx_entry_failure_text(u32 basic_reason);

#endif /* MV_VMX_H */
