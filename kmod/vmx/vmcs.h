/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMCS field encodings and the instructions that access a VMCS.
 *
 * Encodings are from the Intel SDM vol. 3D, appendix B "Field Encoding in
 * VMCS". Bits 14:13 of an encoding give the field's width (0: 16 bit,
 * 1: 64 bit, 2: 32 bit, 3: natural width) and each width has its own enum
 * and accessors, so that a 32-bit read of a natural-width field is a type
 * mismatch (sparse, -Wenum-conversion) and, for constant fields, a build
 * error.
 */
#ifndef MV_VMX_VMCS_H
#define MV_VMX_VMCS_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/asm.h>

/* B.1 "16-Bit Fields" */
enum vmcs_field16 {
	VMCS_VPID			= 0x0000,
	VMCS_GUEST_ES_SELECTOR		= 0x0800,
	VMCS_GUEST_CS_SELECTOR		= 0x0802,
	VMCS_GUEST_SS_SELECTOR		= 0x0804,
	VMCS_GUEST_DS_SELECTOR		= 0x0806,
	VMCS_GUEST_FS_SELECTOR		= 0x0808,
	VMCS_GUEST_GS_SELECTOR		= 0x080a,
	VMCS_GUEST_LDTR_SELECTOR	= 0x080c,
	VMCS_GUEST_TR_SELECTOR		= 0x080e,
	VMCS_HOST_ES_SELECTOR		= 0x0c00,
	VMCS_HOST_CS_SELECTOR		= 0x0c02,
	VMCS_HOST_SS_SELECTOR		= 0x0c04,
	VMCS_HOST_DS_SELECTOR		= 0x0c06,
	VMCS_HOST_FS_SELECTOR		= 0x0c08,
	VMCS_HOST_GS_SELECTOR		= 0x0c0a,
	VMCS_HOST_TR_SELECTOR		= 0x0c0c,
};

/* B.2 "64-Bit Fields" (the "full" encodings; x86-64 accesses all 64 bits) */
enum vmcs_field64 {
	VMCS_IO_BITMAP_A		= 0x2000,
	VMCS_IO_BITMAP_B		= 0x2002,
	VMCS_MSR_BITMAP			= 0x2004,
	VMCS_EXIT_MSR_STORE_ADDR	= 0x2006,
	VMCS_EXIT_MSR_LOAD_ADDR		= 0x2008,
	VMCS_ENTRY_MSR_LOAD_ADDR	= 0x200a,
	VMCS_TSC_OFFSET			= 0x2010,
	VMCS_EPT_POINTER		= 0x201a,
	VMCS_XSS_EXIT_BITMAP		= 0x202c,
	VMCS_GUEST_PHYSICAL_ADDRESS	= 0x2400,
	VMCS_LINK_POINTER		= 0x2800,
	VMCS_GUEST_IA32_DEBUGCTL	= 0x2802,
	VMCS_GUEST_IA32_PAT		= 0x2804,
	VMCS_GUEST_IA32_EFER		= 0x2806,
	VMCS_GUEST_PDPTE0		= 0x280a,
	VMCS_GUEST_PDPTE1		= 0x280c,
	VMCS_GUEST_PDPTE2		= 0x280e,
	VMCS_GUEST_PDPTE3		= 0x2810,
	VMCS_HOST_IA32_PAT		= 0x2c00,
	VMCS_HOST_IA32_EFER		= 0x2c02,
};

