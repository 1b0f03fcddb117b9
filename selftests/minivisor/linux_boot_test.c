// SPDX-License-Identifier: GPL-2.0
/*
 * A Linux guest: the emulated machine's own kernel (/guests/vmlinuz, put
 * there by the rig) booted by mvctl create with 1 and 2 vCPUs, and with
 * 4 GiB of RAM (1 GiB of it above 4 GiB), and the initramfs of
 * tools/guests/linux, whose /init prints marker lines ("MV-LINUX-..."),
 * reads a line from the console and powers off.
 *
 * mvctl runs as a child with its stdin, stdout and stderr on pipes. Once
 * the guest prints MV-LINUX-STDIN-READY, a line is written to mvctl's stdin;
 * the guest must read it back. Checked: exit status 0 (ACPI S5), the
 * markers, uname -r equal to this machine's, the vCPU count, the stdin
 * line, and no kernel warning, bug, oops or panic in the guest's console.
 * kernel_log_test (run after this one) checks the host kernel's log.
 *
 * Boots are slow on Bochs (Intel VMX in the rig): each run has a hard
 * timeout, per vendor and vCPU count, after which mvctl is killed.
 * MV_LINUX_TIMEOUT=SECS overrides it, MV_LINUX_VERBOSE=1 prints the whole
 * guest console instead of its tail when a check fails.
 */
#include "mv_test.h"

#include "kselftest_harness.h"

#define LINUX_MEM		"512M"
/*
 * More than the 3 GiB below the 32-bit hole: 1 GiB goes at 4 GiB. The
 * guest touches only what it uses: about 250 MiB, 140 more than with
 * LINUX_MEM (struct pages for 4 GiB; the 64 MiB swiotlb buffer Linux sets up
 * once there is RAM above 4 GiB).
 */
#define LINUX_MEM_HIGH		"4G"
/*
 * earlyprintk: what the kernel says before its UART driver is up, so that a
 * boot that dies early still shows how far it got. panic=-1: a panic
 * reboots at once (mvctl exits 6) instead of waiting for the timeout.
 */
#define LINUX_APPEND		"console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1"
#define LINUX_OUT_MAX		(4u << 20)	/* console kept, bytes */
#define LINUX_ERR_MAX		(256u << 10)
#define LINUX_TAIL_LINES	120		/* console lines shown on failure */
#define LINUX_KILL_GRACE_MS	5000		/* SIGTERM, then SIGKILL */

/*
 * Hard timeouts in seconds, [vendor is Intel][vCPUs - 1]. Intel is Bochs in
 * the rig (a nested boot costs minutes), AMD is QEMU TCG. The three boots
 * (two with 1 vCPU) must fit in tools/nested-run's timeout (600 s QEMU,
 * 2400 s Bochs) next to the other tests (about 50 s and 300 s), even when
 * they all time out. QEMU: 11-13 s per boot measured (1 and 2 vCPUs,
 * 512M and 4G). Estimates until measured on Bochs: 1-2.5 min (1 vCPU) and
 * 2-6 min (2 vCPUs on Bochs' single CPU).
 */
static const unsigned int linux_timeout_s[2][2] = {
	{ 150, 240 },	/* AMD SVM */
	{ 480, 600 },	/* Intel VMX */
};

/* The harness' own alarm: only a backstop, the runs above end first. */
#define LINUX_HARNESS_TIMEOUT	3600

/**
 * struct linux_run - one mvctl create of the Linux guest.
 * @out: its stdout (the guest's console), carriage returns dropped.
 * @out_len: bytes in @out; @out_truncated: more came than LINUX_OUT_MAX.
 * @scanned: @out up to there was searched for the markers.
 * @err: its stderr, @err_len bytes.
 * @status: exit status, 128 + signal if killed by one, -1 if none.
 * @timed_out: killed at the hard timeout.
 * @stdin_asked: the guest printed MV-LINUX-STDIN-READY.
 * @stdin_sent: then the line was written to mvctl's stdin.
 * @wall_s: from fork to exit.
 * @begin_s: from fork to MV-LINUX-BEGIN (< 0: never seen).
 */
