// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl create end to end: the guests from tools/guests (real, protected and
 * long mode) and small images written on the fly, run by mvctl as a child
 * process; stdout, stderr and the exit status are checked.
 */
#include "mv_test.h"

#include <termios.h>

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

/* Power-off and reset ports end the VM with 0 and 6. */
TEST(power_off_and_reset_ports)
{
	static const struct {
		const char *name;
		uint8_t code[8];
		int status;
	} cases[] = {
		/* mov $0x34, %al; mov $0x600, %dx; out %al, %dx; jmp . */
		{ "ACPI S5", { 0xb0, 0x34, 0xba, 0x00, 0x06, 0xee, 0xeb, 0xfe }, 0 },
		/* mov $0x06, %al; mov $0xcf9, %dx; out %al, %dx; jmp . */
		{ "0xcf9", { 0xb0, 0x06, 0xba, 0xf9, 0x0c, 0xee, 0xeb, 0xfe }, 6 },
		/* mov $0xfe, %al; out %al, $0x64; jmp .; nop; nop */
		{ "8042", { 0xb0, 0xfe, 0xe6, 0x64, 0xeb, 0xfe, 0x90, 0x90 }, 6 },
	};
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, mvctl_run_code(s, cases[i].code, sizeof(cases[i].code), "64K"));
		TH_LOG("case: %s", cases[i].name);
		EXPECT_EQ(cases[i].status, s->status) LOG_SPAWN(s);
	}
	free(s);
}

/* CMOS register D says "valid"; B starts as 24-hour BCD. */
TEST(rtc_registers)
{
	static const uint8_t code[] = {
		0xb0, 0x0b, 0xe6, 0x70,		/* mov $0x0b, %al; out %al, $0x70 */
		0xe4, 0x71,			/* in $0x71, %al */
		0x88, 0xc3,			/* mov %al, %bl */
		0xb0, 0x0d, 0xe6, 0x70,		/* mov $0x0d, %al; out %al, $0x70 */
		0xe4, 0x71,			/* in $0x71, %al */
		0x08, 0xd8,			/* or %bl, %al */
		0xe6, 0xf4,			/* out %al, $0xf4 */
	};
	struct mv_spawn *s = calloc(1, sizeof(*s));

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mvctl_run_code(s, code, sizeof(code), "64K"));
	EXPECT_EQ(0x82, s->status) LOG_SPAWN(s);
	free(s);
}

/* Bytes on stdin arrive in the UART's receiver. */
TEST(uart_receives_stdin)
{
	static const uint8_t code[] = {
		0xba, 0xfd, 0x03,		/* 0: mov $0x3fd, %dx (LSR) */
		0xec,				/* in %dx, %al */
		0xa8, 0x01,			/* test $1, %al (DR) */
		0x74, 0xf8,			/* jz 0 */
		0xba, 0xf8, 0x03,		/* mov $0x3f8, %dx (RBR) */
		0xec,				/* in %dx, %al */
		0xe6, 0xf4,			/* out %al, $0xf4 */
	};
	struct mv_spawn *s = calloc(1, sizeof(*s));
	char path[64];
	int saved, fd;

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mv_write_temp(path, "A", 1));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	saved = dup(STDIN_FILENO);
	ASSERT_LE(0, saved);
	dup2(fd, STDIN_FILENO);
	EXPECT_EQ(0, mvctl_run_code(s, code, sizeof(code), "64K"));
	dup2(saved, STDIN_FILENO);
	close(saved);
	close(fd);
	unlink(path);
	EXPECT_EQ('A', s->status) LOG_SPAWN(s);
	free(s);
}

/* Is the terminal behind @fd in raw mode (no ICANON, no ISIG)? */
static bool tty_raw(int fd)
{
	struct termios t;

	return !tcgetattr(fd, &t) && !(t.c_lflag & (ICANON | ISIG));
}

/*
 * On a terminal mvctl switches to raw mode, Ctrl-A x ends the VM with 130
 * and the terminal gets its settings back.
 */
