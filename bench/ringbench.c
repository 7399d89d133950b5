/*
 * ringbench: throughput and latency of libshmring against an AF_UNIX
 * socket carrying the same records, one JSON object per line and case.
 *
 * Each case runs two phases with the same producers (threads, pinned to
 * CPU 0) and one consumer (the main thread, pinned to the last CPU):
 *
 *  - throughput: producers write COUNT records as fast as they can; a
 *    producer that finds the ring full backs off and retries, so every
 *    record arrives and records_per_s is what the pair sustains.  Every
 *    16th write is timed with the TSC (lfence; rdtsc ... rdtscp), so the
 *    emit percentiles come from the running workload at a cost of a few
 *    cycles per sample.
 *  - end-to-end: producers write paced records (one every ~20 us each)
 *    stamped with the TSC; the consumer subtracts its own TSC on receipt.
 *    Pacing keeps queueing out: this is the delivery latency of one
 *    record, not the depth of a backlog.  Run twice: with the consumer
 *    busy-polling (e2e_ns_*) and with it sleeping in shmring_wait() or a
 *    blocking recv() when idle (e2e_sleep_ns_*), as the hub does.
 *
 * consumer_records_per_cpu_s divides the records of the throughput phase
 * by the consumer thread's CPU time: on a busy machine it says what the
 * consumer sustains while it runs (it includes polls of an empty ring, so
 * it is a lower bound when the consumer keeps up).
 *
 * The socket cases use one SOCK_SEQPACKET socketpair shared by the
 * producers (blocking sends: the kernel paces them, where the ring would
 * drop).  TSC ticks become ns by calibration against CLOCK_MONOTONIC;
 * the TSC is invariant and shared by both CPUs here (constant_tsc,
 * nonstop_tsc).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "shmring.h"

#define SAMPLE_MASK 15u
#define MAX_PROD 8

enum kind { K_RING, K_UNIX };

struct bench {
	enum kind kind;
	unsigned producers;
	uint32_t rec;
	uint64_t count;     /* throughput phase, all producers together */
	uint64_t e2e_count; /* paced phase */
	size_t ring_bytes;
	char name[64];
	struct shmring *r;
	int sv[2];
	_Atomic int go;      /* 1 = throughput phase, 2 = paced phase */
	_Atomic unsigned ready;
	uint64_t *emit[MAX_PROD];
	uint64_t nemit[MAX_PROD];
	uint64_t full_waits[MAX_PROD];
	uint64_t *e2e;
	uint64_t ne2e;
};

struct prod {
	struct bench *b;
	unsigned id;
};

static double tsc_per_ns;
static int ncpu;
static bool no_pin;