struct linux_run {
	char *out;
	size_t out_len;
	size_t scanned;
	bool out_truncated;
	char *err;
	size_t err_len;
	int status;
	bool timed_out;
	bool stdin_asked;
	bool stdin_sent;
	double wall_s;
	double begin_s;
};

static double now_s(void)
{
	return mv_now_ns() / 1e9;
}

/* The line of @text that starts with @prefix, or NULL. */
static const char *find_line(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, n))
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* The rest of the line that starts with @prefix, into @buf; false if none. */
static bool line_value(const char *text, const char *prefix, char *buf, size_t len)
{
	const char *p = find_line(text, prefix);
	size_t n;

	if (!p)
		return false;
	p += strlen(prefix);
	n = strcspn(p, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = 0;
	return true;
}

/* Append @n bytes to a buffer of at most @max, dropping '\r'. */
static void append(char *buf, size_t *len, size_t max, bool *truncated,
		   const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\r' || data[i] == '\0')
			continue;
		if (*len + 1 >= max) {
			if (truncated)
				*truncated = true;
			return;
		}
		buf[(*len)++] = data[i];
	}
	buf[*len] = 0;
}

/*
 * Drain @fd into the run's buffer; false at EOF. On stdout, write @line to
 * @in_fd once the guest asks for it, and note when /init started.
 */
static bool linux_read(struct linux_run *r, int fd, bool is_out, double start,
		       int in_fd, const char *line)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	if (!is_out) {
		append(r->err, &r->err_len, LINUX_ERR_MAX, NULL, chunk, n);
		return true;
	}
	append(r->out, &r->out_len, LINUX_OUT_MAX, &r->out_truncated, chunk, n);
	/* Each complete line once: mvctl may write the console byte by byte */
	for (char *p = r->out + r->scanned, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		if (r->begin_s < 0 && !strncmp(p, "MV-LINUX-BEGIN\n", 15))
			r->begin_s = now_s() - start;
		if (!r->stdin_asked && !strncmp(p, "MV-LINUX-STDIN-READY\n", 21)) {
			size_t len = strlen(line);

			r->stdin_asked = true;
			r->stdin_sent = write(in_fd, line, len) == (ssize_t)len;
		}
		r->scanned = nl + 1 - r->out;
	}
	return true;
}

/*
 * Run mvctl create with @argv, feeding @line to its stdin when asked, for at
 * most @timeout_s seconds. 0, or -errno if it could not be started.
 */
static int linux_run(struct linux_run *r, char *const argv[], const char *line,
		     unsigned int timeout_s)
{
	int in[2], out[2], err[2], wst;
	bool open_out = true, open_err = true, exited = false;
	double start = now_s(), killed_at = 0;
	pid_t pid;

	r->out = calloc(1, LINUX_OUT_MAX);
	r->err = calloc(1, LINUX_ERR_MAX);
	if (!r->out || !r->err)
		return -ENOMEM;
	r->status = -1;
	r->begin_s = -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -errno;
	signal(SIGPIPE, SIG_IGN);	/* mvctl may close its stdin */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);

	while (!exited || open_out || open_err) {
		struct pollfd pfd[2] = {
			{ .fd = open_out ? out[0] : -1, .events = POLLIN },
			{ .fd = open_err ? err[0] : -1, .events = POLLIN },
		};
		double t = now_s() - start;

		if (!exited && !r->timed_out && t >= timeout_s) {
			r->timed_out = true;
			killed_at = t;
			kill(pid, SIGTERM);
		}
		if (!exited && r->timed_out && (t - killed_at) * 1000 >= LINUX_KILL_GRACE_MS)
			kill(pid, SIGKILL);
		/* Whatever mvctl leaves behind on its pipes, stop 10 s after it */
		if (exited && t - r->wall_s > 10)
			break;

		poll(pfd, 2, 200);
		if (open_out && pfd[0].revents)
			open_out = linux_read(r, out[0], true, start, in[1], line);
		if (open_err && pfd[1].revents)
			open_err = linux_read(r, err[0], false, start, in[1], line);
		if (!exited && waitpid(pid, &wst, WNOHANG) == pid) {
			exited = true;
			r->wall_s = now_s() - start;
			r->status = WIFEXITED(wst) ? WEXITSTATUS(wst) :
				    WIFSIGNALED(wst) ? 128 + WTERMSIG(wst) : -1;
		}
	}
	close(in[1]);
	close(out[0]);
	close(err[0]);
	return 0;
}

