/*
 * The hub daemon's body: ring loop, checkpoints, publisher and RPC put
 * together around the event pipeline of core.h.  main.c only turns
 * options into a struct hub_config and calls hub_open/hub_run/hub_close.
 */
#ifndef HUB_HUB_H
#define HUB_HUB_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "checkpoint.h"
#include "core.h"
#include "publish.h"
#include "shmring.h"

#define HUB_MAX_URLS 8

struct hub_config {
	const char *ring_name;
	uint64_t ring_size;
	const char *events_urls[HUB_MAX_URLS];
	int nevents;
	const char *rpc_urls[HUB_MAX_URLS];
	int nrpc;
	const char *state_dir;
	uint32_t retain;
	uint32_t recent;
	uint64_t history_bytes;
	uint32_t ckpt_ms;     /* checkpoint at least this often when busy */
	uint32_t rpc_workers; /* concurrent RPC requests */
	int no_rpc;           /* benchmark: no rpc socket */
	int no_ckpt;          /* benchmark: no checkpoint files */
};

/* What RPC "status" and `flowhub --status` show; refreshed by the loop
 * under the core lock. */
struct hub_snap {
	uint64_t pos, ckpt_pos, ckpt_seq, ckpt_writes, ckpt_errors;
	int64_t ckpt_wall_ms; /* CLOCK_REALTIME ms of the last checkpoint */
	uint64_t pub_msgs, pub_events, pub_bytes, pub_errors;
	uint64_t ring_errors;
};

struct hub_rpc;

/* The checkpoint writer thread (hub.c): the loop encodes, it stores. */
struct hub_ckw {
	pthread_t th;
	int started, mu_init;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* work for the writer, or stop */
	pthread_cond_t idle_cv; /* the writer finished one */
	struct mpbuf next, cur;
	uint64_t next_pos, next_seq;
	int has_next, writing, stop;
	/* results, read by the loop */
	uint64_t durable_pos, durable_seq, writes, errors;
	int64_t durable_wall_ms;
	int last_err;
};

struct hub {
	struct hub_config cfg;
	struct hub_core core;
	struct shmring *ring;  /* consumer handle */
	struct shmring *wring; /* producer handle: gap and hw records */
	struct hub_pub pub;
	struct hub_rpc *rpc;
	struct hub_ckpt ckpt;
	uint64_t instance; /* random per process: edges see restarts */
	int64_t start_ms;

	uint64_t ring_cap;  /* data area of the ring */
	uint64_t pos;       /* ring position after the last consumed record */
	uint64_t ckpt_pos;  /* position of the last checkpoint requested */
	int64_t ckpt_at_ms; /* monotonic, of that request */
	uint64_t ckpt_records; /* core.records at that request */
	uint64_t seq_marks[20]; /* seq at each of the last 20 ticks */
	unsigned seq_mark_at;
	uint64_t released;  /* ring released up to here (durable) */
	uint64_t ckpt_errors_logged;
	struct hub_ckw ckw;
	uint64_t gap_written; /* highest dropped value written as a gap record */
	int64_t hb_at_ms, expire_at_ms;
	int64_t bad_log_ms[BAD_KINDS];
	uint64_t bad_logged[BAD_KINDS];
	uint64_t ring_errors;
	int64_t ring_err_log_ms;
	struct hub_snap snap;
};

/* Monotonic and wall clocks in ms. */
int64_t hub_mono_ms(void);
int64_t hub_wall_ms(void);

/* Open the ring, load the checkpoint, seek, listen.  Returns 0 with *out,
 * or a negative errno with a one-line reason in ERR (nothing left open). */
int hub_open(struct hub **out, const struct hub_config *cfg, char *err,
	     size_t errlen);

/* One loop iteration: read what the ring has (waiting up to WAIT_MS when
 * it has nothing), publish, checkpoint when due.  Returns the number of
 * records consumed, or a negative error from a corrupt ring. */
int hub_poll(struct hub *h, int wait_ms);

/* Loop until *STOP becomes non-zero. */
void hub_run(struct hub *h, volatile sig_atomic_t *stop);

/* Checkpoint the current position.  WAIT = 0: hand the encoded state to
 * the writer thread (skipped, -EBUSY, while it is still busy with the
 * previous one); the ring is released once it is durable.  WAIT = 1:
 * write it now and release before returning.  Returns 0 or -errno. */
int hub_checkpoint(struct hub *h, int wait);

/* Final checkpoint, then close everything.  NULL is fine. */
void hub_close(struct hub *h);

#endif /* HUB_HUB_H */
