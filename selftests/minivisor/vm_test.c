// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU lifecycle and the ABI's error cases: MV_CREATE_VM,
 * MV_SET_MEMORY_REGION, MV_CREATE_VCPU, MV_SET_SREGS argument checks, mmap
 * of guest RAM, ioctls on the wrong kind of fd, fds closed in any order,
 * memory given back on destroy, many VMs in a row and two at once.
 */
#include "mv_test.h"

#include <pthread.h>

#include "kselftest_harness.h"

#define MIB		(1ull << 20)

/* A VM fd without memory. */
static int new_vm(struct __test_metadata *_metadata, int *sys)
{
	int fd;

	*sys = mv_open_sys();
	ASSERT_LE(0, *sys) {
		TH_LOG("open %s: %s", MV_DEVICE, strerror(-*sys));
	}
	fd = ioctl(*sys, MV_CREATE_VM, 0);
	ASSERT_LE(0, fd) {
		TH_LOG("MV_CREATE_VM: %s", strerror(errno));
	}
	return fd;
}

static int set_region(int vm, uint32_t slot, uint64_t gpa, uint64_t size)
{
	struct mv_memory_region r = { .slot = slot, .guest_phys_addr = gpa, .size = size };

	return ioctl(vm, MV_SET_MEMORY_REGION, &r) ? errno : 0;
}

TEST(create_vm_arg_must_be_zero)
{
	int sys = mv_open_sys(), fd;

	ASSERT_LE(0, sys);
	EXPECT_EQ(-1, ioctl(sys, MV_CREATE_VM, 1));
	EXPECT_EQ(EINVAL, errno);
	fd = ioctl(sys, MV_CREATE_VM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(sys);
}

TEST(memory_region_errors)
{
	struct mv_memory_region r;
	int sys, vm = new_vm(_metadata, &sys);

	/* Reserved fields and flags */
	for (unsigned int i = 0; i < ARRAY_SIZE(r.reserved); i++) {
		r = (struct mv_memory_region){ .size = MIB };
		r.reserved[i] = 1;
		EXPECT_EQ(-1, ioctl(vm, MV_SET_MEMORY_REGION, &r));
		EXPECT_EQ(EINVAL, errno);
	}
	for (unsigned int bit = 0; bit < 32; bit++) {
		if ((1u << bit) & MV_MEM_SMALL_PAGES)
			continue;
		r = (struct mv_memory_region){ .size = MIB, .flags = 1u << bit };
		EXPECT_EQ(-1, ioctl(vm, MV_SET_MEMORY_REGION, &r)) {
			TH_LOG("flags 0x%x accepted", r.flags);
		}
		EXPECT_EQ(EINVAL, errno);
	}

	/* Alignment, size, slot */
	EXPECT_EQ(EINVAL, set_region(vm, 0, 0x800, MIB));
	EXPECT_EQ(EINVAL, set_region(vm, 0, 0, MIB + 1));
	EXPECT_EQ(EINVAL, set_region(vm, 0, 0, 0x800));
	EXPECT_EQ(EINVAL, set_region(vm, 0, 0, 0));
	EXPECT_EQ(EINVAL, set_region(vm, MV_MAX_MEMORY_REGIONS, 0, MIB));
	EXPECT_EQ(EINVAL, set_region(vm, ~0u, 0, MIB));
	/* A range that wraps around */
	EXPECT_NE(0, set_region(vm, 0, ~0ull & ~0xfffull, MIB));
	/* More than a VM may have */
	EXPECT_EQ(E2BIG, set_region(vm, 0, 0, MV_MAX_MEMORY + 4096));

	/* A good one, then the same slot again, then overlaps: all EEXIST */
	ASSERT_EQ(0, set_region(vm, 0, 0, 16 * MIB));
	EXPECT_EQ(EEXIST, set_region(vm, 0, 64 * MIB, MIB));
	EXPECT_EQ(EEXIST, set_region(vm, 1, 15 * MIB, 2 * MIB));	/* the end */
	EXPECT_EQ(EEXIST, set_region(vm, 2, 0, 4096));		/* the start */
	EXPECT_EQ(EEXIST, set_region(vm, 3, 4 * MIB, 4096));		/* inside */
	EXPECT_EQ(EEXIST, set_region(vm, 4, 0, 64 * MIB));		/* around */
	/* Adjacent is fine, as is a region far away. */
	EXPECT_EQ(0, set_region(vm, 1, 16 * MIB, MIB));
	EXPECT_EQ(0, set_region(vm, 2, 4ull << 30, MIB));
	/* More than MV_MAX_MEMORY in all */
	EXPECT_EQ(E2BIG, set_region(vm, 3, 8ull << 30, MV_MAX_MEMORY - 16 * MIB));
	EXPECT_EQ(0, set_region(vm, 3, 8ull << 30, MV_MAX_MEMORY - 18 * MIB));
	/* No slot left for a region, however small */
	EXPECT_NE(0, set_region(vm, 4, 128ull << 30, 4096));
	close(vm);
	close(sys);
}

TEST(vcpu_ids)
{
	int sys, vm = new_vm(_metadata, &sys), fds[MV_MAX_VCPUS];

	EXPECT_EQ(-1, ioctl(vm, MV_CREATE_VCPU, MV_MAX_VCPUS));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm, MV_CREATE_VCPU, -1L));
	EXPECT_EQ(EINVAL, errno);
	for (int i = 0; i < MV_MAX_VCPUS; i++) {
		/* Any order */
		fds[i] = ioctl(vm, MV_CREATE_VCPU, MV_MAX_VCPUS - 1 - i);
		ASSERT_LE(0, fds[i]) {
			TH_LOG("vCPU %d: %s", MV_MAX_VCPUS - 1 - i, strerror(errno));
		}
	}
	EXPECT_EQ(-1, ioctl(vm, MV_CREATE_VCPU, 3));
	EXPECT_EQ(EEXIST, errno);
	/* Still EEXIST after its fd is closed: a vCPU lives as long as its VM. */
	close(fds[0]);
	EXPECT_EQ(-1, ioctl(vm, MV_CREATE_VCPU, MV_MAX_VCPUS - 1));
	EXPECT_EQ(EEXIST, errno);
	for (int i = 1; i < MV_MAX_VCPUS; i++)
		close(fds[i]);
	close(vm);
	close(sys);
}

