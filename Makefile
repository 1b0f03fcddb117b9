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
#                     build/selftests, build/guests
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
KMOD_OUT := $(BUILD)/kmod/$(KVER)

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

.PHONY: all kmod user mvctl selftests demo check clean

all: kmod mvctl

# kbuild writes its objects next to the sources, so each kernel gets its own
# copy of the tree under build/kmod/KVER (cp -u keeps rebuilds incremental).
kmod:
	@test -d $(KDIR) || { echo "no kernel headers in $(KDIR): install linux-headers-$(KVER) (tools/setup-host does)" >&2; exit 1; }
	@mkdir -p $(KMOD_OUT)
	@cp -ru $(TOP)/Kbuild $(TOP)/kmod $(TOP)/uapi $(KMOD_OUT)/
	$(MAKE) -C $(KDIR) M=$(KMOD_OUT) $(KBUILD_FLAGS) modules

mvctl: $(BUILD)/bin/mvctl

$(BUILD)/bin/mvctl: $(MVCTL_SRCS) $(MVCTL_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) -o $@ $(MVCTL_SRCS)

selftests: $(TEST_BINS) $(BUILD)/selftests/run_all

$(KSFT_DIR)/kselftest_harness.h:
	$(TOP)/tools/setup-host

$(BUILD)/selftests/%: $(TOP)/selftests/minivisor/%.c $(TEST_HDRS) $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -I$(KSFT_DIR) -o $@ $<

$(BUILD)/selftests/run_all: $(TOP)/selftests/minivisor/run_all.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

user: mvctl selftests
	@mkdir -p $(BUILD)/guests

demo:
	$(TOP)/tools/nested-run --machine qemu-svm --kernel 6.1 -- mvctl info

check:
	$(TOP)/tools/check

clean:
	rm -rf $(BUILD)
