/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMCB, as laid out in AMD APM vol. 2, appendix B "Layout of VMCB":
 * the control area (table B-1) at offset 0 and the state save area
 * (table B-2) at 0x400. Only the fields minivisor uses are named; the
 * offsets are checked at build time.
 */
#ifndef MV_SVM_VMCB_H
#define MV_SVM_VMCB_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

struct vmcb_control {
	u32 intercept_cr;		/* 0x000: reads 15:0, writes 31:16 */
	u32 intercept_dr;		/* 0x004 */
	u32 intercept_exceptions;	/* 0x008: one bit per vector */
	u32 intercept_misc1;		/* 0x00c */
	u32 intercept_misc2;		/* 0x010 */
	u32 intercept_misc3;		/* 0x014 */
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_threshold;	/* 0x03c */
	u16 pause_filter_count;		/* 0x03e */
	u64 iopm_base_pa;		/* 0x040 */
	u64 msrpm_base_pa;		/* 0x048 */
	u64 tsc_offset;			/* 0x050 */
	u32 asid;			/* 0x058 */
	u8 tlb_control;			/* 0x05c */
	u8 reserved_05d[3];
	u64 int_ctl;			/* 0x060: V_TPR, V_IRQ, V_INTR_MASKING;
					 * 0x064: V_INTR_VECTOR
					 */
	u64 int_state;			/* 0x068: bit 0 interrupt shadow */
	u64 exit_code;			/* 0x070 */
	u64 exit_info1;			/* 0x078 */
	u64 exit_info2;			/* 0x080 */
	u64 exit_int_info;		/* 0x088 */
	u64 np_enable;			/* 0x090: bit 0 nested paging */
	u64 avic_apic_bar;		/* 0x098 */
	u64 ghcb_pa;			/* 0x0a0 */
	u64 event_inj;			/* 0x0a8 */
	u64 n_cr3;			/* 0x0b0 */
	u64 virt_ext;			/* 0x0b8: LBR virt, VMSAVE/VMLOAD virt */
	u32 clean;			/* 0x0c0: VMCB clean bits */
	u32 reserved_0c4;
	u64 next_rip;			/* 0x0c8: with NRIP save */
	u8 insn_len;			/* 0x0d0: with decode assists */
	u8 insn_bytes[15];		/* 0x0d1 */
	u8 reserved_0e0[0x400 - 0x0e0];
} __packed;

/* A segment in the save area (table B-2): attrib is the descriptor's
 * type(3:0) S(4) DPL(6:5) P(7) AVL(8) L(9) D/B(10) G(11).
 */
struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