TEST(sregs_refused)
{
	struct mv_test_vm t;
	struct mv_sregs good, s;
	struct mv_segment *segs[] = {
		&s.cs, &s.ds, &s.es, &s.fs, &s.gs, &s.ss, &s.tr, &s.ldt,
	};

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_PM_MEM, MVCTL_MODE_LONG, NULL, 0));
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_SREGS, &good));

	for (unsigned int i = 0; i < ARRAY_SIZE(good.reserved); i++) {
		s = good;
		s.reserved[i] = 1;
		EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s));
		EXPECT_EQ(EINVAL, errno);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(segs); i++) {
		s = good;
		segs[i]->padding = 1;
		EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s)) {
			TH_LOG("segment %u padding", i);
		}
		EXPECT_EQ(EINVAL, errno);
	}
	s = good;
	s.gdt.padding[0] = 1;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);

	/* CR0.PG without PE */
	s = good;
	s.cr0 &= ~MVCTL_CR0_PE;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	/* EFER.LMA without paging, and LME|PG without LMA */
	s = good;
	s.cr0 &= ~MVCTL_CR0_PG;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = good;
	s.efer &= ~MVCTL_EFER_LMA;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	/* VMXE, SVME, reserved bits */
	s = good;
	s.cr4 |= 1ull << 13;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = good;
	s.efer |= 1ull << 12;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = good;
	s.cr0 |= 1ull << 40;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = good;
	s.cr4 |= 1ull << 63;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);
	s = good;
	s.efer |= 1ull << 63;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_SET_SREGS, &s));
	EXPECT_EQ(EINVAL, errno);

	/* Nothing of that stuck. */
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_SREGS, &s));
	EXPECT_EQ(good.cr0, s.cr0);
	EXPECT_EQ(good.cr4, s.cr4);
	EXPECT_EQ(good.efer, s.efer);
	mv_test_vm_destroy(&t);
}

