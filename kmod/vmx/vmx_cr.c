// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: the guest's control and debug registers.
 *
 * SDM 3C "Guest/Host Masks and Read Shadows for CR0 and CR4": for each bit
 * set in a guest/host mask the host owns the bit: the guest reads the read
 * shadow and a MOV that would give it a value other than the shadow's exits
 * (CR-access exit, "Exit Qualification for Control-Register Accesses").
 * The host owns:
 *
 * - the CR0 / CR4 bits VMX fixes (IA32_VMX_CR{0,4}_FIXED{0,1}, SDM 3D A.7,
 *   A.8): the real register keeps them as VMX needs (CR0.NE, CR4.VMXE set;
 *   unsupported bits clear), the shadow shows the guest's value; CR0.PE and
 *   CR0.PG are freed by unrestricted guest;
 * - CR0.CD and CR0.NW: guest RAM is ordinary write-back memory, so the real
 *   CR0 keeps caching on whatever the guest asks;
 * - CR0.PG: turning paging on or off with EFER.LME set enters or leaves
 *   IA-32e mode, which must be mirrored in EFER.LMA and the "IA-32e mode
 *   guest" VM-entry control, and turning on PAE paging loads the PDPTEs,
 *   which the VMCS then holds ("Loading Guest State", "PDPTE Registers").
 *
 * CR8 (TPR) accesses always exit (the guest must not reach the host's local
 * APIC) and DR accesses too (DR0-DR3 and DR6 are not switched): both live in
 * software. The guest's breakpoints are remembered but never armed: the
 * VMCS keeps DR7 at its reset value. CR8 is not (yet) the TPR of the
 * in-kernel local APIC: Linux programs the TPR through the APIC page and
 * never touches CR8, so "CR8-load / CR8-store exiting" with a plain
 * register is enough; a TPR shadow would need the APIC page mapped into
 * the guest and "TPR below threshold" exits.
 */
#include <linux/mm.h>
#include <linux/xarray.h>
#include <asm/pgtable_types.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include <asm/trapnr.h>

#include "../mem.h"
#include "../minivisor.h"
#include "../vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_defs.h"

/* CR0 bits that exist (SDM 3A "Control Registers"); others read as 0. */
#define VMX_CR0_DEFINED	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | \
			 X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | \
			 X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)
#define VMX_CR0_CACHE	(X86_CR0_CD | X86_CR0_NW)
/* Unrestricted guest frees these of IA32_VMX_CR0_FIXED0. */
#define VMX_CR0_UG_FREE	(X86_CR0_PE | X86_CR0_PG)

/* Reserved bits of a PAE PDPTE (SDM 3A "PDPTE Registers"). */
#define VMX_PDPTE_RSVD	(GENMASK_ULL(2, 1) | GENMASK_ULL(8, 5))

/**
 * vmx_cr_setup() - compute the CR0 / CR4 guest/host masks from the fixed
 * bits in &vmx_cfg.
 */
void vmx_cr_setup(void)
{
	vmx_cfg.cr0_mask = (vmx_cfg.cr0_fixed0 & ~(u64)VMX_CR0_UG_FREE) |
			   ~vmx_cfg.cr0_fixed1 | VMX_CR0_CACHE | X86_CR0_PG;
	vmx_cfg.cr4_mask = vmx_cfg.cr4_fixed0 | ~vmx_cfg.cr4_fixed1;
}

/**
 * vmx_cr0_hw() - the real CR0 for a guest CR0 value.
 * @cr0: what the guest wants (and reads back through the shadow).
 *
 * Return: @cr0 with caching on and the fixed-1 bits set.
 */
unsigned long vmx_cr0_hw(unsigned long cr0)
{
	return (cr0 & ~(unsigned long)VMX_CR0_CACHE) |
	       (vmx_cfg.cr0_fixed0 & ~(u64)VMX_CR0_UG_FREE);
}

