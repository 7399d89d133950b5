/*
 * Checkpoint files.  Layout: 8-byte magic "FHCKPT1\n", a 4-byte big-endian
 * payload length, a 4-byte CRC-32 of the payload, then the payload: a
 * msgpack array [pos, ring_instance, dropped_seen, state, history] where
 * state is hub_state_save's form and history the newest envelopes up to
 * the state's seq (see save_history_tail).  The CRC catches torn or edited files before the
 * parser sees them; the parser is the bounded one anyway.
 *
 * Atomicity: write "hub.ckpt.tmp", fsync it, rename it over "hub.ckpt",
 * fsync the directory.  A crash at any point leaves either the old or the
 * new checkpoint, and the ring is released only up to a position whose
 * checkpoint is durable, so the records after it are still in the ring.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "mpread.h"

static const char magic[8] = {'F', 'H', 'C', 'K', 'P', 'T', '1', '\n'};
#define HDR_LEN 16
#define CKPT_MAX (64u << 20)

static uint32_t
crc32(const uint8_t *p, size_t n)
{
	static uint32_t table[256];
	static int init;
	uint32_t c = 0xffffffffu;

	if (!init) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;
			for (int k = 0; k < 8; k++)
				v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
			table[i] = v;
		}
		init = 1;
	}
	while (n--)
		c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static void
put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	       ((uint32_t)b[2] << 8) | b[3];
}

/*
 * The newest retained envelopes, up to HUB_CKPT_HISTORY_BYTES, no older
 * than c->ckpt_hist_from (the loop sets it to the seq of ~2 s ago, so a
 * quiet hub does not rewrite a full tail ten times a second) and ending
 * at the state's seq: [first_seq, [bin...]].  A restarted hub serves
 * "since" from there instead of only from its checkpoint, so an edge
 * that was a little behind when the hub died repairs from history rather
 * than falling back to a snapshot.  Envelopes after the state's seq are
 * not saved: the replay makes them again.
 */
static void
save_history_tail(struct mpbuf *pk, const struct hub_core *c)
{
	const struct hub_history *h = &c->hist;
	uint64_t last = c->state.seq, first = last + 1;
	size_t bytes = 0;
	uint32_t len;

	while (first > h->first && first > c->ckpt_hist_from &&
	       last + 1 - first < HUB_CKPT_HISTORY_MAX) {
		if (!hub_history_get(h, first - 1, &len) ||
		    bytes + len > HUB_CKPT_HISTORY_BYTES)
			break;
		bytes += len;
		first--;
	}
	mpb_array(pk, 2);
	mpb_uint64(pk, first);
	mpb_array(pk, (uint32_t)(last + 1 - first));
	for (uint64_t s = first; s <= last; s++) {
		const void *e = hub_history_get(h, s, &len);
		mpb_bin(pk, len);
		mpb_bin_body(pk, e, len);
	}
}

/* Put saved envelopes back into the (reset) history.  Each must be one
 * msgpack array; returns 0 or -1. */
static int
load_history_tail(struct hub_core *c, struct mp_cur *cur)
{
	uint32_t n, k;
	uint64_t first;

	if (mp_read_array(cur, &n) < 0 || n != 2 || mp_read_uint(cur, &first) < 0 ||
	    mp_read_array(cur, &k) < 0 || k > HUB_CKPT_HISTORY_MAX ||
	    first + k != c->state.seq + 1)
		return -1;
	hub_history_reset(&c->hist, first);
	for (uint32_t i = 0; i < k; i++) {
		struct mp_span whole;
		struct mp_cur e;
		const uint8_t *p = cur->p;
		if (mp_peek(cur) != MP_BIN || mp_skip(cur, &whole) < 0)
			return -1;
		size_t hdr = p[0] == 0xc4 ? 2 : p[0] == 0xc5 ? 3 : 5;
		mp_cur_init(&e, whole.p + hdr, whole.len - hdr);
		if (mp_peek(&e) != MP_ARRAY || mp_skip(&e, NULL) < 0 || !mp_cur_done(&e))
			return -1;
		(void)hub_history_append(&c->hist, whole.p + hdr,
					 (uint32_t)(whole.len - hdr));
	}
	return 0;
}

void
hub_ckpt_encode(struct mpbuf *out, const struct hub_core *c, uint64_t pos)
{
	struct mpbuf *pk = out;
	uint8_t hdr[HDR_LEN] = {0};
	size_t start;

	start = out->len;
	mpbuf_put(out, hdr, HDR_LEN);
	mpb_array(pk, 5);
	mpb_uint64(pk, pos);
	mpb_uint64(pk, c->ring_instance);
	mpb_uint64(pk, c->dropped_seen);
	hub_state_save(&c->state, pk);
	save_history_tail(pk, c);
	size_t plen = out->len - start - HDR_LEN;
	uint8_t *h = (uint8_t *)out->p + start;
	memcpy(h, magic, 8);
	put32(h + 8, (uint32_t)plen);
	put32(h + 12, crc32(h + HDR_LEN, plen));
}

