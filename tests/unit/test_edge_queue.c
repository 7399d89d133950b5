/*
 * Frames and per-client queues: one buffer per event shared by every
 * queue, limits by count and bytes (including bytes held outside the
 * queue), and order.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "fq.h"
#include "frame.h"

static struct edge_frame *
mkframe(uint64_t seq, size_t payload)
{
	struct edge_buf b;
	struct edge_frame *f;
	size_t i;

	edge_buf_init(&b, EDGE_PRE, 0);
	edge_buf_addc(&b, '"');
	for (i = 0; i < payload; i++)
		edge_buf_addc(&b, 'x');
	edge_buf_addc(&b, '"');
	ck_assert_int_eq(edge_frame_from_buf(&f, &b, EDGE_FRAME_EVENT, seq), 0);
	return f;
}

START_TEST(shouldShareOneFrameBetweenAllQueues)
{
	enum { N = 1000 };
	static struct edge_fq qs[N];
	long live0 = edge_frames_live;
	struct edge_frame *f = mkframe(1, 100);
	int i;

	for (i = 0; i < N; i++) {
		edge_fq_init(&qs[i], 16, 1 << 20);
		ck_assert_int_eq(edge_fq_push(&qs[i], f, 0), 0);
	}
	ck_assert_int_eq(edge_frames_live, live0 + 1);
	ck_assert_int_eq(f->refs, N + 1);
	ck_assert_ptr_eq(edge_fq_peek(&qs[7]), f);
	edge_frame_unref(f);
	for (i = 0; i < N; i++)
		edge_fq_fini(&qs[i]);
	ck_assert_int_eq(edge_frames_live, live0);
}
END_TEST

START_TEST(shouldRefuseAPushOverTheMessageLimit)
{
	struct edge_fq q;
	struct edge_frame *f = mkframe(1, 1);
	int i;

	edge_fq_init(&q, 4, 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(edge_fq_push(&q, f, 0), 0);
	ck_assert_int_eq(edge_fq_push(&q, f, 0), EDGE_FQ_FULL);
	ck_assert_uint_eq(q.n, 4);
	ck_assert_int_eq(f->refs, 5);
	edge_fq_fini(&q);
	ck_assert_int_eq(f->refs, 1);
	edge_frame_unref(f);
}
END_TEST

START_TEST(shouldRefuseAPushOverTheByteLimitCountingPartialSends)
{
	struct edge_fq q;
	struct edge_frame *f = mkframe(1, 98); /* 100 bytes */

	edge_fq_init(&q, 0, 350);
	ck_assert_int_eq(edge_fq_push(&q, f, 0), 0);
	ck_assert_int_eq(edge_fq_push(&q, f, 0), 0);
	ck_assert_int_eq(edge_fq_push(&q, f, 0), 0);
	ck_assert_uint_eq(q.bytes, 300);
	ck_assert_int_eq(edge_fq_push(&q, f, 0), EDGE_FQ_FULL);
	edge_frame_unref(edge_fq_pop(&q));
	/* 200 queued + 100 still inside lws + 100 new > 350 */
	ck_assert_int_eq(edge_fq_push(&q, f, 100), EDGE_FQ_FULL);
	ck_assert_int_eq(edge_fq_push(&q, f, 50), 0);
	edge_fq_fini(&q);
	edge_frame_unref(f);
}
END_TEST

START_TEST(shouldKeepFifoOrderAcrossGrowth)
{
	struct edge_fq q;
	struct edge_frame *f;
	uint64_t i;

	edge_fq_init(&q, 0, 0);
	for (i = 1; i <= 5; i++) {
		f = mkframe(i, 1);
		edge_fq_push(&q, f, 0);
		edge_frame_unref(f);
	}
	/* wrap the ring, then grow it */
	for (i = 1; i <= 3; i++)
		edge_frame_unref(edge_fq_pop(&q));
	for (i = 6; i <= 40; i++) {
		f = mkframe(i, 1);
		edge_fq_push(&q, f, 0);
		edge_frame_unref(f);
	}
	ck_assert_uint_eq(q.n, 37);
	ck_assert_uint_eq(edge_fq_after(&q, 10), 7);
	ck_assert_uint_eq(edge_fq_after(&q, 0), 0);
	ck_assert_uint_eq(edge_fq_after(&q, 40), 37);
	for (i = 4; i <= 40; i++) {
		f = edge_fq_pop(&q);
		ck_assert_uint_eq(f->seq, i);
		edge_frame_unref(f);
	}
	ck_assert_ptr_null(edge_fq_pop(&q));
	edge_fq_fini(&q);
}
END_TEST

