// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: vCPU lifetime, the vCPU fd and the run loop.
 *
 * The loop enters the guest with interrupts off, takes them back after every
 * exit (the host handles the interrupt that caused an external-interrupt
 * exit right there), handles the exit in the kernel where it can, and
 * returns to userspace for I/O, MMIO, HLT, shutdown and failures. Between
 * entries it reschedules when asked and returns -EINTR on a pending signal,
 * so a guest spinning forever is just a busy thread that Ctrl-C stops.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "irqchip.h"
#include "minivisor.h"
#include "vcpu.h"

/**
 * mv_vcpu_gpr() - a general-purpose register by its x86 encoding number.
 * @vcpu: the vCPU.
 * @nr: 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15.
 *
 * Return: a pointer into @vcpu->regs.
 */
u64 *mv_vcpu_gpr(struct mv_vcpu *vcpu, unsigned int nr)
{
	struct mv_regs *r = &vcpu->regs;
	u64 *const map[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
		&r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
	};

	return map[nr & 15];
}

void mv_vcpu_inject_gp(struct mv_vcpu *vcpu)
{
	struct mv_sregs sregs;

	/* Real mode delivers no error code (SDM vol. 3A "Exception and
	 * Interrupt Handling in Real-Address Mode").
	 */
	mv_arch->get_sregs(vcpu, &sregs);
	mv_arch->inject_exception(vcpu, 13, sregs.cr0 & X86_CR0_PE, 0);
}

void mv_vcpu_inject_ud(struct mv_vcpu *vcpu)
{
	mv_arch->inject_exception(vcpu, 6, false, 0);
}

/**
 * mv_vcpu_internal_error() - report an exit minivisor cannot handle.
 * @vcpu: the vCPU.
 * @suberror: an MV_INTERNAL_* value.
 * @hw_reason: the raw exit reason or code.
 * @cause: what went wrong, for people.
 *
 * Return: 0, meaning "return to userspace".
 */
int mv_vcpu_internal_error(struct mv_vcpu *vcpu, u32 suberror, u64 hw_reason,
			   const char *cause)
{
	struct mv_run *run = vcpu->run;

	run->exit_reason = MV_EXIT_INTERNAL_ERROR;
	memset(&run->internal, 0, sizeof(run->internal));
	run->internal.suberror = suberror;
	run->internal.hardware_reason = hw_reason;
	run->internal.rip = vcpu->regs.rip;
	strscpy(run->internal.cause, cause, sizeof(run->internal.cause));
	return 0;
}

/**
 * mv_vcpu_set_load_result() - write what a MOV / MOVZX from MMIO loaded.
 * @vcpu: the vCPU.
 * @reg: destination register (x86 number; bit 4 set for AH, CH, DH, BH).
 * @dst: destination size: 1 and 2 merge into the register, 4 and 8 replace
 *	it (a 32-bit destination zero-extends, as in the CPU).
 * @val: the value (already zero-extended to the access size).
 */
void mv_vcpu_set_load_result(struct mv_vcpu *vcpu, u8 reg, u8 dst, u64 val)
{
	u64 *r = mv_vcpu_gpr(vcpu, reg & 15), mask;

	if (reg & 0x10) {
		/* AH, CH, DH, BH: bits 15:8 of RAX, RCX, RDX, RBX */
		*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
	} else if (dst >= 4) {
		*r = dst == 4 ? (u32)val : val;
	} else {
		mask = (1ULL << (dst * 8)) - 1;
		*r = (*r & ~mask) | (val & mask);
	}
}

/**
 * mv_vcpu_set_in_result() - write what an IN of @len bytes read into RAX:
 * IN EAX zero-extends into RAX, IN AL / AX merge.
 * @vcpu: the vCPU.
 * @len: 1, 2 or 4.
 * @val: the data (bits beyond @len are ignored).
 */
