// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: VM lifetime and the VM fd.
 *
 * A VM lives as long as something references it: its fd, each vCPU fd, each
 * mmap of guest RAM (through the fd's file). The module cannot be unloaded
 * while any such file is open (the fops' owner pins it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "irqchip.h"
#include "minivisor.h"
#include "mem.h"
#include "vcpu.h"

static void mv_vm_destroy(struct kref *kref)
{
	struct mv_vm *vm = container_of(kref, struct mv_vm, kref);
	int i;

	/* The PIT's timer walks the vCPUs: stop it before they go. */
	mv_irqchip_destroy(vm);
	for (i = 0; i < MV_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			mv_vcpu_free(vm->vcpus[i]);
	mv_arch->vm_destroy(vm);
	mv_npt_destroy(&vm->npt);
	mv_mem_free(vm);
	mem_cgroup_put(vm->memcg);
	kfree(vm);
}

/**
 * mv_vm_put() - drop a reference; the last one destroys the VM.
 * @vm: the VM.
 */
void mv_vm_put(struct mv_vm *vm)
{
	kref_put(&vm->kref, mv_vm_destroy);
}

static int mv_vm_set_region(struct mv_vm *vm, struct mv_memory_region __user *uregion)
{
	struct mv_memory_region r;
	/* 4-level nested tables translate 48 bits of guest-physical address. */
	u64 maxphys = 1ULL << min_t(u8, boot_cpu_data.x86_phys_bits, 48);
	u64 total = 0, gfn, npages;
	int i, ret = 0;

	if (copy_from_user(&r, uregion, sizeof(r)))
		return -EFAULT;
	if (r.slot >= MV_MAX_MEMORY_REGIONS || (r.flags & ~MV_MEM_SMALL_PAGES) ||
	    !mv_zeroed(r.reserved, sizeof(r.reserved)))
		return -EINVAL;
	if (!r.size || !PAGE_ALIGNED(r.size) || !PAGE_ALIGNED(r.guest_phys_addr) ||
	    r.guest_phys_addr >= maxphys || r.size > maxphys - r.guest_phys_addr)
		return -EINVAL;
	if (r.size > MV_MAX_MEMORY)
		return -E2BIG;
	gfn = r.guest_phys_addr >> PAGE_SHIFT;
	npages = r.size >> PAGE_SHIFT;

	mutex_lock(&vm->lock);
	mutex_lock(&vm->mem_lock);
	for (i = 0; i < MV_MAX_MEMORY_REGIONS; i++) {
		struct mv_memslot *s = &vm->slots[i];

		if (!s->npages)
			continue;
		total += s->npages << PAGE_SHIFT;
		if (i == r.slot || (gfn < s->base_gfn + s->npages && s->base_gfn < gfn + npages)) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (total + r.size > MV_MAX_MEMORY) {
		ret = -E2BIG;
		goto out;
	}
	vm->slots[r.slot].base_gfn = gfn;
	vm->slots[r.slot].npages = npages;
	vm->slots[r.slot].flags = r.flags;
out:
	mutex_unlock(&vm->mem_lock);
	mutex_unlock(&vm->lock);
	return ret;
}

static int mv_vm_get_stats(struct mv_vm *vm, struct mv_vm_stats __user *ustats)
{
	struct mv_vm_stats st = {
		.resident_bytes = atomic64_read(&vm->resident_pages) << PAGE_SHIFT,
		.nested_faults = atomic64_read(&vm->nested_faults),
		.nested_2m_mappings = atomic64_read(&vm->nested_2m),
	};

	return copy_to_user(ustats, &st, sizeof(st)) ? -EFAULT : 0;
}

static long mv_vm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mv_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MV_SET_MEMORY_REGION:
		return mv_vm_set_region(vm, argp);
	case MV_CREATE_VCPU:
		return mv_vcpu_create(vm, arg);
	case MV_GET_VM_STATS:
		return mv_vm_get_stats(vm, argp);
	case MV_CREATE_IRQCHIP:
		return arg ? -EINVAL : mv_irqchip_create(vm);
	case MV_IRQ_LINE: {
		struct mv_irq_level irq;

		if (copy_from_user(&irq, argp, sizeof(irq)))
			return -EFAULT;
		return mv_irqchip_set_line(vm, irq.gsi, irq.level);
	}
	default:
		return -ENOTTY;
	}
}

static int mv_vm_mmap(struct file *file, struct vm_area_struct *vma)
{
	return mv_mem_mmap(file->private_data, vma);
}

static int mv_vm_release(struct inode *inode, struct file *file)
{
	mv_vm_put(file->private_data);
	return 0;
}

static const struct file_operations mv_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= mv_vm_release,
	.unlocked_ioctl	= mv_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mv_vm_mmap,
	.llseek		= noop_llseek,
};

/**
 * mv_vm_create() - create a VM and return its fd.
 *
 * Return: the fd, or a negative errno.
 */
int mv_vm_create(void)
{
	struct mem_cgroup *old_memcg;
	struct mv_vm *vm;
	int ret;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->kref);
	mutex_init(&vm->lock);
	mutex_init(&vm->mem_lock);
	xa_init(&vm->chunks);
	xa_init(&vm->pages);
	vm->memcg = get_mem_cgroup_from_mm(current->mm);

	old_memcg = set_active_memcg(vm->memcg);
	ret = mv_npt_init(&vm->npt, mv_arch->npt_format);
	set_active_memcg(old_memcg);
	if (ret)
		goto err_npt;
	ret = mv_arch->vm_init(vm);
	if (ret)
		goto err_arch;

	ret = anon_inode_getfd("minivisor-vm", &mv_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (ret < 0)
		goto err_fd;
	return ret;

err_fd:
	mv_arch->vm_destroy(vm);
err_arch:
	mv_npt_destroy(&vm->npt);
err_npt:
	mem_cgroup_put(vm->memcg);
	kfree(vm);
	return ret;
}
