// SPDX-License-Identifier: GPL-2.0
/*
 * mvboot on /dev/kvm: the reference. The same platform as mvctl's Linux
 * guest: KVM_CREATE_IRQCHIP (local APIC, I/O APIC; KVM's 8259s are there
 * too but the ACPI tables declare none) and KVM_CREATE_PIT2, RAM at 0, the
 * kernel loaded by mvctl's loader (tools/mvctl/linux.c) into the same boot
 * state, which is converted from struct mv_sregs to struct kvm_sregs.
 *
 * CPUID: KVM_GET_SUPPORTED_CPUID without KVM's paravirt leaves
 * (0x40000000..0x400000ff: no kvmclock, no PV EOI, no steal time; the
 * guest finds no hypervisor it knows, as under minivisor), then, unless
 * --kvm-cpuid, the same masks minivisor applies to the host's CPUID
 * (kmod/cpuid.c), so that both guests see the same features (no MCE, no
 * PMU, no x2APIC, no topology leaves, ...) and take the same boot path.
 */
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "boot.h"

/* Where QEMU puts them: below the 16 MiB of BIOS, above the APICs. */
#define KVM_IDENTITY_MAP_ADDR	0xfeffc000ull
#define KVM_TSS_ADDR		0xfeffd000ull

#define KVM_CPUID_PV_BASE	0x40000000u
#define MSR_IA32_MISC_ENABLE	0x1a0
#define HUGE_2M			(2ull << 20)

#define BIT(n)			(1u << (n))
#define GENMASK(h, l)		((~0u >> (31 - (h))) & ~((1u << (l)) - 1))

static int kvm_open(struct bmachine *m)
{
	m->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (m->sys_fd < 0) {
		perror("mvboot: /dev/kvm");
		return -1;
	}
	if (ioctl(m->sys_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		fprintf(stderr, "mvboot: /dev/kvm: unexpected API version\n");
		return -1;
	}
	return 0;
}

static bool host_is_intel(void)
{
	unsigned int a, b, c, d;

	__cpuid(0, a, b, c, d);
	return b == 0x756e6547;		/* "Genu"ineIntel */
}

/*
 * minivisor's view of one leaf (kmod/cpuid.c, mv_cpuid()), applied to KVM's
 * supported value of it. vCPU 0, one vCPU, with the in-kernel local APIC.
 */
static void minivisor_view(struct kvm_cpuid_entry2 *e)
{
	unsigned int h[4];

	/*
	 * minivisor starts from the host's CPUID; KVM's supported one also
	 * has what KVM emulates (UMIP, x2APIC, ...): keep only the host's
	 * feature bits.
	 */
	__cpuid_count(e->function, e->index, h[0], h[1], h[2], h[3]);
	switch (e->function) {
	case 1:
	case 0x80000001:
		e->ecx &= h[2];
		e->edx &= h[3];
		break;
	case 7:
		if (e->index)
			e->eax &= h[0];
		e->ebx &= h[1];
		e->ecx &= h[2];
		e->edx &= h[3];
		break;
	case 0xd:
		if (e->index == 1)
			e->eax &= h[0];
		break;
	}

	switch (e->function) {
	case 1:
		/* DTES64 MONITOR DSCPL VMX SMX EST TM2 PDCM X2APIC OSXSAVE */
		e->ecx &= ~(BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) |
			    BIT(15) | BIT(21) | BIT(27));
		e->ecx |= BIT(24) | BIT(31);	/* TSC-deadline timer, hypervisor */
		/* MCE MCA ACPI DS TM HTT off; APIC on */
		e->edx &= ~(BIT(7) | BIT(14) | BIT(22) | BIT(21) | BIT(29) | BIT(28));
		e->edx |= BIT(9);
		e->ebx = (e->ebx & 0xffff) | (1 << 16);	/* APIC id 0, 1 logical CPU */
		break;
	case 4:
		e->eax &= ~(GENMASK(31, 26) | GENMASK(25, 14));
		break;
	case 6:
		e->eax = BIT(2);	/* ARAT only */
		e->ebx = e->ecx = e->edx = 0;
		break;
	case 5:
	case 0xa:
	case 0xb:
	case 0x1f:
	case 0x8000000a:
	case 0x8000001d:
	case 0x8000001e:
	case 0x8000001f:
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 7:
		if (e->index == 0) {
			/* SGX HLE INVPCID RTM PQM MPX PQE INTEL_PT */
			e->ebx &= ~(BIT(2) | BIT(4) | BIT(10) | BIT(11) | BIT(12) | BIT(14) |
				    BIT(15) | BIT(25));
			/* PKU OSPKE WAITPKG CET_SS LA57 RDPID SGX_LC */
			e->ecx &= ~(BIT(3) | BIT(4) | BIT(5) | BIT(7) | BIT(16) | BIT(22) |
				    BIT(30));
			/* AMX, CET_IBT, speculation-control MSRs */
			e->edx &= ~(BIT(22) | BIT(24) | BIT(25) | BIT(20) | GENMASK(31, 26));
		}
		break;
	case 0xd:
		if (e->index == 1) {
			e->eax &= ~(BIT(3) | BIT(4));	/* XSAVES, XFD */
			e->ecx = e->edx = 0;
		}
		break;
	case 0x80000001:
		/* CMP_LEGACY SVM EXTAPIC IBS SKINIT TOPOEXT; RDTSCP */
		e->ecx &= ~(BIT(1) | BIT(2) | BIT(3) | BIT(10) | BIT(12) | BIT(22));
		e->edx &= ~BIT(27);
		break;
	case 0x80000008:
		e->ecx = 0;
		e->ebx &= ~(GENMASK(19, 12) | BIT(24) | BIT(25));
		break;
	case 0x80000021:
		e->eax &= ~BIT(8);	/* AUTOIBRS */
		break;
	case 0x80000002 ... 0x80000006:
		/* brand string, L1/L2 cache and TLB: the host's, as minivisor */
		__cpuid(e->function, e->eax, e->ebx, e->ecx, e->edx);
		break;
	}
}