TEST(wrong_fd_type_is_enotty)
{
	struct mv_test_vm t;
	struct mv_memory_region r = { .size = MIB };
	struct mv_regs regs;
	struct mv_sregs sregs;
	struct mv_vm_stats vs;
	struct mv_vcpu_stats cs;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, NULL, 0));
	const struct {
		int fd;
		unsigned long cmd;
		void *arg;
		const char *what;
	} cases[] = {
		/* system fd: no VM or vCPU ioctls */
		{ t.sys, MV_SET_MEMORY_REGION, &r, "system MV_SET_MEMORY_REGION" },
		{ t.sys, MV_CREATE_VCPU, NULL, "system MV_CREATE_VCPU" },
		{ t.sys, MV_GET_VM_STATS, &vs, "system MV_GET_VM_STATS" },
		{ t.sys, MV_RUN, NULL, "system MV_RUN" },
		{ t.sys, MV_GET_REGS, &regs, "system MV_GET_REGS" },
		/* VM fd: no system or vCPU ioctls */
		{ t.vm.fd, MV_CREATE_VM, NULL, "VM MV_CREATE_VM" },
		{ t.vm.fd, MV_GET_API_VERSION, NULL, "VM MV_GET_API_VERSION" },
		{ t.vm.fd, MV_CHECK_CAP, (void *)MV_CAP_VENDOR, "VM MV_CHECK_CAP" },
		{ t.vm.fd, MV_RUN, NULL, "VM MV_RUN" },
		{ t.vm.fd, MV_GET_REGS, &regs, "VM MV_GET_REGS" },
		{ t.vm.fd, MV_SET_SREGS, &sregs, "VM MV_SET_SREGS" },
		{ t.vm.fd, MV_GET_VCPU_STATS, &cs, "VM MV_GET_VCPU_STATS" },
		/* vCPU fd: no system or VM ioctls */
		{ t.vcpu.fd, MV_CREATE_VM, NULL, "vCPU MV_CREATE_VM" },
		{ t.vcpu.fd, MV_CHECK_CAP, (void *)MV_CAP_VENDOR, "vCPU MV_CHECK_CAP" },
		{ t.vcpu.fd, MV_SET_MEMORY_REGION, &r, "vCPU MV_SET_MEMORY_REGION" },
		{ t.vcpu.fd, MV_CREATE_VCPU, (void *)1, "vCPU MV_CREATE_VCPU" },
		{ t.vcpu.fd, MV_GET_VM_STATS, &vs, "vCPU MV_GET_VM_STATS" },
		/* Unknown numbers on VM and vCPU fds */
		{ t.vm.fd, _IO(MV_IO, 0x7f), NULL, "VM unknown" },
		{ t.vcpu.fd, _IO(MV_IO, 0x7f), NULL, "vCPU unknown" },
		{ t.vcpu.fd, _IOR(MV_IO, 0x21, int), &regs, "vCPU GET_REGS wrong size" },
	};

	memset(&sregs, 0, sizeof(sregs));
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(cases[i].fd, cases[i].cmd, cases[i].arg)) {
			TH_LOG("%s succeeded", cases[i].what);
		}
		EXPECT_EQ(ENOTTY, errno) {
			TH_LOG("%s: %s", cases[i].what, strerror(errno));
		}
	}
	mv_test_vm_destroy(&t);
}

TEST(mmap_private_refused)
{
	int sys, vm = new_vm(_metadata, &sys);

	ASSERT_EQ(0, set_region(vm, 0, 0, MIB));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE, vm, 0));
	EXPECT_EQ(EINVAL, errno);
	close(vm);
	close(sys);
}

/* A mapping of guest-physical space that has no RAM: SIGBUS on access. */
TEST_SIGNAL(mmap_outside_regions_sigbus, SIGBUS)
{
	int sys, vm = new_vm(_metadata, &sys);
	uint8_t *p;

	ASSERT_EQ(0, set_region(vm, 0, 0, MIB));
	ASSERT_EQ(0, set_region(vm, 1, 4 * MIB, MIB));
	/* 0 .. 8 MiB: RAM, a hole, RAM, nothing */
	p = mmap(NULL, 8 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, p) {
		TH_LOG("mmap over a hole: %s", strerror(errno));
	}
	p[0] = 1;
	p[4 * MIB] = 2;
	EXPECT_EQ(1, p[0]);
	EXPECT_EQ(2, p[4 * MIB]);
	p[2 * MIB] = 3;		/* the hole */
	TH_LOG("writing to a hole in guest-physical space did not fault");
}