static void linux_run_free(struct linux_run *r)
{
	free(r->out);
	free(r->err);
}

static const char *const bad_words[] = {
	"BUG:", "Call Trace", "unchecked MSR access", "Kernel panic", "Oops:",
	"cut here", "soft lockup", "hard LOCKUP", "self-detected stall",
	"detected stalls",
};

/*
 * A console line that reports a kernel problem: one of bad_words, or a
 * message that starts with "WARNING:" (WARN(), lockdep, RCU). Notices
 * with "WARNING:" further in ("RETBleed: WARNING: Spectre v2 mitigation
 * leaves CPU vulnerable...", printed on Bochs' CPU model) are not ours.
 * /init's copy of the kernel log starts with "MV-LINUX-DMESG: ".
 */
static bool bad_line(const char *line, size_t len)
{
	char buf[1024];
	const char *msg;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = 0;
	msg = buf;
	if (!strncmp(msg, "MV-LINUX-DMESG: ", 16))
		msg += 16;
	if (msg[0] == '[' && strchr(msg, ']'))
		msg = strchr(msg, ']') + 1;
	while (*msg == ' ')
		msg++;
	if (!strncmp(msg, "WARNING:", 8))
		return true;
	for (unsigned int i = 0; i < ARRAY_SIZE(bad_words); i++)
		if (strstr(buf, bad_words[i]))
			return true;
	return false;
}

/*
 * Print one line of mvctl's output as a TAP diagnostic, "# @tag| line".
 * tools/nested-run stops the whole machine when its console shows "Kernel
 * panic - not syncing": the guest's panic must not read as this machine's.
 */
static void print_line(const char *tag, const char *line, size_t len)
{
	const char *panic = "Kernel panic - not syncing";
	char buf[1024];
	char *p;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = 0;
	p = strstr(buf, panic);
	if (p)
		fprintf(stderr, "# %s| %.*sKernel panic (in the guest) - not syncing%s\n",
			tag, (int)(p - buf), buf, p + strlen(panic));
	else
		fprintf(stderr, "# %s| %s\n", tag, buf);
}

/* The guest's console (its last @max_lines lines, 0: all) and mvctl's stderr. */
static void linux_dump(const struct linux_run *r, unsigned int max_lines)
{
	const char *p = r->out, *end = r->out + r->out_len, *nl;
	unsigned int lines = 0;

	for (const char *q = r->out; q < end; q++)
		lines += *q == '\n';
	if (r->out_len && end[-1] != '\n')
		lines++;
	fflush(stdout);
	fprintf(stderr, "# mvctl: status %d%s after %.1f s, %zu bytes of console, %u lines%s\n",
		r->status, r->timed_out ? " (killed at the timeout)" : "", r->wall_s,
		r->out_len, lines, r->out_truncated ? " (truncated)" : "");
	if (max_lines && lines > max_lines) {
		fprintf(stderr, "# guest console, last %u lines:\n", max_lines);
		for (unsigned int skip = lines - max_lines; skip && p < end; p++)
			skip -= *p == '\n';
	} else {
		fprintf(stderr, "# guest console:\n");
	}
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		print_line("guest", p, nl - p);
	}
	p = r->err;
	end = r->err + r->err_len;
	if (r->err_len > 8192) {
		p = end - 8192;
		fprintf(stderr, "# mvctl stderr, last 8 KiB:\n");
	} else {
		fprintf(stderr, "# mvctl stderr:\n");
	}
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		print_line("mvctl", p, nl - p);
	}
}

static unsigned int linux_timeout(int cpus)
{
	const char *env = getenv("MV_LINUX_TIMEOUT");
	bool intel = mv_cpu_vendor() == MV_VENDOR_INTEL_VMX;

	if (env && atoi(env) > 0)
		return atoi(env);
	return linux_timeout_s[intel][cpus - 1];
}

FIXTURE(linux_boot) {
	const char *kernel;
	const char *initrd;
};

