// SPDX-License-Identifier: GPL-2.0
/*
 * MV_RUN and the exits userspace sees: port I/O of every size both ways,
 * MMIO reads and writes, CPUID as the guest sees it, hypercalls, HLT, triple
 * faults, signals and immediate_exit, real / protected / long mode, and a
 * long-mode guest touching 512 MiB that the host checks through mmap.
 *
 * Guest code is inline (bytes with the instructions in comments), loaded at
 * 0x7c00 in real mode and 0x100000 otherwise by tools/mvctl/vm.c.
 */
#include "mv_test.h"

#include <sys/time.h>

#include "tools/guests/memtest.h"

#include "kselftest_harness.h"

/* Run once and require @reason (logging the exit otherwise). */
#define RUN_EXPECT(v, reason) do { \
	ASSERT_EQ(0, mv_run(v)) { \
		TH_LOG("MV_RUN: %s", strerror(errno)); \
	} \
	ASSERT_EQ(reason, (v)->run->exit_reason) { \
		TH_LOG("expected %s, got %s", mvctl_exit_name(reason), \
		       mv_exit_str((v)->run)); \
	} \
} while (0)

struct io_step {
	uint8_t dir;
	uint8_t size;
	uint16_t port;
	uint32_t value;		/* OUT: expected data; IN: data to give */
};

static void expect_io(struct __test_metadata *_metadata, struct mvctl_vcpu *v,
		      const struct io_step *st)
{
	struct mv_run *run = v->run;

	RUN_EXPECT(v, MV_EXIT_IO);
	EXPECT_EQ(st->dir, run->io.direction);
	EXPECT_EQ(st->size, run->io.size);
	EXPECT_EQ(st->port, run->io.port) {
		TH_LOG("got %s", mv_exit_str(run));
	}
	EXPECT_EQ(1, run->io.count);
	if (st->dir == MV_IO_OUT) {
		EXPECT_EQ(st->value, mv_le(run->io.data, st->size)) {
			TH_LOG("port 0x%x size %u", st->port, st->size);
		}
	} else {
		mv_put_le(run->io.data, st->size, st->value);
	}
}

static void expect_mmio(struct __test_metadata *_metadata, struct mvctl_vcpu *v,
			uint64_t gpa, unsigned int len, bool write, uint64_t value)
{
	struct mv_run *run = v->run;

	RUN_EXPECT(v, MV_EXIT_MMIO);
	EXPECT_EQ(gpa, run->mmio.phys_addr) {
		TH_LOG("got %s", mv_exit_str(run));
	}
	EXPECT_EQ(len, run->mmio.len) {
		TH_LOG("got %s", mv_exit_str(run));
	}
	EXPECT_EQ(write, run->mmio.is_write);
	if (write) {
		EXPECT_EQ(value, mv_le(run->mmio.data, len)) {
			TH_LOG("got %s", mv_exit_str(run));
		}
	} else {
		mv_put_le(run->mmio.data, len, value);
	}
}

static struct mv_regs get_regs(struct __test_metadata *_metadata, struct mvctl_vcpu *v)
{
	struct mv_regs regs;

	ASSERT_EQ(0, ioctl(v->fd, MV_GET_REGS, &regs));
	return regs;
}

static struct mv_vcpu_stats get_vcpu_stats(struct __test_metadata *_metadata,
					   struct mvctl_vcpu *v)
{
	struct mv_vcpu_stats st;

	ASSERT_EQ(0, ioctl(v->fd, MV_GET_VCPU_STATS, &st));
	return st;
}

TEST(port_io_every_size_both_ways)
{
	static const uint8_t code[] = {
		0x66, 0xb8, 0xdd, 0xcc, 0xbb, 0xaa,	/* mov $0xaabbccdd, %eax */
		0xba, 0x01, 0x10,			/* mov $0x1001, %dx */
		0xec,					/* in (%dx), %al */
		0xba, 0x04, 0x20,			/* mov $0x2004, %dx */
		0x66, 0xef,				/* out %eax, (%dx) */
		0xba, 0x02, 0x10,			/* mov $0x1002, %dx */
		0xed,					/* in (%dx), %ax */
		0x66, 0xe7, 0x84,			/* out %eax, $0x84 */
		0xba, 0x04, 0x10,			/* mov $0x1004, %dx */
		0x66, 0xed,				/* in (%dx), %eax */
		0xba, 0x01, 0x20,			/* mov $0x2001, %dx */
		0xee,					/* out %al, (%dx) */
		0xba, 0x02, 0x20,			/* mov $0x2002, %dx */
		0xef,					/* out %ax, (%dx) */
		0xba, 0x04, 0x20,			/* mov $0x2004, %dx */
		0x66, 0xef,				/* out %eax, (%dx) */
		0xe4, 0x60,				/* in $0x60, %al */
		0xe6, 0x81,				/* out %al, $0x81 */
		0xe5, 0x62,				/* in $0x62, %ax */
		0xe7, 0x82,				/* out %ax, $0x82 */
		0x66, 0xe5, 0x64,			/* in $0x64, %eax */
		0x66, 0xe7, 0x84,			/* out %eax, $0x84 */
		0xf4,					/* hlt */
	};
	/* A narrow IN replaces only the low bytes of EAX. */
	static const struct io_step steps[] = {
		{ MV_IO_IN, 1, 0x1001, 0x11 },
		{ MV_IO_OUT, 4, 0x2004, 0xaabbcc11 },
		{ MV_IO_IN, 2, 0x1002, 0x3344 },
		{ MV_IO_OUT, 4, 0x84, 0xaabb3344 },
		{ MV_IO_IN, 4, 0x1004, 0x55667788 },
		{ MV_IO_OUT, 1, 0x2001, 0x88 },
		{ MV_IO_OUT, 2, 0x2002, 0x7788 },
		{ MV_IO_OUT, 4, 0x2004, 0x55667788 },
		{ MV_IO_IN, 1, 0x60, 0x5a },
		{ MV_IO_OUT, 1, 0x81, 0x5a },
		{ MV_IO_IN, 2, 0x62, 0xbeef },
		{ MV_IO_OUT, 2, 0x82, 0xbeef },
		{ MV_IO_IN, 4, 0x64, 0xdeadf00d },
		{ MV_IO_OUT, 4, 0x84, 0xdeadf00d },
	};
	struct mv_test_vm t;
	struct mv_vcpu_stats st;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	for (unsigned int i = 0; i < ARRAY_SIZE(steps); i++)
		expect_io(_metadata, &t.vcpu, &steps[i]);
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);
	EXPECT_EQ(0xdeadf00d, get_regs(_metadata, &t.vcpu).rax & 0xffffffff);
	st = get_vcpu_stats(_metadata, &t.vcpu);
	EXPECT_LE(ARRAY_SIZE(steps), st.by_reason[MV_STAT_IO]);
	EXPECT_LE(1, st.by_reason[MV_STAT_HLT]);
	mv_test_vm_destroy(&t);
}

