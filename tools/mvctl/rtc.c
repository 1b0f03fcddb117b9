// SPDX-License-Identifier: GPL-2.0
/*
 * The CMOS real-time clock (a Motorola MC146818 as in every PC): port 0x70
 * selects a register (bit 7 is the NMI mask), port 0x71 reads or writes it.
 *
 *   0x00 seconds  0x02 minutes  0x04 hours  0x06 day of week (1 = Sunday)
 *   0x07 day of month  0x08 month  0x09 year (two digits)  0x32 century
 *   0x01, 0x03, 0x05 alarm (stored)
 *   0x0a A: UIP (bit 7) always 0, so a reader never waits for an update
 *   0x0b B: SET (7), DM binary (2), 24-hour (1); starts as BCD, 24 h
 *   0x0c C: interrupt flags, always 0 (no RTC interrupts)
 *   0x0d D: 0x80, "valid RAM and time"
 *   everything else: 114 bytes of CMOS RAM
 *
 * The time is the host's UTC time (plus whatever the guest set): Linux
 * keeps the RTC in UTC. While B.SET is 1 the clock stands still and the
 * guest's writes to the time registers change it; clearing SET starts it
 * again from there.
 */
#include <time.h>

#include "mvctl.h"

#define RTC_SEC		0x00
#define RTC_MIN		0x02
#define RTC_HOUR	0x04
#define RTC_WDAY	0x06
#define RTC_MDAY	0x07
#define RTC_MON		0x08
#define RTC_YEAR	0x09
#define RTC_A		0x0a
#define RTC_B		0x0b
#define RTC_C		0x0c
#define RTC_D		0x0d

#define RTC_A_UIP	0x80
#define RTC_B_SET	0x80
#define RTC_B_DM_BINARY	0x04
#define RTC_B_24H	0x02
#define RTC_D_VRT	0x80
#define RTC_HOUR_PM	0x80

void mvctl_rtc_init(struct mvctl_rtc *r)
{
	*r = (struct mvctl_rtc) { 0 };
	r->cmos[RTC_A] = 0x26;		/* 32.768 kHz time base, 1024 Hz rate */
	r->cmos[RTC_B] = RTC_B_24H;
	r->cmos[RTC_D] = RTC_D_VRT;
}

static void now(const struct mvctl_rtc *r, struct mvctl_rtc_time *t)
{
	time_t secs = time(NULL) + r->offset;
	struct tm tm;

	gmtime_r(&secs, &tm);
	*t = (struct mvctl_rtc_time) {
		.sec = tm.tm_sec, .min = tm.tm_min, .hour = tm.tm_hour,
		.wday = tm.tm_wday + 1, .mday = tm.tm_mday, .mon = tm.tm_mon + 1,
		.year = tm.tm_year + 1900,
	};
}

static bool binary(const struct mvctl_rtc *r)
{
	return r->cmos[RTC_B] & RTC_B_DM_BINARY;
}

static uint8_t to_rtc(const struct mvctl_rtc *r, int v)
{
	return binary(r) ? v : ((v / 10) << 4) | (v % 10);
}

