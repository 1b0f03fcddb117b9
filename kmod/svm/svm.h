/* SPDX-License-Identifier: GPL-2.0 */
/* minivisor SVM backend: what svm.c (bring-up) and svm_vcpu.c share. */
#ifndef MV_SVM_H
#define MV_SVM_H

#include "../minivisor.h"

/* CPUID Fn8000_000A_EDX: "SVM Feature Identification" */
#define SVM_CPUID_FEAT_NP		BIT(0)
#define SVM_CPUID_FEAT_NRIPS		BIT(3)
#define SVM_CPUID_FEAT_FLUSHBYASID	BIT(6)

extern u32 svm_features;	/* CPUID Fn8000_000A_EDX */
extern u32 svm_nr_asids;	/* CPUID Fn8000_000A_EBX */

/* vmrun.S */
void svm_vmrun(struct mv_regs *regs, u64 vmcb_pa, u64 host_save_pa);

int svm_hw_setup(void);
void svm_hw_unsetup(void);
u64 svm_host_save_pa(void);

int svm_vm_init(struct mv_vm *vm);
void svm_vm_destroy(struct mv_vm *vm);
int svm_vcpu_create(struct mv_vcpu *vcpu);
void svm_vcpu_free(struct mv_vcpu *vcpu);
int svm_vcpu_run(struct mv_vcpu *vcpu, struct mv_exit *exit);
void svm_get_sregs(struct mv_vcpu *vcpu, struct mv_sregs *sregs);
u64 svm_guest_cr4(struct mv_vcpu *vcpu);
void svm_set_sregs(struct mv_vcpu *vcpu, const struct mv_sregs *sregs);
void svm_skip_insn(struct mv_vcpu *vcpu, unsigned int len);
void svm_inject_exception(struct mv_vcpu *vcpu, u8 vector, bool has_error, u32 error_code);
void svm_vcpu_reset(struct mv_vcpu *vcpu);
bool svm_irq_allowed(struct mv_vcpu *vcpu);
void svm_inject_irq(struct mv_vcpu *vcpu, u8 vector);
void svm_set_irq_window(struct mv_vcpu *vcpu, bool on);
bool svm_nmi_allowed(struct mv_vcpu *vcpu);
void svm_inject_nmi(struct mv_vcpu *vcpu);
int svm_get_msr(struct mv_vcpu *vcpu, u32 msr, u64 *val);
int svm_set_msr(struct mv_vcpu *vcpu, u32 msr, u64 val);

#endif /* MV_SVM_H */
