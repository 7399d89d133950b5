/*
 * msgscan: pull the few fields the load tool needs out of one server
 * message without a full JSON parse: the top-level "type" and "seq", the
 * state's own "seq" inside the data of an initial_execution_state, and
 * the producer stamp "t_ns" wherever it sits.
 */
#ifndef BENCH_MSGSCAN_H
#define BENCH_MSGSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct msgscan {
	const char *type; /* points into the message, not NUL-terminated */
	size_t type_len;
	bool has_seq;
	uint64_t seq;           /* top-level "seq" */
	bool has_state_seq;
	uint64_t state_seq;     /* data.seq of an initial_execution_state */
	bool has_tns;
	uint64_t t_ns;          /* first "t_ns" key anywhere */
};

/* Scan MSG (LEN bytes of a JSON object).  Fields not found stay unset;
 * malformed input never reads past MSG + LEN. */
void msgscan(const char *msg, size_t len, struct msgscan *out);

/* Whether the scanned type equals the NUL-terminated NAME. */
bool msgscan_type_is(const struct msgscan *m, const char *name);

#endif /* BENCH_MSGSCAN_H */
