/*
 * The hub's ring loop.
 *
 * One thread reads the ring in passes (shmring_read, up to HUB_READ_MAX
 * records), applying each record under the core lock, then flushes the
 * publisher's pending batch: that flush at the end of a pass is what
 * makes batching natural.  When the ring is empty it sleeps in
 * shmring_wait (a futex; producers pay for a wake-up only then) for at
 * most the time to the next housekeeping tick.
 *
 * Housekeeping, on a ~100 ms tick: consumer heartbeat, checkpoint when
 * something was consumed since the last one (or when a quarter of the
 * ring is held unreleased), edge expiry, parked "hw" replies, and the gap
 * check.  A checkpoint is encoded by the loop under the core lock (a
 * consistent cut: state, seq and ring position together) and stored by
 * a writer thread (write, fsync, rename), so the loop never waits for
 * the disk; the ring is released up to a checkpoint's position only once
 * the writer reports it durable.  Space is therefore handed back only
 * when the state that covers it is on disk, and a hub killed at any
 * point re-reads everything after its last checkpoint and, applying the
 * same records to the same state, hands out the same seqs (core.c
 * explains how gaps stay deterministic).  While the writer is busy a new
 * checkpoint is simply skipped until the next tick.
 *
 * Bad records are counted per kind and logged at most once per kind per
 * 10 s (with the count since the last line), so a hostile producer cannot
 * flood the log.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hub.h"
#include "log.h"
#include "rpc.h"
#include "wire.h"

#define HUB_READ_MAX 1024
#define HUB_TICK_MS 100
#define HUB_BAD_LOG_MS 10000
#define HUB_HW_TIMEOUT_MS 2000
#define HUB_CKPT_RECORDS 65536 /* checkpoint at least this often, in records */

int64_t
hub_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
hub_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
emit_cb(void *arg, int topic, uint64_t seq, const void *env, uint32_t len)
{
	struct hub *h = arg;

	hub_pub_add(&h->pub, topic, seq, env, len);
}

static void
log_bad(struct hub *h, int32_t type, enum hub_bad bad)
{
	int64_t now = hub_mono_ms();
	uint64_t total = h->core.bad[bad];

	if (h->bad_log_ms[bad] && now - h->bad_log_ms[bad] < HUB_BAD_LOG_MS)
		return;
	log_warnx("skipped bad ring record (type %d): %s; %llu of this kind "
		  "since the last report",
		  (int)type, hub_bad_names[bad],
		  (unsigned long long)(total - h->bad_logged[bad]));
	h->bad_log_ms[bad] = now;
	h->bad_logged[bad] = total;
}

static void
on_record(int32_t type, const void *data, uint32_t len, uint64_t pos_end,
	  void *arg)
{
	struct hub *h = arg;
	enum hub_bad bad = hub_core_ingest(&h->core, type, data, len);

	h->pos = pos_end;
	if (bad != BAD_NONE)
		log_bad(h, type, bad);
}

/* Release the ring up to what the writer made durable. */
static void
release_durable(struct hub *h)
{
	uint64_t pos = __atomic_load_n(&h->ckw.durable_pos, __ATOMIC_ACQUIRE);
	int rc;

	if (pos <= h->released)
		return;
	if ((rc = shmring_release(h->ring, pos)) < 0) {
		log_warnx("ring release to %llu failed: %s",
			  (unsigned long long)pos, shmring_strerror(rc));
		return;
	}
	h->released = pos;
}

