/*
 * Does the edge's token comparison leak, through its timing, how many
 * leading characters of a guess are right?  A statistical test that can
 * fail, run in-process where nanoseconds are measurable (over the
 * network, tests/hostile/auth.sh can only catch gross leaks).
 *
 * With a 4096-byte secret, guesses of the same length that differ at the
 * first byte ("far") and at the last byte ("near") are compared many
 * times in rounds; each round times both back to back (in alternating
 * order) and yields the ratio near/far, so drifts in machine load cancel;
 * the result is the median ratio.  A constant-time compare gives about 1.
 * To prove the measurement can see a leak at all, the same procedure is
 * first run on an early-exit compare (what memcmp does): its ratio must
 * come out far from 1, else the machine is too noisy and the test fails
 * as inconclusive rather than passing blindly.
 * Prints both ratios; exit 0 pass, 1 leak found, 99 inconclusive.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "token.h"

#define LEN 4096
#define ROUNDS 201
#define CALLS 200

typedef int (*eq_fn)(const char *got, size_t n, const char *want);

/* The leak we must be able to see: stops at the first difference. */
__attribute__((noinline)) static int
leaky_eq(const char *got, size_t n, const char *want)
{
	size_t i, wl = strlen(want);

	if (n != wl)
		return 0;
	for (i = 0; i < n; i++) {
		if (((const volatile char *)got)[i] != want[i])
			return 0;
	}
	return 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double
per_call(eq_fn eq, const char *guess, const char *secret)
{
	volatile int sink = 0;
	uint64_t t0 = now_ns();
	int i;

	for (i = 0; i < CALLS; i++)
		sink += eq(guess, LEN, secret);
	(void)sink;
	return (double)(now_ns() - t0) / CALLS;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over rounds of (ns/call near) / (ns/call far); *mf and *mn get
 * the median times themselves, for the report. */
static double
ratio(eq_fn eq, const char *far, const char *near, const char *secret,
      double *mf, double *mn)
{
	double f[ROUNDS], n[ROUNDS], q[ROUNDS];
	int r;

	for (r = 0; r < ROUNDS; r++) {
		if (r & 1) {
			f[r] = per_call(eq, far, secret);
			n[r] = per_call(eq, near, secret);
		} else {
			n[r] = per_call(eq, near, secret);
			f[r] = per_call(eq, far, secret);
		}
		q[r] = n[r] / f[r];
	}
	qsort(f, ROUNDS, sizeof(double), cmpd);
	qsort(n, ROUNDS, sizeof(double), cmpd);
	qsort(q, ROUNDS, sizeof(double), cmpd);
	*mf = f[ROUNDS / 2];
	*mn = n[ROUNDS / 2];
	return q[ROUNDS / 2];
}

int
main(void)
{
	static char secret[LEN + 1], far[LEN + 1], near[LEN + 1];
	double mf, mn, rl, rt;
	int i;

	srand(12345);
	for (i = 0; i < LEN; i++)
		secret[i] = (char)('a' + rand() % 26);
	memcpy(far, secret, LEN + 1);
	memcpy(near, secret, LEN + 1);
	far[0] = secret[0] == 'z' ? 'y' : 'z';
	near[LEN - 1] = secret[LEN - 1] == 'z' ? 'y' : 'z';
	if (edge_token_eq(secret, LEN, secret) != 1 ||
	    edge_token_eq(far, LEN, secret) != 0 ||
	    edge_token_eq(near, LEN, secret) != 0) {
		printf("edge_token_eq gives wrong answers\n");
		return 1;
	}

	rl = ratio(leaky_eq, far, near, secret, &mf, &mn);
	printf("early-exit compare: %.1f ns/call (differs at 0), %.1f ns/call "
	       "(differs at %d): median ratio %.2f\n", mf, mn, LEN - 1, rl);
	rt = ratio(edge_token_eq, far, near, secret, &mf, &mn);
	printf("edge_token_eq:      %.1f ns/call (differs at 0), %.1f ns/call "
	       "(differs at %d): median ratio %.2f\n", mf, mn, LEN - 1, rt);
	if (rl < 3.0) {
		printf("INCONCLUSIVE: a known leak shows a ratio of only %.2f\n", rl);
		return 99;
	}
	if (rt > 1.1 || rt < 0.9) {
		printf("FAIL: edge_token_eq's time depends on the matched prefix\n");
		return 1;
	}
	printf("ok: median ratio within [0.9, 1.1]\n");
	return 0;
}
