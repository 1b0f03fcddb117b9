// SPDX-License-Identifier: GPL-2.0
/*
 * mvctl info: the host's capabilities as minivisor reports them.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "uapi/minivisor.h"
#include "mvctl.h"

enum cap_kind { CAP_BOOL, CAP_NUMBER, CAP_VENDOR };

static const struct {
	int cap;
	const char *key;	/* JSON key */
	const char *label;	/* table label */
	enum cap_kind kind;
} info_caps[] = {
	{ MV_CAP_VENDOR,		"vendor",		"vendor",		CAP_VENDOR },
	{ MV_CAP_NESTED_PAGING,		"nested_paging",	"nested paging (EPT/NPT)", CAP_BOOL },
	{ MV_CAP_TAGGED_TLB,		"tagged_tlb",		"tagged TLB (VPID/ASID)", CAP_BOOL },
	{ MV_CAP_NR_TLB_TAGS,		"nr_tlb_tags",		"VPIDs/ASIDs",		CAP_NUMBER },
	{ MV_CAP_UNRESTRICTED_GUEST,	"unrestricted_guest",	"unrestricted guest",	CAP_BOOL },
	{ MV_CAP_NESTED_2M,		"nested_2m",		"2 MiB nested pages",	CAP_BOOL },
	{ MV_CAP_NESTED_1G,		"nested_1g",		"1 GiB nested pages",	CAP_BOOL },
	{ MV_CAP_NEXT_RIP,		"next_rip",		"next RIP (NRIP save)",	CAP_BOOL },
	{ MV_CAP_NR_CPUS,		"cpus",			"CPUs enabled",		CAP_NUMBER },
	{ MV_CAP_TSC_KHZ,		"tsc_khz",		"TSC kHz",		CAP_NUMBER },
};

#define NR_INFO_CAPS ARRAY_SIZE(info_caps)

static const char *vendor_name(long v)
{
	switch (v) {
	case MV_VENDOR_INTEL_VMX:
		return "intel-vmx";
	case MV_VENDOR_AMD_SVM:
		return "amd-svm";
	default:
		return "unknown";
	}
}

int mvctl_info(int argc, char **argv)
{
	long values[NR_INFO_CAPS];
	bool json = false;
	unsigned int i;
	int fd;

	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else {
			fprintf(stderr, "usage: mvctl info [--json]\n");
			return 2;
		}
	}

	fd = mv_open_system();
	if (fd < 0)
		return 1;
	for (i = 0; i < NR_INFO_CAPS; i++) {
		values[i] = ioctl(fd, MV_CHECK_CAP, info_caps[i].cap);
		if (values[i] < 0) {
			perror("mvctl: MV_CHECK_CAP");
			close(fd);
			return 1;
		}
	}
	close(fd);

	if (json)
		printf("{\"api_version\": %d", MV_API_VERSION);
	else
		printf("%-26s %d\n", "minivisor API", MV_API_VERSION);
	for (i = 0; i < NR_INFO_CAPS; i++) {
		long v = values[i];

		if (json) {
			printf(", \"%s\": ", info_caps[i].key);
			if (info_caps[i].kind == CAP_VENDOR)
				printf("\"%s\"", vendor_name(v));
			else if (info_caps[i].kind == CAP_BOOL)
				printf("%s", v ? "true" : "false");
			else
				printf("%ld", v);
			continue;
		}
		printf("%-26s ", info_caps[i].label);
		if (info_caps[i].kind == CAP_VENDOR)
			printf("%s\n", vendor_name(v));
		else if (info_caps[i].kind == CAP_BOOL)
			printf("%s\n", v ? "yes" : "no");
		else
			printf("%ld\n", v);
	}
	if (json)
		printf("}\n");
	return 0;
}
