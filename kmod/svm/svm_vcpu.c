// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor SVM backend: VMCB set-up and INIT, VMRUN, exit decoding, and
 * what lives in the VMCB: interrupt / NMI injection and the VMLOAD / VMSAVE
 * MSRs.
 *
 * Authority: AMD APM vol. 2, chapter 15 "Secure Virtual Machine": "VMRUN
 * Instruction", "Intercept Operations", "Nested Paging", "TLB Control",
 * "Event Injection", "Virtual Interrupts", "VMSAVE and VMLOAD
 * Instructions", chapter 14 "Processor Initialization State", and appendix B
 * "Layout of VMCB".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": svm: " fmt

#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/io.h>
#include <asm/irqflags.h>
#include <asm/processor-flags.h>
#include <asm/debugreg.h>
#include <asm/hw_breakpoint.h>
#include <asm/msr-index.h>
#include <asm/trapnr.h>

#include "svm.h"
#include "vmcb.h"

/* svm_vmrun() in vmrun.S relies on these offsets. */
static_assert(offsetof(struct mv_regs, rbx) == 8);
static_assert(offsetof(struct mv_regs, rdi) == 40);
static_assert(offsetof(struct mv_regs, rbp) == 56);
static_assert(offsetof(struct mv_regs, r15) == 120);

/* I/O and MSR permission maps: 12 KiB and 8 KiB ("IOIO Intercepts",
 * "MSR Intercepts"); all ones: every port and every MSR is intercepted.
 */
#define SVM_IOPM_ORDER		2
#define SVM_MSRPM_ORDER		1

/**
 * struct svm_vm - per-VM SVM state.
 * @iopm: I/O permission map.
 * @msrpm: MSR permission map.
 */
struct svm_vm {
	struct page *iopm;
	struct page *msrpm;
};

/**
 * struct svm_vcpu - per-vCPU SVM state.
 * @vmcb: the VMCB.
 * @vmcb_pa: its physical address, for VMRUN / VMLOAD / VMSAVE.
 * @asid: the guest's ASID; 0 if none was free (then SVM_SHARED_ASID, and
 *	the TLB is flushed on every entry).
 * @flush: flush the ASID on the next entry (CR3/CR0/CR4/EFER changed
 *	behind the guest's back).
 * @nmi_blocked: an NMI was injected and the guest has not executed IRET
 *	since; the IRET intercept is on while this is set.
 */
struct svm_vcpu {
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u32 asid;
	bool flush;
	bool nmi_blocked;
};

/* Used, with a flush per entry, when every ASID is taken. */
#define SVM_SHARED_ASID		1

static DEFINE_IDA(svm_asids);
static DEFINE_PER_CPU(struct page *, svm_host_save);

/**
 * svm_hw_setup() - allocate each CPU's VMSAVE area for host state.
 *
 * Return: 0 or -ENOMEM.
 */
int svm_hw_setup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page = alloc_pages_node(cpu_to_node(cpu),
						     GFP_KERNEL | __GFP_ZERO, 0);

		if (!page) {
			svm_hw_unsetup();
			return -ENOMEM;
		}
		per_cpu(svm_host_save, cpu) = page;
	}
	return 0;
}

void svm_hw_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (per_cpu(svm_host_save, cpu))
			__free_page(per_cpu(svm_host_save, cpu));
		per_cpu(svm_host_save, cpu) = NULL;
	}
}

