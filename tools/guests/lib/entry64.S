/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Long-mode entry: mvctl starts the guest here with paging on (identity
 * map), RDI = RAM size and RSI = boot info (tools/mvctl/bootinfo.h). Switch
 * to our own stack, clear .bss and call main(mem_size, bootinfo); its return
 * value is the exit status.
 */
#define STACK_SIZE	16384

	.code64
	.section .text.entry, "ax"
	.globl	_start
_start:
	movq	$stack_top, %rsp
	movq	%rdi, %r12
	movq	%rsi, %r13
	movq	$__bss_start, %rdi
	movq	$__bss_end, %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	cld
	rep stosb
	movq	%r12, %rdi
	movq	%r13, %rsi
	call	main
	movl	%eax, %edi
	call	exit
1:	hlt
	jmp	1b

	.section .bss
	.balign	16
	.space	STACK_SIZE
stack_top:
