/*
 * Encoding of the messages the hub publishes.  Producer-supplied objects
 * (meta, params, result, data, details, summary) are copied as the bytes
 * that arrived: they were validated by the record decoder and re-encoding
 * them would only cost time.  Absent optional objects become {} (params
 * is left out), absent strings null, so dashboards see a stable shape.
 */
#include "config.h"

#include "message.h"
#include "pack.h"

static void
span_str(struct mpbuf *pk, const struct mp_span *sp)
{
	pack_strn(pk, sp->p, sp->len);
}

static void
span_obj(struct mpbuf *pk, const struct mp_span *sp)
{
	pack_raw(pk, sp->p, sp->len, 1);
}

static void
pack_data(struct mpbuf *pk, const struct hub_ev *ev,
	  const struct hub_fx *fx, const struct hub_state *s)
{
	const struct hub_block *b = fx->block;

	switch (ev->kind) {
	case FH_EV_EXECUTION_STARTED:
		mpb_map(pk, 5);
		pack_cstr(pk, "sessionId");
		span_str(pk, &ev->f[F_ES_SESSION]);
		pack_cstr(pk, "programId");
		span_str(pk, &ev->f[F_ES_PROGRAM_ID]);
		pack_cstr(pk, "programName");
		span_str(pk, &ev->f[F_ES_PROGRAM_NAME]);
		pack_cstr(pk, "meta");
		span_obj(pk, &ev->f[F_ES_META]);
		pack_cstr(pk, "startTime");
		pack_time(pk, fx->ts);
		break;
	case FH_EV_BLOCK_STARTED:
		mpb_map(pk, ev->f[F_BS_PARAMS].p ? 6 : 5);
		pack_cstr(pk, "blockId");
		span_str(pk, &ev->f[F_BS_ID]);
		pack_cstr(pk, "blockType");
		span_str(pk, &ev->f[F_BS_TYPE]);
		pack_cstr(pk, "blockName");
		span_str(pk, &ev->f[F_BS_NAME]);
		pack_cstr(pk, "displayText");
		span_str(pk, &ev->f[F_BS_TEXT]);
		if (ev->f[F_BS_PARAMS].p) {
			pack_cstr(pk, "params");
			span_obj(pk, &ev->f[F_BS_PARAMS]);
		}
		pack_cstr(pk, "timing");
		mpb_map(pk, 1);
		pack_cstr(pk, "startTime");
		pack_time(pk, fx->ts);
		break;
	case FH_EV_BLOCK_EXECUTED: {
		int64_t st = b ? b->start_ts : HUB_TS_NONE;
		mpb_map(pk, 7);
		pack_cstr(pk, "blockId");
		span_str(pk, &ev->f[F_BE_ID]);
		pack_cstr(pk, "blockType");
		pack_strn(pk, b ? b->type.p : NULL, b ? b->type.len : 0);
		pack_cstr(pk, "blockName");
		pack_strn(pk, b ? b->name.p : NULL, b ? b->name.len : 0);
		pack_cstr(pk, "status");
		pack_cstr(pk, hub_bstatus_names[ev->status]);
		pack_cstr(pk, "timing");
		mpb_map(pk, 3);
		pack_cstr(pk, "startTime");
		pack_time(pk, st);
		pack_cstr(pk, "endTime");
		pack_time(pk, fx->ts);
		pack_cstr(pk, "durationMs");
		if (st != HUB_TS_NONE && fx->ts != HUB_TS_NONE)
			mpb_int64(pk, fx->ts - st);
		else
			mpb_nil(pk);
		pack_cstr(pk, "result");
		pack_raw(pk, ev->f[F_BE_RESULT].p, ev->f[F_BE_RESULT].len, 0);
		pack_cstr(pk, "error");
		span_str(pk, &ev->f[F_BE_ERROR]);
		break;
	}
	case FH_EV_LOG:
		mpb_map(pk, 6);
		pack_cstr(pk, "level");
		pack_cstr(pk, hub_level_names[ev->status]);
		pack_cstr(pk, "tag");
		span_str(pk, &ev->f[F_LOG_TAG]);
		pack_cstr(pk, "module");
		span_str(pk, &ev->f[F_LOG_MODULE]);
		pack_cstr(pk, "message");
		span_str(pk, &ev->f[F_LOG_MESSAGE]);
		pack_cstr(pk, "data");
		span_obj(pk, &ev->f[F_LOG_DATA]);
		pack_cstr(pk, "timestamp");
		pack_time(pk, fx->ts);
		break;
	case FH_EV_HARDWARE_HEALTH:
		mpb_map(pk, 4);
		pack_cstr(pk, "component");
		span_str(pk, &ev->f[F_HW_COMPONENT]);
		pack_cstr(pk, "status");
		pack_cstr(pk, hub_hwstatus_names[ev->status]);
		pack_cstr(pk, "details");
		span_obj(pk, &ev->f[F_HW_DETAILS]);
		pack_cstr(pk, "timestamp");
		pack_time(pk, fx->ts);
		break;
	case FH_EV_EXECUTION_FINISHED:
		mpb_map(pk, 7);
		pack_cstr(pk, "status");
		pack_cstr(pk, hub_xstatus_names[ev->status]);
		pack_cstr(pk, "summary");
		span_obj(pk, &ev->f[F_EF_SUMMARY]);
		hub_state_pack_run(s, pk);
		break;
	default:
		mpb_map(pk, 0);
		break;
	}
}

void
hub_msg_pack_event(struct mpbuf *pk, uint64_t seq, const struct hub_ev *ev,
		   const struct hub_fx *fx, const struct hub_state *s,
		   const uint32_t *ids, uint32_t nids)
{
	mpb_array(pk, 4);
	mpb_uint64(pk, seq);
	pack_cstr(pk, hub_kind_msgtype(ev->kind));
	pack_data(pk, ev, fx, s);
	mpb_array(pk, nids);
	for (uint32_t i = 0; i < nids; i++)
		mpb_uint32(pk, ids[i]);
}

void
hub_msg_pack_gap(struct mpbuf *pk, uint64_t seq, uint64_t lost)
{
	mpb_array(pk, 4);
	mpb_uint64(pk, seq);
	pack_cstr(pk, "gap");
	mpb_map(pk, 2);
	pack_cstr(pk, "lost");
	mpb_uint64(pk, lost);
	pack_cstr(pk, "reason");
	pack_cstr(pk, "ring_overflow");
	mpb_array(pk, 0);
}