static void *
ckw_main(void *arg)
{
	struct hub *h = arg;
	struct hub_ckw *w = &h->ckw;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->has_next && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->has_next)
			break;
		struct mpbuf t = w->cur;
		uint64_t pos = w->next_pos, seq = w->next_seq;
		w->cur = w->next;
		w->next = t;
		w->has_next = 0;
		w->writing = 1;
		pthread_mutex_unlock(&w->mu);
		int rc = hub_ckpt_store(&h->ckpt, w->cur.p, w->cur.len);
		pthread_mutex_lock(&w->mu);
		w->writing = 0;
		if (rc == 0) {
			w->durable_seq = seq;
			w->durable_wall_ms = hub_wall_ms();
			w->writes++;
			__atomic_store_n(&w->durable_pos, pos, __ATOMIC_RELEASE);
		} else {
			w->errors++;
			w->last_err = rc;
		}
		pthread_cond_broadcast(&w->idle_cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void
ckw_init(struct hub *h)
{
	struct hub_ckw *w = &h->ckw;

	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_cond_init(&w->idle_cv, NULL);
	mpbuf_init(&w->next);
	mpbuf_init(&w->cur);
	w->mu_init = 1;
}

static int
ckw_start(struct hub *h)
{
	struct hub_ckw *w = &h->ckw;

	if (pthread_create(&w->th, NULL, ckw_main, h) != 0)
		return -EAGAIN;
	w->started = 1;
	return 0;
}

static void
ckw_stop(struct hub *h)
{
	struct hub_ckw *w = &h->ckw;

	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	w->started = 0;
}

static void
ckw_free(struct hub *h)
{
	struct hub_ckw *w = &h->ckw;

	ckw_stop(h);
	if (!w->mu_init)
		return;
	mpbuf_free(&w->next);
	mpbuf_free(&w->cur);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->idle_cv);
	w->mu_init = 0;
}

