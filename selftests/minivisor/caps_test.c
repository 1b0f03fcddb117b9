// SPDX-License-Identifier: GPL-2.0
/*
 * MV_CHECK_CAP reports what the (emulated) CPU really offers. The oracles are
 * independent of the module: CPUID read here, the kernel's own /proc/cpuinfo
 * "vmx flags", and the VMX capability MSR through the msr driver.
 */
#include "mv_test.h"

#include "kselftest_harness.h"

TEST(vendor_matches_cpuid)
{
	ASSERT_EQ(0, mv_ensure_loaded());
	ASSERT_NE(0, mv_cpu_vendor());
	EXPECT_EQ(mv_cpu_vendor(), mv_cap(MV_CAP_VENDOR));
}

TEST(nr_cpus_is_online_cpus)
{
	ASSERT_EQ(0, mv_ensure_loaded());
	EXPECT_EQ(mv_nr_online(), mv_cap(MV_CAP_NR_CPUS));
}

static void svm_caps_match_cpuid(struct __test_metadata *_metadata)
{
	unsigned int a, b, c, d, ext_d;

	__cpuid(0x80000001, a, b, c, ext_d);
	/* APM vol. 3, "CPUID Fn8000_000A: SVM Features" */
	__cpuid(0x8000000a, a, b, c, d);

	EXPECT_EQ(!!(d & 1), mv_cap(MV_CAP_NESTED_PAGING));
	EXPECT_EQ(!!(d & 8), mv_cap(MV_CAP_NEXT_RIP));
	EXPECT_EQ(b, mv_cap(MV_CAP_NR_TLB_TAGS));
	EXPECT_EQ(b > 1, mv_cap(MV_CAP_TAGGED_TLB));
	EXPECT_EQ(!!(d & 1), mv_cap(MV_CAP_UNRESTRICTED_GUEST));
	EXPECT_EQ(!!(d & 1), mv_cap(MV_CAP_NESTED_2M));
	EXPECT_EQ((d & 1) && (ext_d & (1u << 26)), mv_cap(MV_CAP_NESTED_1G));

	/* The kernel read the same CPUID: its flags agree with ours. */
	EXPECT_EQ(!!(d & 1), mv_cpuinfo_has("flags", "npt"));
	EXPECT_EQ(!!(d & 8), mv_cpuinfo_has("flags", "nrip_save"));
}

static void vmx_caps_match_msrs(struct __test_metadata *_metadata)
{
	uint64_t ept_vpid_cap;
	bool ept;

	ASSERT_EQ(0, mv_rdmsr(0, MSR_VMX_EPT_VPID_CAP, &ept_vpid_cap));

	/* The kernel decodes the VMX MSRs into "vmx flags" (CONFIG_X86_VMX_FEATURE_NAMES). */
	ept = mv_cpuinfo_has("vmx flags", "ept");
	EXPECT_EQ(ept, mv_cap(MV_CAP_NESTED_PAGING));
	EXPECT_EQ(mv_cpuinfo_has("vmx flags", "vpid"), mv_cap(MV_CAP_TAGGED_TLB));
	EXPECT_EQ(mv_cpuinfo_has("vmx flags", "vpid") ? 0xffff : 0,
		  mv_cap(MV_CAP_NR_TLB_TAGS));
	EXPECT_EQ(mv_cpuinfo_has("vmx flags", "unrestricted_guest"),
		  mv_cap(MV_CAP_UNRESTRICTED_GUEST));
	EXPECT_EQ(mv_cpuinfo_has("vmx flags", "ept_1gb"), mv_cap(MV_CAP_NESTED_1G));
	/* SDM 3D A.10: bit 16 of IA32_VMX_EPT_VPID_CAP is "2-MByte pages". */
	EXPECT_EQ(ept && (ept_vpid_cap & (1ull << 16)), mv_cap(MV_CAP_NESTED_2M));
	/* VMX always reports the exit instruction length. */
	EXPECT_EQ(1, mv_cap(MV_CAP_NEXT_RIP));
}

TEST(caps_match_cpu)
{
	ASSERT_EQ(0, mv_ensure_loaded());
	if (mv_cpu_vendor() == MV_VENDOR_AMD_SVM)
		svm_caps_match_cpuid(_metadata);
	else
		vmx_caps_match_msrs(_metadata);
}

TEST_HARNESS_MAIN