/*
 * INS / OUTS come one element per exit, whatever the REP count; the kernel
 * moves the data between guest RAM and the run page and steps SI / DI / CX
 * (backwards with DF); REP with CX = 0 does not reach userspace.
 */
TEST(string_io_real_mode)
{
	static const uint8_t code[] = {
		0xfc,					/* cld */
		0xbe, 0x00, 0x7d,			/* mov $0x7d00, %si */
		0xb9, 0x05, 0x00,			/* mov $5, %cx */
		0xba, 0x10, 0x00,			/* mov $0x10, %dx */
		0xf3, 0x6e,				/* rep outsb */
		0xbf, 0x00, 0x80,			/* mov $0x8000, %di */
		0xb9, 0x03, 0x00,			/* mov $3, %cx */
		0xba, 0x11, 0x00,			/* mov $0x11, %dx */
		0xf3, 0x6d,				/* rep insw */
		0xfd,					/* std */
		0xbe, 0x04, 0x7d,			/* mov $0x7d04, %si */
		0xb9, 0x02, 0x00,			/* mov $2, %cx */
		0xba, 0x12, 0x00,			/* mov $0x12, %dx */
		0xf3, 0x6e,				/* rep outsb */
		0xfc,					/* cld */
		0x31, 0xc9,				/* xor %cx, %cx */
		0xf3, 0x6e,				/* rep outsb: nothing */
		0xbe, 0x00, 0x7d,			/* mov $0x7d00, %si */
		0x6f,					/* outsw */
		0xf4,					/* hlt */
	};
	static const struct io_step steps[] = {
		{ MV_IO_OUT, 1, 0x10, 'H' },
		{ MV_IO_OUT, 1, 0x10, 'E' },
		{ MV_IO_OUT, 1, 0x10, 'L' },
		{ MV_IO_OUT, 1, 0x10, 'L' },
		{ MV_IO_OUT, 1, 0x10, 'O' },
		{ MV_IO_IN, 2, 0x11, 0x1111 },
		{ MV_IO_IN, 2, 0x11, 0x2222 },
		{ MV_IO_IN, 2, 0x11, 0x3333 },
		{ MV_IO_OUT, 1, 0x12, 'O' },
		{ MV_IO_OUT, 1, 0x12, 'L' },
		{ MV_IO_OUT, 2, 0x12, 'H' | 'E' << 8 },
	};
	static const uint8_t written[] = { 0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0xee };
	struct mv_vcpu_stats st;
	struct mv_test_vm t;
	struct mv_regs regs;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	memcpy(t.vm.mem + 0x7d00, "HELLO", 5);
	memset(t.vm.mem + 0x8000, 0xee, 16);
	for (unsigned int i = 0; i < ARRAY_SIZE(steps); i++)
		expect_io(_metadata, &t.vcpu, &steps[i]);
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);
	EXPECT_EQ(0, memcmp(t.vm.mem + 0x8000, written, sizeof(written)));
	regs = get_regs(_metadata, &t.vcpu);
	EXPECT_EQ(0x7d02, regs.rsi & 0xffff);
	EXPECT_EQ(0x8006, regs.rdi & 0xffff);
	EXPECT_EQ(0, regs.rcx & 0xffff);
	EXPECT_EQ(0x7c00 + sizeof(code), regs.rip);
	/* REP with CX = 0 may still exit (QEMU's SVM does); it never reaches here. */
	st = get_vcpu_stats(_metadata, &t.vcpu);
	EXPECT_LE(ARRAY_SIZE(steps), st.by_reason[MV_STAT_IO]);
	EXPECT_GE(ARRAY_SIZE(steps) + 1, st.by_reason[MV_STAT_IO]);
	mv_test_vm_destroy(&t);
}

/*
 * 64-bit: elements that cross a page, a 32-bit address size (ESI, bits
 * 63:32 cleared after), INS into RAM, and OUTS from outside guest RAM,
 * which ends the run with an emulation error instead of reading anything.
 */