int
hub_checkpoint(struct hub *h, int wait)
{
	struct hub_ckw *w = &h->ckw;
	uint64_t pos = h->pos;
	int rc = 0;

	if (h->cfg.no_ckpt) {
		__atomic_store_n(&w->durable_pos, pos, __ATOMIC_RELEASE);
		w->durable_seq = h->core.state.seq;
		w->durable_wall_ms = hub_wall_ms();
		h->ckpt_pos = pos;
		h->ckpt_records = h->core.records;
		h->ckpt_at_ms = hub_mono_ms();
		release_durable(h);
		return 0;
	}
	pthread_mutex_lock(&w->mu);
	if (wait) {
		while (w->has_next || w->writing)
			pthread_cond_wait(&w->idle_cv, &w->mu);
	} else if (w->has_next || w->writing || !w->started) {
		pthread_mutex_unlock(&w->mu);
		return -EBUSY; /* the writer is behind: try at the next tick */
	}
	w->next.len = 0;
	pthread_mutex_lock(&h->core.lock);
	hub_ckpt_encode(&w->next, &h->core, pos);
	w->next_seq = h->core.state.seq;
	pthread_mutex_unlock(&h->core.lock);
	w->next_pos = pos;
	h->ckpt_pos = pos;
	h->ckpt_records = h->core.records;
	h->ckpt_at_ms = hub_mono_ms();
	if (w->next.oom) {
		w->errors++;
		w->last_err = rc = -ENOMEM;
	} else if (wait) {
		rc = hub_ckpt_store(&h->ckpt, w->next.p, w->next.len);
		if (rc == 0) {
			w->durable_seq = w->next_seq;
			w->durable_wall_ms = hub_wall_ms();
			w->writes++;
			__atomic_store_n(&w->durable_pos, pos, __ATOMIC_RELEASE);
		} else {
			w->errors++;
			w->last_err = rc;
		}
	} else {
		w->has_next = 1;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	release_durable(h);
	return rc;
}

/* Announce a rise of the ring's dropped counter by writing a gap record
 * (sequenced when read back, see core.c).  Only when the ring has room:
 * a failed write would itself count as a drop. */
static void
check_dropped(struct hub *h, const struct shmring_stats *st)
{
	uint8_t rec[32];
	uint32_t len;
	int rc;

	if (st->dropped <= h->gap_written || st->dropped <= h->core.dropped_seen)
		return;
	if (st->tail - st->head + 256 > st->capacity)
		return; /* retry after the next release */
	len = hub_core_gap_record(rec, h->core.ring_instance, st->dropped);
	rc = shmring_write(h->wring, HUB_REC_GAP, rec, len);
	if (rc == 0) {
		h->gap_written = st->dropped;
		log_warnx("ring overflow: %llu records dropped by producers",
			  (unsigned long long)(st->dropped - h->core.dropped_seen));
	}
}

static void
housekeeping(struct hub *h, int64_t now)
{
	struct shmring_stats st;

	shmring_heartbeat(h->ring);
	h->hb_at_ms = now;
	shmring_stats(h->ring, &st);
	/* history that checkpoints carry: about the last 2 s (20 ticks) */
	pthread_mutex_lock(&h->core.lock);
	h->seq_mark_at = (h->seq_mark_at + 1) % 20;
	h->core.ckpt_hist_from = h->seq_marks[h->seq_mark_at] + 1;
	h->seq_marks[h->seq_mark_at] = h->core.state.seq;
	pthread_mutex_unlock(&h->core.lock);
	if (h->pos != h->ckpt_pos &&
	    (now - h->ckpt_at_ms >= h->cfg.ckpt_ms ||
	     h->pos - h->ckpt_pos > st.capacity / 4 ||
	     h->core.records - h->ckpt_records >= HUB_CKPT_RECORDS))
		(void)hub_checkpoint(h, 0);
	release_durable(h);
	check_dropped(h, &st);
	if (now - h->expire_at_ms >= 1000) {
		int n;
		pthread_mutex_lock(&h->core.lock);
		n = hub_filters_expire(&h->core.filters, now,
				       WIRE_EDGE_TIMEOUT_MS);
		pthread_mutex_unlock(&h->core.lock);
		if (n > 0)
			log_info("dropped the filters of %d silent edge(s)", n);
		h->expire_at_ms = now;
	}
	hub_rpc_tick(h->rpc, now, HUB_HW_TIMEOUT_MS);
	/* lock order: the writer's lock is never held with the core's
	 * taken after it here (hub_checkpoint takes them the other way) */
	pthread_mutex_lock(&h->ckw.mu);
	uint64_t errors = h->ckw.errors, dseq = h->ckw.durable_seq,
		 writes = h->ckw.writes;
	int64_t dwall = h->ckw.durable_wall_ms;
	int last_err = h->ckw.last_err;
	pthread_mutex_unlock(&h->ckw.mu);
	if (errors > h->ckpt_errors_logged) {
		if (h->ckpt_errors_logged == 0 || log_enabled(LOG_LVL_DEBUG))
			log_warnx("checkpoint to %s failed: %s (the ring is not "
				  "released until one succeeds)",
				  h->ckpt.path ? h->ckpt.path : "-",
				  strerror(-last_err));
		h->ckpt_errors_logged = errors;
	}
	pthread_mutex_lock(&h->core.lock);
	h->snap.pos = h->pos;
	h->snap.ckpt_pos = h->released;
	h->snap.ckpt_seq = dseq;
	h->snap.ckpt_writes = writes;
	h->snap.ckpt_errors = errors;
	h->snap.ckpt_wall_ms = dwall;
	h->snap.pub_msgs = h->pub.msgs;
	h->snap.pub_events = h->pub.events;
	h->snap.pub_bytes = h->pub.bytes;
	h->snap.pub_errors = h->pub.send_errors;
	h->snap.ring_errors = h->ring_errors;
	pthread_mutex_unlock(&h->core.lock);
}

int
hub_poll(struct hub *h, int wait_ms)
{
	int64_t now;
	int n;

	pthread_mutex_lock(&h->core.lock);
	n = shmring_read(h->ring, on_record, h, HUB_READ_MAX);
	pthread_mutex_unlock(&h->core.lock);
	hub_pub_flush(&h->pub);
	if (n == -EBADMSG) {
		/* When the reader has caught up with a ring that is exactly
		 * full, the header at the tail is the unreleased oldest record
		 * of this lap, which libshmring takes for corruption.  It is
		 * only "empty, and nothing released": release, and go on. */
		struct shmring_stats st;
		shmring_stats(h->ring, &st);
		if (st.read_pos == st.tail && st.tail - st.head == st.capacity) {
			(void)hub_checkpoint(h, 0);
			release_durable(h);
			n = 0;
		}
	}
	if (n < 0) {
		now = hub_mono_ms();
		h->ring_errors++;
		if (now - h->ring_err_log_ms >= HUB_BAD_LOG_MS) {
			log_error("ring read failed: %s", shmring_strerror(n));
			h->ring_err_log_ms = now;
		}
	}
	now = hub_mono_ms();
	if (now - h->hb_at_ms >= HUB_TICK_MS)
		housekeeping(h, now);
	else {
		if (h->pos - h->ckpt_pos > h->ring_cap / 4 ||
		    h->core.records - h->ckpt_records >= HUB_CKPT_RECORDS)
			(void)hub_checkpoint(h, 0); /* bound replay and held room */
		release_durable(h);
	}
	if (n == 0 && wait_ms > 0) {
		int64_t left = HUB_TICK_MS - (hub_mono_ms() - h->hb_at_ms);
		if (left > wait_ms)
			left = wait_ms;
		if (left > 0)
			(void)shmring_wait(h->ring, (int)left);
	} else if (n < 0 && wait_ms > 0) {
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL); /* a corrupt segment: do not spin */
	}
	return n;
}

