// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip (MV_CREATE_IRQCHIP): its ioctl ABI, then the irq64
 * guest (tools/guests/irq64.c, protocol in tools/guests/irq64.h) through
 * each piece on its own: the local APIC timer in TSC-deadline, one-shot and
 * periodic modes, TPR / PPR / ISR priorities and NMI, I/O APIC edge and
 * level pins driven by MV_IRQ_LINE, the PIT as Linux calibrates the TSC
 * with it and its channel 0 interrupt, the interrupt window after STI, and
 * two vCPUs with INIT, SIPI, fixed IPIs and NMI. HLT must sleep in the
 * kernel: an MV_EXIT_HLT fails every guest test.
 *
 * Every guest run is bounded: a per-thread timer interrupts MV_RUN once the
 * run's time is up, and the test fails with where the guest was.
 */
#include "mv_test.h"

#include <pthread.h>

#include "tools/guests/irq64.h"

#include "kselftest_harness.h"

#define IRQT_MEM		MV_PM_MEM
#define IRQT_RUN_MS		20000	/* one guest run, emulated machine time */
#define IRQT_MAX_PARAMS		8

static const char *const mp_names[] = { "runnable", "wait_sipi", "halted" };

static const char *mp_name(uint32_t s)
{
	return s < ARRAY_SIZE(mp_names) ? mp_names[s] : "?";
}

/* ---------------------------------------------------------------------- */
/* ABI                                                                    */

/* A VM without RAM on a fresh system fd: the VM fd; *sys gets the system fd. */
static int bare_vm(int *sys)
{
	int vm;

	*sys = mv_open_sys();
	if (*sys < 0)
		return *sys;
	vm = ioctl(*sys, MV_CREATE_VM, 0);
	return vm < 0 ? -errno : vm;
}

TEST(create_irqchip_twice_is_eexist)
{
	int sys, vm = bare_vm(&sys);

	ASSERT_LE(0, vm) {
		TH_LOG("VM: %s", strerror(-vm));
	}
	EXPECT_EQ(0, ioctl(vm, MV_CREATE_IRQCHIP, 0)) {
		TH_LOG("MV_CREATE_IRQCHIP: %s", strerror(errno));
	}
	EXPECT_EQ(-1, ioctl(vm, MV_CREATE_IRQCHIP, 0));
	EXPECT_EQ(EEXIST, errno);
	/* Still usable: vCPUs get their local APIC. */
	EXPECT_LE(0, ioctl(vm, MV_CREATE_VCPU, 0));
	close(vm);
	close(sys);
}

TEST(create_irqchip_after_vcpu_is_ebusy)
{
	int sys, vm = bare_vm(&sys), vcpu;
	struct mv_irq_level line = { .gsi = 0, .level = 1 };

	ASSERT_LE(0, vm);
	vcpu = ioctl(vm, MV_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-1, ioctl(vm, MV_CREATE_IRQCHIP, 0));
	EXPECT_EQ(EBUSY, errno);
	/* ... and the VM has none. */
	EXPECT_EQ(-1, ioctl(vm, MV_IRQ_LINE, &line));
	EXPECT_EQ(ENXIO, errno);
	close(vcpu);
	close(vm);
	close(sys);
}

TEST(create_irqchip_arg_must_be_zero)
{
	int sys, vm = bare_vm(&sys);

	ASSERT_LE(0, vm);
	EXPECT_EQ(-1, ioctl(vm, MV_CREATE_IRQCHIP, 1));
	EXPECT_EQ(EINVAL, errno);
	/* The refused call created nothing. */
	EXPECT_EQ(0, ioctl(vm, MV_CREATE_IRQCHIP, 0)) {
		TH_LOG("MV_CREATE_IRQCHIP: %s", strerror(errno));
	}
	close(vm);
	close(sys);
}

TEST(irq_line_errors)
{
	int sys, vm = bare_vm(&sys);
	struct mv_irq_level line = { .gsi = 4, .level = 1 };

	ASSERT_LE(0, vm);
	EXPECT_EQ(-1, ioctl(vm, MV_IRQ_LINE, &line));
	EXPECT_EQ(ENXIO, errno);
	ASSERT_EQ(0, ioctl(vm, MV_CREATE_IRQCHIP, 0));

	line.gsi = MV_IOAPIC_PINS;
	EXPECT_EQ(-1, ioctl(vm, MV_IRQ_LINE, &line));
	EXPECT_EQ(EINVAL, errno);
	line.gsi = 4;
	line.level = 2;
	EXPECT_EQ(-1, ioctl(vm, MV_IRQ_LINE, &line));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm, MV_IRQ_LINE, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Every pin both ways, without vCPUs or a programmed entry. */
	for (line.gsi = 0; line.gsi < MV_IOAPIC_PINS; line.gsi++) {
		for (int l = 1; l >= 0; l--) {
			line.level = l;
			EXPECT_EQ(0, ioctl(vm, MV_IRQ_LINE, &line)) {
				TH_LOG("gsi %u level %d: %s", line.gsi, l, strerror(errno));
			}
		}
	}
	close(vm);
	close(sys);
}

