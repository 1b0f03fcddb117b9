// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl create: load a flat binary image into a new VM, put the vCPU in
 * real, protected or long mode and run it, with COM1 on stdout and an exit
 * port. The guest-physical layout is in bootinfo.h.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mvctl.h"
#include "vm.h"

/* Exit port: the guest's OUT of any size ends mvctl with that value. */
#define EXIT_PORT		0xf4
/* Hypercall 0: exit with the status in its first argument (RBX). */
#define HC_EXIT			0

/* mvctl's own exit statuses (a guest can exit with any of them too) */
#define STATUS_ERROR		1
#define STATUS_USAGE		2
#define STATUS_SHUTDOWN		3
#define STATUS_FAIL_ENTRY	4
#define STATUS_INTERNAL		5
#define STATUS_INTERRUPTED	130

#define MAX_REPORTS		16	/* MMIO addresses / hypercalls reported */

static const char create_help[] =
"usage: mvctl create --mem SIZE --image FILE [--load-addr GPA] [--entry GPA]\n"
"                    [--mode real|protected|long] [--vcpus 1] [--stats]\n"
"\n"
"Creates a VM with SIZE bytes of RAM at guest-physical 0 (512M, 1G, 4096K or\n"
"bytes; a multiple of 4 KiB, at most 64G), loads FILE (a flat binary) at the\n"
"load address and runs one vCPU from the entry point until the guest stops.\n"
"\n"
"  real       (default) load/entry 0x7c00, CS = SS = 0, SP = 0x7c00\n"
"  protected  load/entry 0x100000, flat 4 GiB segments, paging off\n"
"  long       load/entry 0x100000, identity-mapped 2 MiB pages covering RAM\n"
"             and at least the first 4 GiB\n"
"  In protected and long mode mvctl uses 0x500..0x7ffff: boot info at 0x500\n"
"  (magic, RAM size), GDT at 0x1000, page tables from 0x2000, stack pointer\n"
"  0x80000; RDI = RAM size, RSI = 0x500. No IDT: exceptions triple-fault.\n"
"\n"
"Devices: COM1 (16550A at 0x3f8, output to stdout); port 0xf4: an OUT of\n"
"any size ends the VM and mvctl exits with the value written (modulo 256;\n"
"QEMU's isa-debug-exit port, but without QEMU's (value << 1) | 1).\n"
"Hypercall 0 (VMCALL/VMMCALL, RAX = 0) also exits with RBX; others return -1.\n"
"Other ports and MMIO: reported once on stderr; reads return all ones.\n"
"\n"
"Exit status: the guest's value (port 0xf4 / hypercall 0); 0 if the guest\n"
"executes HLT (no interrupts exist, so HLT stops it); 1 error; 2 usage;\n"
"3 triple fault; 4 the CPU refused VM entry; 5 minivisor internal error;\n"
"130 interrupted by SIGINT, SIGTERM or SIGHUP.\n"
"--stats prints exits by reason and resident memory on stderr at the end.\n";

struct create_opts {
	uint64_t mem_size;
	const char *mem_arg;
	const char *image;
	uint64_t load_addr;
	uint64_t entry;
	bool load_set, entry_set;
	enum mvctl_mode mode;
	bool stats;
};

/* State of one run: the vCPU and what has been reported already. */
struct create_run {
	struct mvctl_vm *vm;
	struct mvctl_vcpu *vcpu;
	struct mvctl_serial serial;
	uint8_t port_reported[65536 / 8];
	uint64_t mmio_reported[MAX_REPORTS];
	unsigned int nr_mmio_reported;
	uint64_t hc_reported[MAX_REPORTS];
	unsigned int nr_hc_reported;
};

/* Shared with the signal handler: lock-free atomics. */
static atomic_int create_signal;
static struct mv_run *_Atomic create_run_page;

static void create_on_signal(int sig)
{
	create_signal = sig;
	/* Closes the window between checking create_signal and MV_RUN. */
	if (create_run_page)
		create_run_page->immediate_exit = 1;
}

static int install_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = create_on_signal };

	/* No SA_RESTART: MV_RUN must return -EINTR. */
	sigemptyset(&sa.sa_mask);
	for (unsigned int i = 0; i < ARRAY_SIZE(sigs); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
	return 0;
}