/*
 * Intel: leaf @leaf as the host has it (minivisor passes it through), added
 * if KVM's list lacks it. 0x15 and 0x16 say the TSC and processor
 * frequencies: without 0x16 Linux times the processor against the PIT
 * ("Fast TSC calibration using PIT", seen) where minivisor's guest reads it.
 */
static void host_leaf(struct kvm_cpuid2 *c, unsigned int leaf)
{
	struct kvm_cpuid_entry2 *e = NULL, *max = NULL;
	unsigned int h[4];

	__cpuid(0, h[0], h[1], h[2], h[3]);
	if (h[0] < leaf)
		return;
	for (unsigned int i = 0; i < c->nent; i++) {
		if (c->entries[i].function == leaf)
			e = &c->entries[i];
		if (c->entries[i].function == 0)
			max = &c->entries[i];
	}
	if (!e)
		e = &c->entries[c->nent++];
	*e = (struct kvm_cpuid_entry2){ .function = leaf };
	__cpuid_count(leaf, 0, e->eax, e->ebx, e->ecx, e->edx);
	if (max && max->eax < leaf)
		max->eax = leaf;
}

static int set_cpuid(struct bmachine *m)
{
	struct kvm_cpuid2 *c = NULL;
	unsigned int n, nent = 64;
	uint64_t xcr0 = 0;
	int err = -1;

	for (;;) {
		free(c);
		/* room for the leaves host_leaf() may add */
		c = calloc(1, sizeof(*c) + (nent + 2) * sizeof(c->entries[0]));
		if (!c)
			return -1;
		c->nent = nent;
		if (!ioctl(m->sys_fd, KVM_GET_SUPPORTED_CPUID, c))
			break;
		if (errno != E2BIG || nent >= 4096) {
			perror("mvboot: KVM_GET_SUPPORTED_CPUID");
			goto out;
		}
		nent *= 2;
	}
	n = 0;
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->entries[i];

		if ((e.function & 0xffffff00u) == KVM_CPUID_PV_BASE)
			continue;	/* KVM's paravirt leaves */
		if (e.function == 0xd && e.index == 0)
			xcr0 = e.eax | (uint64_t)e.edx << 32;
		if (m->kvm_cpuid) {
			/*
			 * What a VMM adds: the hypervisor bit (minivisor sets
			 * it too) and the TSC-deadline timer of the in-kernel
			 * local APIC (KVM_CAP_TSC_DEADLINE_TIMER), which
			 * KVM_GET_SUPPORTED_CPUID leaves out.
			 */
			if (e.function == 1)
				e.ecx |= BIT(31) | BIT(24);
		} else {
			minivisor_view(&e);
		}
		c->entries[n++] = e;
	}
	c->nent = n;
	if (!m->kvm_cpuid && host_is_intel()) {
		host_leaf(c, 0x15);
		host_leaf(c, 0x16);
	}
	if (getenv("MVBOOT_DUMP_CPUID"))
		for (unsigned int i = 0; i < c->nent; i++) {
			struct kvm_cpuid_entry2 *e = &c->entries[i];
			unsigned int h[4];

			__cpuid_count(e->function, e->index, h[0], h[1], h[2], h[3]);
			fprintf(stderr, "CPUID %08x.%u: %08x %08x %08x %08x (host %08x %08x %08x %08x)\n",
				e->function, e->index, e->eax, e->ebx, e->ecx, e->edx,
				h[0], h[1], h[2], h[3]);
		}
	if (ioctl(m->vcpu.fd, KVM_SET_CPUID2, c)) {
		perror("mvboot: KVM_SET_CPUID2");
		goto out;
	}
	/*
	 * QEMU's TCG does not seem to implement the SVM intercept of XSETBV
	 * (minivisor counts no XSETBV exits there): KVM never learns the
	 * guest's XCR0, so CPUID.(0DH,0):EBX, which KVM computes from it, keeps
	 * describing XCR0 = 1 and Linux turns XSAVE off ("XSAVE consistency
	 * problem", seen). Starting with the XCR0 Linux sets anyway makes
	 * KVM's CPUID right; minivisor's guest sees the host's, already right.
	 */
	if (xcr0) {
		struct kvm_xcrs xcrs = { .nr_xcrs = 1, .xcrs[0] = { .xcr = 0, .value = xcr0 } };

		if (ioctl(m->vcpu.fd, KVM_SET_XCRS, &xcrs)) {
			perror("mvboot: KVM_SET_XCRS");
			goto out;
		}
	}
	err = 0;
