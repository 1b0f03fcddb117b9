// SPDX-License-Identifier: GPL-2.0
/*
 * VM, RAM, vCPU and processor-mode setup for mvctl and the selftests. The
 * guest-physical layout is described in bootinfo.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define PAGE_SIZE	4096ull
#define GIB		(1ull << 30)

/* Page-table entry bits */
#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_PS		(1ull << 7)

/* Flat descriptors: base 0, limit 4 GiB, present, DPL 0, accessed. */
#define GDT_CODE32	0x00cf9b000000ffffull
#define GDT_CODE64	0x00af9b000000ffffull
#define GDT_DATA	0x00cf93000000ffffull

/* Segment types (code/data: S = 1; system: S = 0) */
#define SEG_DATA_RW_A	3
#define SEG_CODE_RX_A	11
#define SEG_LDT		2
#define SEG_TSS_BUSY	11

/* @low bytes of RAM at 0 and @high bytes at MVCTL_HIGH_RAM (none if 0). */
static int vm_create(struct mvctl_vm *vm, int sys_fd, uint64_t low, uint64_t high)
{
	struct mv_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.size = low,
	};
	uint64_t top = low;
	void *mem;
	int fd, err;

	*vm = (struct mvctl_vm){ .fd = -1 };
	fd = ioctl(sys_fd, MV_CREATE_VM, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, MV_SET_MEMORY_REGION, &region))
		goto err_errno;
	if (high) {
		region.slot = 1;
		region.guest_phys_addr = MVCTL_HIGH_RAM;
		region.size = high;
		/* -EINVAL if it ends beyond the CPU's physical address bits */
		if (ioctl(fd, MV_SET_MEMORY_REGION, &region))
			goto err_errno;
		top = MVCTL_HIGH_RAM + high;
	}
	/* One mapping for both; the hole in between (SIGBUS) is never touched. */
	mem = mmap(NULL, top, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		goto err_errno;
	vm->fd = fd;
	vm->mem = mem;
	vm->mem_size = low + high;
	vm->low_size = low;
	vm->top = top;
	return 0;

err_errno:
	err = -errno;
	close(fd);
	return err;
}

int mvctl_vm_create(struct mvctl_vm *vm, int sys_fd, uint64_t mem_size)
{
	return vm_create(vm, sys_fd, mem_size, 0);
}

int mvctl_vm_create_split(struct mvctl_vm *vm, int sys_fd, uint64_t mem_size,
			  uint64_t low_max)
{
	if (!low_max || low_max % PAGE_SIZE || low_max > MVCTL_HIGH_RAM) {
		*vm = (struct mvctl_vm){ .fd = -1 };
		return -EINVAL;
	}
	if (mem_size <= low_max)
		return vm_create(vm, sys_fd, mem_size, 0);
	return vm_create(vm, sys_fd, low_max, mem_size - low_max);
}

void mvctl_vm_destroy(struct mvctl_vm *vm)
{
	if (vm->mem)
		munmap(vm->mem, vm->top);
	if (vm->fd >= 0)
		close(vm->fd);
	vm->mem = NULL;
	vm->fd = -1;
}

bool mvctl_is_ram(const struct mvctl_vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa <= vm->low_size)
		return len <= vm->low_size - gpa;
	if (vm->top > vm->low_size && gpa >= MVCTL_HIGH_RAM && gpa <= vm->top)
		return len <= vm->top - gpa;
	return false;
}

int mvctl_vcpu_create(struct mvctl_vm *vm, struct mvctl_vcpu *vcpu, unsigned int id)
{
	void *run;
	int fd, err;

	vcpu->fd = -1;
	vcpu->run = NULL;
	fd = ioctl(vm->fd, MV_CREATE_VCPU, id);
	if (fd < 0)
		return -errno;
	run = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	vcpu->fd = fd;
	vcpu->run = run;
	return 0;
}

void mvctl_vcpu_destroy(struct mvctl_vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, PAGE_SIZE);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

int mvctl_load(struct mvctl_vm *vm, uint64_t gpa, const void *data, size_t len)
{
	if (!mvctl_is_ram(vm, gpa, len))
		return -ERANGE;
	memcpy(vm->mem + gpa, data, len);
	return 0;
}

int mvctl_load_file(struct mvctl_vm *vm, uint64_t gpa, const char *path, size_t *len)
{
	struct stat st;
	size_t done = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (!mvctl_is_ram(vm, gpa, st.st_size)) {
		err = -EFBIG;
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, vm->mem + gpa + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;		/* shrank under us: load what there was */
		done += n;
	}
	*len = done;
out:
	close(fd);
	return err;
}

