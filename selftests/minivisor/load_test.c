// SPDX-License-Identifier: GPL-2.0
/*
 * Module load and unload: the extension is enabled on every online CPU while
 * minivisor is loaded, off on every CPU after rmmod, follows CPU hotplug,
 * unwinds a partial enable, and minivisor refuses a CPU that KVM owns.
 *
 * EFER.SVME is readable through the msr driver, so on SVM the per-CPU state
 * is checked directly. CR4.VMXE is not readable from userspace; on VMX the
 * oracle is KVM itself, which refuses (-EBUSY) as soon as one CPU is
 * already in VMX operation.
 */
#include "mv_test.h"

#include <linux/kvm.h>

#include "kselftest_harness.h"

#define LOAD_CYCLES 20

/* On SVM: EFER.SVME is set on exactly @expected online CPUs. */
static void expect_svme_on(struct __test_metadata *_metadata, int expected)
{
	int online = 0, on;

	if (mv_cpu_vendor() != MV_VENDOR_AMD_SVM)
		return;
	on = mv_count_svme(&online);
	ASSERT_LE(0, on) {
		TH_LOG("cannot read EFER through /dev/cpu/N/msr: %s", strerror(-on));
	}
	ASSERT_EQ(expected < 0 ? online : expected, on);
}

TEST(load_unload_cycles)
{
	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mv_unload());
	expect_svme_on(_metadata, 0);

	for (int i = 0; i < LOAD_CYCLES; i++) {
		ASSERT_EQ(0, mv_load()) {
			TH_LOG("load %d of %d", i + 1, LOAD_CYCLES);
		}
		ASSERT_EQ(0, access(MV_DEVICE, F_OK));
		ASSERT_EQ(mv_nr_online(), mv_cap(MV_CAP_NR_CPUS));
		expect_svme_on(_metadata, -1);	/* every online CPU */

		ASSERT_EQ(0, mv_unload());
		ASSERT_EQ(-1, access(MV_DEVICE, F_OK));
		expect_svme_on(_metadata, 0);
	}
	ASSERT_EQ(0, mv_load());
}

TEST(second_load_is_eexist)
{
	ASSERT_EQ(0, mv_ensure_loaded());
	EXPECT_EQ(-EEXIST, mv_load());
	EXPECT_EQ(mv_nr_online(), mv_cap(MV_CAP_NR_CPUS));
}

/*
 * Hotplug: a CPU that goes offline is turned off, one that comes online is
 * turned on, and one that was offline across rmmod / insmod is handled too.
 */
TEST(cpu_hotplug)
{
	int last = sysconf(_SC_NPROCESSORS_CONF) - 1;
	int online = mv_nr_online();

	if (online < 2)
		SKIP(return, "needs 2 CPUs, this machine has %d", online);
	ASSERT_EQ(0, mv_ensure_loaded());

	ASSERT_EQ(0, mv_cpu_set_online(last, false));
	EXPECT_EQ(online - 1, mv_cap(MV_CAP_NR_CPUS));
	expect_svme_on(_metadata, online - 1);
	ASSERT_EQ(0, mv_cpu_set_online(last, true));
	EXPECT_EQ(online, mv_cap(MV_CAP_NR_CPUS));
	expect_svme_on(_metadata, online);

	/* Offline across unload and load. */
	ASSERT_EQ(0, mv_cpu_set_online(last, false));
	ASSERT_EQ(0, mv_unload());
	ASSERT_EQ(0, mv_cpu_set_online(last, true));
	expect_svme_on(_metadata, 0);
	ASSERT_EQ(0, mv_cpu_set_online(last, false));
	ASSERT_EQ(0, mv_load());
	EXPECT_EQ(online - 1, mv_cap(MV_CAP_NR_CPUS));
	ASSERT_EQ(0, mv_cpu_set_online(last, true));
	EXPECT_EQ(online, mv_cap(MV_CAP_NR_CPUS));
	expect_svme_on(_metadata, online);
}

/*
 * A CPU that another hypervisor owns makes the load fail before anything is
 * touched. SVM only: userspace can set EFER.SVME on one CPU through the msr
 * driver, making it look owned; CR4.VMXE cannot be set from userspace (on
 * VMX, kvm_owns_the_cpu covers the same refusal).
 */
TEST(busy_cpu_refuses_the_load)
{
	int last = mv_nr_online() - 1, kmsg;
	uint64_t efer;

	if (mv_cpu_vendor() != MV_VENDOR_AMD_SVM)
		SKIP(return, "needs SVM: CR4.VMXE cannot be set from userspace");
	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mv_unload());

	ASSERT_EQ(0, mv_rdmsr(last, MSR_EFER, &efer));
	ASSERT_EQ(0, mv_wrmsr(last, MSR_EFER, efer | EFER_SVME));
	kmsg = mv_kmsg_open();
	EXPECT_EQ(-EBUSY, mv_load());
	EXPECT_TRUE(mv_kmsg_grep(kmsg, "another hypervisor owns them", NULL, 0));
	close(kmsg);
	EXPECT_FALSE(mv_module_loaded(MV_MODNAME));
	expect_svme_on(_metadata, 1);	/* only the CPU we marked */
	ASSERT_EQ(0, mv_wrmsr(last, MSR_EFER, efer & ~EFER_SVME));

	ASSERT_EQ(0, mv_load());
	expect_svme_on(_metadata, -1);
}

