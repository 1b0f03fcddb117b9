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
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/xarray.h>

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

struct mv_vm;
struct mv_vcpu;

/**
 * struct mv_npt_format - how one kind of nested page table encodes entries
 * (kmod/ept/ept.c and kmod/ept/npt.c); the walker in kmod/ept/walk.c is
 * shared. Levels count from 1 (4 KiB leaves) to 4 (the root).
 * @name: "ept" or "npt".
 * @table: entry pointing to a lower-level table at @pa.
 * @leaf: entry mapping guest RAM at @pa; @level 1 (4 KiB) or 2 (2 MiB).
 * @present: does @entry map or point to anything?
 * @is_leaf: does @entry at @level map memory (rather than a table)?
 * @addr: the physical address in @entry.
 */
struct mv_npt_format {
	const char *name;
	u64 (*table)(phys_addr_t pa);
	u64 (*leaf)(phys_addr_t pa, int level);
	bool (*present)(u64 entry);
	bool (*is_leaf)(u64 entry, int level);
	phys_addr_t (*addr)(u64 entry);
};

extern const struct mv_npt_format mv_ept_format;
extern const struct mv_npt_format mv_npt_format;

/**
 * struct mv_npt - a VM's nested page table (EPT or NPT).
 * @fmt: the entry encoding.
 * @root: the level-4 table page.
 * @nr_tables: table pages in use, root included.
 *
 * Changed only under &mv_vm.mem_lock. Mappings are only ever added while the
 * VM lives (first touch), from not-present to present, which needs no TLB
 * invalidation (SDM 3C "Invalidation of TLBs and Paging-Structure Caches";
 * APM vol. 2 "TLB Management"); the whole table goes at VM destroy.
 */
struct mv_npt {
	const struct mv_npt_format *fmt;
	struct page *root;
	unsigned long nr_tables;
};

int mv_npt_init(struct mv_npt *npt, const struct mv_npt_format *fmt);
void mv_npt_destroy(struct mv_npt *npt);
int mv_npt_map(struct mv_npt *npt, u64 gpa, phys_addr_t hpa, int level);
phys_addr_t mv_npt_root_pa(struct mv_npt *npt);

/**
 * enum mv_xreason - vendor-neutral exits, filled in by &mv_arch_ops.vcpu_run
 * and handled by the common loop (kmod/exit.c).
 * @MV_X_NONE: fully handled by the backend (e.g. a CR access): re-enter.
 * @MV_X_EXTERNAL_INTR: a host interrupt; the host takes it when interrupts
 *	come back on: re-enter.
 * @MV_X_NMI: a host NMI, already given to the host by the backend.
 * @MV_X_CPUID: CPUID; leaf in RAX, subleaf in RCX.
 * @MV_X_HLT: HLT.
 * @MV_X_IO: IN / OUT; &mv_exit.io.
 * @MV_X_NPF: nested page fault (EPT violation / NPF); &mv_exit.npf.
 * @MV_X_MSR_READ: RDMSR; MSR in RCX.
 * @MV_X_MSR_WRITE: WRMSR; MSR in RCX, value in EDX:EAX.
 * @MV_X_HYPERCALL: VMCALL / VMMCALL.
 * @MV_X_XSETBV: XSETBV; XCR in RCX, value in EDX:EAX.
 * @MV_X_INVD: INVD or WBINVD: nothing to do on guest RAM we own; skip.
 * @MV_X_VIRT_INSN: a VMX / SVM instruction: the guest gets #UD.
 * @MV_X_SHUTDOWN: triple fault.
 * @MV_X_FAIL_ENTRY: the CPU refused VM entry; &mv_exit.fail.
 * @MV_X_UNHANDLED: an exit the backend does not handle; &mv_exit.fail.
 * @MV_X_IRQ_WINDOW: the guest can take an interrupt now (the window that
 *	&mv_arch_ops.set_irq_window asked for opened): re-enter and inject.
 * @MV_X_SLICE_END: the guest's time slice ended (VMX-preemption timer),
 *	so that the host gets its CPU back even if no interrupt comes: re-enter.
 */
enum mv_xreason {
	MV_X_NONE,
	MV_X_EXTERNAL_INTR,
	MV_X_NMI,
	MV_X_CPUID,
	MV_X_HLT,
	MV_X_IO,
	MV_X_NPF,
	MV_X_MSR_READ,
	MV_X_MSR_WRITE,
	MV_X_HYPERCALL,
	MV_X_XSETBV,
	MV_X_INVD,
	MV_X_VIRT_INSN,
	MV_X_SHUTDOWN,
	MV_X_FAIL_ENTRY,
	MV_X_UNHANDLED,
	MV_X_IRQ_WINDOW,
	MV_X_SLICE_END,
};

