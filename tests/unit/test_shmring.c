/*
 * Behaviour of one ring in one process: record order, wrap padding, the
 * full ring, abort, record limits, segment creation and validation, the
 * consumer registration and what a consumer that never released re-reads.
 * Multi-process behaviour (many producers, dead and stopped producers,
 * creation races) lives in test_shmring_mp.c.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shmring.h"
#include "shmring_private.h"

static char name[64];

static void
setup(void)
{
	static int n;

	snprintf(name, sizeof(name), "/fhtest-%d-%d", (int)getpid(), n++);
	shm_unlink(name);
}

static void
teardown(void)
{
	shm_unlink(name);
}

static struct shmring *
open_ring(size_t cap)
{
	struct shmring_opts o = { .capacity = cap };
	struct shmring *r = NULL;
	int rc = shmring_open(&r, name, &o);

	ck_assert_msg(rc == 0, "open: %s", shmring_strerror(rc));
	return r;
}

/* Collects what shmring_read hands over. */
struct got {
	unsigned n;
	int32_t type[4096];
	uint32_t len[4096];
	uint64_t end[4096];
	unsigned char first[4096];
	int intact;
};

static void
collect(int32_t type, const void *data, uint32_t len, uint64_t pos_end, void *arg)
{
	struct got *g = arg;
	const unsigned char *p = data;
	uint32_t i;

	ck_assert_uint_lt(g->n, 4096);
	g->type[g->n] = type;
	g->len[g->n] = len;
	g->end[g->n] = pos_end;
	g->first[g->n] = len ? p[0] : 0;
	for (i = 1; i < len; i++)
		if (p[i] != (unsigned char)(p[0] + i))
			g->intact = 0;
	g->n++;
}

static void
fill(unsigned char *buf, uint32_t len, unsigned char seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed + i);
}

START_TEST(should_deliver_records_in_write_order)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY);
	unsigned char buf[300];
	struct got *g = calloc(1, sizeof(*g));
	unsigned i;

	g->intact = 1;
	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	for (i = 0; i < 100; i++) {
		fill(buf, i * 3, (unsigned char)i);
		ck_assert_int_eq(shmring_write(r, (int32_t)(i + 1), buf, i * 3), 0);
	}
	ck_assert_int_eq(shmring_read(r, collect, g, 1000), 100);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(g->type[i], (int32_t)(i + 1));
		ck_assert_uint_eq(g->len[i], i * 3);
		if (i > 0)
			ck_assert_uint_eq(g->first[i], (unsigned char)i);
	}
	ck_assert(g->intact);
	ck_assert_int_eq(shmring_read(r, collect, g, 1000), SHMRING_EMPTY);
	struct shmring_stats st;
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.written, 100);
	ck_assert_uint_eq(st.read_pos, st.tail);
	ck_assert_uint_eq(st.head, 0);
	free(g);
	shmring_close(r);
}
END_TEST

START_TEST(should_stop_at_max_records_per_read)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY);
	struct got *g = calloc(1, sizeof(*g));
	unsigned i;

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(shmring_write(r, 7, "abc", 3), 0);
	ck_assert_int_eq(shmring_read(r, collect, g, 4), 4);
	ck_assert_int_eq(shmring_read(r, collect, g, 4), 4);
	ck_assert_int_eq(shmring_read(r, collect, g, 4), 2);
	ck_assert_int_eq(shmring_read(r, collect, g, 4), 0);
	free(g);
	shmring_close(r);
}
END_TEST

START_TEST(should_pad_a_record_that_would_cross_the_end)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY);
	struct got *g = calloc(1, sizeof(*g));
	unsigned char buf[1000];
	uint64_t cap = SHMRING_MIN_CAPACITY, pos = 0, pads = 0;
	unsigned i, total = 0;

	g->intact = 1;
	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	/* 1000-byte payloads (1008 bytes each) never divide the capacity:
	 * every lap ends with padding.  Run three laps. */
	for (i = 0; i < 3 * cap / 1008 + 5; i++) {
		fill(buf, sizeof(buf), (unsigned char)i);
		ck_assert_int_eq(shmring_write(r, 1, buf, sizeof(buf)), 0);
		g->n = 0;
		ck_assert_int_eq(shmring_read(r, collect, g, 10), 1);
		ck_assert_uint_eq(g->first[0], (unsigned char)i);
		ck_assert_uint_eq(g->len[0], 1000);
		if (g->end[0] - pos != 1008)
			pads++;
		/* The record itself never crosses the end. */
		ck_assert_uint_le((g->end[0] - 1008) % cap + 1008, cap);
		pos = g->end[0];
		ck_assert_int_eq(shmring_release(r, pos), 0);
		total++;
	}
	ck_assert(g->intact);
	ck_assert_uint_eq(pads, 3);
	free(g);
	shmring_close(r);
}
END_TEST

