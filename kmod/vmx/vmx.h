/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivisor VMX backend: what its files share.
 *
 *   vmx.c       detection, the control settings, VMXON / VMXOFF, the ops
 *   vmx_tlb.c   EPTP, VPIDs, INVEPT / INVVPID, per-VM data
 *   vmx_vcpu.c  VMCS lifetime: allocation, setup, which CPU holds it; sregs,
 *               the RESET / INIT state
 *   vmx_event.c event injection: exceptions, interrupts, NMIs, the interrupt
 *               window, re-injection after an exit, the interrupt shadow
 *   vmx_msr.c   the MSRs the VMCS does not switch, and SYSENTER
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

/* What vmx_vcpu_run() must write to the VMCS before the next entry. */
#define VMX_DIRTY_INTR_STATE	BIT(0)	/* &vmx_vcpu.intr_state */
#define VMX_DIRTY_PROC		BIT(1)	/* &vmx_vcpu.proc */
#define VMX_DIRTY_SYSENTER	BIT(2)	/* &vmx_vcpu.sysenter_cs, _esp, _eip */

/* Which MSRs the guest can use now and vmx_run.c switches (vmx_msr.c). */
#define VMX_SWITCH_KERNEL_GS	BIT(0)	/* IA-32e mode: SWAPGS */
#define VMX_SWITCH_SYSCALL	BIT(1)	/* ... with EFER.SCE: SYSCALL, SYSRET */

/**
 * struct vmx_vcpu - per-vCPU data (&mv_vcpu.arch).
 * @vcpu: the common vCPU.
 * @vmcs: the VMCS region (one page).
 * @vmcs_pa: its physical address.
 * @msr_bitmap: the MSR bitmap page: all ones, every RDMSR / WRMSR exits.
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
 * @host_star: the host's IA32_STAR on the CPU the vCPU is on.
 * @host_lstar: the host's IA32_LSTAR there.
 * @host_sfmask: the host's IA32_FMASK there.
 * @cr2: the guest's CR2 (the VMCS has no field for it).
 * @cr8: the guest's CR8 (TPR), kept in software: CR8 accesses exit.
 * @db: the guest's DR0-DR3, kept in software: MOV DR exits.
 * @dr6: the guest's DR6.
 * @dr7: the guest's DR7 as it wrote it (the VMCS keeps breakpoints off).
 * @kernel_gs_base: the guest's IA32_KERNEL_GS_BASE; while
 *	%VMX_SWITCH_KERNEL_GS is on, read back after every exit.
 * @star: the guest's IA32_STAR.
 * @lstar: the guest's IA32_LSTAR.
 * @cstar: the guest's IA32_CSTAR (never loaded: see vmx_msr.c).
 * @sfmask: the guest's IA32_FMASK.
 * @sysenter_cs: the guest's IA32_SYSENTER_CS (a VMCS field; this copy is
 *	the authority, written at entry when %VMX_DIRTY_SYSENTER).
 * @sysenter_esp: the guest's IA32_SYSENTER_ESP.
 * @sysenter_eip: the guest's IA32_SYSENTER_EIP.
 * @msr_switch: %VMX_SWITCH_* for the guest's current EFER.
 * @proc: the primary processor-based controls (interrupt-window exiting
 *	comes and goes; the rest is &vmx_cfg.proc).
 * @intr_state: the guest interruptibility state: read at every exit,
 *	changed in software (skip_insn, reset, NMI re-injection), written at
 *	entry when %VMX_DIRTY_INTR_STATE.
 * @dirty: %VMX_DIRTY_* fields to write before the next entry.
 * @event_info: VM-entry interruption information for the next entry.
 * @event_error: its error code.
 * @event_len: its instruction length (software interrupts and exceptions).
 * @held_irq: an external interrupt that was queued but cannot go in yet
 *	(RFLAGS.IF cleared by userspace meanwhile), in the same format.
 * @flush_tlb: invalidate the vCPU's VPID-tagged mappings at the next entry.
 * @exit_insn_len: VM-exit instruction length of the last exit.
 */
struct vmx_vcpu {
	struct mv_vcpu *vcpu;
	void *vmcs;
	u64 vmcs_pa;
	void *msr_bitmap;
	u16 vpid;
	int loaded_cpu;
	struct list_head loaded_link;
	bool launched;
	bool initialized;

	unsigned long host_cr3, host_cr4, host_fs_base;
	u16 host_fs_sel, host_gs_sel;
	u64 host_star, host_lstar, host_sfmask;

	unsigned long cr2;
	u64 cr8;
	unsigned long db[4], dr6, dr7;

	u64 kernel_gs_base, star, lstar, cstar, sfmask;
	u64 sysenter_esp, sysenter_eip;
	u32 sysenter_cs;
	u32 msr_switch;

	u32 proc;
	u32 intr_state;
	u32 dirty;
	u32 event_info, event_error, event_len;
	u32 held_irq;
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
/* vmx_vcpu_load(): the VMCS came from another CPU with interrupts on meanwhile */
#define VMX_LOAD_IRQS_WERE_ON	1
int vmx_vcpu_load(struct mv_vcpu *vcpu);
void vmx_get_sregs(struct mv_vcpu *vcpu, struct mv_sregs *sregs);
u64 vmx_guest_cr4(struct mv_vcpu *vcpu);
void vmx_set_sregs(struct mv_vcpu *vcpu, const struct mv_sregs *sregs);
void vmx_reset(struct mv_vcpu *vcpu);

/* vmx_event.c */
void vmx_skip_insn(struct mv_vcpu *vcpu, unsigned int len);
void vmx_inject_exception(struct mv_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error_code);
void vmx_queue_exception(struct vmx_vcpu *vx, u8 vector, bool has_error,
			 u32 error_code);
bool vmx_irq_allowed(struct mv_vcpu *vcpu);
void vmx_inject_irq(struct mv_vcpu *vcpu, u8 vector);
void vmx_set_irq_window(struct mv_vcpu *vcpu, bool on);
bool vmx_nmi_allowed(struct mv_vcpu *vcpu);
void vmx_inject_nmi(struct mv_vcpu *vcpu);
void vmx_event_before_entry(struct mv_vcpu *vcpu);
bool vmx_event_after_exit(struct vmx_vcpu *vx, u32 basic, unsigned long qual);

/* vmx_msr.c */
int vmx_get_msr(struct mv_vcpu *vcpu, u32 msr, u64 *val);
int vmx_set_msr(struct mv_vcpu *vcpu, u32 msr, u64 val);
void vmx_msr_update_switch(struct vmx_vcpu *vx, u64 efer);
void vmx_msr_read_host(struct vmx_vcpu *vx);
void vmx_msr_load_guest(struct vmx_vcpu *vx, u64 host_kernel_gs_base);
void vmx_msr_load_host(struct vmx_vcpu *vx, u64 host_kernel_gs_base);

/* vmx_cr.c */
void vmx_cr_setup(void);
unsigned long vmx_cr0_hw(unsigned long cr0);
unsigned long vmx_cr4_hw(unsigned long cr4);
unsigned long vmx_get_cr0(void);
unsigned long vmx_get_cr4(void);
void vmx_write_cr0(unsigned long cr0);
void vmx_write_cr4(unsigned long cr4);
void vmx_write_efer(struct vmx_vcpu *vx, u64 efer);
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