void mv_vcpu_set_in_result(struct mv_vcpu *vcpu, unsigned int len, u64 val)
{
	u64 mask = (1ULL << (len * 8)) - 1;

	if (len == 4)
		vcpu->regs.rax = (u32)val;
	else
		vcpu->regs.rax = (vcpu->regs.rax & ~mask) | (val & mask);
}

/* Finish what the last exit to userspace left open: copy in its answer. */
static void mv_vcpu_complete(struct mv_vcpu *vcpu)
{
	struct mv_run *run = vcpu->run;
	u64 val = 0;

	switch (vcpu->pending) {
	case MV_PENDING_IO_IN:
		/* The size is ours, not the run page's: userspace may scribble there. */
		memcpy(&val, run->io.data, vcpu->pending_len);
		mv_vcpu_set_in_result(vcpu, vcpu->pending_len, val);
		break;
	case MV_PENDING_MMIO_READ:
		memcpy(&val, run->mmio.data, vcpu->pending_len);
		mv_vcpu_set_load_result(vcpu, vcpu->pending_reg, vcpu->pending_dst, val);
		break;
	case MV_PENDING_HYPERCALL:
		vcpu->regs.rax = run->hypercall.ret;
		break;
	case MV_PENDING_INS:
		mv_string_io_complete(vcpu);
		break;
	default:
		break;
	}
	vcpu->pending = MV_PENDING_NONE;
}

static int mv_vcpu_run(struct mv_vcpu *vcpu)
{
	struct mv_lapic *apic = vcpu->apic;
	struct mv_run *run = vcpu->run;
	struct mv_exit exit;
	int ret;

	mv_vcpu_complete(vcpu);
	run->exit_reason = MV_EXIT_NONE;
	if (READ_ONCE(run->immediate_exit)) {
		run->exit_reason = MV_EXIT_INTR;
		return -EINTR;
	}

	for (;;) {
		if (signal_pending(current) || (apic && mv_irq_block(vcpu))) {
			run->exit_reason = MV_EXIT_INTR;
			return -EINTR;
		}
		cond_resched();

		preempt_disable();
		mv_fpu_load_guest(vcpu);
		local_irq_disable();
		if (unlikely(!this_cpu_read(mv_cpu.enabled))) {
			/* Rebooting, or the CPU is on its way out: stop here. */
			ret = -EIO;
		} else {
			if (apic) {
				WRITE_ONCE(vcpu->run_cpu, smp_processor_id());
				/*
				 * Publish in_guest, then look at the APIC; pairs
				 * with the barrier in mv_vcpu_kick() (kmod/irq.c).
				 */
				smp_store_mb(vcpu->in_guest, true);
				mv_irq_inject(vcpu);
			}
			exit.reason = MV_X_UNHANDLED;
			exit.insn_len = 0;
			ret = mv_arch->vcpu_run(vcpu, &exit);
			WRITE_ONCE(vcpu->in_guest, false);
		}
		local_irq_enable();
		mv_fpu_put_guest(vcpu);
		preempt_enable();
		if (ret)
			return ret;

		ret = mv_handle_exit(vcpu, &exit);
		if (ret <= 0)
			return ret;
	}
}

/* Bits of RFLAGS a guest may hold (SDM vol. 1 "EFLAGS Register"). */
#define MV_RFLAGS_VALID	(GENMASK_ULL(21, 0) & ~(BIT(1) | BIT(3) | BIT(5) | BIT(15)))

static int mv_vcpu_set_regs(struct mv_vcpu *vcpu, struct mv_regs __user *uregs)
{
	struct mv_regs regs;

	if (copy_from_user(&regs, uregs, sizeof(regs)))
		return -EFAULT;
	regs.rflags |= BIT(1);	/* always 1 */
	if (regs.rflags & ~(MV_RFLAGS_VALID | BIT(1)))
		return -EINVAL;
	vcpu->regs = regs;
	vcpu->pending = MV_PENDING_NONE;	/* userspace now owns the state */
	return 0;
}

