/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * minivisor userspace ABI: the ioctls of /dev/minivisor.
 *
 * The system fd (open("/dev/minivisor")) answers capability queries.
 * Every number in this file is ABI: never renumber, only add.
 */
#ifndef _UAPI_MINIVISOR_H
#define _UAPI_MINIVISOR_H

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * define MV_API_VERSION - version returned by %MV_GET_API_VERSION.
 *
 * Bumped only for incompatible changes; additions are discovered with
 * %MV_CHECK_CAP instead.
 */
#define MV_API_VERSION		1

/* ioctl type byte ("minivisor"), unused by the kernel's own drivers. */
#define MV_IO			0xAF

/**
 * define MV_GET_API_VERSION - return %MV_API_VERSION.
 *
 * System fd. Takes no argument (it must be 0). Returns the version.
 */
#define MV_GET_API_VERSION	_IO(MV_IO, 0x00)

/**
 * define MV_CHECK_CAP - query one capability of this host.
 *
 * System fd. The argument is one of the ``MV_CAP_*`` numbers below, passed by
 * value. Returns the capability's value (>= 0). A capability number this
 * module does not know returns 0 ("not supported"), as KVM_CHECK_EXTENSION
 * does, so newer userspace works on an older module.
 */
#define MV_CHECK_CAP		_IO(MV_IO, 0x01)

/**
 * enum mv_cap - capability numbers for %MV_CHECK_CAP.
 * @MV_CAP_VENDOR: which extension drives the guests: %MV_VENDOR_INTEL_VMX or
 *	%MV_VENDOR_AMD_SVM.
 * @MV_CAP_NESTED_PAGING: 1 if EPT (Intel) / NPT-RVI (AMD) is available.
 * @MV_CAP_TAGGED_TLB: 1 if guest TLB entries are tagged (VPID on Intel, ASID
 *	on AMD), so a VM switch needs no TLB flush.
 * @MV_CAP_NR_TLB_TAGS: number of VPIDs / ASIDs the CPU provides (0 if none).
 * @MV_CAP_UNRESTRICTED_GUEST: 1 if guests may run in real mode and unpaged
 *	protected mode directly (VMX "unrestricted guest"; SVM with NPT).
 * @MV_CAP_NESTED_2M: 1 if nested page tables may map 2 MiB pages.
 * @MV_CAP_NESTED_1G: 1 if nested page tables may map 1 GiB pages.
 * @MV_CAP_NEXT_RIP: 1 if the CPU reports the next instruction's address on
 *	an intercept (SVM "NRIP save"; on VMX the VM-exit instruction length
 *	field always does).
 * @MV_CAP_NR_CPUS: number of host CPUs on which the extension is on now.
 */
enum mv_cap {
	MV_CAP_VENDOR			= 1,
	MV_CAP_NESTED_PAGING		= 2,
	MV_CAP_TAGGED_TLB		= 3,
	MV_CAP_NR_TLB_TAGS		= 4,
	MV_CAP_UNRESTRICTED_GUEST	= 5,
	MV_CAP_NESTED_2M		= 6,
	MV_CAP_NESTED_1G		= 7,
	MV_CAP_NEXT_RIP			= 8,
	MV_CAP_NR_CPUS			= 9,
};

/**
 * enum mv_vendor - values of %MV_CAP_VENDOR.
 * @MV_VENDOR_INTEL_VMX: Intel VT-x (VMX) with EPT.
 * @MV_VENDOR_AMD_SVM: AMD-V (SVM) with NPT (RVI).
 */
enum mv_vendor {
	MV_VENDOR_INTEL_VMX	= 1,
	MV_VENDOR_AMD_SVM	= 2,
};

#endif /* _UAPI_MINIVISOR_H */