/**
 * struct mv_exit - one exit, vendor-neutral.
 * @reason: an &enum mv_xreason.
 * @insn_len: length of the exiting instruction, for skipping it; 0 if the
 *	backend does not know it (the common code then knows it by reason).
 * @io: @io.port, @io.size (1, 2, 4), @io.in, @io.string (INS/OUTS),
 *	@io.rep (REP prefix).
 * @npf: @npf.gpa, @npf.write, @npf.fetch; @npf.present: the nested entry
 *	was present (a permission fault, not a missing page); @npf.not_data:
 *	the access was not the instruction's own data access (an instruction
 *	fetch, a guest page-table walk, or event delivery), so it cannot be
 *	emulated as MMIO.
 * @fail: @fail.hw_reason (VMX basic exit reason or VM-instruction error,
 *	SVM exit code), @fail.qual (qualification / EXITINFO1),
 *	@fail.info2 (EXITINFO2 / 0), @fail.cause (static text, may be NULL).
 */
struct mv_exit {
	u32 reason;
	u32 insn_len;
	union {
		struct {
			u16 port;
			u8 size;
			bool in, string, rep;
		} io;
		struct {
			u64 gpa;
			bool write, fetch, present, not_data;
		} npf;
		struct {
			u64 hw_reason;
			u64 qual;
			u64 info2;
			const char *cause;
		} fail;
	};
};

/**
 * struct mv_memslot - one guest RAM region (&struct mv_memory_region).
 * @base_gfn: first guest frame.
 * @npages: frames in the region; 0 for an unused slot.
 * @flags: MV_MEM_* flags.
 */
struct mv_memslot {
	u64 base_gfn;
	u64 npages;
	u32 flags;
};

/**
 * struct mv_vm - one virtual machine.
 * @kref: one reference per fd (VM fd, each vCPU fd) and per mmap.
 * @lock: serializes vCPU creation and memory region changes.
 * @mem_lock: serializes guest RAM allocation and nested table changes.
 * @slots: guest RAM regions.
 * @chunks: gfn / 512 -> first struct page of a 2 MiB chunk of guest RAM
 *	allocated in one piece (split into 512 pages, physically contiguous).
 * @pages: gfn -> struct page * of guest RAM allocated 4 KiB at a time.
 * @npt: the nested page table.
 * @memcg: memory cgroup guest RAM is charged to (the creator's).
 * @vcpus: vCPUs by id; a vCPU is never removed before the VM is destroyed.
 * @resident_pages: guest RAM allocated now, in 4 KiB pages.
 * @nested_faults: allocating first touches.
 * @nested_2m: of those, mapped with a 2 MiB entry.
 * @irqchip: the in-kernel interrupt hardware (MV_CREATE_IRQCHIP) or NULL;
 *	fixed once @vcpus_started is set.
 * @vcpus_started: MV_CREATE_VCPU was called (under @lock).
 * @arch: the backend's per-VM data.
 */
struct mv_vm {
	struct kref kref;
	struct mutex lock;
	struct mutex mem_lock;
	struct mv_memslot slots[MV_MAX_MEMORY_REGIONS];
	struct xarray chunks;
	struct xarray pages;
	struct mv_npt npt;
	struct mem_cgroup *memcg;
	struct mv_vcpu *vcpus[MV_MAX_VCPUS];
	atomic64_t resident_pages;
	atomic64_t nested_faults;
	atomic64_t nested_2m;
	struct mv_irqchip *irqchip;
	bool vcpus_started;
	void *arch;
};

/* What the vCPU waits for from userspace before it can go on. */
enum mv_pending {
	MV_PENDING_NONE,
	MV_PENDING_IO_IN,	/* copy run->io.data into RAX */
	MV_PENDING_MMIO_READ,	/* copy run->mmio.data into a register */
	MV_PENDING_HYPERCALL,	/* copy run->hypercall.ret into RAX */
	MV_PENDING_SKIP,	/* just skip the instruction (OUT, MMIO write, HLT) */
	MV_PENDING_INS,		/* copy run->io.data to guest RAM (INS) */
};