/**
 * vmx_cr4_hw() - the real CR4 for a guest CR4 value.
 * @cr4: what the guest wants.
 *
 * Return: @cr4 with the fixed-1 bits (VMXE) set.
 */
unsigned long vmx_cr4_hw(unsigned long cr4)
{
	return cr4 | vmx_cfg.cr4_fixed0;
}

/**
 * vmx_get_cr0() - the guest's view of CR0: its own bits from the real
 * register, the host's from the read shadow. The VMCS must be current.
 *
 * Return: CR0.
 */
unsigned long vmx_get_cr0(void)
{
	return (vmcs_readl(VMCS_GUEST_CR0) & ~vmx_cfg.cr0_mask) |
	       (vmcs_readl(VMCS_CR0_READ_SHADOW) & vmx_cfg.cr0_mask);
}

/**
 * vmx_get_cr4() - the guest's view of CR4. The VMCS must be current.
 *
 * Return: CR4.
 */
unsigned long vmx_get_cr4(void)
{
	return (vmcs_readl(VMCS_GUEST_CR4) & ~vmx_cfg.cr4_mask) |
	       (vmcs_readl(VMCS_CR4_READ_SHADOW) & vmx_cfg.cr4_mask);
}

/**
 * vmx_write_cr0() - set the guest's CR0 (shadow and real register).
 * @cr0: a valid CR0; EFER is the caller's business.
 */
