// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: vendor-neutral exit handling (the second tier of bhyve's
 * model). The backend turned the hardware exit into a struct mv_exit; here
 * it is handled in the kernel and the guest re-entered (return 1), or the
 * run page is filled for userspace (return 0).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <asm/fpu/types.h>
#include <asm/mce.h>
#include <asm/ptrace.h>
#include <asm/fpu/xcr.h>

#include "irqchip.h"
#include "minivisor.h"
#include "mem.h"
#include "vcpu.h"

/* Instruction lengths for backends that cannot tell (SVM without NRIP save). */
#define LEN_CPUID	2	/* 0f a2 */
#define LEN_HLT		1	/* f4 */
#define LEN_RDWRMSR	2	/* 0f 32, 0f 30 */
#define LEN_VMCALL	3	/* 0f 01 c1 / 0f 01 d9 */
#define LEN_XSETBV	3	/* 0f 01 d1 */
#define LEN_INVD	2	/* 0f 08, 0f 09 */

/**
 * mv_host_machine_check() - hand a machine check that hit while the guest
 * ran (and was intercepted, so the guest never saw it) to the host's
 * handler, as if it had hit the VMM process in user mode: an uncorrected
 * error in guest RAM then ends the process, not the host (KVM does the
 * same). Called by the backends right after the exit, interrupts off.
 */
void mv_host_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = {
		.cs = 3,		/* user mode, whatever the guest ran at */
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}

static void mv_skip(struct mv_vcpu *vcpu, struct mv_exit *exit, unsigned int len)
{
	mv_arch->skip_insn(vcpu, exit->insn_len ? exit->insn_len : len);
}

static int mv_exit_cpuid(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	u32 out[4];

	mv_cpuid(vcpu, vcpu->regs.rax, vcpu->regs.rcx, out);
	vcpu->regs.rax = out[0];
	vcpu->regs.rbx = out[1];
	vcpu->regs.rcx = out[2];
	vcpu->regs.rdx = out[3];
	mv_skip(vcpu, exit, LEN_CPUID);
	return 1;
}

static int mv_exit_msr(struct mv_vcpu *vcpu, struct mv_exit *exit, bool write)
{
	u32 msr = vcpu->regs.rcx;
	u64 val;

	if (write) {
		val = (vcpu->regs.rdx << 32) | (u32)vcpu->regs.rax;
		if (mv_msr_write(vcpu, msr, val)) {
			mv_vcpu_inject_gp(vcpu);
			return 1;
		}
	} else {
		if (mv_msr_read(vcpu, msr, &val)) {
			mv_vcpu_inject_gp(vcpu);
			return 1;
		}
		vcpu->regs.rax = (u32)val;
		vcpu->regs.rdx = val >> 32;
	}
	mv_skip(vcpu, exit, LEN_RDWRMSR);
	return 1;
}

/* SDM vol. 1 "Enabling the XSAVE Feature Set and XSAVE-Enabled Features" */
static int mv_exit_xsetbv(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	u64 val = (vcpu->regs.rdx << 32) | (u32)vcpu->regs.rax;
	u64 avx512 = XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | XFEATURE_MASK_Hi16_ZMM;
	struct mv_sregs sregs;

	if (!mv_fpu_supported_xcr0() || !(mv_arch->get_cr4(vcpu) & X86_CR4_OSXSAVE)) {
		mv_vcpu_inject_ud(vcpu);	/* as without XSAVE / CR4.OSXSAVE */
		return 1;
	}
	mv_arch->get_sregs(vcpu, &sregs);	/* for the CPL */
	if ((u32)vcpu->regs.rcx != XCR_XFEATURE_ENABLED_MASK || sregs.ss.dpl != 0 ||
	    !(val & XFEATURE_MASK_FP) || (val & ~mv_fpu_supported_xcr0()) ||
	    ((val & XFEATURE_MASK_YMM) && !(val & XFEATURE_MASK_SSE)) ||
	    ((val & avx512) && (val & avx512) != avx512) ||
	    ((val & avx512) && !(val & XFEATURE_MASK_YMM))) {
		mv_vcpu_inject_gp(vcpu);
		return 1;
	}
	vcpu->guest_xcr0 = val;
	mv_skip(vcpu, exit, LEN_XSETBV);
	return 1;
}

static int mv_exit_io(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	struct mv_run *run = vcpu->run;

	u32 val = vcpu->regs.rax;

	if (exit->io.string)
		return mv_emulate_string_io(vcpu, exit);
	/* A REP prefix on IN / OUT is ignored by the CPU. */
	if (mv_irq_pio(vcpu, exit->io.port, exit->io.size, exit->io.in, &val)) {
		if (exit->io.in)
			mv_vcpu_set_in_result(vcpu, exit->io.size, val);
		mv_arch->skip_insn(vcpu, exit->insn_len);
		return 1;
	}
	run->exit_reason = MV_EXIT_IO;
	memset(&run->io, 0, sizeof(run->io));
	run->io.direction = exit->io.in ? MV_IO_IN : MV_IO_OUT;
	run->io.size = exit->io.size;
	run->io.port = exit->io.port;
	run->io.count = 1;
	if (exit->io.in) {
		vcpu->pending = MV_PENDING_IO_IN;
		vcpu->pending_len = exit->io.size;
	} else {
		memcpy(run->io.data, &vcpu->regs.rax, exit->io.size);
	}
	/* IN/OUT are 1 or 2 bytes plus prefixes: only the backend knows. */
	mv_arch->skip_insn(vcpu, exit->insn_len);
	return 0;
}

