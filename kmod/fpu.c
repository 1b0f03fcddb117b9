// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: the guest's FPU/SSE/AVX state, kept apart from the host's.
 *
 * Around each entry the loop takes the FPU from the kernel
 * (kernel_fpu_begin() saves the task's user state, which comes back on the
 * way to userspace), loads the guest's XSAVE image, and saves it again
 * after the exit. XSAVE/XRSTOR run under the host's XCR0, which covers every
 * feature the guest may enable, and name only those features (so the host
 * process's PKRU is never touched); the guest's own XCR0 is live only while it
 * runs (SDM vol. 1 "Managing State Using the XSAVE Feature Set").
 * A host kernel without XSAVE (Bochs' CPU models, "noxsave") gets
 * FXSAVE/FXRSTOR of the x87 and SSE state, and the guest sees no XSAVE.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>

#include "minivisor.h"
#include "vcpu.h"

static unsigned int mv_fpu_size;
static u64 mv_host_xcr0;
static bool mv_use_xsave;

/* Legacy area: FCW at 0, MXCSR at 24 (SDM vol. 1 "FXSAVE" layout). */
#define FXSAVE_FCW	0
#define FXSAVE_MXCSR	24

/**
 * mv_fpu_setup() - learn how to save guest FPU state: the XSAVE area size,
 * or FXSAVE's 512 bytes on a host without XSAVE.
 *
 * Return: 0 or -EOPNOTSUPP (no FXSR either).
 */
int mv_fpu_setup(void)
{
	u32 eax, ebx, ecx, edx;

	mv_use_xsave = boot_cpu_has(X86_FEATURE_XSAVE) &&
		       (native_read_cr4() & X86_CR4_OSXSAVE);
	if (!mv_use_xsave) {
		if (!boot_cpu_has(X86_FEATURE_FXSR))
			return -EOPNOTSUPP;
		mv_host_xcr0 = 0;
		mv_fpu_size = 512;
		return 0;
	}
	mv_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	/* CPUID.(EAX=0DH,ECX=0):EBX: size for the features enabled in XCR0 */
	cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
	mv_fpu_size = ebx;
	return 0;
}

/*
 * What the guest may put in XCR0: x87, SSE, AVX and AVX-512, where the host
 * has them; 0 when the host has no XSAVE (the guest is not offered it). Not
 * PKRU (its register is the host process's; the guest sees no PKU), not AMX
 * (it needs XFD handling), not MPX or supervisor states.
 */
u64 mv_fpu_supported_xcr0(void)
{
	return mv_host_xcr0 & (XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM |
			       XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 |
			       XFEATURE_MASK_Hi16_ZMM);
}

void *mv_fpu_alloc(void)
{
	void *fpu = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO,
					     get_order(mv_fpu_size));

	if (!fpu)
		return NULL;
	/* XSTATE_BV = 0: x87 and SSE start in their init state; MXCSR is
	 * always loaded from memory, so give it its reset value.
	 */
	*(u16 *)(fpu + FXSAVE_FCW) = 0x37f;
	*(u32 *)(fpu + FXSAVE_MXCSR) = 0x1f80;
	return fpu;
}

void mv_fpu_free(void *fpu)
{
	if (fpu)
		free_pages((unsigned long)fpu, get_order(mv_fpu_size));
}

static void mv_xrstor(void *area, u64 mask)
{
	asm volatile("xrstor64 %[area]"
		     : : [area] "m" (*(u8 *)area), "a" ((u32)mask), "d" ((u32)(mask >> 32))
		     : "memory");
}

static void mv_xsave(void *area, u64 mask)
{
	asm volatile("xsave64 %[area]"
		     : [area] "+m" (*(u8 *)area) : "a" ((u32)mask), "d" ((u32)(mask >> 32))
		     : "memory");
}

/**
 * mv_fpu_load_guest() - make the guest's FPU state and XCR0 live.
 * @vcpu: the vCPU. Preemption is off.
 */
void mv_fpu_load_guest(struct mv_vcpu *vcpu)
{
	kernel_fpu_begin();
	if (!mv_use_xsave) {
		asm volatile("fxrstor64 %0" : : "m" (*(u8 *)vcpu->fpu) : "memory");
		return;
	}
	mv_xrstor(vcpu->fpu, mv_fpu_supported_xcr0());
	if (vcpu->guest_xcr0 != mv_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->guest_xcr0);
}

/**
 * mv_fpu_sync_xcr0() - read the guest's XCR0 back while it is live (from
 * mv_fpu_load_guest() to mv_fpu_put_guest(); VM exits do not switch XCR0).
 * XSETBV exits normally keep @vcpu->guest_xcr0 right, but an emulator that
 * lets the guest's XSETBV through (QEMU's TCG under SVM does) changes the
 * live register behind minivisor's back.
 * @vcpu: the vCPU. Preemption is off, its FPU state loaded.
 */
void mv_fpu_sync_xcr0(struct mv_vcpu *vcpu)
{
	if (mv_use_xsave)
		vcpu->guest_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
}

/**
 * mv_fpu_xsave_size() - bytes of an XSAVE area for the state components in
 * @xcr0 (SDM vol. 1 "XSAVE-Supported Features and State-Component Bitmaps"):
 * the legacy area and header, then each component at its offset, or packed
 * in order (64-byte aligned where CPUID.(0DH,i):ECX[1] says) if @compacted.
 * @xcr0: state components, within mv_fpu_supported_xcr0().
 * @compacted: the size for XSAVEC / XSAVES rather than XSAVE.
 *
 * Return: the size, whatever XCR0 is live on this CPU.
 */
u32 mv_fpu_xsave_size(u64 xcr0, bool compacted)
{
	u32 size = 512 + 64, eax, ebx, ecx, edx;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		if (!compacted) {
			size = max(size, ebx + eax);
			continue;
		}
		if (ecx & BIT(1))
			size = ALIGN(size, 64);
		size += eax;
	}
	return size;
}

/**
 * mv_fpu_put_guest() - save the guest's FPU state, give the FPU back.
 * @vcpu: the vCPU. Preemption is off.
 */
void mv_fpu_put_guest(struct mv_vcpu *vcpu)
{
	if (!mv_use_xsave) {
		asm volatile("fxsave64 %0" : "+m" (*(u8 *)vcpu->fpu) : : "memory");
		kernel_fpu_end();
		return;
	}
	mv_fpu_sync_xcr0(vcpu);
	if (vcpu->guest_xcr0 != mv_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, mv_host_xcr0);
	mv_xsave(vcpu->fpu, mv_fpu_supported_xcr0());
	kernel_fpu_end();
}
