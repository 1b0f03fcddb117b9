// SPDX-License-Identifier: GPL-2.0
/*
 * Run last: nothing the other tests did made the host kernel complain.
 */
#include "mv_test.h"

#include "kselftest_harness.h"

/* "WARNING: CPU:" is how WARN() starts; a bare "WARNING:" is also used by
 * boot-time notices (hardware vulnerabilities) that say nothing about us.
 */
static const char *const bad_words[] = {
	"WARNING: CPU:", "BUG:", "Oops", "general protection fault", "Call Trace:",
	"soft lockup", "hard LOCKUP", "rcu_sched self-detected stall",
	"unchecked MSR access",
};

/* The kernel's own record: taint flag W (bit 9) is set by every WARN(). */
TEST(not_tainted_by_a_warning)
{
	unsigned long taint = 0;
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");

	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%lu", &taint));
	fclose(f);
	EXPECT_EQ(0, taint & (1ul << 9)) {
		TH_LOG("tainted %#lx: the kernel WARNed", taint);
	}
}

TEST(no_warnings_in_kernel_log)
{
	char rec[2048];
	int fd, bad = 0;
	ssize_t n;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);	/* from the start */
	ASSERT_LE(0, fd);
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		for (unsigned int i = 0; i < ARRAY_SIZE(bad_words); i++) {
			if (strstr(rec, bad_words[i])) {
				TH_LOG("%s", strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
				bad++;
				break;
			}
		}
	}
	close(fd);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