int svm_vm_init(struct mv_vm *vm)
{
	struct svm_vm *svm;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return -ENOMEM;
	svm->iopm = alloc_pages(GFP_KERNEL_ACCOUNT, SVM_IOPM_ORDER);
	svm->msrpm = alloc_pages(GFP_KERNEL_ACCOUNT, SVM_MSRPM_ORDER);
	if (!svm->iopm || !svm->msrpm) {
		if (svm->iopm)
			__free_pages(svm->iopm, SVM_IOPM_ORDER);
		if (svm->msrpm)
			__free_pages(svm->msrpm, SVM_MSRPM_ORDER);
		kfree(svm);
		return -ENOMEM;
	}
	memset(page_address(svm->iopm), 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(page_address(svm->msrpm), 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	vm->arch = svm;
	return 0;
}

/*
 * Nothing on any CPU is tagged with the VM as such: translations are tagged
 * by ASID, and a vCPU's first entry on each CPU flushes its ASID (see
 * svm_vcpu_run()), so a freed ASID reused later starts clean.
 */
void svm_vm_destroy(struct mv_vm *vm)
{
	struct svm_vm *svm = vm->arch;

	__free_pages(svm->iopm, SVM_IOPM_ORDER);
	__free_pages(svm->msrpm, SVM_MSRPM_ORDER);
	kfree(svm);
}

static void svm_set_seg(struct vmcb_seg *seg, u16 sel, u64 base, u32 limit, u16 attrib)
{
	seg->selector = sel;
	seg->base = base;
	seg->limit = limit;
	seg->attrib = attrib;
}

/* Attribute bits: type 3:0, S 4, DPL 6:5, P 7 ("Segment State in the VMCB") */
#define SEG_P		BIT(7)
#define SEG_S		BIT(4)

/*
 * The control area: what minivisor intercepts and the tables it points the
 * CPU at. Set once, when the vCPU is created; INIT leaves it alone except
 * for the event state svm_reset_state() drops.
 */
static void svm_init_control(struct mv_vcpu *vcpu, struct svm_vcpu *svm)
{
	struct svm_vm *vm = vcpu->vm->arch;
	struct vmcb_control *c = &svm->vmcb->control;

	/*
	 * Not intercepted, because with nested paging and V_INTR_MASKING the
	 * guest owns them: CR0/CR3/CR4 accesses, CR8 (it is V_TPR), INVLPG,
	 * PAUSE, INT3, INTn, RDTSC, the descriptor-table instructions.
	 * RDPMC would read the host's counters and RDTSCP the host's TSC_AUX
	 * (not switched; CPUID hides RDTSCP): both exit and fault. (QEMU's
	 * TCG, 7.2, checks only the RDTSC intercept for RDTSCP: there RDTSCP
	 * still runs in the guest.)
	 */
	c->intercept_misc1 = SVM_I1_INTR | SVM_I1_NMI | SVM_I1_SMI | SVM_I1_RDPMC |
			     SVM_I1_CPUID | SVM_I1_INVD | SVM_I1_HLT | SVM_I1_INVLPGA |
			     SVM_I1_IOIO_PROT | SVM_I1_MSR_PROT | SVM_I1_SHUTDOWN;
	c->intercept_misc2 = SVM_I2_VMRUN | SVM_I2_VMMCALL | SVM_I2_VMLOAD |
			     SVM_I2_VMSAVE | SVM_I2_STGI | SVM_I2_CLGI |
			     SVM_I2_SKINIT | SVM_I2_RDTSCP | SVM_I2_WBINVD |
			     SVM_I2_MONITOR | SVM_I2_MWAIT | SVM_I2_MWAIT_COND |
			     SVM_I2_XSETBV;
	/*
	 * #AC and #DB: a guest can make their delivery loop forever inside
	 * the CPU, never exiting (CVE-2015-5307, CVE-2015-8104); intercept
	 * them and reflect them back. #MC: the host's, never the guest's.
	 */
	c->intercept_exceptions = BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | BIT(X86_TRAP_MC);
	c->iopm_base_pa = page_to_phys(vm->iopm);
	c->msrpm_base_pa = page_to_phys(vm->msrpm);
	c->asid = svm->asid ?: SVM_SHARED_ASID;
	/*
	 * "Virtual Interrupts": with V_INTR_MASKING the guest's RFLAGS.IF
	 * masks only virtual interrupts, and the host's IF (on while the
	 * guest runs, see svm_vcpu_run()) physical ones, so every host
	 * interrupt is an INTR intercept whatever the guest does. Nothing
	 * ever clears this bit.
	 */
	c->int_ctl = SVM_INT_CTL_V_INTR_MASK;
	c->np_enable = 1;
	c->n_cr3 = mv_npt_root_pa(&vcpu->vm->npt);
}

/* The virtual interrupt that only serves to open an interrupt window. */
#define SVM_INT_CTL_WINDOW	(SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO | \
				 SVM_INT_CTL_V_IGN_TPR)

/*
 * "Virtual Interrupts", "Interrupt Window": ask for (or stop asking for) an
 * exit as soon as the guest can take an interrupt. V_IRQ with V_IGN_TPR
 * (and the highest priority, for CPUs that would look at V_TPR anyway) is
 * a virtual interrupt the CPU wants to deliver as soon as RFLAGS.IF is set
 * and no interrupt shadow is in effect; the VINTR intercept makes that
 * moment an exit instead, before anything is delivered. Its vector is
 * never used.
 */
static void svm_irq_window(struct svm_vcpu *svm, bool on)
{
	struct vmcb_control *c = &svm->vmcb->control;

	if (on) {
		c->int_ctl |= SVM_INT_CTL_WINDOW;
		c->intercept_misc1 |= SVM_I1_VINTR;
	} else {
		c->int_ctl &= ~SVM_INT_CTL_WINDOW;
		c->intercept_misc1 &= ~SVM_I1_VINTR;
	}
}

/* INIT, RESET: APM vol. 2 "Processor Initialization State" */
#define SVM_CR0_INIT		(X86_CR0_CD | X86_CR0_NW | X86_CR0_ET)	/* 0x60000010 */
#define SVM_DR6_INIT		0xffff0ff0
#define SVM_DR7_INIT		0x400

/*
 * The RESET (@init false) or INIT (@init true) state (APM vol. 2 "Processor
 * Initialization State"): real mode at f000:fff0, flat 64 KiB segments,
 * paging off, EFER 0. They differ only in CR0: after RESET minivisor starts
 * with caching on (CR0 = ET), as firmware would leave it for a guest that
 * has none; INIT gives the architectural 0x60000010 (CD, NW, ET).
 *
 * What INIT does not change stays: the MSRs kept in the VMCB (STAR family,
 * SYSENTER, KernelGsBase) and the guest PAT (G_PAT, set at RESET only).
 * Any event queued or being re-injected, the interrupt shadow, NMI blocking
 * and an open interrupt window are dropped; V_TPR (the guest's CR8, i.e.
 * its TPR) is 0 again.
 */
static void svm_reset_state(struct mv_vcpu *vcpu, struct svm_vcpu *svm, bool init)
{
	struct vmcb_control *c = &svm->vmcb->control;
	struct vmcb_save *s = &svm->vmcb->save;

	svm_set_seg(&s->cs, 0xf000, 0xffff0000, 0xffff, SEG_P | SEG_S | 0xb);
	svm_set_seg(&s->ds, 0, 0, 0xffff, SEG_P | SEG_S | 0x3);
	s->es = s->ds;
	s->ss = s->ds;
	s->fs = s->ds;
	s->gs = s->ds;
	svm_set_seg(&s->ldtr, 0, 0, 0xffff, SEG_P | 0x2);
	svm_set_seg(&s->tr, 0, 0, 0xffff, SEG_P | 0xb);
	svm_set_seg(&s->gdtr, 0, 0, 0xffff, 0);
	svm_set_seg(&s->idtr, 0, 0, 0xffff, 0);
	s->cpl = 0;
	s->cr0 = init ? SVM_CR0_INIT : X86_CR0_ET;
	s->cr2 = 0;
	s->cr3 = 0;
	s->cr4 = 0;
	/* APM "Canonicalization and Consistency Checks": EFER.SVME must be 1. */
	s->efer = EFER_SVME;
	s->dr6 = SVM_DR6_INIT;
	s->dr7 = SVM_DR7_INIT;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	if (!init)
		s->g_pat = vcpu->pat;

	c->event_inj = 0;
	c->int_state = 0;
	c->int_ctl &= ~SVM_INT_CTL_V_TPR;
	svm_irq_window(svm, false);
	c->intercept_misc1 &= ~SVM_I1_IRET;
	svm->nmi_blocked = false;
	/* CR3 and paging changed under the guest: nothing cached is valid. */
	svm->flush = true;
}

int svm_vcpu_create(struct mv_vcpu *vcpu)
{
	struct svm_vcpu *svm;
	struct page *page;
	int asid;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(svm);
		return -ENOMEM;
	}
	svm->vmcb = page_address(page);
	svm->vmcb_pa = page_to_phys(page);
	/* ASID 0 is the host's; SVM_SHARED_ASID is kept for the overflow. */
	asid = ida_alloc_range(&svm_asids, SVM_SHARED_ASID + 1, svm_nr_asids - 1,
			       GFP_KERNEL);
	svm->asid = asid < 0 ? 0 : asid;
	vcpu->arch = svm;
	svm_init_control(vcpu, svm);
	svm_reset_state(vcpu, svm, false);
	return 0;
}

