// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: each vCPU's VMCS - allocation, first setup, which
 * CPU holds it - and the register state that lives in it.
 *
 * SDM 3C "VMCS States and State Transitions": a VMCS is active on at most
 * one CPU at a time; VMCLEAR on that CPU writes it back to memory and makes
 * it inactive (launch state "clear"), after which any CPU may VMPTRLD it.
 * VMXOFF does not write it back.
 *
 * The common code has no "vCPU leaves this CPU" hook, so the VMCS stays
 * active where it last ran and is moved when the vCPU arrives elsewhere:
 * the new CPU asks the old one, by IPI, to VMCLEAR it, then loads it. The
 * IPI needs interrupts on, which vcpu_run does not have: it turns them on
 * for that moment (preemption stays off, so the task cannot move meanwhile,
 * and the guest FPU state is safe: kernel_fpu_begin() keeps interrupt
 * handlers off the FPU). Migrations are rare; the alternative, VMCLEAR
 * after every exit, would cost a VMCLEAR, a VMPTRLD and a VMLAUNCH on every
 * entry. A CPU that goes offline (or reboots, or suspends) VMCLEARs what it
 * holds first (hw_disable).
 *
 * The ioctls that read or write the VMCS (get_sregs, set_sregs, reset) do
 * the same on whatever CPU they run on, with preemption off while they use
 * it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/trapnr.h>

#include "../minivisor.h"
#include "vmcs.h"
#include "vmenter.h"
#include "vmx.h"
#include "vmx_defs.h"

/* VMCSs active on this CPU, and the current one (the last VMPTRLD). */
static DEFINE_PER_CPU(struct list_head, vmx_loaded_vcpus);
static DEFINE_PER_CPU(struct vmx_vcpu *, vmx_current);

/**
 * vmx_percpu_init() - initialize the per-CPU VMCS bookkeeping; once, at
 * probe, before any CPU enables VMX.
 */
void vmx_percpu_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		INIT_LIST_HEAD(per_cpu_ptr(&vmx_loaded_vcpus, cpu));
		per_cpu(vmx_current, cpu) = NULL;
	}
}

/* VMCLEAR @vx on this CPU, where it is active. Interrupts off. */
static void __vmx_vcpu_clear(struct vmx_vcpu *vx)
{
	int ret = vmcs_clear(vx->vmcs_pa);

	if (ret)
		pr_err_ratelimited("VMCLEAR failed (%d)\n", ret);
	if (this_cpu_read(vmx_current) == vx)
		this_cpu_write(vmx_current, NULL);
	list_del_init(&vx->loaded_link);
	vx->launched = false;
	/* The VMCS is in memory before anyone sees it may be loaded. */
	smp_store_release(&vx->loaded_cpu, -1);
}

static void vmx_vcpu_clear_ipi(void *arg)
{
	struct vmx_vcpu *vx = arg;

	if (READ_ONCE(vx->loaded_cpu) == smp_processor_id())
		__vmx_vcpu_clear(vx);
}

/*
 * Make @vx inactive wherever it is active. Interrupts on. If that CPU went
 * offline meanwhile, its hw_disable did the VMCLEAR.
 */
static void vmx_vcpu_clear(struct vmx_vcpu *vx)
{
	int cpu = READ_ONCE(vx->loaded_cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_vcpu_clear_ipi, vx, 1);
	/* Pairs with the release in __vmx_vcpu_clear(): the VMCLEAR is done. */
	WARN_ON_ONCE(smp_load_acquire(&vx->loaded_cpu) >= 0);
}

/**
 * vmx_clear_all_on_cpu() - VMCLEAR every VMCS active on this CPU, before
 * VMXOFF. Interrupts off.
 */
void vmx_clear_all_on_cpu(void)
{
	struct vmx_vcpu *vx, *tmp;

	list_for_each_entry_safe(vx, tmp, this_cpu_ptr(&vmx_loaded_vcpus), loaded_link)
		__vmx_vcpu_clear(vx);
	this_cpu_write(vmx_current, NULL);
}

/*
 * SDM 3C "Host-State Area": what depends on the CPU (its TSS, GDT, stacks);
 * and the host MSRs vmx_run.c puts back after the guest used them.
 */