/* Load KVM's vendor module (modprobe pulls kvm and friends). */
static const char *kvm_vendor_module(void)
{
	return mv_cpu_vendor() == MV_VENDOR_AMD_SVM ? "kvm_amd" : "kvm_intel";
}

static int kvm_unload_all(void)
{
	int ret = mv_delete_module(kvm_vendor_module());

	if (ret && ret != -ENOENT)
		return ret;
	ret = mv_delete_module("kvm");
	return ret == -ENOENT ? 0 : ret;
}

/*
 * KVM creates a VM, i.e. enables VMX / SVM on every CPU, and succeeds only
 * if no CPU has it on already: the oracle for "minivisor left every CPU
 * off", on VMX too, where CR4.VMXE cannot be read from userspace.
 */
static void expect_kvm_can_take_every_cpu(struct __test_metadata *_metadata)
{
	char cmd[64];
	int kvm, vm;

	snprintf(cmd, sizeof(cmd), "modprobe %s", kvm_vendor_module());
	ASSERT_EQ(0, mv_sh(cmd)) {
		TH_LOG("%s failed: is VMX/SVM still on somewhere?", cmd);
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, kvm);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	EXPECT_LE(0, vm) {
		TH_LOG("KVM_CREATE_VM: %s (KVM found VMX/SVM already on?)", strerror(errno));
	}
	close(vm);
	close(kvm);
	ASSERT_EQ(0, kvm_unload_all());
}

/*
 * A CPU that fails to enable fails the load, and the CPUs enabled before it
 * are disabled again (the fail_cpu parameter injects the failure on the
 * last CPU, which the hotplug core enables last).
 */
TEST(failed_cpu_unwinds_the_others)
{
	char params[32];
	int kmsg;

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mv_unload());

	snprintf(params, sizeof(params), "fail_cpu=%d", mv_nr_online() - 1);
	kmsg = mv_kmsg_open();
	EXPECT_EQ(-EIO, mv_finit_module(mv_module_path(), params));
	EXPECT_TRUE(mv_kmsg_grep(kmsg, "failing the enable as asked", NULL, 0));
	close(kmsg);
	EXPECT_FALSE(mv_module_loaded(MV_MODNAME));
	expect_svme_on(_metadata, 0);
	expect_kvm_can_take_every_cpu(_metadata);

	ASSERT_EQ(0, mv_load());
	expect_svme_on(_metadata, -1);
}

/*
 * While KVM has virtualization on (a VM exists; on 6.12 from the moment
 * kvm_* loads), insmod minivisor fails with -EBUSY and names the owner in one
 * line; while KVM is merely loaded it still fails (see mv_kvm_loaded() in
 * kmod/main.c); once KVM is unloaded, it loads.
 */
TEST(kvm_owns_the_cpu)
{
	char cmd[64], line[2048] = "";
	int kvm, vm, kmsg;

	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_EQ(0, mv_unload());
	expect_kvm_can_take_every_cpu(_metadata);

	snprintf(cmd, sizeof(cmd), "modprobe %s", kvm_vendor_module());
	ASSERT_EQ(0, mv_sh(cmd));
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, kvm);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);

	kmsg = mv_kmsg_open();
	EXPECT_EQ(-EBUSY, mv_load());
	EXPECT_TRUE(mv_kmsg_grep(kmsg, "another hypervisor owns", line, sizeof(line)));
	TH_LOG("refused with: %s", strchr(line, ';') ? strchr(line, ';') + 1 : line);

	/* 6.12 keeps virtualization on while kvm_* is loaded; 6.1 does not. */
	close(vm);
	close(kvm);
	EXPECT_EQ(-EBUSY, mv_load());
	line[0] = 0;
	EXPECT_TRUE(mv_kmsg_grep(kmsg, "minivisor: ", line, sizeof(line)));
	EXPECT_TRUE(strstr(line, "kvm is loaded") || strstr(line, "another hypervisor owns")) {
		TH_LOG("refused with: %s", line);
	}
	close(kmsg);

	ASSERT_EQ(0, kvm_unload_all());
	ASSERT_EQ(0, mv_load());
	EXPECT_EQ(mv_nr_online(), mv_cap(MV_CAP_NR_CPUS));
	expect_svme_on(_metadata, -1);
}

TEST_HARNESS_MAIN
