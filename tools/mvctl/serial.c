// SPDX-License-Identifier: GPL-2.0
/*
 * COM1: a 16550A UART at ports 0x3f8..0x3ff, enough of one that Linux's
 * 8250 driver detects a 16550A, passes its THRE test and runs a console
 * on it with interrupts.
 *
 * Transmission is instantaneous: a byte written to THR goes straight to
 * the output file descriptor, so THR and the transmitter are always empty
 * again (LSR.THRE = LSR.TEMT = 1). Received bytes wait in a 16-byte FIFO
 * (1 byte with the FIFOs off, as a 16450) until the guest reads them.
 *
 * Interrupt identification, highest priority first (IIR bits 3-1):
 *   011  receiver line status   LSR.OE (overrun, loopback only)   IER bit 2
 *   010  received data          at least the trigger level queued  IER bit 0
 *   110  character timeout      data below the trigger level       IER bit 0
 *   001  THR empty              set when THR empties or IER.THRI   IER bit 1
 *                               goes 0 -> 1, cleared by reading IIR
 *                               (while reported) or writing THR
 *   000  modem status           MSR delta bits                     IER bit 3
 * The IRQ output is "an interrupt is pending" gated by MCR.OUT2, as on a
 * PC's serial card. With no time passing on the line, the character
 * timeout is reported at once rather than four character times later.
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

#define UART_IER_RDI	0x01	/* received data available */
#define UART_IER_THRI	0x02	/* THR empty */
#define UART_IER_RLSI	0x04	/* receiver line status */
#define UART_IER_MSI	0x08	/* modem status */

#define UART_IIR_NO_INT	0x01
#define UART_IIR_MSI	0x00
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_RLSI	0x06
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_FIFO	0xc0	/* FIFOs enabled (16550A) */

#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLR_RX	0x02
#define UART_FCR_CLR_TX	0x04
#define UART_FCR_KEEP	0xc9	/* enable, DMA mode, trigger level */

#define UART_LCR_DLAB	0x80

#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10

#define UART_LSR_DR	0x01	/* data ready */
#define UART_LSR_OE	0x02	/* overrun error */
#define UART_LSR_THRE	0x20	/* transmit holding register empty */
#define UART_LSR_TEMT	0x40	/* transmitter empty */

#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_RI	0x40
#define UART_MSR_DCD	0x80
#define UART_MSR_TERI	0x04	/* trailing edge of RI */
/* A cable with someone at the other end: DCD, DSR, CTS. */
#define UART_MSR_IDLE	(UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

static const unsigned int rx_trigger[4] = { 1, 4, 8, 14 };

static bool fifo_on(const struct mvctl_serial *s)
{
	return s->fcr & UART_FCR_ENABLE;
}

static unsigned int rx_capacity(const struct mvctl_serial *s)
{
	return fifo_on(s) ? MVCTL_SERIAL_FIFO : 1;
}

/* Which interrupt IIR reports now (without the FIFO bits). */
static uint8_t serial_iid(const struct mvctl_serial *s)
{
	if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_OE))
		return UART_IIR_RLSI;
	if ((s->ier & UART_IER_RDI) && s->rx_count) {
		if (fifo_on(s) && s->rx_count < rx_trigger[s->fcr >> 6])
			return UART_IIR_TIMEOUT;
		return UART_IIR_RDI;
	}
	if ((s->ier & UART_IER_THRI) && s->thr_ipending)
		return UART_IIR_THRI;
	if ((s->ier & UART_IER_MSI) && s->msr_delta)
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static void serial_update_irq(struct mvctl_serial *s)
{
	bool level = serial_iid(s) != UART_IIR_NO_INT && (s->mcr & UART_MCR_OUT2);

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	if (s->set_irq)
		s->set_irq(s->opaque, level);
}

/* The modem status inputs: a quiet cable, or in loopback the MCR outputs. */
static uint8_t msr_inputs(const struct mvctl_serial *s)
{
	uint8_t m = s->mcr, v = 0;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_IDLE;
	if (m & UART_MCR_DTR)
		v |= UART_MSR_DSR;
	if (m & UART_MCR_RTS)
		v |= UART_MSR_CTS;
	if (m & UART_MCR_OUT1)
		v |= UART_MSR_RI;
	if (m & UART_MCR_OUT2)
		v |= UART_MSR_DCD;
	return v;
}