/**
 * svm_vcpu_reset() - INIT; see &mv_arch_ops.reset.
 * @vcpu: the vCPU.
 */
void svm_vcpu_reset(struct mv_vcpu *vcpu)
{
	svm_reset_state(vcpu, vcpu->arch, true);
}

void svm_vcpu_free(struct mv_vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->arch;

	if (!svm)
		return;
	if (svm->asid)
		ida_free(&svm_asids, svm->asid);
	free_page((unsigned long)svm->vmcb);
	kfree(svm);
	vcpu->arch = NULL;
}

/*
 * NMI blocking ends with the guest's IRET (vol. 2 "NMI Handling"). The
 * IRET intercept is taken before the IRET executes, so NMIs are unblocked
 * one instruction early: the next NMI may be injected with RIP still on the
 * handler's IRET, its frame still on the NMI stack. Linux's NMI entry code
 * takes that for a nested NMI and replays it after the outer one, as it
 * must for an NMI after its "NMI executing" flag is cleared anyway. KVM
 * drops the intercept at the same point but keeps NMIs blocked until RIP
 * has moved past the IRET (svm.c, iret_interception() and
 * svm_complete_interrupts()), single-stepping the guest over it if an NMI
 * is waiting; minivisor keeps to the simple form.
 */
static void svm_nmi_unblock(struct svm_vcpu *svm)
{
	svm->nmi_blocked = false;
	svm->vmcb->control.intercept_misc1 &= ~SVM_I1_IRET;
}

