/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Protected-mode entry: flat 32-bit segments, paging off, EDI = RAM size
 * (capped at 4 GiB - 1), ESI = boot info. Same contract as entry64.S.
 */
#define STACK_SIZE	16384

	.code32
	.section .text.entry, "ax"
	.globl	_start
_start:
	movl	$stack_top, %esp
	movl	%edi, %ebx
	movl	%esi, %ebp
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	cld
	rep stosb
	pushl	%ebp
	pushl	%ebx
	call	main
	addl	$8, %esp
	pushl	%eax
	call	exit
1:	hlt
	jmp	1b

	.section .bss
	.balign	16
	.space	STACK_SIZE
stack_top:
