/*
 * JSON lines into the ring.  Input is read with read(2) into a buffer of
 * one record limit plus a little, so memory stays bounded whatever the
 * input, and each line is handled as soon as its newline arrives: a live
 * program can pipe its events through flowhub-emit without waiting for
 * EOF.  A line longer than the record limit is reported once and skipped
 * up to its newline without being stored.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <msgpack.h>

#include "emit.h"
#include "event.h"
#include "log.h"
#include "shmring.h"

int
emit_full_wait(struct emit_ctx *e, unsigned *attempt)
{
	struct timespec ts;
	long ms;

	if (e->no_wait || *e->stop) {
		e->dropped++;
		/* The ring counts a refused claim only when the caller gives
		 * up on it (shmring_set_retry_full): the hub reports a gap for
		 * real losses, not for our retries. */
		if (!e->no_wait)
			shmring_note_dropped(e->ring);
		return 0;
	}
	ms = *attempt < 6 ? 1L << *attempt : 50; /* 1, 2, .. 32, 50, 50 ms */
	if (*attempt == 40)
		log_info("ring full: waiting for the consumer to make room");
	(*attempt)++;
	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	nanosleep(&ts, NULL);
	return 1;
}

static void
reject(struct emit_ctx *e, unsigned long lineno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
reject(struct emit_ctx *e, unsigned long lineno, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The line report is the tool's output, always on stderr. */
	fprintf(stderr, "LINE %lu: %s\n", lineno, msg);
	e->rejected++;
}

static int
blank(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r')) {
		s++;
		n--;
	}
	return n == 0;
}

static void
one_line(struct emit_ctx *e, unsigned long lineno, const char *s, size_t n,
	 msgpack_sbuffer *sb)
{
	struct fh_event_error err;
	json_error_t jerr;
	json_t *j;
	unsigned attempt = 0;
	int ev, rc;

	if (blank(s, n))
		return;
	if (n - (s[n - 1] == '\r') > e->max_record) {
		reject(e, lineno, "line longer than the record limit of %u bytes",
		       e->max_record);
		return;
	}
	j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		reject(e, lineno, "invalid JSON at column %d: %s", jerr.column,
		       jerr.text);
		return;
	}
	msgpack_sbuffer_clear(sb);
	rc = fh_event_from_json(j, &ev, sb, &err);
	json_decref(j);
	if (rc == -ENOMEM) {
		reject(e, lineno, "out of memory");
		return;
	}
	if (rc != 0) {
		reject(e, lineno, "%s", err.message);
		return;
	}
	if (sb->size > e->max_record) {
		reject(e, lineno, "event of %zu bytes exceeds the record "
		       "limit of %u", sb->size, e->max_record);
		return;
	}
	for (;;) {
		rc = shmring_write(e->ring, ev, sb->data, (uint32_t)sb->size);
		if (rc == 0) {
			e->written++;
			return;
		}
		if (rc != SHMRING_FULL) {
			reject(e, lineno, "ring refused the event: %s",
			       shmring_strerror(rc));
			return;
		}
		if (!emit_full_wait(e, &attempt)) {
			log_debug("LINE %lu dropped: ring full", lineno);
			return;
		}
	}
}

int
emit_lines(struct emit_ctx *e, int fd)
{
	/* A line may hold max_record bytes plus its newline and a CR. */
	size_t cap = (size_t)e->max_record + 2, have = 0, scan = 0;
	unsigned long lineno = 1;
	int skipping = 0, rc = 0;
	msgpack_sbuffer sb;
	char *buf;

	buf = malloc(cap);
	if (buf == NULL)
		return -ENOMEM;
	msgpack_sbuffer_init(&sb);
	while (!*e->stop) {
		ssize_t n = read(fd, buf + have, cap - have);
		char *nl;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (n == 0) { /* EOF: a last line without a newline counts */
			if (have > 0 && !skipping)
				one_line(e, lineno, buf, have, &sb);
			break;
		}
		have += (size_t)n;
		while ((nl = memchr(buf + scan, '\n', have - scan)) != NULL) {
			size_t len = (size_t)(nl - buf);

			if (skipping)
				skipping = 0;
			else
				one_line(e, lineno, buf, len, &sb);
			lineno++;
			memmove(buf, nl + 1, have - len - 1);
			have -= len + 1;
			scan = 0;
			if (*e->stop)
				break;
		}
		scan = have;
		if (have == cap) {
			/* No newline in a full buffer: the line is too long
			 * (a trailing CR cannot be told apart yet, so one
			 * byte of slack is kept for it). */
			if (!skipping)
				reject(e, lineno, "line longer than the record "
				       "limit of %u bytes", e->max_record);
			skipping = 1;
			have = scan = 0;
		}
	}
	msgpack_sbuffer_destroy(&sb);
	free(buf);
	return rc;
}
