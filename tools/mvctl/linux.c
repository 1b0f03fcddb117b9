// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl create --kernel: load a Linux bzImage with the x86 64-bit boot
 * protocol (Documentation/x86/boot.rst, zero-page.rst). No firmware and no
 * real-mode setup code run: mvctl does what a boot loader does and enters
 * the kernel's 64-bit entry point, startup_64, at load address + 0x200.
 *
 * Guest-physical layout:
 *
 *   0x00000  real-mode IVT (zeros) and BIOS data area: base memory size
 *            (0x413) and EBDA segment (0x40e) agree with the e820 map
 *   0x01000  GDT: 0x10 flat 64-bit code, 0x18 flat data   (vm.c)
 *   0x02000  PML4, PDPT, page directories: identity map of all RAM and
 *            at least the first 4 GiB with 2 MiB pages     (vm.c)
 *   0x10000  boot_params, "the zero page"; stack pointer just below it
 *   0x20000  kernel command line
 *   0x9fc00  EBDA (1 KiB), then the legacy ROM area: e820 "reserved"
 *   0xe0000  ACPI tables, RSDP first (acpi.c)
 *   0xffff0  the reset vector: a stub that resets the machine (below)
 *   pref_address (16 MiB for Debian's kernels): the protected-mode kernel;
 *            it needs init_size bytes from there to decompress itself
 *   end of the RAM at 0, or initrd_addr_max + 1 (2 GiB for x86-64
 *            kernels) if lower: the initrd, page aligned, as high as it
 *            may go
 *   3 GiB .. 4 GiB: no RAM, as on a PC: the I/O APIC (0xfec00000) and the
 *            local APICs (0xfee00000) are there
 *   4 GiB .. 4 GiB + RAM - 3 GiB: the rest of RAM if there is more than
 *            3 GiB (create.c, mvctl_vm_create_split())
 *
 * The kernel and the initrd go in the RAM at 0: the boot protocol's 32-bit
 * fields (code32_start, ramdisk_image) and initrd_addr_max are about
 * addresses below 4 GiB.
 */
#include <asm/bootparam.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mvctl.h"
#include "vm.h"

#define MIB			((uint64_t)1 << 20)

#define LINUX_BOOT_PARAMS	0x10000ull
#define LINUX_STACK		LINUX_BOOT_PARAMS
#define LINUX_CMDLINE		0x20000ull
#define LINUX_CMDLINE_MAX	(0x90000ull - LINUX_CMDLINE)
#define LINUX_LOW_RAM_END	0x9fc00ull	/* 639 KiB, then the EBDA */
#define LINUX_HIGH_RAM		0x100000ull
#define LINUX_64BIT_ENTRY	0x200		/* startup_64 - startup_32 */

/* Setup header fields by their offset in the image (boot.rst) */
#define HDR_SETUP_SECTS		0x1f1
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_MAGIC		0x202
#define HDR_START		0x1f1
#define BOOT_FLAG		0xaa55
#define HDR_MAGIC_VALUE		0x53726448	/* "HdrS" */

/* e820 types */
#define E820_TYPE_RAM		1
#define E820_TYPE_RESERVED	2

/* BIOS data area */
#define BDA_EBDA_SEGMENT	0x40e
#define BDA_BASE_MEM_KIB	0x413

/*
 * The reset vector, F000:FFF0. There is no firmware, but Linux reboots a
 * hardware-reduced ACPI machine through EFI first, then, without EFI
 * runtime services, by jumping there in real mode (machine_real_restart).
 * What it finds resets the machine through the FADT's reset register:
 *
 *	mov $MVCTL_RESET_VALUE, %al
 *	mov $MVCTL_RESET_PORT, %dx
 *	out %al, %dx
 *   1:	hlt
 *	jmp 1b
 */
#define RESET_VECTOR		0xffff0
static const uint8_t reset_stub[] = {
	0xb0, MVCTL_RESET_VALUE,
	0xba, MVCTL_RESET_PORT & 0xff, MVCTL_RESET_PORT >> 8,
	0xee,
	0xf4,
	0xeb, 0xfd,
};

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

/* Read a whole file into a new buffer; -errno. */
static int read_file(const char *path, uint8_t **buf, size_t *len, uint64_t max)
{
	struct stat st;
	size_t done = 0;
	uint8_t *p;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		err = -EFBIG;
		goto out;
	}
	p = malloc(st.st_size ? st.st_size : 1);
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, p + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	*buf = p;
	*len = done;
	err = 0;
out:
	close(fd);
	return err;
}