FIXTURE_SETUP(linux_boot)
{
	static char kernel[4096], initrd[4096];

	/* /guests/..., not /selftests/../guests/..., in the messages */
	if (!realpath(mv_guest_path("vmlinuz"), kernel))
		snprintf(kernel, sizeof(kernel), "%s", mv_guest_path("vmlinuz"));
	if (!realpath(mv_guest_path("linux-initrd.gz"), initrd))
		snprintf(initrd, sizeof(initrd), "%s", mv_guest_path("linux-initrd.gz"));
	self->kernel = kernel;
	self->initrd = initrd;
	if (access(kernel, R_OK))
		SKIP(return, "no %.900s: the rig puts the machine's own kernel there (tools/lib/initramfs.sh)",
		     kernel);
	ASSERT_EQ(0, access(initrd, R_OK)) {
		TH_LOG("no %s: make user builds it (tools/guests/linux)", initrd);
	}
	ASSERT_EQ(0, mv_ensure_loaded());
}

FIXTURE_TEARDOWN(linux_boot)
{
}

/* What a test checks beyond linux_boot()'s checks, in the run's output. */
typedef void (*linux_check_fn)(struct __test_metadata *_metadata, const struct linux_run *r);

/*
 * Boot with @mem of RAM on @cpus vCPUs, check what every boot must show,
 * then call @check (if any).
 */
static void linux_boot(struct __test_metadata *_metadata, const char *kernel,
		       const char *initrd, const char *mem, int cpus, linux_check_fn check)
{
	struct linux_run *r = calloc(1, sizeof(*r));
	unsigned int timeout = linux_timeout(cpus);
	char ncpus[8], token[64], line[80], want[96], val[256], guest_up[32] = "?";
	char *argv[16];
	int n = 0;
	const char *begin, *end, *p, *nl;
	struct utsname u;
	int bad = 0;

	/* This harness runs the test after a SKIP in FIXTURE_SETUP */
	if (_metadata->skip) {
		free(r);
		return;
	}
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, uname(&u));
	snprintf(ncpus, sizeof(ncpus), "%d", cpus);
	snprintf(token, sizeof(token), "mv-stdin-check-%d-%ld", getpid(), (long)time(NULL));
	snprintf(line, sizeof(line), "%s\n", token);
	snprintf(want, sizeof(want), "MV-LINUX-STDIN %s", token);
	argv[n++] = (char *)mv_mvctl_path();
	argv[n++] = "create";
	argv[n++] = "--mem";
	argv[n++] = (char *)mem;
	argv[n++] = "--cpus";
	argv[n++] = ncpus;
	argv[n++] = "--kernel";
	argv[n++] = (char *)kernel;
	argv[n++] = "--initrd";
	argv[n++] = (char *)initrd;
	argv[n++] = "--append";
	argv[n++] = LINUX_APPEND;
	argv[n++] = "--stats";
	argv[n] = NULL;

	ksft_print_msg("linux boot: mvctl create --mem %s --cpus %d --kernel %s --initrd %s --append \"%s\" (timeout %u s)\n",
		       mem, cpus, kernel, initrd, LINUX_APPEND, timeout);
	fflush(stdout);	/* the harness ends a test with _exit() */
	ASSERT_EQ(0, linux_run(r, argv, line, timeout));

	line_value(r->out, "MV-LINUX-UPTIME ", guest_up, sizeof(guest_up));
	if (r->begin_s >= 0)
		snprintf(val, sizeof(val), "after %.1f s wall", r->begin_s);
	else
		snprintf(val, sizeof(val), "never reached");
	ksft_print_msg("linux boot: %d vCPU%s, %.1f s wall, %s s guest (guest uptime at /init; /init %s)\n",
		       cpus, cpus > 1 ? "s" : "", r->wall_s, guest_up, val);
	/* mvctl --stats: exits by reason per vCPU, for the record */
	for (p = r->err; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		ksft_print_msg("stats| %.*s\n", (int)(nl - p), p);
		if (!*nl)
			break;
	}
	fflush(stdout);

	EXPECT_FALSE(r->timed_out) {
		TH_LOG("no poweroff within %u s: mvctl killed", timeout);
	}
	EXPECT_EQ(0, r->status) {
		TH_LOG("mvctl exited %d (0 poweroff, 6 reboot, 3 triple fault, 1 error)",
		       r->status);
	}
	begin = find_line(r->out, "MV-LINUX-BEGIN");
	end = find_line(r->out, "MV-LINUX-END");
	EXPECT_NE(NULL, begin) TH_LOG("the guest never reached /init");
	EXPECT_NE(NULL, end) TH_LOG("/init did not finish");
	EXPECT_TRUE(!begin || !end || begin < end);

	if (begin) {
		EXPECT_TRUE(line_value(r->out, "MV-LINUX-UNAME ", val, sizeof(val)));
		EXPECT_STREQ(u.release, val) TH_LOG("the guest's uname -r is not this machine's");
		val[0] = 0;
		EXPECT_TRUE(line_value(r->out, "MV-LINUX-CPUS ", val, sizeof(val)));
		EXPECT_EQ(cpus, atoi(val)) TH_LOG("the guest sees %s CPUs", val);
		for (int i = 0; i < cpus; i++) {
			snprintf(val, sizeof(val), "MV-LINUX-RAN-ON-CPU %d\n", i);
			EXPECT_NE(NULL, strstr(r->out, val)) TH_LOG("nothing ran on CPU %d", i);
		}
		EXPECT_TRUE(r->stdin_asked) TH_LOG("the guest never asked for stdin");
		EXPECT_TRUE(!r->stdin_asked || r->stdin_sent) {
			TH_LOG("could not write to mvctl's stdin (closed?)");
		}
		EXPECT_TRUE(line_value(r->out, want, val, sizeof(val)) && !val[0]) {
			TH_LOG("the guest did not read \"%s\" from mvctl's stdin%s", token,
			       find_line(r->out, "MV-LINUX-STDIN-TIMEOUT") ? " (timed out)" : "");
		}
	}

	for (p = r->out; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (bad_line(p, nl - p)) {
			bad++;
			print_line("guest", p, nl - p);
		}
		if (!*nl)
			break;
	}
	EXPECT_EQ(0, bad) TH_LOG("the guest's kernel complained (lines above)");
	if (check)
		check(_metadata, r);

	if (!_metadata->passed)
		linux_dump(r, getenv("MV_LINUX_VERBOSE") ? 0 : LINUX_TAIL_LINES);
	linux_run_free(r);
	free(r);
}