static void seg_set(struct mv_segment *seg, uint16_t sel, uint64_t base,
		    uint32_t limit, uint8_t type, uint8_t s)
{
	memset(seg, 0, sizeof(*seg));
	seg->selector = sel;
	seg->base = base;
	seg->limit = limit;
	seg->type = type;
	seg->s = s;
	seg->present = 1;
}

/* Flat 32-bit segments: g = 1, db = 1, limit 4 GiB. */
static void seg_flat(struct mv_segment *seg, uint16_t sel, uint8_t type)
{
	seg_set(seg, sel, 0, 0xffffffff, type, 1);
	seg->db = 1;
	seg->g = 1;
}

/* TR and LDTR as after RESET: usable, so that every backend accepts them. */
static void seg_system_defaults(struct mv_sregs *sregs)
{
	seg_set(&sregs->tr, 0, 0, 0xffff, SEG_TSS_BUSY, 0);
	seg_set(&sregs->ldt, 0, 0, 0xffff, SEG_LDT, 0);
}

static void write_gdt(struct mvctl_vm *vm, uint64_t code)
{
	uint64_t *gdt = (uint64_t *)(vm->mem + MVBOOT_GDT);

	gdt[0] = 0;
	gdt[MVBOOT_SEL_CODE / 8] = code;
	gdt[MVBOOT_SEL_DATA / 8] = GDT_DATA;
}

/*
 * Identity map 0 .. max(top of RAM, 4 GiB) with 2 MiB pages: all RAM, also
 * above 4 GiB, and the MMIO below 4 GiB.
 */
static int write_page_tables(struct mvctl_vm *vm)
{
	uint64_t gib = (vm->top + GIB - 1) / GIB;
	uint64_t *pml4, *pdpt;

	if (gib < 4)
		gib = 4;
	if (gib > 512 || MVBOOT_PD + gib * PAGE_SIZE > MVBOOT_STACK_TOP - 4 * PAGE_SIZE)
		return -ENOSPC;

	pml4 = (uint64_t *)(vm->mem + MVBOOT_PML4);
	pdpt = (uint64_t *)(vm->mem + MVBOOT_PDPT);
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	pml4[0] = MVBOOT_PDPT | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < gib; i++) {
		uint64_t pd_gpa = MVBOOT_PD + i * PAGE_SIZE;
		uint64_t *pd = (uint64_t *)(vm->mem + pd_gpa);

		pdpt[i] = pd_gpa | PTE_P | PTE_RW;
		for (uint64_t j = 0; j < 512; j++)
			pd[j] = (i * GIB + (j << 21)) | PTE_P | PTE_RW | PTE_PS;
	}
	return 0;
}

static void write_bootinfo(struct mvctl_vm *vm, enum mvctl_mode mode)
{
	struct mvboot_info *bi = (struct mvboot_info *)(vm->mem + MVBOOT_ADDR);

	memset(bi, 0, sizeof(*bi));
	bi->magic = MVBOOT_MAGIC;
	bi->mem_size = vm->low_size;
	bi->mode = mode;
}

static int setup_real(struct mv_sregs *sregs, struct mv_regs *regs, uint64_t entry)
{
	struct mv_segment *data[] = {
		&sregs->ds, &sregs->es, &sregs->fs, &sregs->gs, &sregs->ss,
	};
	uint16_t cs;

	/* CS = 0 if the entry is in the first 64 KiB, else the segment holding it. */
	if (entry >= 0x100000)
		return -ERANGE;
	cs = entry < 0x10000 ? 0 : (entry >> 4) & 0xf000;

	seg_set(&sregs->cs, cs, (uint64_t)cs << 4, 0xffff, SEG_CODE_RX_A, 1);
	for (unsigned int i = 0; i < ARRAY_SIZE(data); i++)
		seg_set(data[i], 0, 0, 0xffff, SEG_DATA_RW_A, 1);
	seg_system_defaults(sregs);
	sregs->gdt.base = 0;
	sregs->gdt.limit = 0xffff;
	sregs->idt.base = 0;
	sregs->idt.limit = 0x3ff;	/* the real-mode IVT */
	/* As a BIOS leaves it: caches on (RESET has CD and NW set). */
	sregs->cr0 = MVCTL_CR0_ET;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;

	regs->rip = entry - ((uint64_t)cs << 4);
	regs->rsp = MVCTL_REAL_SP;
	return 0;
}

static void setup_flat(struct mv_sregs *sregs, struct mv_regs *regs,
		       struct mvctl_vm *vm, uint64_t entry)
{
	struct mv_segment *data[] = {
		&sregs->ds, &sregs->es, &sregs->fs, &sregs->gs, &sregs->ss,
	};

