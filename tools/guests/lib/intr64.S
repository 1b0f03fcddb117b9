/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 256 interrupt entry stubs, 16 bytes apart from intr_stubs: each pushes a
 * zero error code (unless the CPU pushed one) and its vector, then joins
 * intr_common, which saves the general-purpose registers in the order of
 * struct intr_frame (lib/intr.h), calls intr_dispatch(frame) and returns
 * with IRETQ. The guests are built with -mgeneral-regs-only: nothing else
 * needs saving.
 *
 * Stack alignment: the CPU aligns RSP to 16 before pushing its 5 words; the
 * stubs add 2 and intr_common 15: 22 words, so RSP is 16-byte aligned at
 * the call, as the ABI wants.
 */
	.code64
	.text

	.balign	16
	.globl	intr_stubs
intr_stubs:
	vector = 0
	.rept	256
	.balign	16
	/* Exceptions with an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX */
	.if	vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30
	pushq	$vector
	.else
	pushq	$0
	pushq	$vector
	.endif
	jmp	intr_common
	vector = vector + 1
	.endr

intr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	intr_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp	/* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
