/* SPDX-License-Identifier: GPL-2.0 */
/* mvbench: what the benchmark guest (guest.S) and its runner share. */
#ifndef MVBENCH_H
#define MVBENCH_H

#define MVB_LOAD	0x10000		/* image load address and entry */

/* Scenarios (EAX at entry) */
#define MVB_CPUID	1
#define MVB_VMCALL	2
#define MVB_VMMCALL	3
#define MVB_PIO		4
#define MVB_MMIO	5
#define MVB_TOUCH	6

#define MVB_PORT_BENCH	0x510
#define MVB_PORT_DONE	0xf4
#define MVB_MMIO_ADDR	0xd0000000	/* above RAM: nothing is mapped there */
/* minivisor answers it in the kernel; KVM answers any unknown number in the
 * kernel (-KVM_ENOSYS): both are in-kernel round trips.
 */
#define MVB_HC_NOP	0x4d560000

#endif /* MVBENCH_H */
