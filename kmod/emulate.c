// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: just enough of an instruction decoder for MMIO.
 *
 * A nested page fault outside guest RAM tells the guest-physical address but
 * not the size, direction or register of the access: those are in the
 * instruction. It is fetched through the guest's own page tables and decoded
 * here: the MOV forms compilers use for device registers (88, 89, 8A, 8B,
 * C6, C7, MOVZX 0F B6 / 0F B7) with the 66 and REX prefixes. Anything else
 * ends as MV_INTERNAL_EMULATION with the bytes in the run page.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sizes.h>

#include "irqchip.h"
#include "minivisor.h"
#include "mem.h"
#include "vcpu.h"

#define MAX_INSN_LEN	MV_MAX_INSN_LEN

/* Read a guest paging-structure entry of @size bytes. */
static int gpt_entry(struct mv_vcpu *vcpu, u64 gpa, unsigned int size, u64 *entry)
{
	*entry = 0;
	return mv_mem_read(vcpu->vm, gpa, entry, size);
}

/**
 * mv_gva_to_gpa() - guest linear to guest physical, with the guest's paging
 * mode (SDM vol. 3A "Paging": 32-bit, PAE and 4-level). Accessed/dirty bits
 * are not set, permissions not checked.
 * @vcpu: the vCPU.
 * @s: its control registers (from &mv_arch_ops.get_sregs).
 * @gva: the linear address.
 * @gpa: the physical address.
 *
 * Return: 0, or -EFAULT for a missing translation.
 */
int mv_gva_to_gpa(struct mv_vcpu *vcpu, const struct mv_sregs *s, u64 gva, u64 *gpa)
{
	const u64 addr_mask = GENMASK_ULL(51, 12);
	u64 e, table;
	int level;

	if (!(s->cr0 & X86_CR0_PG)) {
		*gpa = (s->efer & EFER_LMA) ? gva : (u32)gva;
		return 0;
	}
	if (s->efer & EFER_LMA) {
		table = s->cr3 & addr_mask;
		for (level = 4; level >= 1; level--) {
			unsigned int shift = 12 + 9 * (level - 1);

			if (gpt_entry(vcpu, table + ((gva >> shift) & 511) * 8, 8, &e) ||
			    !(e & _PAGE_PRESENT))
				return -EFAULT;
			if (level == 1 || (level <= 3 && (e & _PAGE_PSE))) {
				u64 size = 1ULL << shift;

				*gpa = (e & addr_mask & ~(size - 1)) | (gva & (size - 1));
				return 0;
			}
			table = e & addr_mask;
		}
		return -EFAULT;
	}
	if (s->cr4 & X86_CR4_PAE) {
		if (gpt_entry(vcpu, (s->cr3 & ~0x1fULL) + ((gva >> 30) & 3) * 8, 8, &e) ||
		    !(e & _PAGE_PRESENT))
			return -EFAULT;
		if (gpt_entry(vcpu, (e & addr_mask) + ((gva >> 21) & 511) * 8, 8, &e) ||
		    !(e & _PAGE_PRESENT))
			return -EFAULT;
		if (e & _PAGE_PSE) {
			*gpa = (e & addr_mask & ~(SZ_2M - 1ULL)) | (gva & (SZ_2M - 1));
			return 0;
		}
		if (gpt_entry(vcpu, (e & addr_mask) + ((gva >> 12) & 511) * 8, 8, &e) ||
		    !(e & _PAGE_PRESENT))
			return -EFAULT;
		*gpa = (e & addr_mask) | (gva & 0xfff);
		return 0;
	}
	/* 32-bit paging */
	if (gpt_entry(vcpu, (s->cr3 & 0xfffff000) + ((gva >> 22) & 1023) * 4, 4, &e) ||
	    !(e & _PAGE_PRESENT))
		return -EFAULT;
	if ((e & _PAGE_PSE) && (s->cr4 & X86_CR4_PSE)) {
		*gpa = (e & 0xffc00000) | (gva & 0x3fffff);
		return 0;
	}
	if (gpt_entry(vcpu, (e & 0xfffff000) + ((gva >> 12) & 1023) * 4, 4, &e) ||
	    !(e & _PAGE_PRESENT))
		return -EFAULT;
	*gpa = (e & 0xfffff000) | (gva & 0xfff);
	return 0;
}