out:
	free(c);
	return err;
}

/* Anonymous memory at a 2 MiB aligned address (the slack is unmapped). */
static uint8_t *mmap_2m_aligned(uint64_t size)
{
	uint8_t *p = mmap(NULL, size + HUGE_2M, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t head;

	if (p == MAP_FAILED)
		return NULL;
	head = (HUGE_2M - ((uintptr_t)p & (HUGE_2M - 1))) & (HUGE_2M - 1);
	if (head)
		munmap(p, head);
	munmap(p + head + size, HUGE_2M - head);
	return p + head;
}

/*
 * Intel: IA32_MISC_ENABLE with fast strings on, as minivisor reads it and
 * as QEMU sets it; KVM's reset value has them off, and Linux then stops
 * using REP MOVS / STOS for memcpy and memset ("Disabled fast string
 * operations", seen).
 */
static int set_misc_enable(struct bmachine *m)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} msrs = { .hdr.nmsrs = 1, .e = { .index = MSR_IA32_MISC_ENABLE, .data = 1 } };

	if (!host_is_intel())
		return 0;
	if (ioctl(m->vcpu.fd, KVM_SET_MSRS, &msrs) != 1) {
		perror("mvboot: KVM_SET_MSRS IA32_MISC_ENABLE");
		return -1;
	}
	return 0;
}

