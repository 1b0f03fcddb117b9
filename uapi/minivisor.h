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
 * @MV_CAP_TSC_KHZ: the guest's TSC frequency in kHz (guests see the host's
 *	TSC), for firmware tables and kernel command lines; 0 if unknown.
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
	MV_CAP_TSC_KHZ			= 10,
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


/*
 * Virtual machines and vCPUs.
 *
 * open("/dev/minivisor")          system fd
 *   ioctl(MV_CREATE_VM)           -> VM fd
 *     ioctl(MV_SET_MEMORY_REGION) guest RAM, owned by the module
 *     mmap(offset = GPA)          that RAM, shared with the guest
 *     ioctl(MV_CREATE_VCPU)       -> vCPU fd
 *       mmap(offset 0, 4096)      struct mv_run: why MV_RUN returned
 *       ioctl(MV_RUN)             run until an exit needs userspace
 *
 * Every fd holds a reference on what it needs, so they may be closed in any
 * order. Reserved fields and padding must be zero on input (-EINVAL
 * otherwise) and are zero on output.
 */

/** define MV_MAX_VCPUS - vCPUs per VM (ids 0 .. MV_MAX_VCPUS - 1). */
#define MV_MAX_VCPUS		8
/** define MV_MAX_MEMORY_REGIONS - memory regions (slots) per VM. */
#define MV_MAX_MEMORY_REGIONS	8
/** define MV_MAX_MEMORY - total guest RAM per VM: 64 GiB. */
#define MV_MAX_MEMORY		(64ULL << 30)

/**
 * define MV_CREATE_VM - create a VM.
 *
 * System fd; the argument must be 0. Returns a new VM fd (O_CLOEXEC).
 */
#define MV_CREATE_VM		_IO(MV_IO, 0x02)

/**
 * struct mv_memory_region - guest RAM at a guest-physical range.
 * @slot: 0 .. %MV_MAX_MEMORY_REGIONS - 1.
 * @flags: 0, or %MV_MEM_SMALL_PAGES.
 * @guest_phys_addr: start, 4 KiB aligned.
 * @size: bytes, 4 KiB aligned, non-zero; regions may not overlap.
 * @reserved: must be 0.
 *
 * The module allocates zeroed pages on first touch (by the guest or through
 * mmap), 2 MiB at a time where the range allows, charged to the memory
 * cgroup of the process that created the VM. A region cannot be changed or
 * removed once set (-EEXIST, also for a range overlapping another region);
 * guest accesses outside every region are MMIO exits. More than
 * %MV_MAX_MEMORY in all is -E2BIG.
 */
struct mv_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 size;
	__u64 reserved[5];
};

/**
 * define MV_MEM_SMALL_PAGES - &mv_memory_region.flags: allocate and map
 * 4 KiB at a time, never 2 MiB (for measuring the difference).
 */
#define MV_MEM_SMALL_PAGES	(1U << 0)

/** define MV_SET_MEMORY_REGION - VM fd: add a &struct mv_memory_region. */
#define MV_SET_MEMORY_REGION	_IOW(MV_IO, 0x10, struct mv_memory_region)

/**
 * define MV_CREATE_VCPU - create a vCPU.
 *
 * VM fd; the argument is the vCPU id (0 .. %MV_MAX_VCPUS - 1, each once).
 * Returns a new vCPU fd. The vCPU starts as after RESET: real mode,
 * CS:IP = f000:fff0 (set registers before running).
 */
#define MV_CREATE_VCPU		_IO(MV_IO, 0x11)

/**
 * struct mv_vm_stats - VM-wide counters.
 * @resident_bytes: guest RAM allocated now.
 * @nested_faults: first touches that allocated memory (nested page faults).
 * @nested_2m_mappings: of those, how many mapped 2 MiB at once.
 * @reserved: zero.
 */
struct mv_vm_stats {
	__u64 resident_bytes;
	__u64 nested_faults;
	__u64 nested_2m_mappings;
	__u64 reserved[5];
};

/** define MV_GET_VM_STATS - VM fd: read &struct mv_vm_stats. */
#define MV_GET_VM_STATS		_IOR(MV_IO, 0x12, struct mv_vm_stats)

