/*
 * The ring across processes and threads: many producers against one
 * consumer (every record exactly once, in each producer's order, intact),
 * producers killed or stopped between claim and commit, simultaneous
 * create-or-attach, and segments corrupted on purpose.  Producers are
 * forked children (or threads) using the real library on a real segment.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmring.h"
#include "shmring_private.h"

static char name[64];

static void
setup(void)
{
	static int n;

	snprintf(name, sizeof(name), "/fhtest-mp-%d-%d", (int)getpid(), n++);
	shm_unlink(name);
}

static void
teardown(void)
{
	shm_unlink(name);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The library promises to skip a dead producer's claim within a second (it
 * checks every 100 ms).  Sanitizer builds run slower and say so through
 * CK_TIMEOUT_MULTIPLIER; the bound stretches with it.
 */
static uint64_t
skip_bound_ms(void)
{
	const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
	long k = m ? strtol(m, NULL, 10) : 1;

	return 1000 * (uint64_t)(k >= 1 ? k : 1);
}

static struct shmring *
open_ring(size_t cap, uint32_t liveness_ms)
{
	struct shmring_opts o = { .capacity = cap, .liveness_timeout_ms = liveness_ms };
	struct shmring *r = NULL;
	int rc = shmring_open(&r, name, &o);

	ck_assert_msg(rc == 0, "open: %s", shmring_strerror(rc));
	return r;
}

/* The header as the segment has it, for tests that play a broken party. */
static struct shmring__hdr *
map_header(void)
{
	int fd = shm_open(name, O_RDWR, 0);
	void *m;

	ck_assert_int_ge(fd, 0);
	m = mmap(NULL, SHMRING__HDR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ck_assert_ptr_ne(m, MAP_FAILED);
	return m;
}

/* ---- many producers ------------------------------------------------- */

#define NPROD 4
#define PER_PROD 1000000u

static uint32_t
rec_len(uint32_t seq)
{
	return 8 + (uint32_t)((seq * 2654435761u) >> 23) % 500; /* 8..507 */
}

static unsigned char
rec_byte(uint32_t prod, uint32_t seq, uint32_t i)
{
	return (unsigned char)(prod * 31 + seq + i * 7);
}

static void
produce(struct shmring *r, uint32_t prod, uint32_t count, int use_claim)
{
	unsigned char buf[512];
	uint32_t seq, i, len;

	for (seq = 0; seq < count; seq++) {
		len = rec_len(seq);
		memcpy(buf, &prod, 4);
		memcpy(buf + 4, &seq, 4);
		for (i = 8; i < len; i++)
			buf[i] = rec_byte(prod, seq, i);
		for (;;) {
			int rc;

			if (use_claim && (seq & 1)) {
				struct shmring_claim c;

				rc = shmring_claim(r, 1 + (int32_t)prod, len, &c);
				if (rc == 0) {
					memcpy(c.data, buf, len);
					shmring_commit(r, &c);
				}
			} else {
				rc = shmring_write(r, 1 + (int32_t)prod, buf, len);
			}
			if (rc == 0)
				break;
			if (rc != SHMRING_FULL)
				_exit(3);
			sched_yield();
		}
	}
}

struct check_state {
	uint32_t next[NPROD];
	uint64_t total;
	uint64_t bad;
	uint64_t last_end;
};

static void
verify(int32_t type, const void *data, uint32_t len, uint64_t pos_end, void *arg)
{
	struct check_state *s = arg;
	const unsigned char *p = data;
	uint32_t prod, seq, i;

	s->last_end = pos_end;
	s->total++;
	if (len < 8) {
		s->bad++;
		return;
	}
	memcpy(&prod, p, 4);
	memcpy(&seq, p + 4, 4);
	if (prod >= NPROD || type != 1 + (int32_t)prod || seq != s->next[prod] ||
	    len != rec_len(seq)) {
		s->bad++;
		return;
	}
	s->next[prod]++;
	for (i = 8; i < len; i++)
		if (p[i] != rec_byte(prod, seq, i)) {
			s->bad++;
			return;
		}
}

/* Consume until TOTAL records arrived or LIMIT_MS passed. */
static void
consume_all(struct shmring *r, struct check_state *s, uint64_t total,
	    uint64_t limit_ms)
{
	uint64_t t0 = mono_ms();

	while (s->total < total && mono_ms() - t0 < limit_ms) {
		int n = shmring_read(r, verify, s, 512);

		ck_assert_msg(n >= 0, "read: %s", shmring_strerror(n));
		if (n > 0)
			ck_assert_int_eq(shmring_release(r, s->last_end), 0);
		else
			shmring_wait(r, 10);
	}
}

START_TEST(should_deliver_each_record_of_four_producer_processes_once_in_order)
{
	struct shmring *r = open_ring(1u << 20, 0);
	struct check_state *s = calloc(1, sizeof(*s));
	struct shmring_stats st;
	pid_t kids[NPROD];
	uint32_t p;
	int status;

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	for (p = 0; p < NPROD; p++) {
		kids[p] = fork();
		ck_assert_int_ge(kids[p], 0);
		if (kids[p] == 0) {
			struct shmring *w = NULL;

			/* Half the children reuse the inherited handle. */
			if (p & 1) {
				if (shmring_open(&w, name, NULL) != 0)
					_exit(2);
			} else {
				w = r;
			}
			produce(w, p, PER_PROD, 1);
			_exit(0);
		}
	}
	consume_all(r, s, (uint64_t)NPROD * PER_PROD, 50000);
	for (p = 0; p < NPROD; p++) {
		ck_assert_int_eq(waitpid(kids[p], &status, 0), kids[p]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "producer %u status %#x", p, status);
	}
	ck_assert_uint_eq(s->bad, 0);
	ck_assert_uint_eq(s->total, (uint64_t)NPROD * PER_PROD);
	for (p = 0; p < NPROD; p++)
		ck_assert_uint_eq(s->next[p], PER_PROD);
	ck_assert_int_eq(shmring_read(r, verify, s, 10), 0);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.written, (uint64_t)NPROD * PER_PROD);
	ck_assert_uint_eq(st.skipped, 0);
	ck_assert_uint_eq(st.aborted, 0);
	free(s);
	shmring_close(r);
}
END_TEST