static void
pin(int cpu)
{
	cpu_set_t set;

	if (no_pin)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time of the calling thread: what it cost while it ran, whatever
 * else the machine was doing. */
static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t
tsc_begin(void)
{
	_mm_lfence();
	return __rdtsc();
}

static inline uint64_t
tsc_end(void)
{
	unsigned aux;

	return __rdtscp(&aux);
}

static void
calibrate(void)
{
	uint64_t n0 = mono_ns(), t0 = __rdtsc(), n1, t1;

	do
		n1 = mono_ns();
	while (n1 - n0 < 100000000ull);
	t1 = __rdtsc();
	tsc_per_ns = (double)(t1 - t0) / (double)(n1 - n0);
}

static int
send_one(struct bench *b, const void *buf)
{
	if (b->kind == K_RING)
		return shmring_write(b->r, 1, buf, b->rec);
	for (;;) {
		ssize_t n = send(b->sv[0], buf, b->rec, 0);

		if (n == (ssize_t)b->rec)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return -errno;
	}
}

static void paced(struct bench *b, int phase);

static void *
producer(void *arg)
{
	struct prod *p = arg;
	struct bench *b = p->b;
	uint64_t n = b->count / b->producers, i, ns = 0, full = 0;
	uint64_t *samples = b->emit[p->id];
	unsigned char buf[4096];
	int rc;

	pin(0);
	memset(buf, 0xab, sizeof(buf));
	atomic_fetch_add(&b->ready, 1);
	while (atomic_load(&b->go) != 1)
		_mm_pause();
	for (i = 0; i < n; i++) {
		memcpy(buf, &i, 8);
		for (;;) {
			if ((i & SAMPLE_MASK) == 0) {
				uint64_t t0 = tsc_begin();

				rc = send_one(b, buf);
				uint64_t t1 = tsc_end();

				if (rc == 0)
					samples[ns++] = t1 - t0;
			} else {
				rc = send_one(b, buf);
			}
			if (rc == 0)
				break;
			if (rc != SHMRING_FULL) {
				fprintf(stderr, "ringbench: write: %s\n", shmring_strerror(rc));
				exit(1);
			}
			full++;
			for (int k = 0; k < 64; k++)
				_mm_pause();
		}
	}
	b->nemit[p->id] = ns;
	b->full_waits[p->id] = full;

	/* Paced phases (consumer polling, then sleeping when idle): stamped
	 * records, one every ~20 us (plus timer slack) per producer. */
	for (int phase = 2; phase <= 3; phase++)
		paced(b, phase);
	return NULL;
}

static void
paced(struct bench *b, int phase)
{
	unsigned char buf[4096];
	uint64_t n, i;
	int rc;

	memset(buf, 0xab, sizeof(buf));
	while (atomic_load(&b->go) != phase)
		sched_yield();
	n = b->e2e_count / b->producers;
	for (i = 0; i < n; i++) {
		struct timespec d = { 0, 20000 };
		uint64_t t;

		nanosleep(&d, NULL);
		t = __rdtsc();
		memcpy(buf, &t, 8);
		while ((rc = send_one(b, buf)) == SHMRING_FULL)
			_mm_pause();
		if (rc != 0) {
			fprintf(stderr, "ringbench: write: %s\n", shmring_strerror(rc));
			exit(1);
		}
	}
}

struct cons {
	struct bench *b;
	uint64_t got;
	uint64_t last_end;
	bool stamp;
};

static void
on_record(int32_t type, const void *data, uint32_t len, uint64_t pos_end, void *arg)
{
	struct cons *c = arg;

	c->last_end = pos_end;
	if (c->stamp) {
		uint64_t t;

		memcpy(&t, data, 8);
		c->b->e2e[c->b->ne2e++] = __rdtsc() - t;
	} else {
		/* Touch the payload as a real consumer would. */
		volatile uint8_t sink = ((const uint8_t *)data)[len - 1];
		(void)sink;
	}
	c->got++;
}

/* Consume TOTAL records; returns when all arrived.  SLEEP: block in
 * shmring_wait / recv when idle instead of polling. */
static void
consume(struct bench *b, struct cons *c, uint64_t total, bool sleep)
{
	static unsigned char buf[65536];

	while (c->got < total) {
		if (b->kind == K_RING) {
			int n = shmring_read(b->r, on_record, c, 1024);

			if (n < 0) {
				fprintf(stderr, "ringbench: read: %s\n", shmring_strerror(n));
				exit(1);
			}
			if (n > 0 && shmring_release(b->r, c->last_end) != 0)
				exit(1);
			if (n == 0) {
				if (sleep)
					shmring_wait(b->r, 100);
				else
					_mm_pause();
			}
		} else {
			ssize_t n = recv(b->sv[1], buf, sizeof(buf), sleep ? 0 : MSG_DONTWAIT);

			if (n < 0) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				perror("ringbench: recv");
				exit(1);
			}
			on_record(1, buf, (uint32_t)n, 0, c);
		}
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(uint64_t *v, uint64_t n, double q)
{
	uint64_t i;

	if (n == 0)
		return 0;
	i = (uint64_t)(q * (double)(n - 1) + 0.5);
	return (double)v[i] / tsc_per_ns;
}

static void
run(struct bench *b)
{
	pthread_t th[MAX_PROD];
	struct prod p[MAX_PROD];
	struct cons c = { .b = b };
	uint64_t t0, t1, c0, c1, nall = 0, full = 0, *all, ne2e_poll;
	unsigned i;

	if (b->kind == K_RING) {
		struct shmring_opts o = { .capacity = b->ring_bytes };
		int rc;

		snprintf(b->name, sizeof(b->name), "/ringbench-%d", (int)getpid());
		shmring_unlink(b->name);
		rc = shmring_open(&b->r, b->name, &o);
		if (rc == 0)
			rc = shmring_consumer_attach(b->r);
		if (rc != 0) {
			fprintf(stderr, "ringbench: %s\n", shmring_strerror(rc));
			exit(1);
		}
	} else if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, b->sv) < 0) {
		perror("ringbench: socketpair");
		exit(1);
	}
	for (i = 0; i < b->producers; i++) {
		b->emit[i] = calloc(b->count / b->producers / (SAMPLE_MASK + 1) + 2, 8);
		p[i] = (struct prod){ .b = b, .id = i };
		pthread_create(&th[i], NULL, producer, &p[i]);
	}
	b->e2e = calloc(2 * b->e2e_count + 1, 8);
	while (atomic_load(&b->ready) < b->producers)
		sched_yield();
	t0 = mono_ns();
	c0 = thread_cpu_ns();
	atomic_store(&b->go, 1);
	consume(b, &c, b->count / b->producers * b->producers, false);
	t1 = mono_ns();
	c1 = thread_cpu_ns();
	c.got = 0;
	c.stamp = true;
	atomic_store(&b->go, 2);
	consume(b, &c, b->e2e_count / b->producers * b->producers, false);
	ne2e_poll = b->ne2e;
	c.got = 0;
	atomic_store(&b->go, 3);
	consume(b, &c, b->e2e_count / b->producers * b->producers, true);
	for (i = 0; i < b->producers; i++)
		pthread_join(th[i], NULL);

	for (i = 0; i < b->producers; i++)
		nall += b->nemit[i];
	all = calloc(nall + 1, 8);
	nall = 0;
	for (i = 0; i < b->producers; i++) {
		memcpy(all + nall, b->emit[i], b->nemit[i] * 8);
		nall += b->nemit[i];
		full += b->full_waits[i];
		free(b->emit[i]);
	}
	qsort(all, nall, 8, cmp_u64);
	qsort(b->e2e, ne2e_poll, 8, cmp_u64);
	qsort(b->e2e + ne2e_poll, b->ne2e - ne2e_poll, 8, cmp_u64);
	printf("{\"case\":\"%s-%up-%u\",\"producers\":%u,\"record_bytes\":%u,"
	       "\"records_per_s\":%.0f,\"emit_ns_p50\":%.0f,\"emit_ns_p99\":%.0f,"
	       "\"emit_ns_p999\":%.0f,\"e2e_ns_p50\":%.0f,\"e2e_ns_p99\":%.0f,"
	       "\"e2e_sleep_ns_p50\":%.0f,\"e2e_sleep_ns_p99\":%.0f,"
	       "\"consumer_records_per_cpu_s\":%.0f,"
	       "\"records\":%llu,\"full_retries\":%llu,\"ring_bytes\":%zu}\n",
	       b->kind == K_RING ? "ring" : "unix", b->producers, b->rec,
	       b->producers, b->rec,
	       (double)(b->count / b->producers * b->producers) * 1e9 / (double)(t1 - t0),
	       pct(all, nall, 0.5), pct(all, nall, 0.99), pct(all, nall, 0.999),
	       pct(b->e2e, ne2e_poll, 0.5), pct(b->e2e, ne2e_poll, 0.99),
	       pct(b->e2e + ne2e_poll, b->ne2e - ne2e_poll, 0.5),
	       pct(b->e2e + ne2e_poll, b->ne2e - ne2e_poll, 0.99),
	       (double)(b->count / b->producers * b->producers) * 1e9 /
		       (double)(c1 - c0 ? c1 - c0 : 1),
	       (unsigned long long)(b->count / b->producers * b->producers),
	       (unsigned long long)full, b->kind == K_RING ? b->ring_bytes : 0);
	fflush(stdout);
	free(all);
	free(b->e2e);
	if (b->kind == K_RING) {
		shmring_close(b->r);
		shmring_unlink(b->name);
	} else {
		close(b->sv[0]);
		close(b->sv[1]);
	}
}

