/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivisor VMX backend: the world switch.
 *
 * SDM 3C "VM Entries" and "VM Exits": VM entry loads the guest's RSP, RIP,
 * RFLAGS and control state from the VMCS but none of its other general
 * purpose registers; a VM exit loads the host's RSP and RIP from the VMCS
 * (HOST_RSP is written here, right before entry, HOST_RIP points at
 * mv_vmx_vmexit) and leaves every other GPR holding the guest's value.
 * So: save the host's callee-saved registers on the stack, load the guest's
 * GPRs from struct mv_regs, enter; on exit store them back, restore the
 * host's. RFLAGS after an exit is 0x2: interrupts stay off, as the caller
 * had them.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#include "vmenter.h"

/**
 * mv_vmx_vmenter - run the guest until its next VM exit
 * @regs:	struct mv_regs *, the guest's GPRs (its RSP lives in the VMCS)
 * @resume:	0: VMLAUNCH (launch state clear), 1: VMRESUME
 *
 * Called with interrupts off and the vCPU's VMCS current.
 *
 * Return: VMX_ENTER_EXIT after a VM exit (including a VM-entry failure
 * reported as an exit), VMX_ENTER_FAIL if VMLAUNCH / VMRESUME failed
 * (VM_INSTRUCTION_ERROR says why), VMX_ENTER_FAULT if it faulted.
 */
SYM_FUNC_START(mv_vmx_vmenter)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx

	/* @regs, for the exit path: the last thing on the stack. */
	push %rdi

	/* HOST_RSP: where the exit finds @regs. Failure shows at VMLAUNCH. */
	mov $VMX_ENTER_HOST_RSP, %eax
	vmwrite %rsp, %rax

	/* CF = @resume; nothing below but MOV and VERW (ZF only) touches it. */
	bt $0, %esi

	mov %rdi, %rax
	mov MV_REGS_RCX(%rax), %rcx
	mov MV_REGS_RDX(%rax), %rdx
	mov MV_REGS_RBX(%rax), %rbx
	mov MV_REGS_RBP(%rax), %rbp
	mov MV_REGS_RSI(%rax), %rsi
	mov MV_REGS_RDI(%rax), %rdi
	mov MV_REGS_R8(%rax),  %r8
	mov MV_REGS_R9(%rax),  %r9
	mov MV_REGS_R10(%rax), %r10
	mov MV_REGS_R11(%rax), %r11
	mov MV_REGS_R12(%rax), %r12
	mov MV_REGS_R13(%rax), %r13
	mov MV_REGS_R14(%rax), %r14
	mov MV_REGS_R15(%rax), %r15
	mov MV_REGS_RAX(%rax), %rax

	/* MDS and friends: flush CPU buffers before running guest code. */
	VM_CLEAR_CPU_BUFFERS

	jnc .Lvmlaunch

	/*
	 * A successful VMRESUME / VMLAUNCH continues at mv_vmx_vmexit with
	 * this stack: tell objtool the unwind state there is this one.
	 */
	UNWIND_HINT_SAVE

.Lvmresume:
	vmresume
	jmp .Lvmfail

.Lvmlaunch:
	vmlaunch
	jmp .Lvmfail

	_ASM_EXTABLE(.Lvmresume, .Lvmfault)
	_ASM_EXTABLE(.Lvmlaunch, .Lvmfault)

SYM_INNER_LABEL(mv_vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR

	/* Guest RAX to the stack, @regs to RAX, then store every GPR. */
	push %rax
	mov 8(%rsp), %rax
	pop MV_REGS_RAX(%rax)
	mov %rcx, MV_REGS_RCX(%rax)
	mov %rdx, MV_REGS_RDX(%rax)
	mov %rbx, MV_REGS_RBX(%rax)
	mov %rbp, MV_REGS_RBP(%rax)
	mov %rsi, MV_REGS_RSI(%rax)
	mov %rdi, MV_REGS_RDI(%rax)
	mov %r8,  MV_REGS_R8(%rax)
	mov %r9,  MV_REGS_R9(%rax)
	mov %r10, MV_REGS_R10(%rax)
	mov %r11, MV_REGS_R11(%rax)
	mov %r12, MV_REGS_R12(%rax)
	mov %r13, MV_REGS_R13(%rax)
	mov %r14, MV_REGS_R14(%rax)
	mov %r15, MV_REGS_R15(%rax)

	mov $VMX_ENTER_EXIT, %ebx

.Lout:
	/* Drop @regs. */
	pop %rax

	/*
	 * No guest value may linger in a register the host uses next, not
	 * even speculatively (RBX holds the result, RSP is the host's).
	 */
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebp, %ebp
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d,  %r8d
	xor %r9d,  %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d

	/*
	 * Before the first RET that is not matched by a CALL: refill the
	 * return stack buffer the guest may have poisoned, and clear branch
	 * history where the kernel's mitigations ask for it.
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	CLEAR_BRANCH_HISTORY_VMEXIT

	mov %rbx, %rax
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET

.Lvmfail:
	mov $VMX_ENTER_FAIL, %ebx
	jmp .Lout

.Lvmfault:
	mov $VMX_ENTER_FAULT, %ebx
	jmp .Lout

SYM_FUNC_END(mv_vmx_vmenter)