TEST(string_io_long_mode)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc6, 0xfe, 0x0f, 0x20, 0x00,	/* mov $0x200ffe, %rsi */
		0xb9, 0x02, 0x00, 0x00, 0x00,			/* mov $2, %ecx */
		0x66, 0xba, 0x20, 0x00,				/* mov $0x20, %dx */
		0xf3, 0x6f,					/* rep outsl */
		0x48, 0xbe, 0x00, 0x10, 0x20, 0x00,		/* movabs $0x1234567800201000, */
		0x78, 0x56, 0x34, 0x12,				/*	%rsi */
		0x67, 0x6e,					/* addr32 outsb */
		0x48, 0xc7, 0xc7, 0xfe, 0x0f, 0x20, 0x00,	/* mov $0x200ffe, %rdi */
		0xb9, 0x01, 0x00, 0x00, 0x00,			/* mov $1, %ecx */
		0x66, 0xba, 0x21, 0x00,				/* mov $0x21, %dx */
		0xf3, 0x6d,					/* rep insl */
		0x48, 0xc7, 0xc6, 0x00, 0x00, 0x50, 0x00,	/* mov $0x500000, %rsi */
		0x6e,						/* outsb: not RAM */
		0xf4,						/* hlt */
	};
	static const struct io_step steps[] = {
		{ MV_IO_OUT, 4, 0x20, 0x44434241 },	/* "ABCD" across the page */
		{ MV_IO_OUT, 4, 0x20, 0x48474645 },	/* "EFGH" */
		{ MV_IO_OUT, 1, 0x20, 'C' },		/* at ESI = 0x201000 */
		{ MV_IO_IN, 4, 0x21, 0xa1b2c3d4 },	/* across the page */
	};
	static const uint8_t written[] = { 0xd4, 0xc3, 0xb2, 0xa1, 'E' };
	struct mv_test_vm t;
	struct mv_regs regs;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_PM_MEM, MVCTL_MODE_LONG, code, sizeof(code)));
	memcpy(t.vm.mem + 0x200ffe, "ABCDEFGH", 8);
	for (unsigned int i = 0; i < ARRAY_SIZE(steps); i++)
		expect_io(_metadata, &t.vcpu, &steps[i]);
	RUN_EXPECT(&t.vcpu, MV_EXIT_INTERNAL_ERROR);
	EXPECT_EQ(MV_INTERNAL_EMULATION, t.vcpu.run->internal.suberror);
	EXPECT_NE(NULL, strstr(t.vcpu.run->internal.cause, "outside guest RAM")) {
		TH_LOG("cause: %s", t.vcpu.run->internal.cause);
	}
	EXPECT_EQ(0, memcmp(t.vm.mem + 0x200ffe, written, sizeof(written)));
	regs = get_regs(_metadata, &t.vcpu);
	EXPECT_EQ(0x201002, regs.rdi);
	EXPECT_EQ(0x500000, regs.rsi);
	EXPECT_EQ(0, regs.rcx);
	EXPECT_EQ(MVCTL_PM_LOAD + sizeof(code) - 2, regs.rip);
	mv_test_vm_destroy(&t);
}

/* After the 32-bit address-size OUTSB, RSI is ESI + 1 with bits 63:32 clear. */
TEST(string_io_addr32_clears_high_rsi)
{
	static const uint8_t code[] = {
		0x48, 0xbe, 0x00, 0x10, 0x20, 0x00,		/* movabs $0x1234567800201000, */
		0x78, 0x56, 0x34, 0x12,				/*	%rsi */
		0x66, 0xba, 0x20, 0x00,				/* mov $0x20, %dx */
		0x67, 0x6e,					/* addr32 outsb */
		0xf4,						/* hlt */
	};
	static const struct io_step step = { MV_IO_OUT, 1, 0x20, 'Z' };
	struct mv_test_vm t;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_PM_MEM, MVCTL_MODE_LONG, code, sizeof(code)));
	t.vm.mem[0x201000] = 'Z';
	expect_io(_metadata, &t.vcpu, &step);
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);
	EXPECT_EQ(0x201001, get_regs(_metadata, &t.vcpu).rsi);
	mv_test_vm_destroy(&t);
}

TEST(cpuid_seen_by_guest)
{
	static const uint8_t code[] = {
		0x66, 0xb8, 0x01, 0x00, 0x00, 0x00,	/* mov $0x1, %eax */
		0x66, 0x31, 0xc9,			/* xor %ecx, %ecx */
		0x0f, 0xa2,				/* cpuid */
		0x66, 0x89, 0xc8,			/* mov %ecx, %eax */
		0x66, 0xe7, 0x10,			/* out %eax, $0x10 */
		0x66, 0xb8, 0x01, 0x00, 0x00, 0x80,	/* mov $0x80000001, %eax */
		0x66, 0x31, 0xc9,			/* xor %ecx, %ecx */
		0x0f, 0xa2,				/* cpuid */
		0x66, 0x89, 0xc8,			/* mov %ecx, %eax */
		0x66, 0xe7, 0x11,			/* out %eax, $0x11 */
		0x66, 0xb8, 0x00, 0x00, 0x00, 0x40,	/* mov $0x40000000, %eax */
		0x66, 0x31, 0xc9,			/* xor %ecx, %ecx */
		0x0f, 0xa2,				/* cpuid */
		0x66, 0xe7, 0x12,			/* out %eax, $0x12 */
		0x66, 0x89, 0xd8,			/* mov %ebx, %eax */
		0x66, 0xe7, 0x13,			/* out %eax, $0x13 */
		0x66, 0x89, 0xc8,			/* mov %ecx, %eax */
		0x66, 0xe7, 0x14,			/* out %eax, $0x14 */
		0x66, 0x89, 0xd0,			/* mov %edx, %eax */
		0x66, 0xe7, 0x15,			/* out %eax, $0x15 */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;
	uint32_t v[6];
	char sig[13];

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	for (unsigned int i = 0; i < ARRAY_SIZE(v); i++) {
		RUN_EXPECT(&t.vcpu, MV_EXIT_IO);
		ASSERT_EQ(0x10 + i, t.vcpu.run->io.port);
		ASSERT_EQ(4, t.vcpu.run->io.size);
		v[i] = mv_le(t.vcpu.run->io.data, 4);
	}
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);

	EXPECT_TRUE(v[0] & (1u << 31)) {
		TH_LOG("CPUID.1:ECX 0x%08x: hypervisor bit clear", v[0]);
	}
	EXPECT_FALSE(v[0] & (1u << 5)) {
		TH_LOG("CPUID.1:ECX 0x%08x: VMX visible to the guest", v[0]);
	}
	EXPECT_FALSE(v[1] & (1u << 2)) {
		TH_LOG("CPUID.80000001:ECX 0x%08x: SVM visible to the guest", v[1]);
	}
	EXPECT_EQ(0x40000000, v[2]);
	memcpy(sig, &v[3], 12);
	sig[12] = 0;
	EXPECT_EQ(0, memcmp(sig, MV_CPUID_SIGNATURE, sizeof(MV_CPUID_SIGNATURE))) {
		TH_LOG("signature \"%s\"", sig);
	}
	EXPECT_LE(3, get_vcpu_stats(_metadata, &t.vcpu).by_reason[MV_STAT_CPUID]);
	mv_test_vm_destroy(&t);
}