struct vmcb_save {
	struct vmcb_seg es;		/* 0x400 */
	struct vmcb_seg cs;		/* 0x410 */
	struct vmcb_seg ss;		/* 0x420 */
	struct vmcb_seg ds;		/* 0x430 */
	struct vmcb_seg fs;		/* 0x440 */
	struct vmcb_seg gs;		/* 0x450 */
	struct vmcb_seg gdtr;		/* 0x460 */
	struct vmcb_seg ldtr;		/* 0x470 */
	struct vmcb_seg idtr;		/* 0x480 */
	struct vmcb_seg tr;		/* 0x490 */
	u8 reserved_4a0[0x4cb - 0x4a0];
	u8 cpl;				/* 0x4cb */
	u32 reserved_4cc;
	u64 efer;			/* 0x4d0 */
	u8 reserved_4d8[0x548 - 0x4d8];
	u64 cr4;			/* 0x548 */
	u64 cr3;			/* 0x550 */
	u64 cr0;			/* 0x558 */
	u64 dr7;			/* 0x560 */
	u64 dr6;			/* 0x568 */
	u64 rflags;			/* 0x570 */
	u64 rip;			/* 0x578 */
	u8 reserved_580[0x5d8 - 0x580];
	u64 rsp;			/* 0x5d8 */
	u64 s_cet;			/* 0x5e0 */
	u64 ssp;			/* 0x5e8 */
	u64 isst_addr;			/* 0x5f0 */
	u64 rax;			/* 0x5f8 */
	u64 star;			/* 0x600 */
	u64 lstar;			/* 0x608 */
	u64 cstar;			/* 0x610 */
	u64 sfmask;			/* 0x618 */
	u64 kernel_gs_base;		/* 0x620 */
	u64 sysenter_cs;		/* 0x628 */
	u64 sysenter_esp;		/* 0x630 */
	u64 sysenter_eip;		/* 0x638 */
	u64 cr2;			/* 0x640 */
	u8 reserved_648[0x668 - 0x648];
	u64 g_pat;			/* 0x668 */
	u64 dbgctl;			/* 0x670 */
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

static_assert(offsetof(struct vmcb, control.iopm_base_pa) == 0x040);
static_assert(offsetof(struct vmcb, control.asid) == 0x058);
static_assert(offsetof(struct vmcb, control.int_ctl) == 0x060);
static_assert(offsetof(struct vmcb, control.int_state) == 0x068);
static_assert(offsetof(struct vmcb, control.exit_code) == 0x070);
static_assert(offsetof(struct vmcb, control.event_inj) == 0x0a8);
static_assert(offsetof(struct vmcb, control.clean) == 0x0c0);
static_assert(offsetof(struct vmcb, control.next_rip) == 0x0c8);
static_assert(offsetof(struct vmcb, save) == 0x400);
static_assert(offsetof(struct vmcb, save.cpl) == 0x4cb);
static_assert(offsetof(struct vmcb, save.efer) == 0x4d0);
static_assert(offsetof(struct vmcb, save.cr4) == 0x548);
static_assert(offsetof(struct vmcb, save.rip) == 0x578);
static_assert(offsetof(struct vmcb, save.rsp) == 0x5d8);
static_assert(offsetof(struct vmcb, save.rax) == 0x5f8);
static_assert(offsetof(struct vmcb, save.star) == 0x600);
static_assert(offsetof(struct vmcb, save.kernel_gs_base) == 0x620);
static_assert(offsetof(struct vmcb, save.sysenter_eip) == 0x638);
static_assert(offsetof(struct vmcb, save.cr2) == 0x640);
static_assert(offsetof(struct vmcb, save.g_pat) == 0x668);
static_assert(sizeof(struct vmcb) <= PAGE_SIZE);

/* Intercept vector 3 (misc1), APM table B-1 */
#define SVM_I1_INTR		BIT(0)
#define SVM_I1_NMI		BIT(1)
#define SVM_I1_SMI		BIT(2)
#define SVM_I1_VINTR		BIT(4)
#define SVM_I1_RDPMC		BIT(15)
#define SVM_I1_CPUID		BIT(18)
#define SVM_I1_IRET		BIT(20)
#define SVM_I1_INVD		BIT(22)
#define SVM_I1_HLT		BIT(24)
#define SVM_I1_INVLPGA		BIT(26)
#define SVM_I1_IOIO_PROT	BIT(27)
#define SVM_I1_MSR_PROT		BIT(28)
#define SVM_I1_SHUTDOWN		BIT(31)
/* Intercept vector 4 (misc2) */
#define SVM_I2_VMRUN		BIT(0)
#define SVM_I2_VMMCALL		BIT(1)
#define SVM_I2_VMLOAD		BIT(2)
#define SVM_I2_VMSAVE		BIT(3)
#define SVM_I2_STGI		BIT(4)
#define SVM_I2_CLGI		BIT(5)
#define SVM_I2_SKINIT		BIT(6)
#define SVM_I2_RDTSCP		BIT(7)
#define SVM_I2_WBINVD		BIT(9)
#define SVM_I2_MONITOR		BIT(10)
#define SVM_I2_MWAIT		BIT(11)
#define SVM_I2_MWAIT_COND	BIT(12)
#define SVM_I2_XSETBV		BIT(13)

#define SVM_TLB_FLUSH_NOTHING	0
#define SVM_TLB_FLUSH_ALL	1	/* every ASID on this CPU */
#define SVM_TLB_FLUSH_ASID	3	/* this guest's ASID (FlushByAsid) */

/* VMCB offset 0x60 ("Virtual Interrupts", table B-1) */
#define SVM_INT_CTL_V_TPR	GENMASK_ULL(3, 0)
#define SVM_INT_CTL_V_IRQ	BIT_ULL(8)
#define SVM_INT_CTL_V_INTR_PRIO	GENMASK_ULL(19, 16)
#define SVM_INT_CTL_V_IGN_TPR	BIT_ULL(20)
#define SVM_INT_CTL_V_INTR_MASK	BIT_ULL(24)
#define SVM_INT_STATE_SHADOW	BIT_ULL(0)

/* EVENTINJ / EXITINTINFO (APM "Event Injection") */
#define SVM_EVT_VECTOR		GENMASK_ULL(7, 0)
#define SVM_EVT_TYPE_MASK	(7ULL << 8)
#define SVM_EVT_TYPE_INTR	(0ULL << 8)	/* external or virtual interrupt */
#define SVM_EVT_TYPE_NMI	(2ULL << 8)
#define SVM_EVT_TYPE_EXCEPTION	(3ULL << 8)
#define SVM_EVT_TYPE_SOFT	(4ULL << 8)	/* INTn */
#define SVM_EVT_ERROR_VALID	BIT_ULL(11)
#define SVM_EVT_VALID		BIT_ULL(31)

/* Exit codes (APM appendix C "SVM Intercept Exit Codes") */
#define SVM_EXIT_EXCP_BASE	0x040
#define SVM_EXIT_INTR		0x060
#define SVM_EXIT_NMI		0x061
#define SVM_EXIT_SMI		0x062
#define SVM_EXIT_VINTR		0x064
#define SVM_EXIT_RDPMC		0x06f
#define SVM_EXIT_CPUID		0x072
#define SVM_EXIT_IRET		0x074
#define SVM_EXIT_INVD		0x076
#define SVM_EXIT_HLT		0x078
#define SVM_EXIT_INVLPGA	0x07a
#define SVM_EXIT_IOIO		0x07b
#define SVM_EXIT_MSR		0x07c
#define SVM_EXIT_SHUTDOWN	0x07f
#define SVM_EXIT_VMRUN		0x080
#define SVM_EXIT_VMMCALL	0x081
#define SVM_EXIT_VMLOAD		0x082
#define SVM_EXIT_VMSAVE		0x083
#define SVM_EXIT_STGI		0x084
#define SVM_EXIT_CLGI		0x085
#define SVM_EXIT_SKINIT		0x086
#define SVM_EXIT_RDTSCP		0x087
#define SVM_EXIT_WBINVD		0x089
#define SVM_EXIT_MONITOR	0x08a
#define SVM_EXIT_MWAIT		0x08b
#define SVM_EXIT_MWAIT_COND	0x08c
#define SVM_EXIT_XSETBV		0x08d
#define SVM_EXIT_NPF		0x400
#define SVM_EXIT_INVALID	((u64)-1)

/* IOIO EXITINFO1 (APM "IOIO Intercepts") */
#define SVM_IOIO_IN		BIT_ULL(0)
#define SVM_IOIO_STR		BIT_ULL(2)
#define SVM_IOIO_REP		BIT_ULL(3)
#define SVM_IOIO_SZ8		BIT_ULL(4)
#define SVM_IOIO_SZ16		BIT_ULL(5)
#define SVM_IOIO_SZ32		BIT_ULL(6)
#define SVM_IOIO_PORT_SHIFT	16

/* NPF EXITINFO1: a #PF error code (APM "Nested Page Faults") */
#define SVM_NPF_PRESENT		BIT_ULL(0)
#define SVM_NPF_WRITE		BIT_ULL(1)
#define SVM_NPF_FETCH		BIT_ULL(4)
#define SVM_NPF_GPT_WALK	BIT_ULL(33)	/* fault on a guest page-table access */

#endif /* MV_SVM_VMCB_H */