TEST(ctrl_a_x_quits_and_restores_terminal)
{
	static const uint8_t code[] = { 0xeb, 0xfe };	/* jmp . */
	char path[64], *pts;
	int master, slave, status = -1, raw_seen = 0;
	uint64_t start;
	pid_t pid;

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mv_write_temp(path, code, sizeof(code)));
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ASSERT_LE(0, master);
	ASSERT_EQ(0, grantpt(master));
	ASSERT_EQ(0, unlockpt(master));
	pts = ptsname(master);
	ASSERT_NE(NULL, pts);
	slave = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
	ASSERT_LE(0, slave);
	ASSERT_FALSE(tty_raw(slave));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		setsid();
		dup2(slave, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl(mv_mvctl_path(), "mvctl", "create", "--mem", "64K", "--image", path,
		      (char *)NULL);
		_exit(127);
	}
	start = mv_now_ns();
	while (mv_now_ns() - start < 20000000000ull) {
		if (tty_raw(slave)) {
			raw_seen = 1;
			break;
		}
		usleep(10000);
	}
	EXPECT_TRUE(raw_seen);
	usleep(200000);
	EXPECT_EQ(2, write(master, "\x01x", 2));
	while (mv_now_ns() - start < 30000000000ull) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(10000);
	}
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(130, WEXITSTATUS(status));
	EXPECT_FALSE(tty_raw(slave));
	close(slave);
	close(master);
	unlink(path);
}

/*
 * --kernel: a synthetic bzImage. Its setup header is what a boot loader
 * reads (boot protocol 2.15, 64-bit, loads at 16 MiB, needs 1 MiB there);
 * its 64-bit entry point (kernel + 0x200) is bz64_entry below, which checks
 * what the boot protocol promises and exits through port 0xf4 with 0x55,
 * or with the number of the first check that failed. With a 4th e820 entry
 * (--mem BZ_HIGH_MEM: RAM from 4 GiB) it also checks that RAM and that it
 * is identity mapped, and exits with 0x56.
 */
#define BZ_SETUP_SECTS		4
#define BZ_SETUP_SIZE		((BZ_SETUP_SECTS + 1) * 512)
#define BZ_KERNEL_SIZE		0x1000
#define BZ_PREF_ADDRESS		0x1000000
#define BZ_OK			0x55
#define BZ_OK_HIGH		0x56
#define BZ_HIGH_MEM		"5G"	/* 3 GiB at 0, 2 GiB at 4 GiB */