TEST(mmap_and_guest_share_ram)
{
	static const uint8_t code[] = {
		0x66, 0xa1, 0x00, 0x80,			/* mov 0x8000, %eax */
		0x66, 0xe7, 0x10,			/* out %eax, $0x10 */
		0x66, 0xc7, 0x06, 0x04, 0x80,		/* movl $0x600df00d, 0x8004 */
		0x0d, 0xf0, 0x0d, 0x60,
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;
	uint8_t *second;
	struct mv_vm_stats vs;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	*(uint32_t *)(t.vm.mem + 0x8000) = 0xabad1dea;
	ASSERT_EQ(0, mv_run(&t.vcpu));
	ASSERT_EQ(MV_EXIT_IO, t.vcpu.run->exit_reason) {
		TH_LOG("%s", mv_exit_str(t.vcpu.run));
	}
	EXPECT_EQ(0xabad1dea, mv_le(t.vcpu.run->io.data, 4));
	ASSERT_EQ(0, mv_run(&t.vcpu));
	ASSERT_EQ(MV_EXIT_HLT, t.vcpu.run->exit_reason) {
		TH_LOG("%s", mv_exit_str(t.vcpu.run));
	}
	EXPECT_EQ(0x600df00d, *(uint32_t *)(t.vm.mem + 0x8004));

	/* A second mapping at an offset sees the same pages. */
	second = mmap(NULL, 4096, PROT_READ, MAP_SHARED, t.vm.fd, 0x8000);
	ASSERT_NE(MAP_FAILED, second);
	EXPECT_EQ(0x600df00d, *(uint32_t *)(second + 4));
	munmap((void *)second, 4096);

	ASSERT_EQ(0, ioctl(t.vm.fd, MV_GET_VM_STATS, &vs));
	EXPECT_LE(2 * 4096, vs.resident_bytes);		/* 0x7000 and 0x8000 pages */
	EXPECT_GE(MV_REAL_MEM, vs.resident_bytes);
	EXPECT_EQ(0, vs.reserved[0]);
	mv_test_vm_destroy(&t);
}

TEST(resident_bytes_follow_touches)
{
	int sys, vm = new_vm(_metadata, &sys);
	struct mv_vm_stats vs;
	uint8_t *p;

	ASSERT_EQ(0, set_region(vm, 0, 0, 64 * MIB));
	ASSERT_EQ(0, ioctl(vm, MV_GET_VM_STATS, &vs));
	EXPECT_EQ(0, vs.resident_bytes);
	p = mmap(NULL, 64 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (uint64_t off = 0; off < 32 * MIB; off += 4096)
		p[off] = 1;
	ASSERT_EQ(0, ioctl(vm, MV_GET_VM_STATS, &vs));
	EXPECT_LE(32 * MIB, vs.resident_bytes);
	EXPECT_GE(34 * MIB, vs.resident_bytes);
	/* Fresh pages read as zero. */
	EXPECT_EQ(0, p[40 * MIB + 123]);
	munmap((void *)p, 64 * MIB);
	close(vm);
	close(sys);
}

/*
 * The guest touches two 2 MiB chunks of a default region and two pages of an
 * MV_MEM_SMALL_PAGES region: 2 MiB each in the first, 4 KiB in the second.
 */
TEST(small_pages_flag)
{
	static const uint8_t code[] = {
		0xbf, 0x00, 0x00, 0x40, 0x00,		/* mov $0x400000, %edi */
		0x88, 0x07,				/* mov %al, (%rdi) */
		0xbf, 0x00, 0x00, 0x60, 0x00,		/* mov $0x600000, %edi */
		0x88, 0x07,				/* mov %al, (%rdi) */
		0xbf, 0x00, 0x00, 0x00, 0x01,		/* mov $0x1000000, %edi */
		0x88, 0x07,				/* mov %al, (%rdi) */
		0xbf, 0x00, 0x00, 0x20, 0x01,		/* mov $0x1200000, %edi */
		0x88, 0x07,				/* mov %al, (%rdi) */
		0xf4,					/* hlt */
	};
	struct mv_memory_region small = {
		.slot = 1, .guest_phys_addr = 16 * MIB, .size = 8 * MIB,
		.flags = MV_MEM_SMALL_PAGES,
	};
	struct mv_test_vm t;
	struct mv_vm_stats before, after;

	ASSERT_EQ(0, mv_test_vm_create(&t, 8 * MIB, MVCTL_MODE_LONG, code, sizeof(code)));
	ASSERT_EQ(0, ioctl(t.vm.fd, MV_SET_MEMORY_REGION, &small));
	ASSERT_EQ(0, ioctl(t.vm.fd, MV_GET_VM_STATS, &before));
	ASSERT_EQ(0, mv_run(&t.vcpu));
	ASSERT_EQ(MV_EXIT_HLT, t.vcpu.run->exit_reason) {
		TH_LOG("%s", mv_exit_str(t.vcpu.run));
	}
	ASSERT_EQ(0, ioctl(t.vm.fd, MV_GET_VM_STATS, &after));
	EXPECT_EQ(4 * MIB + 2 * 4096, after.resident_bytes - before.resident_bytes);
	EXPECT_LE(2, after.nested_2m_mappings - before.nested_2m_mappings);
	EXPECT_GE(3, after.nested_2m_mappings - before.nested_2m_mappings);
	EXPECT_LE(4, after.nested_faults - before.nested_faults);
	mv_test_vm_destroy(&t);
}

/* Each fd holds what it needs: a vCPU runs after the VM and system fds close. */
TEST(fds_close_in_any_order)
{
	static const uint8_t code[] = {
		0xc6, 0x06, 0x00, 0x90, 0x5a,		/* movb $0x5a, 0x9000 */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	close(t.sys);
	t.sys = -1;
	close(t.vm.fd);
	t.vm.fd = -1;
	ASSERT_EQ(0, mv_run(&t.vcpu));
	EXPECT_EQ(MV_EXIT_HLT, t.vcpu.run->exit_reason) {
		TH_LOG("%s", mv_exit_str(t.vcpu.run));
	}
	EXPECT_EQ(0x5a, t.vm.mem[0x9000]);
	/* The mapping outlives the vCPU fd too. */
	close(t.vcpu.fd);
	t.vcpu.fd = -1;
	EXPECT_EQ(0x5a, t.vm.mem[0x9000]);
	t.vm.mem[0x9001] = 1;
	mv_test_vm_destroy(&t);
}

/* Touch 256 MiB (half by the guest, half through mmap); all of it comes back. */
TEST(destroy_returns_memory)
{
	static const uint8_t code[] = {
		/* 1: mov %al, (%rdi); add $0x1000, %rdi; cmp %rsi, %rdi; jb 1b; hlt */
		0x88, 0x07,
		0x48, 0x81, 0xc7, 0x00, 0x10, 0x00, 0x00,
		0x48, 0x39, 0xf7,
		0x72, 0xf2,
		0xf4,
	};
	const uint64_t mem = 256 * MIB + 4 * MIB;
	long long before, after = 0, used, slack;
	struct mv_test_vm t;
	struct mv_regs regs;

	ASSERT_EQ(0, mv_ensure_loaded());
	before = mv_meminfo_kb("MemAvailable");
	ASSERT_LT(0, before);
	if (before < (long long)(mem >> 10) + (64 << 10))
		SKIP(return, "%lld MiB available, need %llu", before >> 10,
		     (unsigned long long)(mem >> 20) + 64);

	ASSERT_EQ(0, mv_test_vm_create(&t, mem, MVCTL_MODE_LONG, code, sizeof(code)));
	regs = (struct mv_regs){};
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_REGS, &regs));
	regs.rax = 0xa5;
	regs.rdi = 4 * MIB;
	regs.rsi = 132 * MIB;
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_SET_REGS, &regs));
	ASSERT_EQ(0, mv_run(&t.vcpu));
	ASSERT_EQ(MV_EXIT_HLT, t.vcpu.run->exit_reason) {
		TH_LOG("%s", mv_exit_str(t.vcpu.run));
	}
	EXPECT_EQ(0xa5, t.vm.mem[131 * MIB]);
	for (uint64_t off = 132 * MIB; off < mem; off += 4096)
		t.vm.mem[off] = 1;
	used = before - mv_meminfo_kb("MemAvailable");
	EXPECT_LE(240 << 10, used) {
		TH_LOG("only %lld MiB less available with 256 MiB touched", used >> 10);
	}
	mv_test_vm_destroy(&t);

	/*
	 * Freeing may be deferred a little (RCU, workqueues): wait up to 2 s.
	 * The per-CPU free lists may keep what was freed (or have given what
	 * was allocated) without MemAvailable seeing it: allow their size on
	 * top of 16 MiB, far below the 256 MiB a leak would keep.
	 */
	slack = (16 << 10) + mv_pcp_high_kb();
	ASSERT_GT(128 << 10, slack) {
		TH_LOG("per-CPU free lists of %lld MiB: this test cannot tell", slack >> 10);
	}
	for (int i = 0; i < 20; i++) {
		after = mv_meminfo_kb("MemAvailable");
		if (after >= before - slack)
			break;
		usleep(100000);
	}
	EXPECT_LE(before - slack, after) {
		TH_LOG("MemAvailable %lld MiB before, %lld MiB after destroy (slack %lld MiB)",
		       before >> 10, after >> 10, slack >> 10);
	}
}