START_TEST(shouldGiveBackStorageOnceEmpty)
{
	struct edge_fq q;
	struct edge_frame *f = mkframe(1, 1);
	int i;

	edge_fq_init(&q, 0, 0);
	for (i = 0; i < 1000; i++)
		edge_fq_push(&q, f, 0);
	ck_assert_uint_ge(q.cap, 1000);
	edge_fq_shrink(&q); /* not empty: kept */
	ck_assert_uint_ge(q.cap, 1000);
	edge_fq_clear(&q);
	edge_fq_shrink(&q);
	ck_assert_uint_eq(q.cap, 0);
	ck_assert_int_eq(edge_fq_push(&q, f, 0), 0); /* usable again */
	ck_assert_ptr_eq(edge_fq_pop(&q), f);
	edge_frame_unref(f);
	edge_fq_fini(&q);
	edge_frame_unref(f);
}
END_TEST

START_TEST(shouldHoldNoStorageOnceTrimmedEmpty)
{
	struct edge_fq q;
	struct edge_frame *f = mkframe(1, 1);

	/* One frame, as an idle client's greeting: a small array that the
	 * drain keeps (shrink) but a trim gives back. */
	edge_fq_init(&q, 0, 0);
	ck_assert_int_eq(edge_fq_push(&q, f, 0), 0);
	ck_assert_ptr_nonnull(q.v);
	edge_fq_trim(&q); /* not empty: kept */
	ck_assert_ptr_nonnull(q.v);
	edge_frame_unref(edge_fq_pop(&q));
	edge_fq_shrink(&q);
	ck_assert_ptr_nonnull(q.v);
	edge_fq_trim(&q);
	ck_assert_ptr_null(q.v);
	ck_assert_uint_eq(q.cap, 0);
	edge_fq_trim(&q); /* again: nothing to do */
	ck_assert_int_eq(edge_fq_push(&q, f, 0), 0); /* usable again */
	ck_assert_ptr_eq(edge_fq_peek(&q), f);
	edge_fq_fini(&q);
	edge_frame_unref(f);
}
END_TEST

START_TEST(shouldBuildAnEventFrameWithHeadroom)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct edge_mpr r;
	struct edge_frame *f;
	uint32_t ids[2] = {3, 9};
	json_t *j;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str(&pk, 7);
	msgpack_pack_str_body(&pk, "message", 7);
	msgpack_pack_str(&pk, 2);
	msgpack_pack_str_body(&pk, "hi", 2);
	edge_mpr_init(&r, sb.data, sb.size);
	ck_assert_int_eq(edge_frame_event(&f, "log_entry", 9, 42, &r, ids, 2,
					  1 << 20),
			 0);
	ck_assert_int_eq(f->kind, EDGE_FRAME_LOG);
	ck_assert_uint_eq(f->nids, 2);
	ck_assert_uint_eq(f->ids[1], 9);
	j = json_loadb(edge_frame_data(f), f->len, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")), "log_entry");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "seq")), 42);
	ck_assert_int_eq(strlen(json_string_value(json_object_get(j, "timestamp"))),
			 24);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(j, "data"), "message")),
			 "hi");
	json_decref(j);
	edge_frame_unref(f);
	msgpack_sbuffer_destroy(&sb);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("edge_queue");
	TCase *t = tcase_create("core");

	tcase_add_test(t, shouldShareOneFrameBetweenAllQueues);
	tcase_add_test(t, shouldRefuseAPushOverTheMessageLimit);
	tcase_add_test(t, shouldRefuseAPushOverTheByteLimitCountingPartialSends);
	tcase_add_test(t, shouldKeepFifoOrderAcrossGrowth);
	tcase_add_test(t, shouldGiveBackStorageOnceEmpty);
	tcase_add_test(t, shouldHoldNoStorageOnceTrimmedEmpty);
	tcase_add_test(t, shouldBuildAnEventFrameWithHeadroom);
	suite_add_tcase(s, t);
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
	return failed ? 1 : 0;
}
