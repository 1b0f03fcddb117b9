/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvboot backends: one Linux-capable vCPU on /dev/minivisor or /dev/kvm,
 * with the same platform (in-kernel local APIC, I/O APIC and PIT), so that
 * mvboot.c runs the very same kernel, initrd, command line, ACPI tables and
 * devices under both.
 */
#ifndef MVBOOT_H
#define MVBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/mvctl/mvctl.h"
#include "tools/mvctl/vm.h"

/* One exit that reached the runner. */
enum bx_kind {
	BX_IO,		/* port I/O: @port, @in, @size, @count, @data */
	BX_MMIO,	/* nothing mapped at @addr: @len bytes, @write, @data */
	BX_HLT,		/* HLT with nothing to wake the vCPU */
	BX_INTR,	/* a signal (the timeout) interrupted the run */
	BX_SHUTDOWN,	/* triple fault: @what */
	BX_ERROR,	/* anything else: @what */
};

struct bx {
	enum bx_kind kind;
	uint16_t port;
	bool in, write;
	unsigned int size, count, len;
	uint64_t addr;
	uint8_t *data;
	char what[192];
};

/**
 * struct bmachine - the VM of a backend.
 * @vm: guest RAM at 0 (and the VM fd), as mvctl's loader wants it.
 * @vcpu: vCPU 0: its fd and run page (KVM: a struct kvm_run, cast).
 * @run_size: bytes mapped at @vcpu.run.
 * @sys_fd: /dev/minivisor or /dev/kvm.
 * @kvm_cpuid: KVM only: the guest's CPUID is KVM's own (supported minus the
 *	paravirt leaves) instead of minivisor's view of the host's.
 */
struct bmachine {
	struct mvctl_vm vm;
	struct mvctl_vcpu vcpu;
	size_t run_size;
	int sys_fd;
	bool kvm_cpuid;
};

struct boot_backend {
	const char *name;
	/* Open the device; -1 with a message if it is not there. */
	int (*open)(struct bmachine *m);
	/* A VM with @mem bytes of RAM, the in-kernel irqchip and PIT, vCPU 0. */
	int (*create)(struct bmachine *m, uint64_t mem);
	/* The guest's TSC frequency in kHz (0 if unknown). */
	long (*tsc_khz)(struct bmachine *m);
	/* Load @l (mvctl's loader) with the ACPI tables at @rsdp, vCPU at the entry. */
	int (*load)(struct bmachine *m, struct mvctl_linux *l, uint64_t rsdp);
	/* Run to the next exit that needs the runner. */
	int (*run)(struct bmachine *m, struct bx *x);
	/* Drive I/O APIC input @gsi. */
	int (*irq_line)(struct bmachine *m, unsigned int gsi, bool level);
	/* From a signal handler: make the current or next run return BX_INTR. */
	void (*kick)(struct bmachine *m);
	/* Print "INFO,<name>,<what>,<value>" lines on the exits it counted. */
	void (*stats)(struct bmachine *m, FILE *f, const char *name);
	void (*destroy)(struct bmachine *m);
};

extern const struct boot_backend boot_mv;
extern const struct boot_backend boot_kvm;

#endif /* MVBOOT_H */
