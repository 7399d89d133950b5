/*
 * hubbench: the hub's pipeline alone, no edge: ring -> decode -> state ->
 * encode -> history -> NNG pub, with 0, 1 and 4 subscribers.
 *
 * Each run pre-fills the ring with a mixed stream (untimed), then times
 * the hub draining it with its own loop (hub_poll, checkpoints included,
 * written to a scratch directory), round after round until N events have
 * passed.  So the figure is what one hub thread sustains on one core;
 * the subscribers and NNG's threads run on the other.  A catch-all log
 * filter is registered with -l so that every event is published (the
 * worst case); by default logs find no filter and are retained but not
 * published, as when no dashboard shows logs.
 *
 * Output: one line per run and a JSON summary (median of the runs per
 * subscriber count) on the last line.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <msgpack.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"

#define MAX_SUBS 16
#define NREC 65536 /* distinct pre-encoded records, cycled */

struct rec {
	int type;
	uint32_t len;
	char *data;
};

static struct rec recs[NREC];

struct sub {
	pthread_t th;
	nng_socket s;
	volatile int stop;
	uint64_t envelopes, msgs;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
kstr(msgpack_packer *pk, const char *k, const char *v)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
	msgpack_pack_str(pk, strlen(v));
	msgpack_pack_str_body(pk, v, strlen(v));
}

static void
key(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
}

/* The mix: 25% block_started, 23% block_executed, 42% log, 10% hardware,
 * plus an execution start/finish every 5000 events. */
static void
make_records(void)
{
	static const char *const levels[] = {"debug", "info", "warn", "error"};
	msgpack_sbuffer sb;
	msgpack_packer pk;
	unsigned seed = 1;
	int started = 0, executed = 0;
	char a[64], b[64];

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (int i = 0; i < NREC; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = (seed >> 8) % 100;
		int type;
		sb.size = 0;
		if (i % 5000 == 0) {
			type = FH_EV_EXECUTION_STARTED;
			msgpack_pack_map(&pk, 5);
			snprintf(a, sizeof(a), "s-%d", i / 5000);
			kstr(&pk, "sessionId", a);
			kstr(&pk, "programId", "p-7");
			kstr(&pk, "programName", "Hydro A");
			key(&pk, "meta");
			msgpack_pack_map(&pk, 0);
			started = executed = 0;
		} else if (i % 5000 == 4999) {
			type = FH_EV_EXECUTION_FINISHED;
			msgpack_pack_map(&pk, 3);
			kstr(&pk, "status", "completed");
			key(&pk, "summary");
			msgpack_pack_map(&pk, 0);
		} else if (r < 25 || (r < 48 && executed >= started)) {
			type = FH_EV_BLOCK_STARTED;
			msgpack_pack_map(&pk, 6);
			snprintf(a, sizeof(a), "blk-%d", started++);
			kstr(&pk, "blockId", a);
			kstr(&pk, "blockType", "sensor_read");
			snprintf(b, sizeof(b), "Read sensor %d", i % 17);
			kstr(&pk, "blockName", b);
			kstr(&pk, "displayText", "Read the tank level");
			key(&pk, "params");
			msgpack_pack_map(&pk, 1);
			key(&pk, "sensor");
			msgpack_pack_uint32(&pk, (uint32_t)i % 13);
		} else if (r < 48) {
			type = FH_EV_BLOCK_EXECUTED;
			msgpack_pack_map(&pk, 4);
			snprintf(a, sizeof(a), "blk-%d", executed++);
			kstr(&pk, "blockId", a);
			kstr(&pk, "status", r % 7 ? "completed" : "failed");
			key(&pk, "result");
			msgpack_pack_map(&pk, 1);
			key(&pk, "value");
			msgpack_pack_double(&pk, i / 8.0);
		} else if (r < 90) {
			type = FH_EV_LOG;
			msgpack_pack_map(&pk, 6);
			kstr(&pk, "level", levels[r % 4]);
			snprintf(a, sizeof(a), "pump %d pressure nominal", i % 9);
			kstr(&pk, "message", a);
			kstr(&pk, "tag", r % 2 ? "io" : "ctl");
			kstr(&pk, "module", "core");
			key(&pk, "data");
			msgpack_pack_map(&pk, 1);
			key(&pk, "bar");
			msgpack_pack_double(&pk, 1.5);
		} else {
			type = FH_EV_HARDWARE_HEALTH;
			msgpack_pack_map(&pk, 4);
			snprintf(a, sizeof(a), "pump_%d", i % 8);
			kstr(&pk, "component", a);
			kstr(&pk, "status", "ok");
			key(&pk, "details");
			msgpack_pack_map(&pk, 1);
			key(&pk, "rpm");
			msgpack_pack_uint32(&pk, 1000 + (uint32_t)i % 500);
		}
		key(&pk, "ts");
		msgpack_pack_int64(&pk, 1758223260000LL + i);
		recs[i].type = type;
		recs[i].len = (uint32_t)sb.size;
		recs[i].data = malloc(sb.size);
		memcpy(recs[i].data, sb.data, sb.size);
	}
	msgpack_sbuffer_destroy(&sb);
}

