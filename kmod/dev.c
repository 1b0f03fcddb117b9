// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: /dev/minivisor, the system fd and its ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <asm/tsc.h>

#include "minivisor.h"

static long mv_check_cap(unsigned long cap)
{
	switch (cap) {
	case MV_CAP_VENDOR:
		return mv_caps.vendor;
	case MV_CAP_NESTED_PAGING:
		return mv_caps.nested_paging;
	case MV_CAP_TAGGED_TLB:
		return mv_caps.tagged_tlb;
	case MV_CAP_NR_TLB_TAGS:
		return mv_caps.nr_tlb_tags;
	case MV_CAP_UNRESTRICTED_GUEST:
		return mv_caps.unrestricted_guest;
	case MV_CAP_NESTED_2M:
		return mv_caps.nested_2m;
	case MV_CAP_NESTED_1G:
		return mv_caps.nested_1g;
	case MV_CAP_NEXT_RIP:
		return mv_caps.next_rip;
	case MV_CAP_NR_CPUS:
		return mv_nr_enabled_cpus();
	case MV_CAP_TSC_KHZ:
		/*
		 * Guests see the host TSC. Not withheld when the host marked it
		 * unstable: that verdict comes from the host's own clocksource
		 * watchdog, which an overloaded emulated machine trips, and the
		 * guest could measure nothing better.
		 */
		return tsc_khz;
	default:
		/* Unknown: "not supported", see MV_CHECK_CAP in the uapi. */
		return 0;
	}
}

static long mv_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case MV_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return MV_API_VERSION;
	case MV_CHECK_CAP:
		return mv_check_cap(arg);
	case MV_CREATE_VM:
		if (arg)
			return -EINVAL;
		return mv_vm_create();
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mv_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= mv_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice mv_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "minivisor",
	.fops	= &mv_dev_fops,
	.mode	= 0600,
};

int mv_dev_register(void)
{
	int ret = misc_register(&mv_miscdev);

	if (ret)
		pr_err("cannot register /dev/minivisor (%d)\n", ret);
	return ret;
}

void mv_dev_unregister(void)
{
	misc_deregister(&mv_miscdev);
}