struct thr {
	struct shmring *r;
	uint32_t prod;
};

static void *
thread_produce(void *arg)
{
	struct thr *t = arg;

	produce(t->r, t->prod, 200000, 1);
	return NULL;
}

START_TEST(should_keep_order_per_thread_when_threads_share_a_handle)
{
	struct shmring *r = open_ring(1u << 18, 0), *w = open_ring(0, 0);
	struct check_state *s = calloc(1, sizeof(*s));
	pthread_t th[NPROD];
	struct thr t[NPROD];
	struct shmring_stats st;
	uint32_t p;

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	for (p = 0; p < NPROD; p++) {
		t[p] = (struct thr){ .r = w, .prod = p };
		ck_assert_int_eq(pthread_create(&th[p], NULL, thread_produce, &t[p]), 0);
	}
	consume_all(r, s, (uint64_t)NPROD * 200000, 30000);
	for (p = 0; p < NPROD; p++)
		pthread_join(th[p], NULL);
	ck_assert_uint_eq(s->bad, 0);
	ck_assert_uint_eq(s->total, (uint64_t)NPROD * 200000);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.producers, NPROD); /* one slot per thread */
	ck_assert_uint_eq(st.written, (uint64_t)NPROD * 200000);
	shmring_close(w);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.producers, 0); /* close gave them back */
	free(s);
	shmring_close(r);
}
END_TEST

static void *
write_one(void *arg)
{
	return (void *)(intptr_t)shmring_write(arg, 3, "t", 1);
}

