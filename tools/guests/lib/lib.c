// SPDX-License-Identifier: GPL-2.0
/*
 * The guest runtime: COM1 output (polling the line status register), a
 * small printf (%d %i %u %x %X %p %s %c %%, the l and ll modifiers, 0 and
 * width, -), exit through port 0xf4, and what the compiler may call on its
 * own (memset, memcpy).
 */
#include "guest.h"

#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20

void putchar(int c)
{
	while (!(inb(COM1_LSR) & LSR_THRE))
		;
	outb(COM1, c);
}

void puts(const char *s)
{
	while (*s)
		putchar(*s++);
}

void exit(int status)
{
	outl(EXIT_PORT, status);
	for (;;)
		asm volatile("hlt");
}

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* 64-bit division by 10 without libgcc (32-bit guests have no DIV for it). */
static uint64_t divmod10(uint64_t n, unsigned int *rem)
{
	uint64_t q = 0;
	uint32_t r = 0;

	for (int i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= 10) {
			r -= 10;
			q |= 1ull << i;
		}
	}
	*rem = r;
	return q;
}

struct fmt_spec {
	unsigned int width;
	char pad;
	int left;
};

static int emit(const char *s, unsigned int len, const struct fmt_spec *f)
{
	unsigned int n = 0;

	if (!f->left)
		for (; len + n < f->width; n++)
			putchar(f->pad);
	for (unsigned int i = 0; i < len; i++)
		putchar(s[i]);
	if (f->left)
		for (; len + n < f->width; n++)
			putchar(' ');
	return len + n;
}

static int emit_number(uint64_t v, unsigned int base, int neg, int upper,
		       const char *prefix, const struct fmt_spec *f)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	unsigned int i = sizeof(buf), rem, plen = strlen(prefix);
	struct fmt_spec g = *f;
	int n = 0;

	do {
		if (base == 16) {
			rem = v & 15;
			v >>= 4;
		} else {
			v = divmod10(v, &rem);
		}
		buf[--i] = digits[rem];
	} while (v);
	if (neg)
		buf[--i] = '-';
	/* Zero padding goes between the sign/prefix and the digits. */
	if (g.pad == '0' && !g.left) {
		if (neg) {
			putchar(buf[i++]);
			n++;
		}
		puts(prefix);
		n += plen;
		g.width = g.width > (unsigned int)n ? g.width - n : 0;
		return n + emit(buf + i, sizeof(buf) - i, &g);
	}
	if (plen) {
		char tmp[26];
		unsigned int len = sizeof(buf) - i;

		memcpy(tmp, prefix, plen);
		memcpy(tmp + plen, buf + i, len);
		return emit(tmp, plen + len, &g);
	}
	return emit(buf + i, sizeof(buf) - i, &g);
}

int vprintf(const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		struct fmt_spec f = { .pad = ' ' };
		int lng = 0;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			putchar(*fmt);
			n++;
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				f.pad = '0';
			else if (*fmt == '-')
				f.left = 1;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			f.width = f.width * 10 + *fmt++ - '0';
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng > 1 ? va_arg(ap, long long) :
			    lng ? va_arg(ap, long) : va_arg(ap, int);
			u = s < 0 ? -(uint64_t)s : (uint64_t)s;
			n += emit_number(u, 10, s < 0, 0, "", &f);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng > 1 ? va_arg(ap, unsigned long long) :
			    lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			n += emit_number(u, *fmt == 'u' ? 10 : 16, 0, *fmt == 'X', "", &f);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			n += emit_number(u, 16, 0, 0, "0x", &f);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			if (!str)
				str = "(null)";
			n += emit(str, strlen(str), &f);
			break;
		}
		case 'c': {
			char c = va_arg(ap, int);

			n += emit(&c, 1, &f);
			break;
		}
		case '%':
			putchar('%');
			n++;
			break;
		case '\0':
			return n;
		default:
			putchar('%');
			putchar(*fmt);
			n += 2;
			break;
		}
	}
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