TEST(mp_state_abi)
{
	int sys, vm = bare_vm(&sys), plain, v0, v1;
	uint32_t state;

	ASSERT_LE(0, vm);
	/* Without an irqchip: MV_SET_MP_STATE is refused. */
	plain = ioctl(sys, MV_CREATE_VM, 0);
	ASSERT_LE(0, plain);
	v0 = ioctl(plain, MV_CREATE_VCPU, 0);
	ASSERT_LE(0, v0);
	state = MV_MP_HALTED;
	EXPECT_EQ(-1, ioctl(v0, MV_SET_MP_STATE, &state));
	EXPECT_EQ(EINVAL, errno);
	state = MV_MP_RUNNABLE;
	EXPECT_EQ(-1, ioctl(v0, MV_SET_MP_STATE, &state));
	EXPECT_EQ(EINVAL, errno);
	close(v0);
	close(plain);

	/* With one: the BSP runs, application processors wait for SIPI. */
	ASSERT_EQ(0, ioctl(vm, MV_CREATE_IRQCHIP, 0));
	v0 = ioctl(vm, MV_CREATE_VCPU, 0);
	v1 = ioctl(vm, MV_CREATE_VCPU, 1);
	ASSERT_LE(0, v0);
	ASSERT_LE(0, v1);
	state = 0xdead;
	ASSERT_EQ(0, ioctl(v0, MV_GET_MP_STATE, &state));
	EXPECT_EQ(MV_MP_RUNNABLE, state) {
		TH_LOG("vCPU 0: %s", mp_name(state));
	}
	ASSERT_EQ(0, ioctl(v1, MV_GET_MP_STATE, &state));
	EXPECT_EQ(MV_MP_WAIT_SIPI, state) {
		TH_LOG("vCPU 1: %s", mp_name(state));
	}

	/* Set and read back; unknown states are refused and change nothing. */
	state = MV_MP_HALTED;
	EXPECT_EQ(0, ioctl(v0, MV_SET_MP_STATE, &state));
	ASSERT_EQ(0, ioctl(v0, MV_GET_MP_STATE, &state));
	EXPECT_EQ(MV_MP_HALTED, state);
	state = MV_MP_HALTED + 1;
	EXPECT_EQ(-1, ioctl(v0, MV_SET_MP_STATE, &state));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(v0, MV_GET_MP_STATE, &state));
	EXPECT_EQ(MV_MP_HALTED, state);
	state = MV_MP_RUNNABLE;
	EXPECT_EQ(0, ioctl(v1, MV_SET_MP_STATE, &state));
	ASSERT_EQ(0, ioctl(v1, MV_GET_MP_STATE, &state));
	EXPECT_EQ(MV_MP_RUNNABLE, state);
	EXPECT_EQ(-1, ioctl(v0, MV_GET_MP_STATE, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(v1);
	close(v0);
	close(vm);
	close(sys);
}

/* ---------------------------------------------------------------------- */
/* Running guests with a deadline                                         */

static void on_sigusr1(int sig)
{
}

/* SIGUSR1 interrupts MV_RUN (no SA_RESTART); 0 or -errno. */
static int install_kick_handler(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL) ? -errno : 0;
}

/*
 * A timer that sends SIGUSR1 to the calling thread after @ms and then every
 * 20 ms (a signal that lands outside MV_RUN is lost; the next one is not).
 */
static int arm_thread_timer(timer_t *timer, unsigned int ms)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGUSR1,
	};
	struct itimerspec its = {
		.it_value = { ms / 1000, (ms % 1000) * 1000000L },
		.it_interval = { 0, 20 * 1000000L },
	};

	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, timer))
		return -errno;
	if (timer_settime(*timer, 0, &its, NULL)) {
		int err = -errno;

		timer_delete(*timer);
		return err;
	}
	return 0;
}

/**
 * struct irqt - a VM with an irqchip running irq64.bin, and what its vCPUs
 * reported.
 * @sys: system fd.
 * @vm: the VM (RAM at 0).
 * @vcpu: vCPU 0 (long mode at the image's entry) and, for two, vCPU 1 (in
 *	its RESET state, waiting for SIPI).
 * @nr_vcpus: 1 or 2.
 * @params: what IN from IRQT_PORT_PARAM returns, in order (vCPU 0 only).
 * @nr_params: how many.
 * @lock: protects what follows.
 * @val: the last value reported under each key.
 * @seen: how many times each key was reported.
 * @events: events asked for, by IRQT_EV_* >> 8.
 * @line_errors: MV_IRQ_LINE calls that failed (the last errno in @line_errno).
 * @line_errno: see @line_errors.
 * @pulses: threads started for IRQT_EV_PULSE_LATER.
 * @nr_pulses: how many.
 */
struct irqt {
	int sys;
	struct mvctl_vm vm;
	struct mvctl_vcpu vcpu[2];
	int nr_vcpus;
	uint32_t params[IRQT_MAX_PARAMS];
	int nr_params;
	pthread_mutex_t lock;
	uint64_t val[IRQT_K_NR];
	unsigned int seen[IRQT_K_NR];
	unsigned int events[8];
	unsigned int line_errors;
	int line_errno;
	pthread_t pulses[4];
	int nr_pulses;
};

/**
 * struct irqt_cpu - one vCPU's run loop.
 * @t: the VM.
 * @id: the vCPU.
 * @timeout_ms: how long it may run.
 * @stop: set (then SIGUSR1 the thread) to end a run that never exits.
 * @done: the run loop returned.
 * (@stop and @done cross threads: __atomic builtins only.)
 * @ret: 0: the guest wrote the exit port; > 0: the exit reason that stopped
 *	it; < 0: -ETIMEDOUT, -EINTR (stopped) or MV_RUN's -errno.
 * @status: the exit port's value.
 * @why: what stopped it, for the log.
 * @out: COM1 output.
 * @next_param: @t->params index.
 * @lo: @hi: the value being reported.
 * @thread: the thread (for vCPUs run on their own).
 */
struct irqt_cpu {
	struct irqt *t;
	int id;
	unsigned int timeout_ms;
	int stop;
	int done;
	int ret;
	int status;
	char why[512];
	char out[8192];
	size_t outlen;
	int next_param;
	uint32_t lo, hi;
	pthread_t thread;
};

static void irqt_destroy(struct irqt *t)
{
	for (int i = 0; i < t->nr_pulses; i++)
		pthread_join(t->pulses[i], NULL);
	t->nr_pulses = 0;
	for (int i = 0; i < 2; i++)
		mvctl_vcpu_destroy(&t->vcpu[i]);
	mvctl_vm_destroy(&t->vm);
	if (t->sys >= 0)
		close(t->sys);
	t->sys = -1;
}

