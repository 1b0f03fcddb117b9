// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl create end to end: the guests from tools/guests (real, protected and
 * long mode) and small images written on the fly, run by mvctl as a child
 * process; stdout, stderr and the exit status are checked.
 */
#include "mv_test.h"

#include "kselftest_harness.h"

#define MVCTL_TIMEOUT_MS	60000

/* Run mvctl create with @args (NULL terminated) into @s. */
static int mvctl_create_run(struct mv_spawn *s, const char *const *args)
{
	char *argv[32];
	int n = 0;

	argv[n++] = (char *)mv_mvctl_path();
	argv[n++] = "create";
	while (*args && n < 31)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	return mv_spawn(s, argv, MVCTL_TIMEOUT_MS);
}

/* Write @code to a temporary image and run it in real mode. */
static int mvctl_run_code(struct mv_spawn *s, const void *code, size_t len,
			  const char *mem)
{
	char path[64];
	int ret;

	ret = mv_write_temp(path, code, len);
	if (ret)
		return ret;
	ret = mvctl_create_run(s, (const char *[]){ "--mem", mem, "--image", path, NULL });
	unlink(path);
	return ret;
}

#define LOG_SPAWN(s) \
	TH_LOG("mvctl exited %d after %u ms\nstdout: %s\nstderr: %s", \
	       (s)->status, (s)->elapsed_ms, (s)->out, (s)->err)

static const char hello_text[] = "Hello from a minivisor guest!\n";

TEST(hello16_prints_and_exits_0)
{
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_create_run(s, (const char *[]){
		"--mem", "1M", "--image", mv_guest_path("hello16.bin"), NULL }));
	EXPECT_EQ(0, s->status) LOG_SPAWN(s);
	EXPECT_STREQ(hello_text, s->out) LOG_SPAWN(s);
	free(s);
}

TEST(exit42_status)
{
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_create_run(s, (const char *[]){
		"--mem", "64K", "--image", mv_guest_path("exit42.bin"), NULL }));
	EXPECT_EQ(42, s->status) LOG_SPAWN(s);
	EXPECT_STREQ(hello_text, s->out) LOG_SPAWN(s);
	free(s);
}

TEST(hello32_protected_mode)
{
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_create_run(s, (const char *[]){ "--mode", "protected",
		"--mem", "16M", "--image", mv_guest_path("hello32.bin"), NULL }));
	EXPECT_EQ(0, s->status) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->out, "Hello from a 32-bit protected-mode minivisor guest!\n"))
		LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->out, "RAM: 16 MiB (boot info magic ok)")) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->out, "(PE 1, PG 0)")) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->out, "64-bit printf ok: fedcba9876543210")) LOG_SPAWN(s);
	free(s);
}

TEST(hello64_long_mode_and_cpuid)
{
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_create_run(s, (const char *[]){ "--mode", "long",
		"--mem", "16M", "--image", mv_guest_path("hello64.bin"), NULL }));
	EXPECT_EQ(0, s->status) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->out, "Hello from a 64-bit minivisor guest!\n")) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->out, "RAM: 16 MiB (boot info magic ok)")) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->out, "hypervisor yes, vmx no\n")) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->out, "svm no\n")) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->out, "hypervisor: " MV_CPUID_SIGNATURE ", max leaf 0x40000000\n"))
		LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->out,
			       "printf: -42 42 beef 123456789abcdef str 0x1000 c     7|7    |000ab %\n"))
		LOG_SPAWN(s);
	free(s);
}

TEST(stats_on_stderr)
{
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_create_run(s, (const char *[]){ "--stats",
		"--mem", "1M", "--image", mv_guest_path("hello16.bin"), NULL }));
	EXPECT_EQ(0, s->status) LOG_SPAWN(s);
	EXPECT_STREQ(hello_text, s->out) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->err, "exits ")) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->err, "  io ")) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->err, "  nested_fault ")) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->err, "resident memory ")) LOG_SPAWN(s);
	free(s);
}

TEST(refuses_bad_options)
{
	static const struct {
		const char *mem, *load, *mode, *msg;
	} cases[] = {
		{ "0", NULL, NULL, "needs some memory" },
		{ "4097", NULL, NULL, "not a multiple of 4 KiB" },
		{ "65G", NULL, NULL, "more than the 64 GiB" },
		{ "12Q", NULL, NULL, "cannot parse" },
		{ "32K", "0x7fc0", NULL, "does not fit" },
		{ "16M", "0x1000", "long", "overlaps" },
		{ "16M", NULL, "unreal", "is not real, protected or long" },
	};
	struct mv_spawn *s = calloc(1, sizeof(*s));
	const char *image = mv_guest_path("hello16.bin");

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *args[12] = { "--mem", cases[i].mem, "--image", image };
		int n = 4;

		if (cases[i].load) {
			args[n++] = "--load-addr";
			args[n++] = cases[i].load;
		}
		if (cases[i].mode) {
			args[n++] = "--mode";
			args[n++] = cases[i].mode;
		}
		ASSERT_EQ(0, mvctl_create_run(s, args));
		EXPECT_EQ(2, s->status) LOG_SPAWN(s);
		EXPECT_NE(NULL, strstr(s->err, cases[i].msg)) LOG_SPAWN(s);
	}
	free(s);
}