START_TEST(should_reuse_the_slots_of_exited_threads)
{
	struct shmring *r = open_ring(1u << 20, 0);
	struct shmring_stats st;
	unsigned i;

	/* More threads than slots, one after the other, none releasing. */
	for (i = 0; i < SHMRING__NSLOTS + 60; i++) {
		pthread_t th;
		void *rc;

		ck_assert_int_eq(pthread_create(&th, NULL, write_one, r), 0);
		ck_assert_int_eq(pthread_join(th, &rc), 0);
		ck_assert_msg((intptr_t)rc == 0, "thread %u: %s", i,
			      shmring_strerror((int)(intptr_t)rc));
	}
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.written, SHMRING__NSLOTS + 60);
	ck_assert_uint_le(st.producers, SHMRING__NSLOTS);
	shmring_close(r);
}
END_TEST

START_TEST(should_keep_the_consumer_when_a_forked_child_closes_its_copy)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 0), *other;
	struct shmring_stats st;
	int status;
	pid_t pid;

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	ck_assert_int_eq(shmring_write(r, 1, "p", 1), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* The child writes through the inherited handle (with a slot
		 * of its own) and closes it. */
		int rc = shmring_write(r, 2, "c", 1);

		shmring_close(r);
		_exit(rc == 0 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	shmring_stats(r, &st);
	ck_assert_int_eq(st.consumer_pid, getpid());
	ck_assert_uint_eq(st.written, 2);
	ck_assert_uint_eq(st.producers, 1); /* ours; the child gave its slot back */
	other = open_ring(0, 0);
	ck_assert_int_eq(shmring_consumer_attach(other), -EBUSY);
	shmring_close(other);
	ck_assert_int_eq(shmring_write(r, 1, "p", 1), 0);
	shmring_close(r);
}
END_TEST

/* ---- dead and stopped producers -------------------------------------- */

struct seen {
	unsigned n;
	int32_t types[16];
};

static void
note(int32_t type, const void *data, uint32_t len, uint64_t pos_end, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16)
		s->types[s->n] = type;
	s->n++;
}

START_TEST(should_wake_a_sleeping_consumer_from_another_process)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 0);
	struct seen s = { 0 };
	uint64_t t0, took;
	int status;
	pid_t pid;

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct shmring *w = NULL;
		struct timespec d = { 0, 300 * 1000000L };

		if (shmring_open(&w, name, NULL) != 0)
			_exit(2);
		nanosleep(&d, NULL); /* the consumer is asleep by now */
		_exit(shmring_write(w, 5, "wake", 4) == 0 ? 0 : 3);
	}
	/* Without the futex wake-up this sleeps the whole 20 s. */
	t0 = mono_ms();
	ck_assert_int_eq(shmring_wait(r, 20000), 0);
	took = mono_ms() - t0;
	ck_assert_int_eq(shmring_read(r, note, &s, 10), 1);
	ck_assert_int_eq(s.types[0], 5);
	ck_assert_msg(took < 10000, "woke after %llu ms", (unsigned long long)took);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	shmring_close(r);
}
END_TEST

START_TEST(should_stop_waking_a_consumer_that_died_asleep)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 0);
	struct shmring__hdr *h = map_header();
	struct shmring *c;

	/* What a consumer killed inside shmring_wait leaves behind. */
	atomic_store(&h->sleeping, 1);
	ck_assert_int_eq(shmring_write(r, 1, "a", 1), 0);
	ck_assert_uint_eq(atomic_load(&h->sleeping), 0);
	ck_assert_int_eq(shmring_write(r, 1, "b", 1), 0);
	/* A new consumer starts from a clear flag as well. */
	atomic_store(&h->sleeping, 1);
	c = open_ring(0, 0);
	ck_assert_int_eq(shmring_consumer_attach(c), 0);
	ck_assert_uint_eq(atomic_load(&h->sleeping), 0);
	shmring_close(c);
	munmap(h, SHMRING__HDR_SIZE);
	shmring_close(r);
}
END_TEST

/* Fork a child that claims a record, tells us, and then waits for
 * SIGCONT (after stopping itself) before committing it. */