asm(".pushsection .rodata\n"
	".globl bz64_entry, bz64_end\n"
	"bz64_entry:\n"
	"	mov $1, %al\n"
	"	cmpl $0x53726448, 0x202(%rsi)\n"	/* boot_params.hdr.header "HdrS" */
	"	jne 1f\n"
	"	mov $2, %al\n"
	"	cmpb $0xff, 0x210(%rsi)\n"		/* type_of_loader */
	"	jne 1f\n"
	"	mov $3, %al\n"
	"	mov %cs, %ecx\n"
	"	cmp $0x10, %cx\n"			/* __BOOT_CS */
	"	jne 1f\n"
	"	mov $4, %al\n"
	"	mov %ds, %ecx\n"
	"	cmp $0x18, %cx\n"			/* __BOOT_DS */
	"	jne 1f\n"
	"	mov %ss, %ecx\n"
	"	cmp $0x18, %cx\n"
	"	jne 1f\n"
	"	mov $5, %al\n"
	"	pushfq\n"
	"	pop %rcx\n"
	"	test $0x200, %ecx\n"			/* IF clear */
	"	jnz 1f\n"
	"	mov $6, %al\n"
	"	movzbl 0x1e8(%rsi), %r11d\n"		/* e820_entries: 3, or 4 */
	"	cmp $3, %r11d\n"
	"	je 5f\n"
	"	cmp $4, %r11d\n"
	"	jne 1f\n"
	"5:	mov $7, %al\n"
	"	cmpq $0x100000, 0x2d0+2*20(%rsi)\n"	/* e820_table[2].addr */
	"	jne 1f\n"
	"	cmpl $1, 0x2d0+2*20+16(%rsi)\n"		/* .type RAM */
	"	jne 1f\n"
	"	cmp $4, %r11d\n"
	"	jne 6f\n"
	"	mov $18, %al\n"
	"	mov $0xc0000000-0x100000, %ecx\n"	/* RAM at 0 ends at 3 GiB */
	"	cmp %rcx, 0x2d0+2*20+8(%rsi)\n"
	"	jne 1f\n"
	"	mov $0x100000000, %rcx\n"
	"	cmp %rcx, 0x2d0+3*20(%rsi)\n"		/* e820_table[3].addr 4 GiB */
	"	jne 1f\n"
	"	mov $0x80000000, %ecx\n"
	"	cmp %rcx, 0x2d0+3*20+8(%rsi)\n"		/* .size 2 GiB */
	"	jne 1f\n"
	"	cmpl $1, 0x2d0+3*20+16(%rsi)\n"		/* .type RAM */
	"	jne 1f\n"
	"	mov $19, %al\n"			/* its last page is RAM, mapped */
	"	mov $0x17ffffff8, %rcx\n"
	"	movq $0x5a5a, (%rcx)\n"
	"	cmpq $0x5a5a, (%rcx)\n"
	"	jne 1f\n"
	"6:\n"
	"	mov $8, %al\n"
	"	mov 0x228(%rsi), %ecx\n"		/* cmd_line_ptr */
	"	cmpl $0x6574766d, (%rcx)\n"		/* "mvte" */
	"	jne 1f\n"
	"	mov $9, %al\n"
	"	mov 0x218(%rsi), %ecx\n"		/* ramdisk_image */
	"	test $0xfff, %ecx\n"
	"	jnz 1f\n"
	"	cmpl $0x44524e49, (%rcx)\n"		/* "INRD" */
	"	jne 1f\n"
	"	cmpl $4096, 0x21c(%rsi)\n"		/* ramdisk_size */
	"	jne 1f\n"
	"	mov $10, %al\n"
	"	lea bz64_entry(%rip), %rcx\n"
	"	cmp $0x1000200, %rcx\n"			/* loaded at pref_address */
	"	jne 1f\n"
	"	mov $11, %al\n"
	"	mov 0x70(%rsi), %rcx\n"			/* acpi_rsdp_addr */
	"	mov $0x2052545020445352, %rdx\n"	/* "RSD PTR " */
	"	cmp %rdx, (%rcx)\n"
	"	jne 1f\n"
	"	mov $12, %al\n"
	"	xor %edx, %edx\n"
	"	mov $36, %r8d\n"
	"2:	add (%rcx), %dl\n"			/* RSDP extended checksum */
	"	inc %rcx\n"
	"	dec %r8d\n"
	"	jnz 2b\n"
	"	test %dl, %dl\n"
	"	jnz 1f\n"
	"	mov $13, %al\n"
	"	mov 0x70(%rsi), %rcx\n"
	"	mov 24(%rcx), %rcx\n"			/* XSDT */
	"	cmpl $0x54445358, (%rcx)\n"
	"	jne 1f\n"
	"	call 3f\n"
	"	jnz 1f\n"
	"	mov %rcx, %r10\n"
	"	mov $14, %al\n"
	"	mov 36(%r10), %rcx\n"			/* XSDT[0]: FADT */
	"	cmpl $0x50434146, (%rcx)\n"
	"	jne 1f\n"
	"	call 3f\n"
	"	jnz 1f\n"
	"	testl $0x100000, 112(%rcx)\n"		/* HW_REDUCED_ACPI */
	"	jz 1f\n"
	"	mov $15, %al\n"
	"	mov 140(%rcx), %rcx\n"			/* X_DSDT */
	"	cmpl $0x54445344, (%rcx)\n"
	"	jne 1f\n"
	"	call 3f\n"
	"	jnz 1f\n"
	"	mov $16, %al\n"
	"	mov 44(%r10), %rcx\n"			/* XSDT[1]: MADT */
	"	cmpl $0x43495041, (%rcx)\n"
	"	jne 1f\n"
	"	call 3f\n"
	"	jnz 1f\n"
	"	cmpl $44 + 2 * 8 + 12 + 10, 4(%rcx)\n"	/* 2 CPUs, I/O APIC, override */
	"	jne 1f\n"
	"	cmpl $0xfee00000, 36(%rcx)\n"
	"	jne 1f\n"
	"	mov $17, %al\n"
	"	cmpl $0xf9ba06b0, 0xffff0\n"		/* reset vector: mov $6, %al; mov $0xcf9, %dx */
	"	jne 1f\n"
	"	lea 0x52(%r11), %eax\n"		/* 0x55 (3 entries), 0x56 (4) */
	"1:	out %al, $0xf4\n"
	"	hlt\n"
    /* 3: byte sum of the ACPI table at %rcx (its length at +4); ZF if 0 */
	"3:	xor %edx, %edx\n"
	"	mov 4(%rcx), %r8d\n"
	"	mov %rcx, %r9\n"
	"4:	add (%r9), %dl\n"
	"	inc %r9\n"
	"	dec %r8d\n"
	"	jnz 4b\n"
	"	test %dl, %dl\n"
	"	ret\n"
	"bz64_end:\n"
	".popsection\n");

