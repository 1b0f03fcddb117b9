// SPDX-License-Identifier: GPL-2.0
/*
 * minivisor: the 8254 programmable interval timer (Intel 8254 datasheet) at
 * ports 40h-43h, and port 61h's timer bits.
 *
 * A Linux guest on this platform (HW-reduced ACPI, TSC-deadline APIC timer)
 * uses the PIT only to measure the TSC's frequency at boot: it gates channel
 * 2 through port 61h, loads a count, and reads the counter or polls OUT2
 * (port 61h bit 5) in a tight loop. So the counters here are a pure function
 * of the guest's TSC, which is the host TSC: count = ticks since the load at
 * 1.193182 MHz, computed from the host's tsc_khz. The guest then measures
 * exactly the TSC frequency the host measured, and no port access needs a
 * timer. Channel 0 additionally raises GSI 2 (ISA IRQ 0 behind the usual
 * interrupt source override) in modes 0, 2 and 3 with an hrtimer.
 *
 * Every read and write is one port-I/O exit handled here in the kernel:
 * calibration reads the counter thousands of times and needs each read to be
 * quick and evenly spaced, which a trip to userspace would not be.
 */
#include <linux/math64.h>
#include <asm/tsc.h>

#include "irqchip.h"

#define PIT_HZ		1193182U
#define PIT_GSI		2

#define PORT61_GATE2	BIT(0)
#define PORT61_SPEAKER	BIT(1)
#define PORT61_REFRESH	BIT(4)
#define PORT61_OUT2	BIT(5)

static u64 pit_ticks(struct mv_pit_channel *c)
{
	u64 delta = rdtsc() - c->start;

	/* delta * PIT_HZ / (tsc_khz * 1000), without overflowing */
	return div_u64(mul_u64_u32_div(delta, PIT_HZ, tsc_khz), 1000);
}

static u32 pit_reload(struct mv_pit_channel *c)
{
	return c->reload ? c->reload : 0x10000;
}

/* The counter's value now (datasheet "Mode Definitions"). */
static u16 pit_count(struct mv_pit_channel *c)
{
	u64 t;
	u32 r;

	if (!c->counting)
		return c->reload;
	t = pit_ticks(c);
	r = pit_reload(c);
	switch (c->mode) {
	case 2:
	case 3:
		/* Mode 3 counts down by two twice per period: same period, close enough. */
		return r - do_div(t, r);
	default:
		/* Modes 0, 1, 4, 5: count down once, then wrap through FFFFh. */
		return (u16)(r - t);
	}
}

static bool pit_out(struct mv_pit_channel *c)
{
	u64 t;
	u32 r;

	if (!c->counting)
		return c->mode != 0;	/* OUT goes low when a mode 0 count is loaded */
	t = pit_ticks(c);
	r = pit_reload(c);
	switch (c->mode) {
	case 0:
		return t >= r;
	case 2:
		return do_div(t, r) != r - 1;
	case 3:
		return do_div(t, r) < (r + 1) / 2;
	default:
		return t != r;
	}
}

static enum hrtimer_restart mv_pit_timer_fn(struct hrtimer *timer)
{
	struct mv_pit *pit = container_of(timer, struct mv_pit, timer);
	struct mv_pit_channel *c = &pit->ch[0];
	u64 period_ns;

	/* An edge on GSI 2: assert and deassert. */
	mv_ioapic_set_line(pit->vm, PIT_GSI, true);
	mv_ioapic_set_line(pit->vm, PIT_GSI, false);

	if (READ_ONCE(c->mode) == 0)
		return HRTIMER_NORESTART;
	period_ns = div_u64((u64)pit_reload(c) * NSEC_PER_SEC, PIT_HZ);
	hrtimer_forward_now(timer, ns_to_ktime(period_ns));
	return HRTIMER_RESTART;
}

/* Channel 0 interrupts: one at terminal count (mode 0) or one per period. */
static void pit_ch0_arm(struct mv_pit *pit)
{
	struct mv_pit_channel *c = &pit->ch[0];
	u64 ns;

	hrtimer_cancel(&pit->timer);
	if (!c->counting || (c->mode != 0 && c->mode != 2 && c->mode != 3))
		return;
	ns = div_u64((u64)pit_reload(c) * NSEC_PER_SEC, PIT_HZ);
	hrtimer_start(&pit->timer, ns_to_ktime(ns), HRTIMER_MODE_REL);
}

static void pit_start(struct mv_pit *pit, int n)
{
	struct mv_pit_channel *c = &pit->ch[n];

	c->loaded = true;
	c->counting = c->gate;
	c->start = rdtsc();
	if (n == 0)
		pit_ch0_arm(pit);
}

static void pit_set_gate2(struct mv_pit *pit, bool gate)
{
	struct mv_pit_channel *c = &pit->ch[2];
	u16 left;

	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!gate) {
		/* Counting stops and the count holds. */
		if (c->counting && (c->mode == 0 || c->mode == 4)) {
			left = pit_count(c);
			c->counting = false;
			c->reload = left;
		} else {
			c->counting = false;
		}
	} else if (c->loaded) {
		/* A rising gate (re)starts the count. */
		c->counting = true;
		c->start = rdtsc();
	}
}

