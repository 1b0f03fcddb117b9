// SPDX-License-Identifier: GPL-2.0
/*
 * COM1 as a 16550A UART at ports 0x3f8..0x3ff, output only: what the guest
 * transmits goes straight to a file descriptor, the transmitter is always
 * empty, nothing is ever received and no interrupt is ever raised.
 */
#include <errno.h>
#include <unistd.h>

#include "mvctl.h"

/* Register offsets from the base port (DLAB = LCR bit 7 selects DLL/DLM). */
#define UART_RBR_THR	0	/* receive buffer / transmit holding; DLL */
#define UART_IER	1	/* interrupt enable; DLM */
#define UART_IIR_FCR	2	/* interrupt identification / FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */
#define UART_MSR	6	/* modem status */
#define UART_SCR	7	/* scratch */

#define UART_LCR_DLAB	0x80
#define UART_MCR_LOOP	0x10
#define UART_LSR_THRE	0x20	/* transmit holding register empty */
#define UART_LSR_TEMT	0x40	/* transmitter empty */
#define UART_IIR_NO_INT	0x01
#define UART_IIR_FIFO	0xc0	/* FIFOs enabled (16550A) */
#define UART_FCR_ENABLE	0x01
#define UART_MSR_IDLE	0xb0	/* DCD, DSR, CTS: a cable with someone there */

void mvctl_serial_init(struct mvctl_serial *s, int out_fd)
{
	*s = (struct mvctl_serial) {
		.out_fd = out_fd,
		.lcr = 0x03,	/* 8N1 */
		.dll = 0x01,	/* 115200 baud */
		.mcr = 0x08,	/* OUT2 */
	};
}

static void serial_transmit(struct mvctl_serial *s, uint8_t c)
{
	ssize_t n;

	if (s->out_fd < 0)
		return;
	do {
		n = write(s->out_fd, &c, 1);
	} while (n < 0 && errno == EINTR);
	s->transmitted++;
}

static uint8_t serial_read(struct mvctl_serial *s, unsigned int reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR:
		return dlab ? s->dll : 0;
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR_FCR:
		return UART_IIR_NO_INT | ((s->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT;
	case UART_MSR:
		/* In loopback the modem inputs follow the MCR outputs. */
		if (s->mcr & UART_MCR_LOOP)
			return ((s->mcr & 0x0c) << 4) | ((s->mcr & 0x01) << 5) |
			       ((s->mcr & 0x02) << 3);
		return UART_MSR_IDLE;
	default:
		return s->scr;
	}
}

static void serial_write(struct mvctl_serial *s, unsigned int reg, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			s->dll = v;
		else if (!(s->mcr & UART_MCR_LOOP))
			serial_transmit(s, v);
		break;
	case UART_IER:
		if (dlab)
			s->dlm = v;
		else
			s->ier = v & 0x0f;
		break;
	case UART_IIR_FCR:
		s->fcr = v;
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_LSR:
	case UART_MSR:
		break;		/* read-only (factory test only) */
	default:
		s->scr = v;
		break;
	}
}

bool mvctl_serial_io(struct mvctl_serial *s, uint16_t port, bool in,
		     uint8_t *data, unsigned int size)
{
	if (port < MVCTL_SERIAL_BASE || port > MVCTL_SERIAL_BASE + 7)
		return false;
	/* A wider access covers consecutive registers, as on an ISA bus. */
	for (unsigned int i = 0; i < size; i++) {
		unsigned int reg = port - MVCTL_SERIAL_BASE + i;

		if (reg > 7) {
			if (in)
				data[i] = 0xff;
			continue;
		}
		if (in)
			data[i] = serial_read(s, reg);
		else
			serial_write(s, reg, data[i]);
	}
	return true;
}