/* Load irq64.bin into a new VM with an irqchip and @nr_vcpus vCPUs: 0 or -errno. */
static int irqt_create(struct irqt *t, int nr_vcpus)
{
	size_t len;
	int ret;

	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->vm.fd = t->vcpu[0].fd = t->vcpu[1].fd = -1;
	t->nr_vcpus = nr_vcpus;
	ret = install_kick_handler();
	if (ret)
		return ret;
	t->sys = mv_open_sys();
	if (t->sys < 0)
		return t->sys;
	ret = mvctl_vm_create(&t->vm, t->sys, IRQT_MEM);
	if (!ret && ioctl(t->vm.fd, MV_CREATE_IRQCHIP, 0))
		ret = -errno;
	if (!ret)
		ret = mvctl_load_file(&t->vm, MVCTL_PM_LOAD, mv_guest_path("irq64.bin"), &len);
	for (int i = 0; !ret && i < nr_vcpus; i++)
		ret = mvctl_vcpu_create(&t->vm, &t->vcpu[i], i);
	if (!ret)
		ret = mvctl_setup_mode(&t->vm, &t->vcpu[0], MVCTL_MODE_LONG, MVCTL_PM_LOAD);
	if (ret)
		irqt_destroy(t);
	return ret;
}

static void set_line(struct irqt *t, uint32_t gsi, uint32_t level)
{
	struct mv_irq_level l = { .gsi = gsi, .level = level };

	if (ioctl(t->vm.fd, MV_IRQ_LINE, &l)) {
		pthread_mutex_lock(&t->lock);
		t->line_errors++;
		t->line_errno = errno;
		pthread_mutex_unlock(&t->lock);
	}
}

struct pulse_arg {
	struct irqt *t;
	uint32_t gsi;
};

static void *pulse_later(void *p)
{
	struct pulse_arg *a = p;

	usleep(IRQT_PULSE_DELAY_MS * 1000);
	set_line(a->t, a->gsi, 1);
	set_line(a->t, a->gsi, 0);
	free(a);
	return NULL;
}

static void irqt_event(struct irqt *t, uint32_t ev)
{
	uint32_t gsi = ev & 0xff, kind = (ev & IRQT_EV_MASK) >> 8;
	struct pulse_arg *a;

	pthread_mutex_lock(&t->lock);
	if (kind < ARRAY_SIZE(t->events))
		t->events[kind]++;
	pthread_mutex_unlock(&t->lock);
	switch (ev & IRQT_EV_MASK) {
	case IRQT_EV_HIGH:
		set_line(t, gsi, 1);
		break;
	case IRQT_EV_LOW:
		set_line(t, gsi, 0);
		break;
	case IRQT_EV_PULSE:
		set_line(t, gsi, 1);
		set_line(t, gsi, 0);
		break;
	case IRQT_EV_PULSE_LATER:
		a = malloc(sizeof(*a));
		if (a && t->nr_pulses < (int)ARRAY_SIZE(t->pulses)) {
			a->t = t;
			a->gsi = gsi;
			if (!pthread_create(&t->pulses[t->nr_pulses], NULL, pulse_later, a)) {
				t->nr_pulses++;
				break;
			}
		}
		free(a);
		t->line_errors++;
		t->line_errno = ENOMEM;
		break;
	}
}

/* Answer one port-I/O exit: true to go on running. */
static bool irqt_io(struct irqt_cpu *c, struct mv_run *run)
{
	struct irqt *t = c->t;
	uint32_t data = mv_le(run->io.data, run->io.size > 4 ? 4 : run->io.size);
	uint16_t port = run->io.port;

	if (port >= MV_COM1 && port <= MV_COM1 + 7) {
		if (run->io.direction == MV_IO_IN) {
			memset(run->io.data, 0, sizeof(run->io.data));
			if (port == MV_COM1 + 5)
				run->io.data[0] = 0x60;	/* LSR: transmitter empty */
		} else if (port == MV_COM1 && c->outlen + 1 < sizeof(c->out)) {
			c->out[c->outlen++] = run->io.data[0];
			c->out[c->outlen] = 0;
		}
		return true;
	}
	if (run->io.direction == MV_IO_IN) {
		if (port != IRQT_PORT_PARAM || c->id)
			return false;
		data = c->next_param < t->nr_params ? t->params[c->next_param] : 0;
		c->next_param++;
		mv_put_le(run->io.data, run->io.size, data);
		return true;
	}
	switch (port) {
	case IRQT_PORT_LO:
		c->lo = data;
		return true;
	case IRQT_PORT_HI:
		c->hi = data;
		return true;
	case IRQT_PORT_KEY:
		if (data >= IRQT_K_NR)
			return false;
		pthread_mutex_lock(&t->lock);
		t->val[data] = (uint64_t)c->hi << 32 | c->lo;
		t->seen[data]++;
		pthread_mutex_unlock(&t->lock);
		c->hi = 0;
		return true;
	case IRQT_PORT_EVENT:
		irqt_event(t, data);
		return true;
	case MV_EXIT_PORT:
		c->status = data;
		c->ret = 0;
		snprintf(c->why, sizeof(c->why), "exit status %u", data);
		return false;
	}
	return false;
}

