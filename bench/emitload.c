/*
 * emitload: the benchmark's interpreter.  Emits flowhub events into the
 * shared-memory ring through the per-event producer API (or, with --json,
 * writes the same events as flowhub-emit JSON lines to stdout, to feed the
 * Node.js baseline) at a precise rate or as fast as possible, and prints
 * one JSON object with what it did.
 *
 * Every event carries the producer's CLOCK_REALTIME in nanoseconds as
 * {"t_ns": N}: in block_started's params, block_executed's result and a
 * log's data, objects the hub passes through to the clients untouched, so
 * the load tool can compute end-to-end latency per message.
 *
 * Pacing uses absolute deadlines (event i is due at t0 + i / rate, slept
 * for with clock_nanosleep(TIMER_ABSTIME) and a 1 ns timer slack, or sent
 * at once when it is due within EARLY_NS, see the loop): a late
 * event does not shift the ones after it, so the average rate stays exact
 * and a stall shows up as lateness, which is reported.  The emit call
 * itself is timed with CLOCK_MONOTONIC around it; in --json mode that is
 * the write(2) of the line.
 *
 * A full ring is the interpreter's normal outcome when the consumer lags:
 * the event is dropped and counted (the hub turns that into a gap).  With
 * --wait-full the tool instead retries after a short pause, to measure
 * the system's sustained throughput without loss.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "hist.h"
#include "shmring.h"

#define EARLY_NS 100000u /* 100 us */

/* --wait-full gives up when the ring has had no room for this long. */
#define FULL_GIVE_UP_NS (5 * 1000000000ull)

enum mix { MIX_BLOCK, MIX_LOG, MIX_MIXED };

static struct {
	const char *ring;
	size_t ring_size;
	double rate;   /* events/s, 0 = as fast as possible */
	uint64_t count;
	double duration;
	enum mix mix;
	bool json;
	bool wait_full;
	bool start;
	bool finish;
	unsigned pad;
	const char *label;
} cfg = {
	.ring = SHMRING_DEFAULT_NAME, .mix = MIX_BLOCK, .start = true,
};

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* {"t_ns": N} as msgpack: fixmap(1), fixstr(4), uint64. */
static size_t
pack_tns(uint8_t out[15], uint64_t t)
{
	int i;

	out[0] = 0x81;
	out[1] = 0xa4;
	memcpy(out + 2, "t_ns", 4);
	out[6] = 0xcf;
	for (i = 0; i < 8; i++)
		out[7 + i] = (uint8_t)(t >> (56 - 8 * i));
	return 15;
}

/* Which event the i-th one is (after execution_started). */
static int
kind_of(uint64_t i)
{
	switch (cfg.mix) {
	case MIX_LOG:
		return SHMRING_EV_LOG;
	case MIX_BLOCK:
		return i % 2 == 0 ? SHMRING_EV_BLOCK_STARTED :
		    SHMRING_EV_BLOCK_EXECUTED;
	case MIX_MIXED:
	default:
		return i % 3 == 0 ? SHMRING_EV_BLOCK_STARTED :
		    i % 3 == 1 ? SHMRING_EV_LOG : SHMRING_EV_BLOCK_EXECUTED;
	}
}

/* The block a started/executed event belongs to: both share one id. */
static uint64_t
block_of(uint64_t i)
{
	return cfg.mix == MIX_MIXED ? i / 3 : i / 2;
}

struct out {
	struct shmring *r;
	char *line;
	size_t cap;
	char *padding;
};

static int
emit_ring(struct out *o, int kind, uint64_t i, uint64_t t)
{
	uint8_t mp[15];
	char id[32];
	size_t n = pack_tns(mp, t);
	const char *text = o->padding ? o->padding : "Reading EC sensor";

	snprintf(id, sizeof(id), "b%" PRIu64, block_of(i));
	switch (kind) {
	case SHMRING_EV_BLOCK_STARTED:
		return shmring_emit_block_started(o->r, id, "sensor", "EC",
		    text, mp, n);
	case SHMRING_EV_BLOCK_EXECUTED:
		return shmring_emit_block_executed(o->r, id, "completed", mp, n,
		    NULL);
	case SHMRING_EV_LOG:
	default:
		return shmring_emit_log(o->r, "info", text, "Sensor", "sensor",
		    mp, n);
	}
}

