/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello16: a real-mode boot-sector-style guest, loaded and entered at 0x7c00
 * (mvctl create --mem 1M --image hello16.bin). Prints a line on COM1,
 * polling the line status register before each byte, then writes
 * EXIT_STATUS to the exit port 0xf4: mvctl exits with it. Built twice:
 * hello16.bin (status 0) and exit42.bin (status 42).
 */
#ifndef EXIT_STATUS
#define EXIT_STATUS	0
#endif

#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20
#define EXIT_PORT	0xf4

	.code16
	.section .text, "ax"
	.globl	_start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7c00, %sp
	cld
	movw	$message, %si
next:
	lodsb
	testb	%al, %al
	jz	done
	movb	%al, %bl
	movw	$COM1_LSR, %dx
busy:
	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	busy
	movw	$COM1, %dx
	movb	%bl, %al
	outb	%al, %dx
	jmp	next
done:
	movb	$EXIT_STATUS, %al
	outb	%al, $EXIT_PORT
stop:
	hlt
	jmp	stop

message:
	.asciz	"Hello from a minivisor guest!\n"
