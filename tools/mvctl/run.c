// SPDX-License-Identifier: GPL-2.0
/*
 * Running a VM: one thread per vCPU, each in a loop of MV_RUN and handling
 * the exit that ended it; the devices are shared under one lock.
 *
 * Whoever ends the VM (a vCPU powering off, resetting, shutting down or
 * failing, a signal to mvctl, Ctrl-A x) calls mvctl_machine_stop(): it
 * records the exit status (the first one wins), sets immediate_exit on
 * every vCPU's run page and sends each vCPU thread SIGUSR1, whose handler
 * does nothing: a vCPU inside MV_RUN (running guest code, or sleeping in
 * HLT or in wait-for-SIPI) returns -EINTR, one about to enter returns at
 * once thanks to immediate_exit. The main thread, which waits for SIGINT,
 * SIGTERM, SIGHUP and for "the VM ended" (SIGUSR2) with sigwaitinfo(),
 * then joins the threads and prints the statistics.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "mvctl.h"

/* Exit port: the guest's OUT of any size ends mvctl with that value. */
#define EXIT_PORT		0xf4
/* POST code port: writes are the classic I/O delay, ignored. */
#define POST_PORT		0x80
/* Hypercall 0: exit with the status in its first argument (RBX). */
#define HC_EXIT			0

#define SIG_KICK		SIGUSR1		/* out of MV_RUN */
#define SIG_ENDED		SIGUSR2		/* to the main thread */

static void on_kick(int sig)
{
	(void)sig;
}

static void serial_set_irq(void *opaque, bool level)
{
	struct mvctl_machine *m = opaque;
	struct mv_irq_level irq = { .gsi = MVCTL_SERIAL_GSI, .level = level };

	if (!m->irqchip)
		return;
	if (ioctl(m->vm.fd, MV_IRQ_LINE, &irq) && !m->irq_line_failed) {
		m->irq_line_failed = true;
		fprintf(stderr, "mvctl: MV_IRQ_LINE (GSI %u): %s\n", irq.gsi, strerror(errno));
	}
}

static void serial_rx_space(void *opaque)
{
	struct mvctl_machine *m = opaque;

	pthread_cond_signal(&m->rx_space);
}

void mvctl_machine_init(struct mvctl_machine *m)
{
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->rx_space, NULL);
	mvctl_serial_init(&m->serial, STDOUT_FILENO);
	m->serial.set_irq = serial_set_irq;
	m->serial.rx_space = serial_rx_space;
	m->serial.opaque = m;
	mvctl_rtc_init(&m->rtc);
	m->main_thread = pthread_self();
}

/* Called with m->lock held. */
static void machine_stop_locked(struct mvctl_machine *m, int status)
{
	if (m->stopping)
		return;
	m->stopping = true;
	m->status = status;
	for (unsigned int i = 0; i < m->nr_vcpus; i++)
		__atomic_store_n(&m->vcpus[i].run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < m->nr_threads; i++)
		if (!pthread_equal(m->threads[i], pthread_self()))
			pthread_kill(m->threads[i], SIG_KICK);
	pthread_cond_broadcast(&m->rx_space);
	if (!pthread_equal(m->main_thread, pthread_self()))
		pthread_kill(m->main_thread, SIG_ENDED);
}

void mvctl_machine_stop(struct mvctl_machine *m, int status)
{
	pthread_mutex_lock(&m->lock);
	machine_stop_locked(m, status);
	pthread_mutex_unlock(&m->lock);
}

static bool stopping(struct mvctl_machine *m)
{
	bool s;

	pthread_mutex_lock(&m->lock);
	s = m->stopping;
	pthread_mutex_unlock(&m->lock);
	return s;
}

/* "mvctl: " or, with several vCPUs, "mvctl: vCPU 1: " */
static void vcpu_msg_prefix(struct mvctl_machine *m, unsigned int id)
{
	if (m->nr_vcpus > 1)
		fprintf(stderr, "mvctl: vCPU %u: ", id);
	else
		fprintf(stderr, "mvctl: ");
}

static uint64_t vcpu_rip(struct mvctl_vcpu *v)
{
	struct mv_regs regs;

	if (ioctl(v->fd, MV_GET_REGS, &regs))
		return ~0ull;
	return regs.rip;
}

static uint64_t le_value(const uint8_t *data, unsigned int size)
{
	uint64_t v = 0;

	for (unsigned int i = size; i-- > 0;)
		v = (v << 8) | data[i];
	return v;
}

