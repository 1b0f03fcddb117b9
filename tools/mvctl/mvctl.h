/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvctl: the minivisor command-line tool. One command per file, dispatched
 * from the table in mvctl.c (kvmtool's builtin table, in miniature).
 */
#ifndef MVCTL_H
#define MVCTL_H

#include <stdbool.h>

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

/* Open /dev/minivisor, or print why not (module not loaded, ...) and return -1. */
int mv_open_system(void);

#endif /* MVCTL_H */