TEST(mmio_round_trip_real_mode)
{
	static const uint8_t code[] = {
		0xb8, 0x00, 0xd0,			/* mov $0xd000, %ax */
		0x8e, 0xc0,				/* mov %ax, %es */
		0xbb, 0x10, 0x00,			/* mov $0x10, %bx */
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,	/* mov $0x12345678, %eax */
		0x26, 0x66, 0x89, 0x07,			/* mov %eax, %es:(%bx) */
		0x26, 0xc7, 0x47, 0x10, 0xef, 0xbe,	/* movw $0xbeef, %es:0x10(%bx) */
		0x26, 0xc6, 0x47, 0x20, 0xab,		/* movb $0xab, %es:0x20(%bx) */
		0x26, 0x66, 0x8b, 0x4f, 0x30,		/* mov %es:0x30(%bx), %ecx */
		0x26, 0x8b, 0x57, 0x40,			/* mov %es:0x40(%bx), %dx */
		0x26, 0x8a, 0x47, 0x50,			/* mov %es:0x50(%bx), %al */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;
	struct mv_regs regs;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	regs = get_regs(_metadata, &t.vcpu);
	regs.rdx = 0x5555555555555555ull;
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_SET_REGS, &regs));

	expect_mmio(_metadata, &t.vcpu, 0xd0010, 4, true, 0x12345678);
	expect_mmio(_metadata, &t.vcpu, 0xd0020, 2, true, 0xbeef);
	expect_mmio(_metadata, &t.vcpu, 0xd0030, 1, true, 0xab);
	expect_mmio(_metadata, &t.vcpu, 0xd0040, 4, false, 0xcafef00d);
	expect_mmio(_metadata, &t.vcpu, 0xd0050, 2, false, 0x1234);
	expect_mmio(_metadata, &t.vcpu, 0xd0060, 1, false, 0x56);
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);

	regs = get_regs(_metadata, &t.vcpu);
	EXPECT_EQ(0xcafef00d, regs.rcx & 0xffffffff);
	EXPECT_EQ(0x5555555555551234ull, regs.rdx);	/* 16-bit load merges */
	EXPECT_EQ(0x12345656, regs.rax & 0xffffffff);	/* 8-bit load merges */
	EXPECT_LE(6, get_vcpu_stats(_metadata, &t.vcpu).by_reason[MV_STAT_MMIO]);
	mv_test_vm_destroy(&t);
}

TEST(mmio_round_trip_long_mode)
{
	static const uint8_t code[] = {
		0xbf, 0x00, 0x00, 0x00, 0xd0,		/* mov $0xd0000000, %edi */
		0x48, 0xb8, 0x88, 0x77, 0x66, 0x55,	/* movabs $0x1122334455667788, %rax */
		0x44, 0x33, 0x22, 0x11,
		0x48, 0x89, 0x07,			/* mov %rax, (%rdi) */
		0xc7, 0x47, 0x08, 0x78, 0x56, 0x34, 0x12, /* movl $0x12345678, 0x8(%rdi) */
		0x66, 0xc7, 0x47, 0x10, 0xef, 0xbe,	/* movw $0xbeef, 0x10(%rdi) */
		0xc6, 0x47, 0x18, 0xab,			/* movb $0xab, 0x18(%rdi) */
		0x48, 0x8b, 0x5f, 0x20,			/* mov 0x20(%rdi), %rbx */
		0x8b, 0x4f, 0x28,			/* mov 0x28(%rdi), %ecx */
		0x0f, 0xb6, 0x57, 0x30,			/* movzbl 0x30(%rdi), %edx */
		0x66, 0x8b, 0x77, 0x38,			/* mov 0x38(%rdi), %si */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;
	struct mv_regs regs;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_PM_MEM, MVCTL_MODE_LONG, code, sizeof(code)));
	regs = get_regs(_metadata, &t.vcpu);
	regs.rcx = regs.rdx = regs.rsi = ~0ull;
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_SET_REGS, &regs));

	expect_mmio(_metadata, &t.vcpu, 0xd0000000, 8, true, 0x1122334455667788ull);
	expect_mmio(_metadata, &t.vcpu, 0xd0000008, 4, true, 0x12345678);
	expect_mmio(_metadata, &t.vcpu, 0xd0000010, 2, true, 0xbeef);
	expect_mmio(_metadata, &t.vcpu, 0xd0000018, 1, true, 0xab);
	expect_mmio(_metadata, &t.vcpu, 0xd0000020, 8, false, 0x0123456789abcdefull);
	expect_mmio(_metadata, &t.vcpu, 0xd0000028, 4, false, 0xcafef00d);
	expect_mmio(_metadata, &t.vcpu, 0xd0000030, 1, false, 0x9a);
	expect_mmio(_metadata, &t.vcpu, 0xd0000038, 2, false, 0x4321);
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);

	regs = get_regs(_metadata, &t.vcpu);
	EXPECT_EQ(0x0123456789abcdefull, regs.rbx);
	EXPECT_EQ(0xcafef00dull, regs.rcx);		/* 32-bit load zero-extends */
	EXPECT_EQ(0x9aull, regs.rdx);			/* MOVZX */
	EXPECT_EQ(0xffffffffffff4321ull, regs.rsi);	/* 16-bit load merges */
	mv_test_vm_destroy(&t);
}

