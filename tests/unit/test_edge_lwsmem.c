/*
 * The header-table region (edge/lwsmem.c): which allocations go there,
 * what happens at its edges (growth past a slot, a full region), that
 * freed slots past the warm set are given back to the kernel, and,
 * against the real libwebsockets, that a connection in its HTTP
 * handshake holds its table there and gives it back when it goes (which
 * also checks that lws still names those allocations as the region
 * expects).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "lwsmem.h"

static size_t
in_use(void)
{
	struct edge_lwsmem_stats st;

	edge_lwsmem_stats(&st);
	return st.in_use;
}

static int
resident(const void *p)
{
	unsigned char v = 0;

	ck_assert_int_eq(mincore((void *)p, EDGE_LWSMEM_SLOT, &v), 0);
	return v & 1;
}

START_TEST(shouldPutOnlyHeaderTablesInTheRegion)
{
	struct edge_lwsmem_stats st;
	void *t, *d, *o;

	ck_assert_int_eq(edge_lwsmem_open(16), 0);
	t = edge_lwsmem_realloc(NULL, 1700, "ah struct");
	d = edge_lwsmem_realloc(NULL, 4096, "ah data");
	o = edge_lwsmem_realloc(NULL, 1700, "ws struct");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(o);
	/* Page-sized slots: both tables start on a page, other memory is
	 * malloc's (which never hands out a page-aligned 1700 bytes here,
	 * but the count is what proves it). */
	ck_assert_uint_eq((uintptr_t)t % EDGE_LWSMEM_SLOT, 0);
	ck_assert_uint_eq((uintptr_t)d % EDGE_LWSMEM_SLOT, 0);
	edge_lwsmem_stats(&st);
	ck_assert_uint_eq(st.slots, 16);
	ck_assert_uint_eq(st.in_use, 2);
	memset(d, 'x', 4096); /* the whole slot is usable */
	ck_assert_ptr_null(edge_lwsmem_realloc(d, 0, "lws_free"));
	ck_assert_ptr_null(edge_lwsmem_realloc(t, 0, "lws_free"));
	ck_assert_ptr_null(edge_lwsmem_realloc(o, 0, "lws_free"));
	ck_assert_uint_eq(in_use(), 0);
	ck_assert_int_eq(edge_lwsmem_close(), 0);
}
END_TEST

START_TEST(shouldMoveATableThatGrowsPastASlotToMallocWithItsBytes)
{
	unsigned char *p, *q;
	int i;

	ck_assert_int_eq(edge_lwsmem_open(16), 0);
	p = edge_lwsmem_realloc(NULL, 100, "ah data");
	for (i = 0; i < 100; i++)
		p[i] = (unsigned char)i;
	/* Growing within the slot keeps the pointer. */
	ck_assert_ptr_eq(edge_lwsmem_realloc(p, 4000, "ah data"), p);
	q = edge_lwsmem_realloc(p, 3 * EDGE_LWSMEM_SLOT, "ah data");
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_ne(q, p);
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(q[i], (unsigned char)i);
	ck_assert_uint_eq(in_use(), 0);
	edge_lwsmem_realloc(q, 0, "lws_free");
	ck_assert_int_eq(edge_lwsmem_close(), 0);
}
END_TEST

START_TEST(shouldFallBackToMallocWhenTheRegionIsFull)
{
	struct edge_lwsmem_stats st;
	void *p[5];
	int i;

	ck_assert_int_eq(edge_lwsmem_open(4), 0);
	for (i = 0; i < 5; i++) {
		p[i] = edge_lwsmem_realloc(NULL, 4096, "ah data");
		ck_assert_ptr_nonnull(p[i]);
	}
	edge_lwsmem_stats(&st);
	ck_assert_uint_eq(st.in_use, 4);
	ck_assert_uint_eq(st.fallbacks, 1);
	for (i = 0; i < 5; i++)
		edge_lwsmem_realloc(p[i], 0, "lws_free");
	ck_assert_uint_eq(in_use(), 0);
	/* A slot freed is handed out again. */
	p[0] = edge_lwsmem_realloc(NULL, 64, "ah struct");
	ck_assert_uint_eq(in_use(), 1);
	edge_lwsmem_realloc(p[0], 0, "lws_free");
	ck_assert_int_eq(edge_lwsmem_close(), 0);
}
END_TEST

