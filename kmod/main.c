// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: module load and unload, and the extension's on/off state of
 * every CPU.
 *
 * The extension (VMX or SVM) is enabled on every online CPU for as long as the
 * module is loaded: a CPU-hotplug state turns it on when a CPU comes online
 * and off before it goes away; a reboot notifier, syscore (suspend) hooks and
 * the kernel's emergency-virtualization callback turn it off on the way down.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/reboot.h>
#include <linux/syscore_ops.h>
#include <asm/reboot.h>

#include "minivisor.h"
#include "vcpu.h"

DEFINE_PER_CPU(struct mv_cpu, mv_cpu);

const struct mv_arch_ops *mv_arch;
struct mv_caps mv_caps;

static enum cpuhp_state mv_hp_state;

/*
 * Fault injection for the selftests: make enabling fail on one CPU, to check
 * that the CPUs enabled before it are disabled again.
 */
static int fail_cpu = -1;
module_param(fail_cpu, int, 0444);
MODULE_PARM_DESC(fail_cpu, "testing only: fail to enable this CPU (-1: none)");
static atomic_t mv_nr_enabled = ATOMIC_INIT(0);
static bool mv_rebooting;

unsigned int mv_nr_enabled_cpus(void)
{
	return atomic_read(&mv_nr_enabled);
}

/* Enable the extension on this CPU. Interrupts are off. */
static int mv_cpu_enable_irqoff(void)
{
	struct mv_cpu *c = this_cpu_ptr(&mv_cpu);
	int ret;

	if (c->enabled)
		return 0;
	if (READ_ONCE(mv_rebooting))
		return -EBUSY;
	if (mv_arch->hw_in_use()) {
		pr_err("CPU %d: %s is already on: another hypervisor owns this CPU\n",
		       smp_processor_id(), mv_arch->name);
		return -EBUSY;
	}
	if (unlikely(smp_processor_id() == fail_cpu)) {
		pr_err("CPU %d: failing the enable as asked (fail_cpu)\n", fail_cpu);
		return -EIO;
	}
	ret = mv_arch->hw_enable(c);
	if (ret)
		return ret;
	c->enabled = true;
	atomic_inc(&mv_nr_enabled);
	return 0;
}

/* Disable the extension on this CPU. Interrupts are off. */
static void mv_cpu_disable_irqoff(void)
{
	struct mv_cpu *c = this_cpu_ptr(&mv_cpu);

	if (!c->enabled)
		return;
	mv_arch->hw_disable(c);
	c->enabled = false;
	atomic_dec(&mv_nr_enabled);
}

/*
 * CPU-hotplug callbacks. For a dynamic AP state they run on the CPU concerned
 * (in its hotplug thread), so per-CPU state is this CPU's; interrupts are
 * turned off so that the reboot IPI cannot interleave.
 */
static int mv_cpu_online(unsigned int cpu)
{
	unsigned long flags;
	int ret;

	/* On failure the backend has said why; cpuhp unwinds the other CPUs. */
	local_irq_save(flags);
	ret = mv_cpu_enable_irqoff();
	local_irq_restore(flags);
	return ret;
}

static int mv_cpu_offline(unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	mv_cpu_disable_irqoff();
	local_irq_restore(flags);
	return 0;
}

static void mv_cpu_disable_ipi(void *unused)
{
	mv_cpu_disable_irqoff();
}

/*
 * An orderly reboot or power-off: turn the extension off everywhere first.
 * VMX root operation blocks INIT, which the next kernel or the firmware needs
 * to start the other CPUs (Intel SDM vol. 3C, "VMX-Critical State" /
 * "Interrupts: INIT blocked in VMX operation").
 */