void vmx_write_cr0(unsigned long cr0)
{
	vmcs_writel(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_writel(VMCS_GUEST_CR0, vmx_cr0_hw(cr0));
}

/**
 * vmx_write_cr4() - set the guest's CR4 (shadow and real register).
 * @cr4: a valid CR4.
 */
void vmx_write_cr4(unsigned long cr4)
{
	vmcs_writel(VMCS_CR4_READ_SHADOW, cr4);
	vmcs_writel(VMCS_GUEST_CR4, vmx_cr4_hw(cr4));
}

/**
 * vmx_write_efer() - set the guest's EFER and, from its LMA bit, the
 * "IA-32e mode guest" VM-entry control (SDM 3C "Checks on Guest Control
 * Registers, Debug Registers, and MSRs": they must agree), and which MSRs
 * the guest can now use (vmx_msr.c). With "load IA32_EFER" the entry takes
 * EFER from the VMCS; "save IA32_EFER" keeps it there after the exit.
 * @vx: the vCPU.
 * @efer: a valid EFER.
 */
void vmx_write_efer(struct vmx_vcpu *vx, u64 efer)
{
	vmcs_write64(VMCS_GUEST_IA32_EFER, efer);
	if (efer & EFER_LMA)
		vmcs_set_bits32(VMCS_ENTRY_CONTROLS, VMX_ENTRY_CTL_IA32E_MODE);
	else
		vmcs_clear_bits32(VMCS_ENTRY_CONTROLS, VMX_ENTRY_CTL_IA32E_MODE);
	vmx_msr_update_switch(vx, efer);
}

/**
 * vmx_guest_64bit() - is the guest in 64-bit mode (IA-32e mode and CS.L)?
 * The VMCS must be current.
 *
 * Return: true in 64-bit mode.
 */
bool vmx_guest_64bit(void)
{
	return (vmcs_read64(VMCS_GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmcs_read32(VMCS_GUEST_CS_AR) & VMX_AR_L);
}

/*
 * Read 8 bytes of guest RAM without sleeping: vcpu_run has interrupts off.
 * A page the guest never touched is zero (the common code allocates guest
 * RAM zeroed on first touch and never frees it while the VM lives), and so,
 * for lack of anything better, is an address outside guest RAM.
 */
static u64 vmx_peek_guest_u64(struct mv_vm *vm, u64 gpa)
{
	struct page *page = mv_mem_lookup(vm, gpa >> PAGE_SHIFT);

	if (!page)
		return 0;
	return *(u64 *)(page_address(page) + offset_in_page(gpa));
}

/*
 * Read the four PDPTEs that PAE paging with @cr3 uses (SDM 3A "PDPTE
 * Registers"): CR3 bits 31:5 locate them. False if a present one has
 * reserved bits set: the MOV to CR0 / CR3 / CR4 that loads them #GPs.
 */
static bool vmx_read_pdptes(struct mv_vcpu *vcpu, unsigned long cr3, u64 pdpte[4])
{
	u64 rsvd = VMX_PDPTE_RSVD | ~GENMASK_ULL(boot_cpu_data.x86_phys_bits - 1, 0);
	u64 base = cr3 & GENMASK_ULL(31, 5);
	int i;

	for (i = 0; i < 4; i++) {
		pdpte[i] = vmx_peek_guest_u64(vcpu->vm, base + 8 * i);
		if ((pdpte[i] & _PAGE_PRESENT) && (pdpte[i] & rsvd))
			return false;
	}
	return true;
}

static void vmx_write_pdptes(const u64 pdpte[4])
{
	vmcs_write64(VMCS_GUEST_PDPTE0, pdpte[0]);
	vmcs_write64(VMCS_GUEST_PDPTE1, pdpte[1]);
	vmcs_write64(VMCS_GUEST_PDPTE2, pdpte[2]);
	vmcs_write64(VMCS_GUEST_PDPTE3, pdpte[3]);
}

static bool vmx_pae_paging(unsigned long cr0, unsigned long cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & EFER_LMA);
}

/**
 * vmx_load_pdptes() - with EPT, VM entry takes the PDPTEs of PAE paging from
 * the VMCS ("Loading Guest State"): fill them from guest memory when the
 * state was set from outside (set_sregs). The VMCS must be current.
 * @vcpu: the vCPU.
 *
 * Return: false if a present PDPTE has reserved bits set (loaded anyway:
 * VM entry will say so).
 */
bool vmx_load_pdptes(struct mv_vcpu *vcpu)
{
	u64 pdpte[4];
	bool ok;

	if (!vmx_pae_paging(vmx_get_cr0(), vmx_get_cr4(),
			    vmcs_read64(VMCS_GUEST_IA32_EFER)))
		return true;
	ok = vmx_read_pdptes(vcpu, vmcs_readl(VMCS_GUEST_CR3), pdpte);
	vmx_write_pdptes(pdpte);
	return ok;
}

/* A GPR as a MOV CR / MOV DR source: 32 bits outside 64-bit mode. */
static unsigned long vmx_gpr_read(struct mv_vcpu *vcpu, unsigned int nr)
{
	u64 val = *mv_vcpu_gpr(vcpu, nr);

	return vmx_guest_64bit() ? val : (u32)val;
}

static void vmx_gpr_write(struct mv_vcpu *vcpu, unsigned int nr, unsigned long val)
{
	*mv_vcpu_gpr(vcpu, nr) = vmx_guest_64bit() ? val : (u32)val;
}

static void vmx_inject_gp(struct mv_vcpu *vcpu)
{
	vmx_queue_exception(to_vmx(vcpu), X86_TRAP_GP, true, 0);
}

/*
 * MOV to CR0, CLTS, LMSW (SDM vol. 2 "MOV - Move to/from Control
 * Registers"; 3A "Initializing IA-32e Mode"). False: the guest gets #GP.
 */
static bool vmx_emulate_cr0(struct mv_vcpu *vcpu, unsigned long val)
{
	unsigned long old = vmx_get_cr0(), cr4 = vmx_get_cr4();
	u64 efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	bool cs_l = vmcs_read32(VMCS_GUEST_CS_AR) & VMX_AR_L;
	u64 pdpte[4];

	if (val >> 32)
		return false;
	/* Undefined bits are ignored; ET is fixed to 1 since the P6. */
	val = (val & VMX_CR0_DEFINED) | X86_CR0_ET;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return false;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return false;

	if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) && (efer & EFER_LME)) {
		/* Activating IA-32e mode: PAE on, not from a 64-bit CS. */
		if (!(cr4 & X86_CR4_PAE) || cs_l)
			return false;
		efer |= EFER_LMA;
	} else if ((old & X86_CR0_PG) && !(val & X86_CR0_PG) && (efer & EFER_LMA)) {
		/* Leaving IA-32e mode is allowed from compatibility mode only. */
		if (cs_l)
			return false;
		efer &= ~EFER_LMA;
	}

	/* Turning on PAE paging (or changing PG/CD/NW under it) loads PDPTEs. */
	if (vmx_pae_paging(val, cr4, efer) &&
	    ((old ^ val) & (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW))) {
		if (!vmx_read_pdptes(vcpu, vmcs_readl(VMCS_GUEST_CR3), pdpte))
			return false;
		vmx_write_pdptes(pdpte);
	}

	vmx_write_cr0(val);
	if (efer != vmcs_read64(VMCS_GUEST_IA32_EFER))
		vmx_write_efer(to_vmx(vcpu), efer);
	/* Done natively, changing PG or WP would flush this VPID's TLB. */
	to_vmx(vcpu)->flush_tlb = true;
	return true;
}