/*
 * EXITINTINFO ("Event Injection"): the event whose delivery the exit
 * interrupted, typically a nested page fault on the guest's IDT, GDT,
 * stack or TSS. External interrupts, NMIs and exceptions have not been
 * delivered and must be injected again, or they are lost (an interrupt the
 * local APIC considers in service would never come). A software interrupt
 * (INTn, type SOFT), INT3 and INTO (reported as exceptions 3 and 4) are
 * not: without NRIP save minivisor cannot tell their length, and RIP still
 * points at the instruction, which simply executes again and raises them
 * afresh.
 */
static bool svm_event_needs_reinjection(u64 info)
{
	u64 type = info & SVM_EVT_TYPE_MASK;
	u8 vector = info & SVM_EVT_VECTOR;

	if (!(info & SVM_EVT_VALID) || type == SVM_EVT_TYPE_SOFT)
		return false;
	return !(type == SVM_EVT_TYPE_EXCEPTION &&
		 (vector == X86_TRAP_BP || vector == X86_TRAP_OF));
}

static u8 svm_tlb_flush_kind(void)
{
	return (svm_features & SVM_CPUID_FEAT_FLUSHBYASID) ?
	       SVM_TLB_FLUSH_ASID : SVM_TLB_FLUSH_ALL;
}

/*
 * VMEXIT_INVALID: VMRUN refused the guest state. Find which consistency
 * check of "Canonicalization and Consistency Checks" it was, for people.
 */
static const char *svm_invalid_cause(struct vmcb *vmcb)
{
	struct vmcb_save *s = &vmcb->save;
	struct vmcb_control *c = &vmcb->control;

	if (!(s->efer & EFER_SVME))
		return "invalid guest state: EFER.SVME is 0";
	if (!(s->cr0 & X86_CR0_CD) && (s->cr0 & X86_CR0_NW))
		return "invalid guest state: CR0.NW set without CR0.CD";
	if (s->cr0 >> 32)
		return "invalid guest state: CR0[63:32] not zero";
	if (s->efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_SVME |
			     EFER_LMSLE | EFER_FFXSR))
		return "invalid guest state: reserved EFER bits set";
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG) && !(s->cr4 & X86_CR4_PAE))
		return "invalid guest state: long mode paging without CR4.PAE";
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG) && !(s->cr0 & X86_CR0_PE))
		return "invalid guest state: long mode paging without CR0.PE";
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) &&
	    (s->cs.attrib & BIT(9)) && (s->cs.attrib & BIT(10)))
		return "invalid guest state: CS.L and CS.D both set in long mode";
	if ((s->dr6 >> 32) || (s->dr7 >> 32))
		return "invalid guest state: DR6/DR7[63:32] not zero";
	if (!(c->intercept_misc2 & SVM_I2_VMRUN))
		return "invalid control area: VMRUN not intercepted";
	if (!c->asid)
		return "invalid control area: ASID 0";
	if (c->event_inj & SVM_EVT_VALID)
		return "invalid control area: bad event injection";
	return "invalid guest state (no check identified)";
}

