// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl create: build a VM and run it.
 *
 *   --image  a flat binary in real, protected or long mode on one vCPU
 *            (the guest-physical layout is in bootinfo.h)
 *   --kernel a Linux bzImage with an initrd and a command line, on up to
 *            8 vCPUs with the in-kernel APICs and PIT, ACPI tables, a
 *            16550A UART, a CMOS RTC and power-off/reset ports (linux.c,
 *            acpi.c, serial.c, rtc.c)
 *
 * This file takes the options apart and sets the VM up; run.c runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mvctl.h"
#include "vm.h"

#define LINUX_DEFAULT_CMDLINE	"console=ttyS0"

/*
 * The command line, plus what minivisor knows about the guest's TSC unless
 * the user said something about it: its frequency (tsc_early_khz=) and that
 * it is reliable (tsc=reliable, "used ... in virtualized environments",
 * Documentation/admin-guide/kernel-parameters.txt). The guest's TSC is the
 * host's: constant-rate on any CPU of the last decade, and what the host
 * itself keeps time with.
 * Linux on an AMD CPU could only learn the frequency by timing the PIT
 * against the TSC in a tight loop of port reads, and checks the TSC against
 * its timer tick; both fail where exits are slow (nested or emulated
 * hardware) although the TSC is perfectly good. Returns @append or @buf.
 */