TEST(hypercall_args_and_return)
{
	uint8_t code[] = {
		0xb8, 0x07, 0x00, 0x00, 0x00,		/* mov $7, %eax */
		0x48, 0xbb, 0x11, 0x11, 0x11, 0x11,	/* movabs $0x1111111111111111, %rbx */
		0x11, 0x11, 0x11, 0x11,
		0x48, 0xb9, 0x22, 0x22, 0x22, 0x22,	/* movabs $0x2222222222222222, %rcx */
		0x22, 0x22, 0x22, 0x22,
		0x48, 0xba, 0x33, 0x33, 0x33, 0x33,	/* movabs $0x3333333333333333, %rdx */
		0x33, 0x33, 0x33, 0x33,
		0x48, 0xbe, 0x44, 0x44, 0x44, 0x44,	/* movabs $0x4444444444444444, %rsi */
		0x44, 0x44, 0x44, 0x44,
		0x0f, 0x01, 0xc1,			/* vmcall (vmmcall on AMD) */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;
	struct mv_run *run;

	ASSERT_EQ(0, mv_ensure_loaded());
	mv_patch_hypercall(code + 45);
	ASSERT_EQ(0, mv_test_vm_create(&t, MV_PM_MEM, MVCTL_MODE_LONG, code, sizeof(code)));
	run = t.vcpu.run;
	RUN_EXPECT(&t.vcpu, MV_EXIT_HYPERCALL);
	EXPECT_EQ(7, run->hypercall.nr);
	EXPECT_EQ(0x1111111111111111ull, run->hypercall.args[0]);
	EXPECT_EQ(0x2222222222222222ull, run->hypercall.args[1]);
	EXPECT_EQ(0x3333333333333333ull, run->hypercall.args[2]);
	EXPECT_EQ(0x4444444444444444ull, run->hypercall.args[3]);
	run->hypercall.ret = 0xfeedface12345678ull;
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);
	EXPECT_EQ(0xfeedface12345678ull, get_regs(_metadata, &t.vcpu).rax);
	EXPECT_EQ(1, get_vcpu_stats(_metadata, &t.vcpu).by_reason[MV_STAT_HYPERCALL]);
	mv_test_vm_destroy(&t);
}

/* MV_HYPERCALL_NOP is answered in the kernel: RAX = 0, no exit to here. */
TEST(hypercall_nop_stays_in_kernel)
{
	uint8_t code[] = {
		0xb8, 0x00, 0x00, 0x56, 0x4d,		/* mov $MV_HYPERCALL_NOP, %eax */
		0x0f, 0x01, 0xc1,			/* vmcall (vmmcall on AMD) */
		0x48, 0x89, 0xc3,			/* mov %rax, %rbx */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;
	struct mv_regs regs;

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(MV_HYPERCALL_NOP, mv_le(code + 1, 4));
	mv_patch_hypercall(code + 5);
	ASSERT_EQ(0, mv_test_vm_create(&t, MV_PM_MEM, MVCTL_MODE_LONG, code, sizeof(code)));
	regs = get_regs(_metadata, &t.vcpu);
	regs.rbx = ~0ull;
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_SET_REGS, &regs));
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);
	regs = get_regs(_metadata, &t.vcpu);
	EXPECT_EQ(0, regs.rbx);
	EXPECT_EQ(MVCTL_PM_LOAD + sizeof(code), regs.rip);
	EXPECT_EQ(1, get_vcpu_stats(_metadata, &t.vcpu).by_reason[MV_STAT_HYPERCALL]);
	mv_test_vm_destroy(&t);
}

TEST(triple_fault_real_mode)
{
	static const uint8_t code[] = {
		0x2e, 0x0f, 0x01, 0x1e, 0x09, 0x7c,	/* lidt %cs:0x7c09 */
		0xcc,					/* int3 */
		0xeb, 0xfe,				/* jmp . */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x7c09: limit 0, base 0 */
	};
	struct mv_test_vm t;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	RUN_EXPECT(&t.vcpu, MV_EXIT_SHUTDOWN);
	EXPECT_NE(0, t.vcpu.run->shutdown.reason[0]);
	EXPECT_EQ(1, get_vcpu_stats(_metadata, &t.vcpu).by_reason[MV_STAT_SHUTDOWN]);
	/* Its state is undefined now: it does not run again. */
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_RUN, 0));
	EXPECT_EQ(EINVAL, errno);
	mv_test_vm_destroy(&t);
}

TEST(triple_fault_long_mode)
{
	static const uint8_t code[] = { 0x0f, 0x0b };	/* ud2, no IDT */
	struct mv_test_vm t;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_PM_MEM, MVCTL_MODE_LONG, code, sizeof(code)));
	RUN_EXPECT(&t.vcpu, MV_EXIT_SHUTDOWN);
	EXPECT_EQ(MVCTL_PM_LOAD, t.vcpu.run->shutdown.rip);
	EXPECT_NE(0, t.vcpu.run->shutdown.reason[0]);
	mv_test_vm_destroy(&t);
}

static void on_alarm(int sig)
{
}

/* Arm a one-shot SIGALRM in @ms (handler without SA_RESTART). */
static int alarm_in(unsigned int ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		return -errno;
	return setitimer(ITIMER_REAL, &it, NULL) ? -errno : 0;
}

/*
 * Run @v with a SIGALRM due in 200 ms: MV_RUN must come back with -EINTR
 * and MV_EXIT_INTR soon after the signal, not before it.
 */
