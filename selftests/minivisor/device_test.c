// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/minivisor: the node, its permissions and the system-fd ioctls.
 */
#include "mv_test.h"

#include <sys/wait.h>

#include "kselftest_harness.h"

TEST(node_is_root_only_char_device)
{
	struct stat st;

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, stat(MV_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

TEST(unprivileged_open_refused)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, mv_ensure_loaded());
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		if (open(MV_DEVICE, O_RDWR) >= 0)
			_exit(1);
		_exit(errno == EACCES ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("nobody could open %s (1), got another errno (2) or could not drop root (3)",
		       MV_DEVICE);
	}
}

TEST(api_version)
{
	int fd;

	ASSERT_EQ(0, mv_ensure_loaded());
	fd = open(MV_DEVICE, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(MV_API_VERSION, ioctl(fd, MV_GET_API_VERSION, 0));
	/* The argument is reserved and must be zero. */
	EXPECT_EQ(-1, ioctl(fd, MV_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(unknown_ioctls_are_enotty)
{
	/* Unused numbers, and known numbers with another direction or size. */
	static const unsigned long cmds[] = {
		_IO(MV_IO, 0x7f), _IO(MV_IO, 0xff), _IOR(MV_IO, 0x00, int),
		_IOW(MV_IO, 0x01, int), _IOWR(MV_IO, 0x01, long),
		_IO(0xAE, 0x01) /* KVM_CREATE_VM */, 0,
	};
	int fd;

	ASSERT_EQ(0, mv_ensure_loaded());
	fd = open(MV_DEVICE, O_RDWR);
	ASSERT_LE(0, fd);
	for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(fd, cmds[i], 0));
		EXPECT_EQ(ENOTTY, errno) {
			TH_LOG("ioctl %#lx", cmds[i]);
		}
	}
	close(fd);
}

TEST(unknown_capability_is_zero)
{
	static const unsigned long caps[] = { 0, MV_CAP_TSC_KHZ + 1, 1000, 0x7fffffff, ~0ul };
	int fd;

	ASSERT_EQ(0, mv_ensure_loaded());
	fd = open(MV_DEVICE, O_RDWR);
	ASSERT_LE(0, fd);
	for (unsigned int i = 0; i < ARRAY_SIZE(caps); i++)
		EXPECT_EQ(0, ioctl(fd, MV_CHECK_CAP, caps[i]));
	/* And a known one is not. */
	EXPECT_LT(0, ioctl(fd, MV_CHECK_CAP, MV_CAP_VENDOR));
	close(fd);
}

TEST(open_fd_pins_the_module)
{
	int fd;

	ASSERT_EQ(0, mv_ensure_loaded());
	fd = open(MV_DEVICE, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, mv_unload());
	EXPECT_EQ(MV_API_VERSION, ioctl(fd, MV_GET_API_VERSION, 0));
	close(fd);
	ASSERT_EQ(0, mv_unload());
	ASSERT_EQ(0, mv_load());
}

TEST_HARNESS_MAIN
