/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvbench backends: the same few operations on /dev/minivisor and /dev/kvm,
 * so that one scenario runs the very same guest image under both.
 */
#ifndef MVBENCH_BACKEND_H
#define MVBENCH_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bexit { BEXIT_IO, BEXIT_MMIO, BEXIT_HLT, BEXIT_OTHER };

struct bvm {
	int vm_fd, vcpu_fd;
	void *run;		/* struct mv_run or struct kvm_run */
	size_t run_size;
	uint8_t *mem;
	size_t mem_size;
	uint16_t io_port;	/* of the last BEXIT_IO */
};

struct backend {
	const char *name;
	/* Open the device; false (with a message) if it is not there. */
	bool (*open)(void);
	/* A VM with @mem bytes of RAM at 0 and one vCPU; small: 4 KiB pages. */
	int (*create)(struct bvm *vm, size_t mem, bool small_pages);
	/* Flat 32-bit protected mode at @rip with EAX, ECX, EDX. */
	int (*setup)(struct bvm *vm, uint64_t rip, uint32_t eax, uint32_t ecx, uint32_t edx);
	/* Run to the next exit that reaches userspace. */
	enum bexit (*run)(struct bvm *vm);
	void (*destroy)(struct bvm *vm);
	/* 1 for Intel (VMCALL), 2 for AMD (VMMCALL). */
	int (*vendor)(void);
};

/* Unmap and close what create() set up; the same for both backends. */
void bvm_close(struct bvm *vm);

extern const struct backend backend_mv;
extern const struct backend backend_kvm;

#endif /* MVBENCH_BACKEND_H */