/* MOV to CR4 that touches a bit the host owns (VMXE, unsupported bits). */
static bool vmx_emulate_cr4(struct mv_vcpu *vcpu, unsigned long val)
{
	unsigned long cr0 = vmx_get_cr0();
	u64 efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	u64 pdpte[4];

	/* The guest has no VMX; bits the CPU lacks are reserved. */
	if ((val & ~vmx_cfg.cr4_fixed1) || (val & X86_CR4_VMXE))
		return false;
	if ((efer & EFER_LMA) && !(val & X86_CR4_PAE))
		return false;
	if (vmx_pae_paging(cr0, val, efer)) {
		if (!vmx_read_pdptes(vcpu, vmcs_readl(VMCS_GUEST_CR3), pdpte))
			return false;
		vmx_write_pdptes(pdpte);
	}
	vmx_write_cr4(val);
	to_vmx(vcpu)->flush_tlb = true;
	return true;
}

/*
 * MOV to CR3, only if the CPU cannot turn CR3-load exiting off. Bits above
 * the physical-address width are reserved (#GP); VM entry would refuse them.
 */
static bool vmx_emulate_cr3(struct mv_vcpu *vcpu, unsigned long val)
{
	u64 rsvd = ~GENMASK_ULL(boot_cpu_data.x86_phys_bits - 1, 0);
	u64 pdpte[4];

	/* With CR4.PCIDE, bit 63 is the "keep the TLB" hint (below). */
	if (vmx_get_cr4() & X86_CR4_PCIDE)
		rsvd &= ~BIT_ULL(63);
	if (val & rsvd)
		return false;

	if (vmx_pae_paging(vmx_get_cr0(), vmx_get_cr4(),
			   vmcs_read64(VMCS_GUEST_IA32_EFER))) {
		if (!vmx_read_pdptes(vcpu, val, pdpte))
			return false;
		vmx_write_pdptes(pdpte);
	}
	/* Bit 63 with CR4.PCIDE: keep the TLB; it is not part of CR3. */
	if ((vmx_get_cr4() & X86_CR4_PCIDE) && (val & BIT_ULL(63)))
		val &= ~BIT_ULL(63);
	else
		to_vmx(vcpu)->flush_tlb = true;
	vmcs_writel(VMCS_GUEST_CR3, val);
	return true;
}

/**
 * vmx_handle_cr_access() - emulate the control-register access that exited.
 * @vcpu: the vCPU; the VMCS is current, @vcpu->regs up to date.
 * @qual: the exit qualification.
 *
 * Faults are injected into the guest; otherwise RIP moves past the
 * instruction.
 *
 * Return: %MV_X_NONE, or %MV_X_UNHANDLED for an access that cannot exit.
 */
