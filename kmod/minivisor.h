/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivisor: what the common code and the vendor backends share.
 *
 * The common code (kmod/) owns module lifetime, CPU hotplug, the device and
 * everything vendor-neutral. A backend (kmod/vmx/, kmod/svm/) fills one
 * struct mv_arch_ops; exactly one is chosen at load time.
 */
#ifndef MINIVISOR_H
#define MINIVISOR_H

#include <linux/types.h>
#include <linux/percpu.h>

#include "../uapi/minivisor.h"

/**
 * struct mv_caps - what this host's virtualization extension offers.
 * @vendor: %MV_VENDOR_INTEL_VMX or %MV_VENDOR_AMD_SVM.
 * @nested_paging: EPT / NPT available.
 * @tagged_tlb: VPID / ASID available.
 * @nr_tlb_tags: number of VPIDs / ASIDs.
 * @unrestricted_guest: real mode and unpaged protected mode run natively.
 * @nested_2m: nested tables may map 2 MiB pages.
 * @nested_1g: nested tables may map 1 GiB pages.
 * @next_rip: the next RIP is known on an intercept.
 *
 * Filled once by &mv_arch_ops.probe, read-only afterwards.
 */
struct mv_caps {
	u32 vendor;
	bool nested_paging;
	bool tagged_tlb;
	u32 nr_tlb_tags;
	bool unrestricted_guest;
	bool nested_2m;
	bool nested_1g;
	bool next_rip;
};

/**
 * struct mv_cpu - per-CPU state of the common layer.
 * @root_page: the page the extension needs per CPU while it is on: the VMXON
 *	region (VMX) or the host save area named by VM_HSAVE_PA (SVM).
 *	Allocated for every possible CPU at load, freed at unload.
 * @enabled: the extension is enabled on this CPU (written only on this CPU).
 */
struct mv_cpu {
	struct page *root_page;
	bool enabled;
};

DECLARE_PER_CPU(struct mv_cpu, mv_cpu);

/**
 * struct mv_arch_ops - one vendor backend.
 * @name: short name for messages ("vmx", "svm").
 * @probe: check that this CPU model and its firmware allow the extension and
 *	fill @caps. Runs once at load on the boot CPU; returns 0, -ENODEV (no
 *	such extension: try the other vendor), or another negative errno with
 *	one pr_err() line saying why.
 * @hw_in_use: is the extension already enabled on the calling CPU (CR4.VMXE,
 *	EFER.SVME), i.e. owned by another hypervisor? Any context.
 * @hw_enable: enable the extension on the calling CPU, using @cpu's
 *	root page; the common code checked @hw_in_use first. Interrupts are
 *	off. Returns 0 or a negative errno after one pr_err() line.
 * @hw_disable: turn it off on the calling CPU. Interrupts are off.
 * @emergency_disable: turn it off on the calling CPU from the crash and
 *	emergency-reboot paths (NMI context): no locks, no printing, tolerate
 *	faults.
 */
struct mv_arch_ops {
	const char *name;
	int (*probe)(struct mv_caps *caps);
	bool (*hw_in_use)(void);
	int (*hw_enable)(struct mv_cpu *cpu);
	void (*hw_disable)(struct mv_cpu *cpu);
	void (*emergency_disable)(void);
};

extern const struct mv_arch_ops mv_vmx_ops;
extern const struct mv_arch_ops mv_svm_ops;

/* Chosen at load; read-only afterwards. */
extern const struct mv_arch_ops *mv_arch;
extern struct mv_caps mv_caps;

unsigned int mv_nr_enabled_cpus(void);

int mv_dev_register(void);
void mv_dev_unregister(void);

#endif /* MINIVISOR_H */
