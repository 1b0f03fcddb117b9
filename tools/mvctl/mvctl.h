/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvctl: the minivisor command-line tool. One command per file, dispatched
 * from the table in mvctl.c (kvmtool's builtin table, in miniature).
 */
#ifndef MVCTL_H
#define MVCTL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "vm.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/**
 * struct mvctl_cmd - one subcommand.
 * @name: what the user types.
 * @summary: one line for `mvctl help`.
 * @usage: the options, for `mvctl help NAME` and usage errors.
 * @run: the command; returns the process exit status.
 */
struct mvctl_cmd {
	const char *name;
	const char *summary;
	const char *usage;
	int (*run)(int argc, char **argv);
};

int mvctl_info(int argc, char **argv);
int mvctl_create(int argc, char **argv);

/* Open /dev/minivisor, or print why not (module not loaded, ...) and return -1. */
int mv_open_system(void);

/*
 * Devices. Each is a plain state machine: the caller serializes access
 * (struct mvctl_machine.lock) and the *_io() functions return false for a
 * port that is not theirs, else handle it (@data filled in for an IN).
 * A wider access covers consecutive byte registers, as on an ISA bus.
 */

#define MVCTL_SERIAL_BASE	0x3f8	/* COM1 */
#define MVCTL_SERIAL_GSI	4	/* ISA IRQ 4, I/O APIC pin 4 */
#define MVCTL_SERIAL_FIFO	16

/**
 * struct mvctl_serial - a 16550A UART at MVCTL_SERIAL_BASE (serial.c).
 * @out_fd: where transmitted bytes go (-1: nowhere).
 * @transmitted: bytes transmitted so far.
 * @set_irq: called with the new level of the interrupt output (pending
 *	interrupt AND MCR.OUT2) whenever it changes; may be NULL.
 * @rx_space: called when the receive FIFO has room again; may be NULL.
 * @opaque: passed to @set_irq and @rx_space.
 * @ier: @fcr: @lcr: @mcr: @lsr: @scr: @dll: @dlm: the registers.
 * @msr_lines: modem status inputs (MSR bits 4-7) as last read.
 * @msr_delta: MSR bits 0-3, cleared by reading MSR.
 * @thr_ipending: THR-empty interrupt pending (cleared by reading IIR
 *	while it is the one reported, or by writing THR).
 * @irq_level: what @set_irq was last told.
 * @rx: the receive FIFO, @rx_head the oldest byte, @rx_count bytes in it.
 */
struct mvctl_serial {
	int out_fd;
	uint64_t transmitted;
	void (*set_irq)(void *opaque, bool level);
	void (*rx_space)(void *opaque);
	void *opaque;
	uint8_t ier, fcr, lcr, mcr, lsr, scr, dll, dlm;
	uint8_t msr_lines, msr_delta;
	bool thr_ipending, irq_level;
	uint8_t rx[MVCTL_SERIAL_FIFO];
	unsigned int rx_head, rx_count;
};

void mvctl_serial_init(struct mvctl_serial *s, int out_fd);
bool mvctl_serial_io(struct mvctl_serial *s, uint16_t port, bool in,
		     uint8_t *data, unsigned int size);
/* Can the UART take another received byte now? */
bool mvctl_serial_can_receive(const struct mvctl_serial *s);
/* A byte arrives on the line (check mvctl_serial_can_receive() first). */
void mvctl_serial_receive(struct mvctl_serial *s, uint8_t c);

#define MVCTL_RTC_INDEX		0x70
#define MVCTL_RTC_DATA		0x71
#define MVCTL_RTC_CENTURY	0x32	/* CMOS index of the century (FADT) */

/**
 * struct mvctl_rtc_time - a broken-down time as the RTC keeps it.
 * @sec: @min: @hour: @wday: (1 = Sunday) @mday: @mon: (1..12) @year: (full)
 */
struct mvctl_rtc_time {
	int sec, min, hour, wday, mday, mon, year;
};

/**
 * struct mvctl_rtc - the MC146818 CMOS RTC at 0x70/0x71 (rtc.c).
 * @index: selected register (0..127).
 * @nmi_masked: bit 7 of the last index write (NMI disable; recorded only).
 * @cmos: registers and CMOS RAM as written by the guest.
 * @offset: guest time minus host time, in seconds (once the guest set it).
 * @set: register B.SET is 1: the clock is stopped and @frozen, which the
 *	guest's writes change, is what reads return.
 * @frozen: see @set.
 */
struct mvctl_rtc {
	uint8_t index;
	bool nmi_masked;
	uint8_t cmos[128];
	int64_t offset;
	bool set;
	struct mvctl_rtc_time frozen;
};

void mvctl_rtc_init(struct mvctl_rtc *r);
bool mvctl_rtc_io(struct mvctl_rtc *r, uint16_t port, bool in,
		  uint8_t *data, unsigned int size);

/*
 * ACPI (acpi.c): tables in the legacy ROM area, which the e820 map marks
 * reserved, and the power-management ports they point at.
 */
#define MVCTL_ACPI_BASE		0xe0000
#define MVCTL_ACPI_END		0x100000
#define MVCTL_PM_SLEEP_CONTROL	0x600	/* FADT SLEEP_CONTROL_REG, 8 bits */
#define MVCTL_PM_SLEEP_STATUS	0x601	/* FADT SLEEP_STATUS_REG, 8 bits */
#define MVCTL_RESET_PORT	0xcf9	/* FADT RESET_REG; PIIX/ICH reset control */
#define MVCTL_RESET_VALUE	0x06
#define MVCTL_KBC_PORT		0x64	/* 8042 command: 0xfe pulses reset */
#define MVCTL_SLP_TYP_S5	5	/* DSDT _S5 */

/*
 * Write the tables at MVCTL_ACPI_BASE of @mem for @nr_cpus vCPUs: RSDP,
 * XSDT, FADT, DSDT, MADT. Returns the RSDP's guest-physical address.
 */
uint64_t mvctl_acpi_build(uint8_t *mem, unsigned int nr_cpus);

enum mvctl_power_event {
	MVCTL_POWER_NONE,
	MVCTL_POWER_OFF,	/* SLP_EN with SLP_TYP 5 (S5, soft off) */
	MVCTL_POWER_RESET,	/* reset register, 0xcf9 bit 2, 8042 0xfe */
};

/**
 * struct mvctl_power - power-off and reset ports (acpi.c).
 * @rst_cnt: last value written to 0xcf9 (bits 1-3).
 */
struct mvctl_power {
	uint8_t rst_cnt;
};

bool mvctl_power_io(struct mvctl_power *p, uint16_t port, bool in, uint8_t *data,
		    unsigned int size, enum mvctl_power_event *event);

/**
 * struct mvctl_linux - a Linux bzImage to boot (linux.c).
 * @kernel_path: @initrd_path (NULL: none): @cmdline: what the user gave.
 *
 * Filled in by mvctl_linux_check():
 * @image: the whole file; @image_size: its length.
 * @version: boot protocol version (0x20f is 2.15).
 * @setup_size: bytes of real-mode setup code before the kernel proper.
 * @kernel_size: bytes of protected-mode kernel (syssize * 16).
 * @load_addr: where it goes (its pref_address).
 * @init_size: bytes it needs from @load_addr to boot.
 * @cmdline_size: longest command line it takes.
 * @initrd_addr_max: highest address the initrd may occupy.
 * @initrd_addr: @initrd_size: where the initrd goes, and its length.
 */
struct mvctl_linux {
	const char *kernel_path, *initrd_path, *cmdline;
	uint8_t *image;
	size_t image_size;
	uint16_t version;
	uint64_t setup_size, kernel_size, load_addr, init_size;
	uint32_t cmdline_size, initrd_addr_max;
	uint64_t initrd_addr, initrd_size;
};

/*
 * --kernel: at most this much RAM at guest-physical 0; the rest goes from
 * MVCTL_HIGH_RAM (vm.h) on, as on a PC: the 4th GiB is left to MMIO (the
 * I/O APIC at 0xfec00000, the local APICs at 0xfee00000).
 */
#define MVCTL_LINUX_LOW_MAX	(3ull << 30)

/*
 * Read and validate the kernel (and the initrd's size) for a VM with
 * @low_size bytes of RAM at guest-physical 0, where the kernel and the
 * initrd go. Prints one line and returns -1 if it cannot boot.
 */
int mvctl_linux_check(struct mvctl_linux *l, uint64_t low_size);
/*
 * Load it into @vm (kernel, initrd, command line, boot_params with the
 * e820 map and @rsdp) and put @bsp at its 64-bit entry. -1 after a message.
 */
int mvctl_linux_load(struct mvctl_linux *l, struct mvctl_vm *vm,
		     struct mvctl_vcpu *bsp, uint64_t rsdp);
/*
 * The same for a vCPU that is not minivisor's (tools/bench runs the kernel
 * under KVM this way): memory as above, and the 64-bit boot state put in
 * @sregs (see mvctl_linux64_state()) and @regs for the caller to load.
 */
int mvctl_linux_load_state(struct mvctl_linux *l, struct mvctl_vm *vm, uint64_t rsdp,
			   struct mv_sregs *sregs, struct mv_regs *regs);
void mvctl_linux_free(struct mvctl_linux *l);

/* mvctl's exit statuses (a guest can exit with any of them through 0xf4) */
#define MVCTL_STATUS_ERROR		1
#define MVCTL_STATUS_USAGE		2
#define MVCTL_STATUS_SHUTDOWN		3
#define MVCTL_STATUS_FAIL_ENTRY		4
#define MVCTL_STATUS_INTERNAL		5
#define MVCTL_STATUS_RESET		6
#define MVCTL_STATUS_INTERRUPTED	130

#define MVCTL_MAX_REPORTS	16	/* unknown ports / MMIO / hypercalls reported */

/**
 * struct mvctl_console - stdin feeding the UART (console.c).
 * @tty: stdin is a terminal, in raw mode while the VM runs.
 * @saved: its settings before.
 * @stop_pipe: written to stop the reader thread.
 * @thread: the reader thread; @running: it was started.
 * @escape: the last byte was Ctrl-A.
 */
struct mvctl_console {
	bool tty;
	struct termios saved;
	int stop_pipe[2];
	pthread_t thread;
	bool running;
	bool escape;
};

/**
 * struct mvctl_machine - a VM, its vCPU threads and devices (run.c).
 * @vm: the VM.
 * @vcpus: its vCPUs; @nr_vcpus: how many exist (all of them run).
 * @threads: one per vCPU; @nr_threads: how many were started.
 * @main_thread: the thread in mvctl_machine_run().
 * @linux_guest: booting Linux (--kernel): HLT does not end the VM.
 * @irqchip: the kernel emulates the APICs and the PIT: MV_IRQ_LINE works.
 * @verbose: report every unknown port once and say why the VM ended.
 * @stats: print statistics at the end.
 * @lock: protects everything below (devices, reports, @stopping, @status).
 * @rx_space: signalled when the UART can take input again, or on stop.
 * @serial: @rtc: @power: the devices.
 * @console: stdin.
 * @port_reported: @nr_ports_reported: unknown ports reported so far.
 * @mmio_reported: @nr_mmio_reported: MMIO addresses reported.
 * @hc_reported: @nr_hc_reported: hypercall numbers reported.
 * @irq_line_failed: MV_IRQ_LINE failed once (reported once).
 * @stopping: the VM is ending; @status: with this exit status.
 */
struct mvctl_machine {
	struct mvctl_vm vm;
	struct mvctl_vcpu vcpus[MV_MAX_VCPUS];
	unsigned int nr_vcpus;
	pthread_t threads[MV_MAX_VCPUS];
	unsigned int nr_threads;
	pthread_t main_thread;
	bool linux_guest, irqchip, verbose, stats;

	pthread_mutex_t lock;
	pthread_cond_t rx_space;
	struct mvctl_serial serial;
	struct mvctl_rtc rtc;
	struct mvctl_power power;
	struct mvctl_console console;
	uint8_t port_reported[65536 / 8];
	unsigned int nr_ports_reported;
	uint64_t mmio_reported[MVCTL_MAX_REPORTS];
	unsigned int nr_mmio_reported;
	uint64_t hc_reported[MVCTL_MAX_REPORTS];
	unsigned int nr_hc_reported;
	bool irq_line_failed;
	bool stopping;
	int status;
};

/* Set up the devices and the lock of @m (after its VM and vCPUs exist). */
void mvctl_machine_init(struct mvctl_machine *m);
/*
 * Run every vCPU on its own thread, stdin into the UART, until one of them
 * (or a signal, or Ctrl-A x) ends the VM; returns mvctl's exit status.
 */
int mvctl_machine_run(struct mvctl_machine *m);
/* End the VM with @status, unless it is ending already. Takes @m->lock. */
void mvctl_machine_stop(struct mvctl_machine *m, int status);

/* Start reading stdin into the UART (raw mode if it is a terminal). */
int mvctl_console_start(struct mvctl_machine *m);
/* Stop reading and give the terminal its settings back. */
void mvctl_console_stop(struct mvctl_machine *m);

#endif /* MVCTL_H */