static int kvm_create(struct bmachine *m, uint64_t mem)
{
	struct kvm_pit_config pit = { .flags = 0 };
	struct kvm_userspace_memory_region r = { .memory_size = mem };
	int size;

	m->vm.fd = ioctl(m->sys_fd, KVM_CREATE_VM, 0);
	if (m->vm.fd < 0) {
		perror("mvboot: KVM_CREATE_VM");
		return -1;
	}
	/* VMX: the real-mode TSS and the identity map for unpaged guest mode */
	if (host_is_intel() &&
	    (ioctl(m->vm.fd, KVM_SET_IDENTITY_MAP_ADDR, &(uint64_t){ KVM_IDENTITY_MAP_ADDR }) ||
	     ioctl(m->vm.fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR))) {
		perror("mvboot: KVM_SET_IDENTITY_MAP_ADDR / KVM_SET_TSS_ADDR");
		return -1;
	}
	if (ioctl(m->vm.fd, KVM_CREATE_IRQCHIP, 0)) {
		perror("mvboot: KVM_CREATE_IRQCHIP");
		return -1;
	}
	if (ioctl(m->vm.fd, KVM_CREATE_PIT2, &pit)) {
		perror("mvboot: KVM_CREATE_PIT2");
		return -1;
	}
	/*
	 * 2 MiB host pages where THP gives them, as minivisor's 2 MiB chunks.
	 * KVM maps 2 MiB in the nested page tables only where guest-physical
	 * and host-virtual addresses agree modulo 2 MiB: align, as QEMU does.
	 */
	m->vm.mem = mmap_2m_aligned(mem);
	if (!m->vm.mem) {
		perror("mvboot: mmap");
		return -1;
	}
	/* One slot at 0, as mvctl_vm_create() lays out RAM: no hole. */
	m->vm.mem_size = mem;
	m->vm.low_size = mem;
	m->vm.top = mem;
	madvise(m->vm.mem, mem, MADV_HUGEPAGE);
	r.userspace_addr = (uintptr_t)m->vm.mem;
	if (ioctl(m->vm.fd, KVM_SET_USER_MEMORY_REGION, &r)) {
		perror("mvboot: KVM_SET_USER_MEMORY_REGION");
		return -1;
	}
	m->vcpu.fd = ioctl(m->vm.fd, KVM_CREATE_VCPU, 0);
	if (m->vcpu.fd < 0) {
		perror("mvboot: KVM_CREATE_VCPU");
		return -1;
	}
	size = ioctl(m->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return -1;
	m->run_size = size;
	m->vcpu.run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->vcpu.fd, 0);
	if (m->vcpu.run == MAP_FAILED) {
		m->vcpu.run = NULL;
		perror("mvboot: mmap kvm_run");
		return -1;
	}
	return set_cpuid(m) || set_misc_enable(m) ? -1 : 0;
}

static long kvm_tsc_khz(struct bmachine *m)
{
	long khz = ioctl(m->vcpu.fd, KVM_GET_TSC_KHZ, 0);

	return khz > 0 ? khz : 0;
}

static void seg_to_kvm(struct kvm_segment *k, const struct mv_segment *s)
{
	*k = (struct kvm_segment){
		.base = s->base, .limit = s->limit, .selector = s->selector,
		.type = s->type, .present = s->present, .dpl = s->dpl, .db = s->db,
		.s = s->s, .l = s->l, .g = s->g, .avl = s->avl, .unusable = s->unusable,
	};
}

static int kvm_load(struct bmachine *m, struct mvctl_linux *l, uint64_t rsdp)
{
	struct mv_sregs s = { .cr8 = 0 };
	struct mv_regs r;
	struct kvm_sregs ks;
	struct kvm_regs kr;

	if (mvctl_linux_load_state(l, &m->vm, rsdp, &s, &r))
		return -1;
	if (ioctl(m->vcpu.fd, KVM_GET_SREGS, &ks)) {
		perror("mvboot: KVM_GET_SREGS");
		return -1;
	}
	/* KVM's RESET state keeps APIC_BASE and the interrupt bitmap */
	seg_to_kvm(&ks.cs, &s.cs);
	seg_to_kvm(&ks.ds, &s.ds);
	seg_to_kvm(&ks.es, &s.es);
	seg_to_kvm(&ks.fs, &s.fs);
	seg_to_kvm(&ks.gs, &s.gs);
	seg_to_kvm(&ks.ss, &s.ss);
	seg_to_kvm(&ks.tr, &s.tr);
	seg_to_kvm(&ks.ldt, &s.ldt);
	ks.gdt = (struct kvm_dtable){ .base = s.gdt.base, .limit = s.gdt.limit };
	ks.idt = (struct kvm_dtable){ .base = s.idt.base, .limit = s.idt.limit };
	ks.cr0 = s.cr0;
	ks.cr2 = s.cr2;
	ks.cr3 = s.cr3;
	ks.cr4 = s.cr4;
	ks.cr8 = s.cr8;
	ks.efer = s.efer;
	if (ioctl(m->vcpu.fd, KVM_SET_SREGS, &ks)) {
		perror("mvboot: KVM_SET_SREGS");
		return -1;
	}
	kr = (struct kvm_regs){
		.rax = r.rax, .rbx = r.rbx, .rcx = r.rcx, .rdx = r.rdx,
		.rsi = r.rsi, .rdi = r.rdi, .rsp = r.rsp, .rbp = r.rbp,
		.r8 = r.r8, .r9 = r.r9, .r10 = r.r10, .r11 = r.r11,
		.r12 = r.r12, .r13 = r.r13, .r14 = r.r14, .r15 = r.r15,
		.rip = r.rip, .rflags = r.rflags,
	};
	if (ioctl(m->vcpu.fd, KVM_SET_REGS, &kr)) {
		perror("mvboot: KVM_SET_REGS");
		return -1;
	}
	return 0;
}