START_TEST(should_refuse_when_full_and_count_every_drop)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY);
	struct got *g = calloc(1, sizeof(*g));
	unsigned char buf[56]; /* 64 bytes a record: exactly 1024 fit */
	struct shmring_stats st;
	unsigned i;

	memset(buf, 1, sizeof(buf));
	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	for (i = 0; i < 1024; i++)
		ck_assert_int_eq(shmring_write(r, 1, buf, sizeof(buf)), 0);
	for (i = 0; i < 37; i++)
		ck_assert_int_eq(shmring_write(r, 1, buf, sizeof(buf)), SHMRING_FULL);
	ck_assert_int_eq(shmring_write(r, 1, NULL, 0), SHMRING_FULL);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.dropped, 38);
	ck_assert_uint_eq(st.written, 1024);
	/* Reading alone frees nothing; releasing does. */
	ck_assert_int_eq(shmring_read(r, collect, g, 10), 10);
	ck_assert_int_eq(shmring_write(r, 1, buf, sizeof(buf)), SHMRING_FULL);
	ck_assert_int_eq(shmring_release(r, g->end[9]), 0);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(shmring_write(r, 1, buf, sizeof(buf)), 0);
	ck_assert_int_eq(shmring_write(r, 1, buf, sizeof(buf)), SHMRING_FULL);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.dropped, 40);
	free(g);
	shmring_close(r);
}
END_TEST

START_TEST(should_not_count_a_full_claim_the_caller_will_retry)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY);
	unsigned char buf[56]; /* 64 bytes a record: exactly 1024 fit */
	struct shmring_stats st;
	unsigned i;

	memset(buf, 2, sizeof(buf));
	shmring_set_retry_full(r, 1);
	for (i = 0; i < 1024; i++)
		ck_assert_int_eq(shmring_write(r, 1, buf, sizeof(buf)), 0);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(shmring_write(r, 1, buf, sizeof(buf)), SHMRING_FULL);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.dropped, 0);
	/* Giving up on the record counts it once. */
	shmring_note_dropped(r);
	shmring_set_retry_full(r, 0);
	ck_assert_int_eq(shmring_write(r, 1, buf, sizeof(buf)), SHMRING_FULL);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.dropped, 2);
	shmring_close(r);
}
END_TEST

START_TEST(should_skip_aborted_claims_and_count_them)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY);
	struct got *g = calloc(1, sizeof(*g));
	struct shmring_claim c, d;
	struct shmring_stats st;

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	ck_assert_int_eq(shmring_claim(r, 5, 100, &c), 0);
	ck_assert_int_eq(shmring_claim(r, 6, 10, &d), 0);
	memset(d.data, 0x42, 10);
	shmring_commit(r, &d);
	/* The older claim is still open: nothing can be read past it. */
	ck_assert_int_eq(shmring_read(r, collect, g, 10), 0);
	shmring_abort(r, &c);
	ck_assert_int_eq(shmring_read(r, collect, g, 10), 1);
	ck_assert_int_eq(g->type[0], 6);
	ck_assert_uint_eq(g->first[0], 0x42);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.aborted, 1);
	ck_assert_uint_eq(st.written, 1);
	free(g);
	shmring_close(r);
}
END_TEST

