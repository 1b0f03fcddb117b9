// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: string port I/O - INS and OUTS, with or without REP.
 *
 * The exit tells the port, the element size and the direction, not where
 * in guest memory the data is: that takes the instruction's prefixes
 * (address size, segment override), RSI / RDI and the guest's page tables.
 * Each exit moves one element, exactly like an IN or OUT of it: OUTS reads
 * it from guest RAM into the run page (or an in-kernel device), INS writes
 * what the port gave back into guest RAM (at the next MV_RUN if userspace
 * answers). Then RSI / RDI move by the element size (backwards with
 * RFLAGS.DF), and with REP, RCX counts down; the instruction is skipped only
 * when RCX reaches 0. Until then RIP stays on it and the guest executes it
 * again, which is what the CPU does between iterations too (SDM vol. 2
 * "REP/REPE/REPZ/REPNE/REPNZ": interrupts are taken between iterations), so
 * interrupts, signals and rescheduling all happen between elements.
 *
 * Not emulated: segment limit and permission checks, and page faults - an
 * element at an unmapped linear address or outside guest RAM ends the run
 * with MV_INTERNAL_EMULATION instead of a #PF or #GP in the guest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <asm/processor-flags.h>

#include "irqchip.h"
#include "mem.h"
#include "minivisor.h"
#include "vcpu.h"


/**
 * struct mv_string_insn - what the prefixes of an INS / OUTS say.
 * @asz: address size in bytes (2, 4, 8): which of SI/ESI/RSI, DI/EDI/RDI,
 *	CX/ECX/RCX are used.
 * @seg: the source segment of OUTS (DS unless overridden); INS always
 *	writes at ES:RDI (SDM vol. 2 "INS/INSB/INSW/INSD").
 */
struct mv_string_insn {
	unsigned int asz;
	const struct mv_segment *seg;
};

/* The prefixes and opcode of the INS / OUTS at CS:RIP. */
static int decode_string_insn(struct mv_vcpu *vcpu, const struct mv_sregs *s, bool in,
			      struct mv_string_insn *si)
{
	bool long64 = (s->efer & EFER_LMA) && s->cs.l;
	bool def32 = long64 || s->cs.db, addrsize = false;
	u8 b[MV_MAX_INSN_LEN];
	int n, p;

	si->seg = &s->ds;
	n = mv_fetch_insn(vcpu, s, b);
	if (n < 0)
		return n;
	for (p = 0; p < n; p++) {
		switch (b[p]) {
		case 0x67:
			addrsize = true;
			continue;
		case 0x26:
			si->seg = &s->es;
			continue;
		case 0x2e:
			si->seg = &s->cs;
			continue;
		case 0x36:
			si->seg = &s->ss;
			continue;
		case 0x3e:
			si->seg = &s->ds;
			continue;
		case 0x64:
			si->seg = &s->fs;
			continue;
		case 0x65:
			si->seg = &s->gs;
			continue;
		case 0x66: case 0xf0: case 0xf2: case 0xf3:
			continue;
		}
		if (long64 && (b[p] & 0xf0) == 0x40)
			continue;	/* REX: changes nothing here */
		break;
	}
	/* 6C/6D INS, 6E/6F OUTS; anything else: the code changed under us. */
	if (p >= n || (b[p] & 0xfc) != 0x6c || !!(b[p] & 2) == in)
		return -EINVAL;
	if (in)
		si->seg = &s->es;
	si->asz = long64 ? (addrsize ? 4 : 8) : (def32 ^ addrsize) ? 4 : 2;
	return 0;
}

/*
 * Write an index or count register as a @asz-byte register write does: a
 * 16-bit one keeps bits 63:16, a 32-bit one clears bits 63:32.
 */
static void set_sized(u64 *reg, unsigned int asz, u64 val)
{
	if (asz == 2)
		*reg = (*reg & ~0xffffULL) | (val & 0xffff);
	else if (asz == 4)
		*reg = (u32)val;
	else
		*reg = val;
}

/*
 * Guest-physical address(es) of the element at @lin: an element that
 * crosses a page is split, @split bytes in the first page.
 */
static int element_gpa(struct mv_vcpu *vcpu, const struct mv_sregs *s, u64 lin,
		       unsigned int size, u64 gpa[2], unsigned int *split)
{
	u64 last = lin + size - 1;

	if (!((s->efer & EFER_LMA) && s->cs.l))
		last = (u32)last;
	*split = size;
	gpa[1] = 0;
	if (mv_gva_to_gpa(vcpu, s, lin, &gpa[0]))
		return -EFAULT;
	if ((lin >> PAGE_SHIFT) != (last >> PAGE_SHIFT)) {
		*split = PAGE_SIZE - offset_in_page(lin);
		if (mv_gva_to_gpa(vcpu, s, last & PAGE_MASK, &gpa[1]))
			return -EFAULT;
	}
	if (!mv_mem_is_ram(vcpu->vm, gpa[0]) || (gpa[1] && !mv_mem_is_ram(vcpu->vm, gpa[1])))
		return -ENXIO;
	return 0;
}

