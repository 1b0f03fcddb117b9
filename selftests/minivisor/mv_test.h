/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the minivisor selftests. They run as root inside the
 * emulated machine (tools/nested-run), where the rig has loaded minivisor.ko
 * from /lib/modules/$(uname -r)/extra/ and the msr driver.
 *
 * Every helper returns a negative errno (or -1 with errno set) on failure and
 * never exits, so that the test itself asserts with a useful message.
 */
#ifndef MV_TEST_H
#define MV_TEST_H

#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uapi/minivisor.h"
#include "tools/mvctl/vm.h"	/* linked in: tools/mvctl/vm.c */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define MV_DEVICE	"/dev/minivisor"
#define MV_MODNAME	"minivisor"

#define MSR_EFER		0xc0000080
#define EFER_SVME		(1ull << 12)
#define MSR_VMX_EPT_VPID_CAP	0x48c

static inline const char *mv_module_path(void)
{
	static char path[256];
	struct utsname u;
	const char *env = getenv("MV_MODULE");

	if (env)
		return env;
	uname(&u);
	snprintf(path, sizeof(path), "/lib/modules/%s/extra/minivisor.ko", u.release);
	return path;
}

/* Load a module file with parameters; returns 0 or -errno. */
static inline int mv_finit_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static inline int mv_load(void)
{
	return mv_finit_module(mv_module_path(), "");
}

/* Unload a module by name; returns 0 or -errno. */
static inline int mv_delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static inline int mv_unload(void)
{
	return mv_delete_module(MV_MODNAME);
}

static inline bool mv_module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/* Make sure minivisor is loaded (as the rig left it); returns 0 or -errno. */
static inline int mv_ensure_loaded(void)
{
	return mv_module_loaded(MV_MODNAME) ? 0 : mv_load();
}

/* Capability through a fresh system fd; -errno on failure. */
static inline long mv_cap(int cap)
{
	int fd = open(MV_DEVICE, O_RDWR | O_CLOEXEC);
	long v;

	if (fd < 0)
		return -errno;
	v = ioctl(fd, MV_CHECK_CAP, cap);
	if (v < 0)
		v = -errno;
	close(fd);
	return v;
}

/* The vendor from CPUID: MV_VENDOR_INTEL_VMX, MV_VENDOR_AMD_SVM or 0. */
static inline int mv_cpu_vendor(void)
{
	unsigned int a, b, c, d;

	__cpuid(1, a, b, c, d);
	if (c & (1u << 5))
		return MV_VENDOR_INTEL_VMX;
	__cpuid(0x80000001, a, b, c, d);
	if (c & (1u << 2))
		return MV_VENDOR_AMD_SVM;
	return 0;
}

/* rdmsr on one CPU through the msr driver; 0 or -errno. */
static inline int mv_rdmsr(int cpu, uint32_t msr, uint64_t *val)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, val, sizeof(*val), msr) != sizeof(*val))
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

static inline int mv_wrmsr(int cpu, uint32_t msr, uint64_t val)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, &val, sizeof(val), msr) != sizeof(val))
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

/* How many online CPUs have EFER.SVME set; -errno if one cannot be read. */
static inline int mv_count_svme(int *online)
{
	int n = sysconf(_SC_NPROCESSORS_CONF), on = 0, count = 0;

	for (int cpu = 0; cpu < n; cpu++) {
		uint64_t efer;
		int ret = mv_rdmsr(cpu, MSR_EFER, &efer);

		if (ret == -ENXIO || ret == -ENOENT)
			continue;	/* offline */
		if (ret)
			return ret;
		on++;
		count += !!(efer & EFER_SVME);
	}
	if (online)
		*online = on;
	return count;
}

