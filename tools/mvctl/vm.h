/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM with its RAM at guest-physical 0 (and, split like a PC's, above
 * 4 GiB), its vCPUs and the register state for real, protected and long
 * mode. Used by `mvctl create` and compiled into the selftests. Nothing here
 * prints or exits: every function returns 0 or a negative errno.
 */
#ifndef MVCTL_VM_H
#define MVCTL_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/minivisor.h"
#include "bootinfo.h"

/* Where RAM that does not fit below the 32-bit MMIO hole goes: 4 GiB. */
#define MVCTL_HIGH_RAM		(4ull << 30)

/**
 * struct mvctl_vm - a VM and its RAM.
 * @fd: the VM fd, -1 if none.
 * @mem: guest-physical 0 .. @top, one MAP_SHARED mapping of the VM fd (the
 *	file offset is the guest-physical address): guest-physical address
 *	gpa is at @mem + gpa. Touching the hole between @low_size and
 *	%MVCTL_HIGH_RAM raises SIGBUS.
 * @mem_size: bytes of RAM in all.
 * @low_size: bytes of RAM at guest-physical 0.
 * @top: end of the highest RAM, the length of @mem. @top == @low_size: all
 *	RAM is at 0; else RAM is also at %MVCTL_HIGH_RAM .. @top.
 *
 * Whoever fills one in by hand (tools/bench) sets all three sizes.
 */
struct mvctl_vm {
	int fd;
	uint8_t *mem;
	uint64_t mem_size;
	uint64_t low_size;
	uint64_t top;
};

/**
 * struct mvctl_vcpu - a vCPU.
 * @fd: the vCPU fd, -1 if none.
 * @run: its shared page.
 */
struct mvctl_vcpu {
	int fd;
	struct mv_run *run;
};

enum mvctl_mode {
	MVCTL_MODE_REAL,
	MVCTL_MODE_PROTECTED,
	MVCTL_MODE_LONG,
};

/* CR0, CR4 and EFER bits used for the modes. */
#define MVCTL_CR0_PE		(1ull << 0)
#define MVCTL_CR0_MP		(1ull << 1)
#define MVCTL_CR0_ET		(1ull << 4)
#define MVCTL_CR0_NE		(1ull << 5)
#define MVCTL_CR0_WP		(1ull << 16)
#define MVCTL_CR0_PG		(1ull << 31)
#define MVCTL_CR4_PAE		(1ull << 5)
#define MVCTL_CR4_OSFXSR	(1ull << 9)
#define MVCTL_CR4_OSXMMEXCPT	(1ull << 10)
#define MVCTL_EFER_LME		(1ull << 8)
#define MVCTL_EFER_LMA		(1ull << 10)

/* Default load address (and entry) for each mode. */
#define MVCTL_REAL_LOAD		0x7c00
#define MVCTL_REAL_SP		0x7c00
#define MVCTL_PM_LOAD		0x100000

/*
 * Create a VM on @sys_fd with @mem_size bytes of RAM at guest-physical 0
 * (slot 0) and map it. On failure nothing is left behind.
 */
int mvctl_vm_create(struct mvctl_vm *vm, int sys_fd, uint64_t mem_size);
/*
 * The same with RAM laid out like a PC's: at most @low_max bytes at 0
 * (slot 0), the rest from %MVCTL_HIGH_RAM (slot 1), so that nothing is RAM
 * between @low_max and 4 GiB. @low_max: 4 KiB aligned, at most 4 GiB
 * (-EINVAL otherwise).
 */
int mvctl_vm_create_split(struct mvctl_vm *vm, int sys_fd, uint64_t mem_size,
			  uint64_t low_max);
void mvctl_vm_destroy(struct mvctl_vm *vm);

/* [@gpa, @gpa + @len) lies inside guest RAM (not across the hole). */
bool mvctl_is_ram(const struct mvctl_vm *vm, uint64_t gpa, uint64_t len);

/* Create vCPU @id and map its struct mv_run. */
int mvctl_vcpu_create(struct mvctl_vm *vm, struct mvctl_vcpu *vcpu, unsigned int id);
void mvctl_vcpu_destroy(struct mvctl_vcpu *vcpu);

/* Copy @len bytes to guest-physical @gpa: -ERANGE if outside RAM. */
int mvctl_load(struct mvctl_vm *vm, uint64_t gpa, const void *data, size_t len);
/* Load a file at @gpa; its size in *@len. -EFBIG if it does not fit. */
int mvctl_load_file(struct mvctl_vm *vm, uint64_t gpa, const char *path, size_t *len);

/*
 * Put the vCPU in @mode with RIP = @entry, building what the mode needs in
 * guest memory (bootinfo.h). -ENOSPC if RAM is too small for the low-memory
 * layout, -ERANGE if @entry cannot be reached in real mode.
 */
int mvctl_setup_mode(struct mvctl_vm *vm, struct mvctl_vcpu *vcpu,
		     enum mvctl_mode mode, uint64_t entry);

/*
 * The CPU state of the Linux x86 64-bit boot protocol (Documentation/x86/
 * boot.rst, "64-bit Boot Protocol"): long mode, the identity map of
 * mvctl_setup_mode(), a GDT at MVBOOT_GDT with flat 64-bit code at
 * MVBOOT_LINUX_CS and flat data at MVBOOT_LINUX_DS (CS, DS, ES, SS loaded),
 * interrupts off, RIP = @entry, RSI = @boot_params, RSP = @stack.
 * -ENOSPC if RAM is too small for the low-memory layout.
 */
int mvctl_setup_linux64(struct mvctl_vm *vm, struct mvctl_vcpu *vcpu,
			uint64_t entry, uint64_t boot_params, uint64_t stack);
/*
 * The same without a vCPU, for other hypervisors' runners (tools/bench):
 * writes the GDT and page tables into @vm and turns @sregs (the vCPU's
 * RESET state: only CR8 is kept) and @regs into that CPU state.
 */
int mvctl_linux64_state(struct mvctl_vm *vm, uint64_t entry, uint64_t boot_params,
			uint64_t stack, struct mv_sregs *sregs, struct mv_regs *regs);

/* "512M", "1G", "4096K", "65536": bytes. -EINVAL if unparsable, -ERANGE if too big. */
int mvctl_parse_size(const char *s, uint64_t *bytes);
/* "real", "protected", "long": the mode, or -EINVAL. */
int mvctl_parse_mode(const char *s);
const char *mvctl_mode_name(enum mvctl_mode mode);
/* Names of MV_EXIT_* and MV_STAT_* values ("?" if unknown). */
const char *mvctl_exit_name(uint32_t reason);
const char *mvctl_stat_name(unsigned int stat);

#endif /* MVCTL_VM_H */