void
hub_run(struct hub *h, volatile sig_atomic_t *stop)
{
	/* STOP is set by a signal handler (or another thread in tests) */
	while (!__atomic_load_n(stop, __ATOMIC_RELAXED))
		(void)hub_poll(h, HUB_TICK_MS);
}

static int
open_ring(struct hub *h, char *err, size_t errlen)
{
	struct shmring_opts o;
	struct shmring_stats st;
	int rc;

	memset(&o, 0, sizeof(o));
	o.capacity = h->cfg.ring_size;
	rc = shmring_open(&h->ring, h->cfg.ring_name, &o);
	if (rc == -EEXIST) {
		/* an existing ring of another size: use it as it is */
		o.capacity = 0;
		rc = shmring_open(&h->ring, h->cfg.ring_name, &o);
	}
	if (rc < 0) {
		snprintf(err, errlen, "ring %s: %s", h->cfg.ring_name,
			 shmring_strerror(rc));
		return rc;
	}
	if ((rc = shmring_consumer_attach(h->ring)) < 0) {
		snprintf(err, errlen, "ring %s: %s", h->cfg.ring_name,
			 shmring_strerror(rc));
		return rc;
	}
	o.capacity = 0;
	o.no_create = 1;
	if ((rc = shmring_open(&h->wring, h->cfg.ring_name, &o)) < 0) {
		snprintf(err, errlen, "ring %s: %s", h->cfg.ring_name,
			 shmring_strerror(rc));
		return rc;
	}
	shmring_stats(h->ring, &st);
	h->ring_cap = st.capacity;
	if (st.capacity != h->cfg.ring_size)
		log_warnx("ring %s exists with %llu bytes; using it",
			  h->cfg.ring_name, (unsigned long long)st.capacity);
	return 0;
}

/* Load the checkpoint and put the read cursor where it stood. */
static int
recover(struct hub *h, char *err, size_t errlen)
{
	struct shmring_stats st;
	char why[256];
	uint64_t pos = 0;
	int rc;

	shmring_stats(h->ring, &st);
	if (h->cfg.no_ckpt) {
		h->core.ring_instance = st.instance;
		h->pos = st.read_pos;
		return 0;
	}
	rc = hub_ckpt_load(&h->ckpt, &h->core, &pos, why, sizeof(why));
	if (rc == -ENOMEM) {
		snprintf(err, errlen, "checkpoint: %s", why);
		return rc;
	}
	if (rc < 0) {
		log_warnx("checkpoint %s is unusable (%s); starting from an "
			  "empty state at seq 0",
			  h->ckpt.path, why);
	} else if (rc == 0 && h->core.ring_instance != st.instance) {
		log_warnx("ring %s was recreated since the checkpoint; keeping "
			  "the state (seq %llu), reading the new ring from its start",
			  h->cfg.ring_name, (unsigned long long)h->core.state.seq);
		h->core.dropped_seen = 0;
	} else if (rc == 0) {
		if (pos != st.read_pos && (rc = shmring_seek(h->ring, pos)) < 0) {
			log_warnx("cannot seek ring to checkpoint position %llu "
				  "(%s); reading from %llu",
				  (unsigned long long)pos, shmring_strerror(rc),
				  (unsigned long long)st.read_pos);
		}
		log_info("restored checkpoint: seq %llu, ring position %llu",
			 (unsigned long long)h->core.state.seq,
			 (unsigned long long)pos);
	}
	h->core.ring_instance = st.instance;
	shmring_stats(h->ring, &st);
	h->pos = st.read_pos;
	return 0;
}