TEST_F_TIMEOUT(linux_boot, boot_1_vcpu, LINUX_HARNESS_TIMEOUT)
{
	linux_boot(_metadata, self->kernel, self->initrd, LINUX_MEM, 1, NULL);
}

TEST_F_TIMEOUT(linux_boot, boot_2_vcpus, LINUX_HARNESS_TIMEOUT)
{
	linux_boot(_metadata, self->kernel, self->initrd, LINUX_MEM, 2, NULL);
}

/*
 * LINUX_MEM_HIGH: the e820 map the kernel prints (arch/x86/kernel/e820.c,
 * "BIOS-e820: [mem START-END] usable", inclusive ends) has RAM up to
 * 3 GiB and from 4 GiB, and the guest counts more than 3 GiB of it.
 */
static void check_above_4g(struct __test_metadata *_metadata, const struct linux_run *r)
{
	static const char *const ram[] = {
		"BIOS-e820: [mem 0x0000000000100000-0x00000000bfffffff] usable",
		"BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable",
	};
	unsigned long long kib = 0;
	char val[32];

	for (unsigned int i = 0; i < ARRAY_SIZE(ram); i++) {
		EXPECT_NE(NULL, strstr(r->out, ram[i])) {
			TH_LOG("no \"%s\" in the guest's console", ram[i]);
		}
	}
	if (line_value(r->out, "MV-LINUX-MEMTOTAL-KB ", val, sizeof(val)))
		kib = strtoull(val, NULL, 10);
	ksft_print_msg("linux boot: MemTotal %llu KiB\n", kib);
	EXPECT_LT(3ull << 20, kib) TH_LOG("the guest's MemTotal is %llu KiB, not above 3 GiB", kib);
}

TEST_F_TIMEOUT(linux_boot, boot_above_4g, LINUX_HARNESS_TIMEOUT)
{
	linux_boot(_metadata, self->kernel, self->initrd, LINUX_MEM_HIGH, 1, check_above_4g);
}

TEST_HARNESS_MAIN