/* The code between the labels, without an extern declaration. */
static const uint8_t *bz64_code(size_t *len)
{
	const uint8_t *start, *end;

	asm("lea bz64_entry(%%rip), %0\n\tlea bz64_end(%%rip), %1" : "=r"(start), "=r"(end));
	*len = end - start;
	return start;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Build the synthetic bzImage in @img (BZ_SETUP_SIZE + BZ_KERNEL_SIZE). */
static void bz_image(uint8_t *img, uint32_t cmdline_size)
{
	uint8_t *kernel = img + BZ_SETUP_SIZE;
	const uint8_t *code;
	size_t len;

	memset(img, 0, BZ_SETUP_SIZE + BZ_KERNEL_SIZE);
	img[0x1f1] = BZ_SETUP_SECTS;
	put32(img + 0x1f4, BZ_KERNEL_SIZE / 16);	/* syssize */
	put16(img + 0x1fe, 0xaa55);			/* boot_flag */
	img[0x200] = 0xeb;				/* jmp: header ends at 0x26c */
	img[0x201] = 0x6a;
	memcpy(img + 0x202, "HdrS", 4);
	put16(img + 0x206, 0x020f);			/* version 2.15 */
	img[0x211] = 0x01;				/* loadflags: LOADED_HIGH */
	put32(img + 0x22c, 0x7fffffff);			/* initrd_addr_max */
	put32(img + 0x230, 0x200000);			/* kernel_alignment */
	img[0x234] = 1;					/* relocatable_kernel */
	put16(img + 0x236, 0x3);			/* XLF_KERNEL_64, above 4G */
	put32(img + 0x238, cmdline_size);
	put64(img + 0x258, BZ_PREF_ADDRESS);		/* pref_address */
	put32(img + 0x260, 0x100000);			/* init_size */
	code = bz64_code(&len);
	memcpy(kernel + 0x200, code, len);
}

/* Write the bzImage (truncated to @len if non-zero) and an initrd of @rd_size. */
static int bz_files(char *kpath, char *rdpath, uint32_t cmdline_size, size_t len,
		    off_t rd_size)
{
	static uint8_t img[BZ_SETUP_SIZE + BZ_KERNEL_SIZE];
	int ret, fd;

	bz_image(img, cmdline_size);
	ret = mv_write_temp(kpath, img, len ? len : sizeof(img));
	if (ret)
		return ret;
	ret = mv_write_temp(rdpath, "INRD", 4);
	if (ret)
		return ret;
	fd = open(rdpath, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, rd_size))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Boot protocol state and ACPI tables, as seen by the kernel's 64-bit entry. */
TEST(kernel_boot_protocol)
{
	struct mv_spawn *s = calloc(1, sizeof(*s));
	char kpath[64], rdpath[64];

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, bz_files(kpath, rdpath, 2047, 0, 4096));
	ASSERT_EQ(0, mvctl_create_run(s, (const char *[]){ "--mem", "64M", "--kernel", kpath,
		"--initrd", rdpath, "--append", "mvtest console=ttyS0", "--cpus", "2", NULL }));
	EXPECT_EQ(BZ_OK, s->status) LOG_SPAWN(s);
	unlink(kpath);
	unlink(rdpath);
	free(s);
}

