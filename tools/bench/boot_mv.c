// SPDX-License-Identifier: GPL-2.0
/*
 * mvboot on /dev/minivisor: the VM, the irqchip and the boot state exactly
 * as `mvctl create --kernel` makes them (tools/mvctl/vm.c, linux.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "boot.h"

static int mv_open(struct bmachine *m)
{
	m->sys_fd = open("/dev/minivisor", O_RDWR | O_CLOEXEC);
	if (m->sys_fd < 0)
		perror("mvboot: /dev/minivisor");
	return m->sys_fd < 0 ? -1 : 0;
}

static int mv_create(struct bmachine *m, uint64_t mem)
{
	int err;

	m->vcpu.fd = -1;
	err = mvctl_vm_create(&m->vm, m->sys_fd, mem);
	if (err) {
		fprintf(stderr, "mvboot: minivisor: cannot create a VM: %s\n", strerror(-err));
		return -1;
	}
	if (ioctl(m->vm.fd, MV_CREATE_IRQCHIP, 0)) {
		perror("mvboot: MV_CREATE_IRQCHIP");
		return -1;
	}
	err = mvctl_vcpu_create(&m->vm, &m->vcpu, 0);
	if (err) {
		fprintf(stderr, "mvboot: minivisor: cannot create vCPU 0: %s\n", strerror(-err));
		return -1;
	}
	return 0;
}

static long mv_tsc_khz(struct bmachine *m)
{
	long khz = ioctl(m->sys_fd, MV_CHECK_CAP, MV_CAP_TSC_KHZ);

	return khz > 0 ? khz : 0;
}

static int mv_load(struct bmachine *m, struct mvctl_linux *l, uint64_t rsdp)
{
	return mvctl_linux_load(l, &m->vm, &m->vcpu, rsdp);
}

static int mv_run(struct bmachine *m, struct bx *x)
{
	struct mv_run *run = m->vcpu.run;

	memset(x, 0, sizeof(*x));
	if (ioctl(m->vcpu.fd, MV_RUN, 0)) {
		if (errno == EINTR || errno == EAGAIN) {
			run->immediate_exit = 0;
			x->kind = BX_INTR;
			return 0;
		}
		snprintf(x->what, sizeof(x->what), "MV_RUN: %s", strerror(errno));
		x->kind = BX_ERROR;
		return 0;
	}
	switch (run->exit_reason) {
	case MV_EXIT_IO:
		x->kind = BX_IO;
		x->port = run->io.port;
		x->in = run->io.direction == MV_IO_IN;
		x->size = run->io.size;
		x->count = 1;
		x->data = run->io.data;
		break;
	case MV_EXIT_MMIO:
		x->kind = BX_MMIO;
		x->addr = run->mmio.phys_addr;
		x->len = run->mmio.len;
		x->write = run->mmio.is_write;
		x->data = run->mmio.data;
		break;
	case MV_EXIT_HLT:
		x->kind = BX_HLT;
		break;
	case MV_EXIT_INTR:
		x->kind = BX_INTR;
		break;
	case MV_EXIT_SHUTDOWN:
		x->kind = BX_SHUTDOWN;
		snprintf(x->what, sizeof(x->what), "triple fault at RIP 0x%llx: %.64s",
			 (unsigned long long)run->shutdown.rip, run->shutdown.reason);
		break;
	case MV_EXIT_FAIL_ENTRY:
		x->kind = BX_ERROR;
		snprintf(x->what, sizeof(x->what), "VM entry failed: %.128s",
			 run->fail_entry.cause);
		break;
	case MV_EXIT_INTERNAL_ERROR:
		x->kind = BX_ERROR;
		snprintf(x->what, sizeof(x->what), "internal error %u at RIP 0x%llx: %.128s",
			 run->internal.suberror, (unsigned long long)run->internal.rip,
			 run->internal.cause);
		break;
	default:
		x->kind = BX_ERROR;
		snprintf(x->what, sizeof(x->what), "exit %u (%s)", run->exit_reason,
			 mvctl_exit_name(run->exit_reason));
		break;
	}
	return 0;
}

static int mv_irq_line(struct bmachine *m, unsigned int gsi, bool level)
{
	struct mv_irq_level irq = { .gsi = gsi, .level = level };

	return ioctl(m->vm.fd, MV_IRQ_LINE, &irq);
}

static void mv_kick(struct bmachine *m)
{
	if (m->vcpu.run)
		__atomic_store_n(&m->vcpu.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

static void mv_stats(struct bmachine *m, FILE *f, const char *name)
{
	struct mv_vcpu_stats vs;
	struct mv_vm_stats ms;

	if (!ioctl(m->vcpu.fd, MV_GET_VCPU_STATS, &vs)) {
		fprintf(f, "INFO,%s,exits,%llu\n", name, (unsigned long long)vs.exits);
		for (unsigned int i = 0; i < MV_STAT_NR; i++)
			if (vs.by_reason[i])
				fprintf(f, "INFO,%s,exits-%s,%llu\n", name, mvctl_stat_name(i),
					(unsigned long long)vs.by_reason[i]);
	}
	if (!ioctl(m->vm.fd, MV_GET_VM_STATS, &ms))
		fprintf(f, "INFO,%s,nested-faults,%llu\n", name,
			(unsigned long long)ms.nested_faults);
}

static void mv_destroy(struct bmachine *m)
{
	mvctl_vcpu_destroy(&m->vcpu);
	mvctl_vm_destroy(&m->vm);
	if (m->sys_fd >= 0)
		close(m->sys_fd);
	m->sys_fd = -1;
}

const struct boot_backend boot_mv = {
	.name = "minivisor", .open = mv_open, .create = mv_create, .tsc_khz = mv_tsc_khz,
	.load = mv_load, .run = mv_run, .irq_line = mv_irq_line, .kick = mv_kick,
	.stats = mv_stats, .destroy = mv_destroy,
};
