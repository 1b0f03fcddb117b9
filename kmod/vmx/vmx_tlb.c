// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor VMX backend: the EPT pointer, VPIDs, and dropping cached guest
 * translations (INVEPT / INVVPID).
 *
 * SDM 3C "Invalidation of TLBs and Paging-Structure Caches" and "VPID":
 * with EPT the CPU caches guest-physical mappings tagged with the EPTP and
 * combined mappings tagged with the VPID and the EPTP; nothing tagged that
 * way goes away by itself, not even at VMXOFF. So: every VMXON starts with a
 * global flush, a VM's table is flushed everywhere before it is freed, and a
 * vCPU flushes its tags on each CPU it arrives at (vmx_vcpu.c), which also
 * covers VPIDs and EPTPs reused after a vCPU or VM went away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmx: " fmt

#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/asm.h>

#include "../minivisor.h"
#include "vmx.h"
#include "vmx_caps.h"
#include "vmx_defs.h"

/* VPID 0 is the host's and never handed out. */
static DECLARE_BITMAP(vmx_vpid_map, VMX_NR_VPIDS + 1);
static DEFINE_SPINLOCK(vmx_vpid_lock);

/**
 * vmx_vpid_alloc() - a free VPID for a new vCPU.
 *
 * Return: 1..65535, or 0 if VPIDs are not used or all are taken (the vCPU
 * then runs without one: every entry and exit flushes its translations).
 */
u16 vmx_vpid_alloc(void)
{
	unsigned long vpid;

	if (!vmx_cfg.invvpid_type)
		return 0;
	spin_lock(&vmx_vpid_lock);
	vpid = find_next_zero_bit(vmx_vpid_map, VMX_NR_VPIDS + 1, 1);
	if (vpid > VMX_NR_VPIDS)
		vpid = 0;
	else
		__set_bit(vpid, vmx_vpid_map);
	spin_unlock(&vmx_vpid_lock);
	return vpid;
}

/**
 * vmx_vpid_free() - give a VPID back.
 * @vpid: from vmx_vpid_alloc(); 0 is ignored.
 *
 * Its stale translations are dropped by the next vCPU that gets it, on each
 * CPU it arrives at.
 */
void vmx_vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vmx_vpid_lock);
	__clear_bit(vpid, vmx_vpid_map);
	spin_unlock(&vmx_vpid_lock);
}

/*
 * INVEPT / INVVPID with a 128-bit descriptor (SDM 3C "INVEPT", "INVVPID").
 * They #UD outside VMX operation; the exception table makes that a no-op,
 * and so it is: VMXON flushes everything anyway.
 */
static void __invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };

	asm volatile("1: invept %[desc], %[type]\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
}

static void __invvpid(unsigned long type, u16 vpid)
{
	struct { u64 vpid, gva; } desc = { vpid, 0 };

	asm volatile("1: invvpid %[desc], %[type]\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
}

/**
 * vmx_invept() - drop this CPU's translations derived from @eptp
 * (single-context, or all contexts if the CPU has only that).
 * @eptp: the EPT pointer.
 */
void vmx_invept(u64 eptp)
{
	__invept(vmx_cfg.invept_type, eptp);
}

/**
 * vmx_invvpid() - drop this CPU's translations tagged with @vpid
 * (single-context, or all contexts if the CPU has only that).
 * @vpid: a VPID; 0 (no VPID) needs nothing: VM entry and exit flush it.
 */
void vmx_invvpid(u16 vpid)
{
	if (vpid && vmx_cfg.invvpid_type)
		__invvpid(vmx_cfg.invvpid_type, vpid);
}

/**
 * vmx_flush_all_tlbs() - drop every EPT- and VPID-tagged translation on this
 * CPU, where the CPU offers the all-context types.
 */
void vmx_flush_all_tlbs(void)
{
	u64 cap = 0;

	rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &cap);
	if (cap & VMXCAP_EPT_INVEPT_ALL)
		__invept(VMX_INVEPT_ALL, 0);
	if (vmx_cfg.invvpid_type && (cap & VMXCAP_VPID_INVVPID_ALL))
		__invvpid(VMX_INVVPID_ALL, 0);
}

/**
 * vmx_vm_init() - per-VM data: the EPTP of the VM's nested table.
 * @vm: the VM; its nested table exists.
 *
 * SDM 3C "Extended-Page-Table Pointer (EPTP)": the root's physical address,
 * memory type write-back, page-walk length 4 (encoded as 3), no
 * accessed/dirty flags.
 *
 * Return: 0 or -ENOMEM.
 */
int vmx_vm_init(struct mv_vm *vm)
{
	struct vmx_vm *vv = kzalloc(sizeof(*vv), GFP_KERNEL_ACCOUNT);

	if (!vv)
		return -ENOMEM;
	vv->eptp = mv_npt_root_pa(&vm->npt) | VMX_EPTP_MEMTYPE_WB | VMX_EPTP_WALK_4;
	vm->arch = vv;
	return 0;
}

static void vmx_invept_ipi(void *eptp)
{
	if (this_cpu_read(mv_cpu.enabled))
		vmx_invept(*(u64 *)eptp);
}

/**
 * vmx_vm_destroy() - undo vmx_vm_init() once every vCPU is freed.
 * @vm: the VM; its nested table is freed right after.
 *
 * No CPU may keep translations through the table's pages once they are
 * reused: INVEPT on every CPU. A CPU with VMX off has none that matter:
 * VMXON is followed by a global flush.
 */
void vmx_vm_destroy(struct mv_vm *vm)
{
	struct vmx_vm *vv = to_vmx_vm(vm);

	if (!vv)
		return;
	on_each_cpu(vmx_invept_ipi, &vv->eptp, 1);
	kfree(vv);
	vm->arch = NULL;
}