static int kvm_run(struct bmachine *m, struct bx *x)
{
	struct kvm_run *run = (struct kvm_run *)m->vcpu.run;

	memset(x, 0, sizeof(*x));
	if (ioctl(m->vcpu.fd, KVM_RUN, 0)) {
		if (errno == EINTR || errno == EAGAIN) {
			run->immediate_exit = 0;
			x->kind = BX_INTR;
			return 0;
		}
		snprintf(x->what, sizeof(x->what), "KVM_RUN: %s", strerror(errno));
		x->kind = BX_ERROR;
		return 0;
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		x->kind = BX_IO;
		x->port = run->io.port;
		x->in = run->io.direction == KVM_EXIT_IO_IN;
		x->size = run->io.size;
		x->count = run->io.count;
		x->data = (uint8_t *)run + run->io.data_offset;
		break;
	case KVM_EXIT_MMIO:
		x->kind = BX_MMIO;
		x->addr = run->mmio.phys_addr;
		x->len = run->mmio.len;
		x->write = run->mmio.is_write;
		x->data = run->mmio.data;
		break;
	case KVM_EXIT_HLT:
		x->kind = BX_HLT;
		break;
	case KVM_EXIT_INTR:
		x->kind = BX_INTR;
		break;
	case KVM_EXIT_SHUTDOWN:
		x->kind = BX_SHUTDOWN;
		snprintf(x->what, sizeof(x->what), "triple fault");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		x->kind = BX_ERROR;
		snprintf(x->what, sizeof(x->what), "VM entry failed: reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		x->kind = BX_ERROR;
		snprintf(x->what, sizeof(x->what), "KVM internal error %u",
			 run->internal.suberror);
		break;
	default:
		x->kind = BX_ERROR;
		snprintf(x->what, sizeof(x->what), "KVM exit %u", run->exit_reason);
		break;
	}
	return 0;
}

static int kvm_irq_line(struct bmachine *m, unsigned int gsi, bool level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return ioctl(m->vm.fd, KVM_IRQ_LINE, &irq);
}

static void kvm_kick(struct bmachine *m)
{
	struct kvm_run *run = (struct kvm_run *)m->vcpu.run;

	if (run)
		__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

/*
 * KVM's exit counters, from debugfs (/sys/kernel/debug/kvm/PID-FD/), which
 * the rig mounts: vCPU statistics are summed there over the VM's vCPUs.
 */
static void kvm_stats(struct bmachine *m, FILE *f, const char *name)
{
	static const char *const names[] = {
		"exits", "io_exits", "mmio_exits", "irq_exits", "halt_exits",
		"irq_window_exits", "nmi_window_exits", "request_irq_exits",
		"signal_exits", "insn_emulation", "irq_injections", "pf_taken",
		"halt_wakeup", "tlb_flush",
	};
	char path[128], buf[64];

	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		FILE *s;

		snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/%s", getpid(),
			 m->vm.fd, names[i]);
		s = fopen(path, "r");
		if (!s)
			continue;
		if (fgets(buf, sizeof(buf), s))
			fprintf(f, "INFO,%s,%s,%s", name, names[i], buf);
		fclose(s);
	}
}

static void kvm_destroy(struct bmachine *m)
{
	if (m->vcpu.run)
		munmap(m->vcpu.run, m->run_size);
	if (m->vcpu.fd >= 0)
		close(m->vcpu.fd);
	if (m->vm.mem)
		munmap(m->vm.mem, m->vm.top);
	if (m->vm.fd >= 0)
		close(m->vm.fd);
	if (m->sys_fd >= 0)
		close(m->sys_fd);
	m->vcpu.run = NULL;
	m->vm.mem = NULL;
	m->vcpu.fd = m->vm.fd = m->sys_fd = -1;
}

const struct boot_backend boot_kvm = {
	.name = "kvm", .open = kvm_open, .create = kvm_create, .tsc_khz = kvm_tsc_khz,
	.load = kvm_load, .run = kvm_run, .irq_line = kvm_irq_line, .kick = kvm_kick,
	.stats = kvm_stats, .destroy = kvm_destroy,
};