TEST(exit_port_any_size)
{
	static const uint8_t code[] = {
		0xb8, 0x34, 0x12,			/* mov $0x1234, %ax */
		0xe7, 0xf4,				/* out %ax, $0xf4 */
		0xf4,					/* hlt */
	};
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_run_code(s, code, sizeof(code), "64K"));
	EXPECT_EQ(0x34, s->status) LOG_SPAWN(s);
	EXPECT_EQ(NULL, strstr(s->err, "halted")) LOG_SPAWN(s);
	free(s);
}

TEST(hlt_stops_with_status_0)
{
	static const uint8_t code[] = { 0xf4 };	/* hlt */
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_run_code(s, code, sizeof(code), "64K"));
	EXPECT_EQ(0, s->status) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->err, "guest halted at RIP 0x7c01")) LOG_SPAWN(s);
	free(s);
}

TEST(unhandled_port_reported_once_reads_ones)
{
	static const uint8_t code[] = {
		0xe4, 0x80,				/* in $0x80, %al */
		0xe4, 0x80,				/* in $0x80, %al */
		0xe6, 0x80,				/* out %al, $0x80 */
		0xe6, 0xf4,				/* out %al, $0xf4 */
	};
	struct mv_spawn *s = calloc(1, sizeof(*s));
	const char *msg = "mvctl: unhandled I/O port 0x80, ignoring\n", *p;

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_run_code(s, code, sizeof(code), "64K"));
	EXPECT_EQ(0xff, s->status) LOG_SPAWN(s);
	p = strstr(s->err, msg);
	EXPECT_NE(NULL, p) LOG_SPAWN(s);
	EXPECT_TRUE(!p || !strstr(p + 1, msg)) LOG_SPAWN(s);
	free(s);
}

TEST(unhandled_mmio_reads_ones)
{
	static const uint8_t code[] = {
		0xb8, 0x00, 0xd0,			/* mov $0xd000, %ax */
		0x8e, 0xc0,				/* mov %ax, %es */
		0x31, 0xdb,				/* xor %bx, %bx */
		0x26, 0x8a, 0x07,			/* mov %es:(%bx), %al */
		0x26, 0x88, 0x07,			/* mov %al, %es:(%bx) */
		0x26, 0x8a, 0x07,			/* mov %es:(%bx), %al */
		0xe6, 0xf4,				/* out %al, $0xf4 */
	};
	struct mv_spawn *s = calloc(1, sizeof(*s));
	const char *p;

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_run_code(s, code, sizeof(code), "64K"));
	EXPECT_EQ(0xff, s->status) LOG_SPAWN(s);
	p = strstr(s->err, "MMIO");
	EXPECT_NE(NULL, p) LOG_SPAWN(s);
	EXPECT_TRUE(!p || !strstr(p + 1, "MMIO")) LOG_SPAWN(s);
	free(s);
}

TEST(hypercall_0_exits)
{
	uint8_t code[] = {
		0x66, 0x31, 0xc0,			/* xor %eax, %eax */
		0x66, 0xbb, 0x07, 0x00, 0x00, 0x00,	/* mov $7, %ebx */
		0x0f, 0x01, 0xc1,			/* vmcall (vmmcall on AMD) */
		0xf4,					/* hlt */
	};
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	mv_patch_hypercall(code + 9);
	ASSERT_EQ(0, mvctl_run_code(s, code, sizeof(code), "64K"));
	EXPECT_EQ(7, s->status) LOG_SPAWN(s);
	free(s);
}

TEST(triple_fault_status_3)
{
	static const uint8_t code[] = {
		0x2e, 0x0f, 0x01, 0x1e, 0x09, 0x7c,	/* lidt %cs:0x7c09 */
		0xcc,					/* int3 */
		0xeb, 0xfe,				/* jmp . */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x7c09: limit 0, base 0 */
	};
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_run_code(s, code, sizeof(code), "64K"));
	EXPECT_EQ(3, s->status) LOG_SPAWN(s);
	EXPECT_NE(NULL, strstr(s->err, "guest shut down (triple fault) at RIP")) LOG_SPAWN(s);
	free(s);
}

/* SIGTERM and SIGINT end an endless guest at once with status 130. */
TEST(signal_interrupts_endless_guest)
{
	static const uint8_t code[] = { 0xeb, 0xfe };	/* jmp . */
	static const int sigs[] = { SIGTERM, SIGINT };
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	for (unsigned int i = 0; i < ARRAY_SIZE(sigs); i++) {
		s->signal = sigs[i];
		s->signal_ms = 1000;
		ASSERT_EQ(0, mvctl_run_code(s, code, sizeof(code), "64K"));
		EXPECT_EQ(130, s->status) LOG_SPAWN(s);
		EXPECT_NE(NULL, strstr(s->err, "interrupted")) LOG_SPAWN(s);
		EXPECT_GT(2000, s->elapsed_ms) LOG_SPAWN(s);
	}
	free(s);
}

TEST_HARNESS_MAIN
