#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the emulated machine (tools/bench/run puts it in /data):
# every scenario under minivisor (loaded by the rig), then, with minivisor
# unloaded, under KVM from the same kernel image.
#
# linux-boot: mvboot boots this machine's own kernel (/guests/vmlinuz) with
# the Linux guest's initramfs (/guests/linux-initrd.gz) to "Run /init as
# init process", once per backend (the table's figures), plus runs reported
# beside the table: mvctl itself on minivisor ("mvctl"), KVM with KVM's own
# CPUID instead of minivisor's view ("kvm-own-cpuid") and, where KVM's iTLB
# multihit mitigation is on, KVM without it ("kvm-nx-huge-off"). The
# consoles go to the log as BOOTLOG lines for tools/bench/run to compare.
# BENCH_SKIP_EXITS=1 skips mvbench (linux-boot only).
boot() {
	./mvboot --kernel /guests/vmlinuz --initrd /guests/linux-initrd.gz "$@"
}

sed "s/^/INFO,host,thp,/" /sys/kernel/mm/transparent_hugepage/enabled
if [ "${BENCH_SKIP_EXITS:-0}" != 1 ]; then
	./mvbench --backend minivisor --image bench-guest.bin || echo "BENCH-FAILED minivisor"
fi
boot --backend minivisor --log boot-minivisor.log || echo "BENCH-FAILED mvboot minivisor"
boot --mvctl "$(command -v mvctl)" --log boot-mvctl.log || echo "BENCH-FAILED mvboot mvctl"
rmmod minivisor || echo "BENCH-FAILED rmmod"
modprobe kvm_amd 2>/dev/null || modprobe kvm_intel || echo "BENCH-FAILED modprobe kvm"
if [ "${BENCH_SKIP_EXITS:-0}" != 1 ]; then
	./mvbench --backend kvm --image bench-guest.bin || echo "BENCH-FAILED kvm"
fi
boot --backend kvm --log boot-kvm.log || echo "BENCH-FAILED mvboot kvm"
boot --backend kvm --kvm-cpuid --name kvm-own-cpuid --log boot-kvm-own-cpuid.log ||
	echo "BENCH-FAILED mvboot kvm --kvm-cpuid"
# KVM's iTLB multihit mitigation (on for CPUs without PSCHANGE_MC_NO, Bochs'
# Skylake among them) maps guest huge pages non-executable and splits them
# when the guest runs code there; minivisor has no such mitigation.
nx=/sys/module/kvm/parameters/nx_huge_pages
sed "s/^/INFO,host,itlb_multihit,/" /sys/devices/system/cpu/vulnerabilities/itlb_multihit
sed "s/^/INFO,host,kvm.nx_huge_pages,/" "$nx"
if [ "$(cat "$nx")" = Y ]; then
	echo off >"$nx"
	boot --backend kvm --name kvm-nx-huge-off --log boot-kvm-nx-huge-off.log ||
		echo "BENCH-FAILED mvboot kvm with nx_huge_pages=off"
fi
for b in minivisor mvctl kvm kvm-own-cpuid kvm-nx-huge-off; do
	[ -f "boot-$b.log" ] && sed "s/^/BOOTLOG,$b,/" "boot-$b.log"
done
exit 0
