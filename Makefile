# SPDX-License-Identifier: GPL-2.0
#
# minivisor top-level Makefile.
#
#   make              minivisor.ko for KVER (default: the running kernel if its
#                     headers are installed, else Debian's 6.1) and mvctl
#   make demo         boot the emulated machine and run the demo inside it
#   make check        every check and every test (what CI runs)
#   make kmod KVER=V  the module for one kernel: build/kmod/V/minivisor.ko
#   make user         static userspace for the emulated machines: build/bin,
#                     build/selftests, build/guests (with linux-initrd.gz)
#   make linux-guest  build/guests/linux-initrd.gz: the Linux guest's initramfs
#   make bench        minivisor next to KVM in both emulated machines
#                     (tools/bench, docs/benchmarks.md); bench-profile: where
#                     a CPUID exit's instructions go on Bochs-VMX;
#                     bench-profile-touch: a 2 MiB first touch's, on QEMU-SVM
#   make clean
#
# Build output goes to build/, downloads to .cache/ (both ignored by git).

TOP	:= $(CURDIR)
BUILD	:= $(TOP)/build

# The kernel to build against. Debian's headers live in /usr/src and
# /lib/modules/V/build points there.
KVER ?= $(shell v=$$(uname -r); \
	   if [ -d /lib/modules/$$v/build ]; then echo $$v; \
	   else bash -c '. $(TOP)/tools/lib/common.sh; . $(TOP)/tools/lib/kernels.sh; mv_kernel_version 6.1'; fi)
KDIR ?= /lib/modules/$(KVER)/build
KMOD_OUT = $(BUILD)/kmod/$(KVER)

# Extra kbuild flags, e.g. KBUILD_FLAGS="W=1 C=1" (used by make check).
KBUILD_FLAGS ?=

CC	?= gcc
# USER_WERROR=-Werror (make check) turns warnings into errors.
USER_WERROR ?=
CFLAGS_USER := -O2 -g -Wall -Wextra -Werror=implicit-function-declaration \
	       $(USER_WERROR) -I$(TOP) -static
# kselftest_harness.h itself is not -Wextra clean.
CFLAGS_TEST := $(CFLAGS_USER) -Wno-unused-parameter -Wno-sign-compare
KSFT_DIR := $(TOP)/.cache/linux-source/tools/testing/selftests