/* Run vCPU @c->id until the exit port, a failure, its deadline or @c->stop. */
static void irqt_cpu_run(struct irqt_cpu *c)
{
	struct mvctl_vcpu *v = &c->t->vcpu[c->id];
	uint64_t deadline = mv_now_ns() + c->timeout_ms * 1000000ull;
	struct mv_regs regs;
	timer_t timer;
	uint32_t mp = 0;
	int err;

	c->status = -1;
	c->ret = -EINVAL;
	err = arm_thread_timer(&timer, c->timeout_ms);
	if (err) {
		c->ret = err;
		snprintf(c->why, sizeof(c->why), "timer_create: %s", strerror(-err));
		__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
		return;
	}
	for (;;) {
		if (ioctl(v->fd, MV_RUN, 0)) {
			err = errno;
			if (err == EINTR && __atomic_load_n(&c->stop, __ATOMIC_SEQ_CST)) {
				c->ret = -EINTR;
				snprintf(c->why, sizeof(c->why), "stopped by the test");
				break;
			}
			if (err == EINTR && mv_now_ns() < deadline)
				continue;
			c->ret = -err;
			ioctl(v->fd, MV_GET_MP_STATE, &mp);
			memset(&regs, 0, sizeof(regs));
			ioctl(v->fd, MV_GET_REGS, &regs);
			snprintf(c->why, sizeof(c->why),
				 "%s after %u ms: mp_state %s, rip 0x%llx, rflags 0x%llx",
				 err == EINTR ? "still running" : strerror(err), c->timeout_ms,
				 mp_name(mp), (unsigned long long)regs.rip,
				 (unsigned long long)regs.rflags);
			if (err == EINTR)
				c->ret = -ETIMEDOUT;
			break;
		}
		if (v->run->exit_reason == MV_EXIT_IO && irqt_io(c, v->run))
			continue;
		if (v->run->exit_reason == MV_EXIT_IO && v->run->io.port == MV_EXIT_PORT &&
		    v->run->io.direction == MV_IO_OUT)
			break;
		c->ret = v->run->exit_reason;
		snprintf(c->why, sizeof(c->why), "unexpected exit: %s", mv_exit_str(v->run));
		break;
	}
	timer_delete(timer);
	__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
}

static void *irqt_cpu_thread(void *p)
{
	irqt_cpu_run(p);
	return NULL;
}

/* End a vCPU thread that runs no more guest code worth waiting for. */
static void irqt_cpu_stop(struct irqt_cpu *c)
{
	__atomic_store_n(&c->stop, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 500 && !__atomic_load_n(&c->done, __ATOMIC_SEQ_CST); i++) {
		pthread_kill(c->thread, SIGUSR1);
		usleep(10000);
	}
	pthread_join(c->thread, NULL);
}

static void irqt_cpu_init(struct irqt_cpu *c, struct irqt *t, int id)
{
	memset(c, 0, sizeof(*c));
	c->t = t;
	c->id = id;
	c->timeout_ms = IRQT_RUN_MS;
}

static struct mv_vcpu_stats vcpu_stats(struct irqt *t, int id)
{
	struct mv_vcpu_stats st;

	memset(&st, 0, sizeof(st));
	ioctl(t->vcpu[id].fd, MV_GET_VCPU_STATS, &st);
	return st;
}

/*
 * The host's TSC frequency as minivisor scales with it (tsc_khz): from the
 * kernel log, the refined value if there is one; else /proc/cpuinfo.
 */
static unsigned long host_tsc_khz(void)
{
	static const char *const keys[] = {
		"tsc: Refined TSC clocksource calibration: ",
		"tsc: Detected ",	/* "... MHz TSC" or "... MHz processor" */
	};
	unsigned long best[2] = { 0, 0 }, mhz, frac;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char rec[2048], *p;
	FILE *f;
	ssize_t n;

	while (fd >= 0) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		for (int k = 0; k < 2; k++) {
			p = strstr(rec, keys[k]);
			if (!p || sscanf(p + strlen(keys[k]), "%lu.%3lu MHz", &mhz, &frac) != 2)
				continue;
			/* "MHz TSC" (the TSC itself) wins over "MHz processor". */
			if (k == 0 || strstr(p, "MHz TSC") || !best[k])
				best[k] = mhz * 1000 + frac;
		}
	}
	if (fd >= 0)
		close(fd);
	if (best[0] || best[1])
		return best[0] ? best[0] : best[1];

	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return 0;
	while (!best[0] && fgets(rec, sizeof(rec), f)) {
		p = strchr(rec, ':');
		if (!strncmp(rec, "cpu MHz", 7) && p &&
		    sscanf(p + 1, "%lu.%3lu", &mhz, &frac) == 2)
			best[0] = mhz * 1000 + frac;
	}
	fclose(f);
	return best[0];
}

/* Create the VM, hand vCPU 0 the scenario, the TSC kHz and @args, run it. */
#define IRQT_RUN(t, c, scenario, ...) do { \
	uint32_t __args[] = { __VA_ARGS__ }; \
	int __ret = irqt_create(t, 1); \
	ASSERT_EQ(0, __ret) { \
		TH_LOG("VM with irqchip and irq64.bin (%s): %s", \
		       mv_guest_path("irq64.bin"), strerror(-__ret)); \
	} \
	(t)->params[0] = (scenario); \
	(t)->params[1] = tsc_khz; \
	memcpy((t)->params + 2, __args, sizeof(__args)); \
	(t)->nr_params = 2 + ARRAY_SIZE(__args); \
	irqt_cpu_init(c, t, 0); \
	irqt_cpu_run(c); \
	irqt_expect_clean_exit(_metadata, c); \
} while (0)

static void irqt_expect_clean_exit(struct __test_metadata *_metadata, struct irqt_cpu *c)
{
	ASSERT_EQ(0, c->ret) {
		TH_LOG("vCPU %d: %s", c->id, c->why);
		TH_LOG("guest output: %s", c->out);
	}
	ASSERT_EQ(0, c->status) {
		TH_LOG("vCPU %d: guest exit status %d; output: %s", c->id, c->status, c->out);
	}
	EXPECT_EQ(0, c->t->line_errors) {
		TH_LOG("MV_IRQ_LINE failed: %s", strerror(c->t->line_errno));
	}
}

/* The value reported under @key, which must have been reported exactly once. */
#define VAL(t, key) ({ \
	EXPECT_EQ(1, (t)->seen[key]) { \
		TH_LOG("key %s reported %u times", #key, (t)->seen[key]); \
	} \
	(t)->val[key]; \
})

static unsigned long tsc_khz;

/* TSC ticks in @ns nanoseconds. */
static uint64_t ns_to_tsc(uint64_t ns)
{
	return ns * tsc_khz / 1000000;
}

static double tsc_to_ms(uint64_t ticks)
{
	return (double)ticks / tsc_khz;
}

/* Guest TSC from tsc_khz and host timers agree to ~1 %; allow 2 % early. */
#define NOT_EARLY(elapsed, ns)	((elapsed) >= ns_to_tsc(ns) * 98 / 100)
/* Late by more than this: the timer did not drive the wakeup. */
#define LATE_NS			2000000000ull

