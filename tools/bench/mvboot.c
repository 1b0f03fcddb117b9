// SPDX-License-Identifier: GPL-2.0
/*
 * mvboot: boot a Linux bzImage to its first user process, the same way under
 * minivisor and under KVM, and time it. Run inside the emulated machine.
 *
 *   mvboot --backend minivisor|kvm | --mvctl PATH  --kernel BZIMAGE --initrd FILE
 *          [--mem 512M] [--append CMDLINE] [--marker TEXT] [--log FILE]
 *          [--timeout SECS] [--kvm-cpuid] [--name NAME]
 *
 * Both backends get the same machine, built by mvctl's own code: the kernel,
 * initrd, boot_params, e820 map and 64-bit boot state of tools/mvctl/linux.c,
 * the hardware-reduced ACPI tables of tools/mvctl/acpi.c (one vCPU), the
 * in-kernel local APIC, I/O APIC and PIT, and the devices mvctl emulates in
 * userspace: its 16550A (tools/mvctl/serial.c, interrupt on GSI 4), CMOS RTC
 * (rtc.c) and ACPI power ports (acpi.c). Other ports read all ones, MMIO
 * outside RAM reads all ones, as in mvctl. The command line is CMDLINE
 * (default "console=ttyS0 nokaslr") plus tsc_early_khz=<the backend's guest
 * TSC frequency>, as mvctl adds it.
 * One thread runs the vCPU; console bytes are kept in memory.
 *
 * The clock starts when main() starts (before the kernel file is read) and
 * stops when the console line holding TEXT (default "Run /init as init
 * process") is complete; the VM is then torn down. Output, one CSV line each:
 *
 *   BENCH,<backend>,linux-boot,<ms>,ms          process start to the marker
 *   BENCH,<backend>,linux-boot-printk,<ms>,ms   the guest's printk timestamp
 *                                               of the marker line
 *   INFO,<backend>,<what>,<value>               command line, console bytes,
 *                                               exits, ports
 *
 * --log FILE writes the guest's console up to the marker. --kvm-cpuid gives
 * a KVM guest KVM's own CPUID (minus the paravirt leaves) instead of
 * minivisor's view of the host's (boot_kvm.c). --name NAME replaces the
 * backend's name in the output. --mvctl PATH times `PATH create --mem MEM
 * --cpus 1 --kernel BZIMAGE --initrd FILE --append CMDLINE` the same way
 * (name "mvctl"; mvctl adds tsc_early_khz itself). Exit status 0 if the
 * marker was seen, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"

#define DEFAULT_MARKER	"Run /init as init process"
/*
 * nokaslr: the kernel's physical and virtual placement would otherwise come
 * from RDRAND and RDTSC at boot, different for each run and each backend,
 * and with it which memory is touched first and how much the deferred page
 * initialisation frees early. Both backends get the same layout.
 */
#define DEFAULT_APPEND	"console=ttyS0 nokaslr"
#define LINE_MAX_BYTES	1024
#define EXIT_PORT	0xf4		/* mvctl's exit port */
#define POST_PORT	0x80		/* I/O delay: writes ignored */
#define MAX_PORTS	32

struct boot {
	const struct boot_backend *b;
	const char *name;	/* in the output: the backend's, or --name */
	struct bmachine m;
	struct mvctl_serial serial;
	struct mvctl_rtc rtc;
	struct mvctl_power power;
	const char *marker;
	char line[LINE_MAX_BYTES];
	size_t line_len;
	char *log;
	size_t log_len, log_cap;
	bool found, panic;
	double t_ready, t_first_io, t_marker, printk_s;
	/* what the guest made the runner do */
	uint64_t io_exits, mmio_exits, hlt_exits, intr_exits;
	uint16_t ports[MAX_PORTS];
	uint64_t port_count[MAX_PORTS];
	unsigned int nr_ports;
};

static struct boot *g_boot;
static bool timed_out;	/* set by the SIGALRM handler */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
	__atomic_store_n(&timed_out, true, __ATOMIC_SEQ_CST);
	if (g_boot)
		g_boot->b->kick(&g_boot->m);
}

static void serial_set_irq(void *opaque, bool level)
{
	struct boot *bt = opaque;

	if (bt->b->irq_line(&bt->m, MVCTL_SERIAL_GSI, level))
		perror("mvboot: irq line");
}