static int mv_exit_npf(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	int ret;

	if (!exit->npf.present) {
		ret = mv_mem_map_gpa(vcpu->vm, exit->npf.gpa);
		if (!ret)
			return 1;
		if (ret == -ENOMEM)
			return mv_vcpu_internal_error(vcpu, MV_INTERNAL_MEMORY, exit->npf.gpa,
						      "out of memory for guest RAM");
		if (ret != -EFAULT)
			return ret;
	} else if (mv_mem_is_ram(vcpu->vm, exit->npf.gpa)) {
		/* Guest RAM is mapped read/write/execute: this cannot happen. */
		return mv_vcpu_internal_error(vcpu, MV_INTERNAL_UNHANDLED_EXIT, exit->npf.gpa,
					      "permission fault on guest RAM");
	}
	vcpu->stats.by_reason[MV_STAT_MMIO]++;
	if (exit->npf.not_data || exit->npf.fetch)
		return mv_vcpu_internal_error(vcpu, MV_INTERNAL_EMULATION, exit->npf.gpa,
					      "guest page tables, IDT, stack or code outside RAM");
	return mv_emulate_mmio(vcpu, exit->npf.gpa);
}

static int mv_exit_hypercall(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	struct mv_run *run = vcpu->run;

	if (vcpu->regs.rax == MV_HYPERCALL_NOP) {
		vcpu->regs.rax = 0;
		mv_skip(vcpu, exit, LEN_VMCALL);
		return 1;
	}

	run->exit_reason = MV_EXIT_HYPERCALL;
	memset(&run->hypercall, 0, sizeof(run->hypercall));
	run->hypercall.nr = vcpu->regs.rax;
	run->hypercall.args[0] = vcpu->regs.rbx;
	run->hypercall.args[1] = vcpu->regs.rcx;
	run->hypercall.args[2] = vcpu->regs.rdx;
	run->hypercall.args[3] = vcpu->regs.rsi;
	vcpu->pending = MV_PENDING_HYPERCALL;
	mv_skip(vcpu, exit, LEN_VMCALL);
	return 0;
}

static int mv_exit_fail(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	struct mv_run *run = vcpu->run;

	run->exit_reason = MV_EXIT_FAIL_ENTRY;
	memset(&run->fail_entry, 0, sizeof(run->fail_entry));
	run->fail_entry.hardware_reason = exit->fail.hw_reason;
	run->fail_entry.qualification = exit->fail.qual;
	strscpy(run->fail_entry.cause, exit->fail.cause ?: "unknown",
		sizeof(run->fail_entry.cause));
	return 0;
}

static const u8 mv_stat_of[] = {
	[MV_X_NONE]		= MV_STAT_CR_ACCESS,
	[MV_X_EXTERNAL_INTR]	= MV_STAT_EXTERNAL_INTR,
	[MV_X_NMI]		= MV_STAT_NMI,
	[MV_X_CPUID]		= MV_STAT_CPUID,
	[MV_X_HLT]		= MV_STAT_HLT,
	[MV_X_IO]		= MV_STAT_IO,
	[MV_X_NPF]		= MV_STAT_NESTED_FAULT,
	[MV_X_MSR_READ]		= MV_STAT_MSR_READ,
	[MV_X_MSR_WRITE]	= MV_STAT_MSR_WRITE,
	[MV_X_HYPERCALL]	= MV_STAT_HYPERCALL,
	[MV_X_XSETBV]		= MV_STAT_XSETBV,
	[MV_X_INVD]		= MV_STAT_INVD,
	[MV_X_VIRT_INSN]	= MV_STAT_VIRT_INSN,
	[MV_X_SHUTDOWN]		= MV_STAT_SHUTDOWN,
	[MV_X_FAIL_ENTRY]	= MV_STAT_OTHER,
	[MV_X_UNHANDLED]	= MV_STAT_OTHER,
	[MV_X_IRQ_WINDOW]	= MV_STAT_IRQ_WINDOW,
	[MV_X_SLICE_END]	= MV_STAT_SLICE_END,
};

/* Fast-path exits in a row before the common loop gets a turn. */
#define MV_FAST_EXITS_MAX	128

