/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivisor VMX backend: what vmenter.S and its C callers share. The
 * offsets are those of struct mv_regs (uapi/minivisor.h); vmx_run.c checks
 * them at build time.
 */
#ifndef MV_VMX_VMENTER_H
#define MV_VMX_VMENTER_H

#define MV_REGS_RAX		0
#define MV_REGS_RBX		8
#define MV_REGS_RCX		16
#define MV_REGS_RDX		24
#define MV_REGS_RSI		32
#define MV_REGS_RDI		40
#define MV_REGS_RSP		48
#define MV_REGS_RBP		56
#define MV_REGS_R8		64
#define MV_REGS_R9		72
#define MV_REGS_R10		80
#define MV_REGS_R11		88
#define MV_REGS_R12		96
#define MV_REGS_R13		104
#define MV_REGS_R14		112
#define MV_REGS_R15		120

/* The VMCS encoding of HOST_RSP (SDM 3D B.4.4), written by vmenter.S. */
#define VMX_ENTER_HOST_RSP	0x6c14

/* mv_vmx_vmenter() results */
#define VMX_ENTER_EXIT		0	/* the guest ran and exited */
#define VMX_ENTER_FAIL		1	/* VMLAUNCH / VMRESUME: VMfailValid or VMfailInvalid */
#define VMX_ENTER_FAULT		2	/* VMLAUNCH / VMRESUME faulted: VMX is off */

#ifndef __ASSEMBLY__
struct mv_regs;

int mv_vmx_vmenter(struct mv_regs *regs, unsigned long resume);

/* Where VM exits land (HOST_RIP); not a function to call. */
void mv_vmx_vmexit(void);
#endif

#endif /* MV_VMX_VMENTER_H */
