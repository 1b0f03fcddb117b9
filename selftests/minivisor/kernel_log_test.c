// SPDX-License-Identifier: GPL-2.0
/*
 * Run last: nothing the other tests did made the host kernel complain.
 *
 * Only what the kernel logged from minivisor's first load on counts: an
 * emulated CPU model may make the kernel WARN while it boots (Bochs'
 * XSAVE layout does, in fpu__init_system_xstate), which is not ours.
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

struct log_scan {
	bool seen_minivisor;	/* a "minivisor:" record was logged */
	int warns_before;	/* WARN()s before it (boot) */
	int bad_after;		/* complaints after it */
};

static void scan_log(struct __test_metadata *_metadata, struct log_scan *scan)
{
	char rec[2048];
	ssize_t n;
	int fd;

	memset(scan, 0, sizeof(*scan));
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);	/* from the start */
	ASSERT_LE(0, fd);
	for (;;) {
		const char *msg;

		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';') ? strchr(rec, ';') + 1 : rec;
		if (!scan->seen_minivisor && strstr(msg, "minivisor: "))
			scan->seen_minivisor = true;
		for (unsigned int i = 0; i < ARRAY_SIZE(bad_words); i++) {
			if (!strstr(msg, bad_words[i]))
				continue;
			if (!scan->seen_minivisor) {
				scan->warns_before += i == 0;
			} else {
				TH_LOG("%s", msg);
				scan->bad_after++;
			}
			break;
		}
	}
	close(fd);
}

TEST(no_complaints_since_minivisor_loaded)
{
	struct log_scan scan;

	scan_log(_metadata, &scan);
	ASSERT_TRUE(scan.seen_minivisor) {
		TH_LOG("minivisor never logged anything: was it loaded?");
	}
	EXPECT_EQ(0, scan.bad_after);
}

/* The kernel's own record: taint flag W (bit 9) is set by every WARN(). */
TEST(not_tainted_by_a_warning_of_ours)
{
	unsigned long taint = 0;
	struct log_scan scan;
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");

	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%lu", &taint));
	fclose(f);
	scan_log(_metadata, &scan);
	if (taint & (1ul << 9)) {
		/* Allowed only if the kernel WARNed while booting, before us. */
		EXPECT_LT(0, scan.warns_before) {
			TH_LOG("tainted %#lx (W) with no boot-time WARN to blame", taint);
		}
		EXPECT_EQ(0, scan.bad_after);
	}
}

TEST_HARNESS_MAIN