#define CR0_VALID (X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | \
		   X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | \
		   X86_CR0_PG)
#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

static u64 mv_cr4_valid(void)
{
	u64 v = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE |
		X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE |
		X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		v |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_PCID))
		v |= X86_CR4_PCIDE;
	if (mv_fpu_supported_xcr0())
		v |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		v |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		v |= X86_CR4_SMAP;
	if (boot_cpu_has(X86_FEATURE_UMIP))
		v |= X86_CR4_UMIP;
	return v;
}

/*
 * What the CPU would refuse or what minivisor keeps for itself (VMXE /
 * SVME). Segment details are left to the hardware's VM-entry checks, which
 * come back decoded as MV_EXIT_FAIL_ENTRY.
 */
static int mv_sregs_valid(const struct mv_sregs *s)
{
	const struct mv_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	bool lme = s->efer & EFER_LME, pg = s->cr0 & X86_CR0_PG;
	int i;

	if (!mv_zeroed(s->reserved, sizeof(s->reserved)) ||
	    !mv_zeroed(s->gdt.padding, sizeof(s->gdt.padding)) ||
	    !mv_zeroed(s->idt.padding, sizeof(s->idt.padding)))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(segs); i++)
		if (segs[i]->padding)
			return -EINVAL;
	if ((s->cr0 & ~CR0_VALID) || (pg && !(s->cr0 & X86_CR0_PE)) ||
	    ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD)))
		return -EINVAL;
	if (s->cr4 & ~mv_cr4_valid())
		return -EINVAL;
	if ((s->efer & ~EFER_VALID) || !!(s->efer & EFER_LMA) != (lme && pg))
		return -EINVAL;
	if (lme && pg && !(s->cr4 & X86_CR4_PAE))
		return -EINVAL;
	if ((s->efer & EFER_LMA) && s->cs.l && s->cs.db)
		return -EINVAL;
	if (s->cr8 > 15)
		return -EINVAL;
	return 0;
}

static int mv_vcpu_set_mp_state(struct mv_vcpu *vcpu, u32 __user *ustate)
{
	u32 state;

	if (get_user(state, ustate))
		return -EFAULT;
	if (!vcpu->apic || state > MV_MP_HALTED)
		return -EINVAL;
	WRITE_ONCE(vcpu->mp_state, state);
	return 0;
}

static long mv_vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mv_vcpu *vcpu = file->private_data;
	void __user *argp = (void __user *)arg;
	struct mv_sregs sregs;
	long ret = 0;

	if (mutex_lock_killable(&vcpu->lock))
		return -EINTR;
	switch (cmd) {
	case MV_RUN:
		ret = (arg || vcpu->shut_down) ? -EINVAL : mv_vcpu_run(vcpu);
		break;
	case MV_GET_REGS:
		if (copy_to_user(argp, &vcpu->regs, sizeof(vcpu->regs)))
			ret = -EFAULT;
		break;
	case MV_SET_REGS:
		ret = mv_vcpu_set_regs(vcpu, argp);
		break;
	case MV_GET_SREGS:
		memset(&sregs, 0, sizeof(sregs));
		mv_arch->get_sregs(vcpu, &sregs);
		if (copy_to_user(argp, &sregs, sizeof(sregs)))
			ret = -EFAULT;
		break;
	case MV_SET_SREGS:
		if (copy_from_user(&sregs, argp, sizeof(sregs))) {
			ret = -EFAULT;
			break;
		}
		ret = mv_sregs_valid(&sregs);
		if (!ret)
			mv_arch->set_sregs(vcpu, &sregs);
		break;
	case MV_GET_VCPU_STATS:
		if (copy_to_user(argp, &vcpu->stats, sizeof(vcpu->stats)))
			ret = -EFAULT;
		break;
	case MV_GET_MP_STATE:
		ret = put_user(vcpu->mp_state, (u32 __user *)argp);
		break;
	case MV_SET_MP_STATE:
		ret = mv_vcpu_set_mp_state(vcpu, argp);
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&vcpu->lock);
	return ret;
}