/**
 * define MV_CREATE_IRQCHIP - VM fd: give the VM in-kernel interrupt hardware.
 *
 * No argument. Must come before the first %MV_CREATE_VCPU (-EBUSY after,
 * -EEXIST the second time). From then on the kernel emulates, per vCPU, a
 * local APIC at %MV_LAPIC_BASE (xAPIC, timer in one-shot, periodic and
 * TSC-deadline modes, IPIs with INIT / SIPI / NMI / fixed delivery) and, per
 * VM, one I/O APIC at %MV_IOAPIC_BASE with %MV_IOAPIC_PINS pins and the 8254
 * PIT with the port 61h gate (ports 40h-43h, 61h; channel 0 raises GSI 2).
 * HLT no longer exits to userspace: the vCPU sleeps in the kernel until an
 * interrupt is due (or a signal arrives). vCPUs other than 0 start in
 * %MV_MP_WAIT_SIPI.
 */
#define MV_CREATE_IRQCHIP	_IO(MV_IO, 0x13)

#define MV_LAPIC_BASE		0xfee00000ULL
#define MV_IOAPIC_BASE		0xfec00000ULL
#define MV_IOAPIC_PINS		24

/**
 * struct mv_irq_level - drive one I/O APIC input (a GSI).
 * @gsi: 0 .. %MV_IOAPIC_PINS - 1.
 * @level: 1 asserted, 0 deasserted. Edge-triggered pins fire on 0 -> 1;
 *	level-triggered pins fire while 1 (and again after EOI).
 */
struct mv_irq_level {
	__u32 gsi;
	__u32 level;
};

/** define MV_IRQ_LINE - VM fd: set a GSI's level; needs %MV_CREATE_IRQCHIP. */
#define MV_IRQ_LINE		_IOW(MV_IO, 0x14, struct mv_irq_level)

/**
 * struct mv_regs - general-purpose registers, RIP and RFLAGS.
 */
struct mv_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};

/**
 * struct mv_segment - a segment register as the CPU caches it.
 * @base: linear base address.
 * @limit: byte granular limit (expanded if G was set).
 * @selector: the visible selector.
 * @type: descriptor type (4 bits).
 * @s: 1 for code/data, 0 for system segments.
 * @dpl: privilege level.
 * @present: P bit.
 * @avl: AVL bit.
 * @l: 64-bit code segment.
 * @db: default operation size.
 * @g: granularity.
 * @unusable: the segment is unusable (a null selector was loaded).
 * @padding: zero.
 */
struct mv_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u8 type;
	__u8 s, dpl, present, avl, l, db, g, unusable;
	__u8 padding;
};

/**
 * struct mv_dtable - GDTR or IDTR.
 * @base: linear base address.
 * @limit: limit.
 * @padding: zero.
 */
struct mv_dtable {
	__u64 base;
	__u16 limit;
	__u16 padding[3];
};

/**
 * struct mv_sregs - system registers.
 * @cs: code segment. @ds: data. @es: extra. @fs: FS. @gs: GS. @ss: stack.
 * @tr: task register. @ldt: LDT register.
 * @gdt: GDTR. @idt: IDTR.
 * @cr0: CR0. @cr2: CR2. @cr3: CR3. @cr4: CR4. @cr8: CR8 (TPR).
 * @efer: IA32_EFER.
 * @reserved: zero.
 *
 * Values the CPU would refuse (reserved CR0/CR4/EFER bits, CR0.PG without
 * PE, EFER.LMA inconsistent with CR0.PG and EFER.LME, VMXE / SVME in the
 * guest) are refused with -EINVAL.
 */
struct mv_sregs {
	struct mv_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct mv_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 reserved[8];
};

/**
 * define MV_RUN - run the vCPU until an exit needs userspace.
 *
 * vCPU fd; the argument must be 0. Returns 0 with &mv_run.exit_reason set,
 * or -1 with errno: EINTR (a signal, or &mv_run.immediate_exit), EINVAL
 * (non-zero argument, or the vCPU shut down: after %MV_EXIT_SHUTDOWN its
 * state is undefined and it does not run again), EIO (the host is
 * rebooting or took the CPU away).
 */
#define MV_RUN			_IO(MV_IO, 0x20)
#define MV_GET_REGS		_IOR(MV_IO, 0x21, struct mv_regs)
#define MV_SET_REGS		_IOW(MV_IO, 0x22, struct mv_regs)
#define MV_GET_SREGS		_IOR(MV_IO, 0x23, struct mv_sregs)
#define MV_SET_SREGS		_IOW(MV_IO, 0x24, struct mv_sregs)