static int
emit_json(struct out *o, int kind, uint64_t i, uint64_t t)
{
	const char *text = o->padding ? o->padding : "Reading EC sensor";
	uint64_t b = block_of(i);
	int n;

	for (;;) {
		switch (kind) {
		case SHMRING_EV_BLOCK_STARTED:
			n = snprintf(o->line, o->cap, "{\"event\":\"block_started\","
			    "\"blockId\":\"b%" PRIu64 "\",\"blockType\":\"sensor\","
			    "\"blockName\":\"EC\",\"displayText\":\"%s\","
			    "\"params\":{\"t_ns\":%" PRIu64 "}}\n", b, text, t);
			break;
		case SHMRING_EV_BLOCK_EXECUTED:
			n = snprintf(o->line, o->cap, "{\"event\":\"block_executed\","
			    "\"blockId\":\"b%" PRIu64 "\",\"status\":\"completed\","
			    "\"result\":{\"t_ns\":%" PRIu64 "}}\n", b, t);
			break;
		case SHMRING_EV_LOG:
		default:
			n = snprintf(o->line, o->cap, "{\"event\":\"log\","
			    "\"level\":\"info\",\"message\":\"%s\",\"tag\":\"Sensor\","
			    "\"module\":\"sensor\",\"data\":{\"t_ns\":%" PRIu64 "}}\n",
			    text, t);
			break;
		}
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < o->cap)
			break;
		o->cap = (size_t)n + 1;
		o->line = realloc(o->line, o->cap);
		if (o->line == NULL)
			return -ENOMEM;
	}
	if (fwrite(o->line, 1, (size_t)n, stdout) != (size_t)n)
		return -EIO;
	/* Paced: each line leaves at once, as an interpreter's would. */
	if (cfg.rate > 0 && fflush(stdout) != 0)
		return -EIO;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: emitload [-r RING] [-z RING_SIZE] [-R RATE] [-n COUNT] [-d SECONDS]\n"
	    "                [-m block|log|mixed] [-P PAD] [-j] [-w] [-S] [-F] [-L LABEL]\n"
	    "  -r, --ring NAME       shared-memory ring (/flowhub)\n"
	    "  -z, --ring-size B     ring size when creating it (default size)\n"
	    "  -R, --rate N          events per second; 0 = as fast as possible (0)\n"
	    "  -n, --count N         stop after N events\n"
	    "  -d, --duration S      stop after S seconds\n"
	    "  -m, --mix KIND        block (started/executed pairs), log, mixed\n"
	    "  -P, --pad N           display text / log message of N bytes\n"
	    "  -j, --json            write flowhub-emit JSON lines to stdout\n"
	    "  -w, --wait-full       retry when the ring is full instead of dropping\n"
	    "  -S, --no-start        do not emit execution_started first\n"
	    "  -F, --finish          emit execution_finished at the end\n"
	    "  -L, --label TEXT      copied into the JSON result\n"
	    "The JSON result goes to stderr (stdout carries the lines of --json).\n");
}