static void log_append(struct boot *bt, const char *s, size_t n)
{
	if (bt->log_len + n + 1 > bt->log_cap) {
		size_t cap = bt->log_cap ? bt->log_cap * 2 : 65536;
		char *p;

		while (cap < bt->log_len + n + 1)
			cap *= 2;
		p = realloc(bt->log, cap);
		if (!p)
			return;
		bt->log = p;
		bt->log_cap = cap;
	}
	memcpy(bt->log + bt->log_len, s, n);
	bt->log_len += n;
	bt->log[bt->log_len] = 0;
}

/* A complete console line: the marker? A panic? */
static void console_line(struct boot *bt)
{
	char *l = bt->line;

	bt->line[bt->line_len] = 0;
	log_append(bt, l, bt->line_len);
	log_append(bt, "\n", 1);
	if (strstr(l, bt->marker)) {
		bt->t_marker = now_s();
		bt->found = true;
		bt->printk_s = -1;
		if (l[0] == '[')
			bt->printk_s = strtod(l + 1, NULL);
	} else if (strstr(l, "Kernel panic")) {
		bt->panic = true;
	}
	bt->line_len = 0;
}

static void console_byte(struct boot *bt, uint8_t c)
{
	if (c == '\r')
		return;
	if (c == '\n' || bt->line_len == sizeof(bt->line) - 1) {
		console_line(bt);
		if (c == '\n')
			return;
	}
	bt->line[bt->line_len++] = c;
}

static void count_port(struct boot *bt, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < bt->nr_ports; i++)
		if (bt->ports[i] == port)
			break;
	if (i == bt->nr_ports) {
		if (i == MAX_PORTS)
			return;
		bt->ports[i] = port;
		bt->nr_ports++;
	}
	bt->port_count[i]++;
}

/* One port access of @size bytes; false if the guest powered off or reset. */
static bool port_io(struct boot *bt, uint16_t port, bool in, uint8_t *data, unsigned int size)
{
	enum mvctl_power_event ev;
	uint64_t sent = bt->serial.transmitted;

	count_port(bt, port);
	if (mvctl_serial_io(&bt->serial, port, in, data, size)) {
		if (bt->serial.transmitted != sent)
			console_byte(bt, data[0]);
		return true;
	}
	if (mvctl_rtc_io(&bt->rtc, port, in, data, size))
		return true;
	if (mvctl_power_io(&bt->power, port, in, data, size, &ev)) {
		if (ev != MVCTL_POWER_NONE) {
			fprintf(stderr, "mvboot: %s: the guest %s before the marker\n",
				bt->name, ev == MVCTL_POWER_OFF ? "powered off" : "reset");
			return false;
		}
		return true;
	}
	if (port == EXIT_PORT && !in)
		return false;
	if (in)
		memset(data, 0xff, size);
	return true;
}

/* Run until the marker; 0 if it was seen. */
static int run(struct boot *bt)
{
	struct bx x;

	while (!bt->found) {
		if (bt->b->run(&bt->m, &x))
			return -1;
		switch (x.kind) {
		case BX_IO:
			if (!bt->io_exits++)
				bt->t_first_io = now_s();
			if (x.size > 8)
				x.size = 8;
			for (unsigned int i = 0; i < x.count; i++)
				if (!port_io(bt, x.port, x.in, x.data + i * x.size, x.size))
					return -1;
			break;
		case BX_MMIO:
			bt->mmio_exits++;
			if (!x.write)
				memset(x.data, 0xff, x.len > 8 ? 8 : x.len);
			break;
		case BX_HLT:
			bt->hlt_exits++;	/* not with an irqchip; go on */
			break;
		case BX_INTR:
			bt->intr_exits++;
			if (__atomic_load_n(&timed_out, __ATOMIC_SEQ_CST)) {
				fprintf(stderr, "mvboot: %s: timed out before the marker\n",
					bt->name);
				return -1;
			}
			break;
		case BX_SHUTDOWN:
		case BX_ERROR:
			fprintf(stderr, "mvboot: %s: %s\n", bt->name, x.what);
			return -1;
		}
		if (bt->panic) {
			fprintf(stderr, "mvboot: %s: the guest panicked\n", bt->name);
			return -1;
		}
	}
	return 0;
}

static void print_help(void)
{
	fprintf(stderr, "usage: mvboot --backend minivisor|kvm | --mvctl PATH\n"
		"              --kernel BZIMAGE --initrd FILE\n"
		"              [--mem 512M] [--append CMDLINE] [--marker TEXT] [--log FILE]\n"
		"              [--timeout SECS] [--kvm-cpuid] [--name NAME]\n");
}