static void run_until_alarm(struct __test_metadata *_metadata, struct mvctl_vcpu *v)
{
	uint64_t start = mv_now_ns(), ms;
	int ret;

	ASSERT_EQ(0, alarm_in(200));
	ret = ioctl(v->fd, MV_RUN, 0);
	ms = (mv_now_ns() - start) / 1000000;
	ASSERT_EQ(-1, ret) {
		TH_LOG("MV_RUN returned %d: %s", ret, mv_exit_str(v->run));
	}
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(MV_EXIT_INTR, v->run->exit_reason);
	EXPECT_LE(190, ms);
	EXPECT_GT(1200, ms) {
		TH_LOG("MV_RUN returned %llu ms after the start, signal at 200 ms",
		       (unsigned long long)ms);
	}
}

TEST(endless_loop_ends_on_signal)
{
	static const uint8_t code[] = { 0xeb, 0xfe };	/* jmp . */
	struct mv_test_vm t;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	for (int i = 0; i < 2; i++) {	/* and it can be resumed */
		run_until_alarm(_metadata, &t.vcpu);
		EXPECT_EQ(0x7c00, get_regs(_metadata, &t.vcpu).rip);
	}
	mv_test_vm_destroy(&t);
}

/*
 * CPUID is answered inside the backend's entry loop (the fast path, with
 * interrupts off): a guest doing nothing but CPUID still returns on a
 * signal, can be resumed, and each CPUID is counted under its reason and,
 * unless a reschedule was due just then, as a fast-path exit.
 */
TEST(cpuid_loop_ends_on_signal)
{
	static const uint8_t code[] = {
		0x66, 0x31, 0xc0,			/* 1: xor %eax, %eax */
		0x0f, 0xa2,				/* cpuid */
		0xeb, 0xf9,				/* jmp 1b */
	};
	struct mv_vcpu_stats st;
	struct mv_test_vm t;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	for (int i = 0; i < 2; i++) {
		uint64_t rip;

		run_until_alarm(_metadata, &t.vcpu);
		rip = get_regs(_metadata, &t.vcpu).rip;
		EXPECT_TRUE(rip == 0x7c00 || rip == 0x7c03 || rip == 0x7c05) {
			TH_LOG("RIP %#llx is not an instruction of the loop",
			       (unsigned long long)rip);
		}
	}
	st = get_vcpu_stats(_metadata, &t.vcpu);
	TH_LOG("exits %llu: cpuid %llu, fast_path %llu, external_intr %llu, slice_end %llu",
	       (unsigned long long)st.exits,
	       (unsigned long long)st.by_reason[MV_STAT_CPUID],
	       (unsigned long long)st.by_reason[MV_STAT_FAST_PATH],
	       (unsigned long long)st.by_reason[MV_STAT_EXTERNAL_INTR],
	       (unsigned long long)st.by_reason[MV_STAT_SLICE_END]);
	EXPECT_LE(100, st.by_reason[MV_STAT_CPUID]);
	EXPECT_GE(st.by_reason[MV_STAT_CPUID], st.by_reason[MV_STAT_FAST_PATH]);
	EXPECT_LE(st.by_reason[MV_STAT_CPUID] / 2, st.by_reason[MV_STAT_FAST_PATH]);
	EXPECT_EQ(st.exits, t.vcpu.run->exit_count);
	mv_test_vm_destroy(&t);
}

TEST(immediate_exit)
{
	static const uint8_t code[] = {
		0xe4, 0x60,				/* in $0x60, %al */
		0xe6, 0x61,				/* out %al, $0x61 */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;
	struct mv_run *run;
	struct mv_regs regs;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	run = t.vcpu.run;

	/* Before anything ran: nothing runs. */
	run->immediate_exit = 1;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_RUN, 0));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(MVCTL_REAL_LOAD, get_regs(_metadata, &t.vcpu).rip);
	run->immediate_exit = 0;

	/* A pending IN is completed first. */
	RUN_EXPECT(&t.vcpu, MV_EXIT_IO);
	ASSERT_EQ(MV_IO_IN, run->io.direction);
	run->io.data[0] = 0x77;
	run->immediate_exit = 1;
	EXPECT_EQ(-1, ioctl(t.vcpu.fd, MV_RUN, 0));
	EXPECT_EQ(EINTR, errno);
	regs = get_regs(_metadata, &t.vcpu);
	EXPECT_EQ(MVCTL_REAL_LOAD + 2, regs.rip);
	EXPECT_EQ(0x77, regs.rax & 0xff);
	run->immediate_exit = 0;

	RUN_EXPECT(&t.vcpu, MV_EXIT_IO);
	EXPECT_EQ(MV_IO_OUT, run->io.direction);
	EXPECT_EQ(0x61, run->io.port);
	EXPECT_EQ(0x77, run->io.data[0]);
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);
	mv_test_vm_destroy(&t);
}

/*
 * The run page is userspace's to scribble on: a pending IN completes with
 * the size the exit had, whatever the page says now (a size of 255 must
 * not reach the kernel's copy).
 */
TEST(scribbled_run_page_is_harmless)
{
	static const uint8_t code[] = {
		0x66, 0xb8, 0xdd, 0xcc, 0xbb, 0xaa,	/* mov $0xaabbccdd, %eax */
		0xe4, 0x60,				/* in $0x60, %al */
		0x66, 0xe7, 0x84,			/* out %eax, $0x84 */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;
	struct mv_run *run;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, code, sizeof(code)));
	run = t.vcpu.run;
	RUN_EXPECT(&t.vcpu, MV_EXIT_IO);
	ASSERT_EQ(MV_IO_IN, run->io.direction);
	memset(run->io.data, 0x5a, sizeof(run->io.data));
	run->io.size = 255;
	run->io.port = 0xffff;
	RUN_EXPECT(&t.vcpu, MV_EXIT_IO);
	EXPECT_EQ(MV_IO_OUT, run->io.direction);
	EXPECT_EQ(4, run->io.size);
	EXPECT_EQ(0xaabbcc5a, mv_le(run->io.data, 4));
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);
	mv_test_vm_destroy(&t);
}