FIXTURE(guest) {
	struct irqt t;
	struct irqt_cpu c;
};

FIXTURE_SETUP(guest)
{
	self->t.sys = -1;
	self->t.vm.fd = self->t.vcpu[0].fd = self->t.vcpu[1].fd = -1;
	if (!tsc_khz)
		tsc_khz = host_tsc_khz();
	ASSERT_NE(0, tsc_khz) {
		TH_LOG("no TSC frequency in the kernel log or /proc/cpuinfo");
	}
}

FIXTURE_TEARDOWN(guest)
{
	irqt_destroy(&self->t);
}

/* Where HLT went, and whether it slept in the kernel. */
static void log_halts(struct __test_metadata *_metadata, const struct mv_vcpu_stats *st)
{
	TH_LOG("exits %llu: hlt %llu, halt_wakeup %llu, irq_injected %llu, irq_window %llu, apic_access %llu",
	       (unsigned long long)st->exits,
	       (unsigned long long)st->by_reason[MV_STAT_HLT],
	       (unsigned long long)st->by_reason[MV_STAT_HALT_WAKEUP],
	       (unsigned long long)st->by_reason[MV_STAT_IRQ_INJECTED],
	       (unsigned long long)st->by_reason[MV_STAT_IRQ_WINDOW],
	       (unsigned long long)st->by_reason[MV_STAT_APIC_ACCESS]);
}

/* (a) TSC-deadline mode: 20 deadlines 2 ms apart, each waited for in HLT. */
TEST_F(guest, tsc_deadline_timer)
{
	const uint32_t n = 20, delta_us = 2000;
	struct irqt *t = &self->t;
	struct mv_vcpu_stats st;

	IRQT_RUN(t, &self->c, IRQT_DEADLINE, n, delta_us);
	st = vcpu_stats(t, 0);
	log_halts(_metadata, &st);
	EXPECT_TRUE(VAL(t, IRQT_K_CPUID1_EDX) & (1u << 9)) {
		TH_LOG("CPUID.1:EDX.APIC clear with an irqchip");
	}
	EXPECT_TRUE(VAL(t, IRQT_K_CPUID1_ECX) & (1u << 24)) {
		TH_LOG("CPUID.1:ECX.TSC_DEADLINE clear with an irqchip");
	}
	EXPECT_EQ(n, VAL(t, IRQT_K_COUNT));
	EXPECT_EQ(0, VAL(t, IRQT_K_EARLY));
	EXPECT_EQ(0, VAL(t, IRQT_K_STALE)) {
		TH_LOG("IA32_TSC_DEADLINE did not read 0 after firing");
	}
	EXPECT_EQ(0, VAL(t, IRQT_K_READBACK_BAD)) {
		TH_LOG("IA32_TSC_DEADLINE did not read back while armed");
	}
	EXPECT_EQ(1, VAL(t, IRQT_K_PAST_FIRED)) {
		TH_LOG("a deadline in the past must fire at once");
	}
	EXPECT_EQ(0, VAL(t, IRQT_K_DISARMED_FIRED)) {
		TH_LOG("writing 0 must disarm the deadline");
	}
	TH_LOG("mean latency deadline -> handler: %.3f ms",
	       tsc_to_ms(t->val[IRQT_K_LATENCY]));
	EXPECT_GT(ns_to_tsc(LATE_NS), t->val[IRQT_K_LATENCY]);
	EXPECT_LE(1, st.by_reason[MV_STAT_HLT]);
	EXPECT_LE(1, st.by_reason[MV_STAT_HALT_WAKEUP]);
	EXPECT_LE(n + 1, st.by_reason[MV_STAT_IRQ_INJECTED]);
}

/* (b) One-shot: TMCCT counts down; TDCR divides; it fires once, not early. */
TEST_F(guest, lapic_oneshot_and_tdcr)
{
	const uint32_t c1 = 2000000, c16 = 250000;	/* 2 ms at /1, 4 ms at /16 */
	struct irqt *t = &self->t;
	uint64_t m1, m2, e1, e16;

	IRQT_RUN(t, &self->c, IRQT_ONESHOT, c1, c16);
	m1 = VAL(t, IRQT_K_TMCCT1);
	m2 = VAL(t, IRQT_K_TMCCT2);
	e1 = VAL(t, IRQT_K_ELAPSED);
	e16 = VAL(t, IRQT_K_ELAPSED_DIV16);
	TH_LOG("TMCCT %llu then %llu; one-shot %.3f ms (2 ms at /1), %.3f ms (4 ms at /16)",
	       (unsigned long long)m1, (unsigned long long)m2, tsc_to_ms(e1), tsc_to_ms(e16));
	EXPECT_EQ(0xb, VAL(t, IRQT_K_TDCR));
	EXPECT_LT(0, m1);
	EXPECT_GE(c1, m1);
	EXPECT_GT(m1, m2) {
		TH_LOG("TMCCT does not count down");
	}
	EXPECT_EQ(0, VAL(t, IRQT_K_TMCCT_AFTER));
	EXPECT_TRUE(NOT_EARLY(e1, c1)) {
		TH_LOG("divide by 1: fired before %u ns", c1);
	}
	EXPECT_TRUE(NOT_EARLY(e16, 16ull * c16)) {
		TH_LOG("divide by 16: fired before %llu ns (divisor ignored?)", 16ull * c16);
	}
	EXPECT_GT(ns_to_tsc(c1 + LATE_NS), e1);
	EXPECT_GT(ns_to_tsc(16ull * c16 + LATE_NS), e16);
	EXPECT_EQ(0, VAL(t, IRQT_K_EXTRA)) {
		TH_LOG("a one-shot timer fired again");
	}
	EXPECT_EQ(2, VAL(t, IRQT_K_COUNT));
}

