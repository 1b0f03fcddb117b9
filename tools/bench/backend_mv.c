// SPDX-License-Identifier: GPL-2.0
/* mvbench on /dev/minivisor. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uapi/minivisor.h"
#include "backend.h"

static int mv_sys = -1;

static bool mv_open(void)
{
	mv_sys = open("/dev/minivisor", O_RDWR | O_CLOEXEC);
	if (mv_sys < 0)
		perror("mvbench: /dev/minivisor");
	return mv_sys >= 0;
}

static int mv_create(struct bvm *vm, size_t mem, bool small_pages)
{
	struct mv_memory_region r = {
		.size = mem, .flags = small_pages ? MV_MEM_SMALL_PAGES : 0,
	};

	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = ioctl(mv_sys, MV_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return -1;
	if (ioctl(vm->vm_fd, MV_SET_MEMORY_REGION, &r))
		return -1;
	vm->mem = mmap(NULL, mem, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vm_fd, 0);
	if (vm->mem == MAP_FAILED)
		return -1;
	vm->mem_size = mem;
	vm->vcpu_fd = ioctl(vm->vm_fd, MV_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return -1;
	vm->run_size = 4096;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	return vm->run == MAP_FAILED ? -1 : 0;
}

static void flat(struct mv_segment *s, uint8_t type)
{
	*s = (struct mv_segment){ .base = 0, .limit = 0xffffffff, .type = type,
				  .s = 1, .present = 1, .db = 1, .g = 1 };
}

static int mv_setup(struct bvm *vm, uint64_t rip, uint32_t eax, uint32_t ecx, uint32_t edx)
{
	struct mv_sregs s;
	struct mv_regs r = { .rip = rip, .rflags = 2, .rax = eax, .rcx = ecx, .rdx = edx };

	if (ioctl(vm->vcpu_fd, MV_GET_SREGS, &s))
		return -1;
	flat(&s.cs, 0xb);
	flat(&s.ds, 0x3);
	s.es = s.ds;
	s.ss = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	s.cr0 |= 1;	/* PE */
	if (ioctl(vm->vcpu_fd, MV_SET_SREGS, &s))
		return -1;
	return ioctl(vm->vcpu_fd, MV_SET_REGS, &r);
}

static enum bexit mv_run(struct bvm *vm)
{
	struct mv_run *run = vm->run;

	if (ioctl(vm->vcpu_fd, MV_RUN, 0))
		return BEXIT_OTHER;
	switch (run->exit_reason) {
	case MV_EXIT_IO:
		vm->io_port = run->io.port;
		return BEXIT_IO;
	case MV_EXIT_MMIO:
		return BEXIT_MMIO;
	case MV_EXIT_HLT:
		return BEXIT_HLT;
	default:
		fprintf(stderr, "mvbench: minivisor exit %u\n", run->exit_reason);
		return BEXIT_OTHER;
	}
}

static int mv_vendor(void)
{
	return ioctl(mv_sys, MV_CHECK_CAP, MV_CAP_VENDOR) == MV_VENDOR_INTEL_VMX ? 1 : 2;
}

const struct backend backend_mv = {
	.name = "minivisor", .open = mv_open, .create = mv_create, .setup = mv_setup,
	.run = mv_run, .destroy = bvm_close, .vendor = mv_vendor,
};