static int mv_reboot_notify(struct notifier_block *nb, unsigned long code,
			    void *unused)
{
	WRITE_ONCE(mv_rebooting, true);
	on_each_cpu(mv_cpu_disable_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block mv_reboot_nb = {
	.notifier_call = mv_reboot_notify,
};

/*
 * Suspend and resume: by the time syscore runs, the other CPUs are offline
 * (the hotplug state handled them); only the boot CPU is left, with
 * interrupts off.
 */
static int mv_syscore_suspend(void *unused)
{
	mv_cpu_disable_irqoff();
	return 0;
}

static void mv_syscore_resume(void *unused)
{
	if (mv_cpu_enable_irqoff())
		pr_err("could not turn %s back on after resume\n", mv_arch->name);
}

#ifdef MV_HAVE_STRUCT_SYSCORE
static const struct syscore_ops mv_syscore_ops = {
	.suspend = mv_syscore_suspend,
	.resume = mv_syscore_resume,
};

static struct syscore mv_syscore = { .ops = &mv_syscore_ops };

static void mv_register_syscore(void)
{
	register_syscore(&mv_syscore);
}

static void mv_unregister_syscore(void)
{
	unregister_syscore(&mv_syscore);
}
#else
static int mv_syscore_suspend_old(void)
{
	return mv_syscore_suspend(NULL);
}

static void mv_syscore_resume_old(void)
{
	mv_syscore_resume(NULL);
}

static struct syscore_ops mv_syscore_ops = {
	.suspend = mv_syscore_suspend_old,
	.resume = mv_syscore_resume_old,
};

static void mv_register_syscore(void)
{
	register_syscore_ops(&mv_syscore_ops);
}

static void mv_unregister_syscore(void)
{
	unregister_syscore_ops(&mv_syscore_ops);
}
#endif

/*
 * Crash (kdump) and emergency reboot: the kernel calls this on every CPU,
 * from NMI context, before it jumps to the next kernel.
 */
static void mv_emergency_disable(void)
{
	if (this_cpu_read(mv_cpu.enabled))
		mv_arch->emergency_disable();
}

/*
 * KVM and minivisor cannot share a CPU: each needs VMX / SVM for itself, and
 * the kernel has one emergency-virtualization callback, which kvm_intel takes
 * when it loads (before 6.12) and kvm_amd / kvm_intel take whenever their
 * virtualization is on (6.12). While KVM is loaded we therefore refuse, even
 * if it has no VM now: a VM it created later would find the CPU taken.
 * kvm.ko exports kvm_rebooting; finding it means KVM is loaded.
 */
static bool mv_kvm_loaded(void)
{
	if (!__symbol_get("kvm_rebooting"))
		return false;
	__symbol_put("kvm_rebooting");
	return true;
}

static void mv_check_cpu_free(void *busy)
{
	if (mv_arch->hw_in_use())
		atomic_inc(busy);
}

/*
 * Is the extension already enabled on some CPU? Checked on every CPU before we
 * touch anything, so the message names the real owner of the hardware;
 * mv_cpu_enable_irqoff() checks again for CPUs that come online later.
 */
static int mv_check_cpus_free(void)
{
	atomic_t busy = ATOMIC_INIT(0);

	on_each_cpu(mv_check_cpu_free, &busy, 1);
	if (atomic_read(&busy)) {
		pr_err("%s is already enabled on %d CPUs: another hypervisor owns them\n",
		       mv_arch->name, atomic_read(&busy));
		return -EBUSY;
	}
	if (mv_kvm_loaded()) {
		pr_err("kvm is loaded: unload kvm_intel / kvm_amd and kvm first\n");
		return -EBUSY;
	}
	return 0;
}

static void mv_free_root_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct mv_cpu *c = per_cpu_ptr(&mv_cpu, cpu);

		if (c->root_page)
			__free_page(c->root_page);
		c->root_page = NULL;
	}
}

static int mv_alloc_root_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			mv_free_root_pages();
			return -ENOMEM;
		}
		per_cpu_ptr(&mv_cpu, cpu)->root_page = page;
	}
	return 0;
}

static int mv_select_arch(void)
{
	static const struct mv_arch_ops *const candidates[] = {
		&mv_vmx_ops, &mv_svm_ops,
	};
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(candidates); i++) {
		memset(&mv_caps, 0, sizeof(mv_caps));
		ret = candidates[i]->probe(&mv_caps);
		if (ret == -ENODEV)
			continue;
		if (ret)
			return ret;
		mv_arch = candidates[i];
		return 0;
	}
	pr_err("this CPU has neither VMX nor SVM\n");
	return -ENODEV;
}

static int __init mv_init(void)
{
	int ret;

	ret = mv_select_arch();
	if (ret)
		return ret;

	ret = mv_check_cpus_free();
	if (ret)
		return ret;
	ret = mv_fpu_setup();
	if (ret) {
		pr_err("minivisor needs FXSAVE or XSAVE\n");
		return ret;
	}

	ret = mv_alloc_root_pages();
	if (ret)
		return ret;
	if (mv_arch->hw_setup) {
		ret = mv_arch->hw_setup();
		if (ret)
			goto err_setup;
	}

	cpu_emergency_register_virt_callback(mv_emergency_disable);
	register_reboot_notifier(&mv_reboot_nb);
	mv_register_syscore();

	/* Enables the extension on every online CPU, or on none. */
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "minivisor:online",
				mv_cpu_online, mv_cpu_offline);
	if (ret < 0)
		goto err_hotplug;
	mv_hp_state = ret;

	ret = mv_dev_register();
	if (ret)
		goto err_dev;

	pr_info("%s enabled on %u CPUs\n", mv_arch->name, mv_nr_enabled_cpus());
	return 0;

err_dev:
	cpuhp_remove_state(mv_hp_state);
err_hotplug:
	mv_unregister_syscore();
	unregister_reboot_notifier(&mv_reboot_nb);
	cpu_emergency_unregister_virt_callback(mv_emergency_disable);
	if (mv_arch->hw_unsetup)
		mv_arch->hw_unsetup();
err_setup:
	mv_free_root_pages();
	return ret;
}

static void __exit mv_exit(void)
{
	mv_dev_unregister();
	cpuhp_remove_state(mv_hp_state);
	mv_unregister_syscore();
	unregister_reboot_notifier(&mv_reboot_nb);
	cpu_emergency_unregister_virt_callback(mv_emergency_disable);
	if (mv_arch->hw_unsetup)
		mv_arch->hw_unsetup();
	mv_free_root_pages();
	pr_info("%s disabled on every CPU\n", mv_arch->name);
}

module_init(mv_init);
module_exit(mv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("minivisor: a small hypervisor on Intel VT-x and AMD-V");
MODULE_AUTHOR("The minivisor authors");
