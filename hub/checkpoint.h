/*
 * Checkpoints: the hub's replayable state written atomically to the state
 * directory, so that a restarted hub continues exactly where the last one
 * stood.  What is saved is what replaying the ring from the saved position
 * needs: the state (seq included), the ring position and instance, and
 * dropped_seen; plus the newest envelopes (up to 256 KiB), so that a
 * restarted hub's history reaches a little before its checkpoint.
 * Filters are not saved: edges re-register them when they see a new hub
 * instance.
 */
#ifndef HUB_CHECKPOINT_H
#define HUB_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "mpbuf.h"

#define HUB_CKPT_FILE "hub.ckpt"
#define HUB_CKPT_HISTORY_BYTES (256u << 10) /* history kept in a checkpoint */
#define HUB_CKPT_HISTORY_MAX 4096

struct hub_ckpt {
	int dirfd;
	char *path, *tmp;
	struct mpbuf buf;
	uint64_t writes;
	uint64_t bytes; /* size of the last one */
};

/* Create DIR (mode 0700) if needed and open it.  Returns 0 or -errno with
 * a reason in ERR. */
int hub_ckpt_open(struct hub_ckpt *k, const char *dir, char *err,
		  size_t errlen);
void hub_ckpt_close(struct hub_ckpt *k);

/* Save C (caller holds its lock) with ring position POS: write a temporary
 * file, fsync, rename over the checkpoint, fsync the directory.  Returns 0
 * or -errno; the previous checkpoint is intact on failure. */
int hub_ckpt_write(struct hub_ckpt *k, const struct hub_core *c, uint64_t pos);

/* The same for bytes already encoded by hub_ckpt_encode (for a writer
 * thread: encode under the core lock, store without it). */
int hub_ckpt_store(struct hub_ckpt *k, const void *buf, size_t len);

/* Load into C (freshly initialised).  Returns 1 when there is no
 * checkpoint, 0 when loaded (with *pos), or -EINVAL for a corrupt one
 * (reason in ERR; C is left empty). */
int hub_ckpt_load(struct hub_ckpt *k, struct hub_core *c, uint64_t *pos,
		  char *err, size_t errlen);

/* Encode / decode the checkpoint bytes (exposed for tests). */
void hub_ckpt_encode(struct mpbuf *out, const struct hub_core *c,
		     uint64_t pos);
int hub_ckpt_decode(struct hub_core *c, const void *buf, size_t len,
		    uint64_t *pos, char *err, size_t errlen);

#endif /* HUB_CHECKPOINT_H */