TEST(real_mode_guest)
{
	struct mv_test_vm t;
	char out[256];
	size_t len;
	int status = -1;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, NULL, 0));
	ASSERT_EQ(0, mvctl_load_file(&t.vm, MVCTL_REAL_LOAD, mv_guest_path("hello16.bin"), &len)) {
		TH_LOG("cannot load %s", mv_guest_path("hello16.bin"));
	}
	ASSERT_EQ(MV_EXIT_IO, mv_run_guest(&t.vcpu, out, sizeof(out), &status)) {
		TH_LOG("%s; output so far: %s", mv_exit_str(t.vcpu.run), out);
	}
	EXPECT_EQ(0, status);
	EXPECT_STREQ("Hello from a minivisor guest!\n", out);
	mv_test_vm_destroy(&t);
}

TEST(protected_mode_guest)
{
	static const uint8_t code[] = {
		0xb8, 0xef, 0xbe, 0xad, 0xde,		/* mov $0xdeadbeef, %eax */
		0xa3, 0x00, 0x00, 0x30, 0x00,		/* mov %eax, 0x300000 */
		0x89, 0xe3,				/* mov %esp, %ebx */
		0x8b, 0x15, 0x08, 0x00, 0x30, 0x00,	/* mov 0x300008, %edx */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;
	struct mv_sregs sregs;
	struct mv_regs regs;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_PM_MEM, MVCTL_MODE_PROTECTED, code, sizeof(code)));
	*(uint32_t *)(t.vm.mem + 0x300008) = 0x0badcafe;
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);
	regs = get_regs(_metadata, &t.vcpu);
	EXPECT_EQ(0xdeadbeef, regs.rax & 0xffffffff);
	EXPECT_EQ(MVBOOT_STACK_TOP, regs.rbx & 0xffffffff);
	EXPECT_EQ(0x0badcafe, regs.rdx & 0xffffffff);
	EXPECT_EQ(0xdeadbeef, *(uint32_t *)(t.vm.mem + 0x300000));
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_SREGS, &sregs));
	EXPECT_EQ(MVCTL_CR0_PE, sregs.cr0 & (MVCTL_CR0_PE | MVCTL_CR0_PG));
	EXPECT_EQ(1, sregs.cs.db);
	EXPECT_EQ(MVBOOT_SEL_CODE, sregs.cs.selector);
	mv_test_vm_destroy(&t);
}

TEST(long_mode_guest)
{
	static const uint8_t code[] = {
		0x48, 0xb8, 0xf0, 0xde, 0xbc, 0x9a,	/* movabs $0x123456789abcdef0, %rax */
		0x78, 0x56, 0x34, 0x12,
		0x48, 0x89, 0x04, 0x25, 0x00, 0x00,	/* mov %rax, 0x200000 */
		0x20, 0x00,
		0x48, 0x89, 0xe3,			/* mov %rsp, %rbx */
		0xb9, 0x00, 0x00, 0x30, 0x00,		/* mov $0x300000, %ecx */
		0x48, 0x8b, 0x11,			/* mov (%rcx), %rdx */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t;
	struct mv_sregs sregs;
	struct mv_regs regs;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_PM_MEM, MVCTL_MODE_LONG, code, sizeof(code)));
	*(uint64_t *)(t.vm.mem + 0x300000) = 0xfedcba9876543210ull;
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);
	regs = get_regs(_metadata, &t.vcpu);
	EXPECT_EQ(0x123456789abcdef0ull, regs.rax);
	EXPECT_EQ(MVBOOT_STACK_TOP, regs.rbx);
	EXPECT_EQ(0xfedcba9876543210ull, regs.rdx);
	EXPECT_EQ(MVCTL_PM_LOAD + sizeof(code), regs.rip);
	EXPECT_EQ(0x123456789abcdef0ull, *(uint64_t *)(t.vm.mem + 0x200000));
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_SREGS, &sregs));
	EXPECT_TRUE(sregs.efer & MVCTL_EFER_LMA);
	EXPECT_TRUE(sregs.cr0 & MVCTL_CR0_PG);
	EXPECT_EQ(1, sregs.cs.l);
	EXPECT_EQ(MVBOOT_PML4, sregs.cr3);
	mv_test_vm_destroy(&t);
}

TEST(regs_and_sregs_round_trip)
{
	struct mv_test_vm t;
	struct mv_regs regs, back;
	struct mv_sregs sregs, sback;
	uint64_t *r = (uint64_t *)&regs;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_PM_MEM, MVCTL_MODE_LONG, NULL, 0));
	for (unsigned int i = 0; i < sizeof(regs) / 8; i++)
		r[i] = 0x0101010101010101ull * (i + 1);
	regs.rip = 0x100000;
	regs.rflags = 0x202;
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_SET_REGS, &regs));
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_REGS, &back));
	EXPECT_EQ(0, memcmp(&regs, &back, sizeof(regs)));

	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_SREGS, &sregs));
	sregs.gdt.base = 0x1000;
	sregs.gdt.limit = 0x17;
	sregs.idt.base = 0x5000;
	sregs.idt.limit = 0xfff;
	sregs.fs.base = 0x7f0000001000ull;
	sregs.gs.base = 0xffff800000002000ull;
	sregs.cr2 = 0x1234000;
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_SET_SREGS, &sregs));
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_SREGS, &sback));
	EXPECT_EQ(sregs.gdt.base, sback.gdt.base);
	EXPECT_EQ(sregs.gdt.limit, sback.gdt.limit);
	EXPECT_EQ(sregs.idt.base, sback.idt.base);
	EXPECT_EQ(sregs.idt.limit, sback.idt.limit);
	EXPECT_EQ(sregs.fs.base, sback.fs.base);
	EXPECT_EQ(sregs.gs.base, sback.gs.base);
	EXPECT_EQ(sregs.cs.selector, sback.cs.selector);
	EXPECT_EQ(sregs.cs.l, sback.cs.l);
	EXPECT_EQ(sregs.cr0, sback.cr0);
	EXPECT_EQ(sregs.cr2, sback.cr2);
	EXPECT_EQ(sregs.cr3, sback.cr3);
	EXPECT_EQ(sregs.cr4, sback.cr4);
	EXPECT_EQ(sregs.efer, sback.efer);
	for (unsigned int i = 0; i < ARRAY_SIZE(sback.reserved); i++)
		EXPECT_EQ(0, sback.reserved[i]);
	mv_test_vm_destroy(&t);
}

