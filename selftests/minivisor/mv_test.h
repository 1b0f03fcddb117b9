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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "uapi/minivisor.h"

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

#endif /* MV_TEST_H */
