// SPDX-License-Identifier: GPL-2.0
/*
 * mvbench: exit costs, first-touch memory cost and VM set-up cost, measured
 * the same way under minivisor and under KVM, with the same guest image
 * (guest.S). Run inside the emulated machine with QEMU's -icount, where
 * CLOCK_MONOTONIC advances one nanosecond per emulated instruction, so the
 * figures repeat exactly from run to run.
 *
 *   mvbench --backend minivisor|kvm --image bench-guest.bin [--only SCENARIO]
 *
 * prints one CSV line per scenario: "BENCH,backend,scenario,value,unit".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "bench.h"

#define EXIT_ITERS	1000
#define CREATE_ITERS	20
#define TOUCH_MEM	(512UL << 20)

static unsigned char image[4096];
static size_t image_size;

void bvm_close(struct bvm *vm)
{
	if (vm->run && vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	if (vm->mem && vm->mem != MAP_FAILED)
		munmap(vm->mem, vm->mem_size);
	if (vm->vcpu_fd > 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd > 0)
		close(vm->vm_fd);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Run the guest's scenario @scen to its end; -1 on a surprise exit. */
static int run_scenario(const struct backend *b, struct bvm *vm, int scen,
			uint32_t iters, uint32_t arg)
{
	if (b->setup(vm, MVB_LOAD, scen, iters, arg))
		return -1;
	for (;;) {
		switch (b->run(vm)) {
		case BEXIT_IO:
			if (vm->io_port == MVB_PORT_DONE)
				return 0;
			continue;	/* MVB_PORT_BENCH: straight back in */
		case BEXIT_MMIO:
			continue;
		default:
			return -1;
		}
	}
}

static int new_vm(const struct backend *b, struct bvm *vm, size_t mem, bool small)
{
	if (b->create(vm, mem, small)) {
		fprintf(stderr, "mvbench: %s: cannot create a VM: %s\n", b->name, strerror(errno));
		return -1;
	}
	memcpy(vm->mem + MVB_LOAD, image, image_size);
	return 0;
}

static void report(const struct backend *b, const char *scenario, double value,
		   const char *unit)
{
	printf("BENCH,%s,%s,%.1f,%s\n", b->name, scenario, value, unit);
	fflush(stdout);
}

/* Nanoseconds per guest exit of scenario @scen (warmed up first). */
static int bench_exits(const struct backend *b, const char *name, int scen)
{
	struct bvm vm;
	double t0;
	int ret = -1;

	if (new_vm(b, &vm, 16 << 20, false))
		goto out;
	if (run_scenario(b, &vm, scen, 10, 0))	/* warm-up: page in, caches */
		goto out;
	t0 = now_ns();
	if (run_scenario(b, &vm, scen, EXIT_ITERS, 0))
		goto out;
	report(b, name, (now_ns() - t0) / EXIT_ITERS, "ns");
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "mvbench: %s: %s failed\n", b->name, name);
	b->destroy(&vm);
	return ret;
}

/* Milliseconds for the guest to touch every page of 512 MiB once. */
static int bench_touch(const struct backend *b, const char *name, bool small)
{
	struct bvm vm;
	double t0;
	int ret = -1;

	if (new_vm(b, &vm, TOUCH_MEM, small))
		goto out;
	t0 = now_ns();
	if (run_scenario(b, &vm, MVB_TOUCH, 0, TOUCH_MEM))
		goto out;
	report(b, name, (now_ns() - t0) / 1e6, "ms");
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "mvbench: %s: %s failed\n", b->name, name);
	b->destroy(&vm);
	return ret;
}

/* Microseconds to create a VM with 16 MiB and a vCPU, and destroy it. */
static int bench_create(const struct backend *b)
{
	struct bvm vm;
	double t0 = now_ns();

	for (int i = 0; i < CREATE_ITERS; i++) {
		if (b->create(&vm, 16 << 20, false)) {
			fprintf(stderr, "mvbench: %s: create failed: %s\n", b->name,
				strerror(errno));
			b->destroy(&vm);
			return -1;
		}
		b->destroy(&vm);
	}
	report(b, "vm-create-destroy", (now_ns() - t0) / CREATE_ITERS / 1e3, "us");
	return 0;
}

/* --only NAME: is scenario @name one to run? */
static bool want(const char *only, const char *name)
{
	return !only || !strcmp(only, name);
}

int main(int argc, char **argv)
{
	const struct backend *b = NULL;
	const char *path = NULL, *only = NULL;
	int fd, fails = 0;
	ssize_t n;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--backend"))
			b = !strcmp(argv[i + 1], "kvm") ? &backend_kvm : &backend_mv;
		else if (!strcmp(argv[i], "--image"))
			path = argv[i + 1];
		else if (!strcmp(argv[i], "--only"))
			only = argv[i + 1];
	}
	if (!b || !path) {
		fprintf(stderr, "usage: mvbench --backend minivisor|kvm --image FILE [--only SCENARIO]\n");
		return 2;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 2;
	}
	n = read(fd, image, sizeof(image));
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "mvbench: %s: empty or unreadable\n", path);
		return 2;
	}
	image_size = n;
	if (!b->open())
		return 1;

	if (want(only, "cpuid"))
		fails += !!bench_exits(b, "cpuid", MVB_CPUID);
	if (want(only, "hypercall"))
		fails += !!bench_exits(b, "hypercall",
				       b->vendor() == 1 ? MVB_VMCALL : MVB_VMMCALL);
	if (want(only, "pio-to-user"))
		fails += !!bench_exits(b, "pio-to-user", MVB_PIO);
	if (want(only, "mmio-to-user"))
		fails += !!bench_exits(b, "mmio-to-user", MVB_MMIO);
	if (want(only, "touch-512m-2m"))
		fails += !!bench_touch(b, "touch-512m-2m", false);
	if (want(only, "touch-512m-4k"))
		fails += !!bench_touch(b, "touch-512m-4k", true);
	if (want(only, "vm-create-destroy"))
		fails += !!bench_create(b);
	return fails ? 1 : 0;
}