/*
 * One thread writes a batch, reads it back and releases it: the CPU cost
 * of a record on both sides without cross-core traffic or scheduling.
 * Load on the machine only shows as preemption, so this figure is stable
 * where the two-thread ones are not.
 */
static void
run_inline(uint32_t rec, uint64_t count, size_t cap)
{
	struct shmring_opts o = { .capacity = cap };
	struct cons c = { 0 };
	struct bench b = { .kind = K_RING };
	unsigned char buf[4096] = { 0 };
	uint64_t i, t0, t1;
	char name[64];
	int rc;

	snprintf(name, sizeof(name), "/ringbench-%d", (int)getpid());
	shmring_unlink(name);
	rc = shmring_open(&b.r, name, &o);
	if (rc == 0)
		rc = shmring_consumer_attach(b.r);
	if (rc != 0) {
		fprintf(stderr, "ringbench: %s\n", shmring_strerror(rc));
		exit(1);
	}
	c.b = &b;
	t0 = mono_ns();
	for (i = 0; i < count; i += 256) {
		for (unsigned k = 0; k < 256; k++)
			if (shmring_write(b.r, 1, buf, rec) != 0)
				exit(1);
		while (shmring_read(b.r, on_record, &c, 1024) > 0)
			;
		if (shmring_release(b.r, c.last_end) != 0)
			exit(1);
	}
	t1 = mono_ns();
	printf("{\"case\":\"inline-1p-%u\",\"producers\":1,\"record_bytes\":%u,"
	       "\"records_per_s\":%.0f,\"ns_per_record\":%.1f,\"records\":%llu,"
	       "\"ring_bytes\":%zu}\n",
	       rec, rec, (double)c.got * 1e9 / (double)(t1 - t0),
	       (double)(t1 - t0) / (double)c.got, (unsigned long long)c.got, cap);
	fflush(stdout);
	shmring_close(b.r);
	shmring_unlink(name);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: ringbench [-n records] [-u unix-records] [-e e2e-records]\n"
		"                 [-c ring-bytes] [-s sizes] [-p producer-counts] [-k ring|unix|both|inline|all]\n"
		"                 [-P (do not pin threads to CPUs)]\n");
}