	seg_flat(&sregs->cs, MVBOOT_SEL_CODE, SEG_CODE_RX_A);
	for (unsigned int i = 0; i < ARRAY_SIZE(data); i++)
		seg_flat(data[i], MVBOOT_SEL_DATA, SEG_DATA_RW_A);
	seg_system_defaults(sregs);
	sregs->gdt.base = MVBOOT_GDT;
	sregs->gdt.limit = 3 * 8 - 1;
	/* No IDT: any exception becomes a triple fault (MV_EXIT_SHUTDOWN). */
	sregs->idt.base = 0;
	sregs->idt.limit = 0;

	regs->rip = entry;
	regs->rsp = MVBOOT_STACK_TOP;
	regs->rdi = vm->low_size;
	regs->rsi = MVBOOT_ADDR;
}

/* Paging on with the identity map at MVBOOT_PML4, long mode active. */
static void set_long_mode_crs(struct mv_sregs *sregs)
{
	sregs->cr0 = MVCTL_CR0_PE | MVCTL_CR0_MP | MVCTL_CR0_ET |
		     MVCTL_CR0_NE | MVCTL_CR0_WP | MVCTL_CR0_PG;
	sregs->cr3 = MVBOOT_PML4;
	sregs->cr4 = MVCTL_CR4_PAE | MVCTL_CR4_OSFXSR | MVCTL_CR4_OSXMMEXCPT;
	sregs->efer = MVCTL_EFER_LME | MVCTL_EFER_LMA;
}

int mvctl_setup_mode(struct mvctl_vm *vm, struct mvctl_vcpu *vcpu,
		     enum mvctl_mode mode, uint64_t entry)
{
	struct mv_sregs sregs;
	struct mv_regs regs;
	int err;

	/* Start from the RESET state the module gave the vCPU. */
	if (ioctl(vcpu->fd, MV_GET_SREGS, &sregs))
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;	/* bit 1 is always set */

	switch (mode) {
	case MVCTL_MODE_REAL:
		err = setup_real(&sregs, &regs, entry);
		if (err)
			return err;
		break;
	case MVCTL_MODE_PROTECTED:
		if (vm->low_size < MVBOOT_LOW_END)
			return -ENOSPC;
		write_gdt(vm, GDT_CODE32);
		write_bootinfo(vm, mode);
		setup_flat(&sregs, &regs, vm, entry);
		regs.rdi = (uint32_t)(vm->low_size > 0xffffffffull ?
				      0xffffffffull : vm->low_size);
		sregs.cr0 = MVCTL_CR0_PE | MVCTL_CR0_ET | MVCTL_CR0_NE;
		sregs.cr3 = 0;
		sregs.cr4 = 0;
		sregs.efer = 0;
		break;
	case MVCTL_MODE_LONG:
		if (vm->low_size < MVBOOT_LOW_END)
			return -ENOSPC;
		err = write_page_tables(vm);
		if (err)
			return err;
		write_gdt(vm, GDT_CODE64);
		write_bootinfo(vm, mode);
		setup_flat(&sregs, &regs, vm, entry);
		sregs.cs.l = 1;
		sregs.cs.db = 0;
		set_long_mode_crs(&sregs);
		break;
	default:
		return -EINVAL;
	}
	sregs.cr2 = 0;
	memset(sregs.reserved, 0, sizeof(sregs.reserved));

	if (ioctl(vcpu->fd, MV_SET_SREGS, &sregs))
		return -errno;
	if (ioctl(vcpu->fd, MV_SET_REGS, &regs))
		return -errno;
	return 0;
}

int mvctl_linux64_state(struct mvctl_vm *vm, uint64_t entry, uint64_t boot_params,
			uint64_t stack, struct mv_sregs *sregs, struct mv_regs *regs)
{
	uint64_t *gdt = (uint64_t *)(vm->mem + MVBOOT_GDT);
	int err;

	if (vm->low_size < MVBOOT_LOW_END)
		return -ENOSPC;
	err = write_page_tables(vm);
	if (err)
		return err;
	memset(gdt, 0, 4 * 8);
	gdt[MVBOOT_LINUX_CS / 8] = GDT_CODE64;
	gdt[MVBOOT_LINUX_DS / 8] = GDT_DATA;

	memset(regs, 0, sizeof(*regs));
	setup_flat(sregs, regs, vm, entry);
	sregs->gdt.limit = 4 * 8 - 1;
	sregs->cs.selector = MVBOOT_LINUX_CS;
	sregs->cs.l = 1;
	sregs->cs.db = 0;
	sregs->ds.selector = MVBOOT_LINUX_DS;
	sregs->es.selector = MVBOOT_LINUX_DS;
	sregs->fs.selector = MVBOOT_LINUX_DS;
	sregs->gs.selector = MVBOOT_LINUX_DS;
	sregs->ss.selector = MVBOOT_LINUX_DS;
	set_long_mode_crs(sregs);
	sregs->cr2 = 0;
	memset(sregs->reserved, 0, sizeof(sregs->reserved));

	regs->rflags = 2;	/* IF = 0: interrupts off */
	regs->rdi = 0;
	regs->rsi = boot_params;
	regs->rsp = stack;
	return 0;
}