static int from_rtc(const struct mvctl_rtc *r, uint8_t v)
{
	return binary(r) ? v : (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t hour_to_rtc(const struct mvctl_rtc *r, int hour)
{
	int h12;

	if (r->cmos[RTC_B] & RTC_B_24H)
		return to_rtc(r, hour);
	h12 = hour % 12 ? hour % 12 : 12;
	return to_rtc(r, h12) | (hour >= 12 ? RTC_HOUR_PM : 0);
}

static int hour_from_rtc(const struct mvctl_rtc *r, uint8_t v)
{
	int h;

	if (r->cmos[RTC_B] & RTC_B_24H)
		return from_rtc(r, v);
	h = from_rtc(r, v & ~RTC_HOUR_PM) % 12;
	return (v & RTC_HOUR_PM) ? h + 12 : h;
}

/* Start the clock again from what the guest wrote while SET was 1. */
static void rtc_restart(struct mvctl_rtc *r)
{
	struct tm tm = {
		.tm_sec = r->frozen.sec, .tm_min = r->frozen.min,
		.tm_hour = r->frozen.hour, .tm_mday = r->frozen.mday,
		.tm_mon = r->frozen.mon - 1, .tm_year = r->frozen.year - 1900,
	};
	time_t t = timegm(&tm);

	if (t != (time_t)-1)
		r->offset = (int64_t)t - (int64_t)time(NULL);
}

static uint8_t rtc_read(struct mvctl_rtc *r)
{
	struct mvctl_rtc_time t;

	if (r->set)
		t = r->frozen;
	else
		now(r, &t);
	switch (r->index) {
	case RTC_SEC:
		return to_rtc(r, t.sec);
	case RTC_MIN:
		return to_rtc(r, t.min);
	case RTC_HOUR:
		return hour_to_rtc(r, t.hour);
	case RTC_WDAY:
		return to_rtc(r, t.wday);
	case RTC_MDAY:
		return to_rtc(r, t.mday);
	case RTC_MON:
		return to_rtc(r, t.mon);
	case RTC_YEAR:
		return to_rtc(r, t.year % 100);
	case MVCTL_RTC_CENTURY:
		return to_rtc(r, t.year / 100);
	case RTC_A:
		return r->cmos[RTC_A] & ~RTC_A_UIP;
	case RTC_C:
		return 0;
	case RTC_D:
		return RTC_D_VRT;
	default:
		return r->cmos[r->index];
	}
}

static bool is_time_reg(uint8_t index)
{
	return (index <= RTC_YEAR && index != 1 && index != 3 && index != 5) ||
	       index == MVCTL_RTC_CENTURY;
}

static void rtc_write(struct mvctl_rtc *r, uint8_t v)
{
	struct mvctl_rtc_time *t = &r->frozen;

	switch (r->index) {
	case RTC_B:
		if ((v & RTC_B_SET) && !r->set) {
			now(r, t);
			r->set = true;
		} else if (!(v & RTC_B_SET) && r->set) {
			r->set = false;
			rtc_restart(r);
		}
		r->cmos[RTC_B] = v;
		return;
	case RTC_A:
		r->cmos[RTC_A] = v & ~RTC_A_UIP;
		return;
	case RTC_C:
	case RTC_D:
		return;		/* read-only */
	}
	if (is_time_reg(r->index)) {
		if (!r->set)
			return;	/* time registers change only while SET is 1 */
		switch (r->index) {
		case RTC_SEC:
			t->sec = from_rtc(r, v);
			return;
		case RTC_MIN:
			t->min = from_rtc(r, v);
			return;
		case RTC_HOUR:
			t->hour = hour_from_rtc(r, v);
			return;
		case RTC_WDAY:
			t->wday = from_rtc(r, v);
			return;
		case RTC_MDAY:
			t->mday = from_rtc(r, v);
			return;
		case RTC_MON:
			t->mon = from_rtc(r, v);
			return;
		case RTC_YEAR:
			t->year = t->year / 100 * 100 + from_rtc(r, v);
			return;
		case MVCTL_RTC_CENTURY:
			t->year = from_rtc(r, v) * 100 + t->year % 100;
			return;
		}
	}
	r->cmos[r->index] = v;	/* alarm registers and CMOS RAM */
}

bool mvctl_rtc_io(struct mvctl_rtc *r, uint16_t port, bool in,
		  uint8_t *data, unsigned int size)
{
	if (port != MVCTL_RTC_INDEX && port != MVCTL_RTC_DATA)
		return false;
	for (unsigned int i = 0; i < size; i++) {
		unsigned int p = port + i;

		if (p == MVCTL_RTC_INDEX) {
			if (in) {
				data[i] = 0xff;	/* write-only on PCs */
			} else {
				r->index = data[i] & 0x7f;
				r->nmi_masked = data[i] & 0x80;
			}
		} else if (p == MVCTL_RTC_DATA) {
			if (in)
				data[i] = rtc_read(r);
			else
				rtc_write(r, data[i]);
		} else if (in) {
			data[i] = 0xff;
		}
	}
	return true;
}