static void svm_decode_exit(struct mv_vcpu *vcpu, struct vmcb *vmcb, struct mv_exit *exit)
{
	struct vmcb_control *c = &vmcb->control;
	u64 code = c->exit_code, info1 = c->exit_info1;

	if ((svm_features & SVM_CPUID_FEAT_NRIPS) && c->next_rip > vmcb->save.rip &&
	    c->next_rip - vmcb->save.rip <= 15)
		exit->insn_len = c->next_rip - vmcb->save.rip;

	switch (code) {
	case SVM_EXIT_INTR:
		exit->reason = MV_X_EXTERNAL_INTR;
		return;
	case SVM_EXIT_NMI:
		/* Taken by the host as soon as GIF is set again. */
		exit->reason = MV_X_NMI;
		return;
	case SVM_EXIT_SMI:
		exit->reason = MV_X_NONE;
		return;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_MC:
		/* svm_enter_exit() handed it to the host. */
		exit->reason = MV_X_NONE;
		return;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_DB:
	case SVM_EXIT_EXCP_BASE + X86_TRAP_AC:
		/* Reflect it: the guest handles its own #DB and #AC. */
		svm_inject_exception(vcpu, code - SVM_EXIT_EXCP_BASE,
				     code == SVM_EXIT_EXCP_BASE + X86_TRAP_AC, 0);
		exit->reason = MV_X_NONE;
		return;
	case SVM_EXIT_CPUID:
		exit->reason = MV_X_CPUID;
		return;
	case SVM_EXIT_HLT:
		exit->reason = MV_X_HLT;
		return;
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		exit->reason = MV_X_INVD;
		return;
	case SVM_EXIT_IOIO:
		exit->reason = MV_X_IO;
		exit->io.port = info1 >> SVM_IOIO_PORT_SHIFT;
		exit->io.size = (info1 & SVM_IOIO_SZ32) ? 4 : (info1 & SVM_IOIO_SZ16) ? 2 : 1;
		exit->io.in = info1 & SVM_IOIO_IN;
		exit->io.string = info1 & SVM_IOIO_STR;
		exit->io.rep = info1 & SVM_IOIO_REP;
		/* EXITINFO2 is the next RIP for IOIO, NRIP save or not. */
		exit->insn_len = c->exit_info2 - vmcb->save.rip;
		return;
	case SVM_EXIT_MSR:
		exit->reason = info1 ? MV_X_MSR_WRITE : MV_X_MSR_READ;
		return;
	case SVM_EXIT_SHUTDOWN:
		exit->reason = MV_X_SHUTDOWN;
		return;
	case SVM_EXIT_VMMCALL:
		exit->reason = MV_X_HYPERCALL;
		return;
	case SVM_EXIT_XSETBV:
		exit->reason = MV_X_XSETBV;
		return;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
		exit->reason = MV_X_VIRT_INSN;
		return;
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
	case SVM_EXIT_RDTSCP:
		/*
		 * #UD, as on a CPU without them, which the guest's CPUID says
		 * this is: MWAIT is not for a guest to idle the host CPU, and
		 * RDTSCP would read the host's TSC_AUX (not switched).
		 */
		svm_inject_exception(vcpu, X86_TRAP_UD, false, 0);
		exit->reason = MV_X_NONE;
		return;
	case SVM_EXIT_RDPMC:
		/* No performance counters to read (APM vol. 3 "RDPMC": #GP). */
		svm_inject_exception(vcpu, X86_TRAP_GP, vmcb->save.cr0 & X86_CR0_PE, 0);
		exit->reason = MV_X_NONE;
		return;
	case SVM_EXIT_VINTR:
		/*
		 * The window svm_set_irq_window() asked for is open: close it
		 * (the dummy virtual interrupt was not delivered) and let the
		 * common code inject the real one.
		 */
		svm_irq_window(vcpu->arch, false);
		exit->reason = MV_X_IRQ_WINDOW;
		return;
	case SVM_EXIT_IRET:
		svm_nmi_unblock(vcpu->arch);
		exit->reason = MV_X_NONE;
		return;
	case SVM_EXIT_NPF:
		exit->reason = MV_X_NPF;
		exit->npf.gpa = c->exit_info2;
		exit->npf.write = info1 & SVM_NPF_WRITE;
		exit->npf.fetch = info1 & SVM_NPF_FETCH;
		exit->npf.present = info1 & SVM_NPF_PRESENT;
		exit->npf.not_data = (info1 & SVM_NPF_GPT_WALK) ||
				     (c->exit_int_info & SVM_EVT_VALID);
		return;
	case SVM_EXIT_INVALID:
		exit->reason = MV_X_FAIL_ENTRY;
		exit->fail.hw_reason = code;
		exit->fail.cause = svm_invalid_cause(vmcb);
		return;
	default:
		exit->reason = MV_X_UNHANDLED;
		exit->fail.hw_reason = code;
		exit->fail.qual = info1;
		exit->fail.info2 = c->exit_info2;
		exit->fail.cause = "SVM exit code minivisor does not handle";
		return;
	}
}

/*
 * One VMRUN: the guest's registers go into the VMCB, the exit comes out
 * decoded, with what was being delivered queued again.
 */
static void svm_enter_exit(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	struct svm_vcpu *svm = vcpu->arch;
	struct vmcb *vmcb = svm->vmcb;

	vmcb->save.rax = vcpu->regs.rax;
	vmcb->save.rsp = vcpu->regs.rsp;
	vmcb->save.rip = vcpu->regs.rip;
	vmcb->save.rflags = vcpu->regs.rflags;
	/*
	 * "VMCB Clean Bits": none set, so the CPU reloads everything, and
	 * minivisor edits any field (intercepts, V_IRQ / V_TPR, EVENTINJ,
	 * segments) without tracking which group it belongs to.
	 */
	vmcb->control.clean = 0;

	/*
	 * GIF=0 holds off interrupts and NMIs; with it clear, turning IF on is
	 * safe, and makes a host interrupt in the guest an INTR intercept.
	 */
	asm volatile("clgi" : : : "memory");
	native_irq_enable();
	svm_vmrun(&vcpu->regs, svm->vmcb_pa, page_to_phys(this_cpu_read(svm_host_save)));
	native_irq_disable();
	asm volatile("stgi" : : : "memory");

	if (unlikely(vmcb->control.exit_code == SVM_EXIT_EXCP_BASE + X86_TRAP_MC))
		mv_host_machine_check();

	vcpu->regs.rax = vmcb->save.rax;
	vcpu->regs.rsp = vmcb->save.rsp;
	vcpu->regs.rip = vmcb->save.rip;
	vcpu->regs.rflags = vmcb->save.rflags;
	vmcb->control.event_inj = 0;

	/* What was queued was delivered, or is in EXITINTINFO: */
	if (svm_event_needs_reinjection(vmcb->control.exit_int_info))
		vmcb->control.event_inj = vmcb->control.exit_int_info;

	svm_decode_exit(vcpu, vmcb, exit);
}

