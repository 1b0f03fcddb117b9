// SPDX-License-Identifier: GPL-2.0
/* mvbench on /dev/kvm: the reference, in the same emulated machine. */
#include <cpuid.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "backend.h"

#define HUGE_2M		(2ul << 20)

static int kvm_sys = -1;

static bool kvm_open(void)
{
	kvm_sys = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_sys < 0)
		perror("mvbench: /dev/kvm");
	return kvm_sys >= 0;
}

static int kvm_create(struct bvm *vm, size_t mem, bool small_pages)
{
	struct kvm_userspace_memory_region r = { .memory_size = mem };
	uintptr_t head;

	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = ioctl(kvm_sys, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return -1;
	/*
	 * KVM maps what the host maps: transparent huge pages give 2 MiB, but
	 * only where guest-physical and host-virtual addresses agree modulo
	 * 2 MiB (else the whole slot gets 4 KiB): align, as QEMU does.
	 */
	vm->mem = mmap(NULL, mem + HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		       MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		return -1;
	head = (HUGE_2M - ((uintptr_t)vm->mem & (HUGE_2M - 1))) & (HUGE_2M - 1);
	if (head)
		munmap(vm->mem, head);
	munmap(vm->mem + head + mem, HUGE_2M - head);
	vm->mem += head;
	vm->mem_size = mem;
	madvise(vm->mem, mem, small_pages ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
	r.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -1;
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return -1;
	vm->run_size = ioctl(kvm_sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	return vm->run == MAP_FAILED ? -1 : 0;
}

static void flat(struct kvm_segment *s, uint8_t type, uint16_t sel)
{
	*s = (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = sel,
				   .type = type, .s = 1, .present = 1, .db = 1, .g = 1 };
}

static int kvm_setup(struct bvm *vm, uint64_t rip, uint32_t eax, uint32_t ecx, uint32_t edx)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = rip, .rflags = 2, .rax = eax, .rcx = ecx, .rdx = edx };

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s))
		return -1;
	flat(&s.cs, 0xb, 8);
	flat(&s.ds, 0x3, 16);
	s.es = s.ds;
	s.ss = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	s.cr0 |= 1;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &s))
		return -1;
	return ioctl(vm->vcpu_fd, KVM_SET_REGS, &r);
}

static enum bexit kvm_run_once(struct bvm *vm)
{
	struct kvm_run *run = vm->run;

	if (ioctl(vm->vcpu_fd, KVM_RUN, 0))
		return BEXIT_OTHER;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vm->io_port = run->io.port;
		return BEXIT_IO;
	case KVM_EXIT_MMIO:
		return BEXIT_MMIO;
	case KVM_EXIT_HLT:
		return BEXIT_HLT;
	default:
		fprintf(stderr, "mvbench: kvm exit %u\n", run->exit_reason);
		return BEXIT_OTHER;
	}
}

static int kvm_vendor(void)
{
	unsigned int a, b, c, d;

	__cpuid(0, a, b, c, d);
	return b == 0x756e6547 ? 1 : 2;	/* "Genu"ineIntel */
}

const struct backend backend_kvm = {
	.name = "kvm", .open = kvm_open, .create = kvm_create, .setup = kvm_setup,
	.run = kvm_run_once, .destroy = bvm_close, .vendor = kvm_vendor,
};
