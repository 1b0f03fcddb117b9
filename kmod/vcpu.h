/* SPDX-License-Identifier: GPL-2.0 */
/* minivisor: vCPU helpers shared by the common exit handlers. */
#ifndef MV_VCPU_H
#define MV_VCPU_H

#include "minivisor.h"

void mv_vcpu_free(struct mv_vcpu *vcpu);

/* Register by x86 encoding number: 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, ... 15 R15. */
u64 *mv_vcpu_gpr(struct mv_vcpu *vcpu, unsigned int nr);

/* Write what an IN read into RAX. */
void mv_vcpu_set_in_result(struct mv_vcpu *vcpu, unsigned int len, u64 val);

/* Write an MMIO load's result into its destination register. */
void mv_vcpu_set_load_result(struct mv_vcpu *vcpu, u8 reg, u8 dst, u64 val);

/* Queue #GP(0) / #UD for the next entry. */
void mv_vcpu_inject_gp(struct mv_vcpu *vcpu);
void mv_vcpu_inject_ud(struct mv_vcpu *vcpu);

/* Fill the run page for an internal error; returns 0 (to userspace). */
int mv_vcpu_internal_error(struct mv_vcpu *vcpu, u32 suberror, u64 hw_reason,
			   const char *cause);

/* The guest's CPUID and MSR views (kmod/cpuid.c, kmod/msr.c). */
void mv_cpuid(struct mv_vcpu *vcpu, u32 leaf, u32 subleaf, u32 out[4]);
int mv_msr_read(struct mv_vcpu *vcpu, u32 msr, u64 *val);
int mv_msr_write(struct mv_vcpu *vcpu, u32 msr, u64 val);

/* MMIO instruction decoding, guest linear addresses (kmod/emulate.c). */
#define MV_MAX_INSN_LEN	15
int mv_emulate_mmio(struct mv_vcpu *vcpu, u64 gpa);
int mv_gva_to_gpa(struct mv_vcpu *vcpu, const struct mv_sregs *s, u64 gva, u64 *gpa);
int mv_fetch_insn(struct mv_vcpu *vcpu, const struct mv_sregs *s, u8 *buf);

/* INS / OUTS (kmod/string_io.c). */
int mv_emulate_string_io(struct mv_vcpu *vcpu, const struct mv_exit *exit);
void mv_string_io_complete(struct mv_vcpu *vcpu);

/* The XSAVE area size for guest FPU state (kmod/fpu.c). */
int mv_fpu_setup(void);
void *mv_fpu_alloc(void);
void mv_fpu_free(void *fpu);
void mv_fpu_load_guest(struct mv_vcpu *vcpu);
void mv_fpu_put_guest(struct mv_vcpu *vcpu);
u64 mv_fpu_supported_xcr0(void);
void mv_fpu_sync_xcr0(struct mv_vcpu *vcpu);
u32 mv_fpu_xsave_size(u64 xcr0, bool compacted);

#endif /* MV_VCPU_H */