/**
 * svm_vcpu_run() - VMRUN until an exit the common loop must see; see
 * &mv_arch_ops.vcpu_run. Exits mv_handle_exit_fast() handles re-enter at
 * once, without the flush and debug-register work around the loop.
 * @vcpu: the vCPU.
 * @exit: filled with the exit.
 *
 * Return: 0.
 */
int svm_vcpu_run(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	struct svm_vcpu *svm = vcpu->arch;
	struct vmcb *vmcb = svm->vmcb;
	int cpu = smp_processor_id();

	/*
	 * "TLB Control": translations tagged with this ASID on this CPU may be
	 * from before (another vCPU that had the ASID, or an older table):
	 * flush them on the first entry here, and always for the shared ASID.
	 */
	if (vcpu->cpu != cpu || !svm->asid || svm->flush) {
		vmcb->control.tlb_control = svm_tlb_flush_kind();
		vcpu->cpu = cpu;
		svm->flush = false;
	} else {
		vmcb->control.tlb_control = SVM_TLB_FLUSH_NOTHING;
	}

	/*
	 * Debug registers: DR7 is switched by VMRUN, DR0-3 are not. Hide the
	 * host's breakpoint addresses from the guest, and put the host's
	 * breakpoints back after the exit (which left DR7 at 0x400).
	 */
	if (hw_breakpoint_active()) {
		set_debugreg(0, 0);
		set_debugreg(0, 1);
		set_debugreg(0, 2);
		set_debugreg(0, 3);
	}

	svm_enter_exit(vcpu, exit);
	while (mv_handle_exit_fast(vcpu, exit)) {
		/* Nothing else ran on this CPU in between: no flush. */
		vmcb->control.tlb_control = SVM_TLB_FLUSH_NOTHING;
		svm_enter_exit(vcpu, exit);
	}

	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	return 0;
}

static void svm_seg_to_user(const struct vmcb_seg *v, struct mv_segment *u)
{
	u->base = v->base;
	u->limit = v->limit;
	u->selector = v->selector;
	u->type = v->attrib & 0xf;
	u->s = (v->attrib >> 4) & 1;
	u->dpl = (v->attrib >> 5) & 3;
	u->present = (v->attrib >> 7) & 1;
	u->avl = (v->attrib >> 8) & 1;
	u->l = (v->attrib >> 9) & 1;
	u->db = (v->attrib >> 10) & 1;
	u->g = (v->attrib >> 11) & 1;
	u->unusable = !u->present;
}

static void svm_seg_from_user(struct vmcb_seg *v, const struct mv_segment *u)
{
	v->base = u->base;
	v->limit = u->limit;
	v->selector = u->selector;
	v->attrib = (u->type & 0xf) | (!!u->s << 4) | ((u->dpl & 3) << 5) |
		    (!!u->present << 7) | (!!u->avl << 8) | (!!u->l << 9) |
		    (!!u->db << 10) | (!!u->g << 11);
	if (u->unusable)
		v->attrib = 0;
}

void svm_get_sregs(struct mv_vcpu *vcpu, struct mv_sregs *sregs)
{
	struct svm_vcpu *svm = vcpu->arch;
	struct vmcb_save *s = &svm->vmcb->save;

	svm_seg_to_user(&s->cs, &sregs->cs);
	svm_seg_to_user(&s->ds, &sregs->ds);
	svm_seg_to_user(&s->es, &sregs->es);
	svm_seg_to_user(&s->fs, &sregs->fs);
	svm_seg_to_user(&s->gs, &sregs->gs);
	svm_seg_to_user(&s->ss, &sregs->ss);
	svm_seg_to_user(&s->tr, &sregs->tr);
	svm_seg_to_user(&s->ldtr, &sregs->ldt);
	sregs->gdt.base = s->gdtr.base;
	sregs->gdt.limit = s->gdtr.limit;
	sregs->idt.base = s->idtr.base;
	sregs->idt.limit = s->idtr.limit;
	sregs->cr0 = s->cr0;
	sregs->cr2 = s->cr2;
	sregs->cr3 = s->cr3;
	sregs->cr4 = s->cr4;
	sregs->cr8 = svm->vmcb->control.int_ctl & SVM_INT_CTL_V_TPR;
	sregs->efer = s->efer & ~(u64)EFER_SVME;
}

