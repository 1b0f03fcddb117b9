/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvctl: the minivisor command-line tool. One command per file, dispatched
 * from the table in mvctl.c (kvmtool's builtin table, in miniature).
 */
#ifndef MVCTL_H
#define MVCTL_H

#include <stdbool.h>
#include <stdint.h>

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

/**
 * struct mvctl_serial - a 16550A UART at MVCTL_SERIAL_BASE (serial.c).
 * @out_fd: where transmitted bytes go (-1: nowhere).
 * @transmitted: bytes transmitted so far.
 * @ier: @fcr: @lcr: @mcr: @scr: @dll: @dlm: the registers it keeps.
 */
struct mvctl_serial {
	int out_fd;
	uint64_t transmitted;
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
};

#define MVCTL_SERIAL_BASE	0x3f8	/* COM1 */

void mvctl_serial_init(struct mvctl_serial *s, int out_fd);
/*
 * Port I/O of @size bytes at @port: false if the port is not the UART's,
 * else handled (@data filled in for an IN).
 */
bool mvctl_serial_io(struct mvctl_serial *s, uint16_t port, bool in,
		     uint8_t *data, unsigned int size);

#endif /* MVCTL_H */