/**
 * struct mv_vcpu - one virtual CPU.
 * @vm: its VM (holds a reference).
 * @id: 0 .. %MV_MAX_VCPUS - 1.
 * @lock: one ioctl at a time.
 * @run: the shared page (struct mv_run), mmap'd by userspace.
 * @regs: general-purpose registers, RIP and RFLAGS. Authoritative between
 *	runs; the backend loads them before entry and stores them after exit.
 * @cpu: the host CPU the vCPU last ran on, -1 before the first run.
 * @pending: what the next MV_RUN must complete first.
 * @pending_reg: for %MV_PENDING_MMIO_READ, the destination register (x86
 *	number 0 = RAX .. 15 = R15; bit 4 set for AH, CH, DH, BH).
 * @pending_len: bytes read from the port or memory (1, 2, 4 or 8; never
 *	taken from the run page, which userspace can change).
 * @pending_dst: destination size: 1 and 2 merge into the register, 4 and 8
 *	replace it (a 32-bit destination zero-extends, as in the CPU).
 * @pending_gpa: for %MV_PENDING_INS, where the element goes: @pending_split
 *	bytes at @pending_gpa[0], the rest at @pending_gpa[1] (an element
 *	that crosses a page).
 * @pending_split: see @pending_gpa.
 * @shut_down: the guest triple-faulted; its state is undefined (APM vol. 2
 *	"Shutdown Intercept"), so it never runs again.
 * @guest_xcr0: the guest's XCR0.
 * @pat: the guest's IA32_PAT (kept, not yet given to the hardware: guest RAM
 *	is write-back whatever it says).
 * @fpu: the guest's XSAVE area (&mv_fpu_size bytes, 64-byte aligned).
 * @stats: exit counts.
 * @apic: its local APIC, if the VM has an irqchip.
 * @mp_state: an &enum mv_mp_state (only with @apic).
 * @wq: where it sleeps in HLT or waiting for SIPI.
 * @in_guest: between the last look at the APIC and the exit (see kmod/irq.c).
 * @run_cpu: the CPU it runs on while @in_guest.
 * @irq_window: an interrupt-window exit is requested.
 * @fast_streak: exits mv_handle_exit_fast() handled in a row.
 * @arch: the backend's per-vCPU data.
 */