static pid_t
child_claims_and_stops(int *fdp)
{
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct shmring *w = NULL;
		struct shmring_claim c;

		close(fds[0]);
		if (shmring_open(&w, name, NULL) != 0 ||
		    shmring_claim(w, 42, 64, &c) != 0)
			_exit(2);
		memset(c.data, 0x5a, 64);
		if (write(fds[1], "c", 1) != 1)
			_exit(2);
		raise(SIGSTOP);
		shmring_commit(w, &c);
		shmring_close(w);
		_exit(0);
	}
	close(fds[1]);
	*fdp = fds[0];
	return pid;
}

static void
wait_stopped(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
	ck_assert(WIFSTOPPED(status));
}

START_TEST(should_skip_the_claim_of_a_killed_producer_within_a_second)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 0); /* 10 s liveness */
	struct seen s = { 0 };
	struct shmring_stats st;
	uint64_t t0, took;
	char c;
	int fd, i, status;
	pid_t pid;

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	pid = child_claims_and_stops(&fd);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	close(fd);
	wait_stopped(pid);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(shmring_write(r, 7, "after", 5), 0);
	ck_assert_int_eq(shmring_read(r, note, &s, 10), 0);
	/* Kill it and leave it a zombie for a while: still dead. */
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	t0 = mono_ms();
	while (s.n < 3 && mono_ms() - t0 < 5000) {
		int n = shmring_read(r, note, &s, 10);

		ck_assert_int_ge(n, 0);
		if (n == 0)
			shmring_wait(r, 50);
		if (mono_ms() - t0 > 300)
			waitpid(pid, &status, WNOHANG);
	}
	took = mono_ms() - t0;
	waitpid(pid, &status, 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_int_eq(s.types[0], 7);
	ck_assert_msg(took < skip_bound_ms(), "consumer went on after %llu ms",
		      (unsigned long long)took);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.skipped, 1);
	shmring_close(r);
}
END_TEST

START_TEST(should_never_skip_a_stopped_producer)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 0);
	struct seen s = { 0 };
	struct shmring_stats st;
	uint64_t t0;
	char c;
	int fd, i, status;
	pid_t pid;

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	pid = child_claims_and_stops(&fd);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	close(fd);
	wait_stopped(pid);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(shmring_write(r, 7, "after", 5), 0);
	t0 = mono_ms();
	while (mono_ms() - t0 < 3000) {
		ck_assert_int_eq(shmring_read(r, note, &s, 10), 0);
		shmring_wait(r, 50);
	}
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(kill(pid, SIGCONT), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(shmring_read(r, note, &s, 10), 4);
	ck_assert_int_eq(s.types[0], 42);
	ck_assert_int_eq(s.types[3], 7);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.skipped, 0);
	ck_assert_uint_eq(st.written, 4);
	shmring_close(r);
}
END_TEST

START_TEST(should_skip_a_live_producer_only_after_the_liveness_timeout)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 600);
	struct seen s = { 0 };
	struct shmring_stats st;
	uint64_t t0, took = 0;
	char c;
	int fd, status;
	pid_t pid;

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	pid = child_claims_and_stops(&fd);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	close(fd);
	wait_stopped(pid);
	ck_assert_int_eq(shmring_write(r, 7, "after", 5), 0);
	t0 = mono_ms();
	while (s.n == 0 && mono_ms() - t0 < 5000) {
		ck_assert_int_ge(shmring_read(r, note, &s, 10), 0);
		if (s.n == 0)
			shmring_wait(r, 20);
	}
	took = mono_ms() - t0;
	ck_assert_uint_eq(s.n, 1);
	ck_assert_msg(took >= 600, "skipped a live producer after %llu ms",
		      (unsigned long long)took);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.skipped, 1);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);

	/* A claim with nothing behind it is skipped the same way... */
	pid = child_claims_and_stops(&fd);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	close(fd);
	wait_stopped(pid);
	t0 = mono_ms();
	do {
		ck_assert_int_eq(shmring_read(r, note, &s, 10), 0);
		shmring_wait(r, 20);
		shmring_stats(r, &st);
	} while (st.skipped < 2 && mono_ms() - t0 < 5000);
	ck_assert_uint_eq(st.skipped, 2);
	ck_assert_uint_ge(mono_ms() - t0, 600);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);

	/* ...then, after an idle spell longer than the timeout, another live
	 * producer stops mid-claim right there: it gets a full timeout too. */
	t0 = mono_ms();
	while (mono_ms() - t0 < 800) {
		ck_assert_int_eq(shmring_read(r, note, &s, 10), 0);
		shmring_wait(r, 20);
	}
	pid = child_claims_and_stops(&fd);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	close(fd);
	wait_stopped(pid);
	ck_assert_int_eq(shmring_write(r, 7, "after", 5), 0);
	t0 = mono_ms();
	while (s.n == 1 && mono_ms() - t0 < 5000) {
		ck_assert_int_ge(shmring_read(r, note, &s, 10), 0);
		if (s.n == 1)
			shmring_wait(r, 20);
	}
	took = mono_ms() - t0;
	ck_assert_uint_eq(s.n, 2);
	ck_assert_msg(took >= 600, "skipped the second live producer after %llu ms",
		      (unsigned long long)took);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	shmring_close(r);
}
END_TEST