/* (b) Periodic: 10 interrupts from one TMICT write; TMICT 0 stops it. */
TEST_F(guest, lapic_periodic)
{
	const uint32_t count = 1000000, periods = 10;	/* 2 ms at /2 */
	struct irqt *t = &self->t;
	uint64_t e, mid;

	IRQT_RUN(t, &self->c, IRQT_PERIODIC, count, periods);
	e = VAL(t, IRQT_K_ELAPSED);
	mid = VAL(t, IRQT_K_TMCCT_MID);
	TH_LOG("%u periods of 2 ms in %.3f ms; TMCCT after the first: %llu", periods,
	       tsc_to_ms(e), (unsigned long long)mid);
	EXPECT_EQ(0, VAL(t, IRQT_K_TDCR));
	EXPECT_EQ(periods, VAL(t, IRQT_K_COUNT));
	EXPECT_TRUE(NOT_EARLY(e, 2ull * count * periods));
	EXPECT_GT(ns_to_tsc(2ull * count * periods + LATE_NS), e);
	EXPECT_LT(0, mid) {
		TH_LOG("the periodic count did not reload");
	}
	EXPECT_GE(count, mid);
	EXPECT_EQ(0, VAL(t, IRQT_K_TMCCT_AFTER));
	EXPECT_EQ(0, VAL(t, IRQT_K_EXTRA)) {
		TH_LOG("TMICT = 0 did not stop the periodic timer");
	}
}

/* TPR and in-service classes hold lower vectors back; NMI ignores IF. */
TEST_F(guest, tpr_isr_priority_and_nmi)
{
	struct irqt *t = &self->t;
	struct mv_vcpu_stats st;

	IRQT_RUN(t, &self->c, IRQT_PRIORITY, 0);
	st = vcpu_stats(t, 0);
	EXPECT_EQ(0x50, VAL(t, IRQT_K_PPR));
	EXPECT_EQ(0, VAL(t, IRQT_K_BLOCKED)) {
		TH_LOG("vector 0x45 delivered under TPR 0x50");
	}
	EXPECT_EQ(1, VAL(t, IRQT_K_IRR_SET));
	EXPECT_EQ(1, VAL(t, IRQT_K_AFTER_TPR)) {
		TH_LOG("lowering TPR did not deliver the waiting vector");
	}
	EXPECT_EQ(0x60, VAL(t, IRQT_K_PPR_IN_HANDLER));
	EXPECT_EQ(0, VAL(t, IRQT_K_NESTED_LOWER)) {
		TH_LOG("0x55 delivered while 0x65 was in service");
	}
	EXPECT_EQ(1, VAL(t, IRQT_K_NESTED_HIGHER)) {
		TH_LOG("0x75 did not nest inside 0x65's handler");
	}
	EXPECT_EQ(1, VAL(t, IRQT_K_LOWER_AFTER_EOI));
	EXPECT_EQ(1, VAL(t, IRQT_K_NMI_IF0)) {
		TH_LOG("an NMI IPI to self was not taken with IF=0");
	}
	EXPECT_EQ(0, VAL(t, IRQT_K_ISR_AFTER));
	EXPECT_LE(4, st.by_reason[MV_STAT_IRQ_INJECTED]);
}

/* (c) An edge pin pulsed by another thread wakes the guest from HLT. */
TEST_F(guest, ioapic_edge_from_another_thread)
{
	const uint32_t gsi = 4;
	struct irqt *t = &self->t;
	struct mv_vcpu_stats st;

	IRQT_RUN(t, &self->c, IRQT_IOAPIC_EDGE, gsi);
	st = vcpu_stats(t, 0);
	log_halts(_metadata, &st);
	EXPECT_EQ(0x00170011, VAL(t, IRQT_K_IOAPIC_VERSION)) {
		TH_LOG("I/O APIC version register: 24 pins, version 11h");
	}
	EXPECT_EQ(IRQT_VEC_EDGE, VAL(t, IRQT_K_RTE_READBACK));
	EXPECT_EQ(1, t->events[IRQT_EV_PULSE_LATER >> 8]);
	EXPECT_EQ(1, VAL(t, IRQT_K_EDGE_COUNT)) {
		TH_LOG("one pulse, %llu interrupts", (unsigned long long)t->val[IRQT_K_EDGE_COUNT]);
	}
	EXPECT_EQ(0, VAL(t, IRQT_K_MASKED_FIRED)) {
		TH_LOG("a pulse on a masked edge pin was delivered");
	}
	EXPECT_EQ(1, VAL(t, IRQT_K_HIGH_AGAIN)) {
		TH_LOG("raising a high edge pin again is no new edge");
	}
	EXPECT_EQ(2, VAL(t, IRQT_K_COUNT));
	EXPECT_LE(1, st.by_reason[MV_STAT_HALT_WAKEUP]);
}

/* (c) A level pin fires again after each EOI until userspace deasserts it. */
TEST_F(guest, ioapic_level_refires_until_deasserted)
{
	const uint32_t gsi = 10, times = 5;
	const uint64_t rte = IRQT_VEC_LEVEL | (1u << 15);
	struct irqt *t = &self->t;

	IRQT_RUN(t, &self->c, IRQT_IOAPIC_LEVEL, gsi, times);
	EXPECT_EQ(rte, VAL(t, IRQT_K_RTE_READBACK));
	EXPECT_EQ(times, VAL(t, IRQT_K_COUNT)) {
		TH_LOG("deasserted in the handler of interrupt %u", times);
	}
	EXPECT_EQ(times, VAL(t, IRQT_K_REMOTE_IRR_SEEN)) {
		TH_LOG("Remote IRR not set while the handler ran");
	}
	EXPECT_EQ(rte, VAL(t, IRQT_K_RTE_AFTER)) {
		TH_LOG("Remote IRR still set after the EOI");
	}
	EXPECT_EQ(0, VAL(t, IRQT_K_MASKED_FIRED));
	EXPECT_EQ(1, VAL(t, IRQT_K_UNMASK_FIRED)) {
		TH_LOG("unmasking a high level pin must fire it once");
	}
	EXPECT_EQ(2, t->events[IRQT_EV_HIGH >> 8]);
	EXPECT_EQ(2, t->events[IRQT_EV_LOW >> 8]);
}