TEST(exit_counts)
{
	struct mv_test_vm t;
	struct mv_vcpu_stats st;
	struct mv_regs regs;
	uint64_t sum = 0;

	ASSERT_EQ(0, mv_test_vm_create(&t, MV_REAL_MEM, MVCTL_MODE_REAL, mv_countdown_guest,
				       sizeof(mv_countdown_guest)));
	regs = get_regs(_metadata, &t.vcpu);
	regs.rcx = 100;
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_SET_REGS, &regs));
	for (uint32_t i = 100; i > 0; i--) {
		RUN_EXPECT(&t.vcpu, MV_EXIT_IO);
		ASSERT_EQ(i, mv_le(t.vcpu.run->io.data, 4));
	}
	RUN_EXPECT(&t.vcpu, MV_EXIT_HLT);
	st = get_vcpu_stats(_metadata, &t.vcpu);
	EXPECT_EQ(100, st.by_reason[MV_STAT_IO]);
	EXPECT_EQ(1, st.by_reason[MV_STAT_HLT]);
	/* Every exit has one reason; these count events, not exits of their own. */
	for (unsigned int i = 0; i < ARRAY_SIZE(st.by_reason); i++)
		if (i != MV_STAT_FAST_PATH && i != MV_STAT_MMIO && i != MV_STAT_APIC_ACCESS &&
		    i != MV_STAT_IRQ_INJECTED && i != MV_STAT_HALT_WAKEUP)
			sum += st.by_reason[i];
	EXPECT_EQ(st.exits, sum);
	EXPECT_EQ(st.exits, t.vcpu.run->exit_count);
	mv_test_vm_destroy(&t);
}

FIXTURE(big) {
};

FIXTURE_SETUP(big)
{
}

FIXTURE_TEARDOWN(big)
{
}

/*
 * memtest64 (tools/guests) writes every page above its image, sums what it
 * reads back and leaves the sum in the boot info; check all of it from here.
 */
#define MEMTEST_MEM	((512ull + 2) << 20)

TEST_F_TIMEOUT(big, memtest_512m_checked_through_mmap, 600)
{
	struct mv_test_vm t;
	struct mvboot_info *bi;
	struct mv_vm_stats vs;
	uint64_t sum = 0, bad = 0;
	char out[1024], want[64];
	long long avail = mv_meminfo_kb("MemAvailable");
	size_t len;
	int status = -1;

	if (avail >= 0 && avail < (long long)(MEMTEST_MEM >> 10) + (64 << 10))
		SKIP(return, "%lld MiB available, need %llu", avail >> 10,
		     (MEMTEST_MEM >> 20) + 64);
	ASSERT_EQ(0, mv_test_vm_create(&t, MEMTEST_MEM, MVCTL_MODE_LONG, NULL, 0));
	ASSERT_EQ(0, mvctl_load_file(&t.vm, MVCTL_PM_LOAD, mv_guest_path("memtest64.bin"), &len)) {
		TH_LOG("cannot load %s", mv_guest_path("memtest64.bin"));
	}
	ASSERT_EQ(MV_EXIT_IO, mv_run_guest(&t.vcpu, out, sizeof(out), &status)) {
		TH_LOG("%s; output so far: %s", mv_exit_str(t.vcpu.run), out);
	}
	EXPECT_EQ(0, status) {
		TH_LOG("%s", out);
	}

	bi = (struct mvboot_info *)(t.vm.mem + MVBOOT_ADDR);
	ASSERT_EQ(MVBOOT_MAGIC, bi->magic);
	EXPECT_EQ(MEMTEST_MEM, bi->out[2]);
	EXPECT_GE(MVCTL_PM_LOAD + (1 << 20), bi->out[1]);
	EXPECT_EQ(0, bi->out[1] % 4096);
	EXPECT_EQ(0, bi->out[3]);
	ASSERT_LE(512ull << 20, bi->out[2] - bi->out[1]);
	for (uint64_t a = bi->out[1]; a < bi->out[2]; a += 4096) {
		uint64_t x = *(uint64_t *)(t.vm.mem + a);
		uint64_t y = *(uint64_t *)(t.vm.mem + a + MEMTEST_LAST_WORD);

		if (x != memtest_pattern(a) || y != ~memtest_pattern(a))
			bad++;
		sum = memtest_mix(sum, x, y);
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(sum, bi->out[0]);
	snprintf(want, sizeof(want), "checksum 0x%llx, 0 bad", (unsigned long long)sum);
	EXPECT_NE(NULL, strstr(out, want)) {
		TH_LOG("want \"%s\" in: %s", want, out);
	}

	ASSERT_EQ(0, ioctl(t.vm.fd, MV_GET_VM_STATS, &vs));
	EXPECT_LE(bi->out[2] - bi->out[1], vs.resident_bytes);
	EXPECT_GE(MEMTEST_MEM, vs.resident_bytes);
	EXPECT_LT(0, vs.nested_faults);
	mv_test_vm_destroy(&t);
}

TEST_HARNESS_MAIN