/**
 * mv_fetch_insn() - fetch up to %MV_MAX_INSN_LEN bytes at CS:RIP, page by page.
 * @vcpu: the vCPU.
 * @s: its segment and control registers.
 * @buf: %MV_MAX_INSN_LEN bytes.
 *
 * Return: bytes fetched (fewer if the next page is not mapped), or -EFAULT.
 */
int mv_fetch_insn(struct mv_vcpu *vcpu, const struct mv_sregs *s, u8 *buf)
{
	bool long64 = (s->efer & EFER_LMA) && s->cs.l;
	u64 lin = long64 ? vcpu->regs.rip : (u32)(s->cs.base + vcpu->regs.rip), gpa;
	unsigned int done = 0;

	while (done < MAX_INSN_LEN) {
		unsigned int n = min_t(unsigned int, MAX_INSN_LEN - done,
				       PAGE_SIZE - offset_in_page(lin + done));

		if (mv_gva_to_gpa(vcpu, s, lin + done, &gpa) ||
		    mv_mem_read(vcpu->vm, gpa, buf + done, n))
			return done ? done : -EFAULT;	/* a short fetch may still decode */
		done += n;
	}
	return done;
}

/**
 * struct mv_insn - a decoded MOV to or from memory.
 * @len: instruction length.
 * @write: store to memory (else load).
 * @size: memory operand size in bytes.
 * @reg: register operand (x86 number; bit 4 set for AH..BH).
 * @zext: MOVZX: zero-extend to @dst_size.
 * @dst_size: register operand size for loads.
 * @imm: immediate operand (C6 / C7); @has_imm: it is one.
 * @has_imm: see @imm.
 */
struct mv_insn {
	unsigned int len;
	bool write;
	unsigned int size;
	u8 reg;
	bool zext;
	unsigned int dst_size;
	u64 imm;
	bool has_imm;
};

static int decode_mov(const struct mv_sregs *s, const u8 *b, int avail, struct mv_insn *in)
{
	bool long64 = (s->efer & EFER_LMA) && s->cs.l;
	bool def32 = long64 || s->cs.db;
	bool opsize = false, addrsize = false, rex_w = false;
	unsigned int p = 0, opsz, mod, rm, reg, asz;
	u8 rex = 0, op;

	memset(in, 0, sizeof(*in));
	for (;; p++) {
		if (p >= avail)
			return -EINVAL;
		switch (b[p]) {
		case 0x66:
			opsize = true;
			continue;
		case 0x67:
			addrsize = true;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: case 0xf0:
			continue;	/* segment overrides and LOCK do not change the access */
		}
		break;
	}
	if (long64 && (b[p] & 0xf0) == 0x40) {
		rex = b[p++];
		rex_w = rex & 8;
	}
	if (p >= avail)
		return -EINVAL;
	opsz = rex_w ? 8 : (def32 ^ opsize) ? 4 : 2;
	asz = long64 ? (addrsize ? 4 : 8) : (def32 ^ addrsize) ? 4 : 2;

	op = b[p++];
	switch (op) {
	case 0x88:	/* MOV r/m8, r8 */
	case 0x89:	/* MOV r/m, r */
	case 0xc6:	/* MOV r/m8, imm8 */
	case 0xc7:	/* MOV r/m, imm */
		in->write = true;
		in->has_imm = op >= 0xc6;
		in->size = (op & 1) ? opsz : 1;
		break;
	case 0x8a:	/* MOV r8, r/m8 */
	case 0x8b:	/* MOV r, r/m */
		in->size = (op & 1) ? opsz : 1;
		break;
	case 0x0f:
		if (p >= avail || (b[p] != 0xb6 && b[p] != 0xb7))
			return -EINVAL;
		in->size = b[p++] == 0xb6 ? 1 : 2;
		in->zext = true;
		break;
	default:
		return -EINVAL;
	}
	in->dst_size = in->zext ? opsz : in->size;

	/* ModRM, then SIB and displacement: only their length matters. */
	if (p >= avail)
		return -EINVAL;
	mod = b[p] >> 6;
	reg = ((b[p] >> 3) & 7) | ((rex & 4) << 1);
	rm = b[p] & 7;
	p++;
	if (mod == 3)
		return -EINVAL;		/* register operand: not a memory access */
	if (asz == 2) {
		if (mod == 1)
			p += 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			p += 2;
	} else {
		if (rm == 4) {
			if (p >= avail)
				return -EINVAL;
			if (mod == 0 && (b[p] & 7) == 5)
				p += 4;		/* SIB with no base: disp32 */
			p++;
		}
		if (mod == 1)
			p += 1;
		else if (mod == 2 || (mod == 0 && rm == 5))
			p += 4;
	}
	if (in->has_imm) {
		unsigned int isz = in->size == 8 ? 4 : in->size;

		if (p + isz > avail)
			return -EINVAL;
		memcpy(&in->imm, b + p, isz);
		if (in->size == 8)
			in->imm = (s64)(s32)in->imm;	/* imm32 sign-extended */
		p += isz;
	} else if (in->size == 1 && !in->zext && !rex && reg >= 4 && reg < 8) {
		reg = (reg - 4) | 0x10;	/* AH, CH, DH, BH */
	}
	if (p > avail)
		return -EINVAL;
	in->reg = reg;
	in->len = p;
	return 0;
}