/* A pid that is certainly not running: a reaped child's. */
static pid_t
dead_pid(void)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	waitpid(pid, &status, 0);
	return pid;
}

/*
 * A producer that died right after its tail CAS, before writing anything
 * into the record: only its slot knows the claim.  Done by hand on the
 * segment, the way such a producer leaves it.  WRAP puts the claim across
 * the end of the data area.
 */
static void
check_claim_without_header(int wrap)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 0);
	struct shmring__hdr *h = map_header();
	struct shmring__slot *slot = &h->slots[SHMRING__NSLOTS - 1];
	struct seen s = { 0 };
	struct shmring_stats st;
	uint64_t t0, tail, need = 64;
	pid_t pid = dead_pid();
	int i;

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	if (wrap) {
		static char fillbuf[SHMRING_MIN_CAPACITY / 2];
		struct seen drain = { 0 };

		/* Move tail to 24 bytes before the end of the data area. */
		ck_assert_int_eq(shmring_write(r, 1, fillbuf, sizeof(fillbuf) - 8), 0);
		ck_assert_int_eq(shmring_write(r, 1, fillbuf, sizeof(fillbuf) - 24 - 8), 0);
		ck_assert_int_eq(shmring_read(r, note, &drain, 10), 2);
		ck_assert_int_eq(shmring_release(r, atomic_load(&h->tail)), 0);
		ck_assert_uint_eq(atomic_load(&h->tail), SHMRING_MIN_CAPACITY - 24);
		need = 24 + 64;
	}
	tail = atomic_load(&h->tail);
	atomic_store(&slot->owner, (uint64_t)(uint32_t)pid << 32 | 1);
	atomic_store(&slot->pending, tail);
	atomic_store(&slot->pending_len, (uint32_t)need);
	atomic_store(&h->tail, tail + need);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(shmring_write(r, 9, "z", 1), 0);
	t0 = mono_ms();
	while (s.n < 3 && mono_ms() - t0 < 5000) {
		int n = shmring_read(r, note, &s, 10);

		ck_assert_msg(n >= 0, "read: %s", shmring_strerror(n));
		if (n == 0)
			shmring_wait(r, 50);
	}
	ck_assert_uint_eq(s.n, 3);
	ck_assert_msg(mono_ms() - t0 < skip_bound_ms(), "took %llu ms",
		      (unsigned long long)(mono_ms() - t0));
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.skipped, 1);
	munmap(h, SHMRING__HDR_SIZE);
	shmring_close(r);
}

START_TEST(should_skip_a_claim_whose_producer_died_before_writing_its_header)
{
	check_claim_without_header(0);
}
END_TEST

START_TEST(should_skip_a_wrapping_claim_whose_producer_died_before_writing)
{
	check_claim_without_header(1);
}
END_TEST

/* ---- creation races ---------------------------------------------------- */