struct mv_vcpu {
	struct mv_vm *vm;
	int id;
	struct mutex lock;
	struct mv_run *run;
	struct mv_regs regs;
	int cpu;
	enum mv_pending pending;
	u8 pending_reg;
	u8 pending_len;
	u8 pending_dst;
	u8 pending_split;
	u64 pending_gpa[2];
	bool shut_down;
	u64 guest_xcr0;
	u64 pat;
	void *fpu;
	struct mv_vcpu_stats stats;
	struct mv_lapic *apic;
	u32 mp_state;
	wait_queue_head_t wq;
	bool in_guest;
	int run_cpu;
	bool irq_window;
	unsigned int fast_streak;
	void *arch;
};

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
 * @hw_setup: optional; allocate what the backend needs for all VMs, after
 *	@probe and before any CPU is enabled. May sleep.
 * @hw_unsetup: optional; undo @hw_setup after every CPU is disabled.
 * @npt_format: the nested page table encoding the backend uses.
 * @vm_init: set up @vm->arch once the nested table exists. May sleep.
 * @vm_destroy: undo @vm_init, after every vCPU is freed; make sure no CPU
 *	keeps translations tagged for this VM (INVEPT / ASID flush).
 * @vcpu_create: allocate @vcpu->arch (VMCS / VMCB) and put the vCPU in its
 *	RESET state (real mode, CS:IP f000:fff0). May sleep.
 * @vcpu_free: undo @vcpu_create (VMCLEAR on the CPU that holds the VMCS).
 * @vcpu_run: enter the guest and describe the exit in @exit. Called
 *	with preemption and interrupts off, on a CPU where the extension is
 *	enabled, guest FPU state loaded; @vcpu->cpu is the previous CPU (the
 *	backend migrates its state and sets it to the current one). Loads
 *	@vcpu->regs before entry and stores them after exit. An exit that
 *	mv_handle_exit_fast() handles re-enters the guest at once, without
 *	restoring host state in between; the first other exit is returned.
 *	Returns 0, or a negative errno for a host-side failure.
 * @get_sregs: read segment, descriptor-table and control registers.
 * @get_cr4: read the guest's CR4 alone (what CPUID's OSXSAVE bit mirrors),
 *	cheaper than @get_sregs; also with interrupts off, inside @vcpu_run.
 * @set_sregs: write them; the common code has validated @sregs.
 * @skip_insn: advance RIP past the exiting instruction of @len bytes (0:
 *	use the hardware's next-RIP when available), and clear the interrupt
 *	shadow. Works on @vcpu->regs.rip.
 * @inject_exception: make the next entry deliver exception @vector (with
 *	@error_code if @has_error).
 * @reset: put the vCPU in its INIT state (SDM vol. 3A "Initialization
 *	Overview", APM vol. 2 "Processor Initialization State"): real mode,
 *	CS:IP f000:fff0, segment / control / descriptor-table registers as after
 *	RESET, EFER 0; also drop any queued or re-injected event, the interrupt
 *	shadow and NMI blocking, and close an open interrupt window. The common
 *	code resets @vcpu->regs itself.
 * @irq_allowed: could an external interrupt be delivered at the next entry?
 *	RFLAGS.IF (in @vcpu->regs) set, no STI / MOV SS interrupt shadow, and no
 *	event already queued for that entry (a re-injection, an exception, an
 *	earlier @inject_irq). Called with interrupts off, just before @vcpu_run.
 * @inject_irq: queue external interrupt @vector for the next entry; only
 *	after @irq_allowed said yes. Interrupts off.
 * @set_irq_window: @on: make the guest exit with %MV_X_IRQ_WINDOW as soon as
 *	it can take an interrupt (VMX interrupt-window exiting, SVM virtual
 *	interrupt with the VINTR intercept); !@on: stop asking. Interrupts off.
 * @nmi_allowed: could an NMI be delivered at the next entry (no NMI being
 *	handled, i.e. no IRET since the last one, no shadow, no queued event)?
 * @inject_nmi: queue an NMI for the next entry; only after @nmi_allowed.
 * @get_msr: read an MSR the backend keeps in the VMCS / VMCB or switches
 *	around entry (SYSENTER_CS/ESP/EIP, STAR, LSTAR, CSTAR, SYSCALL_MASK,
 *	KERNEL_GS_BASE). 0, or -ENOENT: not one of the backend's.
 * @set_msr: write one; 0, -ENOENT (not the backend's) or -EINVAL (a value
 *	the CPU would refuse with #GP, e.g. a non-canonical address).
 */
struct mv_arch_ops {
	const char *name;
	int (*probe)(struct mv_caps *caps);
	bool (*hw_in_use)(void);
	int (*hw_enable)(struct mv_cpu *cpu);
	void (*hw_disable)(struct mv_cpu *cpu);
	void (*emergency_disable)(void);
	int (*hw_setup)(void);
	void (*hw_unsetup)(void);

	const struct mv_npt_format *npt_format;
	int (*vm_init)(struct mv_vm *vm);
	void (*vm_destroy)(struct mv_vm *vm);
	int (*vcpu_create)(struct mv_vcpu *vcpu);
	void (*vcpu_free)(struct mv_vcpu *vcpu);
	int (*vcpu_run)(struct mv_vcpu *vcpu, struct mv_exit *exit);
	void (*get_sregs)(struct mv_vcpu *vcpu, struct mv_sregs *sregs);
	u64 (*get_cr4)(struct mv_vcpu *vcpu);
	void (*set_sregs)(struct mv_vcpu *vcpu, const struct mv_sregs *sregs);
	void (*skip_insn)(struct mv_vcpu *vcpu, unsigned int len);
	void (*inject_exception)(struct mv_vcpu *vcpu, u8 vector, bool has_error,
				 u32 error_code);
	void (*reset)(struct mv_vcpu *vcpu);
	bool (*irq_allowed)(struct mv_vcpu *vcpu);
	void (*inject_irq)(struct mv_vcpu *vcpu, u8 vector);
	void (*set_irq_window)(struct mv_vcpu *vcpu, bool on);
	bool (*nmi_allowed)(struct mv_vcpu *vcpu);
	void (*inject_nmi)(struct mv_vcpu *vcpu);
	int (*get_msr)(struct mv_vcpu *vcpu, u32 msr, u64 *val);
	int (*set_msr)(struct mv_vcpu *vcpu, u32 msr, u64 val);
};

extern const struct mv_arch_ops mv_vmx_ops;
extern const struct mv_arch_ops mv_svm_ops;

/* Chosen at load; read-only afterwards. */
extern const struct mv_arch_ops *mv_arch;
extern struct mv_caps mv_caps;

unsigned int mv_nr_enabled_cpus(void);

/* Are all @len bytes at @p zero? (reserved fields of the ABI) */
static inline bool mv_zeroed(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

int mv_dev_register(void);
void mv_dev_unregister(void);

/* kmod/vm.c */
int mv_vm_create(void);
void mv_vm_put(struct mv_vm *vm);

/* kmod/vcpu.c */
int mv_vcpu_create(struct mv_vm *vm, unsigned long id);

/* kmod/exit.c: handle one exit; 1 re-enter, 0 return to userspace, <0 error */
int mv_handle_exit(struct mv_vcpu *vcpu, struct mv_exit *exit);
bool mv_handle_exit_fast(struct mv_vcpu *vcpu, struct mv_exit *exit);
void mv_host_machine_check(void);

#endif /* MINIVISOR_H */