static vm_fault_t mv_vcpu_fault(struct vm_fault *vmf)
{
	struct mv_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff != 0)
		return VM_FAULT_SIGBUS;
	page = virt_to_page(vcpu->run);
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mv_vcpu_vm_ops = {
	.fault = mv_vcpu_fault,
};

static int mv_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff || vma_pages(vma) != 1)
		return -EINVAL;
	vma->vm_ops = &mv_vcpu_vm_ops;
	return 0;
}

static int mv_vcpu_release(struct inode *inode, struct file *file)
{
	struct mv_vcpu *vcpu = file->private_data;

	/* The vCPU itself goes with its VM. */
	mv_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations mv_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= mv_vcpu_release,
	.unlocked_ioctl	= mv_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mv_vcpu_mmap,
	.llseek		= noop_llseek,
};

/**
 * mv_vcpu_free() - free a vCPU; its VM is being destroyed.
 * @vcpu: the vCPU.
 */
void mv_vcpu_free(struct mv_vcpu *vcpu)
{
	mv_lapic_free(vcpu);
	mv_arch->vcpu_free(vcpu);
	mv_fpu_free(vcpu->fpu);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

/**
 * mv_vcpu_create() - create vCPU @id of @vm and return its fd.
 * @vm: the VM.
 * @id: 0 .. %MV_MAX_VCPUS - 1.
 *
 * Return: the fd, -EINVAL for a bad id, -EEXIST if it exists, -ENOMEM.
 */
int mv_vcpu_create(struct mv_vm *vm, unsigned long id)
{
	struct mv_vcpu *vcpu;
	int ret;

	if (id >= MV_MAX_VCPUS)
		return -EINVAL;

	/* From here on the VM's irqchip (or its absence) is fixed. */
	mutex_lock(&vm->lock);
	vm->vcpus_started = true;
	mutex_unlock(&vm->lock);

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	vcpu->run_cpu = -1;
	mutex_init(&vcpu->lock);
	init_waitqueue_head(&vcpu->wq);
	vcpu->regs.rflags = BIT(1);
	vcpu->regs.rip = 0xfff0;
	vcpu->guest_xcr0 = mv_fpu_supported_xcr0() ? XFEATURE_MASK_FP | XFEATURE_MASK_SSE : 0;
	vcpu->pat = 0x0007040600070406ULL;	/* power-on value */
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->fpu = mv_fpu_alloc();
	if (!vcpu->run || !vcpu->fpu) {
		ret = -ENOMEM;
		goto err_alloc;
	}
	ret = mv_arch->vcpu_create(vcpu);
	if (ret)
		goto err_alloc;
	if (vm->irqchip) {
		ret = mv_lapic_create(vcpu);
		if (ret)
			goto err_arch;
		/* Application processors wait for INIT-SIPI-SIPI from the BSP. */
		vcpu->mp_state = id ? MV_MP_WAIT_SIPI : MV_MP_RUNNABLE;
	}

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		ret = -EEXIST;
		goto err_unlock;
	}
	kref_get(&vm->kref);
	ret = anon_inode_getfd("minivisor-vcpu", &mv_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (ret < 0) {
		mv_vm_put(vm);	/* never the last: our caller's VM fd holds one */
		goto err_unlock;
	}
	/* Published last: IPIs and the I/O APIC walk vm->vcpus without the lock. */
	smp_store_release(&vm->vcpus[id], vcpu);
	mutex_unlock(&vm->lock);
	return ret;

err_unlock:
	mutex_unlock(&vm->lock);
	mv_lapic_free(vcpu);
err_arch:
	mv_arch->vcpu_free(vcpu);
err_alloc:
	mv_fpu_free(vcpu->fpu);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
	return ret;
}