static int parse_gpa(const char *opt, const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "mvctl: %s: '%s' is not an address (e.g. 0x7c00)\n", opt, s);
		return -1;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct create_opts *o)
{
	enum { OPT_MEM = 256, OPT_IMAGE, OPT_LOAD, OPT_ENTRY, OPT_MODE, OPT_STATS,
	       OPT_VCPUS, OPT_HELP };
	static const struct option longopts[] = {
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "load-addr", required_argument, NULL, OPT_LOAD },
		{ "entry", required_argument, NULL, OPT_ENTRY },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "vcpus", required_argument, NULL, OPT_VCPUS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c, err;

	memset(o, 0, sizeof(*o));
	o->mode = MVCTL_MODE_REAL;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MEM:
			o->mem_arg = optarg;
			err = mvctl_parse_size(optarg, &o->mem_size);
			if (err) {
				fprintf(stderr, "mvctl: --mem: cannot parse '%s' (use e.g. 512M, 1G, 4096K or a number of bytes)\n",
					optarg);
				return -1;
			}
			break;
		case OPT_IMAGE:
			o->image = optarg;
			break;
		case OPT_LOAD:
			if (parse_gpa("--load-addr", optarg, &o->load_addr))
				return -1;
			o->load_set = true;
			break;
		case OPT_ENTRY:
			if (parse_gpa("--entry", optarg, &o->entry))
				return -1;
			o->entry_set = true;
			break;
		case OPT_MODE:
			err = mvctl_parse_mode(optarg);
			if (err < 0) {
				fprintf(stderr, "mvctl: --mode: '%s' is not real, protected or long\n",
					optarg);
				return -1;
			}
			o->mode = err;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_VCPUS:
			if (strcmp(optarg, "1")) {
				fprintf(stderr, "mvctl: --vcpus: only 1 vCPU is supported for now\n");
				return -1;
			}
			break;
		case OPT_HELP:
			fputs(create_help, stdout);
			return 1;
		default:
			if (optopt)
				fprintf(stderr, "mvctl: create: option %s needs a value\n",
					argv[optind - 1]);
			else
				fprintf(stderr, "mvctl: create: unknown option '%s'\n",
					argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mvctl: create: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->mem_arg || !o->image) {
		fprintf(stderr, "mvctl: create: --mem and --image are required\n");
		return -1;
	}
	if (!o->load_set)
		o->load_addr = o->mode == MVCTL_MODE_REAL ? MVCTL_REAL_LOAD : MVCTL_PM_LOAD;
	if (!o->entry_set)
		o->entry = o->load_addr;
	return 0;
}

/* Everything that can be refused before talking to the module. */
static int check_opts(const struct create_opts *o)
{
	struct stat st;

	if (o->mem_size == 0) {
		fprintf(stderr, "mvctl: --mem %s: the VM needs some memory\n", o->mem_arg);
		return -1;
	}
	if (o->mem_size % 4096) {
		fprintf(stderr, "mvctl: --mem %s: not a multiple of 4 KiB\n", o->mem_arg);
		return -1;
	}
	if (o->mem_size > MV_MAX_MEMORY) {
		fprintf(stderr, "mvctl: --mem %s: more than the %llu GiB a VM can have\n",
			o->mem_arg, MV_MAX_MEMORY >> 30);
		return -1;
	}
	if (stat(o->image, &st)) {
		fprintf(stderr, "mvctl: cannot open image %s: %s\n", o->image, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "mvctl: image %s is not a regular file\n", o->image);
		return -1;
	}
	if (o->load_addr >= o->mem_size ||
	    (uint64_t)st.st_size > o->mem_size - o->load_addr) {
		fprintf(stderr, "mvctl: image %s (%lld bytes at 0x%" PRIx64 ") does not fit in %s of memory\n",
			o->image, (long long)st.st_size, o->load_addr, o->mem_arg);
		return -1;
	}
	if (o->mode != MVCTL_MODE_REAL && o->load_addr < MVBOOT_LOW_END) {
		fprintf(stderr, "mvctl: load address 0x%" PRIx64 " overlaps 0x0-0x%x, which mvctl uses in %s mode (GDT, page tables, stack)\n",
			o->load_addr, MVBOOT_LOW_END - 1, mvctl_mode_name(o->mode));
		return -1;
	}
	if (o->mode == MVCTL_MODE_REAL && o->entry >= 0x100000) {
		fprintf(stderr, "mvctl: entry 0x%" PRIx64 " is out of reach in real mode (below 1 MiB only)\n",
			o->entry);
		return -1;
	}
	return 0;
}

static uint64_t vcpu_rip(struct create_run *r)
{
	struct mv_regs regs;

	if (ioctl(r->vcpu->fd, MV_GET_REGS, &regs))
		return ~0ull;
	return regs.rip;
}

static uint64_t le_value(const uint8_t *data, unsigned int size)
{
	uint64_t v = 0;

	for (unsigned int i = size; i-- > 0;)
		v = (v << 8) | data[i];
	return v;
}

/* Has @v been reported already (or enough reported)? Else remember it. */
static bool already_reported(uint64_t *list, unsigned int *nr, uint64_t v)
{
	for (unsigned int i = 0; i < *nr; i++)
		if (list[i] == v)
			return true;
	if (*nr == MAX_REPORTS)
		return true;
	list[(*nr)++] = v;
	return false;
}