/* Has @v been reported already (or enough reported)? Else remember it. */
static bool already_reported(uint64_t *list, unsigned int *nr, uint64_t v)
{
	for (unsigned int i = 0; i < *nr; i++)
		if (list[i] == v)
			return true;
	if (*nr == MVCTL_MAX_REPORTS)
		return true;
	list[(*nr)++] = v;
	return false;
}

/* An unknown port: reads all ones, writes dropped, reported once (m->lock held). */
static void unknown_port(struct mvctl_machine *m, uint16_t port)
{
	if (m->port_reported[port / 8] & (1 << (port % 8)))
		return;
	m->port_reported[port / 8] |= 1 << (port % 8);
	if (m->verbose || m->nr_ports_reported < MVCTL_MAX_REPORTS)
		fprintf(stderr, "mvctl: unhandled I/O port 0x%x, ignoring\n", port);
	else if (m->nr_ports_reported == MVCTL_MAX_REPORTS)
		fprintf(stderr, "mvctl: more unhandled I/O ports: not reported (--verbose reports all)\n");
	m->nr_ports_reported++;
}

static int power_event(struct mvctl_machine *m, unsigned int id,
		       enum mvctl_power_event ev, uint16_t port)
{
	if (ev == MVCTL_POWER_OFF) {
		if (m->verbose || m->stats) {
			vcpu_msg_prefix(m, id);
			fprintf(stderr, "guest powered off\n");
		}
		return 0;
	}
	vcpu_msg_prefix(m, id);
	fprintf(stderr, "guest reset the machine (port 0x%x): exiting with status %d\n",
		port, MVCTL_STATUS_RESET);
	return MVCTL_STATUS_RESET;
}

/* Port I/O; returns -1 to go on or the exit status. */
static int handle_io(struct mvctl_machine *m, unsigned int id)
{
	struct mv_run *run = m->vcpus[id].run;
	bool in = run->io.direction == MV_IO_IN;
	unsigned int size = run->io.size;
	uint16_t port = run->io.port;
	enum mvctl_power_event ev;
	int status = -1;

	if (size > sizeof(run->io.data))
		size = sizeof(run->io.data);
	pthread_mutex_lock(&m->lock);
	if (mvctl_serial_io(&m->serial, port, in, run->io.data, size) ||
	    mvctl_rtc_io(&m->rtc, port, in, run->io.data, size))
		goto out;
	if (mvctl_power_io(&m->power, port, in, run->io.data, size, &ev)) {
		if (ev != MVCTL_POWER_NONE)
			status = power_event(m, id, ev, port);
		goto out;
	}
	if (port == EXIT_PORT) {
		if (!in)
			status = le_value(run->io.data, size) & 0xff;
		else
			memset(run->io.data, 0xff, size);
		goto out;
	}
	if (port == POST_PORT && !in)
		goto out;
	unknown_port(m, port);
	if (in)
		memset(run->io.data, 0xff, size);
out:
	pthread_mutex_unlock(&m->lock);
	return status;
}