/**
 * enum mv_exit_reason - &struct mv_run.exit_reason.
 * @MV_EXIT_NONE: not run yet.
 * @MV_EXIT_IO: port I/O: see &mv_run.io. For an IN, put the data in
 *	&mv_run.io.data before the next %MV_RUN.
 * @MV_EXIT_MMIO: access outside guest RAM: see &mv_run.mmio. For a read,
 *	put the data in &mv_run.mmio.data before the next %MV_RUN.
 * @MV_EXIT_HLT: the guest executed HLT with interrupts it cannot get.
 * @MV_EXIT_SHUTDOWN: triple fault (the CPU would shut down); see
 *	&mv_run.shutdown.
 * @MV_EXIT_HYPERCALL: VMCALL / VMMCALL with RAX = nr and RBX, RCX, RDX, RSI
 *	as arguments; put the result in &mv_run.hypercall.ret.
 * @MV_EXIT_FAIL_ENTRY: the CPU refused to enter the guest: see
 *	&mv_run.fail_entry.
 * @MV_EXIT_INTERNAL_ERROR: minivisor could not handle an exit: see
 *	&mv_run.internal. The VM should be torn down.
 * @MV_EXIT_INTR: %MV_RUN returned -EINTR for a pending signal.
 */
enum mv_exit_reason {
	MV_EXIT_NONE		= 0,
	MV_EXIT_IO		= 1,
	MV_EXIT_MMIO		= 2,
	MV_EXIT_HLT		= 3,
	MV_EXIT_SHUTDOWN	= 4,
	MV_EXIT_HYPERCALL	= 5,
	MV_EXIT_FAIL_ENTRY	= 6,
	MV_EXIT_INTERNAL_ERROR	= 7,
	MV_EXIT_INTR		= 8,
	MV_EXIT_NR,
};

#define MV_IO_OUT		0
#define MV_IO_IN		1

/**
 * struct mv_run - the vCPU's shared page (mmap the vCPU fd, offset 0).
 * @exit_reason: an &enum mv_exit_reason.
 * @immediate_exit: if set, %MV_RUN returns -EINTR at once (after
 *	completing a pending I/O or MMIO read).
 * @padding1: zero.
 * @exit_count: exits of this vCPU so far, all reasons.
 * @io: port I/O. @io.direction: %MV_IO_OUT or %MV_IO_IN. @io.size: 1, 2 or
 *	4 bytes. @io.port: the port. @io.count: always 1: INS / OUTS (with
 *	or without REP) come one element per exit, the kernel moves the data
 *	between guest RAM and @io.data and steps RSI / RDI / RCX.
 *	@io.data: the bytes.
 * @mmio: @mmio.phys_addr: guest-physical address. @mmio.data: the bytes.
 *	@mmio.len: 1, 2, 4 or 8. @mmio.is_write: 1 for a store.
 * @hypercall: @hypercall.nr: RAX. @hypercall.args: RBX, RCX, RDX, RSI.
 *	@hypercall.ret: written by userspace, lands in RAX.
 * @shutdown: @shutdown.rip: where the guest was. @shutdown.reason: text.
 * @fail_entry: @fail_entry.hardware_reason: VMX exit reason / VM-instruction
 *	error, or SVM exit code. @fail_entry.qualification: VMX exit
 *	qualification, else 0. @fail_entry.cause: decoded, human readable.
 * @internal: @internal.suberror: an ``MV_INTERNAL_*`` value.
 *	@internal.hardware_reason: raw exit reason / code. @internal.data:
 *	raw exit information. @internal.rip: guest RIP. @internal.cause: text.
 * @padding: keeps the union at 256 bytes.
 */
struct mv_run {
	__u32 exit_reason;
	__u8 immediate_exit;
	__u8 padding1[3];
	__u64 exit_count;
	union {
		struct {
			__u8 direction;
			__u8 size;
			__u16 port;
			__u32 count;
			__u8 data[8];
		} io;
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u32 len;
			__u8 is_write;
			__u8 pad[3];
		} mmio;
		struct {
			__u64 nr;
			__u64 args[4];
			__u64 ret;
		} hypercall;
		struct {
			__u64 rip;
			char reason[64];
		} shutdown;
		struct {
			__u64 hardware_reason;
			__u64 qualification;
			char cause[128];
		} fail_entry;
		struct {
			__u32 suberror;
			__u32 pad;
			__u64 hardware_reason;
			__u64 data[4];
			__u64 rip;
			char cause[128];
		} internal;
		char padding[256];
	};
};