static void vmx_host_state_percpu(struct vmx_vcpu *vx, int cpu)
{
	struct desc_ptr idt;
	u64 msr;

	vmcs_writel(VMCS_HOST_CR0, read_cr0());
	vmcs_writel(VMCS_HOST_TR_BASE, (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_writel(VMCS_HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	store_idt(&idt);
	vmcs_writel(VMCS_HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_GS_BASE, msr);
	vmcs_writel(VMCS_HOST_GS_BASE, msr);
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vmcs_write32(VMCS_HOST_IA32_SYSENTER_CS, msr);
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	vmcs_writel(VMCS_HOST_IA32_SYSENTER_ESP, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vmcs_writel(VMCS_HOST_IA32_SYSENTER_EIP, msr);
	rdmsrl(MSR_EFER, msr);
	vmcs_write64(VMCS_HOST_IA32_EFER, msr);
	vmx_msr_read_host(vx);
}

/*
 * The host state that is the same everywhere. FS / GS selectors and FS base,
 * CR3 and CR4 follow the task and are refreshed before each entry
 * (vmx_run.c); DS and ES are null: the kernel does not use them.
 */
static void vmx_host_state_const(struct vmx_vcpu *vx)
{
	vmcs_write16(VMCS_HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(VMCS_HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write16(VMCS_HOST_DS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_ES_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_FS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_GS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmcs_writel(VMCS_HOST_RIP, (unsigned long)mv_vmx_vmexit);
	vmcs_writel(VMCS_HOST_FS_BASE, 0);
	vmcs_writel(VMCS_HOST_CR3, 0);
	vmcs_writel(VMCS_HOST_CR4, 0);
	vx->host_fs_sel = 0;
	vx->host_gs_sel = 0;
	vx->host_fs_base = 0;
	vx->host_cr3 = 0;
	vx->host_cr4 = 0;
}

/* The guest segment registers and where struct mv_sregs keeps them. */
enum {
	VMX_SREG_CS, VMX_SREG_DS, VMX_SREG_ES, VMX_SREG_FS, VMX_SREG_GS,
	VMX_SREG_SS, VMX_SREG_TR, VMX_SREG_LDTR, VMX_NR_SREGS
};

#define VMX_SEG(s, m) { { VMCS_GUEST_##s##_SELECTOR, VMCS_GUEST_##s##_LIMIT, \
			  VMCS_GUEST_##s##_AR, VMCS_GUEST_##s##_BASE },	     \
			offsetof(struct mv_sregs, m) }

static const struct {
	struct vmx_seg_fields f;
	size_t off;
} vmx_sregs_segs[VMX_NR_SREGS] = {
	[VMX_SREG_CS]	= VMX_SEG(CS, cs),
	[VMX_SREG_DS]	= VMX_SEG(DS, ds),
	[VMX_SREG_ES]	= VMX_SEG(ES, es),
	[VMX_SREG_FS]	= VMX_SEG(FS, fs),
	[VMX_SREG_GS]	= VMX_SEG(GS, gs),
	[VMX_SREG_SS]	= VMX_SEG(SS, ss),
	[VMX_SREG_TR]	= VMX_SEG(TR, tr),
	[VMX_SREG_LDTR]	= VMX_SEG(LDTR, ldt),
};

static void vmx_write_seg(const struct vmx_seg_fields *f, u16 sel, u64 base,
			  u32 limit, u32 ar)
{
	vmcs_write16(f->sel, sel);
	vmcs_writel(f->base, base);
	vmcs_write32(f->limit, limit);
	vmcs_write32(f->ar, ar);
}

/* SDM 3C "Guest Register State", "Format of Access Rights" <-> mv_segment */
static u32 vmx_seg_to_ar(const struct mv_segment *s)
{
	return (s->type & VMX_AR_TYPE_MASK) | (s->s ? VMX_AR_S : 0) |
	       ((s->dpl & 3) << VMX_AR_DPL_SHIFT) | (s->present ? VMX_AR_P : 0) |
	       (s->avl ? VMX_AR_AVL : 0) | (s->l ? VMX_AR_L : 0) |
	       (s->db ? VMX_AR_DB : 0) | (s->g ? VMX_AR_G : 0) |
	       (s->unusable ? VMX_AR_UNUSABLE : 0);
}

static void vmx_ar_to_seg(u32 ar, struct mv_segment *s)
{
	s->type = ar & VMX_AR_TYPE_MASK;
	s->s = !!(ar & VMX_AR_S);
	s->dpl = (ar & VMX_AR_DPL_MASK) >> VMX_AR_DPL_SHIFT;
	s->present = !!(ar & VMX_AR_P);
	s->avl = !!(ar & VMX_AR_AVL);
	s->l = !!(ar & VMX_AR_L);
	s->db = !!(ar & VMX_AR_DB);
	s->g = !!(ar & VMX_AR_G);
	s->unusable = !!(ar & VMX_AR_UNUSABLE);
}

/*
 * The state after RESET and after INIT (SDM 3A "Initialization Overview",
 * table "IA-32 and Intel 64 Processor States Following Power-up, Reset, or
 * INIT"): real mode at CS.selector f000, CS.base ffff0000, other segments
 * 0 with limit ffff, GDTR / IDTR base 0 limit ffff, CR0 60000010 (CD, NW,
 * ET), CR2 / CR3 / CR4 / EFER 0 (so no IA-32e mode guest), DR0-DR3 0, DR6
 * ffff0ff0, DR7 400, CR8 0; no STI / MOV SS shadow, no NMI blocking. The TR
 * is a busy TSS even here: VM entry checks it in every mode ("Checks on
 * Guest Segment Registers"). RSP, RIP and RFLAGS are &mv_vcpu.regs (the
 * common code resets them). What INIT leaves alone is not touched: the
 * MSRs (SYSENTER, STAR..., KERNEL_GS_BASE, PAT), x87 / SSE / AVX state.
 * Nothing the guest's TLB holds is valid afterwards: its VPID is flushed
 * at the next entry. The VMCS must be current.
 */
static void vmx_reset_guest_state(struct vmx_vcpu *vx)
{
	const u32 data_ar = 0x3 | VMX_AR_S | VMX_AR_P;	/* read/write, accessed */
	int i;

	for (i = 0; i < ARRAY_SIZE(vmx_sregs_segs); i++)
		vmx_write_seg(&vmx_sregs_segs[i].f, 0, 0, 0xffff, data_ar);
	/* CS: execute/read, accessed. TR: busy TSS. LDTR: LDT. */
	vmx_write_seg(&vmx_sregs_segs[VMX_SREG_CS].f, 0xf000, 0xffff0000, 0xffff,
		      0xb | VMX_AR_S | VMX_AR_P);
	vmx_write_seg(&vmx_sregs_segs[VMX_SREG_TR].f, 0, 0, 0xffff, 0xb | VMX_AR_P);
	vmx_write_seg(&vmx_sregs_segs[VMX_SREG_LDTR].f, 0, 0, 0xffff, 0x2 | VMX_AR_P);
	vmcs_writel(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writel(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, 0xffff);

	/*
	 * CD, NW, ET in the read shadow; the real CR0 keeps caching on and NE
	 * set, the guest/host mask stays (vmx_cr.c).
	 */
	vmx_write_cr0(X86_CR0_CD | X86_CR0_NW | X86_CR0_ET);
	vmx_write_cr4(0);
	vmcs_writel(VMCS_GUEST_CR3, 0);
	vmx_write_efer(vx, 0);
	vx->cr2 = 0;
	vx->cr8 = 0;
	memset(vx->db, 0, sizeof(vx->db));
	vx->dr6 = VMX_DR6_FIXED_1;
	vx->dr7 = VMX_DR7_FIXED_1;
	vmcs_writel(VMCS_GUEST_DR7, VMX_DR7_FIXED_1);

	/* "Guest Non-Register State" */
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, VMX_ACTIVITY_ACTIVE);
	vx->intr_state = 0;
	vx->dirty &= ~VMX_DIRTY_INTR_STATE;
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_writel(VMCS_GUEST_PENDING_DBG, 0);
	vx->flush_tlb = true;
}

/*
 * Write every VMCS field once: controls, host state, the guest's RESET
 * state. Software state the ops may have set before the first load (an
 * interrupt window, SYSENTER MSRs, a queued event) is kept.
 */
static void vmx_vmcs_setup(struct mv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	u32 proc2 = vmx_cfg.proc2;

	/* "VM-Execution Control Fields" */
	if (!vx->vpid)
		proc2 &= ~VMX_PROC2_VPID;
	vmcs_write32(VMCS_PIN_CONTROLS, vmx_cfg.pin);
	vmcs_write32(VMCS_PROC_CONTROLS, vx->proc);
	vmcs_write32(VMCS_PROC2_CONTROLS, proc2);
	/*
	 * #AC: a guest can make its delivery raise #AC again forever inside
	 * the CPU, never exiting (CVE-2015-5307); intercepted, it goes back
	 * through here each time. #MC: the host's, never the guest's.
	 * (#DB, the other such loop, needs hardware breakpoints, which the
	 * VMCS's DR7 keeps off.)
	 */
	vmcs_write32(VMCS_EXCEPTION_BITMAP, BIT(X86_TRAP_AC) | BIT(X86_TRAP_MC));
	vmcs_write32(VMCS_PF_ERROR_CODE_MASK, 0);
	vmcs_write32(VMCS_PF_ERROR_CODE_MATCH, 0);
	vmcs_write32(VMCS_CR3_TARGET_COUNT, 0);
	/* Reloaded from here at every entry ("save" VM-exit control off). */
	if (vmx_cfg.pin & VMX_PIN_PREEMPTION_TIMER)
		vmcs_write32(VMCS_PREEMPTION_TIMER_VALUE, vmx_cfg.preempt_ticks);
	if (vx->vpid)
		vmcs_write16(VMCS_VPID, vx->vpid);
	vmcs_write64(VMCS_EPT_POINTER, to_vmx_vm(vcpu->vm)->eptp);
	vmcs_write64(VMCS_MSR_BITMAP, virt_to_phys(vx->msr_bitmap));
	if (proc2 & VMX_PROC2_XSAVES)
		vmcs_write64(VMCS_XSS_EXIT_BITMAP, 0);
	vmcs_writel(VMCS_CR0_GUEST_HOST_MASK, vmx_cfg.cr0_mask);
	vmcs_writel(VMCS_CR4_GUEST_HOST_MASK, vmx_cfg.cr4_mask);

	/*
	 * "VM-Exit Control Fields", "VM-Entry Control Fields": no MSR areas,
	 * vmx_run.c switches MSRs by hand (vmx_msr.c says why).
	 */
	vmcs_write32(VMCS_EXIT_CONTROLS, vmx_cfg.exit);
	vmcs_write32(VMCS_ENTRY_CONTROLS, vmx_cfg.entry);
	vmcs_write32(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);

	vmx_host_state_const(vx);
	vmx_reset_guest_state(vx);
	/* RESET only: INIT leaves these MSRs as they are. */
	vmcs_write64(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmcs_write32(VMCS_GUEST_SYSENTER_CS, vx->sysenter_cs);
	vmcs_writel(VMCS_GUEST_SYSENTER_ESP, vx->sysenter_esp);
	vmcs_writel(VMCS_GUEST_SYSENTER_EIP, vx->sysenter_eip);
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
}

/**
 * vmx_vcpu_load() - make @vcpu's VMCS current on this CPU.
 * @vcpu: the vCPU.
 *
 * Called with preemption off. If the VMCS is active on another CPU, it is
 * VMCLEARed there first, which briefly turns interrupts on if they were
 * off (see the top of this file). A VMCS arriving on a CPU gets this CPU's
 * host state, its first VMCS setup if it never had one, and flushes of the
 * VM's EPT and the vCPU's VPID translations this CPU may still cache from
 * an earlier visit (SDM 3C "Invalidation of TLBs and Paging-Structure
 * Caches"); it must be VMLAUNCHed, not VMRESUMEd.
 *
 * Return: 0; %VMX_LOAD_IRQS_WERE_ON if it was called with interrupts off
 * and had to turn them on; -EIO if VMX is off on this CPU or the VMCS
 * cannot be loaded.
 */
int vmx_vcpu_load(struct mv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	int cpu = smp_processor_id(), ret = 0;
	bool arrived, irqs_were_on = false;
	unsigned long flags;

	arrived = READ_ONCE(vx->loaded_cpu) != cpu;
	if (arrived && READ_ONCE(vx->loaded_cpu) >= 0) {
		bool irqs_off = irqs_disabled();

		if (irqs_off) {
			local_irq_enable();
			irqs_were_on = true;
		}
		vmx_vcpu_clear(vx);
		if (irqs_off)
			local_irq_disable();
	}

	local_irq_save(flags);
	/* Checked with interrupts off: a reboot IPI may have turned VMX off. */
	if (!this_cpu_read(mv_cpu.enabled)) {
		ret = -EIO;
		goto out;
	}
	if (arrived) {
		/* A new VMCS region is VMCLEARed once before its first VMPTRLD. */
		if (!vx->initialized && vmcs_clear(vx->vmcs_pa)) {
			ret = -EIO;
			goto out;
		}
		list_add(&vx->loaded_link, this_cpu_ptr(&vmx_loaded_vcpus));
		WRITE_ONCE(vx->loaded_cpu, cpu);
		vx->launched = false;
	}
	if (this_cpu_read(vmx_current) != vx) {
		ret = vmcs_load(vx->vmcs_pa);
		if (ret) {
			pr_err_ratelimited("VMPTRLD failed (%d)\n", ret);
			ret = -EIO;
			goto out;
		}
		this_cpu_write(vmx_current, vx);
	}
	if (arrived) {
		if (!vx->initialized) {
			vmx_vmcs_setup(vcpu);
			vx->initialized = true;
		}
		vmx_host_state_percpu(vx, cpu);
		vmx_invept(to_vmx_vm(vcpu->vm)->eptp);
		vmx_invvpid(vx->vpid);
		vcpu->cpu = cpu;
	}
out:
	local_irq_restore(flags);
	if (!ret && irqs_were_on)
		ret = VMX_LOAD_IRQS_WERE_ON;
	return ret;
}

/**
 * vmx_vcpu_create() - allocate the VMCS and its companions; the VMCS fields
 * are written when it is first loaded on a CPU (vmx_vcpu_load()).
 * @vcpu: the new vCPU.
 *
 * Return: 0 or -ENOMEM.
 */
int vmx_vcpu_create(struct mv_vcpu *vcpu)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO;
	struct vmx_vcpu *vx;

	vx = kzalloc(sizeof(*vx), GFP_KERNEL_ACCOUNT);
	if (!vx)
		return -ENOMEM;
	vx->vcpu = vcpu;
	vx->loaded_cpu = -1;
	INIT_LIST_HEAD(&vx->loaded_link);
	vx->vmcs = (void *)__get_free_page(gfp);
	vx->msr_bitmap = (void *)__get_free_page(gfp);
	if (!vx->vmcs || !vx->msr_bitmap)
		goto err;

	/* SDM 3C "Format of the VMCS Region": revision id, bit 31 clear. */
	*(u32 *)vx->vmcs = vmx_cfg.revision_id;
	vx->vmcs_pa = virt_to_phys(vx->vmcs);
	/* SDM 3C "MSR-Bitmap Address": a set bit makes the access exit. */
	memset(vx->msr_bitmap, 0xff, PAGE_SIZE);

	vx->vpid = vmx_vpid_alloc();
	/* The rest of the RESET state goes in at the first load. */
	vx->proc = vmx_cfg.proc;
	vx->dr6 = VMX_DR6_FIXED_1;
	vx->dr7 = VMX_DR7_FIXED_1;
	vcpu->arch = vx;
	return 0;

err:
	free_page((unsigned long)vx->msr_bitmap);
	free_page((unsigned long)vx->vmcs);
	kfree(vx);
	return -ENOMEM;
}

/**
 * vmx_vcpu_free() - VMCLEAR the VMCS on the CPU that holds it, then free
 * everything vmx_vcpu_create() allocated. Process context.
 * @vcpu: the vCPU.
 */
void vmx_vcpu_free(struct mv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);

	if (!vx)
		return;
	vmx_vcpu_clear(vx);
	vmx_vpid_free(vx->vpid);
	free_page((unsigned long)vx->msr_bitmap);
	free_page((unsigned long)vx->vmcs);
	kfree(vx);
	vcpu->arch = NULL;
}

/*
 * Load the VMCS here for an ioctl's VMREADs / VMWRITEs: preemption and
 * interrupts off until vmx_vcpu_put().
 */
static int vmx_vcpu_get(struct mv_vcpu *vcpu, unsigned long *flags)
{
	int ret;

	preempt_disable();
	ret = vmx_vcpu_load(vcpu);
	local_irq_save(*flags);
	return ret < 0 ? ret : 0;
}

static void vmx_vcpu_put(unsigned long flags)
{
	local_irq_restore(flags);
	preempt_enable();
}

/**
 * vmx_get_sregs() - read the guest's segment, descriptor-table and control
 * registers.
 * @vcpu: the vCPU.
 * @sregs: filled in (zeroed if the VMCS cannot be loaded).
 */
void vmx_get_sregs(struct mv_vcpu *vcpu, struct mv_sregs *sregs)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	unsigned long flags;
	int i;

	memset(sregs, 0, sizeof(*sregs));
	if (vmx_vcpu_get(vcpu, &flags))
		goto out;

	for (i = 0; i < ARRAY_SIZE(vmx_sregs_segs); i++) {
		const struct vmx_seg_fields *f = &vmx_sregs_segs[i].f;
		struct mv_segment *s = (void *)sregs + vmx_sregs_segs[i].off;

		s->selector = vmcs_read16(f->sel);
		s->base = vmcs_readl(f->base);
		s->limit = vmcs_read32(f->limit);
		vmx_ar_to_seg(vmcs_read32(f->ar), s);
	}
	sregs->gdt.base = vmcs_readl(VMCS_GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read32(VMCS_GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_readl(VMCS_GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read32(VMCS_GUEST_IDTR_LIMIT);
	sregs->cr0 = vmx_get_cr0();
	sregs->cr2 = vx->cr2;
	sregs->cr3 = vmcs_readl(VMCS_GUEST_CR3);
	sregs->cr4 = vmx_get_cr4();
	sregs->cr8 = vx->cr8;
	sregs->efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
out:
	vmx_vcpu_put(flags);
}

/**
 * vmx_guest_cr4() - &mv_arch_ops.get_cr4: the guest's CR4 (0 if the VMCS
 * cannot be loaded). Inside vmx_vcpu_run() the VMCS is already current and
 * the load is a check.
 * @vcpu: the vCPU.
 *
 * Return: CR4 as the guest reads it.
 */
u64 vmx_guest_cr4(struct mv_vcpu *vcpu)
{
	unsigned long flags;
	u64 cr4 = 0;

	if (!vmx_vcpu_get(vcpu, &flags))
		cr4 = vmx_get_cr4();
	vmx_vcpu_put(flags);
	return cr4;
}

/**
 * vmx_set_sregs() - write the guest's segment, descriptor-table and control
 * registers; the common code has validated them. With PAE paging (not
 * IA-32e) the PDPTEs are read from guest memory, as MOV to CR3 would.
 * @vcpu: the vCPU.
 * @sregs: the new values.
 */
void vmx_set_sregs(struct mv_vcpu *vcpu, const struct mv_sregs *sregs)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	unsigned long flags;
	bool paging;
	int i;

	if (vmx_vcpu_get(vcpu, &flags))
		goto out;
	/*
	 * The common code also comes here for a guest's WRMSR to EFER, FS_BASE
	 * or GS_BASE: flush the guest's TLB only if its paging changed.
	 */
	paging = sregs->cr0 != vmx_get_cr0() || sregs->cr3 != vmcs_readl(VMCS_GUEST_CR3) ||
		 sregs->cr4 != vmx_get_cr4() ||
		 sregs->efer != vmcs_read64(VMCS_GUEST_IA32_EFER);

	for (i = 0; i < ARRAY_SIZE(vmx_sregs_segs); i++) {
		const struct mv_segment *s = (const void *)sregs + vmx_sregs_segs[i].off;

		vmx_write_seg(&vmx_sregs_segs[i].f, s->selector, s->base, s->limit,
			      vmx_seg_to_ar(s));
	}
	vmcs_writel(VMCS_GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmcs_writel(VMCS_GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, sregs->idt.limit);
	vmx_write_cr0(sregs->cr0);
	vx->cr2 = sregs->cr2;
	vmcs_writel(VMCS_GUEST_CR3, sregs->cr3);
	vmx_write_cr4(sregs->cr4);
	vx->cr8 = sregs->cr8;
	vmx_write_efer(vx, sregs->efer);
	vmx_load_pdptes(vcpu);
	/* New paging state: no translation from before may survive. */
	if (paging)
		vx->flush_tlb = true;
out:
	vmx_vcpu_put(flags);
}

/**
 * vmx_reset() - &mv_arch_ops.reset: the INIT state (vmx_reset_guest_state()),
 * without any queued, held or re-injected event and with the interrupt
 * window closed. Called by the vCPU's own thread, like the other ioctls.
 * @vcpu: the vCPU.
 */
void vmx_reset(struct mv_vcpu *vcpu)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	unsigned long flags;

	vx->event_info = 0;
	vx->held_irq = 0;
	vmx_set_irq_window(vcpu, false);
	if (!vmx_vcpu_get(vcpu, &flags)) {
		vmx_reset_guest_state(vx);
		/* A failed VMLAUNCH may have left an event there. */
		vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	}
	vmx_vcpu_put(flags);
}