START_TEST(shouldGiveFreedPagesBackBeyondTheWarmSet)
{
	enum { N = EDGE_LWSMEM_WARM + 100 };
	static unsigned char *p[N];
	struct edge_lwsmem_stats st;
	int i, res = 0;

	ck_assert_int_eq(edge_lwsmem_open(N), 0);
	for (i = 0; i < N; i++) {
		p[i] = edge_lwsmem_realloc(NULL, 4096, "ah data");
		memset(p[i], 1, 4096);
		ck_assert(resident(p[i]));
	}
	ck_assert_int_eq(edge_lwsmem_close(), -EBUSY); /* tables still out */
	for (i = 0; i < N; i++)
		edge_lwsmem_realloc(p[i], 0, "lws_free");
	edge_lwsmem_stats(&st);
	ck_assert_uint_eq(st.in_use, 0);
	ck_assert_uint_eq(st.peak, N);
	ck_assert_uint_eq(st.warm, EDGE_LWSMEM_WARM);
	for (i = 0; i < N; i++)
		res += resident(p[i]);
	ck_assert_int_eq(res, EDGE_LWSMEM_WARM);
	/* Handed out again: the warm slots first, then the ones given
	 * back, which read as fresh zero pages. */
	for (i = 0, res = 0; i < N; i++) {
		p[i] = edge_lwsmem_realloc(NULL, 4096, "ah data");
		res += p[i][0] == 0;
	}
	ck_assert_int_eq(res, N - EDGE_LWSMEM_WARM);
	for (i = 0; i < N; i++)
		edge_lwsmem_realloc(p[i], 0, "lws_free");
	ck_assert_int_eq(edge_lwsmem_close(), 0);
}
END_TEST

static int
noop_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	void *in, size_t len)
{
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protos[] = {
	{"http", noop_cb, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}
};

/* Service CTX until in_use() == WANT, at most ~2 s. */
static int
service_until(struct lws_context *ctx, size_t want)
{
	int i;

	for (i = 0; i < 200 && in_use() != want; i++)
		lws_service(ctx, 10);
	return in_use() == want;
}

START_TEST(shouldHoldARealHandshakesHeaderTableInTheRegion)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct sockaddr_in sa;
	const char *part = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n";
	int fd[3], i;

	ck_assert_int_eq(edge_lwsmem_open(64), 0);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = 0; /* any free port */
	info.iface = "127.0.0.1";
	info.protocols = protos;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	ctx = lws_create_context(&info);
	ck_assert_ptr_nonnull(ctx);
	vh = lws_get_vhost_by_name(ctx, "default");
	ck_assert_ptr_nonnull(vh);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)lws_get_vhost_listen_port(vh));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_uint_eq(in_use(), 0);
	/* Three connections in the middle of their request headers: each
	 * holds a table and its data, in the region. */
	for (i = 0; i < 3; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(fd[i], 0);
		ck_assert_int_eq(connect(fd[i], (struct sockaddr *)&sa,
					 sizeof(sa)), 0);
		ck_assert_int_eq(write(fd[i], part, strlen(part)),
				 (int)strlen(part));
	}
	ck_assert_msg(service_until(ctx, 6),
		      "3 handshakes hold %zu slots, not 6", in_use());
	/* Gone: their tables go back. */
	for (i = 0; i < 3; i++)
		close(fd[i]);
	ck_assert_msg(service_until(ctx, 0), "%zu slots left", in_use());
	lws_context_destroy(ctx);
	ck_assert_int_eq(edge_lwsmem_close(), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("edge_lwsmem");
	TCase *t = tcase_create("core");

	tcase_add_test(t, shouldPutOnlyHeaderTablesInTheRegion);
	tcase_add_test(t, shouldMoveATableThatGrowsPastASlotToMallocWithItsBytes);
	tcase_add_test(t, shouldFallBackToMallocWhenTheRegionIsFull);
	tcase_add_test(t, shouldGiveFreedPagesBackBeyondTheWarmSet);
	tcase_add_test(t, shouldHoldARealHandshakesHeaderTableInTheRegion);
	tcase_set_timeout(t, 20);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