/* Port I/O; returns -1 to go on or the exit status. */
static int handle_io(struct create_run *r)
{
	struct mv_run *run = r->vcpu->run;
	bool in = run->io.direction == MV_IO_IN;
	unsigned int size = run->io.size;
	uint16_t port = run->io.port;

	if (size > sizeof(run->io.data))
		size = sizeof(run->io.data);
	if (mvctl_serial_io(&r->serial, port, in, run->io.data, size))
		return -1;
	if (port == EXIT_PORT) {
		if (!in)
			return le_value(run->io.data, size) & 0xff;
		memset(run->io.data, 0xff, size);
		return -1;
	}
	if (!(r->port_reported[port / 8] & (1 << (port % 8)))) {
		r->port_reported[port / 8] |= 1 << (port % 8);
		fprintf(stderr, "mvctl: unhandled I/O port 0x%x, ignoring\n", port);
	}
	if (in)
		memset(run->io.data, 0xff, size);
	return -1;
}

static void handle_mmio(struct create_run *r)
{
	struct mv_run *run = r->vcpu->run;

	if (!already_reported(r->mmio_reported, &r->nr_mmio_reported, run->mmio.phys_addr))
		fprintf(stderr, "mvctl: unhandled MMIO %s at 0x%llx (%u bytes), nothing is mapped there; ignoring\n",
			run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
}

static int handle_hypercall(struct create_run *r)
{
	struct mv_run *run = r->vcpu->run;

	if (run->hypercall.nr == HC_EXIT)
		return run->hypercall.args[0] & 0xff;
	if (!already_reported(r->hc_reported, &r->nr_hc_reported, run->hypercall.nr))
		fprintf(stderr, "mvctl: unknown hypercall %llu, returning -1\n",
			(unsigned long long)run->hypercall.nr);
	run->hypercall.ret = ~0ull;
	return -1;
}

static void print_internal(struct create_run *r)
{
	static const char *const suberrors[] = {
		[MV_INTERNAL_UNHANDLED_EXIT] = "unhandled exit",
		[MV_INTERNAL_EMULATION] = "cannot emulate MMIO instruction",
		[MV_INTERNAL_UNSUPPORTED_IO] = "unsupported port I/O (string or REP)",
		[MV_INTERNAL_MEMORY] = "out of memory for the guest",
	};
	struct mv_run *run = r->vcpu->run;
	uint32_t sub = run->internal.suberror;
	const char *name = sub < ARRAY_SIZE(suberrors) && suberrors[sub] ?
			   suberrors[sub] : "unknown suberror";

	fprintf(stderr, "mvctl: minivisor internal error %u (%s) at RIP 0x%llx: %.*s\n",
		sub, name, (unsigned long long)run->internal.rip,
		(int)sizeof(run->internal.cause), run->internal.cause);
	fprintf(stderr, "mvctl:   hardware reason 0x%llx, data 0x%llx 0x%llx 0x%llx 0x%llx\n",
		(unsigned long long)run->internal.hardware_reason,
		(unsigned long long)run->internal.data[0],
		(unsigned long long)run->internal.data[1],
		(unsigned long long)run->internal.data[2],
		(unsigned long long)run->internal.data[3]);
}

/* Run until the guest stops; returns mvctl's exit status. */
static int run_loop(struct create_run *r)
{
	struct mv_run *run = r->vcpu->run;
	int status;

	for (;;) {
		if (create_signal) {
			fprintf(stderr, "mvctl: interrupted\n");
			return STATUS_INTERRUPTED;
		}
		if (ioctl(r->vcpu->fd, MV_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;	/* ours is checked above; others: go on */
			fprintf(stderr, "mvctl: MV_RUN: %s\n", strerror(errno));
			return STATUS_ERROR;
		}
		switch (run->exit_reason) {
		case MV_EXIT_IO:
			status = handle_io(r);
			if (status >= 0)
				return status;
			break;
		case MV_EXIT_MMIO:
			handle_mmio(r);
			break;
		case MV_EXIT_HYPERCALL:
			status = handle_hypercall(r);
			if (status >= 0)
				return status;
			break;
		case MV_EXIT_HLT:
			fprintf(stderr, "mvctl: guest halted at RIP 0x%llx\n",
				(unsigned long long)vcpu_rip(r));
			return 0;
		case MV_EXIT_SHUTDOWN:
			fprintf(stderr, "mvctl: guest shut down (triple fault) at RIP 0x%llx: %.*s\n",
				(unsigned long long)run->shutdown.rip,
				(int)sizeof(run->shutdown.reason), run->shutdown.reason);
			return STATUS_SHUTDOWN;
		case MV_EXIT_FAIL_ENTRY:
			fprintf(stderr, "mvctl: the CPU refused to enter the guest: %.*s (hardware reason 0x%llx, qualification 0x%llx) at RIP 0x%llx\n",
				(int)sizeof(run->fail_entry.cause), run->fail_entry.cause,
				(unsigned long long)run->fail_entry.hardware_reason,
				(unsigned long long)run->fail_entry.qualification,
				(unsigned long long)vcpu_rip(r));
			return STATUS_FAIL_ENTRY;
		case MV_EXIT_INTERNAL_ERROR:
			print_internal(r);
			return STATUS_INTERNAL;
		case MV_EXIT_INTR:
			break;		/* a signal of someone else's: go on */
		default:
			fprintf(stderr, "mvctl: unknown exit reason %u at RIP 0x%llx\n",
				run->exit_reason, (unsigned long long)vcpu_rip(r));
			return STATUS_INTERNAL;
		}
	}
}

static void print_size(const char *label, uint64_t bytes)
{
	if (bytes >= (1ull << 20))
		fprintf(stderr, "%-16s %.1f MiB (%" PRIu64 " bytes)\n", label,
			bytes / 1048576.0, bytes);
	else
		fprintf(stderr, "%-16s %" PRIu64 " KiB\n", label, bytes >> 10);
}

static void print_stats(struct create_run *r)
{
	struct mv_vcpu_stats vs;
	struct mv_vm_stats ms;

	if (ioctl(r->vcpu->fd, MV_GET_VCPU_STATS, &vs)) {
		fprintf(stderr, "mvctl: MV_GET_VCPU_STATS: %s\n", strerror(errno));
	} else {
		fprintf(stderr, "%-16s %llu\n", "exits", (unsigned long long)vs.exits);
		for (unsigned int i = 0; i < MV_STAT_NR; i++)
			fprintf(stderr, "  %-14s %llu\n", mvctl_stat_name(i),
				(unsigned long long)vs.by_reason[i]);
	}
	if (ioctl(r->vm->fd, MV_GET_VM_STATS, &ms)) {
		fprintf(stderr, "mvctl: MV_GET_VM_STATS: %s\n", strerror(errno));
	} else {
		print_size("resident memory", ms.resident_bytes);
		fprintf(stderr, "%-16s %llu (%llu mapped 2 MiB at once)\n", "nested faults",
			(unsigned long long)ms.nested_faults,
			(unsigned long long)ms.nested_2m_mappings);
	}
}

int mvctl_create(int argc, char **argv)
{
	struct create_run *r;
	struct create_opts o;
	struct mvctl_vcpu vcpu = { .fd = -1 };
	struct mvctl_vm vm = { .fd = -1 };
	int sys_fd, err, status = STATUS_ERROR;
	size_t len;

	err = parse_opts(argc, argv, &o);
	if (err > 0)
		return 0;	/* --help */
	if (err) {
		fprintf(stderr, "(see mvctl create --help)\n");
		return STATUS_USAGE;
	}
	if (check_opts(&o))
		return STATUS_USAGE;

	r = calloc(1, sizeof(*r));
	if (!r) {
		perror("mvctl");
		return STATUS_ERROR;
	}
	sys_fd = mv_open_system();
	if (sys_fd < 0)
		goto out_free;

	err = mvctl_vm_create(&vm, sys_fd, o.mem_size);
	if (err) {
		fprintf(stderr, "mvctl: cannot create a VM with %s of memory: %s\n",
			o.mem_arg, strerror(-err));
		goto out_sys;
	}
	err = mvctl_load_file(&vm, o.load_addr, o.image, &len);
	if (err) {
		fprintf(stderr, "mvctl: cannot load %s: %s\n", o.image, strerror(-err));
		goto out_vm;
	}
	err = mvctl_vcpu_create(&vm, &vcpu, 0);
	if (err) {
		fprintf(stderr, "mvctl: cannot create vCPU 0: %s\n", strerror(-err));
		goto out_vm;
	}
	err = mvctl_setup_mode(&vm, &vcpu, o.mode, o.entry);
	if (err) {
		fprintf(stderr, "mvctl: cannot put the vCPU in %s mode at 0x%" PRIx64 ": %s\n",
			mvctl_mode_name(o.mode), o.entry, strerror(-err));
		goto out_vcpu;
	}

	r->vm = &vm;
	r->vcpu = &vcpu;
	mvctl_serial_init(&r->serial, STDOUT_FILENO);
	create_run_page = vcpu.run;
	err = install_signals();
	if (err) {
		fprintf(stderr, "mvctl: sigaction: %s\n", strerror(-err));
		goto out_vcpu;
	}
	status = run_loop(r);
	if (o.stats)
		print_stats(r);
	create_run_page = NULL;
out_vcpu:
	mvctl_vcpu_destroy(&vcpu);
out_vm:
	mvctl_vm_destroy(&vm);
out_sys:
	close(sys_fd);
out_free:
	free(r);
	return status;
}
