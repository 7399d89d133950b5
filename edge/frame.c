/*
 * Frame construction.  The JSON is written in place behind LWS_PRE bytes
 * of headroom so lws_write() can prepend the WebSocket header without a
 * copy; the frame owns that one allocation and a small id array.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "mp2json.h"

long edge_frames_live;

const char *const edge_type_names[EDGE_T_COUNT] = {
	"execution_started",      "block_started_enhanced",
	"block_executed_enhanced", "execution_finished",
	"log_entry",              "hardware_health_update",
	"gap",                    "initial_execution_state",
	"other",
};

int
edge_type_index(const char *type, size_t len)
{
	int i;

	for (i = 0; i < EDGE_T_OTHER; i++)
		if (strlen(edge_type_names[i]) == len &&
		    memcmp(edge_type_names[i], type, len) == 0)
			return i;
	return EDGE_T_OTHER;
}

void
edge_iso_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03uZ",
		 (unsigned)(ts.tv_nsec / 1000000) % 1000u);
}

int
edge_frame_from_buf(struct edge_frame **out, struct edge_buf *b,
		    enum edge_frame_kind kind, uint64_t seq)
{
	struct edge_frame *f;

	if (b->err || b->mem == NULL) {
		int rc = b->err ? b->err : -EINVAL;
		edge_buf_fini(b);
		return rc;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		edge_buf_fini(b);
		return -ENOMEM;
	}
	f->refs = 1;
	f->kind = kind;
	f->seq = seq;
	f->type_idx = EDGE_T_OTHER;
	f->len = b->len;
	f->mem = edge_buf_steal(b);
	edge_frames_live++;
	*out = f;
	return 0;
}

int
edge_frame_event(struct edge_frame **out, const char *type, size_t tlen,
		 uint64_t seq, struct edge_mpr *data, const uint32_t *ids,
		 uint32_t nids, size_t max_bytes)
{
	struct edge_buf b;
	struct edge_frame *f;
	char ts[32];
	int idx = edge_type_index(type, tlen);
	int rc;

	edge_buf_init(&b, EDGE_PRE, max_bytes);
	edge_iso_now(ts);
	edge_buf_adds(&b, "{\"type\":");
	edge_buf_add_jstr(&b, type, tlen);
	edge_buf_addf(&b, ",\"seq\":%llu,\"timestamp\":\"%s\",\"data\":",
		      (unsigned long long)seq, ts);
	rc = edge_mp2json(&b, data, EDGE_MP2JSON_DEPTH, NULL);
	if (rc != 0) {
		edge_buf_fini(&b);
		return rc;
	}
	edge_buf_addc(&b, '}');
	rc = edge_frame_from_buf(&f, &b,
				 idx == EDGE_T_LOG_ENTRY ? EDGE_FRAME_LOG
							 : EDGE_FRAME_EVENT,
				 seq);
	if (rc != 0)
		return rc;
	f->type_idx = idx;
	if (nids > 0) {
		f->ids = malloc(nids * sizeof(*ids));
		if (f->ids == NULL) {
			edge_frame_unref(f);
			return -ENOMEM;
		}
		memcpy(f->ids, ids, nids * sizeof(*ids));
		f->nids = nids;
	}
	*out = f;
	return 0;
}

int
edge_frame_state(struct edge_frame **out, uint64_t seq, struct edge_mpr *state,
		 size_t max_bytes)
{
	struct edge_buf b;
	struct edge_frame *f;
	char ts[32];
	size_t off;
	int rc;

	edge_buf_init(&b, EDGE_PRE, max_bytes);
	edge_iso_now(ts);
	edge_buf_addf(&b,
		      "{\"type\":\"initial_execution_state\",\"timestamp\":\"%s\","
		      "\"data\":",
		      ts);
	off = b.len;
	rc = edge_mp2json(&b, state, EDGE_MP2JSON_DEPTH, NULL);
	if (rc != 0) {
		edge_buf_fini(&b);
		return rc;
	}
	edge_buf_addc(&b, '}');
	rc = edge_frame_from_buf(&f, &b, EDGE_FRAME_STATE, seq);
	if (rc != 0)
		return rc;
	f->type_idx = EDGE_T_INITIAL_STATE;
	f->data_off = off;
	f->data_len = f->len - off - 1;
	*out = f;
	return 0;
}

void
edge_frame_unref(struct edge_frame *f)
{
	if (f == NULL || --f->refs > 0)
		return;
	free(f->ids);
	free(f->log_tag);
	free(f->log_module);
	free(f->mem);
	free(f);
	edge_frames_live--;
}

int
edge_env_read(struct edge_mpr *r, struct edge_env *env)
{
	struct edge_mpr save = *r;
	uint32_t n, i;
	uint64_t id;

	if (edge_mpr_array(r, &n) != 0 || n < 4 ||
	    edge_mpr_uint(r, &env->seq) != 0 ||
	    edge_mpr_str(r, &env->type, &env->tlen) != 0)
		goto bad;
	env->data = *r;
	if (edge_mpr_skip(r) != 0 || edge_mpr_array(r, &env->nids) != 0 ||
	    env->nids > EDGE_MAX_IDS)
		goto bad;
	env->ids = *r;
	for (i = 0; i < env->nids; i++)
		if (edge_mpr_uint(r, &id) != 0 || id > UINT32_MAX)
			goto bad;
	for (i = 4; i < n; i++)
		if (edge_mpr_skip(r) != 0)
			goto bad;
	env->type_idx = edge_type_index(env->type, env->tlen);
	return 0;
bad:
	*r = save;
	return -EBADMSG;
}

int
edge_frame_env(struct edge_frame **out, const struct edge_env *env,
	       size_t max_bytes)
{
	uint32_t stack[64] = {0}, *ids = stack, i;
	struct edge_mpr r = env->ids, d = env->data;
	uint64_t id;
	int rc;

	if (env->nids > 64 && (ids = malloc(env->nids * sizeof(*ids))) == NULL)
		return -ENOMEM;
	for (i = 0; i < env->nids; i++) {
		edge_mpr_uint(&r, &id);
		ids[i] = (uint32_t)id;
	}
	rc = edge_frame_event(out, env->type, env->tlen, env->seq, &d, ids,
			      env->nids, max_bytes);
	if (ids != stack)
		free(ids);
	if (rc == 0 && env->type_idx == EDGE_T_LOG_ENTRY) {
		struct edge_logattr a;

		if (edge_env_logattr(env, &a) == 0) {
			(*out)->log_level = a.level;
			if (a.tag)
				(*out)->log_tag = strndup(a.tag, a.taglen);
			if (a.module)
				(*out)->log_module = strndup(a.module, a.modlen);
		}
	}
	return rc;
}

int
edge_env_logattr(const struct edge_env *env, struct edge_logattr *a)
{
	static const char *const lv[] = {"debug", "info", "warn", "error"};
	struct edge_mpr r = env->data;
	uint32_t n, i, kl, vl;
	const char *k, *v;
	int j;

	memset(a, 0, sizeof(*a));
	if (edge_mpr_map(&r, &n) != 0)
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		if (edge_mpr_str(&r, &k, &kl) != 0) {
			if (edge_mpr_skip(&r) != 0 || edge_mpr_skip(&r) != 0)
				return -EBADMSG;
			continue;
		}
		if (edge_mpr_str(&r, &v, &vl) != 0) {
			if (edge_mpr_skip(&r) != 0)
				return -EBADMSG;
			continue;
		}
		if (kl == 5 && memcmp(k, "level", 5) == 0) {
			for (j = 0; j < 4; j++)
				if (vl == strlen(lv[j]) && memcmp(v, lv[j], vl) == 0)
					a->level = 1u << j;
		} else if (kl == 3 && memcmp(k, "tag", 3) == 0) {
			a->tag = v;
			a->taglen = vl;
		} else if (kl == 6 && memcmp(k, "module", 6) == 0) {
			a->module = v;
			a->modlen = vl;
		}
	}
	return 0;
}