static inline int mv_nr_online(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

/* Write "0" or "1" to /sys/devices/system/cpu/cpuN/online; 0 or -errno. */
static inline int mv_cpu_set_online(int cpu, bool online)
{
	char path[96];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, online ? "1" : "0", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

/* Kernel release at least MAJOR.MINOR? */
static inline bool mv_kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/* Does /proc/cpuinfo's line starting with KEY list the word FLAG? */
static inline bool mv_cpuinfo_has(const char *key, const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	bool found = false;
	size_t klen = strlen(key);

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p, *tok, *save;

		if (strncmp(line, key, klen) || (line[klen] != ' ' && line[klen] != '\t'))
			continue;
		p = strchr(line, ':');
		for (tok = strtok_r(p ? p + 1 : line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(tok, flag))
				found = true;
		break;		/* the first CPU's line is enough */
	}
	fclose(f);
	return found;
}

/*
 * Kernel log: mv_kmsg_open() positions a reader at the end of the log;
 * mv_kmsg_grep() then reads what was logged since and says whether a record
 * contains NEEDLE (the record is copied to FOUND if non-NULL).
 */
static inline int mv_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static inline bool mv_kmsg_grep(int fd, const char *needle, char *found, size_t len)
{
	char rec[2048];
	ssize_t n;
	bool hit = false;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		if (!hit && strstr(rec, needle)) {
			hit = true;
			if (found)
				snprintf(found, len, "%s", rec);
		}
	}
	return hit;
}

/* Run a shell command (modprobe and friends); its exit status or -1. */
static inline int mv_sh(const char *cmd)
{
	int st = system(cmd);

	return st < 0 ? -1 : WEXITSTATUS(st);
}

/*
 * Running guests. The selftests link tools/mvctl/vm.c (VM, RAM, vCPU and
 * mode setup, layout in tools/mvctl/bootinfo.h) and use these on top.
 */

#define MV_COM1			0x3f8
#define MV_EXIT_PORT		0xf4	/* mvctl: OUT ends the guest with the value */
#define MV_REAL_MEM		0x10000		/* 64 KiB: 0xd0000 is MMIO */
#define MV_PM_MEM		(4ull << 20)	/* protected / long mode */


/**
 * struct mv_test_vm - a system fd, a VM with RAM at 0 and vCPU 0.
 */
struct mv_test_vm {
	int sys;
	struct mvctl_vm vm;
	struct mvctl_vcpu vcpu;
};

/* Open /dev/minivisor, loading the module if needed: fd or -errno. */
static inline int mv_open_sys(void)
{
	int fd, ret = mv_ensure_loaded();

	if (ret)
		return ret;
	fd = open(MV_DEVICE, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static inline void mv_test_vm_destroy(struct mv_test_vm *t)
{
	mvctl_vcpu_destroy(&t->vcpu);
	mvctl_vm_destroy(&t->vm);
	if (t->sys >= 0)
		close(t->sys);
	t->sys = -1;
}

/* The default load address (and entry) of @mode. */
static inline uint64_t mv_mode_load(enum mvctl_mode mode)
{
	return mode == MVCTL_MODE_REAL ? MVCTL_REAL_LOAD : MVCTL_PM_LOAD;
}

/*
 * A VM of @mem bytes whose vCPU 0 is in @mode, about to run @code (copied
 * to the mode's load address). 0 or -errno; on failure nothing is left.
 */
static inline int mv_test_vm_create(struct mv_test_vm *t, uint64_t mem,
				    enum mvctl_mode mode, const void *code, size_t len)
{
	uint64_t load = mv_mode_load(mode);
	int ret;

	t->vm.fd = t->vcpu.fd = -1;
	t->vm.mem = NULL;
	t->vcpu.run = NULL;
	t->sys = mv_open_sys();
	if (t->sys < 0)
		return t->sys;
	ret = mvctl_vm_create(&t->vm, t->sys, mem);
	if (!ret && code)
		ret = mvctl_load(&t->vm, load, code, len);
	if (!ret)
		ret = mvctl_vcpu_create(&t->vm, &t->vcpu, 0);
	if (!ret)
		ret = mvctl_setup_mode(&t->vm, &t->vcpu, mode, load);
	if (ret)
		mv_test_vm_destroy(t);
	return ret;
}

/*
 * The hypercall instruction is VMCALL (0f 01 c1) on Intel and VMMCALL
 * (0f 01 d9) on AMD: write this host's at @insn (3 bytes).
 */
static inline void mv_patch_hypercall(uint8_t *insn)
{
	insn[0] = 0x0f;
	insn[1] = 0x01;
	insn[2] = mv_cap(MV_CAP_VENDOR) == MV_VENDOR_AMD_SVM ? 0xd9 : 0xc1;
}

/* MV_RUN once: 0 (see run->exit_reason) or -errno. */
static inline int mv_run(struct mvctl_vcpu *vcpu)
{
	return ioctl(vcpu->fd, MV_RUN, 0) ? -errno : 0;
}

/* Pack / unpack the little-endian data of an I/O or MMIO exit. */
static inline uint64_t mv_le(const uint8_t *data, unsigned int size)
{
	uint64_t v = 0;

	for (unsigned int i = size; i-- > 0;)
		v = (v << 8) | data[i];
	return v;
}

static inline void mv_put_le(uint8_t *data, unsigned int size, uint64_t v)
{
	for (unsigned int i = 0; i < size; i++, v >>= 8)
		data[i] = v;
}

/*
 * Run until an exit other than COM1 output (collected in @out, NUL
 * terminated) or the exit port (its value in *@status if @status, and the
 * guest stops there). Returns the exit reason that stopped it (MV_EXIT_IO
 * for the exit port), or -errno from MV_RUN.
 */
static inline int mv_run_guest(struct mvctl_vcpu *vcpu, char *out, size_t outlen,
			       int *status)
{
	struct mv_run *run = vcpu->run;
	size_t n = 0;
	int ret;

	if (outlen)
		out[0] = 0;
	for (;;) {
		ret = mv_run(vcpu);
		if (ret)
			return ret;
		if (run->exit_reason != MV_EXIT_IO)
			return run->exit_reason;
		if (run->io.port == MV_EXIT_PORT && run->io.direction == MV_IO_OUT) {
			if (status)
				*status = mv_le(run->io.data, run->io.size);
			return MV_EXIT_IO;
		}
		if (run->io.port < MV_COM1 || run->io.port > MV_COM1 + 7)
			return MV_EXIT_IO;
		if (run->io.direction == MV_IO_IN) {
			/* LSR: transmitter empty; everything else 0 */
			memset(run->io.data, 0, sizeof(run->io.data));
			if (run->io.port == MV_COM1 + 5)
				run->io.data[0] = 0x60;
		} else if (run->io.port == MV_COM1 && n + 1 < outlen) {
			out[n++] = run->io.data[0];
			out[n] = 0;
		}
	}
}

/* One line about the exit in @run, for test logs. */
static inline const char *mv_exit_str(const struct mv_run *run)
{
	static char buf[512];

	switch (run->exit_reason) {
	case MV_EXIT_IO:
		snprintf(buf, sizeof(buf), "io %s port 0x%x size %u count %u data 0x%llx",
			 run->io.direction == MV_IO_IN ? "in" : "out", run->io.port,
			 run->io.size, run->io.count,
			 (unsigned long long)mv_le(run->io.data, run->io.size > 8 ? 8 : run->io.size));
		break;
	case MV_EXIT_MMIO:
		snprintf(buf, sizeof(buf), "mmio %s 0x%llx len %u data 0x%llx",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			 (unsigned long long)mv_le(run->mmio.data, run->mmio.len > 8 ? 8 : run->mmio.len));
		break;
	case MV_EXIT_SHUTDOWN:
		snprintf(buf, sizeof(buf), "shutdown at 0x%llx: %.64s",
			 (unsigned long long)run->shutdown.rip, run->shutdown.reason);
		break;
	case MV_EXIT_FAIL_ENTRY:
		snprintf(buf, sizeof(buf), "fail_entry 0x%llx qual 0x%llx: %.128s",
			 (unsigned long long)run->fail_entry.hardware_reason,
			 (unsigned long long)run->fail_entry.qualification,
			 run->fail_entry.cause);
		break;
	case MV_EXIT_INTERNAL_ERROR:
		snprintf(buf, sizeof(buf), "internal_error %u hw 0x%llx at 0x%llx: %.128s",
			 run->internal.suberror,
			 (unsigned long long)run->internal.hardware_reason,
			 (unsigned long long)run->internal.rip, run->internal.cause);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s (%u)", mvctl_exit_name(run->exit_reason),
			 run->exit_reason);
	}
	return buf;
}

static inline uint64_t mv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A line of /proc/meminfo ("MemAvailable") in KiB, or -1. */
static inline long long mv_meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t klen = strlen(key);
	long long v = -1;
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * How much freed memory the per-CPU free lists may hold back, in KiB: the
 * sum of their "high" marks in /proc/zoneinfo. Pages there are neither in
 * MemFree nor in MemAvailable, so a count taken before and after freeing
 * can differ by up to this much without a leak. -1 if unreadable.
 */
static inline long long mv_pcp_high_kb(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	long long pages = 0, high;
	char line[256];

	if (!f)
		return -1;
	/* Per-CPU lines read "high: N"; the zone's watermark is "high N". */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " high: %lld", &high) == 1)
			pages += high;
	fclose(f);
	return pages * (sysconf(_SC_PAGESIZE) >> 10);
}