MVCTL_SRCS := $(wildcard $(TOP)/tools/mvctl/*.c)
MVCTL_HDRS := $(wildcard $(TOP)/tools/mvctl/*.h) $(TOP)/uapi/minivisor.h
TEST_SRCS  := $(wildcard $(TOP)/selftests/minivisor/*_test.c)
TEST_HDRS  := $(wildcard $(TOP)/selftests/minivisor/*.h) $(TOP)/uapi/minivisor.h
TEST_BINS  := $(patsubst $(TOP)/selftests/minivisor/%.c,$(BUILD)/selftests/%,$(TEST_SRCS))
# The selftests link in mvctl's VM library.
TEST_LIB_SRCS := $(TOP)/tools/mvctl/vm.c
TEST_LIB_HDRS := $(TOP)/tools/mvctl/vm.h $(TOP)/tools/mvctl/bootinfo.h \
		 $(TOP)/tools/guests/memtest.h

# Guests (tools/guests): flat binaries for mvctl create, built with the
# host's gcc and binutils. Real mode: assembled and linked at 0x7c00.
# Protected / long mode: C on the runtime in tools/guests/lib, linked at
# 1 MiB (lib/guest.ld). Objects go to build/guests-obj, so that build/guests
# (copied into the emulated machine as /guests) holds only the images.
GUEST_SRC := $(TOP)/tools/guests
GUEST_OBJ := $(BUILD)/guests-obj
GUESTS_16 := hello16 exit42
GUESTS_32 := hello32
GUESTS_64 := hello64 memtest64 irq64
GUEST_BINS := $(patsubst %,$(BUILD)/guests/%.bin,$(GUESTS_16) $(GUESTS_32) $(GUESTS_64))
GUEST_CFLAGS := -O2 -g -Wall -Wextra $(USER_WERROR) -I$(TOP) -I$(GUEST_SRC)/lib \
		-I$(GUEST_SRC) -ffreestanding -fno-builtin -nostdlib -fno-pic -fno-pie \
		-static -mno-red-zone -fno-stack-protector -mgeneral-regs-only \
		-fno-asynchronous-unwind-tables -fcf-protection=none
GUEST_LDFLAGS := -nostdlib -static --build-id=none -z noexecstack \
		 --no-warn-rwx-segments
GUEST_HDRS := $(wildcard $(GUEST_SRC)/*.h $(GUEST_SRC)/lib/*.h) \
	      $(TOP)/tools/mvctl/bootinfo.h
GUEST_LIB_32 := $(GUEST_OBJ)/32/entry32.o $(GUEST_OBJ)/32/lib.o
GUEST_LIB_64 := $(GUEST_OBJ)/64/entry64.o $(GUEST_OBJ)/64/lib.o
# The IDT and interrupt stubs (lib/intr.c, lib/intr64.S): only for the
# guests that take interrupts.
GUEST_INTR_64 := $(GUEST_OBJ)/64/intr64.o $(GUEST_OBJ)/64/intr.o
GUESTS_64_INTR := irq64
$(patsubst %,$(BUILD)/guests/%.bin,$(GUESTS_64_INTR)): GUEST_EXTRA_64 := $(GUEST_INTR_64)
$(patsubst %,$(BUILD)/guests/%.bin,$(GUESTS_64_INTR)): $(GUEST_INTR_64)

.PHONY: all kmod user mvctl selftests guests linux-guest demo check bench bench-tools \
	bench-profile bench-profile-touch clean

all: kmod mvctl

# kbuild writes its objects next to the sources, so each kernel gets its own
# copy of the tree under build/kmod/KVER (cp -u keeps rebuilds incremental).
kmod:
	@test -d $(KDIR) || { echo "no kernel headers in $(KDIR): install linux-headers-$(KVER) (tools/setup-host does)" >&2; exit 1; }
	@mkdir -p $(KMOD_OUT)
	@cp -r --preserve=timestamps $(TOP)/Kbuild $(TOP)/kmod $(TOP)/uapi $(KMOD_OUT)/
	$(MAKE) -C $(KDIR) M=$(KMOD_OUT) $(KBUILD_FLAGS) modules

mvctl: $(BUILD)/bin/mvctl

$(BUILD)/bin/mvctl: $(MVCTL_SRCS) $(MVCTL_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) -o $@ $(MVCTL_SRCS)

selftests: $(TEST_BINS) $(BUILD)/selftests/run_all

$(KSFT_DIR)/kselftest_harness.h:
	$(TOP)/tools/setup-host

$(BUILD)/selftests/%: $(TOP)/selftests/minivisor/%.c $(TEST_HDRS) $(TEST_LIB_SRCS) \
		     $(TEST_LIB_HDRS) $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -pthread -I$(KSFT_DIR) -o $@ $< $(TEST_LIB_SRCS)

$(BUILD)/selftests/run_all: $(TOP)/selftests/minivisor/run_all.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

guests: $(GUEST_BINS)

$(BUILD)/guests/hello16.bin: $(GUEST_SRC)/hello16.S
$(BUILD)/guests/exit42.bin: $(GUEST_SRC)/hello16.S
$(BUILD)/guests/exit42.bin: GUEST_DEFS := -DEXIT_STATUS=42
$(patsubst %,$(BUILD)/guests/%.bin,$(GUESTS_16)):
	@mkdir -p $(dir $@) $(GUEST_OBJ)/16
	$(CC) -m32 -c $(GUEST_DEFS) -o $(GUEST_OBJ)/16/$(basename $(@F)).o $<
	$(LD) -m elf_i386 $(GUEST_LDFLAGS) -Ttext=0x7c00 -e _start \
		-o $(GUEST_OBJ)/16/$(basename $(@F)).elf $(GUEST_OBJ)/16/$(basename $(@F)).o
	objcopy -O binary $(GUEST_OBJ)/16/$(basename $(@F)).elf $@

$(GUEST_OBJ)/32/%.o: $(GUEST_SRC)/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) -m32 $(GUEST_CFLAGS) -c -o $@ $<
$(GUEST_OBJ)/32/%.o: $(GUEST_SRC)/lib/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) -m32 $(GUEST_CFLAGS) -c -o $@ $<
$(GUEST_OBJ)/32/%.o: $(GUEST_SRC)/lib/%.S
	@mkdir -p $(dir $@)
	$(CC) -m32 -c -o $@ $<
$(GUEST_OBJ)/64/%.o: $(GUEST_SRC)/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) -m64 $(GUEST_CFLAGS) -c -o $@ $<
$(GUEST_OBJ)/64/%.o: $(GUEST_SRC)/lib/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) -m64 $(GUEST_CFLAGS) -c -o $@ $<
$(GUEST_OBJ)/64/%.o: $(GUEST_SRC)/lib/%.S
	@mkdir -p $(dir $@)
	$(CC) -m64 -c -o $@ $<

$(patsubst %,$(BUILD)/guests/%.bin,$(GUESTS_32)): $(BUILD)/guests/%.bin: \
		$(GUEST_OBJ)/32/%.o $(GUEST_LIB_32) $(GUEST_SRC)/lib/guest.ld
	@mkdir -p $(dir $@)
	$(LD) -m elf_i386 $(GUEST_LDFLAGS) -T $(GUEST_SRC)/lib/guest.ld \
		-o $(GUEST_OBJ)/32/$*.elf $(GUEST_LIB_32) $<
	objcopy -O binary $(GUEST_OBJ)/32/$*.elf $@

$(patsubst %,$(BUILD)/guests/%.bin,$(GUESTS_64)): $(BUILD)/guests/%.bin: \
		$(GUEST_OBJ)/64/%.o $(GUEST_LIB_64) $(GUEST_SRC)/lib/guest.ld
	@mkdir -p $(dir $@)
	$(LD) -m elf_x86_64 $(GUEST_LDFLAGS) -T $(GUEST_SRC)/lib/guest.ld \
		-o $(GUEST_OBJ)/64/$*.elf $(GUEST_LIB_64) $(GUEST_EXTRA_64) $<
	objcopy -O binary $(GUEST_OBJ)/64/$*.elf $@

# The Linux guest (tools/guests/linux): busybox and an /init that prints what
# the guest sees and powers off, for Debian's own kernel booted under mvctl.
# The rig adds that kernel as /guests/vmlinuz (tools/lib/initramfs.sh).
LINUX_INITRD := $(BUILD)/guests/linux-initrd.gz

linux-guest: $(LINUX_INITRD)

$(LINUX_INITRD): $(GUEST_SRC)/linux/build-initrd $(GUEST_SRC)/linux/init
	$(GUEST_SRC)/linux/build-initrd $@

user: mvctl selftests guests linux-guest

# The demo: what this host offers, then Debian's own kernel booted under
# minivisor on two vCPUs with 512 MiB; a line typed into its console from
# the host (stdin) once its /init runs; exit counts when it powers off.
DEMO_LINE := hello from the host, typed into the guest console
demo:
	$(TOP)/tools/nested-run --machine qemu-svm --kernel 6.1 -- \
		sh -c 'mvctl info && (sleep 15; echo "$(DEMO_LINE)") | \
		mvctl create --mem 512M --cpus 2 --kernel /guests/vmlinuz \
		--initrd /guests/linux-initrd.gz --append "console=ttyS0 mv.stdin_wait=30" --stats'

# Benchmarks (tools/bench): figures next to KVM, not a test. mvbench: exit,
# memory and VM-creation costs; mvboot: a Linux boot to its first process.
BENCH_OUT := $(BUILD)/bench
BENCH_SRCS := $(addprefix $(TOP)/tools/bench/,mvbench.c backend_mv.c backend_kvm.c)

# mvboot links mvctl's Linux loader, ACPI tables and devices.
BOOT_SRCS := $(addprefix $(TOP)/tools/bench/,mvboot.c boot_mv.c boot_kvm.c) \
	     $(addprefix $(TOP)/tools/mvctl/,vm.c linux.c acpi.c serial.c rtc.c)

bench-tools: $(BENCH_OUT)/mvbench $(BENCH_OUT)/bench-guest.bin $(BENCH_OUT)/mvboot

$(BENCH_OUT)/mvbench: $(BENCH_SRCS) $(wildcard $(TOP)/tools/bench/*.h) $(TOP)/uapi/minivisor.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) -I$(TOP)/tools/bench -o $@ $(BENCH_SRCS)

$(BENCH_OUT)/mvboot: $(BOOT_SRCS) $(TOP)/tools/bench/boot.h $(MVCTL_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) -I$(TOP)/tools/bench -o $@ $(BOOT_SRCS)

$(BENCH_OUT)/bench-guest.bin: $(TOP)/tools/bench/guest.S $(TOP)/tools/bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) -m32 -c -I$(TOP)/tools/bench -o $(BENCH_OUT)/guest.o $<
	$(LD) -m elf_i386 -Ttext=0x10000 -e _start --build-id=none \
		-o $(BENCH_OUT)/guest.elf $(BENCH_OUT)/guest.o
	objcopy -O binary $(BENCH_OUT)/guest.elf $@

bench:
	$(TOP)/tools/bench/run

# Where the instructions of one CPUID round trip go, on Bochs-VMX (slow);
# where a 2 MiB first touch's go, on QEMU-SVM (ftrace, a few minutes).
bench-profile: bench-tools
	$(TOP)/tools/bench/profile-cpuid

bench-profile-touch: bench-tools
	$(TOP)/tools/bench/profile-touch

check:
	$(TOP)/tools/check

clean:
	rm -rf $(BUILD)