static const char *linux_cmdline(const char *append, char *buf, size_t size)
{
	long khz;
	int fd;

	if (strstr(append, "tsc_early_khz=") || strstr(append, "tsc="))
		return append;
	fd = open("/dev/minivisor", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return append;
	khz = ioctl(fd, MV_CHECK_CAP, MV_CAP_TSC_KHZ);
	close(fd);
	if (khz <= 0 ||
	    snprintf(buf, size, "%s tsc_early_khz=%ld tsc=reliable", append, khz) >= (int)size)
		return append;
	return buf;
}

static const char create_help[] =
"usage: mvctl create --mem SIZE --image FILE [--load-addr GPA] [--entry GPA]\n"
"                    [--mode real|protected|long] [--stats] [--verbose]\n"
"       mvctl create --mem SIZE --kernel BZIMAGE [--initrd FILE]\n"
"                    [--append CMDLINE] [--cpus N] [--stats] [--verbose]\n"
"\n"
"Creates a VM with SIZE bytes of RAM (512M, 1G, 4096K or bytes; a multiple\n"
"of 4 KiB, at most 64G) and runs it until the guest stops. The RAM is at\n"
"guest-physical 0, with --kernel at most 3G of it: the rest goes from 4 GiB\n"
"on, as on a PC (--mem 8G: 0..3G and 4G..9G), leaving the 4th GiB to the\n"
"APICs.\n"
"\n"
"--image FILE: a flat binary, loaded at the load address and run on one vCPU\n"
"from the entry point:\n"
"  real       (default) load/entry 0x7c00, CS = SS = 0, SP = 0x7c00\n"
"  protected  load/entry 0x100000, flat 4 GiB segments, paging off\n"
"  long       load/entry 0x100000, identity-mapped 2 MiB pages covering RAM\n"
"             and at least the first 4 GiB\n"
"  In protected and long mode mvctl uses 0x500..0x7ffff: boot info at 0x500\n"
"  (magic, RAM size), GDT at 0x1000, page tables from 0x2000, stack pointer\n"
"  0x80000; RDI = RAM size, RSI = 0x500. No IDT: exceptions triple-fault.\n"
"  HLT ends the VM with status 0 (there are no interrupts to wake it).\n"
"\n"
"--kernel BZIMAGE: a Linux x86-64 bzImage (boot protocol 2.12 or later),\n"
"entered at its 64-bit entry point with the initrd FILE and the command line\n"
"CMDLINE (default \"" LINUX_DEFAULT_CMDLINE "\"), on N vCPUs (1..8, default 1).\n"
"mvctl adds tsc_early_khz=<the TSC frequency> tsc=reliable (the guest's TSC\n"
"is the host's) unless CMDLINE says tsc_early_khz= or tsc=.\n"
"The machine is hardware-reduced ACPI: local APICs, an I/O APIC and the 8254\n"
"PIT in the kernel (MV_CREATE_IRQCHIP), no 8259 PIC, no HPET, no PCI; ACPI\n"
"tables (RSDP, XSDT, FADT, DSDT, MADT) at 0xe0000. The e820 map lists the RAM:\n"
"below 0x9fc00, from 1 MiB up to 3G at most, and the rest from 4 GiB; the\n"
"kernel and the initrd go below 3G.\n"
"\n"
"Devices: COM1, a 16550A at 0x3f8 (IRQ 4): output to stdout, input from\n"
"stdin. If stdin is a terminal it is in raw mode (Ctrl-C goes to the guest)\n"
"and Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A. CMOS RTC at 0x70/0x71 (host\n"
"UTC time). ACPI sleep control at 0x600 (SLP_TYP 5 + SLP_EN: power off),\n"
"sleep status at 0x601; reset: 0xcf9 (bit 2), 8042 command 0xfe at 0x64,\n"
"and a jump to the reset vector (a stub there writes 0xcf9).\n"
"Port 0xf4: an OUT of any size ends the VM and mvctl exits with the value\n"
"written (modulo 256; QEMU's isa-debug-exit, without its (value << 1) | 1).\n"
"Hypercall 0 (VMCALL/VMMCALL, RAX = 0) also exits with RBX; others return -1.\n"
"Port 0x80 writes are ignored. Other ports and MMIO read all ones and\n"
"ignore writes; the first 16 are reported on stderr (--verbose: all ports).\n"
"\n"
"Exit status: 0 guest powered off (or HLT with --image); the guest's value\n"
"(port 0xf4 / hypercall 0); 1 error; 2 usage or unusable image, kernel or\n"
"initrd; 3 triple fault; 4 the CPU refused VM entry; 5 minivisor internal\n"
"error; 6 the guest reset (rebooted) the machine; 130 interrupted by SIGINT,\n"
"SIGTERM, SIGHUP or Ctrl-A x.\n"
"--stats prints, on stderr at the end, exits by reason for every vCPU,\n"
"resident memory and the wall-clock time; --verbose (-v) reports every\n"
"unknown port and a power-off.\n";

struct create_opts {
	uint64_t mem_size;
	const char *mem_arg;
	const char *image;
	const char *kernel, *initrd, *append;
	uint64_t load_addr;
	uint64_t entry;
	bool load_set, entry_set, mode_set;
	enum mvctl_mode mode;
	unsigned int cpus;
	bool stats, verbose;
};

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

static int parse_cpus(const char *opt, const char *s, unsigned int *cpus)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > MV_MAX_VCPUS) {
		fprintf(stderr, "mvctl: %s: '%s' is not a number of vCPUs from 1 to %u\n",
			opt, s, MV_MAX_VCPUS);
		return -1;
	}
	*cpus = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct create_opts *o)
{
	enum { OPT_MEM = 256, OPT_IMAGE, OPT_LOAD, OPT_ENTRY, OPT_MODE, OPT_STATS,
	       OPT_VCPUS, OPT_CPUS, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_VERBOSE,
	       OPT_HELP };
	static const struct option longopts[] = {
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "load-addr", required_argument, NULL, OPT_LOAD },
		{ "entry", required_argument, NULL, OPT_ENTRY },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "vcpus", required_argument, NULL, OPT_VCPUS },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c, err;

	memset(o, 0, sizeof(*o));
	o->mode = MVCTL_MODE_REAL;
	o->cpus = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+v", longopts, NULL)) != -1) {
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
		case OPT_KERNEL:
			o->kernel = optarg;
			break;
		case OPT_INITRD:
			o->initrd = optarg;
			break;
		case OPT_APPEND:
			o->append = optarg;
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
			o->mode_set = true;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case 'v':
		case OPT_VERBOSE:
			o->verbose = true;
			break;
		case OPT_CPUS:
		case OPT_VCPUS:
			if (parse_cpus(c == OPT_CPUS ? "--cpus" : "--vcpus", optarg, &o->cpus))
				return -1;
			break;
		case OPT_HELP:
			fputs(create_help, stdout);
			return 1;
		default:
			if (optopt && optopt != '?')
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
	if (o->kernel && o->image) {
		fprintf(stderr, "mvctl: create: --kernel and --image exclude each other: run a Linux kernel or a flat image\n");
		return -1;
	}
	if (!o->mem_arg || (!o->image && !o->kernel)) {
		fprintf(stderr, "mvctl: create: --mem and one of --image or --kernel are required\n");
		return -1;
	}
	if (o->image && (o->initrd || o->append)) {
		fprintf(stderr, "mvctl: create: --initrd and --append go with --kernel, not --image\n");
		return -1;
	}
	if (o->kernel && (o->load_set || o->entry_set || o->mode_set)) {
		fprintf(stderr, "mvctl: create: --load-addr, --entry and --mode go with --image, not --kernel\n");
		return -1;
	}
	if (o->image && o->cpus > 1) {
		fprintf(stderr, "mvctl: create: an --image runs on 1 vCPU; several need --kernel (and its interrupt controllers)\n");
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
	if (o->kernel)
		return 0;	/* mvctl_linux_check() checks the rest */
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

static int setup_image(struct mvctl_machine *m, const struct create_opts *o)
{
	size_t len;
	int err;

	err = mvctl_load_file(&m->vm, o->load_addr, o->image, &len);
	if (err) {
		fprintf(stderr, "mvctl: cannot load %s: %s\n", o->image, strerror(-err));
		return -1;
	}
	err = mvctl_vcpu_create(&m->vm, &m->vcpus[0], 0);
	if (err) {
		fprintf(stderr, "mvctl: cannot create vCPU 0: %s\n", strerror(-err));
		return -1;
	}
	m->nr_vcpus = 1;
	err = mvctl_setup_mode(&m->vm, &m->vcpus[0], o->mode, o->entry);
	if (err) {
		fprintf(stderr, "mvctl: cannot put the vCPU in %s mode at 0x%" PRIx64 ": %s\n",
			mvctl_mode_name(o->mode), o->entry, strerror(-err));
		return -1;
	}
	return 0;
}

static int setup_kernel(struct mvctl_machine *m, const struct create_opts *o,
			struct mvctl_linux *l)
{
	unsigned int nr = o->cpus;
	uint64_t rsdp;
	int err;

	m->linux_guest = true;
	if (ioctl(m->vm.fd, MV_CREATE_IRQCHIP, 0) == 0) {
		m->irqchip = true;
	} else if (errno == ENOTTY) {
		fprintf(stderr, "mvctl: warning: this minivisor has no in-kernel irqchip (MV_CREATE_IRQCHIP: %s): no interrupts, %s\n",
			strerror(errno), nr > 1 ? "only vCPU 0 runs" : "the kernel will not get far");
		nr = 1;
	} else {
		fprintf(stderr, "mvctl: MV_CREATE_IRQCHIP: %s\n", strerror(errno));
		return -1;
	}
	for (unsigned int id = 0; id < nr; id++) {
		err = mvctl_vcpu_create(&m->vm, &m->vcpus[id], id);
		if (err) {
			fprintf(stderr, "mvctl: cannot create vCPU %u: %s\n", id, strerror(-err));
			return -1;
		}
		m->nr_vcpus++;
	}
	/* The MADT lists every vCPU asked for (the APIC ids are the vCPU ids). */
	rsdp = mvctl_acpi_build(m->vm.mem, o->cpus);
	return mvctl_linux_load(l, &m->vm, &m->vcpus[0], rsdp);
}

int mvctl_create(int argc, char **argv)
{
	struct mvctl_linux l = { 0 };
	struct mvctl_machine *m;
	struct create_opts o;
	static char tsc_hint[4096];
	int sys_fd, err, status = MVCTL_STATUS_ERROR;

	err = parse_opts(argc, argv, &o);
	if (err > 0)
		return 0;	/* --help */
	if (err) {
		fprintf(stderr, "(see mvctl create --help)\n");
		return MVCTL_STATUS_USAGE;
	}
	if (check_opts(&o))
		return MVCTL_STATUS_USAGE;
	if (o.kernel) {
		l.kernel_path = o.kernel;
		l.initrd_path = o.initrd;
		l.cmdline = linux_cmdline(o.append ? o.append : LINUX_DEFAULT_CMDLINE,
				       tsc_hint, sizeof(tsc_hint));
		if (mvctl_linux_check(&l, o.mem_size < MVCTL_LINUX_LOW_MAX ?
					    o.mem_size : MVCTL_LINUX_LOW_MAX)) {
			mvctl_linux_free(&l);
			return MVCTL_STATUS_USAGE;
		}
	}

	m = calloc(1, sizeof(*m));
	if (!m) {
		perror("mvctl");
		goto out_linux;
	}
	m->vm.fd = -1;
	m->stats = o.stats;
	m->verbose = o.verbose;
	sys_fd = mv_open_system();
	if (sys_fd < 0)
		goto out_free;

	if (o.kernel)
		err = mvctl_vm_create_split(&m->vm, sys_fd, o.mem_size, MVCTL_LINUX_LOW_MAX);
	else
		err = mvctl_vm_create(&m->vm, sys_fd, o.mem_size);
	if (err) {
		fprintf(stderr, "mvctl: cannot create a VM with %s of memory: %s\n",
			o.mem_arg, strerror(-err));
		goto out_sys;
	}
	err = o.kernel ? setup_kernel(m, &o, &l) : setup_image(m, &o);
	mvctl_linux_free(&l);
	if (err)
		goto out_vcpus;

	mvctl_machine_init(m);
	status = mvctl_machine_run(m);
out_vcpus:
	for (unsigned int i = 0; i < m->nr_vcpus; i++)
		mvctl_vcpu_destroy(&m->vcpus[i]);
	mvctl_vm_destroy(&m->vm);
out_sys:
	close(sys_fd);
out_free:
	free(m);
out_linux:
	mvctl_linux_free(&l);
	return status;
}