static const struct setup_header *image_hdr(const struct mvctl_linux *l)
{
	return (const struct setup_header *)(l->image + HDR_START);
}

/* The checks of a boot loader, each with its own message. */
static int check_image(struct mvctl_linux *l, uint64_t low_size)
{
	const char *path = l->kernel_path;
	const struct setup_header *h;
	uint64_t pm_size, end;
	unsigned int setup_sects;

	if (l->image_size < 1024) {
		fprintf(stderr, "mvctl: kernel %s is not a bzImage: %zu bytes is too short for a setup header\n",
			path, l->image_size);
		return -1;
	}
	h = image_hdr(l);
	if (h->header != HDR_MAGIC_VALUE || h->boot_flag != BOOT_FLAG) {
		fprintf(stderr, "mvctl: kernel %s is not a bzImage (no \"HdrS\" setup header at 0x%x)\n",
			path, HDR_MAGIC);
		return -1;
	}
	l->version = h->version;
	if (h->version < 0x20c) {
		fprintf(stderr, "mvctl: kernel %s speaks boot protocol %u.%02u; the 64-bit entry needs 2.12 or later\n",
			path, h->version >> 8, h->version & 0xff);
		return -1;
	}
	if (!(h->xloadflags & XLF_KERNEL_64)) {
		fprintf(stderr, "mvctl: kernel %s has no 64-bit entry point (XLF_KERNEL_64 is clear): not an x86-64 kernel\n",
			path);
		return -1;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		fprintf(stderr, "mvctl: kernel %s is a zImage (loads at 0x10000); only bzImages are supported\n",
			path);
		return -1;
	}
	setup_sects = h->setup_sects ? h->setup_sects : 4;
	l->setup_size = (setup_sects + 1) * 512ull;
	pm_size = (uint64_t)h->syssize * 16;
	if (l->setup_size + pm_size > l->image_size || pm_size == 0) {
		fprintf(stderr, "mvctl: kernel %s is truncated: %zu bytes, but its header says %" PRIu64 " (%u setup sectors, %" PRIu64 " bytes of kernel)\n",
			path, l->image_size, l->setup_size + pm_size, setup_sects, pm_size);
		return -1;
	}
	/* Anything after syssize (a signature) is not loaded. */
	l->kernel_size = pm_size;
	l->init_size = h->init_size;
	if (l->init_size < l->kernel_size) {
		fprintf(stderr, "mvctl: kernel %s is not a bzImage: init_size 0x%" PRIx64 " is smaller than the kernel itself (0x%" PRIx64 " bytes)\n",
			path, l->init_size, l->kernel_size);
		return -1;
	}
	/*
	 * Load at pref_address: a relocatable kernel then needs no
	 * relocation, a non-relocatable one must run there anyway. The
	 * 64-bit entry decompresses into max(load address, pref_address),
	 * so nothing is gained by loading lower.
	 */
	l->load_addr = h->pref_address;
	if (l->load_addr < LINUX_HIGH_RAM ||
	    (h->kernel_alignment && l->load_addr % h->kernel_alignment)) {
		fprintf(stderr, "mvctl: kernel %s: preferred load address 0x%llx is below 1 MiB or not aligned to 0x%x\n",
			path, (unsigned long long)h->pref_address, h->kernel_alignment);
		return -1;
	}
	end = l->load_addr + l->init_size;
	if (end > low_size) {
		fprintf(stderr, "mvctl: kernel %s needs %" PRIu64 " MiB of RAM at 0 (loaded at 0x%" PRIx64 ", init_size %" PRIu64 " MiB): %s\n",
			path, (end + MIB - 1) / MIB, l->load_addr, (l->init_size + MIB - 1) / MIB,
			low_size < MVCTL_LINUX_LOW_MAX ? "--mem is too small" :
			"more than the RAM below the 32-bit hole");
		return -1;
	}
	l->cmdline_size = h->cmdline_size;
	l->initrd_addr_max = h->initrd_addr_max;
	return 0;
}

static int check_cmdline(struct mvctl_linux *l)
{
	size_t len = strlen(l->cmdline);
	uint64_t max = l->cmdline_size;

	if (max > LINUX_CMDLINE_MAX - 1)
		max = LINUX_CMDLINE_MAX - 1;
	if (len > max) {
		fprintf(stderr, "mvctl: --append is %zu bytes; kernel %s takes at most %" PRIu64 " (cmdline_size)\n",
			len, l->kernel_path, max);
		return -1;
	}
	return 0;
}