static void handle_mmio(struct mvctl_machine *m, unsigned int id)
{
	struct mv_run *run = m->vcpus[id].run;

	pthread_mutex_lock(&m->lock);
	if (!already_reported(m->mmio_reported, &m->nr_mmio_reported, run->mmio.phys_addr))
		fprintf(stderr, "mvctl: unhandled MMIO %s at 0x%llx (%u bytes), nothing is mapped there; ignoring\n",
			run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
	pthread_mutex_unlock(&m->lock);
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
}

static int handle_hypercall(struct mvctl_machine *m, unsigned int id)
{
	struct mv_run *run = m->vcpus[id].run;
	bool report;

	if (run->hypercall.nr == HC_EXIT)
		return run->hypercall.args[0] & 0xff;
	pthread_mutex_lock(&m->lock);
	report = !already_reported(m->hc_reported, &m->nr_hc_reported, run->hypercall.nr);
	pthread_mutex_unlock(&m->lock);
	if (report)
		fprintf(stderr, "mvctl: unknown hypercall %llu, returning -1\n",
			(unsigned long long)run->hypercall.nr);
	run->hypercall.ret = ~0ull;
	return -1;
}

static void print_internal(struct mvctl_machine *m, unsigned int id)
{
	static const char *const suberrors[] = {
		[MV_INTERNAL_UNHANDLED_EXIT] = "unhandled exit",
		[MV_INTERNAL_EMULATION] = "cannot emulate MMIO instruction",
		[MV_INTERNAL_UNSUPPORTED_IO] = "unsupported port I/O",
		[MV_INTERNAL_MEMORY] = "out of memory for the guest",
	};
	struct mv_run *run = m->vcpus[id].run;
	uint32_t sub = run->internal.suberror;
	const char *name = sub < ARRAY_SIZE(suberrors) && suberrors[sub] ?
			   suberrors[sub] : "unknown suberror";

	vcpu_msg_prefix(m, id);
	fprintf(stderr, "minivisor internal error %u (%s) at RIP 0x%llx: %.*s\n",
		sub, name, (unsigned long long)run->internal.rip,
		(int)sizeof(run->internal.cause), run->internal.cause);
	fprintf(stderr, "mvctl:   hardware reason 0x%llx, data 0x%llx 0x%llx 0x%llx 0x%llx\n",
		(unsigned long long)run->internal.hardware_reason,
		(unsigned long long)run->internal.data[0],
		(unsigned long long)run->internal.data[1],
		(unsigned long long)run->internal.data[2],
		(unsigned long long)run->internal.data[3]);
}

/* One exit of vCPU @id: -1 to go on, else the VM's exit status. */
static int handle_exit(struct mvctl_machine *m, unsigned int id)
{
	struct mvctl_vcpu *v = &m->vcpus[id];
	struct mv_run *run = v->run;

	switch (run->exit_reason) {
	case MV_EXIT_IO:
		return handle_io(m, id);
	case MV_EXIT_MMIO:
		handle_mmio(m, id);
		return -1;
	case MV_EXIT_HYPERCALL:
		return handle_hypercall(m, id);
	case MV_EXIT_HLT:
		if (m->linux_guest) {
			/*
			 * Only without an irqchip: nothing can wake the vCPU,
			 * but Linux's idle loop halts and goes on regardless.
			 */
			usleep(1000);
			return -1;
		}
		vcpu_msg_prefix(m, id);
		fprintf(stderr, "guest halted at RIP 0x%llx\n",
			(unsigned long long)vcpu_rip(v));
		return 0;
	case MV_EXIT_SHUTDOWN:
		vcpu_msg_prefix(m, id);
		fprintf(stderr, "guest shut down (triple fault) at RIP 0x%llx: %.*s\n",
			(unsigned long long)run->shutdown.rip,
			(int)sizeof(run->shutdown.reason), run->shutdown.reason);
		return MVCTL_STATUS_SHUTDOWN;
	case MV_EXIT_FAIL_ENTRY:
		vcpu_msg_prefix(m, id);
		fprintf(stderr, "the CPU refused to enter the guest: %.*s (hardware reason 0x%llx, qualification 0x%llx) at RIP 0x%llx\n",
			(int)sizeof(run->fail_entry.cause), run->fail_entry.cause,
			(unsigned long long)run->fail_entry.hardware_reason,
			(unsigned long long)run->fail_entry.qualification,
			(unsigned long long)vcpu_rip(v));
		return MVCTL_STATUS_FAIL_ENTRY;
	case MV_EXIT_INTERNAL_ERROR:
		print_internal(m, id);
		return MVCTL_STATUS_INTERNAL;
	case MV_EXIT_INTR:
		return -1;	/* checked by the loop */
	default:
		vcpu_msg_prefix(m, id);
		fprintf(stderr, "unknown exit reason %u at RIP 0x%llx\n",
			run->exit_reason, (unsigned long long)vcpu_rip(v));
		return MVCTL_STATUS_INTERNAL;
	}
}

struct vcpu_arg {
	struct mvctl_machine *m;
	unsigned int id;
};

static void *vcpu_thread(void *p)
{
	struct vcpu_arg *a = p;
	struct mvctl_machine *m = a->m;
	unsigned int id = a->id;
	struct mvctl_vcpu *v = &m->vcpus[id];
	int status;

	while (!stopping(m)) {
		if (ioctl(v->fd, MV_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;	/* a kick: the loop checks why */
			vcpu_msg_prefix(m, id);
			fprintf(stderr, "MV_RUN: %s\n", strerror(errno));
			mvctl_machine_stop(m, MVCTL_STATUS_ERROR);
			break;
		}
		status = handle_exit(m, id);
		if (status >= 0) {
			mvctl_machine_stop(m, status);
			break;
		}
	}
	return NULL;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void print_size(const char *label, uint64_t bytes)
{
	if (bytes >= (1ull << 20))
		fprintf(stderr, "%-16s %.1f MiB (%" PRIu64 " bytes)\n", label,
			bytes / 1048576.0, bytes);
	else
		fprintf(stderr, "%-16s %" PRIu64 " KiB\n", label, bytes >> 10);
}

static void print_stats(struct mvctl_machine *m, double wall)
{
	struct mv_vcpu_stats vs;
	struct mv_vm_stats ms;

	for (unsigned int id = 0; id < m->nr_vcpus; id++) {
		fprintf(stderr, "vcpu %u\n", id);
		if (ioctl(m->vcpus[id].fd, MV_GET_VCPU_STATS, &vs)) {
			fprintf(stderr, "mvctl: MV_GET_VCPU_STATS: %s\n", strerror(errno));
			continue;
		}
		fprintf(stderr, "%-16s %llu\n", "exits", (unsigned long long)vs.exits);
		for (unsigned int i = 0; i < MV_STAT_NR; i++)
			fprintf(stderr, "  %-14s %llu\n", mvctl_stat_name(i),
				(unsigned long long)vs.by_reason[i]);
	}
	if (ioctl(m->vm.fd, MV_GET_VM_STATS, &ms)) {
		fprintf(stderr, "mvctl: MV_GET_VM_STATS: %s\n", strerror(errno));
	} else {
		print_size("resident memory", ms.resident_bytes);
		fprintf(stderr, "%-16s %llu (%llu mapped 2 MiB at once)\n", "nested faults",
			(unsigned long long)ms.nested_faults,
			(unsigned long long)ms.nested_2m_mappings);
	}
	fprintf(stderr, "%-16s %.3f s\n", "wall time", wall);
}

int mvctl_machine_run(struct mvctl_machine *m)
{
	struct sigaction kick = { .sa_handler = on_kick };
	struct vcpu_arg args[MV_MAX_VCPUS];
	struct timespec start;
	sigset_t waited, old;
	siginfo_t info;
	int err, sig;

	/* No SA_RESTART: MV_RUN must return -EINTR. */
	sigemptyset(&kick.sa_mask);
	if (sigaction(SIG_KICK, &kick, NULL)) {
		perror("mvctl: sigaction");
		return MVCTL_STATUS_ERROR;
	}
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout loses output, not mvctl */

	/* Only this thread takes these, synchronously; the threads inherit the mask. */
	sigemptyset(&waited);
	sigaddset(&waited, SIGINT);
	sigaddset(&waited, SIGTERM);
	sigaddset(&waited, SIGHUP);
	sigaddset(&waited, SIG_ENDED);
	pthread_sigmask(SIG_BLOCK, &waited, &old);
	m->main_thread = pthread_self();

	err = mvctl_console_start(m);
	if (err)
		fprintf(stderr, "mvctl: cannot read stdin: %s (continuing without input)\n",
			strerror(-err));

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned int id = 0; id < m->nr_vcpus; id++) {
		args[id] = (struct vcpu_arg){ .m = m, .id = id };
		pthread_mutex_lock(&m->lock);
		err = m->stopping ? 0 : pthread_create(&m->threads[id], NULL, vcpu_thread, &args[id]);
		if (!err && !m->stopping)
			m->nr_threads++;
		pthread_mutex_unlock(&m->lock);
		if (err) {
			fprintf(stderr, "mvctl: cannot start a thread for vCPU %u: %s\n", id,
				strerror(err));
			mvctl_machine_stop(m, MVCTL_STATUS_ERROR);
			break;
		}
	}

	while (!stopping(m)) {
		sig = sigwaitinfo(&waited, &info);
		if (sig < 0 || sig == SIG_ENDED)
			continue;
		fprintf(stderr, "mvctl: interrupted\n");
		mvctl_machine_stop(m, MVCTL_STATUS_INTERRUPTED);
	}
	for (unsigned int i = 0; i < m->nr_threads; i++)
		pthread_join(m->threads[i], NULL);
	mvctl_console_stop(m);
	if (m->stats)
		print_stats(m, seconds_since(&start));
	/* A late SIGUSR2 must not kill mvctl once unblocked. */
	while (sigtimedwait(&waited, NULL, &(struct timespec){ 0 }) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return m->status;
}