int
main(int argc, char **argv)
{
	uint64_t n = 8000000, nu = 1000000, ne = 20000;
	size_t cap = SHMRING_DEFAULT_CAPACITY;
	unsigned sizes[8] = { 64, 256, 1024 }, nsizes = 3, prods[4] = { 1, 4 }, nprods = 2;
	const char *kinds = "both";
	int ch;

	while ((ch = getopt(argc, argv, "n:u:e:c:s:p:k:Ph")) != -1) {
		char *tok, *save;

		switch (ch) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'u': nu = strtoull(optarg, NULL, 10); break;
		case 'e': ne = strtoull(optarg, NULL, 10); break;
		case 'c': cap = strtoull(optarg, NULL, 0); break;
		case 'k': kinds = optarg; break;
		case 'P': no_pin = true; break;
		case 's':
			nsizes = 0;
			for (tok = strtok_r(optarg, ",", &save); tok && nsizes < 8;
			     tok = strtok_r(NULL, ",", &save))
				sizes[nsizes++] = (unsigned)atoi(tok);
			break;
		case 'p':
			nprods = 0;
			for (tok = strtok_r(optarg, ",", &save); tok && nprods < 4;
			     tok = strtok_r(NULL, ",", &save))
				prods[nprods++] = (unsigned)atoi(tok);
			break;
		default:
			usage();
			return ch == 'h' ? 0 : 2;
		}
	}
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	pin(ncpu - 1);
	calibrate();
	if (strcmp(kinds, "inline") == 0 || strcmp(kinds, "all") == 0)
		for (unsigned si = 0; si < nsizes; si++)
			run_inline(sizes[si] < 8 ? 8 : (sizes[si] > 4096 ? 4096 : sizes[si]),
				   n, cap);
	if (strcmp(kinds, "inline") == 0)
		return 0;
	for (unsigned k = 0; k < 2; k++) {
		if (((int)k == K_RING && strcmp(kinds, "unix") == 0) ||
		    ((int)k == K_UNIX && strcmp(kinds, "ring") == 0))
			continue;
		for (unsigned pi = 0; pi < nprods; pi++)
			for (unsigned si = 0; si < nsizes; si++) {
				struct bench b = {
					.kind = (enum kind)k,
					.producers = prods[pi] > MAX_PROD ? MAX_PROD : prods[pi],
					.rec = sizes[si] < 8 ? 8 : (sizes[si] > 4096 ? 4096 : sizes[si]),
					.count = k == K_RING ? n : nu,
					.e2e_count = ne,
					.ring_bytes = cap,
				};
				run(&b);
			}
	}
	return 0;
}