/* |a - b| <= 1 % of b */
#define WITHIN_1PCT(a, b)	((a) * 100 >= (b) * 99 && (a) * 100 <= (b) * 101)

/* (d) The guest measures the TSC against PIT channel 2 like Linux does. */
TEST_F(guest, pit_calibrates_tsc)
{
	struct irqt *t = &self->t;
	uint64_t out2, count;

	IRQT_RUN(t, &self->c, IRQT_PIT, 50);
	/*
	 * Polling OUT2, a host stall right after OUT2 rises makes the TSC
	 * interval too long, never too short: take the lowest of the five, as
	 * Linux's pit_hpet_ptimer_calibrate_cpu() does.
	 */
	out2 = VAL(t, IRQT_K_PIT_OUT2_MIN);
	EXPECT_EQ(1, t->seen[IRQT_K_PIT_KHZ_OUT2]);
	EXPECT_EQ(1, t->seen[IRQT_K_PIT_OUT2_MAX]);
	count = VAL(t, IRQT_K_PIT_KHZ_COUNT);
	TH_LOG("host TSC %lu kHz; guest via OUT2 %llu kHz (lowest of 5; median %llu, highest %llu; %llu polls), via the count %llu kHz (median)",
	       tsc_khz, (unsigned long long)out2,
	       (unsigned long long)t->val[IRQT_K_PIT_KHZ_OUT2],
	       (unsigned long long)t->val[IRQT_K_PIT_OUT2_MAX],
	       (unsigned long long)t->val[IRQT_K_PIT_POLLS], (unsigned long long)count);
	EXPECT_EQ(1, VAL(t, IRQT_K_PIT_GATE) & 1);
	EXPECT_LT(10, VAL(t, IRQT_K_PIT_POLLS)) {
		TH_LOG("OUT2 was high (almost) at once");
	}
	EXPECT_TRUE(WITHIN_1PCT(out2, (uint64_t)tsc_khz));
	EXPECT_TRUE(WITHIN_1PCT(count, (uint64_t)tsc_khz));
}

/* (d) Channel 0 in mode 2 raises GSI 2 every 10 ms; reprogramming stops it. */
TEST_F(guest, pit_channel0_raises_gsi2)
{
	const uint32_t n = 5;
	struct irqt *t = &self->t;
	uint64_t e;

	IRQT_RUN(t, &self->c, IRQT_PIT_CH0, n);
	e = VAL(t, IRQT_K_ELAPSED);
	TH_LOG("%u PIT interrupts in %.3f ms", n, tsc_to_ms(e));
	EXPECT_EQ(n, VAL(t, IRQT_K_COUNT));
	/* 11931 ticks at 1.193182 MHz: 9.9993 ms */
	EXPECT_TRUE(NOT_EARLY(e, n * 9999300ull));
	EXPECT_GT(ns_to_tsc(n * 10000000ull + LATE_NS), e);
	EXPECT_EQ(0, VAL(t, IRQT_K_EXTRA)) {
		TH_LOG("channel 0 kept raising GSI 2 after a new control word");
	}
}

/* (e) Raised while IF=0: not across "sti; cli", right before the cli of "sti; nop; cli". */
TEST_F(guest, irq_window_after_sti)
{
	struct irqt *t = &self->t;
	struct mv_vcpu_stats st;

	IRQT_RUN(t, &self->c, IRQT_WINDOW, 6);
	st = vcpu_stats(t, 0);
	log_halts(_metadata, &st);
	EXPECT_EQ(0, VAL(t, IRQT_K_BEFORE_STI)) {
		TH_LOG("delivered with IF=0");
	}
	EXPECT_EQ(0, VAL(t, IRQT_K_AFTER_STI_CLI)) {
		TH_LOG("delivered in STI's interrupt shadow");
	}
	EXPECT_EQ(1, VAL(t, IRQT_K_AFTER_STI_NOP)) {
		TH_LOG("not delivered as soon as IF=1 and the shadow ended");
	}
	EXPECT_EQ(1, VAL(t, IRQT_K_RIP_AT_CLI)) {
		TH_LOG("the interrupt did not land right before the cli");
	}
	EXPECT_EQ(1, st.by_reason[MV_STAT_IRQ_INJECTED]);
	EXPECT_LE(1, st.by_reason[MV_STAT_IRQ_WINDOW]) {
		TH_LOG("no interrupt-window exit counted");
	}
}

/*
 * (f) vCPU 0 starts vCPU 1 with INIT + SIPI + SIPI as Linux does (real-mode
 * trampoline at 8000h that goes on to long mode), they exchange fixed IPIs,
 * an NMI wakes vCPU 1 from HLT with IF=0, and a second INIT + SIPI (with
 * the old 10 ms delay) starts it over. Linux sends all three IPIs within
 * some 20 us: they must not depend on how soon vCPU 1's thread runs.
 */
