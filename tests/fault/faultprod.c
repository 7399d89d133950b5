/*
 * faultprod: the steady producer of flowhub's fault tests.
 *
 * It stands in for a flow interpreter: linked to libshmring, it emits
 * events through the shmring_emit_* calls at a fixed rate (absolute
 * deadlines, so a slow iteration does not lower the rate) and measures
 * the latency of every emit call itself.  Once per window (default 1 s)
 * it prints one JSON line:
 *   {"w":K,"t0":start,"t1":end,"sent":N,"full":F,"err":E,
 *    "p50_ns":..,"p99_ns":..,"max_ns":..}
 * plus "blocked" and "preempted": emits slower than 1 ms during which the
 * thread made a voluntary context switch (it waited: the ring must never
 * make it) or only involuntary ones (the machine is busy).
 * t0/t1 are CLOCK_REALTIME seconds, so a test can set the windows
 * against the moment it injected a fault.  At the end (count reached,
 * duration over, SIGTERM or SIGINT) it prints {"summary":...}.
 *
 * Every event carries a stamp the tests read back on the WebSocket side:
 * {"r": run id, "n": event number from 1, "t": CLOCK_REALTIME ns at
 * emit} as the params/result/data/details/meta object of the event (and
 * "n=N t=T r=R" in a block's displayText, in case a consumer drops
 * params).  From it a client computes emit->client latency and checks
 * that the numbers of a run arrive without a hole.
 *
 * The event pattern is a flow program: execution_started (unless
 * --no-start), then steps of block_started, log, block_executed (every
 * 10th block fails), and a hardware_health every 50 steps; logs cycle
 * through every level.  With --finish it ends with execution_finished.
 *
 * --count-file F keeps two counters in a small mmap'd file: [0] the
 * number of the event being emitted, [1] the number of events the ring
 * accepted.  They are plain stores (no system call on the emit path) and
 * survive a kill -9, so a test can tell how many events a killed
 * producer got into the ring (exact, or one more when it died inside the
 * emit call).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "shmring.h"

#define MAX_SAMPLES 1000000
#define SLOW_NS 1000000 /* an emit slower than 1 ms is looked at */

static volatile sig_atomic_t stop_flag;

struct prod {
	struct shmring *ring;
	unsigned run_id;
	uint64_t n;          /* number of the last event attempted */
	uint64_t sent;       /* accepted by the ring */
	uint64_t full;       /* refused: ring full */
	uint64_t err;        /* other errors */
	uint64_t step;
	int phase;           /* position inside the step */
	volatile uint64_t *counters; /* --count-file mapping or NULL */
	/* the current window */
	uint64_t *lat;
	size_t nlat;
	uint64_t w_sent, w_full, w_err;
	uint64_t w_blocked;   /* emits that slept (voluntary switch) */
	uint64_t w_preempted; /* slow emits the scheduler preempted */
	uint64_t blocked, preempted;
	/* whole run */
	uint64_t max_ns;
};

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned char *
put_key(unsigned char *p, char k)
{
	*p++ = 0xa1; /* fixstr, 1 byte */
	*p++ = (unsigned char)k;
	return p;
}

static unsigned char *
put_u64(unsigned char *p, uint64_t v)
{
	int i;

	*p++ = 0xcf;
	for (i = 7; i >= 0; i--)
		*p++ = (unsigned char)(v >> (i * 8));
	return p;
}

/* The stamp object {"r": run, "n": n, "t": ns}; returns its length. */
static size_t
pack_stamp(unsigned char *buf, unsigned run, uint64_t n, uint64_t t)
{
	unsigned char *p = buf;

	*p++ = 0x83; /* fixmap, 3 pairs */
	p = put_key(p, 'r');
	p = put_u64(p, run);
	p = put_key(p, 'n');
	p = put_u64(p, n);
	p = put_key(p, 't');
	p = put_u64(p, t);
	return (size_t)(p - buf);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
pct(const uint64_t *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i];
}

static void
flush_window(struct prod *p, unsigned w, double t0, double t1)
{
	uint64_t mx = 0;

	qsort(p->lat, p->nlat, sizeof(p->lat[0]), cmp_u64);
	if (p->nlat)
		mx = p->lat[p->nlat - 1];
	printf("{\"w\":%u,\"t0\":%.3f,\"t1\":%.3f,\"sent\":%llu,\"full\":%llu,"
	       "\"err\":%llu,\"p50_ns\":%llu,\"p99_ns\":%llu,\"max_ns\":%llu,"
	       "\"blocked\":%llu,\"preempted\":%llu}\n",
	       w, t0, t1, (unsigned long long)p->w_sent,
	       (unsigned long long)p->w_full, (unsigned long long)p->w_err,
	       (unsigned long long)pct(p->lat, p->nlat, 0.50),
	       (unsigned long long)pct(p->lat, p->nlat, 0.99),
	       (unsigned long long)mx, (unsigned long long)p->w_blocked,
	       (unsigned long long)p->w_preempted);
	fflush(stdout);
	p->nlat = 0;
	p->w_sent = p->w_full = p->w_err = 0;
	p->w_blocked = p->w_preempted = 0;
}