/* What a store writes: the immediate, or the register (AH..BH: bits 15:8). */
static u64 mmio_store_value(struct mv_vcpu *vcpu, const struct mv_insn *in)
{
	u64 val = in->has_imm ? in->imm : *mv_vcpu_gpr(vcpu, in->reg & 15);

	return (in->reg & 0x10) ? val >> 8 : val;
}

/**
 * mv_emulate_mmio() - turn an access outside guest RAM into an MMIO exit.
 * @vcpu: the vCPU.
 * @gpa: the address the guest touched.
 *
 * Return: 1 if an in-kernel device handled it (re-enter), 0 to userspace
 * (MV_EXIT_MMIO or an internal error).
 */
int mv_emulate_mmio(struct mv_vcpu *vcpu, u64 gpa)
{
	struct mv_run *run = vcpu->run;
	struct mv_sregs sregs;
	struct mv_insn in;
	u8 bytes[MAX_INSN_LEN] = { 0 };
	int n;

	mv_arch->get_sregs(vcpu, &sregs);
	n = mv_fetch_insn(vcpu, &sregs, bytes);
	if (n < 0 || decode_mov(&sregs, bytes, n, &in)) {
		mv_vcpu_internal_error(vcpu, MV_INTERNAL_EMULATION, gpa,
				       "MMIO by an instruction minivisor cannot decode");
		memcpy(run->internal.data, bytes, sizeof(bytes));
		return 0;
	}

	if (vcpu->apic) {
		/* The local APIC and the I/O APIC are emulated right here. */
		u64 val = in.write ? mmio_store_value(vcpu, &in) : 0;

		if (mv_irq_mmio(vcpu, gpa, in.size, in.write, &val)) {
			if (!in.write)
				mv_vcpu_set_load_result(vcpu, in.reg, in.dst_size, val);
			mv_arch->skip_insn(vcpu, in.len);
			return 1;
		}
	}

	run->exit_reason = MV_EXIT_MMIO;
	memset(&run->mmio, 0, sizeof(run->mmio));
	run->mmio.phys_addr = gpa;
	run->mmio.len = in.size;
	run->mmio.is_write = in.write;
	if (in.write) {
		u64 val = mmio_store_value(vcpu, &in);

		memcpy(run->mmio.data, &val, in.size);
	} else {
		vcpu->pending = MV_PENDING_MMIO_READ;
		vcpu->pending_reg = in.reg;
		vcpu->pending_len = in.size;
		vcpu->pending_dst = in.dst_size;
	}
	mv_arch->skip_insn(vcpu, in.len);
	return 0;
}