TEST_F(guest, smp_init_sipi_ipi_nmi)
{
	struct irqt *t = &self->t;
	struct irqt_cpu ap;
	struct mv_vcpu_stats st;
	uint32_t mp = 0xdead;
	uint64_t start;
	int ret;

	ret = irqt_create(t, 2);
	ASSERT_EQ(0, ret) {
		TH_LOG("VM with two vCPUs: %s", strerror(-ret));
	}
	t->params[0] = IRQT_SMP;
	t->params[1] = tsc_khz;
	t->nr_params = 2;
	ASSERT_EQ(0, ioctl(t->vcpu[1].fd, MV_GET_MP_STATE, &mp));
	ASSERT_EQ(MV_MP_WAIT_SIPI, mp);

	irqt_cpu_init(&ap, t, 1);
	ASSERT_EQ(0, pthread_create(&ap.thread, NULL, irqt_cpu_thread, &ap));
	irqt_cpu_init(&self->c, t, 0);
	start = mv_now_ns();
	irqt_cpu_run(&self->c);
	TH_LOG("vCPU 0 ran %llu ms", (unsigned long long)(mv_now_ns() - start) / 1000000);
	/* vCPU ioctls wait while MV_RUN holds the vCPU: look at vCPU 1 once stopped. */
	irqt_cpu_stop(&ap);
	if (self->c.ret || self->c.status) {
		struct mv_regs regs = { 0 };
		struct mv_sregs sregs = { 0 };

		ioctl(t->vcpu[1].fd, MV_GET_MP_STATE, &mp);
		ioctl(t->vcpu[1].fd, MV_GET_REGS, &regs);
		ioctl(t->vcpu[1].fd, MV_GET_SREGS, &sregs);
		TH_LOG("vCPU 1 then: mp_state %s, cs:rip %04x:%llx, trampoline ran %u times",
		       mp_name(mp), sregs.cs.selector, (unsigned long long)regs.rip,
		       t->seen[IRQT_K_AP_REAL_ID]);
	}

	EXPECT_EQ(-EINTR, ap.ret) {
		TH_LOG("vCPU 1: %s; output: %s", ap.why, ap.out);
	}
	EXPECT_STREQ("", ap.out);
	irqt_expect_clean_exit(_metadata, &self->c);

	EXPECT_EQ(2, t->seen[IRQT_K_AP_REAL_ID]) {
		TH_LOG("the trampoline ran %u times, want 2 (one per INIT + SIPI + SIPI)",
		       t->seen[IRQT_K_AP_REAL_ID]);
	}
	EXPECT_EQ(1, t->val[IRQT_K_AP_REAL_ID]);
	EXPECT_EQ(1, VAL(t, IRQT_K_AP_ID));
	EXPECT_EQ(1, VAL(t, IRQT_K_AP_GOT));
	EXPECT_EQ(1, VAL(t, IRQT_K_BSP_GOT));
	EXPECT_EQ(1, VAL(t, IRQT_K_AP_NMI));
	EXPECT_EQ(2, VAL(t, IRQT_K_AP_ROUND2));

	ASSERT_EQ(0, ioctl(t->vcpu[1].fd, MV_GET_MP_STATE, &mp));
	EXPECT_EQ(MV_MP_HALTED, mp) {
		TH_LOG("vCPU 1 parked in HLT, mp_state %s", mp_name(mp));
	}
	st = vcpu_stats(t, 1);
	EXPECT_LE(1, st.by_reason[MV_STAT_HALT_WAKEUP]);
	EXPECT_LE(1, st.by_reason[MV_STAT_IRQ_INJECTED]);
}

/* HLT with IF=0 sleeps in the kernel until a signal; MV_SET_MP_STATE resumes it. */
TEST(hlt_sleeps_in_kernel_until_signal)
{
	static const uint8_t code[] = {
		0xfa,					/* cli */
		0xf4,					/* hlt */
		0xe6, 0x10,				/* out %al, $0x10 */
		0xf4,					/* hlt */
	};
	struct mv_test_vm t = { .sys = -1 };
	struct mv_vcpu_stats st;
	struct mv_regs regs;
	uint64_t start, ms;
	timer_t timer;
	uint32_t mp;
	int ret;

	ASSERT_EQ(0, install_kick_handler());
	t.vm.fd = t.vcpu.fd = -1;
	t.sys = mv_open_sys();
	ASSERT_LE(0, t.sys);
	ASSERT_EQ(0, mvctl_vm_create(&t.vm, t.sys, MV_REAL_MEM));
	ASSERT_EQ(0, ioctl(t.vm.fd, MV_CREATE_IRQCHIP, 0));
	ASSERT_EQ(0, mvctl_load(&t.vm, MVCTL_REAL_LOAD, code, sizeof(code)));
	ASSERT_EQ(0, mvctl_vcpu_create(&t.vm, &t.vcpu, 0));
	ASSERT_EQ(0, mvctl_setup_mode(&t.vm, &t.vcpu, MVCTL_MODE_REAL, MVCTL_REAL_LOAD));

	for (int i = 0; i < 2; i++) {	/* still halted after the first signal */
		ASSERT_EQ(0, arm_thread_timer(&timer, 200));
		start = mv_now_ns();
		ret = ioctl(t.vcpu.fd, MV_RUN, 0);
		ms = (mv_now_ns() - start) / 1000000;
		timer_delete(timer);
		ASSERT_EQ(-1, ret) {
			TH_LOG("MV_RUN returned: %s", mv_exit_str(t.vcpu.run));
		}
		EXPECT_EQ(EINTR, errno);
		EXPECT_EQ(MV_EXIT_INTR, t.vcpu.run->exit_reason);
		EXPECT_LE(190, ms);
		ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_MP_STATE, &mp));
		EXPECT_EQ(MV_MP_HALTED, mp) {
			TH_LOG("mp_state %s", mp_name(mp));
		}
		ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_REGS, &regs));
		EXPECT_EQ(MVCTL_REAL_LOAD + 2, regs.rip);
	}
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_GET_VCPU_STATS, &st));
	EXPECT_EQ(1, st.by_reason[MV_STAT_HLT]);
	EXPECT_EQ(0, st.by_reason[MV_STAT_HALT_WAKEUP]);

	/* Userspace wakes it: it goes on after the HLT. */
	mp = MV_MP_RUNNABLE;
	ASSERT_EQ(0, ioctl(t.vcpu.fd, MV_SET_MP_STATE, &mp));
	ASSERT_EQ(0, arm_thread_timer(&timer, 2000));
	ret = ioctl(t.vcpu.fd, MV_RUN, 0);
	timer_delete(timer);
	ASSERT_EQ(0, ret) {
		TH_LOG("MV_RUN: %s", strerror(errno));
	}
	ASSERT_EQ(MV_EXIT_IO, t.vcpu.run->exit_reason) {
		TH_LOG("%s", mv_exit_str(t.vcpu.run));
	}
	EXPECT_EQ(0x10, t.vcpu.run->io.port);
	mv_test_vm_destroy(&t);
}

TEST_HARNESS_MAIN
