/*
 * Checkpoint files.  Layout: 8-byte magic "FHCKPT1\n", a 4-byte big-endian
 * payload length, a 4-byte CRC-32 of the payload, then the payload: a
 * msgpack array [pos, ring_instance, dropped_seen, state] where state is
 * hub_state_save's form.  The CRC catches torn or edited files before the
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

void
hub_ckpt_encode(struct mpbuf *out, const struct hub_core *c, uint64_t pos)
{
	struct mpbuf *pk = out;
	uint8_t hdr[HDR_LEN] = {0};
	size_t start;

	start = out->len;
	mpbuf_put(out, hdr, HDR_LEN);
	mpb_array(pk, 4);
	mpb_uint64(pk, pos);
	mpb_uint64(pk, c->ring_instance);
	mpb_uint64(pk, c->dropped_seen);
	hub_state_save(&c->state, pk);
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
	if (mp_read_array(&cur, &n) < 0 || n != 4 ||
	    mp_read_uint(&cur, &p) < 0 || mp_read_uint(&cur, &inst) < 0 ||
	    mp_read_uint(&cur, &dropped) < 0 || mp_skip(&cur, &st) < 0 ||
	    !mp_cur_done(&cur)) {
		snprintf(err, errlen, "malformed header fields");
		return -EINVAL;
	}
	if (hub_state_restore(&c->state, st.p, st.len) < 0) {
		snprintf(err, errlen, "malformed state");
		return -EINVAL;
	}
	c->ring_instance = inst;
	c->dropped_seen = dropped;
	hub_history_reset(&c->hist, c->state.seq + 1);
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