static void *
sub_main(void *arg)
{
	struct sub *s = arg;
	nng_msg *m;

	while (!s->stop) {
		if (nng_recvmsg(s->s, &m, 0) != 0)
			continue;
		const uint8_t *b = nng_msg_body(m);
		if (nng_msg_len(m) >= 25 && b[20] == 0xdd)
			s->envelopes += ((uint32_t)b[21] << 24) | ((uint32_t)b[22] << 16) |
					((uint32_t)b[23] << 8) | b[24];
		s->msgs++;
		nng_msg_free(m);
	}
	return NULL;
}

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	uint64_t n = 2000000, ring_size = 64u << 20;
	int runs = 3, c, nsubs_list[8] = {0, 1, 4}, nlist = 3;
	char dir[] = "/tmp/hubbench.XXXXXX", ring[64], url[256];
	struct shmring *prod;
	struct shmring_opts o;
	double results[8][16], cpures[8][16];
	int log_filter = 0;

	while ((c = getopt(argc, argv, "ln:r:s:z:")) != -1) {
		switch (c) {
		case 'l': log_filter = 1; break;
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'r': runs = atoi(optarg); break;
		case 'z': ring_size = strtoull(optarg, NULL, 0); break;
		case 's': {
			char *p = optarg;
			nlist = 0;
			while (*p && nlist < 8) {
				nsubs_list[nlist++] = (int)strtol(p, &p, 10);
				if (*p == ',')
					p++;
			}
			break;
		}
		default:
			fprintf(stderr, "usage: hubbench [-n EVENTS] [-r RUNS] "
					"[-s SUBS,SUBS,...] [-z RING_BYTES] [-l]\n");
			return 2;
		}
	}
	if (runs < 1 || runs > 16)
		runs = 3;
	log_init("hubbench", 0, LOG_LVL_ERROR);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	make_records();
	for (int li = 0; li < nlist; li++) {
		int nsubs = nsubs_list[li];
		struct sub subs[MAX_SUBS];
		struct hub *h;
		struct hub_config cfg;
		char err[256];
		uint32_t fid;

		if (nsubs > MAX_SUBS)
			nsubs = MAX_SUBS;
		snprintf(ring, sizeof(ring), "/hubbench-%d-%d", getpid(), li);
		snprintf(url, sizeof(url), "ipc://%s/events-%d", dir, li);
		(void)shmring_unlink(ring);
		memset(&cfg, 0, sizeof(cfg));
		cfg.ring_name = ring;
		cfg.ring_size = ring_size;
		cfg.events_urls[0] = url;
		cfg.nevents = 1;
		cfg.state_dir = dir;
		cfg.retain = HUB_RETAIN_DEFAULT;
		cfg.recent = HUB_RECENT_DEFAULT;
		cfg.history_bytes = HUB_HISTORY_BYTES_DEFAULT;
		cfg.ckpt_ms = 100;
		cfg.no_rpc = 1;
		if (hub_open(&h, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "hubbench: %s\n", err);
			return 1;
		}
		if (log_filter) {
			int slot = hub_filters_touch(&h->core.filters, "bench", 5,
						     hub_mono_ms() + 3600000);
			hub_filters_add(&h->core.filters, slot, 0xf, NULL, 0, NULL,
					0, &fid);
		}
		memset(&o, 0, sizeof(o));
		o.no_create = 1;
		if (shmring_open(&prod, ring, &o) < 0)
			return 1;
		for (int i = 0; i < nsubs; i++) {
			memset(&subs[i], 0, sizeof(subs[i]));
			nng_sub0_open(&subs[i].s);
			nng_socket_set_int(subs[i].s, NNG_OPT_RECVBUF, 8192);
			nng_socket_set_size(subs[i].s, NNG_OPT_RECVMAXSZ, 8 << 20);
			nng_socket_set_ms(subs[i].s, NNG_OPT_RECVTIMEO, 100);
			nng_socket_set(subs[i].s, NNG_OPT_SUB_SUBSCRIBE, "", 0);
			if (nng_dial(subs[i].s, url, NULL, 0) != 0)
				return 1;
			pthread_create(&subs[i].th, NULL, sub_main, &subs[i]);
		}
		usleep(200000);
		for (int run = 0; run < runs; run++) {
			uint64_t done = 0, k = 0, seq0 = h->core.state.seq;
			double busy = 0, cpu = 0;
			for (int i = 0; i < nsubs; i++)
				subs[i].envelopes = 0;
			while (done < n) {
				uint64_t round = 0, bytes = 0;
				/* fill half the ring (untimed; a refused write
				 * would count as a drop and make a gap) */
				while (done + round < n) {
					struct rec *r = &recs[k % NREC];
					bytes += (r->len + 15) & ~7u;
					if (bytes > ring_size / 2 ||
					    shmring_write(prod, r->type, r->data, r->len) != 0)
						break;
					k++;
					round++;
				}
				double t0 = now_s(), c0 = cpu_s();
				uint64_t target = h->core.records + round;
				while (h->core.records < target)
					(void)hub_poll(h, 0);
				(void)hub_checkpoint(h, 1); /* hand the space back */
				busy += now_s() - t0;
				cpu += cpu_s() - c0;
				done += round;
			}
			uint64_t events = h->core.state.seq - seq0;
			/* let subscribers drain */
			for (int w = 0; w < 100; w++) {
				int all = 1;
				for (int i = 0; i < nsubs; i++)
					all &= subs[i].envelopes >= events;
				if (all)
					break;
				usleep(20000);
			}
			results[li][run] = (double)events / busy;
			cpures[li][run] = (double)events / cpu;
			printf("subscribers %d run %d: %llu events in %.3f s = %.0f "
			       "events/s (hub thread cpu %.3f s = %.0f events/cpu-s)",
			       nsubs, run + 1, (unsigned long long)events, busy,
			       results[li][run], cpu, cpures[li][run]);
			for (int i = 0; i < nsubs; i++)
				printf(" sub%d %llu", i,
				       (unsigned long long)subs[i].envelopes);
			printf(" (pub msgs %llu)\n", (unsigned long long)h->pub.msgs);
			fflush(stdout);
		}
		for (int i = 0; i < nsubs; i++) {
			subs[i].stop = 1;
			pthread_join(subs[i].th, NULL);
			nng_close(subs[i].s);
		}
		shmring_close(prod);
		hub_close(h);
		(void)shmring_unlink(ring);
		qsort(results[li], (size_t)runs, sizeof(double), cmp_double);
		qsort(cpures[li], (size_t)runs, sizeof(double), cmp_double);
	}
	printf("{\"events_per_run\": %llu, \"runs\": %d", (unsigned long long)n, runs);
	for (int li = 0; li < nlist; li++)
		printf(", \"subs_%d_median_eps\": %.0f, \"subs_%d_median_eps_cpu\": %.0f",
		       nsubs_list[li], results[li][runs / 2], nsubs_list[li],
		       cpures[li][runs / 2]);
	printf("}\n");
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return 0;
}