static void mv_count_exit(struct mv_vcpu *vcpu, const struct mv_exit *exit)
{
	vcpu->stats.exits++;
	vcpu->run->exit_count++;
	if (exit->reason < ARRAY_SIZE(mv_stat_of))
		vcpu->stats.by_reason[mv_stat_of[exit->reason]]++;
}

/**
 * mv_handle_exit_fast() - handle an exit without leaving the backend's
 * entry loop: interrupts and preemption still off, the guest's FPU state
 * and MSRs still loaded, the host's state not yet restored (KVM calls this
 * its "fastpath"). Only exits that need nothing but the vCPU's registers:
 * CPUID and the no-op hypercall. Any host interrupt (a timer, a kick from
 * another CPU, a signal's IPI) is pending while interrupts are off, so the
 * next entry exits at once and the backend returns to the common loop,
 * which reschedules, injects and checks for signals.
 * @vcpu: the vCPU.
 * @exit: the exit the backend decoded.
 *
 * Return: true if handled (the backend enters the guest again), false if
 * the backend must return the exit to mv_handle_exit().
 */
bool mv_handle_exit_fast(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	/*
	 * At most MV_FAST_EXITS_MAX in a row: each entry starts a new time
	 * slice (the VMX-preemption timer is reloaded), so a guest doing
	 * nothing but CPUID would otherwise never end its slice where host
	 * interrupts do not make it exit (Bochs, see README).
	 */
	if (unlikely(need_resched()) || ++vcpu->fast_streak > MV_FAST_EXITS_MAX)
		goto slow;
	switch (exit->reason) {
	case MV_X_CPUID:
		break;
	case MV_X_HYPERCALL:
		if (vcpu->regs.rax != MV_HYPERCALL_NOP)
			goto slow;
		break;
	default:
		goto slow;
	}
	mv_count_exit(vcpu, exit);
	vcpu->stats.by_reason[MV_STAT_FAST_PATH]++;
	/* The guest's XCR0 is live here, maybe changed behind XSETBV exiting. */
	mv_fpu_sync_xcr0(vcpu);
	if (exit->reason == MV_X_CPUID)
		mv_exit_cpuid(vcpu, exit);
	else
		mv_exit_hypercall(vcpu, exit);
	return true;

slow:
	vcpu->fast_streak = 0;
	return false;
}

/**
 * mv_handle_exit() - handle one exit.
 * @vcpu: the vCPU.
 * @exit: what the backend saw.
 *
 * Return: 1 to re-enter the guest, 0 to return to userspace with the run
 * page filled, or a negative errno.
 */
int mv_handle_exit(struct mv_vcpu *vcpu, struct mv_exit *exit)
{
	struct mv_run *run = vcpu->run;

	mv_count_exit(vcpu, exit);

	switch (exit->reason) {
	case MV_X_NONE:
	case MV_X_EXTERNAL_INTR:
	case MV_X_NMI:
	case MV_X_SLICE_END:
		return 1;
	case MV_X_CPUID:
		return mv_exit_cpuid(vcpu, exit);
	case MV_X_HLT:
		mv_skip(vcpu, exit, LEN_HLT);
		if (vcpu->apic) {
			/* Sleep in the kernel until an interrupt is due (kmod/irq.c). */
			mv_irq_halt(vcpu);
			return 1;
		}
		/* No interrupt hardware: nothing could wake it; userspace decides. */
		run->exit_reason = MV_EXIT_HLT;
		return 0;
	case MV_X_IRQ_WINDOW:
		vcpu->irq_window = false;	/* the backend closed it */
		return 1;
	case MV_X_IO:
		return mv_exit_io(vcpu, exit);
	case MV_X_NPF:
		return mv_exit_npf(vcpu, exit);
	case MV_X_MSR_READ:
	case MV_X_MSR_WRITE:
		return mv_exit_msr(vcpu, exit, exit->reason == MV_X_MSR_WRITE);
	case MV_X_HYPERCALL:
		return mv_exit_hypercall(vcpu, exit);
	case MV_X_XSETBV:
		return mv_exit_xsetbv(vcpu, exit);
	case MV_X_INVD:
		/* Guest RAM is coherent host memory: nothing to write back. */
		mv_skip(vcpu, exit, LEN_INVD);
		return 1;
	case MV_X_VIRT_INSN:
		mv_vcpu_inject_ud(vcpu);
		return 1;
	case MV_X_SHUTDOWN:
		vcpu->shut_down = true;
		run->exit_reason = MV_EXIT_SHUTDOWN;
		memset(&run->shutdown, 0, sizeof(run->shutdown));
		run->shutdown.rip = vcpu->regs.rip;
		strscpy(run->shutdown.reason, "triple fault", sizeof(run->shutdown.reason));
		return 0;
	case MV_X_FAIL_ENTRY:
		return mv_exit_fail(vcpu, exit);
	default:
		return mv_vcpu_internal_error(vcpu, MV_INTERNAL_UNHANDLED_EXIT,
					      exit->fail.hw_reason,
					      exit->fail.cause ?: "unhandled exit");
	}
}