static int write_log(const struct boot *bt, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		return -1;
	}
	if (bt->log_len)
		fwrite(bt->log, 1, bt->log_len, f);
	if (bt->line_len)
		fwrite(bt->line, 1, bt->line_len, f);
	return fclose(f);
}

/* The last @lines lines of the console, on stderr. */
static void print_tail(const struct boot *bt, unsigned int lines)
{
	size_t i = bt->log_len;

	while (i > 0 && lines) {
		i--;
		if (i > 0 && bt->log[i - 1] == '\n')
			lines--;
	}
	if (bt->log_len)
		fwrite(bt->log + i, 1, bt->log_len - i, stderr);
	if (bt->line_len)
		fprintf(stderr, "%.*s\n", (int)bt->line_len, bt->line);
}

/* What the runner did for the guest, and the backend's own exit counts. */
static void report_exits(struct boot *bt)
{
	const char *n = bt->name;

	printf("INFO,%s,console-bytes,%" PRIu64 "\n", n, bt->serial.transmitted);
	printf("INFO,%s,user-exits-io,%" PRIu64 "\n", n, bt->io_exits);
	printf("INFO,%s,user-exits-mmio,%" PRIu64 "\n", n, bt->mmio_exits);
	printf("INFO,%s,user-exits-hlt,%" PRIu64 "\n", n, bt->hlt_exits);
	for (unsigned int i = 0; i < bt->nr_ports; i++)
		printf("INFO,%s,port-0x%x,%" PRIu64 "\n", n, bt->ports[i], bt->port_count[i]);
	fflush(stdout);
	bt->b->stats(&bt->m, stdout, bt->name);
	fflush(stdout);
}

static void report(struct boot *bt, const char *cmdline, double t0)
{
	const char *n = bt->name;

	printf("BENCH,%s,linux-boot,%.1f,ms\n", n, (bt->t_marker - t0) * 1e3);
	if (bt->printk_s >= 0)
		printf("BENCH,%s,linux-boot-printk,%.1f,ms\n", n, bt->printk_s * 1e3);
	if (bt->t_ready > 0)
		printf("INFO,%s,loaded-ms,%.1f\n", n, (bt->t_ready - t0) * 1e3);
	if (bt->t_first_io > 0)
		printf("INFO,%s,first-port-io-ms,%.1f\n", n, (bt->t_first_io - t0) * 1e3);
	printf("INFO,%s,cmdline,%s\n", n, cmdline);
	printf("INFO,%s,cpuid,%s\n", n, bt->b == &boot_kvm ?
	       (bt->m.kvm_cpuid ? "kvm-supported-minus-pv" : "minivisor-view") : "minivisor");
	report_exits(bt);
}

/*
 * --mvctl PATH: time mvctl itself instead. Its console goes to a file that
 * is polled every POLL_NS of this machine's time (a pipe would wake this
 * process for each byte mvctl writes); the marker's time is the first poll
 * that sees it. mvctl is then stopped with SIGTERM.
 */
#define POLL_NS		2000000

static int run_mvctl(struct boot *bt, const char *mvctl, const char *kernel,
		     const char *initrd, const char *append, uint64_t mem,
		     unsigned int timeout, double t0)
{
	char mem_arg[32], path[] = "/tmp/mvboot-mvctl-XXXXXX";
	const struct timespec poll = { .tv_nsec = POLL_NS };
	size_t done = 0;
	int fd, status;
	char buf[4096];
	pid_t pid;

	snprintf(mem_arg, sizeof(mem_arg), "%lluK", (unsigned long long)(mem >> 10));
	fd = mkstemp(path);
	if (fd < 0) {
		perror("mvboot: mkstemp");
		return -1;
	}
	unlink(path);
	pid = fork();
	if (pid < 0) {
		perror("mvboot: fork");
		return -1;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		execl(mvctl, mvctl, "create", "--mem", mem_arg, "--cpus", "1", "--kernel", kernel,
		      "--initrd", initrd, "--append", append, (char *)NULL);
		perror(mvctl);
		_exit(127);
	}
	bt->t_ready = now_s();
	while (!bt->found && !bt->panic && now_s() - t0 < timeout) {
		ssize_t n = pread(fd, buf, sizeof(buf), done);

		if (n <= 0) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				pid = -1;
				break;
			}
			nanosleep(&poll, NULL);
			continue;
		}
		done += n;
		bt->serial.transmitted += n;
		for (ssize_t i = 0; i < n && !bt->found; i++)
			console_byte(bt, buf[i]);
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	close(fd);
	return bt->found ? 0 : -1;
}

