/*
 * The recent buffer: a snapshot plus the frames after it; what a new or
 * resuming client can be served from it, and its bounds.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include <msgpack.h>

#include "recent.h"

static struct edge_frame *
mk(enum edge_frame_kind kind, uint64_t seq)
{
	struct edge_buf b;
	struct edge_frame *f;

	edge_buf_init(&b, EDGE_PRE, 0);
	edge_buf_addf(&b, "{\"seq\":%llu}", (unsigned long long)seq);
	ck_assert_int_eq(edge_frame_from_buf(&f, &b, kind, seq), 0);
	return f;
}

static void
add(struct edge_recent *r, uint64_t from, uint64_t to)
{
	uint64_t s;

	for (s = from; s <= to; s++) {
		struct edge_frame *f = mk(EDGE_FRAME_EVENT, s);
		ck_assert_int_eq(edge_recent_add(r, f), 0);
		edge_frame_unref(f);
	}
}

START_TEST(shouldNotCoverAnythingBeforeTheFirstSnapshot)
{
	struct edge_recent r;
	size_t idx;

	edge_recent_init(&r, 8, 64, 1 << 20);
	add(&r, 1, 3);
	ck_assert(!edge_recent_covers(&r, 0, &idx));
	edge_recent_fini(&r);
}
END_TEST

START_TEST(shouldDropFramesTheSnapshotCovers)
{
	struct edge_recent r;
	struct edge_frame *s;
	size_t idx;

	edge_recent_init(&r, 8, 64, 1 << 20);
	s = mk(EDGE_FRAME_STATE, 10);
	edge_recent_set_snapshot(&r, s);
	edge_frame_unref(s);
	add(&r, 11, 20);
	ck_assert_uint_eq(r.frames.n, 10);
	s = mk(EDGE_FRAME_STATE, 15);
	edge_recent_set_snapshot(&r, s);
	edge_frame_unref(s);
	ck_assert_uint_eq(r.frames.n, 5);
	ck_assert_uint_eq(edge_fq_peek(&r.frames)->seq, 16);
	ck_assert(edge_recent_covers(&r, 15, &idx));
	ck_assert_uint_eq(idx, 0);
	ck_assert(edge_recent_covers(&r, 18, &idx));
	ck_assert_uint_eq(edge_fq_at(&r.frames, idx)->seq, 19);
	ck_assert(!edge_recent_covers(&r, 14, &idx));
	/* a client ahead of us: covered, nothing to send */
	ck_assert(edge_recent_covers(&r, 25, &idx));
	ck_assert_uint_eq(idx, r.frames.n);
	edge_recent_fini(&r);
}
END_TEST

START_TEST(shouldAskForARefreshPastTheSoftBound)
{
	struct edge_recent r;
	struct edge_frame *s;

	edge_recent_init(&r, 4, 64, 1 << 20);
	s = mk(EDGE_FRAME_STATE, 0);
	edge_recent_set_snapshot(&r, s);
	edge_frame_unref(s);
	add(&r, 1, 3);
	ck_assert(!edge_recent_wants_refresh(&r));
	add(&r, 4, 4);
	ck_assert(edge_recent_wants_refresh(&r));
	edge_recent_fini(&r);
}
END_TEST

START_TEST(shouldStopCoveringWhatTheHardBoundDropped)
{
	struct edge_recent r;
	struct edge_frame *s;
	size_t idx;

	edge_recent_init(&r, 4, 8, 1 << 20);
	s = mk(EDGE_FRAME_STATE, 100);
	edge_recent_set_snapshot(&r, s);
	edge_frame_unref(s);
	add(&r, 101, 112); /* 12 frames into 8 slots: 101..104 dropped */
	ck_assert_uint_eq(r.frames.n, 8);
	ck_assert_uint_eq(edge_fq_peek(&r.frames)->seq, 105);
	ck_assert(!edge_recent_covers(&r, 100, &idx));
	ck_assert(!edge_recent_covers(&r, 103, &idx));
	ck_assert(edge_recent_covers(&r, 104, &idx));
	ck_assert_uint_eq(idx, 0);
	/* a newer snapshot makes it whole again */
	s = mk(EDGE_FRAME_STATE, 106);
	edge_recent_set_snapshot(&r, s);
	edge_frame_unref(s);
	ck_assert(edge_recent_covers(&r, 106, &idx));
	edge_recent_fini(&r);
}
END_TEST

START_TEST(shouldReleaseEverythingOnReset)
{
	struct edge_recent r;
	struct edge_frame *s;
	long live0 = edge_frames_live;
	size_t idx;

	edge_recent_init(&r, 4, 8, 1 << 20);
	s = mk(EDGE_FRAME_STATE, 1);
	edge_recent_set_snapshot(&r, s);
	edge_frame_unref(s);
	add(&r, 2, 6);
	edge_recent_reset(&r);
	ck_assert_int_eq(edge_frames_live, live0);
	ck_assert(!edge_recent_covers(&r, 1, &idx));
	edge_recent_fini(&r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("edge_recent");
	TCase *t = tcase_create("core");

	tcase_add_test(t, shouldNotCoverAnythingBeforeTheFirstSnapshot);
	tcase_add_test(t, shouldDropFramesTheSnapshotCovers);
	tcase_add_test(t, shouldAskForARefreshPastTheSoftBound);
	tcase_add_test(t, shouldStopCoveringWhatTheHardBoundDropped);
	tcase_add_test(t, shouldReleaseEverythingOnReset);
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