int
hub_open(struct hub **out, const struct hub_config *cfg, char *err,
	 size_t errlen)
{
	struct hub_core_config cc;
	struct hub *h;
	int rc;

	if (!(h = calloc(1, sizeof(*h)))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	h->cfg = *cfg;
	h->ckpt.dirfd = -1;
	ckw_init(h);
	h->start_ms = hub_mono_ms();
	if (getrandom(&h->instance, sizeof(h->instance), 0) != sizeof(h->instance))
		h->instance = (uint64_t)hub_wall_ms() ^ ((uint64_t)getpid() << 40);
	if (h->instance == 0)
		h->instance = 1;
	memset(&cc, 0, sizeof(cc));
	cc.lim.recent = cfg->recent;
	cc.lim.max_active = HUB_ACTIVE_MAX;
	cc.lim.max_hw = HUB_HW_MAX;
	cc.retain = cfg->retain;
	cc.history_bytes = cfg->history_bytes;
	if ((rc = hub_core_init(&h->core, &cc)) < 0) {
		snprintf(err, errlen, "cannot allocate state and history: %s",
			 strerror(-rc));
		free(h);
		return rc;
	}
	h->core.emit = emit_cb;
	h->core.emit_arg = h;
	if (!cfg->no_ckpt &&
	    (rc = hub_ckpt_open(&h->ckpt, cfg->state_dir, err, errlen)) < 0)
		goto fail;
	if ((rc = open_ring(h, err, errlen)) < 0)
		goto fail;
	if ((rc = recover(h, err, errlen)) < 0)
		goto fail;
	if ((rc = hub_pub_open(&h->pub, cfg->events_urls, cfg->nevents, err,
			       errlen)) < 0)
		goto fail;
	if (!cfg->no_rpc) {
		if ((rc = hub_rpc_open(&h->rpc, h, err, errlen)) < 0)
			goto fail;
		h->core.rid_done = hub_rpc_rid_done;
		h->core.rid_arg = h->rpc;
	}
	h->ckpt_pos = h->pos;
	h->released = h->pos;
	h->ckw.durable_pos = h->pos;
	h->ckw.durable_seq = h->core.state.seq;
	h->ckpt_at_ms = hub_mono_ms();
	if (!cfg->no_ckpt && (rc = ckw_start(h)) < 0) {
		snprintf(err, errlen, "cannot start the checkpoint writer");
		goto fail;
	}
	*out = h;
	return 0;
fail:
	ckw_free(h);
	hub_rpc_close(h->rpc);
	hub_pub_close(&h->pub);
	shmring_close(h->wring);
	shmring_close(h->ring);
	hub_ckpt_close(&h->ckpt);
	hub_core_fini(&h->core);
	free(h);
	return rc;
}

void
hub_close(struct hub *h)
{
	if (!h)
		return;
	hub_pub_flush(&h->pub);
	/* stop requests before the final state is written */
	hub_rpc_stop(h->rpc);
	h->core.rid_done = NULL;
	if (!h->cfg.no_ckpt && hub_checkpoint(h, 1) == 0)
		log_info("final checkpoint at seq %llu",
			 (unsigned long long)h->core.state.seq);
	ckw_free(h);
	hub_rpc_close(h->rpc);
	hub_pub_close(&h->pub);
	shmring_close(h->wring);
	shmring_close(h->ring);
	hub_ckpt_close(&h->ckpt);
	hub_core_fini(&h->core);
	free(h);
}
