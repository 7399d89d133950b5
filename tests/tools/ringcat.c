/*
 * ringcat: a small test consumer.  Attaches to a ring as its consumer and
 * prints every record as one JSON line: {"event": NAME, field: value...}
 * in payload order, so scripts can compare what a producer wrote.  A
 * record that fails the hub's payload check is printed as
 * {"invalid": REASON, "type": N} and makes the exit status 1.
 *
 *   ringcat [-n COUNT] [-t TIMEOUT_MS] [-s SIZE] NAME
 *   ringcat -u NAME          remove the segment name
 *
 * Exits 0 after COUNT records (or at the timeout when no COUNT was
 * given), 3 when the timeout passes first, 1 after an invalid record,
 * 2 on usage or ring errors.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <msgpack.h>

#include "conf.h"
#include "event.h"
#include "shmring.h"

struct cat {
	uint64_t seen, want;
	uint64_t release;
	int invalid;
};

static json_t *
to_json(const msgpack_object *o)
{
	json_t *j;
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return json_null();
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return json_integer((json_int_t)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer((json_int_t)o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return json_real(o->via.f64);
	case MSGPACK_OBJECT_STR:
		return json_stringn(o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_ARRAY:
		j = json_array();
		for (i = 0; i < o->via.array.size; i++)
			json_array_append_new(j, to_json(&o->via.array.ptr[i]));
		return j;
	case MSGPACK_OBJECT_MAP:
		j = json_object();
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;
			char key[256];

			snprintf(key, sizeof(key), "%.*s",
				 (int)k->via.str.size, k->via.str.ptr);
			json_object_set_new(j, key, to_json(&o->via.map.ptr[i].val));
		}
		return j;
	default:
		return json_null(); /* bin/ext: refused by the check */
	}
}

static void
print(json_t *j)
{
	json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(j);
}

static void
on_record(int32_t type, const void *data, uint32_t len, uint64_t pos_end,
	  void *arg)
{
	struct cat *c = arg;
	struct fh_event_error err;
	msgpack_unpacked u;
	size_t off = 0;
	json_t *j, *v, *val;
	const char *k;

	/* Records past COUNT stay unreleased: the next consumer sees them. */
	if (c->want && c->seen >= c->want)
		return;
	c->release = pos_end;
	c->seen++;
	if (fh_event_check_mp(type, data, len, NULL, &err) != 0) {
		j = json_object();
		json_object_set_new(j, "invalid", json_string(err.message));
		json_object_set_new(j, "type", json_integer(type));
		print(j);
		c->invalid = 1;
		return;
	}
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, data, len, &off) != MSGPACK_UNPACK_SUCCESS) {
		c->invalid = 1;
		msgpack_unpacked_destroy(&u);
		return;
	}
	j = json_object();
	json_object_set_new(j, "event", json_string(fh_event_name(type)));
	v = to_json(&u.data);
	json_object_foreach(v, k, val)
		json_object_set(j, k, val);
	json_decref(v);
	msgpack_unpacked_destroy(&u);
	print(j);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct shmring_opts o = {0};
	struct shmring *r;
	struct cat c = {0};
	uint64_t timeout = 5000, v;
	int64_t deadline;
	int ch, rc;

	while ((ch = getopt(argc, argv, "n:t:s:u")) != -1) {
		switch (ch) {
		case 'n':
			if (conf_parse_uint(optarg, 1, UINT64_MAX, &c.want) != 0)
				return 2;
			break;
		case 't':
			if (conf_parse_uint(optarg, 0, 86400000, &timeout) != 0)
				return 2;
			break;
		case 's':
			if (conf_parse_size(optarg, 0, SHMRING_MAX_CAPACITY, &v) != 0)
				return 2;
			o.capacity = (size_t)v;
			break;
		case 'u':
			if (optind != argc - 1)
				return 2;
			return shmring_unlink(argv[optind]) == 0 ? 0 : 2;
		default:
			fprintf(stderr, "usage: ringcat [-n COUNT] [-t MS] "
				"[-s SIZE] NAME | ringcat -u NAME\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: ringcat [-n COUNT] [-t MS] [-s SIZE] NAME\n");
		return 2;
	}
	rc = shmring_open(&r, argv[optind], &o);
	if (rc == 0)
		rc = shmring_consumer_attach(r);
	if (rc != 0) {
		fprintf(stderr, "ringcat: %s: %s\n", argv[optind],
			shmring_strerror(rc));
		return 2;
	}
	deadline = mono_ms() + (int64_t)timeout;
	while (c.want == 0 || c.seen < c.want) {
		int64_t left = deadline - mono_ms();

		unsigned max = 64;

		if (c.want && c.want - c.seen < max)
			max = (unsigned)(c.want - c.seen);
		rc = shmring_read(r, on_record, &c, max);
		if (rc < 0) {
			fprintf(stderr, "ringcat: read: %s\n",
				shmring_strerror(rc));
			shmring_close(r);
			return 2;
		}
		if (c.release)
			(void)shmring_release(r, c.release);
		if (rc > 0)
			continue;
		if (left <= 0)
			break;
		shmring_wait(r, left > 100 ? 100 : (int)left);
	}
	shmring_close(r);
	if (c.invalid)
		return 1;
	return c.want && c.seen < c.want ? 3 : 0;
}