START_TEST(should_carry_the_largest_and_the_empty_record)
{
	struct shmring *r = open_ring(1u << 20);
	struct got *g = calloc(1, sizeof(*g));
	struct shmring_stats st;
	unsigned char *big;

	shmring_stats(r, &st);
	ck_assert_uint_eq(st.max_record, SHMRING_DEFAULT_MAX_RECORD);
	big = malloc(st.max_record + 1);
	fill(big, (uint32_t)st.max_record + 1, 9);
	g->intact = 1;
	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	ck_assert_int_eq(shmring_write(r, 3, big, (uint32_t)st.max_record), 0);
	ck_assert_int_eq(shmring_write(r, 4, NULL, 0), 0);
	ck_assert_int_eq(shmring_write(r, 3, big, (uint32_t)st.max_record + 1), -EMSGSIZE);
	ck_assert_int_eq(shmring_write(r, 0, "x", 1), -EINVAL);
	ck_assert_int_eq(shmring_read(r, collect, g, 10), 2);
	ck_assert_uint_eq(g->len[0], st.max_record);
	ck_assert_int_eq(g->type[1], 4);
	ck_assert_uint_eq(g->len[1], 0);
	ck_assert(g->intact);
	free(big);
	free(g);
	shmring_close(r);
}
END_TEST

START_TEST(should_reject_an_attach_with_another_capacity)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY), *r2 = NULL;
	struct shmring_opts o = { .capacity = 2 * SHMRING_MIN_CAPACITY };
	int rc;

	rc = shmring_open(&r2, name, &o);
	ck_assert_int_eq(rc, -EEXIST);
	ck_assert_ptr_null(r2);
	ck_assert_msg(strstr(shmring_strerror(rc), "capacity") != NULL, "%s",
		      shmring_strerror(rc));
	o.capacity = 0; /* accept what is there */
	ck_assert_int_eq(shmring_open(&r2, name, &o), 0);
	shmring_close(r2);
	o.capacity = 3 * SHMRING_MIN_CAPACITY;
	ck_assert_int_eq(shmring_open(&r2, name, &o), -EINVAL);
	shmring_close(r);
}
END_TEST

START_TEST(should_create_the_segment_mode_0600)
{
	struct shmring *r;
	struct stat st;
	char path[128];
	mode_t old = umask(0);

	r = open_ring(SHMRING_MIN_CAPACITY);
	umask(old);
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	shmring_close(r);
}
END_TEST

START_TEST(should_honour_a_group_mode)
{
	struct shmring_opts o = { .capacity = SHMRING_MIN_CAPACITY, .mode = 0660 };
	struct shmring *r = NULL;
	struct stat st;
	char path[128];

	ck_assert_int_eq(shmring_open(&r, name, &o), 0);
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	shmring_close(r);
}
END_TEST

START_TEST(should_give_a_new_segment_to_the_requested_group)
{
	struct shmring_opts o = { .capacity = SHMRING_MIN_CAPACITY, .mode = 0660 };
	struct shmring *r = NULL;
	struct stat st;
	char path[128];
	gid_t want = getgid() == 1 ? 2 : 1;
	int rc;

	o.gid = want;
	rc = shmring_open(&r, name, &o);
	if (rc == -EPERM) /* not allowed to give files away here */
		return;
	ck_assert_msg(rc == 0, "open: %s", shmring_strerror(rc));
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_gid, want);
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	shmring_close(r);
}
END_TEST

START_TEST(should_fail_to_attach_when_absent_and_no_create)
{
	struct shmring_opts o = { .no_create = 1 };
	struct shmring *r = NULL;

	ck_assert_int_eq(shmring_open(&r, name, &o), -ENOENT);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(shmring_open(&r, "no-slash", NULL), -EINVAL);
}
END_TEST

START_TEST(should_refuse_consumer_calls_on_a_producer_handle)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY);
	struct got *g = calloc(1, sizeof(*g));
	int rc;

	ck_assert_int_eq(shmring_write(r, 1, "x", 1), 0);
	ck_assert_int_eq(shmring_read(r, collect, g, 10), -EINVAL);
	ck_assert_int_eq(shmring_release(r, 16), -EINVAL);
	rc = shmring_seek(r, 0);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(strstr(shmring_strerror(rc), "consumer") != NULL, "%s",
		      shmring_strerror(rc));
	ck_assert_uint_eq(g->n, 0);
	free(g);
	shmring_close(r);
}
END_TEST

START_TEST(should_refuse_a_second_consumer)
{
	struct shmring *a = open_ring(SHMRING_MIN_CAPACITY), *b = open_ring(0);

	ck_assert_int_eq(shmring_consumer_attach(a), 0);
	ck_assert_int_eq(shmring_consumer_attach(b), -EBUSY);
	shmring_close(a);
	ck_assert_int_eq(shmring_consumer_attach(b), 0);
	shmring_close(b);
}
END_TEST