/* &mv_arch_ops.get_cr4: the VMCB holds the guest's CR4 as it reads it. */
u64 svm_guest_cr4(struct mv_vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->arch;

	return svm->vmcb->save.cr4;
}

void svm_set_sregs(struct mv_vcpu *vcpu, const struct mv_sregs *sregs)
{
	struct svm_vcpu *svm = vcpu->arch;
	struct vmcb_save *s = &svm->vmcb->save;

	svm_seg_from_user(&s->cs, &sregs->cs);
	svm_seg_from_user(&s->ds, &sregs->ds);
	svm_seg_from_user(&s->es, &sregs->es);
	svm_seg_from_user(&s->fs, &sregs->fs);
	svm_seg_from_user(&s->gs, &sregs->gs);
	svm_seg_from_user(&s->ss, &sregs->ss);
	svm_seg_from_user(&s->tr, &sregs->tr);
	svm_seg_from_user(&s->ldtr, &sregs->ldt);
	s->gdtr.base = sregs->gdt.base;
	s->gdtr.limit = sregs->gdt.limit;
	s->idtr.base = sregs->idt.base;
	s->idtr.limit = sregs->idt.limit;
	s->cr0 = sregs->cr0;
	s->cr2 = sregs->cr2;
	s->cr3 = sregs->cr3;
	s->cr4 = sregs->cr4;
	svm->vmcb->control.int_ctl = (svm->vmcb->control.int_ctl & ~SVM_INT_CTL_V_TPR) |
				     (sregs->cr8 & SVM_INT_CTL_V_TPR);
	s->efer = sregs->efer | EFER_SVME;
	/* New paging state: what this ASID cached is stale. */
	svm->flush = true;
	/* "CPL": the VMCB holds it apart; in protected mode it is SS.DPL. */
	s->cpl = (sregs->cr0 & X86_CR0_PE) ? sregs->ss.dpl : 0;
}

void svm_skip_insn(struct mv_vcpu *vcpu, unsigned int len)
{
	struct svm_vcpu *svm = vcpu->arch;

	if (len)
		vcpu->regs.rip += len;
	else if (!WARN_ON_ONCE(!(svm_features & SVM_CPUID_FEAT_NRIPS)))
		vcpu->regs.rip = svm->vmcb->control.next_rip;
	if (!((svm->vmcb->save.efer & EFER_LMA) && (svm->vmcb->save.cs.attrib & BIT(9))))
		vcpu->regs.rip = (u32)vcpu->regs.rip;
	svm->vmcb->control.int_state &= ~SVM_INT_STATE_SHADOW;
}

void svm_inject_exception(struct mv_vcpu *vcpu, u8 vector, bool has_error, u32 error_code)
{
	struct svm_vcpu *svm = vcpu->arch;

	svm->vmcb->control.event_inj = vector | SVM_EVT_TYPE_EXCEPTION | SVM_EVT_VALID |
				       (has_error ? SVM_EVT_ERROR_VALID : 0) |
				       ((u64)error_code << 32);
}

/**
 * svm_irq_allowed() - see &mv_arch_ops.irq_allowed.
 * @vcpu: the vCPU.
 *
 * Return: the guest's RFLAGS.IF is set, it is not in an STI / MOV SS
 * interrupt shadow, and EVENTINJ is free ("Event Injection": one event per
 * VMRUN).
 */
bool svm_irq_allowed(struct mv_vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->arch;
	struct vmcb_control *c = &svm->vmcb->control;

	return (vcpu->regs.rflags & X86_EFLAGS_IF) &&
	       !(c->int_state & SVM_INT_STATE_SHADOW) &&
	       !(c->event_inj & SVM_EVT_VALID);
}

/**
 * svm_inject_irq() - queue external interrupt @vector for the next VMRUN.
 * @vcpu: the vCPU.
 * @vector: the vector the local APIC chose.
 *
 * "Event Injection", type INTR: delivered through the guest's IDT as an
 * external interrupt before the guest's first instruction.
 */
void svm_inject_irq(struct mv_vcpu *vcpu, u8 vector)
{
	struct svm_vcpu *svm = vcpu->arch;

	svm->vmcb->control.event_inj = vector | SVM_EVT_TYPE_INTR | SVM_EVT_VALID;
}