int
hub_ckpt_decode(struct hub_core *c, const void *buf, size_t len,
		uint64_t *pos, char *err, size_t errlen)
{
	const uint8_t *b = buf;
	struct mp_cur cur;
	struct mp_span st;
	uint32_t n, plen;
	uint64_t p, inst, dropped;

	if (len < HDR_LEN || memcmp(b, magic, 8) != 0) {
		snprintf(err, errlen, "not a flowhub checkpoint");
		return -EINVAL;
	}
	plen = get32(b + 8);
	if (plen != len - HDR_LEN) {
		snprintf(err, errlen, "truncated (%zu of %u bytes)",
			 len - HDR_LEN, plen);
		return -EINVAL;
	}
	if (crc32(b + HDR_LEN, plen) != get32(b + 12)) {
		snprintf(err, errlen, "checksum mismatch");
		return -EINVAL;
	}
	mp_cur_init(&cur, b + HDR_LEN, plen);
	if (mp_read_array(&cur, &n) < 0 || (n != 4 && n != 5) ||
	    mp_read_uint(&cur, &p) < 0 || mp_read_uint(&cur, &inst) < 0 ||
	    mp_read_uint(&cur, &dropped) < 0 || mp_skip(&cur, &st) < 0) {
		snprintf(err, errlen, "malformed header fields");
		return -EINVAL;
	}
	if (hub_state_restore(&c->state, st.p, st.len) < 0) {
		snprintf(err, errlen, "malformed state");
		return -EINVAL;
	}
	hub_history_reset(&c->hist, c->state.seq + 1);
	if ((n == 5 && load_history_tail(c, &cur) < 0) || !mp_cur_done(&cur)) {
		struct hub_state_limits lim = c->state.lim;
		hub_history_reset(&c->hist, 1);
		hub_state_fini(&c->state);
		(void)hub_state_init(&c->state, &lim);
		snprintf(err, errlen, "malformed history");
		return -EINVAL;
	}
	c->ring_instance = inst;
	c->dropped_seen = dropped;
	*pos = p;
	return 0;
}

int
hub_ckpt_open(struct hub_ckpt *k, const char *dir, char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	k->dirfd = -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "state dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	if ((k->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "state dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (asprintf(&k->path, "%s/%s", dir, HUB_CKPT_FILE) < 0 ||
	    asprintf(&k->tmp, "%s/%s.tmp", dir, HUB_CKPT_FILE) < 0) {
		close(k->dirfd);
		free(k->path);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	mpbuf_init(&k->buf);
	return 0;
}

void
hub_ckpt_close(struct hub_ckpt *k)
{
	if (k->dirfd < 0)
		return;
	close(k->dirfd);
	free(k->path);
	free(k->tmp);
	mpbuf_free(&k->buf);
	k->dirfd = -1;
}

int
hub_ckpt_write(struct hub_ckpt *k, const struct hub_core *c, uint64_t pos)
{
	k->buf.len = 0;
	hub_ckpt_encode(&k->buf, c, pos);
	if (k->buf.oom)
		return -ENOMEM;
	return hub_ckpt_store(k, k->buf.p, k->buf.len);
}

int
hub_ckpt_store(struct hub_ckpt *k, const void *buf, size_t len)
{
	const uint8_t *data = buf;
	size_t off = 0;
	int fd, rc = 0;

	fd = openat(k->dirfd, HUB_CKPT_FILE ".tmp",
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		off += (size_t)w;
	}
	if (fdatasync(fd) < 0) {
		rc = -errno;
		goto out;
	}
	if (renameat(k->dirfd, HUB_CKPT_FILE ".tmp", k->dirfd, HUB_CKPT_FILE) < 0) {
		rc = -errno;
		goto out;
	}
	(void)fsync(k->dirfd);
	k->writes++;
	k->bytes = len;
out:
	close(fd);
	return rc;
}

int
hub_ckpt_load(struct hub_ckpt *k, struct hub_core *c, uint64_t *pos,
	      char *err, size_t errlen)
{
	struct stat sb;
	uint8_t *buf = NULL;
	size_t off = 0;
	int fd, rc;

	fd = openat(k->dirfd, HUB_CKPT_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", k->path, strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &sb) < 0 || sb.st_size > CKPT_MAX) {
		snprintf(err, errlen, "%s: unreadable or too large", k->path);
		rc = -EINVAL;
		goto out;
	}
	if (!(buf = malloc((size_t)sb.st_size + 1))) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while (off < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + off, (size_t)sb.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	rc = hub_ckpt_decode(c, buf, off, pos, err, errlen);
out:
	free(buf);
	close(fd);
	return rc;
}