int mvctl_setup_linux64(struct mvctl_vm *vm, struct mvctl_vcpu *vcpu,
			uint64_t entry, uint64_t boot_params, uint64_t stack)
{
	struct mv_sregs sregs;
	struct mv_regs regs;
	int err;

	if (vm->low_size < MVBOOT_LOW_END)
		return -ENOSPC;
	if (ioctl(vcpu->fd, MV_GET_SREGS, &sregs))
		return -errno;
	err = mvctl_linux64_state(vm, entry, boot_params, stack, &sregs, &regs);
	if (err)
		return err;
	if (ioctl(vcpu->fd, MV_SET_SREGS, &sregs))
		return -errno;
	if (ioctl(vcpu->fd, MV_SET_REGS, &regs))
		return -errno;
	return 0;
}

int mvctl_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift) {
		end++;
		/* 512M, 512MB and 512MiB all mean 512 << 20 */
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
	}
	if (*end)
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = (uint64_t)v << shift;
	return 0;
}

static const char *const mode_names[] = {
	[MVCTL_MODE_REAL] = "real",
	[MVCTL_MODE_PROTECTED] = "protected",
	[MVCTL_MODE_LONG] = "long",
};

int mvctl_parse_mode(const char *s)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (!strcmp(s, mode_names[i]))
			return i;
	return -EINVAL;
}

const char *mvctl_mode_name(enum mvctl_mode mode)
{
	if ((unsigned int)mode < ARRAY_SIZE(mode_names))
		return mode_names[mode];
	return "?";
}

static const char *const exit_names[] = {
	[MV_EXIT_NONE] = "none",
	[MV_EXIT_IO] = "io",
	[MV_EXIT_MMIO] = "mmio",
	[MV_EXIT_HLT] = "hlt",
	[MV_EXIT_SHUTDOWN] = "shutdown",
	[MV_EXIT_HYPERCALL] = "hypercall",
	[MV_EXIT_FAIL_ENTRY] = "fail_entry",
	[MV_EXIT_INTERNAL_ERROR] = "internal_error",
	[MV_EXIT_INTR] = "intr",
};

const char *mvctl_exit_name(uint32_t reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "?";
}

static const char *const stat_names[] = {
	[MV_STAT_CPUID] = "cpuid",
	[MV_STAT_HLT] = "hlt",
	[MV_STAT_IO] = "io",
	[MV_STAT_MMIO] = "mmio",
	[MV_STAT_NESTED_FAULT] = "nested_fault",
	[MV_STAT_MSR_READ] = "msr_read",
	[MV_STAT_MSR_WRITE] = "msr_write",
	[MV_STAT_HYPERCALL] = "hypercall",
	[MV_STAT_CR_ACCESS] = "cr_access",
	[MV_STAT_XSETBV] = "xsetbv",
	[MV_STAT_INVD] = "invd",
	[MV_STAT_EXTERNAL_INTR] = "external_intr",
	[MV_STAT_NMI] = "nmi",
	[MV_STAT_EXCEPTION] = "exception",
	[MV_STAT_VIRT_INSN] = "virt_insn",
	[MV_STAT_SHUTDOWN] = "shutdown",
	[MV_STAT_OTHER] = "other",
	[MV_STAT_IRQ_WINDOW] = "irq_window",
	[MV_STAT_APIC_ACCESS] = "apic_access",
	[MV_STAT_IRQ_INJECTED] = "irq_injected",
	[MV_STAT_HALT_WAKEUP] = "halt_wakeup",
	[MV_STAT_FAST_PATH] = "fast_path",
	[MV_STAT_SLICE_END] = "slice_end",
};

const char *mvctl_stat_name(unsigned int stat)
{
	if (stat < ARRAY_SIZE(stat_names) && stat_names[stat])
		return stat_names[stat];
	return "?";
}