/*
 * --mem above 3G: RAM at 0 up to 3 GiB, the rest from 4 GiB in the e820
 * map and the identity map; the kernel and the initrd stay below 4 GiB
 * (checks 9 and 10). The guest touches two pages of it.
 */
TEST(kernel_ram_above_4g)
{
	struct mv_spawn *s = calloc(1, sizeof(*s));
	char kpath[64], rdpath[64];

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, bz_files(kpath, rdpath, 2047, 0, 4096));
	ASSERT_EQ(0, mvctl_create_run(s, (const char *[]){ "--mem", BZ_HIGH_MEM,
		"--kernel", kpath, "--initrd", rdpath, "--append", "mvtest console=ttyS0",
		"--cpus", "2", NULL }));
	EXPECT_EQ(BZ_OK_HIGH, s->status) LOG_SPAWN(s);
	unlink(kpath);
	unlink(rdpath);
	free(s);
}

static unsigned int count_str(const char *haystack, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Unusable kernels, initrds and option mixes: one line, status 2, no VM. */
TEST(kernel_refused)
{
	static const struct {
		const char *name;
		const char *mem;
		bool garbage;		/* the image is not a bzImage at all */
		uint32_t cmdline_size;
		size_t len;		/* truncate the image to this */
		off_t rd_size;		/* sparse: only its size matters */
		const char *append, *extra, *msg;
	} cases[] = {
		{ "not a bzImage", "128M", true, 2047, 0, 4096, NULL, NULL, "is not a bzImage" },
		{ "not a bzImage, 4G", "4G", true, 2047, 0, 4096, NULL, NULL,
		  "is not a bzImage" },
		{ "truncated", "128M", false, 2047, BZ_SETUP_SIZE + 16, 4096, NULL, NULL,
		  "is truncated" },
		{ "initrd too big", "128M", false, 2047, 0, 200 << 20, NULL, NULL,
		  "the end of RAM: use more --mem" },
		/* RAM above 4 GiB does not help: initrd_addr_max is 2 GiB - 1 */
		{ "initrd above initrd_addr_max", "8G", false, 2047, 0, (off_t)3 << 30, NULL,
		  NULL, "and 0x80000000, the kernel's initrd_addr_max" },
		{ "cmdline too long", "128M", false, 16, 0, 4096, "console=ttyS0 quiet", NULL,
		  "takes at most 16 (cmdline_size)" },
		{ "with --image", "128M", false, 2047, 0, 4096, NULL, "--image",
		  "exclude each other" },
		{ "65G", "65G", false, 2047, 0, 4096, NULL, NULL, "more than the 64 GiB" },
		{ "not 4 KiB", "4294967297", false, 2047, 0, 4096, NULL, NULL,
		  "not a multiple of 4 KiB" },
	};
	static uint8_t garbage[4096];
	struct mv_spawn *s = calloc(1, sizeof(*s));
	char kpath[64], rdpath[64];

	memset(garbage, 0x90, sizeof(garbage));
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *args[12] = { "--mem", cases[i].mem, "--kernel", kpath,
					 "--initrd", rdpath };
		int n = 6;

		ASSERT_EQ(0, bz_files(kpath, rdpath, cases[i].cmdline_size, cases[i].len,
				      cases[i].rd_size));
		if (cases[i].garbage) {
			unlink(kpath);
			ASSERT_EQ(0, mv_write_temp(kpath, garbage, sizeof(garbage)));
		}
		if (cases[i].append) {
			args[n++] = "--append";
			args[n++] = cases[i].append;
		}
		if (cases[i].extra) {
			args[n++] = cases[i].extra;
			args[n++] = kpath;
		}
		ASSERT_EQ(0, mvctl_create_run(s, args));
		TH_LOG("case: %s", cases[i].name);
		EXPECT_EQ(2, s->status) LOG_SPAWN(s);
		EXPECT_NE(NULL, strstr(s->err, cases[i].msg)) LOG_SPAWN(s);
		EXPECT_EQ(1, count_str(s->err, "mvctl:")) LOG_SPAWN(s);
		unlink(kpath);
		unlink(rdpath);
	}
	free(s);
}

TEST_HARNESS_MAIN
