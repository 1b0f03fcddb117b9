// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl: drive minivisor from the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "uapi/minivisor.h"
#include "mvctl.h"

#define MV_DEVICE "/dev/minivisor"

static int mvctl_help(int argc, char **argv);

static const struct mvctl_cmd mvctl_cmds[] = {
	{ "info", "print what this host's minivisor can do",
	  "mvctl info [--json]", mvctl_info },
	{ "create", "run a flat guest image or a Linux kernel in a new VM",
	  "mvctl create --mem SIZE --image FILE [--load-addr GPA] [--entry GPA]\n"
	  "             [--mode real|protected|long] [--stats] [--verbose]\n"
	  "mvctl create --mem SIZE --kernel BZIMAGE [--initrd FILE] [--append CMDLINE]\n"
	  "             [--cpus N] [--stats] [--verbose]",
	  mvctl_create },
	{ "help", "list the commands, or explain one",
	  "mvctl help [COMMAND]", mvctl_help },
};

#define NR_CMDS ARRAY_SIZE(mvctl_cmds)

static const struct mvctl_cmd *mvctl_find(const char *name)
{
	for (unsigned int i = 0; i < NR_CMDS; i++)
		if (!strcmp(mvctl_cmds[i].name, name))
			return &mvctl_cmds[i];
	return NULL;
}

static int mvctl_help(int argc, char **argv)
{
	const struct mvctl_cmd *cmd;

	if (argc > 1) {
		cmd = mvctl_find(argv[1]);
		if (!cmd) {
			fprintf(stderr, "mvctl: no command '%s'\n", argv[1]);
			return 2;
		}
		printf("%s\n  %s\n", cmd->usage, cmd->summary);
		return 0;
	}
	printf("usage: mvctl COMMAND [OPTIONS]\n\ncommands:\n");
	for (unsigned int i = 0; i < NR_CMDS; i++)
		printf("  %-8s %s\n", mvctl_cmds[i].name, mvctl_cmds[i].summary);
	return 0;
}

int mv_open_system(void)
{
	int fd = open(MV_DEVICE, O_RDWR | O_CLOEXEC);
	int version;

	if (fd < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "mvctl: %s does not exist: is minivisor.ko loaded? (insmod minivisor.ko)\n",
				MV_DEVICE);
		else
			fprintf(stderr, "mvctl: cannot open %s: %s\n", MV_DEVICE,
				strerror(errno));
		return -1;
	}
	version = ioctl(fd, MV_GET_API_VERSION, 0);
	if (version != MV_API_VERSION) {
		fprintf(stderr, "mvctl: module speaks API %d, this mvctl speaks %d\n",
			version, MV_API_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	const struct mvctl_cmd *cmd;

	if (argc < 2) {
		mvctl_help(1, argv);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return mvctl_help(1, argv);
	cmd = mvctl_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "mvctl: unknown command '%s' (try 'mvctl help')\n", argv[1]);
		return 2;
	}
	return cmd->run(argc - 1, argv + 1);
}