START_TEST(should_reread_from_the_released_position_after_consumer_exit)
{
	struct shmring *p = open_ring(SHMRING_MIN_CAPACITY), *c;
	struct got *g = calloc(1, sizeof(*g));
	unsigned i;

	for (i = 0; i < 20; i++)
		ck_assert_int_eq(shmring_write(p, (int32_t)(i + 1), "x", 1), 0);
	c = open_ring(0);
	ck_assert_int_eq(shmring_consumer_attach(c), 0);
	ck_assert_int_eq(shmring_read(c, collect, g, 100), 20);
	ck_assert_int_eq(shmring_release(c, g->end[7]), 0); /* 8 done */
	shmring_close(c); /* exits with 12 read but not released */
	c = open_ring(0);
	ck_assert_int_eq(shmring_consumer_attach(c), 0);
	g->n = 0;
	ck_assert_int_eq(shmring_read(c, collect, g, 100), 12);
	ck_assert_int_eq(g->type[0], 9);
	ck_assert_int_eq(g->type[11], 20);
	/* Seek back to a boundary seen before and read again. */
	ck_assert_int_eq(shmring_seek(c, g->end[5]), 0);
	ck_assert_int_eq(shmring_read(c, collect, g, 100), 6);
	ck_assert_int_eq(shmring_seek(c, g->end[0] + 1), -EINVAL);
	ck_assert_int_eq(shmring_release(c, g->end[0] + 8 * 4096), -EINVAL);
	free(g);
	shmring_close(c);
	shmring_close(p);
}
END_TEST

START_TEST(should_wake_a_waiting_consumer_or_time_out)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY);
	struct got *g = calloc(1, sizeof(*g));

	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	ck_assert_int_eq(shmring_wait(r, 20), 0); /* times out: nothing there */
	ck_assert_int_eq(shmring_read(r, collect, g, 10), 0);
	ck_assert_int_eq(shmring_write(r, 2, "hi", 2), 0);
	ck_assert_int_eq(shmring_wait(r, 1000), 0);
	ck_assert_int_eq(shmring_read(r, collect, g, 10), 1);
	free(g);
	shmring_close(r);
}
END_TEST

START_TEST(should_report_heartbeat_and_consumer_in_stats)
{
	struct shmring *r = open_ring(SHMRING_MIN_CAPACITY);
	struct shmring_stats st;

	shmring_stats(r, &st);
	ck_assert_int_eq(st.consumer_pid, 0);
	ck_assert_int_eq(shmring_consumer_attach(r), 0);
	shmring_heartbeat(r);
	shmring_stats(r, &st);
	ck_assert_int_eq(st.consumer_pid, getpid());
	ck_assert_uint_gt(st.heartbeat_ns, 0);
	ck_assert_uint_ne(st.instance, 0);
	ck_assert_uint_eq(st.capacity, SHMRING_MIN_CAPACITY);
	ck_assert_int_eq(shmring_write(r, 1, "a", 1), 0);
	shmring_stats(r, &st);
	ck_assert_uint_eq(st.producers, 1);
	shmring_close(r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("shmring");
	TCase *tc = tcase_create("single-process");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, should_deliver_records_in_write_order);
	tcase_add_test(tc, should_stop_at_max_records_per_read);
	tcase_add_test(tc, should_pad_a_record_that_would_cross_the_end);
	tcase_add_test(tc, should_refuse_when_full_and_count_every_drop);
	tcase_add_test(tc, should_not_count_a_full_claim_the_caller_will_retry);
	tcase_add_test(tc, should_skip_aborted_claims_and_count_them);
	tcase_add_test(tc, should_carry_the_largest_and_the_empty_record);
	tcase_add_test(tc, should_reject_an_attach_with_another_capacity);
	tcase_add_test(tc, should_create_the_segment_mode_0600);
	tcase_add_test(tc, should_honour_a_group_mode);
	tcase_add_test(tc, should_give_a_new_segment_to_the_requested_group);
	tcase_add_test(tc, should_fail_to_attach_when_absent_and_no_create);
	tcase_add_test(tc, should_refuse_consumer_calls_on_a_producer_handle);
	tcase_add_test(tc, should_refuse_a_second_consumer);
	tcase_add_test(tc, should_reread_from_the_released_position_after_consumer_exit);
	tcase_add_test(tc, should_wake_a_waiting_consumer_or_time_out);
	tcase_add_test(tc, should_report_heartbeat_and_consumer_in_stats);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
