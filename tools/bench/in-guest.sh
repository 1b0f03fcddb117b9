#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the emulated machine (tools/bench/run puts it in /data):
# every scenario under minivisor (loaded by the rig), then, with minivisor
# unloaded, under KVM from the same kernel image.
./mvbench --backend minivisor --image bench-guest.bin || echo "BENCH-FAILED minivisor"
rmmod minivisor || echo "BENCH-FAILED rmmod"
modprobe kvm_amd 2>/dev/null || modprobe kvm_intel || echo "BENCH-FAILED modprobe kvm"
./mvbench --backend kvm --image bench-guest.bin || echo "BENCH-FAILED kvm"