u32 vmx_handle_cr_access(struct mv_vcpu *vcpu, unsigned long qual)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	unsigned int cr = VMX_CR_QUAL_CR(qual), gpr = VMX_CR_QUAL_GPR(qual);
	unsigned long val, cr0;
	bool ok = true;

	switch (VMX_CR_QUAL_TYPE(qual)) {
	case VMX_CR_TYPE_MOV_TO:
		val = vmx_gpr_read(vcpu, gpr);
		switch (cr) {
		case 0:
			ok = vmx_emulate_cr0(vcpu, val);
			break;
		case 3:
			ok = vmx_emulate_cr3(vcpu, val);
			break;
		case 4:
			ok = vmx_emulate_cr4(vcpu, val);
			break;
		case 8:
			/* SDM 3A "Task Priority Register (TPR)": bits 63:4 are reserved. */
			ok = !(val & ~0xfUL);
			if (ok)
				vx->cr8 = val;
			break;
		default:
			return MV_X_UNHANDLED;
		}
		break;
	case VMX_CR_TYPE_MOV_FROM:
		if (cr == 3)
			vmx_gpr_write(vcpu, gpr, vmcs_readl(VMCS_GUEST_CR3));
		else if (cr == 8)
			vmx_gpr_write(vcpu, gpr, vx->cr8);
		else
			return MV_X_UNHANDLED;
		break;
	case VMX_CR_TYPE_CLTS:
		ok = vmx_emulate_cr0(vcpu, vmx_get_cr0() & ~X86_CR0_TS);
		break;
	case VMX_CR_TYPE_LMSW:
		/* LMSW writes PE, MP, EM, TS; it can set PE but not clear it. */
		cr0 = vmx_get_cr0();
		val = VMX_CR_QUAL_LMSW_DATA(qual) & (X86_CR0_PE | X86_CR0_MP |
						    X86_CR0_EM | X86_CR0_TS);
		ok = vmx_emulate_cr0(vcpu, (cr0 & ~(X86_CR0_MP | X86_CR0_EM | X86_CR0_TS)) |
					   val);
		break;
	}
	if (ok)
		vmx_skip_insn(vcpu, 0);
	else
		vmx_inject_gp(vcpu);
	return MV_X_NONE;
}

/**
 * vmx_handle_dr_access() - emulate the MOV to / from a debug register that
 * exited (SDM vol. 2 "MOV - Move to/from Debug Registers").
 * @vcpu: the vCPU; the VMCS is current, @vcpu->regs up to date.
 * @qual: the exit qualification.
 *
 * Return: %MV_X_NONE.
 */
u32 vmx_handle_dr_access(struct mv_vcpu *vcpu, unsigned long qual)
{
	struct vmx_vcpu *vx = to_vmx(vcpu);
	unsigned int dr = VMX_DR_QUAL_DR(qual), gpr = VMX_DR_QUAL_GPR(qual);
	unsigned long val;

	/* DR4 / DR5 alias DR6 / DR7 unless CR4.DE makes them #UD. */
	if (dr == 4 || dr == 5) {
		if (vmx_get_cr4() & X86_CR4_DE) {
			vmx_queue_exception(vx, X86_TRAP_UD, false, 0);
			return MV_X_NONE;
		}
		dr += 2;
	}

	if (qual & VMX_DR_QUAL_FROM_DR) {
		val = dr < 4 ? vx->db[dr] : dr == 6 ? vx->dr6 : vx->dr7;
		vmx_gpr_write(vcpu, gpr, val);
	} else {
		val = vmx_gpr_read(vcpu, gpr);
		if (dr < 4) {
			vx->db[dr] = val;
		} else if (val >> 32) {
			/* DR6 / DR7 bits 63:32 are reserved. */
			vmx_inject_gp(vcpu);
			return MV_X_NONE;
		} else if (dr == 6) {
			vx->dr6 = val | VMX_DR6_FIXED_1;
		} else {
			vx->dr7 = val | VMX_DR7_FIXED_1;
		}
	}
	vmx_skip_insn(vcpu, 0);
	return MV_X_NONE;
}