/**
 * svm_set_irq_window() - see &mv_arch_ops.set_irq_window.
 * @vcpu: the vCPU.
 * @on: ask for an %MV_X_IRQ_WINDOW exit, or stop asking.
 */
void svm_set_irq_window(struct mv_vcpu *vcpu, bool on)
{
	svm_irq_window(vcpu->arch, on);
}

/**
 * svm_nmi_allowed() - see &mv_arch_ops.nmi_allowed.
 * @vcpu: the vCPU.
 *
 * Return: no NMI handler is running (no IRET since the last injected NMI),
 * no interrupt shadow, and EVENTINJ is free.
 */
bool svm_nmi_allowed(struct mv_vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->arch;
	struct vmcb_control *c = &svm->vmcb->control;

	return !svm->nmi_blocked && !(c->int_state & SVM_INT_STATE_SHADOW) &&
	       !(c->event_inj & SVM_EVT_VALID);
}

/**
 * svm_inject_nmi() - queue an NMI for the next VMRUN.
 * @vcpu: the vCPU.
 *
 * Without vNMI the CPU keeps no NMI blocking for the guest: minivisor
 * does, from here to the guest's next IRET, which it intercepts until then
 * (see svm_nmi_unblock()).
 */
void svm_inject_nmi(struct mv_vcpu *vcpu)
{
	struct svm_vcpu *svm = vcpu->arch;

	svm->vmcb->control.event_inj = X86_TRAP_NMI | SVM_EVT_TYPE_NMI | SVM_EVT_VALID;
	svm->nmi_blocked = true;
	svm->vmcb->control.intercept_misc1 |= SVM_I1_IRET;
}

/*
 * The MSRs that live in the VMCB save area: VMLOAD puts the guest's into
 * the CPU before VMRUN and VMSAVE takes them back after it (vmrun.S), so
 * the VMCB copy is current between runs, including a KernelGsBase the
 * guest exchanged with SWAPGS, which exits for nothing. NULL: not one of
 * them.
 */
static u64 *svm_vmcb_msr(struct vmcb_save *s, u32 msr)
{
	switch (msr) {
	case MSR_IA32_SYSENTER_CS:
		return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:
		return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:
		return &s->sysenter_eip;
	case MSR_STAR:
		return &s->star;
	case MSR_LSTAR:
		return &s->lstar;
	case MSR_CSTAR:
		return &s->cstar;
	case MSR_SYSCALL_MASK:
		return &s->sfmask;
	case MSR_KERNEL_GS_BASE:
		return &s->kernel_gs_base;
	default:
		return NULL;
	}
}

/**
 * svm_get_msr() - see &mv_arch_ops.get_msr.
 * @vcpu: the vCPU.
 * @msr: the MSR.
 * @val: its value.
 *
 * Return: 0, or -ENOENT: not one the VMCB holds.
 */
int svm_get_msr(struct mv_vcpu *vcpu, u32 msr, u64 *val)
{
	struct svm_vcpu *svm = vcpu->arch;
	u64 *p = svm_vmcb_msr(&svm->vmcb->save, msr);

	if (!p)
		return -ENOENT;
	*val = *p;
	return 0;
}

/**
 * svm_set_msr() - see &mv_arch_ops.set_msr.
 * @vcpu: the vCPU.
 * @msr: the MSR.
 * @val: the value the guest (or userspace) writes.
 *
 * VMLOAD takes whatever the VMCB holds, so the checks WRMSR makes are made
 * here: addresses must be canonical for the guest's paging (vol. 2
 * "Canonical Address Form"), SFMASK bits 63:32 are reserved. An AMD CPU
 * keeps only bits 31:0 of SYSENTER_ESP and SYSENTER_EIP (SYSENTER is
 * legacy mode only there): so does minivisor, and the value reads back the
 * same before and after a VMRUN.
 *
 * Return: 0, -ENOENT (not one the VMCB holds) or -EINVAL (the guest gets
 * #GP).
 */
int svm_set_msr(struct mv_vcpu *vcpu, u32 msr, u64 val)
{
	struct svm_vcpu *svm = vcpu->arch;
	struct vmcb_save *s = &svm->vmcb->save;
	unsigned int va_bits = (s->cr4 & X86_CR4_LA57) ? 57 : 48;
	u64 *p = svm_vmcb_msr(s, msr);

	if (!p)
		return -ENOENT;
	switch (msr) {
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!__is_canonical_address(val, va_bits))
			return -EINVAL;
		val = (u32)val;
		break;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
		if (!__is_canonical_address(val, va_bits))
			return -EINVAL;
		break;
	case MSR_SYSCALL_MASK:
		if (val >> 32)
			return -EINVAL;
		break;
	}
	*p = val;
	return 0;
}
