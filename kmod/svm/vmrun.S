/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svm_vmrun(struct mv_regs *regs, u64 vmcb_pa, u64 host_save_pa)
 *
 * One trip into an SVM guest. The caller has cleared GIF (CLGI) and turned
 * interrupts on, so that a host interrupt while the guest runs is an INTR
 * intercept (APM vol. 2 "Global Interrupt Flag", "Physical Interrupt
 * Masking"); it sets GIF again after we return.
 *
 * VMRUN itself switches RAX, RSP, RIP, RFLAGS, CR0/3/4, EFER and the CS, SS,
 * DS, ES segments; VMLOAD / VMSAVE move the rest of the guest's hidden
 * state (FS, GS, TR, LDTR, KernelGsBase, STAR family, SYSENTER MSRs), so the
 * host's copy is VMSAVEd first and VMLOADed back last ("VMSAVE and VMLOAD
 * Instructions"). The other general-purpose registers are ours to switch.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

/* Offsets in struct mv_regs (uapi/minivisor.h), checked in svm_vcpu.c. */
#define REGS_RBX	8
#define REGS_RCX	16
#define REGS_RDX	24
#define REGS_RSI	32
#define REGS_RDI	40
#define REGS_RBP	56
#define REGS_R8		64
#define REGS_R9		72
#define REGS_R10	80
#define REGS_R11	88
#define REGS_R12	96
#define REGS_R13	104
#define REGS_R14	112
#define REGS_R15	120

	.text
SYM_FUNC_START(svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi			/* 16(%rsp): regs */
	push	%rdx			/*  8(%rsp): host save area */
	push	%rsi			/*  0(%rsp): VMCB */

	mov	%rdx, %rax
	vmsave	%rax			/* host FS, GS, TR, LDTR, ... */
	mov	(%rsp), %rax
	vmload	%rax			/* guest's */

	mov	REGS_RBX(%rdi), %rbx
	mov	REGS_RCX(%rdi), %rcx
	mov	REGS_RDX(%rdi), %rdx
	mov	REGS_RSI(%rdi), %rsi
	mov	REGS_RBP(%rdi), %rbp
	mov	REGS_R8(%rdi), %r8
	mov	REGS_R9(%rdi), %r9
	mov	REGS_R10(%rdi), %r10
	mov	REGS_R11(%rdi), %r11
	mov	REGS_R12(%rdi), %r12
	mov	REGS_R13(%rdi), %r13
	mov	REGS_R14(%rdi), %r14
	mov	REGS_R15(%rdi), %r15
	mov	REGS_RDI(%rdi), %rdi

	/*
	 * Where the host clears CPU buffers for guests (MDS, TAA, MMIO stale
	 * data, RFDS), VERW right before the guest runs, as KVM does: patched
	 * in at load only if X86_FEATURE_CLEAR_CPU_BUF_VM is set. Clobbers ZF.
	 */
	VM_CLEAR_CPU_BUFFERS

	vmrun	%rax

	/* #VMEXIT: host RSP is back; the guest's RAX/RSP are in the VMCB. */
	push	%rdi
	mov	24(%rsp), %rdi		/* regs */
	mov	%rbx, REGS_RBX(%rdi)
	mov	%rcx, REGS_RCX(%rdi)
	mov	%rdx, REGS_RDX(%rdi)
	mov	%rsi, REGS_RSI(%rdi)
	mov	%rbp, REGS_RBP(%rdi)
	mov	%r8, REGS_R8(%rdi)
	mov	%r9, REGS_R9(%rdi)
	mov	%r10, REGS_R10(%rdi)
	mov	%r11, REGS_R11(%rdi)
	mov	%r12, REGS_R12(%rdi)
	mov	%r13, REGS_R13(%rdi)
	mov	%r14, REGS_R14(%rdi)
	mov	%r15, REGS_R15(%rdi)
	popq	REGS_RDI(%rdi)

	mov	(%rsp), %rax
	vmsave	%rax			/* guest's hidden state */
	mov	8(%rsp), %rax
	vmload	%rax			/* host's back */

	/*
	 * The guest may have filled the return stack buffer with its own
	 * targets: overwrite it before the host's first RET (as the kernel's
	 * own VM-exit paths do where the CPU needs it).
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	/* Leave no guest value in a register the host might speculate on. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(svm_vmrun)