static int
parse_argv(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ring", required_argument, NULL, 'r' },
		{ "ring-size", required_argument, NULL, 'z' },
		{ "rate", required_argument, NULL, 'R' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "mix", required_argument, NULL, 'm' },
		{ "pad", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "wait-full", no_argument, NULL, 'w' },
		{ "no-start", no_argument, NULL, 'S' },
		{ "finish", no_argument, NULL, 'F' },
		{ "label", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "r:z:R:n:d:m:P:jwSFL:h", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r': cfg.ring = optarg; break;
		case 'z': cfg.ring_size = strtoull(optarg, NULL, 0); break;
		case 'R': cfg.rate = strtod(optarg, NULL); break;
		case 'n': cfg.count = strtoull(optarg, NULL, 10); break;
		case 'd': cfg.duration = strtod(optarg, NULL); break;
		case 'm':
			if (strcmp(optarg, "block") == 0)
				cfg.mix = MIX_BLOCK;
			else if (strcmp(optarg, "log") == 0)
				cfg.mix = MIX_LOG;
			else if (strcmp(optarg, "mixed") == 0)
				cfg.mix = MIX_MIXED;
			else {
				fprintf(stderr, "emitload: bad --mix %s\n", optarg);
				return -1;
			}
			break;
		case 'P': cfg.pad = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'j': cfg.json = true; break;
		case 'w': cfg.wait_full = true; break;
		case 'S': cfg.start = false; break;
		case 'F': cfg.finish = true; break;
		case 'L': cfg.label = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc || cfg.rate < 0 || (cfg.count == 0 &&
	    cfg.duration <= 0)) {
		fprintf(stderr, "emitload: give --count or --duration\n");
		usage(stderr);
		return -1;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	struct out o = { 0 };
	struct shmring_opts ro = { 0 };
	struct hist lat;
	struct timespec ts;
	uint64_t i, t0, t_end = 0, due, now, before, after, period = 0;
	uint64_t emitted = 0, full = 0, retries = 0, errors = 0, late_max = 0;
	uint64_t late_1ms = 0, full_since = 0;
	double elapsed;
	int rc, kind, ret = 1;

	rc = parse_argv(argc, argv);
	if (rc <= 0)
		return rc < 0 ? 2 : 0;
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	hist_init(&lat);
	if (cfg.pad) {
		o.padding = malloc(cfg.pad + 1);
		if (o.padding == NULL)
			goto cleanup;
		for (i = 0; i < cfg.pad; i++)
			o.padding[i] = (char)('a' + i % 26);
		o.padding[cfg.pad] = '\0';
	}
	if (cfg.json) {
		o.cap = 512 + cfg.pad;
		o.line = malloc(o.cap);
		if (o.line == NULL)
			goto cleanup;
		if (setvbuf(stdout, NULL, _IOFBF, 1 << 16) != 0)
			goto cleanup;
	} else {
		ro.capacity = cfg.ring_size;
		rc = shmring_open(&o.r, cfg.ring, &ro);
		if (rc < 0) {
			fprintf(stderr, "emitload: %s: %s\n", cfg.ring,
			    shmring_strerror(rc));
			goto cleanup;
		}
	}

	if (cfg.start) {
		if (cfg.json)
			rc = printf("{\"event\":\"execution_started\","
			    "\"sessionId\":\"bench\",\"programId\":\"emitload\",\"programName\":\"emitload\"}\n") < 0 ?
			    -EIO : 0;
		else
			rc = shmring_emit_execution_started(o.r, "bench", "emitload",
			    "emitload", NULL, 0);
		if (rc < 0) {
			fprintf(stderr, "emitload: execution_started: %s\n",
			    strerror(-rc));
			goto cleanup;
		}
		if (cfg.json)
			fflush(stdout);
	}

	if (cfg.rate > 0)
		period = (uint64_t)(1e9 / cfg.rate);
	t0 = now_ns(CLOCK_MONOTONIC);
	if (cfg.duration > 0)
		t_end = t0 + (uint64_t)(cfg.duration * 1e9);
	for (i = 0; cfg.count == 0 || i < cfg.count; i++) {
		if (period) {
			due = t0 + i * period;
			now = now_ns(CLOCK_MONOTONIC);
			/* Sleep only when the next event is far enough ahead:
			 * one sleep per event at 200 000 events/s would cost
			 * the producer most of a core in timer wake-ups, which
			 * on a small machine is taken from the system being
			 * measured.  Closer than EARLY_NS, the event goes out
			 * at once, so high rates are emitted in short bursts;
			 * below 1e9 / EARLY_NS events/s every event still
			 * waits for its own deadline. */
			if (due > now + EARLY_NS) {
				ts.tv_sec = (time_t)(due / 1000000000u);
				ts.tv_nsec = (long)(due % 1000000000u);
				while (clock_nanosleep(CLOCK_MONOTONIC,
				    TIMER_ABSTIME, &ts, NULL) == EINTR)
					;
			}
			now = now_ns(CLOCK_MONOTONIC);
			if (now > due) {
				if (now - due > late_max)
					late_max = now - due;
				if (now - due > 1000000u)
					late_1ms++;
			}
		}
		if (t_end && now_ns(CLOCK_MONOTONIC) >= t_end)
			break;
		kind = kind_of(i);
		for (;;) {
			before = now_ns(CLOCK_MONOTONIC);
			if (cfg.json)
				rc = emit_json(&o, kind, i, now_ns(CLOCK_REALTIME));
			else
				rc = emit_ring(&o, kind, i, now_ns(CLOCK_REALTIME));
			after = now_ns(CLOCK_MONOTONIC);
			if (rc != SHMRING_FULL || !cfg.wait_full)
				break;
			if (t_end && after >= t_end)
				break;
			if (retries % 1024 == 0 &&
			    full_since && after - full_since > FULL_GIVE_UP_NS) {
				fprintf(stderr, "emitload: the ring stayed full "
				    "for 5 s: is its consumer running?\n");
				errors++;
				goto report;
			}
			if (full_since == 0)
				full_since = before;
			retries++;
			ts.tv_sec = 0;
			ts.tv_nsec = 20000;
			nanosleep(&ts, NULL);
		}
		full_since = 0;
		hist_add(&lat, after - before);
		if (rc == 0)
			emitted++;
		else if (rc == SHMRING_FULL)
			full++;
		else {
			errors++;
			if (errors == 1)
				fprintf(stderr, "emitload: emit: %s\n", strerror(-rc));
			if (rc == -EIO)
				break;
		}
	}
report:
	if (cfg.finish) {
		if (cfg.json)
			printf("{\"event\":\"execution_finished\",\"status\":\"completed\"}\n");
		else if (shmring_emit_execution_finished(o.r, "completed", NULL,
		    0) != 0)
			errors++;
	}
	if (cfg.json)
		fflush(stdout);
	elapsed = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	/* Paced: the run lasts until the next event would have been due. */
	if (period && elapsed < (double)(i * period) / 1e9)
		elapsed = (double)(i * period) / 1e9;

	fprintf(stderr, "{\"tool\":\"emitload\",");
	if (cfg.label)
		fprintf(stderr, "\"label\":\"%s\",", cfg.label);
	fprintf(stderr, "\"mode\":\"%s\",\"mix\":\"%s\",\"rate\":%.1f,"
	    "\"emitted\":%" PRIu64 ",\"full\":%" PRIu64 ",\"full_retries\":%"
	    PRIu64 ",\"errors\":%" PRIu64 ",\"elapsed_s\":%.3f,"
	    "\"achieved_per_s\":%.1f,", cfg.json ? "json" : "ring",
	    cfg.mix == MIX_BLOCK ? "block" : cfg.mix == MIX_LOG ? "log" : "mixed",
	    cfg.rate, emitted, full, retries, errors, elapsed,
	    elapsed > 0 ? (double)emitted / elapsed : 0.0);
	fprintf(stderr, "\"emit_ns\":{\"p50\":%" PRIu64 ",\"p99\":%" PRIu64
	    ",\"p999\":%" PRIu64 ",\"max\":%" PRIu64 "},\"late_max_us\":%.1f,"
	    "\"late_over_1ms\":%" PRIu64 "}\n", hist_quantile(&lat, 0.5),
	    hist_quantile(&lat, 0.99), hist_quantile(&lat, 0.999), lat.max,
	    (double)late_max / 1e3, late_1ms);
	ret = errors ? 1 : 0;
cleanup:
	shmring_close(o.r);
	free(o.line);
	free(o.padding);
	return ret;
}
