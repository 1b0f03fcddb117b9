// SPDX-License-Identifier: GPL-2.0
/*
 * The console: what is typed on stdin goes to COM1's receiver, what the
 * guest transmits goes to stdout (serial.c).
 *
 * A reader thread moves stdin into the UART's receive FIFO under the
 * machine lock and waits while the FIFO is full, so nothing typed is lost
 * even when the guest reads slowly. End of file on stdin ends the reading,
 * not the VM.
 *
 * If stdin is a terminal it is put in raw mode while the VM runs (Ctrl-C
 * and Ctrl-Z go to the guest, as do line editing and echo), as QEMU's
 * -nographic does, and Ctrl-A is an escape: Ctrl-A x ends the VM, Ctrl-A
 * Ctrl-A sends one Ctrl-A. The terminal's settings come back at the end,
 * at exit() and on a fatal signal.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mvctl.h"

#define CTRL_A		0x01

/* For atexit() and the fatal-signal handler: what to restore. */
static struct termios saved_termios;
static atomic_int termios_saved;	/* lock-free: async-signal-safe */

static void restore_terminal(void)
{
	if (termios_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		termios_saved = 0;
	}
}

static void on_fatal_signal(int sig)
{
	restore_terminal();		/* tcsetattr is async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void raw_mode(struct mvctl_console *c)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGQUIT };
	static bool atexit_done;
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &c->saved))
		return;
	saved_termios = c->saved;
	termios_saved = 1;
	if (!atexit_done && !atexit(restore_terminal))
		atexit_done = true;
	for (unsigned int i = 0; i < ARRAY_SIZE(fatal); i++)
		signal(fatal[i], on_fatal_signal);

	t = c->saved;
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_oflag |= OPOST;
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
	t.c_cflag &= ~(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
		c->tty = true;
}

/* Hand one byte to the UART, waiting for room; false if the VM is ending. */
static bool feed(struct mvctl_machine *m, uint8_t byte)
{
	bool ok;

	pthread_mutex_lock(&m->lock);
	while (!m->stopping && !mvctl_serial_can_receive(&m->serial))
		pthread_cond_wait(&m->rx_space, &m->lock);
	ok = !m->stopping;
	if (ok)
		mvctl_serial_receive(&m->serial, byte);
	pthread_mutex_unlock(&m->lock);
	return ok;
}

/* Ctrl-A handling on a terminal; false once the VM is ending. */
static bool input(struct mvctl_machine *m, uint8_t byte)
{
	struct mvctl_console *c = &m->console;

	if (!c->tty)
		return feed(m, byte);
	if (!c->escape) {
		if (byte == CTRL_A) {
			c->escape = true;
			return true;
		}
		return feed(m, byte);
	}
	c->escape = false;
	if (byte == 'x' || byte == 'X') {
		fprintf(stderr, "\r\nmvctl: Ctrl-A x: quitting\r\n");
		mvctl_machine_stop(m, MVCTL_STATUS_INTERRUPTED);
		return false;
	}
	if (byte != CTRL_A && !feed(m, CTRL_A))
		return false;
	return feed(m, byte);
}

static void *console_thread(void *arg)
{
	struct mvctl_machine *m = arg;
	struct mvctl_console *c = &m->console;
	uint8_t buf[256];

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = c->stop_pipe[0], .events = POLLIN },
		};
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!pfd[0].revents)
			continue;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;		/* end of file or error: stop reading */
		for (ssize_t i = 0; i < n; i++)
			if (!input(m, buf[i]))
				return NULL;
	}
	return NULL;
}

int mvctl_console_start(struct mvctl_machine *m)
{
	struct mvctl_console *c = &m->console;
	int err;

	if (pipe(c->stop_pipe))
		return -errno;
	if (isatty(STDIN_FILENO))
		raw_mode(c);
	err = pthread_create(&c->thread, NULL, console_thread, m);
	if (err) {
		mvctl_console_stop(m);
		return -err;
	}
	c->running = true;
	return 0;
}

void mvctl_console_stop(struct mvctl_machine *m)
{
	struct mvctl_console *c = &m->console;
	ssize_t n;

	if (c->running) {
		do {
			n = write(c->stop_pipe[1], "", 1);
		} while (n < 0 && errno == EINTR);
		pthread_mutex_lock(&m->lock);
		pthread_cond_broadcast(&m->rx_space);
		pthread_mutex_unlock(&m->lock);
		pthread_join(c->thread, NULL);
		c->running = false;
	}
	if (c->tty) {
		restore_terminal();
		c->tty = false;
	}
	close(c->stop_pipe[0]);
	close(c->stop_pipe[1]);
}