START_TEST(should_initialise_once_when_many_processes_open_at_once)
{
	enum { N = 8 };
	int go[2], res[2], i, status;
	pid_t kids[N];
	uint64_t inst[N];
	struct shmring *r;
	struct seen s = { 0 };

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(res), 0);
	for (i = 0; i < N; i++) {
		kids[i] = fork();
		ck_assert_int_ge(kids[i], 0);
		if (kids[i] == 0) {
			struct shmring_opts o = { .capacity = SHMRING_MIN_CAPACITY };
			struct shmring_stats st;
			struct shmring *w = NULL;
			char c;

			close(go[1]);
			if (read(go[0], &c, 1) != 0) /* EOF: everyone starts */
				_exit(2);
			if (shmring_open(&w, name, &o) != 0)
				_exit(3);
			if (shmring_write(w, 1 + i, "r", 1) != 0)
				_exit(4);
			shmring_stats(w, &st);
			if (write(res[1], &st.instance, 8) != 8)
				_exit(5);
			shmring_close(w);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);
	close(res[1]);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "opener status %#x", status);
		ck_assert_int_eq(read(res[0], &inst[i], 8), 8);
	}
	close(res[0]);
	for (i = 1; i < N; i++)
		ck_assert_uint_eq(inst[i], inst[0]);
	r = open_ring(SHMRING_MIN_CAPACITY, 0);
	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	ck_assert_int_eq(shmring_read(r, note, &s, 100), N);
	shmring_close(r);
}
END_TEST

/* ---- corrupt segments --------------------------------------------------- */

static void
make_ring(void)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 0);
	int i;

	for (i = 0; i < 10; i++)
		ck_assert_int_eq(shmring_write(r, 1, "0123456789", 10), 0);
	shmring_close(r);
}

static int
try_open(void)
{
	struct shmring *r = NULL;
	int rc = shmring_open(&r, name, NULL);

	if (rc == 0)
		shmring_close(r);
	else
		ck_assert_ptr_null(r);
	return rc;
}

START_TEST(should_reject_random_header_bytes)
{
	unsigned seed = 12345, k, i;

	for (k = 0; k < 200; k++) {
		struct shmring__hdr *h;
		unsigned char *b;
		int rc;

		make_ring();
		h = map_header();
		b = (unsigned char *)h;
		/* Keep the magic half the time so later checks are reached. */
		for (i = (k & 1) ? 8 : 0; i < 64; i++)
			if (rand_r(&seed) % 3 == 0)
				b[i] = (unsigned char)rand_r(&seed);
		if ((k & 1) == 0)
			b[rand_r(&seed) % 8] ^= 0x10; /* a magic that is off */
		rc = try_open();
		if (rc == 0) {
			/* Only the fields nobody checks may have changed. */
			ck_assert_uint_eq(h->version, SHMRING__VERSION);
			ck_assert_uint_eq(h->capacity, SHMRING_MIN_CAPACITY);
		} else {
			ck_assert_msg(rc == -EINVAL || rc == -EEXIST, "rc %d", rc);
			ck_assert_ptr_nonnull(shmring_strerror(rc));
		}
		munmap(h, SHMRING__HDR_SIZE);
		shm_unlink(name);
	}
}
END_TEST

START_TEST(should_reject_a_lying_capacity)
{
	struct shmring__hdr *h;
	int rc;

	make_ring();
	h = map_header();
	h->capacity = 2 * SHMRING_MIN_CAPACITY; /* file is not that long */
	rc = try_open();
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(strstr(shmring_strerror(rc), "bytes") != NULL, "%s",
		      shmring_strerror(rc));
	h->capacity = SHMRING_MIN_CAPACITY + 8; /* not a power of two */
	ck_assert_int_eq(try_open(), -EINVAL);
	h->capacity = SHMRING_MIN_CAPACITY;
	h->max_record = SHMRING_MIN_CAPACITY; /* larger than half the ring */
	ck_assert_int_eq(try_open(), -EINVAL);
	h->max_record = 1000;
	ck_assert_int_eq(try_open(), 0);
	h->version = 99;
	rc = try_open();
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(strstr(shmring_strerror(rc), "version") != NULL, "%s",
		      shmring_strerror(rc));
	munmap(h, SHMRING__HDR_SIZE);
}
END_TEST