static int element_copy(struct mv_vcpu *vcpu, const u64 gpa[2], unsigned int split,
			void *buf, unsigned int size, bool to_guest)
{
	int ret;

	ret = to_guest ? mv_mem_write(vcpu->vm, gpa[0], buf, split) :
			 mv_mem_read(vcpu->vm, gpa[0], buf, split);
	if (ret || split == size)
		return ret;
	return to_guest ? mv_mem_write(vcpu->vm, gpa[1], buf + split, size - split) :
			  mv_mem_read(vcpu->vm, gpa[1], buf + split, size - split);
}

/**
 * mv_emulate_string_io() - one element of an INS or OUTS.
 * @vcpu: the vCPU.
 * @exit: the I/O exit (@exit->io.string set).
 *
 * Return: 1 to re-enter the guest, 0 to return to userspace (%MV_EXIT_IO
 * with one element, or an internal error).
 */
int mv_emulate_string_io(struct mv_vcpu *vcpu, const struct mv_exit *exit)
{
	unsigned int size = exit->io.size, split;
	bool in = exit->io.in, long64;
	struct mv_run *run = vcpu->run;
	struct mv_string_insn si;
	struct mv_sregs sregs;
	u64 *idx, count = 0, lin, gpa[2], mask;
	u32 val = 0;
	int ret;

	mv_arch->get_sregs(vcpu, &sregs);
	if (decode_string_insn(vcpu, &sregs, in, &si))
		return mv_vcpu_internal_error(vcpu, MV_INTERNAL_EMULATION, exit->io.port,
					      "INS / OUTS that minivisor cannot fetch or decode");
	long64 = (sregs.efer & EFER_LMA) && sregs.cs.l;
	mask = si.asz == 8 ? ~0ULL : (1ULL << (si.asz * 8)) - 1;

	if (exit->io.rep) {
		count = vcpu->regs.rcx & mask;
		if (!count) {
			/* REP with RCX = 0 does nothing at all. */
			mv_arch->skip_insn(vcpu, exit->insn_len);
			return 1;
		}
	}

	/* In 64-bit mode only FS and GS have a base (SDM vol. 3A "Segmentation in IA-32e Mode"). */
	idx = in ? &vcpu->regs.rdi : &vcpu->regs.rsi;
	lin = *idx & mask;
	if (!long64 || si.seg == &sregs.fs || si.seg == &sregs.gs)
		lin += si.seg->base;
	if (!long64)
		lin = (u32)lin;
	ret = element_gpa(vcpu, &sregs, lin, size, gpa, &split);
	if (ret)
		return mv_vcpu_internal_error(vcpu, MV_INTERNAL_EMULATION, lin,
					      ret == -ENXIO ?
					      "INS / OUTS to memory outside guest RAM" :
					      "INS / OUTS to an unmapped guest address");

	if (!in && element_copy(vcpu, gpa, split, &val, size, false))
		return mv_vcpu_internal_error(vcpu, MV_INTERNAL_MEMORY, gpa[0],
					      "out of memory for guest RAM");

	/* The element is as good as done: move the registers on. */
	if (vcpu->regs.rflags & X86_EFLAGS_DF)
		set_sized(idx, si.asz, *idx - size);
	else
		set_sized(idx, si.asz, *idx + size);
	if (exit->io.rep)
		set_sized(&vcpu->regs.rcx, si.asz, count - 1);
	if (!exit->io.rep || count == 1)
		mv_arch->skip_insn(vcpu, exit->insn_len);

	if (mv_irq_pio(vcpu, exit->io.port, size, in, &val)) {
		if (in && element_copy(vcpu, gpa, split, &val, size, true))
			return mv_vcpu_internal_error(vcpu, MV_INTERNAL_MEMORY, gpa[0],
						      "out of memory for guest RAM");
		return 1;
	}

	run->exit_reason = MV_EXIT_IO;
	memset(&run->io, 0, sizeof(run->io));
	run->io.direction = in ? MV_IO_IN : MV_IO_OUT;
	run->io.size = size;
	run->io.port = exit->io.port;
	run->io.count = 1;
	if (in) {
		vcpu->pending = MV_PENDING_INS;
		vcpu->pending_len = size;
		vcpu->pending_gpa[0] = gpa[0];
		vcpu->pending_gpa[1] = gpa[1];
		vcpu->pending_split = split;
	} else {
		memcpy(run->io.data, &val, size);
	}
	return 0;
}

/**
 * mv_string_io_complete() - an INS element userspace answered: put it in
 * guest RAM (the size is the kernel's, not the run page's).
 * @vcpu: the vCPU; @vcpu->pending is %MV_PENDING_INS.
 */
void mv_string_io_complete(struct mv_vcpu *vcpu)
{
	u32 val = 0;

	memcpy(&val, vcpu->run->io.data, vcpu->pending_len);
	/* The pages were RAM at the exit and RAM is never taken away. */
	if (element_copy(vcpu, vcpu->pending_gpa, vcpu->pending_split, &val,
			 vcpu->pending_len, true))
		pr_warn_ratelimited("INS: guest RAM at %#llx could not be allocated\n",
				    vcpu->pending_gpa[0]);
}