/* Emit the next event of the program; time the emit call alone.  A
 * step is block_started, log, block_executed and, every 50th step, a
 * hardware_health after them. */
static void
emit_next(struct prod *p)
{
	static const char *const levels[] = { "debug", "info", "warn",
					      "error" };
	static const char *const hw[] = { "ok", "degraded", "ok", "fault" };
	unsigned char stamp[64];
	char id[48], text[96];
	uint64_t n = ++p->n, step = p->step, t0 = 0, t1, t;
	struct rusage ru0, ru1;
	size_t len;
	int rc = 0;

	/* Context switches before the call (outside the timed part): a slow
	 * emit is then told apart as blocked (the thread gave up the CPU:
	 * voluntary switch) or preempted (the scheduler took it). */
	getrusage(RUSAGE_THREAD, &ru0);

	if (p->counters)
		p->counters[0] = n;
	snprintf(id, sizeof(id), "b%u-%llu", p->run_id,
		 (unsigned long long)step);
	t = now_ns(CLOCK_REALTIME);
	len = pack_stamp(stamp, p->run_id, n, t);
	switch (p->phase) {
	case 0:
		snprintf(text, sizeof(text), "n=%llu t=%llu r=%u",
			 (unsigned long long)n, (unsigned long long)t,
			 p->run_id);
		t0 = now_ns(CLOCK_MONOTONIC);
		rc = shmring_emit_block_started(p->ring, id, "sensor_read",
						"Read EC", text, stamp, len);
		p->phase = 1;
		break;
	case 1:
		t0 = now_ns(CLOCK_MONOTONIC);
		rc = shmring_emit_log(p->ring, levels[step % 4],
				      "reading sensor", "Sensor", "fault",
				      stamp, len);
		p->phase = 2;
		break;
	case 2:
		t0 = now_ns(CLOCK_MONOTONIC);
		rc = shmring_emit_block_executed(
			p->ring, id, step % 10 == 9 ? "failed" : "completed",
			stamp, len, step % 10 == 9 ? "sensor timeout" : NULL);
		if (step % 50 == 49) {
			p->phase = 3;
		} else {
			p->phase = 0;
			p->step++;
		}
		break;
	default:
		t0 = now_ns(CLOCK_MONOTONIC);
		rc = shmring_emit_hardware_health(p->ring, "pump_1",
						  hw[(step / 50) % 4], stamp,
						  len);
		p->phase = 0;
		p->step++;
		break;
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	if (t1 - t0 > SLOW_NS) {
		getrusage(RUSAGE_THREAD, &ru1);
		if (ru1.ru_nvcsw != ru0.ru_nvcsw) {
			p->w_blocked++;
			p->blocked++;
		} else {
			p->w_preempted++;
			p->preempted++;
		}
	}
	if (rc == 0) {
		p->sent++;
		p->w_sent++;
		if (p->counters)
			p->counters[1] = p->sent;
	} else if (rc == SHMRING_FULL) {
		p->full++;
		p->w_full++;
	} else {
		p->err++;
		p->w_err++;
	}
	if (p->nlat < MAX_SAMPLES)
		p->lat[p->nlat++] = t1 - t0;
	if (t1 - t0 > p->max_ns)
		p->max_ns = t1 - t0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: faultprod --ring NAME [--rate N] [--count N] [--duration S]\n"
		"                 [--run-id N] [--window-ms N] [--no-start] [--finish]\n"
		"                 [--count-file F] [--ring-size BYTES]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ring", required_argument, NULL, 'r' },
		{ "ring-size", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'R' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "run-id", required_argument, NULL, 'i' },
		{ "window-ms", required_argument, NULL, 'w' },
		{ "no-start", no_argument, NULL, 'S' },
		{ "finish", no_argument, NULL, 'F' },
		{ "count-file", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct shmring_opts ro;
	struct prod p;
	struct sigaction sa;
	const char *ring_name = NULL, *count_file = NULL;
	double rate = 1000, duration = 0;
	unsigned long long count = 0;
	unsigned window_ms = 1000, w = 0;
	int c, no_start = 0, finish = 0, rc;
	uint64_t start_mono, next, period_ns, win_end, win_ns;
	double wt0;

	memset(&p, 0, sizeof(p));
	memset(&ro, 0, sizeof(ro));
	p.run_id = 1;
	while ((c = getopt_long(argc, argv, "r:s:R:c:d:i:w:SFC:h", opts,
				NULL)) != -1) {
		switch (c) {
		case 'r': ring_name = optarg; break;
		case 's': ro.capacity = strtoull(optarg, NULL, 0); break;
		case 'R': rate = strtod(optarg, NULL); break;
		case 'c': count = strtoull(optarg, NULL, 0); break;
		case 'd': duration = strtod(optarg, NULL); break;
		case 'i': p.run_id = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'w': window_ms = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'S': no_start = 1; break;
		case 'F': finish = 1; break;
		case 'C': count_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (ring_name == NULL || rate <= 0 || rate > 1e7 || window_ms == 0) {
		usage(stderr);
		return 2;
	}
	p.lat = calloc(MAX_SAMPLES, sizeof(*p.lat));
	if (p.lat == NULL) {
		perror("faultprod: calloc");
		return 1;
	}
	if (count_file) {
		int fd = open(count_file, O_RDWR | O_CREAT | O_TRUNC, 0600);
		void *m;

		if (fd < 0 || ftruncate(fd, 4096) < 0) {
			perror("faultprod: count file");
			return 1;
		}
		m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (m == MAP_FAILED) {
			perror("faultprod: mmap count file");
			return 1;
		}
		p.counters = m;
	}
	rc = shmring_open(&p.ring, ring_name, &ro);
	if (rc < 0) {
		fprintf(stderr, "faultprod: %s: %s\n", ring_name,
			shmring_strerror(rc));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (!no_start) {
		unsigned char stamp[64];
		char sid[32];
		size_t len = pack_stamp(stamp, p.run_id, ++p.n,
					now_ns(CLOCK_REALTIME));

		snprintf(sid, sizeof(sid), "fault-%u", p.run_id);
		rc = shmring_emit_execution_started(p.ring, sid, "faultprog",
						    "Fault test program",
						    stamp, len);
		if (rc == 0)
			p.sent++;
		else
			p.n--;
		if (p.counters) {
			p.counters[0] = p.n;
			p.counters[1] = p.sent;
		}
	}
	period_ns = (uint64_t)(1e9 / rate);
	win_ns = (uint64_t)window_ms * 1000000u;
	start_mono = now_ns(CLOCK_MONOTONIC);
	next = start_mono;
	win_end = start_mono + win_ns;
	wt0 = (double)now_ns(CLOCK_REALTIME) / 1e9;
	while (!stop_flag) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);

		if (count && p.n >= count)
			break;
		if (duration > 0 && now - start_mono >= (uint64_t)(duration * 1e9))
			break;
		if (now >= win_end) {
			double wt1 = (double)now_ns(CLOCK_REALTIME) / 1e9;

			flush_window(&p, w++, wt0, wt1);
			wt0 = wt1;
			win_end += win_ns;
			continue;
		}
		if (now < next) {
			struct timespec ts;
			uint64_t until = next < win_end ? next : win_end;

			ts.tv_sec = (time_t)(until / 1000000000u);
			ts.tv_nsec = (long)(until % 1000000000u);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			continue;
		}
		emit_next(&p);
		next += period_ns;
	}
	if (finish) {
		unsigned char stamp[64];
		size_t len = pack_stamp(stamp, p.run_id, ++p.n,
					now_ns(CLOCK_REALTIME));

		rc = shmring_emit_execution_finished(p.ring, "completed", stamp,
						     len);
		if (rc == 0)
			p.sent++;
	}
	if (p.counters)
		p.counters[1] = p.sent;
	flush_window(&p, w, wt0, (double)now_ns(CLOCK_REALTIME) / 1e9);
	printf("{\"summary\":{\"run\":%u,\"attempted\":%llu,\"sent\":%llu,"
	       "\"full\":%llu,\"err\":%llu,\"max_ns\":%llu,\"blocked\":%llu,"
	       "\"preempted\":%llu}}\n",
	       p.run_id, (unsigned long long)p.n, (unsigned long long)p.sent,
	       (unsigned long long)p.full, (unsigned long long)p.err,
	       (unsigned long long)p.max_ns, (unsigned long long)p.blocked,
	       (unsigned long long)p.preempted);
	fflush(stdout);
	shmring_close(p.ring);
	free(p.lat);
	return p.err ? 1 : 0;
}