START_TEST(should_reject_a_truncated_file)
{
	int fd;

	make_ring();
	fd = shm_open(name, O_RDWR, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, SHMRING__HDR_SIZE + 4096), 0);
	ck_assert_int_eq(try_open(), -EINVAL);
	ck_assert_int_eq(ftruncate(fd, 100), 0); /* not even a header */
	ck_assert_int_eq(try_open(), -EINVAL);
	close(fd);
}
END_TEST

START_TEST(should_fail_reads_on_bad_record_lengths_and_types)
{
	static const uint64_t bad[] = {
		0x0000000100000004ull, /* length 4: shorter than a header */
		0x0000000100100008ull, /* past the end of the data area */
		0x0000000100fffff8ull, /* larger than the record limit */
		0xfffffffd00000010ull, /* type -3: not one the library writes */
		0x8000000500000010ull, /* negative type */
		0x0000000000000010ull, /* padding that does not reach the end */
	};
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 0);
		struct shmring__hdr *h = map_header();
		struct seen s = { 0 };
		int fd = shm_open(name, O_RDWR, 0);
		_Atomic uint64_t *rec;
		unsigned char *m;

		ck_assert_int_eq(shmring_write(r, 1, "ok", 2), 0);
		ck_assert_int_eq(shmring_write(r, 1, "0123456789abcdef", 16), 0);
		m = mmap(NULL, SHMRING__HDR_SIZE + SHMRING_MIN_CAPACITY,
			 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		rec = (_Atomic uint64_t *)(void *)(m + SHMRING__HDR_SIZE + 16);
		atomic_store(rec, bad[i]);
		ck_assert_int_eq(shmring_consumer_attach(r), 0);
		ck_assert_int_eq(shmring_read(r, note, &s, 10), 1);
		ck_assert_msg(shmring_read(r, note, &s, 10) == -EBADMSG, "case %u", i);
		/* The cursor stays at the bad record: the same answer again. */
		ck_assert_int_eq(shmring_read(r, note, &s, 10), -EBADMSG);
		munmap(m, SHMRING__HDR_SIZE + SHMRING_MIN_CAPACITY);
		munmap(h, SHMRING__HDR_SIZE);
		shmring_close(r);
		shm_unlink(name);
	}
}
END_TEST

START_TEST(should_survive_random_data_and_positions)
{
	unsigned seed = 777, k, i;

	for (k = 0; k < 300; k++) {
		struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 0);
		struct shmring__hdr *h = map_header();
		struct seen s = { 0 };
		int fd = shm_open(name, O_RDWR, 0);
		unsigned char *m, *d;
		uint64_t tail, head;
		int rc = 0, rounds;

		m = mmap(NULL, SHMRING__HDR_SIZE + SHMRING_MIN_CAPACITY,
			 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		d = m + SHMRING__HDR_SIZE;
		for (i = 0; i < SHMRING_MIN_CAPACITY; i++)
			d[i] = (k & 1) ? (unsigned char)rand_r(&seed)
				       : (rand_r(&seed) % 16 == 0 ? (unsigned char)rand_r(&seed) : 0);
		head = (uint64_t)rand_r(&seed) * 8;
		tail = (k % 3 == 0) ? (uint64_t)rand_r(&seed) << 20
				    : head + (uint64_t)(rand_r(&seed) % (SHMRING_MIN_CAPACITY / 8)) * 8;
		atomic_store(&h->head, head);
		atomic_store(&h->tail, tail);
		rc = shmring_consumer_attach(r);
		if (rc == 0) {
			for (rounds = 0; rounds < 50; rounds++) {
				rc = shmring_read(r, note, &s, 64);
				if (rc <= 0)
					break;
			}
			ck_assert_msg(rc >= 0 || rc == -EBADMSG || rc == -EPROTO,
				      "read: %d", rc);
			/* Producers must not crash either. */
			rc = shmring_write(r, 1, "p", 1);
			ck_assert_msg(rc == 0 || rc == SHMRING_FULL || rc == -EPROTO,
				      "write: %d", rc);
		} else {
			ck_assert_int_eq(rc, -EPROTO);
		}
		munmap(m, SHMRING__HDR_SIZE + SHMRING_MIN_CAPACITY);
		munmap(h, SHMRING__HDR_SIZE);
		shmring_close(r);
		shm_unlink(name);
	}
}
END_TEST

