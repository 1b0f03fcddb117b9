/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark guest: one flat 32-bit protected-mode image that runs under
 * minivisor and under KVM alike. mvbench loads it at MVB_LOAD (64 KiB) with
 * flat segments (no GDT needed: the segment registers are set from outside
 * and never reloaded) and passes:
 *   EAX  scenario (MVB_* in bench.h)   ECX  iterations
 *   EDX  scenario argument (end of RAM for the touch scenario)
 * When done it writes to port 0xf4 (MVB_PORT_DONE) and halts.
 */
#include "bench.h"

	.code32
	.text
	.globl	_start
_start:
	mov	%ecx, %esi
	cmp	$MVB_CPUID, %eax
	je	cpuid_loop
	cmp	$MVB_VMCALL, %eax
	je	vmcall_loop
	cmp	$MVB_VMMCALL, %eax
	je	vmmcall_loop
	cmp	$MVB_PIO, %eax
	je	pio_loop
	cmp	$MVB_MMIO, %eax
	je	mmio_loop
	cmp	$MVB_TOUCH, %eax
	je	touch
	jmp	done

cpuid_loop:
	xor	%eax, %eax
	cpuid
	dec	%esi
	jnz	cpuid_loop
	jmp	done

vmcall_loop:			/* Intel */
	mov	$MVB_HC_NOP, %eax
	vmcall
	dec	%esi
	jnz	vmcall_loop
	jmp	done

vmmcall_loop:			/* AMD */
	mov	$MVB_HC_NOP, %eax
	vmmcall
	dec	%esi
	jnz	vmmcall_loop
	jmp	done

pio_loop:
	mov	$MVB_PORT_BENCH, %dx
1:	out	%al, %dx
	dec	%esi
	jnz	1b
	jmp	done

mmio_loop:
	mov	$MVB_MMIO_ADDR, %ebx
1:	mov	%eax, (%ebx)
	dec	%esi
	jnz	1b
	jmp	done

touch:				/* one byte in every 4 KiB page from 1 MiB up */
	mov	$0x100000, %ebx
1:	movb	$1, (%ebx)
	add	$4096, %ebx
	cmp	%edx, %ebx
	jb	1b

done:
	mov	$MVB_PORT_DONE, %dx
	xor	%eax, %eax
	out	%al, %dx
	hlt
	jmp	done