/* B.3 "32-Bit Fields" */
enum vmcs_field32 {
	VMCS_PIN_CONTROLS		= 0x4000,
	VMCS_PROC_CONTROLS		= 0x4002,
	VMCS_EXCEPTION_BITMAP		= 0x4004,
	VMCS_PF_ERROR_CODE_MASK		= 0x4006,
	VMCS_PF_ERROR_CODE_MATCH	= 0x4008,
	VMCS_CR3_TARGET_COUNT		= 0x400a,
	VMCS_EXIT_CONTROLS		= 0x400c,
	VMCS_EXIT_MSR_STORE_COUNT	= 0x400e,
	VMCS_EXIT_MSR_LOAD_COUNT	= 0x4010,
	VMCS_ENTRY_CONTROLS		= 0x4012,
	VMCS_ENTRY_MSR_LOAD_COUNT	= 0x4014,
	VMCS_ENTRY_INTR_INFO		= 0x4016,
	VMCS_ENTRY_EXCEPTION_ERROR_CODE	= 0x4018,
	VMCS_ENTRY_INSTRUCTION_LEN	= 0x401a,
	VMCS_TPR_THRESHOLD		= 0x401c,
	VMCS_PROC2_CONTROLS		= 0x401e,
	VMCS_INSTRUCTION_ERROR		= 0x4400,
	VMCS_EXIT_REASON		= 0x4402,
	VMCS_EXIT_INTR_INFO		= 0x4404,
	VMCS_EXIT_INTR_ERROR_CODE	= 0x4406,
	VMCS_IDT_VECTORING_INFO		= 0x4408,
	VMCS_IDT_VECTORING_ERROR_CODE	= 0x440a,
	VMCS_EXIT_INSTRUCTION_LEN	= 0x440c,
	VMCS_EXIT_INSTRUCTION_INFO	= 0x440e,
	VMCS_GUEST_ES_LIMIT		= 0x4800,
	VMCS_GUEST_CS_LIMIT		= 0x4802,
	VMCS_GUEST_SS_LIMIT		= 0x4804,
	VMCS_GUEST_DS_LIMIT		= 0x4806,
	VMCS_GUEST_FS_LIMIT		= 0x4808,
	VMCS_GUEST_GS_LIMIT		= 0x480a,
	VMCS_GUEST_LDTR_LIMIT		= 0x480c,
	VMCS_GUEST_TR_LIMIT		= 0x480e,
	VMCS_GUEST_GDTR_LIMIT		= 0x4810,
	VMCS_GUEST_IDTR_LIMIT		= 0x4812,
	VMCS_GUEST_ES_AR		= 0x4814,
	VMCS_GUEST_CS_AR		= 0x4816,
	VMCS_GUEST_SS_AR		= 0x4818,
	VMCS_GUEST_DS_AR		= 0x481a,
	VMCS_GUEST_FS_AR		= 0x481c,
	VMCS_GUEST_GS_AR		= 0x481e,
	VMCS_GUEST_LDTR_AR		= 0x4820,
	VMCS_GUEST_TR_AR		= 0x4822,
	VMCS_GUEST_INTERRUPTIBILITY	= 0x4824,
	VMCS_GUEST_ACTIVITY_STATE	= 0x4826,
	VMCS_GUEST_SYSENTER_CS		= 0x482a,
	VMCS_PREEMPTION_TIMER_VALUE	= 0x482e,
	VMCS_HOST_IA32_SYSENTER_CS	= 0x4c00,
};

/* B.4 "Natural-Width Fields" */
enum vmcs_fieldn {
	VMCS_CR0_GUEST_HOST_MASK	= 0x6000,
	VMCS_CR4_GUEST_HOST_MASK	= 0x6002,
	VMCS_CR0_READ_SHADOW		= 0x6004,
	VMCS_CR4_READ_SHADOW		= 0x6006,
	VMCS_EXIT_QUALIFICATION		= 0x6400,
	VMCS_GUEST_LINEAR_ADDRESS	= 0x640a,
	VMCS_GUEST_CR0			= 0x6800,
	VMCS_GUEST_CR3			= 0x6802,
	VMCS_GUEST_CR4			= 0x6804,
	VMCS_GUEST_ES_BASE		= 0x6806,
	VMCS_GUEST_CS_BASE		= 0x6808,
	VMCS_GUEST_SS_BASE		= 0x680a,
	VMCS_GUEST_DS_BASE		= 0x680c,
	VMCS_GUEST_FS_BASE		= 0x680e,
	VMCS_GUEST_GS_BASE		= 0x6810,
	VMCS_GUEST_LDTR_BASE		= 0x6812,
	VMCS_GUEST_TR_BASE		= 0x6814,
	VMCS_GUEST_GDTR_BASE		= 0x6816,
	VMCS_GUEST_IDTR_BASE		= 0x6818,
	VMCS_GUEST_DR7			= 0x681a,
	VMCS_GUEST_RSP			= 0x681c,
	VMCS_GUEST_RIP			= 0x681e,
	VMCS_GUEST_RFLAGS		= 0x6820,
	VMCS_GUEST_PENDING_DBG		= 0x6822,
	VMCS_GUEST_SYSENTER_ESP		= 0x6824,
	VMCS_GUEST_SYSENTER_EIP		= 0x6826,
	VMCS_HOST_CR0			= 0x6c00,
	VMCS_HOST_CR3			= 0x6c02,
	VMCS_HOST_CR4			= 0x6c04,
	VMCS_HOST_FS_BASE		= 0x6c06,
	VMCS_HOST_GS_BASE		= 0x6c08,
	VMCS_HOST_TR_BASE		= 0x6c0a,
	VMCS_HOST_GDTR_BASE		= 0x6c0c,
	VMCS_HOST_IDTR_BASE		= 0x6c0e,
	VMCS_HOST_IA32_SYSENTER_ESP	= 0x6c10,
	VMCS_HOST_IA32_SYSENTER_EIP	= 0x6c12,
	VMCS_HOST_RSP			= 0x6c14,
	VMCS_HOST_RIP			= 0x6c16,
};

/* Bits 14:13 of an encoding: the width (B "Field Encoding in VMCS"). */
#define VMCS_WIDTH(f)		(((f) >> 13) & 3)
#define VMCS_WIDTH_16		0
#define VMCS_WIDTH_64		1
#define VMCS_WIDTH_32		2
#define VMCS_WIDTH_NATURAL	3

#define VMCS_CHECK_WIDTH(f, w)						\
	BUILD_BUG_ON_MSG(__builtin_constant_p(f) && VMCS_WIDTH(f) != (w),	\
			 "VMCS field accessed with the wrong width")

/**
 * struct vmx_seg_fields - the four VMCS fields of one guest segment register.
 * @sel: selector.
 * @limit: limit.
 * @ar: access rights (SDM 3C "Guest Register State", table "Format of
 *	Access Rights").
 * @base: base.
 */
struct vmx_seg_fields {
	enum vmcs_field16 sel;
	enum vmcs_field32 limit;
	enum vmcs_field32 ar;
	enum vmcs_fieldn base;
};

void vmx_vmwrite_error(unsigned long field, unsigned long val);

/*
 * VMREAD and VMWRITE. They #UD outside VMX operation (an emergency VMXOFF
 * may have run): the exception table skips the instruction, a read then
 * returns 0 and a write reports the failure like a VMfail does.
 */
static __always_inline unsigned long __vmcs_read(unsigned long field)
{
	unsigned long val = 0;

	asm volatile("1: vmread %[field], %[val]\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [val] "+r" (val) : [field] "r" (field) : "cc");
	return val;
}

static __always_inline void __vmcs_write(unsigned long field, unsigned long val)
{
	u8 fail = 1;

	asm volatile("1: vmwrite %[val], %[field]\n\t"
		     "setna %[fail]\n"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+q" (fail) : [field] "r" (field), [val] "rm" (val)
		     : "cc");
	if (unlikely(fail))
		vmx_vmwrite_error(field, val);
}

static __always_inline u16 vmcs_read16(enum vmcs_field16 f)
{
	VMCS_CHECK_WIDTH(f, VMCS_WIDTH_16);
	return __vmcs_read(f);
}

static __always_inline u32 vmcs_read32(enum vmcs_field32 f)
{
	VMCS_CHECK_WIDTH(f, VMCS_WIDTH_32);
	return __vmcs_read(f);
}

static __always_inline u64 vmcs_read64(enum vmcs_field64 f)
{
	VMCS_CHECK_WIDTH(f, VMCS_WIDTH_64);
	return __vmcs_read(f);
}

static __always_inline unsigned long vmcs_readl(enum vmcs_fieldn f)
{
	VMCS_CHECK_WIDTH(f, VMCS_WIDTH_NATURAL);
	return __vmcs_read(f);
}

static __always_inline void vmcs_write16(enum vmcs_field16 f, u16 val)
{
	VMCS_CHECK_WIDTH(f, VMCS_WIDTH_16);
	__vmcs_write(f, val);
}

static __always_inline void vmcs_write32(enum vmcs_field32 f, u32 val)
{
	VMCS_CHECK_WIDTH(f, VMCS_WIDTH_32);
	__vmcs_write(f, val);
}

static __always_inline void vmcs_write64(enum vmcs_field64 f, u64 val)
{
	VMCS_CHECK_WIDTH(f, VMCS_WIDTH_64);
	__vmcs_write(f, val);
}

static __always_inline void vmcs_writel(enum vmcs_fieldn f, unsigned long val)
{
	VMCS_CHECK_WIDTH(f, VMCS_WIDTH_NATURAL);
	__vmcs_write(f, val);
}

static __always_inline void vmcs_set_bits32(enum vmcs_field32 f, u32 bits)
{
	vmcs_write32(f, vmcs_read32(f) | bits);
}

static __always_inline void vmcs_clear_bits32(enum vmcs_field32 f, u32 bits)
{
	vmcs_write32(f, vmcs_read32(f) & ~bits);
}

/*
 * The VMX instructions that take the physical address of a region in memory
 * (VMXON, VMCLEAR, VMPTRLD) all report the same way: CF set for VMfailInvalid,
 * ZF for VMfailValid (SDM 3C "Conventions"), a fault (#UD / #GP outside VMX
 * operation) skips to label 2 through the exception table and leaves @res at
 * 2. Returns 0, -EIO on VMfail, -EFAULT if it faulted.
 */
#define VMX_PA_INSN(insn, region)						\
({									\
	u8 __res = 2;							\
	u64 __pa = (region);						\
									\
	asm volatile("1: " insn " %[pa]\n\t"				\
		     "setna %[res]\n"					\
		     "2:\n\t"						\
		     _ASM_EXTABLE(1b, 2b)				\
		     : [res] "+q" (__res) : [pa] "m" (__pa) : "cc", "memory"); \
	__res == 0 ? 0 : __res == 1 ? -EIO : -EFAULT;			\
})

/* VMCLEAR / VMPTRLD of the VMCS at @pa; see VMX_PA_INSN(). */
static inline int vmcs_clear(u64 pa)
{
	return VMX_PA_INSN("vmclear", pa);
}

static inline int vmcs_load(u64 pa)
{
	return VMX_PA_INSN("vmptrld", pa);
}

#endif /* MV_VMX_VMCS_H */