/*
 * Page aligned, as high as allowed, above the kernel's init_size area, in
 * the RAM at 0 (XLF_CAN_BE_LOADED_ABOVE_4G would allow more; not needed).
 */
static int place_initrd(struct mvctl_linux *l, uint64_t low_size)
{
	uint64_t top = low_size, lowest = l->load_addr + l->init_size;
	const char *why = low_size < MVCTL_LINUX_LOW_MAX ? "the end of RAM: use more --mem" :
			  "the end of the RAM below the 32-bit hole";
	struct stat st;

	if (stat(l->initrd_path, &st)) {
		fprintf(stderr, "mvctl: cannot open initrd %s: %s\n", l->initrd_path,
			strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "mvctl: initrd %s is not a regular file\n", l->initrd_path);
		return -1;
	}
	l->initrd_size = st.st_size;
	/* initrd_addr_max is the highest address the initrd may occupy. */
	if (l->initrd_addr_max && (uint64_t)l->initrd_addr_max + 1 < top) {
		top = (uint64_t)l->initrd_addr_max + 1;
		why = "the kernel's initrd_addr_max";
	}
	if (l->initrd_size > top || align_down(top - l->initrd_size, 4096) < lowest) {
		fprintf(stderr, "mvctl: initrd %s (%" PRIu64 " bytes) does not fit between the kernel (which needs up to 0x%" PRIx64 ") and 0x%" PRIx64 ", %s\n",
			l->initrd_path, l->initrd_size, lowest, top, why);
		return -1;
	}
	l->initrd_addr = align_down(top - l->initrd_size, 4096);
	return 0;
}

int mvctl_linux_check(struct mvctl_linux *l, uint64_t low_size)
{
	int err;

	err = read_file(l->kernel_path, &l->image, &l->image_size, low_size);
	if (err == -EFBIG) {
		fprintf(stderr, "mvctl: kernel %s is larger than the guest's RAM at 0 (%" PRIu64 " MiB)\n",
			l->kernel_path, low_size / MIB);
		return -1;
	}
	if (err == -EINVAL) {
		fprintf(stderr, "mvctl: kernel %s is not a regular file\n", l->kernel_path);
		return -1;
	}
	if (err) {
		fprintf(stderr, "mvctl: cannot read kernel %s: %s\n", l->kernel_path,
			strerror(-err));
		return -1;
	}
	if (check_image(l, low_size) || check_cmdline(l))
		return -1;
	if (l->initrd_path && place_initrd(l, low_size))
		return -1;
	return 0;
}

void mvctl_linux_free(struct mvctl_linux *l)
{
	free(l->image);
	l->image = NULL;
}

static void e820_add(struct boot_params *bp, uint64_t addr, uint64_t end, uint32_t type)
{
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

	e->addr = addr;
	e->size = end - addr;
	e->type = type;
}

