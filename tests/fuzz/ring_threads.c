/*
 * Multi-threaded ring stress, written for ThreadSanitizer (tsan.sh) and
 * also run by make check: TSan sees only the threads of one process, so
 * here producers and the consumer are threads.  They all use ONE handle,
 * hence one mapping: TSan tracks memory by virtual address, and a second
 * mapping of the same segment would hide the real acquire/release pairs
 * from it (every access through another mapping looks unsynchronised).
 * Four producer threads (one slot each) write numbered records of
 * varying size while a consumer thread reads with shmring_wait (the futex
 * path), checks every record's content and per-producer order, and
 * releases as it goes, so producers keep lapping the small ring and
 * meet the full path too.  Exit 0 when every record arrived exactly once
 * in order, else 1.
 *   ring_threads [RECORDS_PER_PRODUCER]
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shmring.h"

#define NPROD 4

struct prod {
	struct shmring *r;
	uint32_t id;
	uint32_t count;
	uint64_t full; /* SHMRING_FULL retries */
};

struct cons {
	struct shmring *r;
	uint32_t count;
	uint32_t next[NPROD];
	uint64_t total, bad;
	uint64_t release_pos;
};

static void
fill(uint8_t *p, uint32_t len, uint32_t id, uint32_t seq)
{
	uint32_t i;

	memcpy(p, &id, 4);
	memcpy(p + 4, &seq, 4);
	for (i = 8; i < len; i++)
		p[i] = (uint8_t)(id * 31 + seq + i);
}

static void *
produce(void *arg)
{
	struct prod *pr = arg;
	uint8_t buf[600];
	uint32_t seq;

	for (seq = 0; seq < pr->count; seq++) {
		uint32_t len = 8 + (seq * 7 + pr->id * 13) % 500;
		int rc;

		fill(buf, len, pr->id, seq);
		while ((rc = shmring_write(pr->r, 4, buf, len)) == SHMRING_FULL) {
			pr->full++;
			sched_yield();
		}
		if (rc != 0) {
			fprintf(stderr, "producer %u: write: %d\n", pr->id, rc);
			exit(1);
		}
	}
	return NULL;
}

static void
on_record(int32_t type, const void *data, uint32_t len, uint64_t pos_end,
	  void *arg)
{
	struct cons *c = arg;
	const uint8_t *p = data;
	uint8_t want[600];
	uint32_t id, seq;

	c->release_pos = pos_end;
	if (type != 4 || len < 8 || len > sizeof(want)) {
		c->bad++;
		return;
	}
	memcpy(&id, p, 4);
	memcpy(&seq, p + 4, 4);
	if (id >= NPROD || seq != c->next[id]) {
		c->bad++;
		return;
	}
	fill(want, len, id, seq);
	if (memcmp(want, p, len) != 0)
		c->bad++;
	c->next[id]++;
	c->total++;
}

static void *
consume(void *arg)
{
	struct cons *c = arg;
	uint64_t want = (uint64_t)NPROD * c->count;
	unsigned idle = 0;

	while (c->total < want && c->bad == 0) {
		int n = shmring_read(c->r, on_record, c, 256);

		if (n < 0) {
			fprintf(stderr, "consumer: read: %d\n", n);
			c->bad++;
			break;
		}
		if (n > 0) {
			idle = 0;
			if (shmring_release(c->r, c->release_pos) != 0)
				c->bad++;
			continue;
		}
		if (++idle > 20000) { /* 20000 x 1 ms without a record */
			fprintf(stderr, "consumer: stuck at %llu records\n",
				(unsigned long long)c->total);
			c->bad++;
			break;
		}
		shmring_wait(c->r, 1);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct shmring_opts o = { .capacity = SHMRING_MIN_CAPACITY };
	struct shmring *cr;
	struct prod pr[NPROD];
	struct cons c;
	pthread_t tp[NPROD], tc;
	char name[64];
	uint32_t count = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
	uint64_t full = 0;
	int i, rc = 0;

	snprintf(name, sizeof(name), "/fhtsan-%ld", (long)getpid());
	shmring_unlink(name);
	if (shmring_open(&cr, name, &o) != 0 || shmring_consumer_attach(cr) != 0) {
		fprintf(stderr, "open %s failed\n", name);
		shmring_unlink(name);
		return 99;
	}
	memset(&c, 0, sizeof(c));
	c.r = cr;
	c.count = count;
	pthread_create(&tc, NULL, consume, &c);
	for (i = 0; i < NPROD; i++) {
		pr[i] = (struct prod){ .r = cr,
				       .id = (uint32_t)i, .count = count };
		pthread_create(&tp[i], NULL, produce, &pr[i]);
	}
	for (i = 0; i < NPROD; i++) {
		pthread_join(tp[i], NULL);
		full += pr[i].full;
	}
	pthread_join(tc, NULL);
	printf("ring_threads: %d producers x %u records, %llu received, "
	       "%llu bad, %llu full retries\n", NPROD, count,
	       (unsigned long long)c.total, (unsigned long long)c.bad,
	       (unsigned long long)full);
	if (c.bad != 0 || c.total != (uint64_t)NPROD * count)
		rc = 1;
	shmring_close(cr);
	shmring_unlink(name);
	return rc;
}