/*
 * Where the other build products are, relative to this test binary: in the
 * build tree build/selftests/X -> build/guests, build/bin; in the emulated
 * machine /selftests/X -> /guests, /usr/bin (tools/nested-run's layout).
 * MV_GUESTS and MV_MVCTL override.
 */
static inline const char *mv_guest_path(const char *name)
{
	static char path[4][4096];
	static int next;
	const char *env = getenv("MV_GUESTS");
	char *p = path[next++ % 4], self[4096];
	ssize_t n;

	if (env) {
		snprintf(p, 4096, "%.2048s/%.1024s", env, name);
		return p;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	if (strrchr(self, '/'))
		*strrchr(self, '/') = 0;
	snprintf(p, 4096, "%.2048s/../guests/%.1024s", self, name);
	return p;
}

static inline const char *mv_mvctl_path(void)
{
	static char path[4096 + 32];
	const char *env = getenv("MV_MVCTL");
	char self[4096];
	ssize_t n;

	if (env)
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	if (strrchr(self, '/'))
		*strrchr(self, '/') = 0;
	snprintf(path, sizeof(path), "%.2048s/../bin/mvctl", self);
	if (access(path, X_OK))
		snprintf(path, sizeof(path), "/usr/bin/mvctl");
	return path;
}

/* Write @len bytes to a new temporary file; its path in @path (>= 32 bytes). */
static inline int mv_write_temp(char *path, const void *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/mv-guest-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	return 0;
}

/**
 * struct mv_spawn - a program run by mv_spawn().
 * @out: @err: its stdout and stderr, NUL terminated (truncated to fit).
 * @status: exit status, 128 + signal if killed, -1 if it timed out.
 * @elapsed_ms: how long it ran.
 * @signal_ms: @signal_ms after the start send it @signal (0: never).
 * @signal: see @signal_ms.
 */
struct mv_spawn {
	char out[16384];
	char err[16384];
	int status;
	unsigned int elapsed_ms;
	unsigned int signal_ms;
	int signal;
};

/* Run @argv with stdout and stderr captured, killing it after @timeout_ms. */
static inline int mv_spawn(struct mv_spawn *s, char *const argv[], unsigned int timeout_ms)
{
	int out[2], err[2], wst;
	size_t nout = 0, nerr = 0;
	uint64_t start = mv_now_ns();
	bool signalled = false, open_out = true, open_err = true;
	pid_t pid;

	s->out[0] = s->err[0] = 0;
	s->status = -1;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	while (open_out || open_err) {
		struct pollfd pfd[2] = {
			{ .fd = open_out ? out[0] : -1, .events = POLLIN },
			{ .fd = open_err ? err[0] : -1, .events = POLLIN },
		};
		unsigned int ms = (mv_now_ns() - start) / 1000000;
		int wait_ms = ms >= timeout_ms ? 0 : timeout_ms - ms;

		if (s->signal && !signalled) {
			if (ms >= s->signal_ms) {
				kill(pid, s->signal);
				signalled = true;
				continue;
			}
			if (wait_ms > (int)(s->signal_ms - ms))
				wait_ms = s->signal_ms - ms;
		}
		if (ms >= timeout_ms) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(pfd, 2, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			char *buf = i ? s->err : s->out;
			size_t *n = i ? &nerr : &nout;
			char tmp[4096];
			ssize_t r;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(pfd[i].fd, tmp, sizeof(tmp));
			if (r <= 0) {
				if (i)
					open_err = false;
				else
					open_out = false;
				continue;
			}
			if ((size_t)r > sizeof(s->out) - 1 - *n)
				r = sizeof(s->out) - 1 - *n;
			memcpy(buf + *n, tmp, r);
			*n += r;
			buf[*n] = 0;
		}
	}
	close(out[0]);
	close(err[0]);
	if (waitpid(pid, &wst, 0) != pid)
		return -errno;
	s->elapsed_ms = (mv_now_ns() - start) / 1000000;
	if (WIFEXITED(wst))
		s->status = WEXITSTATUS(wst);
	else if (WIFSIGNALED(wst))
		s->status = WTERMSIG(wst) == SIGKILL && s->elapsed_ms >= timeout_ms ?
			    -1 : 128 + WTERMSIG(wst);
	return 0;
}

/*
 * Real-mode guest shared by several tests: OUT ECX to port 0x10, decrement
 * ECX, until zero, then HLT. The test sets ECX.
 */
static const uint8_t mv_countdown_guest[] = {
	0x66, 0x89, 0xc8,			/* 1: mov %ecx, %eax */
	0x66, 0xe7, 0x10,			/* out %eax, $0x10 */
	0x66, 0x49,				/* dec %ecx */
	0x75, 0xf6,				/* jnz 1b */
	0xf4,					/* hlt */
};

#endif /* MV_TEST_H */