static void pit_latch(struct mv_pit_channel *c)
{
	if (c->latched)
		return;		/* the first latch holds until it is read */
	c->latch = pit_count(c);
	c->latched = true;
	c->latch_reads = c->rw == 3 ? 2 : 1;
}

/* Control word at 43h: select a counter and its mode, or latch / read back. */
static void pit_control(struct mv_pit *pit, u8 val)
{
	int sc = val >> 6, rw = (val >> 4) & 3, n;
	struct mv_pit_channel *c;

	if (sc == 3) {
		/* Read-back command: bit 5 clear latches counts, bit 4 clear status. */
		for (n = 0; n < 3; n++) {
			if (!(val & BIT(n + 1)))
				continue;
			c = &pit->ch[n];
			if (!(val & BIT(5)))
				pit_latch(c);
			if (!(val & BIT(4)) && !c->status_latched) {
				c->status = (pit_out(c) << 7) | (c->rw << 4) | (c->mode << 1);
				c->status_latched = true;
			}
		}
		return;
	}
	c = &pit->ch[sc];
	if (rw == 0) {
		pit_latch(c);
		return;
	}
	c->rw = rw;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;	/* 6 and 7 are 2 and 3 */
	c->loaded = false;
	c->counting = false;
	c->latched = false;
	c->status_latched = false;
	c->write_msb = false;
	c->read_msb = false;
	if (sc == 0)
		hrtimer_cancel(&pit->timer);
}

static void pit_write_count(struct mv_pit *pit, int n, u8 val)
{
	struct mv_pit_channel *c = &pit->ch[n];

	switch (c->rw) {
	case 1:
		c->reload = val;
		break;
	case 2:
		c->reload = val << 8;
		break;
	case 3:
		if (!c->write_msb) {
			c->lsb = val;
			c->write_msb = true;
			return;		/* counting starts after the MSB */
		}
		c->reload = c->lsb | (val << 8);
		c->write_msb = false;
		break;
	default:
		return;		/* no control word yet */
	}
	pit_start(pit, n);
}

static u8 pit_read_count(struct mv_pit_channel *c)
{
	u16 v;
	u8 ret;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latched) {
		v = c->latch;
		if (c->rw == 3 && c->latch_reads == 1)
			ret = v >> 8;
		else
			ret = c->rw == 2 ? v >> 8 : v;
		if (--c->latch_reads == 0)
			c->latched = false;
		return ret;
	}
	v = pit_count(c);
	switch (c->rw) {
	case 2:
		return v >> 8;
	case 3:
		c->read_msb = !c->read_msb;
		return c->read_msb ? v : v >> 8;
	default:
		return v;
	}
}

/**
 * mv_pit_read() - IN from a PIT port.
 * @pit: the PIT.
 * @port: 40h-43h or 61h.
 *
 * Return: the byte (43h reads FFh: the control register is write-only).
 */
u8 mv_pit_read(struct mv_pit *pit, u16 port)
{
	struct mv_pit_channel *c2 = &pit->ch[2];
	u8 val = 0xff;

	mutex_lock(&pit->lock);
	if (port >= 0x40 && port <= 0x42) {
		val = pit_read_count(&pit->ch[port - 0x40]);
	} else if (port == 0x61) {
		/* The refresh bit toggles every 15 us or so; some delay loops watch it. */
		val = (c2->gate ? PORT61_GATE2 : 0) | (pit->speaker ? PORT61_SPEAKER : 0) |
		      (((ktime_get_ns() / 15085) & 1) ? PORT61_REFRESH : 0) |
		      (pit_out(c2) ? PORT61_OUT2 : 0);
	}
	mutex_unlock(&pit->lock);
	return val;
}

/**
 * mv_pit_write() - OUT to a PIT port.
 * @pit: the PIT.
 * @port: 40h-43h or 61h.
 * @val: the byte.
 */
void mv_pit_write(struct mv_pit *pit, u16 port, u8 val)
{
	mutex_lock(&pit->lock);
	if (port >= 0x40 && port <= 0x42) {
		pit_write_count(pit, port - 0x40, val);
	} else if (port == 0x43) {
		pit_control(pit, val);
	} else if (port == 0x61) {
		pit->speaker = val & PORT61_SPEAKER;
		pit_set_gate2(pit, val & PORT61_GATE2);
	}
	mutex_unlock(&pit->lock);
}

/**
 * mv_pit_init() - the PIT after RESET: no counts loaded; gates of channels 0
 * and 1 tied high, channel 2's low (port 61h bit 0).
 * @vm: its VM.
 * @pit: the PIT.
 */
void mv_pit_init(struct mv_vm *vm, struct mv_pit *pit)
{
	mutex_init(&pit->lock);
	pit->vm = vm;
	pit->ch[0].gate = true;
	pit->ch[1].gate = true;
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	pit->timer.function = mv_pit_timer_fn;
}

/**
 * mv_pit_destroy() - stop channel 0's timer.
 * @pit: the PIT.
 */
void mv_pit_destroy(struct mv_pit *pit)
{
	hrtimer_cancel(&pit->timer);
}
