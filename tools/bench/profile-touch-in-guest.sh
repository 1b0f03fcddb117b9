#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the emulated machine for tools/bench/profile-touch: the
# touch-512m-2m scenario under minivisor, then under KVM, plain and traced.
T=/sys/kernel/tracing
B=touch-512m-2m

# graph FUNCTION DEPTH COMMAND...: trace FUNCTION's calls to DEPTH while
# COMMAND runs; print its 20th call that took more than 100 us (ftrace marks
# those '!'): a 2 MiB fault well inside the run, not a small allocation.
graph() {
	fn=$1
	depth=$2
	shift 2
	echo "INFO,graph $fn depth $depth"
	echo 0 >$T/tracing_on
	echo function_graph >$T/current_tracer
	echo "$fn" >$T/set_graph_function
	echo "$depth" >$T/max_graph_depth
	echo 20000 >$T/buffer_size_kb
	echo >$T/trace
	echo 1 >$T/tracing_on
	"$@" | sed 's/^BENCH,/INFO,traced /'
	echo 0 >$T/tracing_on
	awk -v fn="$fn" '
		/\|  [^ }]/ && index($0, fn) { buf = ""; in_call = 1 }
		in_call { buf = buf $0 "\n" }
		in_call && /\|  }/ { in_call = 0; if (index($0, "!") && ++n == 20) { printf "%s", buf; exit } }
	' $T/trace | head -40 | sed 's/^/GRAPH,/'
	echo nop >$T/current_tracer
}

sed 's/^/INFO,transparent_hugepage: /' /sys/kernel/mm/transparent_hugepage/enabled
grep -o 'init_on_alloc=[01]' /proc/cmdline | sed 's/^/INFO,/'
touch_run() { ./mvbench --backend "$1" --image bench-guest.bin --only $B; }
touch_run minivisor
graph mv_mem_map_gpa 2 touch_run minivisor
graph mv_mem_page 3 touch_run minivisor
graph __alloc_pages 3 touch_run minivisor
rmmod minivisor
modprobe kvm_amd 2>/dev/null || modprobe kvm_intel
touch_run kvm
graph do_huge_pmd_anonymous_page 2 touch_run kvm
graph __alloc_pages 3 touch_run kvm
exit 0