/* &mv_run.internal.suberror */
#define MV_INTERNAL_UNHANDLED_EXIT	1	/* an exit minivisor does not handle */
#define MV_INTERNAL_EMULATION		2	/* an MMIO instruction it cannot decode */
#define MV_INTERNAL_UNSUPPORTED_IO	3	/* no longer used (was: string port I/O) */
#define MV_INTERNAL_MEMORY		4	/* out of memory for the guest */

/**
 * struct mv_vcpu_stats - exit counts of one vCPU.
 * @exits: total exits.
 * @by_reason: exits by ``MV_STAT_*`` reason; each exit counts under one
 *	reason, and these count events on top: %MV_STAT_MMIO (nested faults
 *	that were MMIO), %MV_STAT_APIC_ACCESS, %MV_STAT_IRQ_INJECTED,
 *	%MV_STAT_HALT_WAKEUP and %MV_STAT_FAST_PATH (exits handled without
 *	leaving the entry loop: CPUID, the no-op hypercall).
 *	%MV_STAT_SLICE_END: the end of a time slice (VMX-preemption timer).
 */
struct mv_vcpu_stats {
	__u64 exits;
	__u64 by_reason[24];
};

/* Indexes of &mv_vcpu_stats.by_reason */
enum mv_stat {
	MV_STAT_CPUID, MV_STAT_HLT, MV_STAT_IO, MV_STAT_MMIO,
	MV_STAT_NESTED_FAULT, MV_STAT_MSR_READ, MV_STAT_MSR_WRITE,
	MV_STAT_HYPERCALL, MV_STAT_CR_ACCESS, MV_STAT_XSETBV, MV_STAT_INVD,
	MV_STAT_EXTERNAL_INTR, MV_STAT_NMI, MV_STAT_EXCEPTION,
	MV_STAT_VIRT_INSN, MV_STAT_SHUTDOWN, MV_STAT_OTHER,
	MV_STAT_IRQ_WINDOW, MV_STAT_APIC_ACCESS, MV_STAT_IRQ_INJECTED,
	MV_STAT_HALT_WAKEUP, MV_STAT_FAST_PATH, MV_STAT_SLICE_END,
	MV_STAT_NR,
};

/** define MV_GET_VCPU_STATS - vCPU fd: read &struct mv_vcpu_stats. */
#define MV_GET_VCPU_STATS	_IOR(MV_IO, 0x25, struct mv_vcpu_stats)

/**
 * enum mv_mp_state - what a vCPU of a VM with an irqchip is doing.
 * @MV_MP_RUNNABLE: running guest code (or ready to).
 * @MV_MP_WAIT_SIPI: after INIT: %MV_RUN sleeps until a STARTUP IPI arrives,
 *	then starts the vCPU in real mode at CS = vector << 8, IP = 0.
 * @MV_MP_HALTED: in HLT, waiting for an interrupt.
 */
enum mv_mp_state {
	MV_MP_RUNNABLE		= 0,
	MV_MP_WAIT_SIPI		= 1,
	MV_MP_HALTED		= 2,
};

/** define MV_GET_MP_STATE - vCPU fd: read the &enum mv_mp_state (a __u32). */
#define MV_GET_MP_STATE		_IOR(MV_IO, 0x26, __u32)
/** define MV_SET_MP_STATE - vCPU fd: set it; -EINVAL without an irqchip. */
#define MV_SET_MP_STATE		_IOW(MV_IO, 0x27, __u32)

/**
 * define MV_HYPERCALL_NOP - hypercall number answered in the kernel with
 * RAX = 0, without an exit to userspace: the cheapest guest-host round trip.
 * Every other number is an %MV_EXIT_HYPERCALL.
 */
#define MV_HYPERCALL_NOP	0x4d560000

/**
 * define MV_CPUID_SIGNATURE - what a guest reads in EBX, ECX, EDX of CPUID
 * leaf 0x40000000 (12 bytes: these 11 and a NUL). EAX holds the highest
 * hypervisor leaf, 0x40000000.
 */
#define MV_CPUID_SIGNATURE	"MinivisorMV"

#endif /* _UAPI_MINIVISOR_H */
