/*
 * The load tool's own building blocks, so that a benchmark figure never
 * rests on a miscounted latency or a misread frame: the handshake key
 * (RFC 6455 sample and SHA-1 test vectors), frame headers in every length
 * form, the histogram's quantiles and the message skimmer.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hist.h"
#include "msgscan.h"
#include "wsframe.h"
#include "wskey.h"

static void
hex(const uint8_t *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

START_TEST(accept_key_matches_the_rfc_sample)
{
	char a[29];

	wskey_accept("dGhlIHNhbXBsZSBub25jZQ==", a);
	ck_assert_str_eq(a, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

START_TEST(sha1_matches_the_standard_vectors)
{
	uint8_t d[20];
	char h[41];
	char million[1000];
	const char *two_blocks =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	wskey_sha1("", 0, d);
	hex(d, 20, h);
	ck_assert_str_eq(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	wskey_sha1("abc", 3, d);
	hex(d, 20, h);
	ck_assert_str_eq(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	wskey_sha1(two_blocks, strlen(two_blocks), d);
	hex(d, 20, h);
	ck_assert_str_eq(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	memset(million, 'a', sizeof(million));
	wskey_sha1(million, sizeof(million), d);
	hex(d, 20, h);
	ck_assert_str_eq(h, "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}
END_TEST

START_TEST(base64_pads_every_remainder)
{
	char out[16];

	ck_assert_uint_eq(wskey_base64((const uint8_t *)"f", 1, out), 4);
	ck_assert_str_eq(out, "Zg==");
	wskey_base64((const uint8_t *)"fo", 2, out);
	ck_assert_str_eq(out, "Zm8=");
	wskey_base64((const uint8_t *)"foo", 3, out);
	ck_assert_str_eq(out, "Zm9v");
	wskey_base64((const uint8_t *)"foob", 4, out);
	ck_assert_str_eq(out, "Zm9vYg==");
}
END_TEST

START_TEST(frame_headers_round_trip_in_all_length_forms)
{
	static const uint64_t lens[] = { 0, 1, 125, 126, 65535, 65536,
		(uint64_t)1 << 33 };
	const uint8_t mask[4] = { 1, 2, 3, 4 };
	uint8_t h[WSFRAME_MAX_HEADER];
	struct wsframe f;
	size_t i, n, k;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		n = wsframe_client_header(h, WS_OP_TEXT, lens[i], mask);
		ck_assert_uint_eq(n, lens[i] < 126 ? 6 : lens[i] < 65536 ? 8 : 14);
		for (k = 0; k < n; k++)
			ck_assert_int_eq(wsframe_header(h, k, &f), 0);
		ck_assert_int_eq(wsframe_header(h, n, &f), 1);
		ck_assert(f.fin);
		ck_assert(f.masked);
		ck_assert_int_eq(f.op, WS_OP_TEXT);
		ck_assert_uint_eq(f.hlen, n);
		ck_assert_uint_eq(f.plen, lens[i]);
		ck_assert_mem_eq(f.mask, mask, 4);
	}
}
END_TEST

START_TEST(unmasked_server_frame_is_decoded)
{
	const uint8_t close_frame[] = { 0x88, 0x02, 0x03, 0xf5 };
	const uint8_t frag[] = { 0x01, 0x7e, 0x01, 0x00 };
	struct wsframe f;

	ck_assert_int_eq(wsframe_header(close_frame, 4, &f), 1);
	ck_assert_int_eq(f.op, WS_OP_CLOSE);
	ck_assert(!f.masked);
	ck_assert_uint_eq(f.hlen, 2);
	ck_assert_uint_eq(f.plen, 2);
	ck_assert_int_eq(wsframe_header(frag, 4, &f), 1);
	ck_assert(!f.fin);
	ck_assert_uint_eq(f.plen, 256);
}
END_TEST

START_TEST(masking_twice_restores_the_payload)
{
	uint8_t p[] = "hello, flowhub";
	const uint8_t mask[4] = { 0x37, 0xfa, 0x21, 0x3d };

	wsframe_mask(p, sizeof(p), mask);
	ck_assert(memcmp(p, "hello, flowhub", sizeof(p)) != 0);
	wsframe_mask(p, sizeof(p), mask);
	ck_assert_str_eq((char *)p, "hello, flowhub");
}
END_TEST

START_TEST(histogram_is_exact_below_128_and_within_two_percent_above)
{
	static struct hist h;
	uint64_t v, q;

	hist_init(&h);
	for (v = 1; v <= 100; v++)
		hist_add(&h, v);
	ck_assert_uint_eq(hist_quantile(&h, 0.5), 51);
	ck_assert_uint_eq(hist_quantile(&h, 0.99), 100);
	ck_assert_uint_eq(h.max, 100);

	hist_init(&h);
	for (v = 1; v <= 1000000; v++)
		hist_add(&h, v * 1000);
	q = hist_quantile(&h, 0.5);
	ck_assert_msg(q >= 500000000ull && q <= 500000000ull * 102 / 100,
	    "p50 %llu", (unsigned long long)q);
	q = hist_quantile(&h, 0.999);
	ck_assert_msg(q >= 999000000ull && q <= 999000000ull * 102 / 100,
	    "p99.9 %llu", (unsigned long long)q);
	ck_assert_uint_eq(hist_quantile(&h, 1.0), 1000000000ull);
}
END_TEST

START_TEST(histogram_merge_adds_counts_and_keeps_extremes)
{
	static struct hist a, b;

	hist_init(&a);
	hist_init(&b);
	hist_add(&a, 5);
	hist_add(&b, 7000);
	hist_add(&b, 3);
	hist_merge(&a, &b);
	ck_assert_uint_eq(a.count, 3);
	ck_assert_uint_eq(a.min, 3);
	ck_assert_uint_eq(a.max, 7000);
	ck_assert_uint_eq(hist_quantile(&a, 0.0), 3);
	ck_assert_uint_eq(hist_quantile(&(struct hist){ .count = 0 }, 0.5), 0);
}
END_TEST

#define SCAN(s, m) msgscan((s), strlen(s), (m))

START_TEST(scan_finds_type_seq_and_stamp_of_an_event)
{
	struct msgscan m;

	SCAN("{\"type\":\"block_executed_enhanced\",\"seq\":42,\"timestamp\":"
	    "\"2026-01-01T00:00:00.000Z\",\"data\":{\"blockId\":\"b\\\"}1\","
	    "\"result\":{\"t_ns\":1795736443457873470}}}", &m);
	ck_assert(msgscan_type_is(&m, "block_executed_enhanced"));
	ck_assert(m.has_seq);
	ck_assert_uint_eq(m.seq, 42);
	ck_assert(m.has_tns);
	ck_assert_uint_eq(m.t_ns, 1795736443457873470ull);
	ck_assert(!m.has_state_seq);
}
END_TEST

START_TEST(scan_handles_data_before_type_and_spaces)
{
	struct msgscan m;

	SCAN("{ \"data\" : { \"seq\" : 9, \"params\" : { \"t_ns\" : 77 } } ,"
	    " \"type\" : \"block_started_enhanced\" , \"seq\" : 10 }", &m);
	ck_assert(msgscan_type_is(&m, "block_started_enhanced"));
	ck_assert_uint_eq(m.seq, 10);
	ck_assert(m.has_tns);
	ck_assert_uint_eq(m.t_ns, 77);
}
END_TEST

START_TEST(scan_reads_the_state_seq_inside_initial_state)
{
	struct msgscan m;

	SCAN("{\"type\":\"initial_execution_state\",\"timestamp\":\"x\","
	    "\"data\":{\"active\":[{\"seq\":5}],\"seq\":1234,\"recent\":[]}}", &m);
	ck_assert(msgscan_type_is(&m, "initial_execution_state"));
	ck_assert(!m.has_seq);
	ck_assert(m.has_state_seq);
	ck_assert_uint_eq(m.state_seq, 1234);
	ck_assert(!m.has_tns);
}
END_TEST

START_TEST(scan_of_malformed_input_stops_inside_the_buffer)
{
	static const char *bad[] = { "", "{", "{\"type\"", "{\"type\":",
		"{\"seq\":", "[1,2]", "{\"data\":{\"t_ns\":", "{\"a\":\"\\",
		"{\"type\":\"x\",\"seq\":1,\"data\":{\"t_ns\":}" };
	struct msgscan m;
	size_t i;
	char buf[64];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Copy so a read past the end would hit sanitizer redzones. */
		memcpy(buf, bad[i], strlen(bad[i]));
		msgscan(buf, strlen(bad[i]), &m);
		ck_assert(!m.has_tns);
	}
	SCAN("{\"type\":\"pong\",\"timestamp\":\"t\"}", &m);
	ck_assert(msgscan_type_is(&m, "pong"));
	ck_assert(!msgscan_type_is(&m, "pon"));
	ck_assert(!m.has_seq);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("bench_tools");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, accept_key_matches_the_rfc_sample);
	tcase_add_test(tc, sha1_matches_the_standard_vectors);
	tcase_add_test(tc, base64_pads_every_remainder);
	tcase_add_test(tc, frame_headers_round_trip_in_all_length_forms);
	tcase_add_test(tc, unmasked_server_frame_is_decoded);
	tcase_add_test(tc, masking_twice_restores_the_payload);
	tcase_add_test(tc, histogram_is_exact_below_128_and_within_two_percent_above);
	tcase_add_test(tc, histogram_merge_adds_counts_and_keeps_extremes);
	tcase_add_test(tc, scan_finds_type_seq_and_stamp_of_an_event);
	tcase_add_test(tc, scan_handles_data_before_type_and_spaces);
	tcase_add_test(tc, scan_reads_the_state_seq_inside_initial_state);
	tcase_add_test(tc, scan_of_malformed_input_stops_inside_the_buffer);
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
	return failed ? 1 : 0;
}
