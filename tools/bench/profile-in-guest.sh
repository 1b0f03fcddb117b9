#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the emulated machine for tools/bench/profile-cpuid: the cpuid
# scenario alone, under minivisor then under KVM, after printing where each
# hypervisor's module sections are loaded (the kernel runs with nokaslr, so
# its own symbols are those of its System.map).
sections() {
	for s in /sys/module/"$1"/sections/.*; do
		printf 'PROFILE-SECTION %s %s %s\n' "$1" "${s##*/}" "$(cat "$s")"
	done
}

sections minivisor
echo "PROFILE-RUN minivisor"
./mvbench --backend minivisor --image bench-guest.bin --only cpuid || echo "PROFILE-FAILED minivisor"
rmmod minivisor || echo "PROFILE-FAILED rmmod"
modprobe kvm_amd 2>/dev/null || modprobe kvm_intel || echo "PROFILE-FAILED modprobe kvm"
for m in kvm kvm_intel kvm_amd; do
	[ -d "/sys/module/$m/sections" ] && sections "$m"
done
echo "PROFILE-RUN kvm"
./mvbench --backend kvm --image bench-guest.bin --only cpuid || echo "PROFILE-FAILED kvm"
exit 0