START_TEST(should_stop_at_a_lap_when_the_tail_lies)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY, 0);
	struct shmring__hdr *h = map_header();
	struct seen s = { 0 };
	int fd = shm_open(name, O_RDWR, 0);
	_Atomic uint64_t *d;
	unsigned i;
	int rc;

	d = mmap(NULL, SHMRING__HDR_SIZE + SHMRING_MIN_CAPACITY,
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	ck_assert_ptr_ne(d, MAP_FAILED);
	/* Every 8 bytes an aborted record, and a tail 2^40 bytes ahead: read
	 * would go round the data area for hours without the lap bound. */
	for (i = 0; i < SHMRING_MIN_CAPACITY / 8; i++)
		atomic_store(&d[SHMRING__HDR_SIZE / 8 + i], 0xffffffff00000008ull);
	atomic_store(&h->tail, UINT64_C(1) << 40);
	ck_assert_int_eq(shmring_consumer_attach(r), -EPROTO); /* tail - head > capacity */
	atomic_store(&h->tail, SHMRING_MIN_CAPACITY);
	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	atomic_store(&h->tail, UINT64_C(1) << 40); /* lies after the attach */
	rc = shmring_read(r, note, &s, 10);
	ck_assert_int_eq(rc, -EPROTO);
	ck_assert_uint_eq(s.n, 0);
	munmap((void *)d, SHMRING__HDR_SIZE + SHMRING_MIN_CAPACITY);
	munmap(h, SHMRING__HDR_SIZE);
	shmring_close(r);
}
END_TEST

START_TEST(should_give_up_waiting_for_a_creator_that_never_finished)
{
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	uint64_t t0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, SHMRING__HDR_SIZE + SHMRING_MIN_CAPACITY), 0);
	close(fd);
	t0 = mono_ms();
	ck_assert_int_eq(try_open(), -EINVAL);
	ck_assert_uint_lt(mono_ms() - t0, 10000);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("shmring-mp");
	TCase *tc = tcase_create("processes");
	TCase *bad = tcase_create("corrupt");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, should_deliver_each_record_of_four_producer_processes_once_in_order);
	tcase_add_test(tc, should_keep_order_per_thread_when_threads_share_a_handle);
	tcase_add_test(tc, should_reuse_the_slots_of_exited_threads);
	tcase_add_test(tc, should_wake_a_sleeping_consumer_from_another_process);
	tcase_add_test(tc, should_stop_waking_a_consumer_that_died_asleep);
	tcase_add_test(tc, should_keep_the_consumer_when_a_forked_child_closes_its_copy);
	tcase_add_test(tc, should_skip_the_claim_of_a_killed_producer_within_a_second);
	tcase_add_test(tc, should_never_skip_a_stopped_producer);
	tcase_add_test(tc, should_skip_a_live_producer_only_after_the_liveness_timeout);
	tcase_add_test(tc, should_skip_a_claim_whose_producer_died_before_writing_its_header);
	tcase_add_test(tc, should_skip_a_wrapping_claim_whose_producer_died_before_writing);
	tcase_add_test(tc, should_initialise_once_when_many_processes_open_at_once);
	suite_add_tcase(s, tc);

	tcase_set_timeout(bad, 120);
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(bad, should_reject_random_header_bytes);
	tcase_add_test(bad, should_reject_a_lying_capacity);
	tcase_add_test(bad, should_reject_a_truncated_file);
	tcase_add_test(bad, should_fail_reads_on_bad_record_lengths_and_types);
	tcase_add_test(bad, should_survive_random_data_and_positions);
	tcase_add_test(bad, should_stop_at_a_lap_when_the_tail_lies);
	tcase_add_test(bad, should_give_up_waiting_for_a_creator_that_never_finished);
	suite_add_tcase(s, bad);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