static int time_mvctl(struct boot *bt, const char *mvctl, const struct mvctl_linux *l,
		      const char *append, uint64_t mem, unsigned int timeout, double t0,
		      const char *log_path)
{
	int status = 1;

	if (!run_mvctl(bt, mvctl, l->kernel_path, l->initrd_path, append, mem, timeout, t0)) {
		printf("BENCH,%s,linux-boot,%.1f,ms\n", bt->name, (bt->t_marker - t0) * 1e3);
		if (bt->printk_s >= 0)
			printf("BENCH,%s,linux-boot-printk,%.1f,ms\n", bt->name,
			       bt->printk_s * 1e3);
		printf("INFO,%s,console-bytes,%" PRIu64 "\n", bt->name, bt->serial.transmitted);
		status = 0;
	} else {
		fprintf(stderr, "mvboot: mvctl: no \"%s\" line\n", bt->marker);
		print_tail(bt, 40);
	}
	if (log_path)
		write_log(bt, log_path);
	return status;
}

int main(int argc, char **argv)
{
	static struct boot bt;
	static char cmdline[4096];
	const char *backend = NULL, *append = DEFAULT_APPEND, *log_path = NULL, *mvctl = NULL;
	struct mvctl_linux l = { 0 };
	struct sigaction sa = { .sa_handler = on_alarm };
	uint64_t mem = 512ull << 20;
	unsigned int timeout = 1200;
	double t0 = now_s();
	int status = 1;
	long khz;

	bt.marker = DEFAULT_MARKER;
	bt.m.sys_fd = bt.m.vm.fd = bt.m.vcpu.fd = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--kvm-cpuid")) {
			bt.m.kvm_cpuid = true;
			continue;
		}
		if (!v) {
			print_help();
			return 2;
		}
		i++;
		if (!strcmp(a, "--backend"))
			backend = v;
		else if (!strcmp(a, "--kernel"))
			l.kernel_path = v;
		else if (!strcmp(a, "--initrd"))
			l.initrd_path = v;
		else if (!strcmp(a, "--append"))
			append = v;
		else if (!strcmp(a, "--mvctl"))
			mvctl = v;
		else if (!strcmp(a, "--name"))
			bt.name = v;
		else if (!strcmp(a, "--marker"))
			bt.marker = v;
		else if (!strcmp(a, "--log"))
			log_path = v;
		else if (!strcmp(a, "--timeout"))
			timeout = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--mem") && !mvctl_parse_size(v, &mem))
			continue;
		else {
			print_help();
			return 2;
		}
	}
	if ((!backend && !mvctl) || !l.kernel_path || !l.initrd_path) {
		print_help();
		return 2;
	}
	bt.b = backend && !strcmp(backend, "kvm") ? &boot_kvm : &boot_mv;
	if (!bt.name)
		bt.name = mvctl ? "mvctl" : bt.b->name;
	if (mvctl)
		return time_mvctl(&bt, mvctl, &l, append, mem, timeout, t0, log_path);

	if (bt.b->open(&bt.m) || bt.b->create(&bt.m, mem))
		goto out;
	khz = bt.b->tsc_khz(&bt.m);
	if (khz && !strstr(append, "tsc_early_khz="))
		snprintf(cmdline, sizeof(cmdline), "%s tsc_early_khz=%ld", append, khz);
	else
		snprintf(cmdline, sizeof(cmdline), "%s", append);
	l.cmdline = cmdline;
	if (mvctl_linux_check(&l, mem))
		goto out;
	if (bt.b->load(&bt.m, &l, mvctl_acpi_build(bt.m.vm.mem, 1)))
		goto out;
	mvctl_linux_free(&l);

	mvctl_serial_init(&bt.serial, -1);
	bt.serial.set_irq = serial_set_irq;
	bt.serial.opaque = &bt;
	mvctl_rtc_init(&bt.rtc);

	/* No SA_RESTART: the run must return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	g_boot = &bt;
	alarm(timeout);
	bt.t_ready = now_s();
	if (!run(&bt)) {
		alarm(0);
		report(&bt, cmdline, t0);
		status = 0;
	}
	alarm(0);
	g_boot = NULL;
	if (status) {
		fprintf(stderr, "mvboot: %s: no \"%s\" line (%" PRIu64 " console bytes); the console's end:\n",
			bt.name, bt.marker, bt.serial.transmitted);
		print_tail(&bt, 40);
		report_exits(&bt);
	}
	if (log_path)
		write_log(&bt, log_path);
out:
	mvctl_linux_free(&l);
	bt.b->destroy(&bt.m);
	return status;
}