/* Record the delta bits for a change of the modem status inputs. */
static void msr_changed(struct mvctl_serial *s)
{
	uint8_t now = msr_inputs(s), diff = now ^ s->msr_lines;

	if (diff & UART_MSR_CTS)
		s->msr_delta |= 0x01;
	if (diff & UART_MSR_DSR)
		s->msr_delta |= 0x02;
	if ((diff & UART_MSR_RI) && !(now & UART_MSR_RI))
		s->msr_delta |= UART_MSR_TERI;
	if (diff & UART_MSR_DCD)
		s->msr_delta |= 0x08;
	s->msr_lines = now;
}

void mvctl_serial_init(struct mvctl_serial *s, int out_fd)
{
	*s = (struct mvctl_serial) {
		.out_fd = out_fd,
		.lsr = UART_LSR_THRE | UART_LSR_TEMT,
		.lcr = 0x03,	/* 8N1 */
		.dll = 0x01,	/* 115200 baud */
		.mcr = UART_MCR_OUT2,
	};
	s->msr_lines = msr_inputs(s);
}

bool mvctl_serial_can_receive(const struct mvctl_serial *s)
{
	return s->rx_count < rx_capacity(s);
}

static void rx_push(struct mvctl_serial *s, uint8_t c)
{
	if (!mvctl_serial_can_receive(s)) {
		s->lsr |= UART_LSR_OE;	/* the byte is lost */
		return;
	}
	s->rx[(s->rx_head + s->rx_count) % MVCTL_SERIAL_FIFO] = c;
	s->rx_count++;
	s->lsr |= UART_LSR_DR;
}

static void rx_clear(struct mvctl_serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
	s->lsr &= ~UART_LSR_DR;
	if (s->rx_space)
		s->rx_space(s->opaque);
}

void mvctl_serial_receive(struct mvctl_serial *s, uint8_t c)
{
	/* In loopback mode the receiver listens to the transmitter only. */
	if (s->mcr & UART_MCR_LOOP)
		return;
	rx_push(s, c);
	serial_update_irq(s);
}

static void serial_transmit(struct mvctl_serial *s, uint8_t c)
{
	ssize_t n;

	if (s->mcr & UART_MCR_LOOP) {
		rx_push(s, c);
		return;
	}
	s->transmitted++;
	if (s->out_fd < 0)
		return;
	do {
		n = write(s->out_fd, &c, 1);
	} while (n < 0 && errno == EINTR);
}

static uint8_t serial_read(struct mvctl_serial *s, unsigned int reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			return s->dll;
		if (!s->rx_count)
			return 0;
		v = s->rx[s->rx_head];
		s->rx_head = (s->rx_head + 1) % MVCTL_SERIAL_FIFO;
		if (--s->rx_count == 0)
			s->lsr &= ~UART_LSR_DR;
		if (s->rx_space)
			s->rx_space(s->opaque);
		return v;
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR_FCR:
		v = serial_iid(s);
		if (v == UART_IIR_THRI)
			s->thr_ipending = false;
		return v | (fifo_on(s) ? UART_IIR_FIFO : 0);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		v = s->lsr;
		s->lsr &= ~UART_LSR_OE;		/* error bits clear on read */
		return v;
	case UART_MSR:
		v = s->msr_lines | s->msr_delta;
		s->msr_delta = 0;
		return v;
	default:
		return s->scr;
	}
}

static void serial_write(struct mvctl_serial *s, unsigned int reg, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t old;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab) {
			s->dll = v;
			break;
		}
		s->thr_ipending = false;
		serial_transmit(s, v);
		/* ... and THR is empty again at once. */
		s->thr_ipending = true;
		break;
	case UART_IER:
		if (dlab) {
			s->dlm = v;
			break;
		}
		old = s->ier;
		s->ier = v & 0x0f;
		/*
		 * Enabling the THRE interrupt while THR is empty raises it,
		 * even if it was acknowledged before (Linux's THRE test).
		 */
		if ((s->ier ^ old) & UART_IER_THRI)
			s->thr_ipending = (s->ier & UART_IER_THRI) &&
					  (s->lsr & UART_LSR_THRE);
		break;
	case UART_IIR_FCR:
		if ((v ^ s->fcr) & UART_FCR_ENABLE)
			rx_clear(s);		/* switching FIFOs resets them */
		else if (v & UART_FCR_CLR_RX)
			rx_clear(s);
		s->fcr = v & UART_FCR_KEEP;
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		msr_changed(s);
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
	serial_update_irq(s);
	return true;
}
