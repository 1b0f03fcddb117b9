#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every minivisor selftest inside the emulated machine, in order, and
# exit non-zero if any failed. tools/run-tests reads the TAP this prints;
# "# mv-binary: NAME" says which binary the following TAP belongs to.
# kernel_log_test runs last: it checks what all the others left in dmesg.
cd "$(dirname "$0")" || exit 1
status=0
for t in device_test caps_test load_test vm_test run_test mvctl_test irqchip_test \
	linux_boot_test kernel_log_test; do
	echo "# mv-binary: $t"
	if [ ! -x "./$t" ]; then
		echo "not ok 1 $t # missing"
		status=1
		continue
	fi
	"./$t" || status=1
done
exit $status