/* Read the initrd straight into guest memory. */
static int load_initrd(struct mvctl_linux *l, struct mvctl_vm *vm)
{
	uint64_t done = 0;
	int fd = open(l->initrd_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (done < l->initrd_size) {
		ssize_t n = read(fd, vm->mem + l->initrd_addr + done, l->initrd_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return n < 0 ? -errno : -EIO;	/* shrank under us */
		}
		done += n;
	}
	close(fd);
	return 0;
}

/* Everything but the vCPU: 0 or -1 after a message. */
static int load_memory(struct mvctl_linux *l, struct mvctl_vm *vm, uint64_t rsdp)
{
	struct boot_params *bp = (struct boot_params *)(vm->mem + LINUX_BOOT_PARAMS);
	const uint8_t *src = l->image + HDR_START;
	size_t hdr_len;
	int err;

	/* The protected-mode kernel: everything after the setup sectors. */
	err = mvctl_load(vm, l->load_addr, l->image + l->setup_size, l->kernel_size);
	if (err) {
		fprintf(stderr, "mvctl: cannot set up kernel %s: %s\n", l->kernel_path,
			strerror(-err));
		return -1;
	}

	/*
	 * boot_params: zeroed, then the setup header copied in as it is in
	 * the image: from 0x1f1 up to 0x202 + the byte at 0x201 (the jump
	 * instruction's offset ends the header).
	 */
	memset(bp, 0, sizeof(*bp));
	hdr_len = HDR_JUMP + 2 + l->image[HDR_JUMP + 1] - HDR_START;
	if (hdr_len > sizeof(bp->hdr))
		hdr_len = sizeof(bp->hdr);
	memcpy(&bp->hdr, src, hdr_len);

	bp->hdr.type_of_loader = 0xff;		/* undefined loader */
	bp->hdr.vid_mode = 0xffff;		/* "normal": no VGA here */
	bp->hdr.loadflags &= ~(KEEP_SEGMENTS | CAN_USE_HEAP);
	bp->hdr.code32_start = l->load_addr;

	strcpy((char *)vm->mem + LINUX_CMDLINE, l->cmdline);
	bp->hdr.cmd_line_ptr = (uint32_t)LINUX_CMDLINE;
	bp->ext_cmd_line_ptr = (uint32_t)(LINUX_CMDLINE >> 32);

	if (l->initrd_path) {
		err = load_initrd(l, vm);
		if (err) {
			fprintf(stderr, "mvctl: cannot load initrd %s: %s\n", l->initrd_path,
				strerror(-err));
			return -1;
		}
		bp->hdr.ramdisk_image = (uint32_t)l->initrd_addr;
		bp->hdr.ramdisk_size = (uint32_t)l->initrd_size;
		bp->ext_ramdisk_image = (uint32_t)(l->initrd_addr >> 32);
		bp->ext_ramdisk_size = (uint32_t)(l->initrd_size >> 32);
	}

	/*
	 * ACPI: kernels since 5.0 take the RSDP from boot_params (zero-page
	 * offset 0x70); older ones find the copy at 0xe0000 by scanning.
	 */
	bp->acpi_rsdp_addr = rsdp;

	/*
	 * The memory map: exactly the RAM of the VM. The hole below 4 GiB is
	 * not listed, as PC firmware lists little of it: Linux finds the
	 * APICs in the MADT and takes the largest gap below 4 GiB for MMIO
	 * (e820__setup_pci_gap()).
	 */
	e820_add(bp, 0, LINUX_LOW_RAM_END, E820_TYPE_RAM);
	e820_add(bp, LINUX_LOW_RAM_END, LINUX_HIGH_RAM, E820_TYPE_RESERVED);
	e820_add(bp, LINUX_HIGH_RAM, vm->low_size, E820_TYPE_RAM);
	if (vm->top > vm->low_size)
		e820_add(bp, MVCTL_HIGH_RAM, vm->top, E820_TYPE_RAM);

	memcpy(vm->mem + RESET_VECTOR, reset_stub, sizeof(reset_stub));

	/* What a BIOS leaves in its data area; the EBDA is 1 KiB long. */
	*(uint16_t *)(vm->mem + BDA_EBDA_SEGMENT) = LINUX_LOW_RAM_END >> 4;
	*(uint16_t *)(vm->mem + BDA_BASE_MEM_KIB) = LINUX_LOW_RAM_END >> 10;
	vm->mem[LINUX_LOW_RAM_END] = 1;
	return 0;
}

int mvctl_linux_load(struct mvctl_linux *l, struct mvctl_vm *vm,
		     struct mvctl_vcpu *bsp, uint64_t rsdp)
{
	int err;

	if (load_memory(l, vm, rsdp))
		return -1;
	err = mvctl_setup_linux64(vm, bsp, l->load_addr + LINUX_64BIT_ENTRY,
				  LINUX_BOOT_PARAMS, LINUX_STACK);
	if (err) {
		fprintf(stderr, "mvctl: cannot set up kernel %s: %s\n", l->kernel_path,
			strerror(-err));
		return -1;
	}
	return 0;
}

int mvctl_linux_load_state(struct mvctl_linux *l, struct mvctl_vm *vm, uint64_t rsdp,
			   struct mv_sregs *sregs, struct mv_regs *regs)
{
	int err;

	if (load_memory(l, vm, rsdp))
		return -1;
	err = mvctl_linux64_state(vm, l->load_addr + LINUX_64BIT_ENTRY, LINUX_BOOT_PARAMS,
				  LINUX_STACK, sregs, regs);
	if (err) {
		fprintf(stderr, "mvctl: cannot set up kernel %s: %s\n", l->kernel_path,
			strerror(-err));
		return -1;
	}
	return 0;
}