/* Create, run a guest that counts down through port I/O, destroy. */
static int count_down_vm(unsigned int n, int *failed_at)
{
	struct mv_test_vm t;
	struct mv_regs regs;
	int ret;

	*failed_at = -1;
	ret = mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, mv_countdown_guest,
				sizeof(mv_countdown_guest));
	if (ret)
		return ret;
	ret = ioctl(t.vcpu.fd, MV_GET_REGS, &regs) ? -errno : 0;
	regs.rcx = n;
	if (!ret)
		ret = ioctl(t.vcpu.fd, MV_SET_REGS, &regs) ? -errno : 0;
	for (unsigned int i = n; !ret && i > 0; i--) {
		ret = mv_run(&t.vcpu);
		if (!ret && (t.vcpu.run->exit_reason != MV_EXIT_IO ||
			     mv_le(t.vcpu.run->io.data, 4) != i)) {
			*failed_at = i;
			ret = -EPROTO;
		}
	}
	if (!ret)
		ret = mv_run(&t.vcpu);
	if (!ret && t.vcpu.run->exit_reason != MV_EXIT_HLT) {
		*failed_at = 0;
		ret = -EPROTO;
	}
	mv_test_vm_destroy(&t);
	return ret;
}

TEST(fifty_vms_in_a_row)
{
	int failed_at;

	ASSERT_EQ(0, mv_ensure_loaded());
	for (int i = 0; i < 50; i++) {
		ASSERT_EQ(0, count_down_vm(10, &failed_at)) {
			TH_LOG("VM %d (count %d)", i, failed_at);
		}
	}
}

struct vm_thread {
	pthread_t thread;
	int rounds;
	int ret;
	int failed_at;
};

static void *vm_thread_fn(void *arg)
{
	struct vm_thread *vt = arg;

	for (int i = 0; i < vt->rounds && !vt->ret; i++)
		vt->ret = count_down_vm(200, &vt->failed_at);
	return NULL;
}

TEST(two_vms_at_once)
{
	struct vm_thread vt[2] = { { .rounds = 10 }, { .rounds = 10 } };

	ASSERT_EQ(0, mv_ensure_loaded());
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&vt[i].thread, NULL, vm_thread_fn, &vt[i]));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(vt[i].thread, NULL));
		EXPECT_EQ(0, vt[i].ret) {
			TH_LOG("thread %d: %s (count %d)", i, strerror(-vt[i].ret),
			       vt[i].failed_at);
		}
	}
}

TEST_HARNESS_MAIN
