/*
 * --demo: a simulated hydroponics program, the embedded default that
 * makes a fresh installation show something.  Each run reads the EC, pH
 * and water temperature sensors, doses when pH drifts, runs the pump and
 * a valve around a wait, logs at every level under several tags, reports
 * hardware health now and then and sometimes fails a block; then it
 * finishes and a new run starts.
 *
 * The run is a small state machine that yields one event per step, so
 * --count can stop anywhere and pacing is per event.  Events go through
 * the public shmring_emit_* calls, which makes the demo a user of the
 * producer API as well.  Pacing uses absolute deadlines on CLOCK_MONOTONIC
 * (clock_nanosleep TIMER_ABSTIME): sleeping late once does not shift the
 * rate; after a long stall (ring full) the schedule is reset instead of
 * bursting to catch up.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "emit.h"
#include "log.h"
#include "shmring.h"

enum block_kind { B_SENSOR, B_DOSE, B_PUMP, B_VALVE, B_WAIT };

struct block {
	enum block_kind kind;
	const char *type, *name, *display, *tag, *module;
	const char *device; /* sensor, pump or valve id */
	const char *unit;
	double lo, hi;      /* sensor value range */
	int on;             /* pump/valve: switch on (1) or off (0) */
	int seconds;        /* wait */
};

/* The program: one pass is one run.  The dose step is taken only when
 * the pH read of this run came out high. */
static const struct block program[] = {
	{B_SENSOR, "sensor_read", "Read EC", "Измерва EC...", "Sensor",
	 "sensors.ec", "ec_1", "mS/cm", 1.4, 2.4, 0, 0},
	{B_SENSOR, "sensor_read", "Read pH", "Измерва pH...", "Sensor",
	 "sensors.ph", "ph_1", "pH", 5.6, 6.9, 0, 0},
	{B_SENSOR, "sensor_read", "Read water temperature",
	 "Измерва температурата на водата...", "Sensor", "sensors.temp",
	 "temp_1", "°C", 18.0, 26.0, 0, 0},
	{B_DOSE, "dose", "Dose pH down", "Дозира pH down (5 ml)", "Dosing",
	 "actuators.dosing", "dosing_pump_ph", "ml", 0, 0, 1, 0},
	{B_PUMP, "pump", "Pump 1 on", "Включва помпа 1", "Pump",
	 "actuators.pump", "pump_1", NULL, 0, 0, 1, 0},
	{B_VALVE, "valve", "Open valve A", "Отваря клапан A", "Valve",
	 "actuators.valve", "valve_a", NULL, 0, 0, 1, 0},
	{B_WAIT, "wait", "Wait for circulation", "Изчаква 30 s", "FlowExecutor",
	 "flow.timing", NULL, "s", 0, 0, 0, 30},
	{B_VALVE, "valve", "Close valve A", "Затваря клапан A", "Valve",
	 "actuators.valve", "valve_a", NULL, 0, 0, 0, 0},
	{B_PUMP, "pump", "Pump 1 off", "Изключва помпа 1", "Pump",
	 "actuators.pump", "pump_1", NULL, 0, 0, 0, 0},
};
#define NBLOCKS (sizeof(program) / sizeof(program[0]))
#define DOSE_STEP 3
#define PH_STEP 1
#define PH_HIGH 6.5

static const char *const components[] = {"pump_1", "valve_a", "ec_1", "ph_1",
					 "temp_1", "dosing_pump_ph"};
#define NCOMP (sizeof(components) / sizeof(components[0]))

enum phase {
	P_RUN_START, P_RUN_LOG, P_BLOCK_START, P_BLOCK_LOG, P_BLOCK_DONE,
	P_FAIL_LOG, P_HEALTH, P_NEXT, P_FINISH_LOG, P_FINISH
};

struct demo {
	struct emit_ctx *e;
	uint64_t rng;
	unsigned run;
	size_t step;
	enum phase phase;
	int failed_block;   /* the current block failed */
	unsigned failures;  /* in this run */
	unsigned executed;
	double value;       /* last sensor value */
	double ph;
	int64_t run_start_ms;
	char session[32], block_id[48];
	msgpack_sbuffer sb;
	msgpack_packer pk;
	const char *hw_status[NCOMP];
};

static uint64_t
rnd(struct demo *d)
{
	/* xorshift64*: plenty for a simulation. */
	d->rng ^= d->rng >> 12;
	d->rng ^= d->rng << 25;
	d->rng ^= d->rng >> 27;
	return d->rng * UINT64_C(2685821657736338717);
}

static double
uniform(struct demo *d, double lo, double hi)
{
	return lo + (hi - lo) * (double)(rnd(d) >> 11) / (double)(UINT64_C(1) << 53);
}

static int
chance(struct demo *d, unsigned percent)
{
	return rnd(d) % 100 < percent;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* msgpack helpers over the reused buffer. */
static void
mp_reset(struct demo *d, size_t entries)
{
	msgpack_sbuffer_clear(&d->sb);
	msgpack_pack_map(&d->pk, entries);
}

static void
mp_kstr(struct demo *d, const char *k, const char *v)
{
	msgpack_pack_str_with_body(&d->pk, k, strlen(k));
	msgpack_pack_str_with_body(&d->pk, v, strlen(v));
}

static void
mp_knum(struct demo *d, const char *k, double v)
{
	msgpack_pack_str_with_body(&d->pk, k, strlen(k));
	msgpack_pack_double(&d->pk, (double)(long)(v * 100 + 0.5) / 100);
}

static void
mp_kint(struct demo *d, const char *k, int64_t v)
{
	msgpack_pack_str_with_body(&d->pk, k, strlen(k));
	msgpack_pack_int64(&d->pk, v);
}

/* Retry a producer call per the full-ring policy.  Returns 0 when the
 * event was written or dropped by policy, else the negative error. */
#define EMIT(d, call)                                                          \
	do {                                                                   \
		unsigned attempt_ = 0;                                         \
		int rc_;                                                       \
		while ((rc_ = (call)) == SHMRING_FULL)                         \
			if (!emit_full_wait((d)->e, &attempt_))                \
				break;                                         \
		if (rc_ == 0)                                                  \
			(d)->e->written++;                                     \
		else if (rc_ < 0)                                              \
			return rc_;                                            \
	} while (0)

static int
ev_run_start(struct demo *d)
{
	d->run++;
	d->step = 0;
	d->failures = d->executed = 0;
	d->ph = 6.0;
	d->run_start_ms = now_ms();
	snprintf(d->session, sizeof(d->session), "demo-%d-%u", (int)getpid(),
		 d->run);
	mp_reset(d, 3);
	mp_kstr(d, "site", "Greenhouse 2");
	mp_kstr(d, "operator", "demo");
	mp_kint(d, "run", d->run);
	EMIT(d, shmring_emit_execution_started(d->e->ring, d->session,
					       "hydro-a", "Hydroponics A",
					       d->sb.data, d->sb.size));
	return 0;
}

static int
ev_run_log(struct demo *d)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "Starting program Hydroponics A, run %u",
		 d->run);
	mp_reset(d, 1);
	mp_kstr(d, "sessionId", d->session);
	EMIT(d, shmring_emit_log(d->e->ring, "info", msg, "FlowExecutor",
				 "flow.executor", d->sb.data, d->sb.size));
	return 0;
}

static int
ev_block_start(struct demo *d)
{
	const struct block *b = &program[d->step];

	snprintf(d->block_id, sizeof(d->block_id), "%s-b%zu", d->session,
		 d->step + 1);
	switch (b->kind) {
	case B_SENSOR:
		mp_reset(d, 2);
		mp_kstr(d, "sensor", b->device);
		mp_kint(d, "samples", 3);
		break;
	case B_DOSE:
		mp_reset(d, 2);
		mp_kstr(d, "pump", b->device);
		mp_knum(d, "volumeMl", 5);
		break;
	case B_PUMP:
	case B_VALVE:
		mp_reset(d, 2);
		mp_kstr(d, b->kind == B_PUMP ? "pump" : "valve", b->device);
		mp_kstr(d, "state", b->on ? (b->kind == B_PUMP ? "on" : "open")
					  : (b->kind == B_PUMP ? "off" : "closed"));
		break;
	case B_WAIT:
		mp_reset(d, 1);
		mp_kint(d, "seconds", b->seconds);
		break;
	}
	EMIT(d, shmring_emit_block_started(d->e->ring, d->block_id, b->type,
					   b->name, b->display, d->sb.data,
					   d->sb.size));
	return 0;
}

static int
ev_block_log(struct demo *d)
{
	const struct block *b = &program[d->step];
	const char *level = "info";
	char msg[160];

	mp_reset(d, 1);
	mp_kstr(d, "blockId", d->block_id);
	switch (b->kind) {
	case B_SENSOR:
		d->value = uniform(d, b->lo, b->hi);
		snprintf(msg, sizeof(msg), "%s sample: %.2f %s", b->device,
			 d->value, b->unit);
		level = "debug";
		break;
	case B_DOSE:
		snprintf(msg, sizeof(msg), "pH %.2f above %.1f: dosing 5 ml pH down",
			 d->ph, PH_HIGH);
		level = "warn";
		break;
	case B_PUMP:
		snprintf(msg, sizeof(msg), "Pump %s switched %s", b->device,
			 b->on ? "on" : "off");
		break;
	case B_VALVE:
		snprintf(msg, sizeof(msg), "Valve %s %s", b->device,
			 b->on ? "opening" : "closing");
		level = chance(d, 50) ? "debug" : "info";
		break;
	case B_WAIT:
		snprintf(msg, sizeof(msg), "Waiting %d s for the nutrient "
			 "solution to circulate", b->seconds);
		break;
	}
	EMIT(d, shmring_emit_log(d->e->ring, level, msg, b->tag, b->module,
				 d->sb.data, d->sb.size));
	return 0;
}

static int
ev_block_done(struct demo *d)
{
	const struct block *b = &program[d->step];
	const char *error = NULL;

	/* Sensors time out now and then, a valve sticks rarely. */
	d->failed_block = (b->kind == B_SENSOR && chance(d, 6)) ||
			  (b->kind == B_VALVE && chance(d, 3));
	d->executed++;
	if (d->failed_block) {
		d->failures++;
		error = b->kind == B_SENSOR ? "Sensor timeout after 2000 ms"
					    : "Valve position not confirmed";
		EMIT(d, shmring_emit_block_executed(d->e->ring, d->block_id,
						    "failed", NULL, 0, error));
		return 0;
	}
	switch (b->kind) {
	case B_SENSOR:
		if (d->step == PH_STEP)
			d->ph = d->value;
		mp_reset(d, 2);
		mp_knum(d, "value", d->value);
		mp_kstr(d, "unit", b->unit);
		break;
	case B_DOSE:
		mp_reset(d, 1);
		mp_knum(d, "dosedMl", 5);
		break;
	case B_PUMP:
	case B_VALVE:
		mp_reset(d, 1);
		mp_kstr(d, "state", b->on ? (b->kind == B_PUMP ? "on" : "open")
					  : (b->kind == B_PUMP ? "off" : "closed"));
		break;
	case B_WAIT:
		mp_reset(d, 1);
		mp_kint(d, "waitedSeconds", b->seconds);
		break;
	}
	EMIT(d, shmring_emit_block_executed(d->e->ring, d->block_id,
					    "completed", d->sb.data, d->sb.size,
					    NULL));
	return 0;
}

static int
ev_fail_log(struct demo *d)
{
	const struct block *b = &program[d->step];
	char msg[160];

	snprintf(msg, sizeof(msg), "Block %s (%s) failed", d->block_id, b->name);
	mp_reset(d, 2);
	mp_kstr(d, "blockId", d->block_id);
	mp_kstr(d, "device", b->device ? b->device : "");
	EMIT(d, shmring_emit_log(d->e->ring, "error", msg, "FlowExecutor",
				 "flow.executor", d->sb.data, d->sb.size));
	return 0;
}

static int
ev_health(struct demo *d)
{
	static const char *const statuses[] = {"ok", "degraded", "fault",
					       "offline"};
	size_t c = rnd(d) % NCOMP;
	const char *st;

	/* Mostly back to ok; a failed device degrades or faults. */
	if (d->failed_block && program[d->step].device != NULL) {
		for (c = 0; c < NCOMP; c++)
			if (strcmp(components[c], program[d->step].device) == 0)
				break;
		if (c == NCOMP)
			c = 0;
		st = chance(d, 70) ? "degraded" : "fault";
	} else {
		unsigned x = (unsigned)(rnd(d) % 100);

		st = x < 70 ? statuses[0] : x < 88 ? statuses[1] :
		     x < 96 ? statuses[2] : statuses[3];
	}
	d->hw_status[c] = st;
	mp_reset(d, 2);
	mp_knum(d, "temperatureC", uniform(d, 25, 45));
	mp_kint(d, "uptimeS", (now_ms() / 1000) % 100000);
	EMIT(d, shmring_emit_hardware_health(d->e->ring, components[c], st,
					     d->sb.data, d->sb.size));
	return 0;
}

static const char *
finish_status(struct demo *d)
{
	if (d->failures > 1)
		return "failed";
	return "completed";
}

static int
ev_finish_log(struct demo *d)
{
	char msg[160];
	const char *st = finish_status(d);

	snprintf(msg, sizeof(msg), "Program %s: %u blocks, %u failed", st,
		 d->executed, d->failures);
	mp_reset(d, 1);
	mp_kstr(d, "sessionId", d->session);
	EMIT(d, shmring_emit_log(d->e->ring,
				 strcmp(st, "completed") == 0 ? "info" : "warn",
				 msg, "FlowExecutor", "flow.executor",
				 d->sb.data, d->sb.size));
	return 0;
}

static int
ev_finish(struct demo *d)
{
	mp_reset(d, 3);
	mp_kint(d, "blocksExecuted", d->executed);
	mp_kint(d, "blocksFailed", d->failures);
	mp_kint(d, "durationMs", now_ms() - d->run_start_ms);
	EMIT(d, shmring_emit_execution_finished(d->e->ring, finish_status(d),
						d->sb.data, d->sb.size));
	return 0;
}

/* Emit exactly one event and advance the state machine. */
static int
demo_step(struct demo *d)
{
	int rc;

	for (;;) {
		switch (d->phase) {
		case P_RUN_START:
			d->phase = P_RUN_LOG;
			return ev_run_start(d);
		case P_RUN_LOG:
			d->phase = P_BLOCK_START;
			return ev_run_log(d);
		case P_BLOCK_START:
			if (d->step == DOSE_STEP && d->ph <= PH_HIGH) {
				d->phase = P_NEXT; /* no dosing needed */
				continue;
			}
			d->phase = P_BLOCK_LOG;
			return ev_block_start(d);
		case P_BLOCK_LOG:
			d->phase = P_BLOCK_DONE;
			return ev_block_log(d);
		case P_BLOCK_DONE:
			d->phase = P_NEXT;
			rc = ev_block_done(d);
			if (rc < 0)
				return rc;
			if (d->failed_block)
				d->phase = P_FAIL_LOG;
			else if (chance(d, 12))
				d->phase = P_HEALTH;
			return 0;
		case P_FAIL_LOG:
			d->phase = P_HEALTH;
			return ev_fail_log(d);
		case P_HEALTH:
			d->phase = P_NEXT;
			return ev_health(d);
		case P_NEXT:
			d->step++;
			d->phase = d->step < NBLOCKS ? P_BLOCK_START
						     : P_FINISH_LOG;
			continue;
		case P_FINISH_LOG:
			d->phase = P_FINISH;
			return ev_finish_log(d);
		case P_FINISH:
			d->phase = P_RUN_START;
			return ev_finish(d);
		}
	}
}

static void
ts_add_ns(struct timespec *t, uint64_t ns)
{
	uint64_t n = (uint64_t)t->tv_nsec + ns;

	t->tv_sec += (time_t)(n / 1000000000u);
	t->tv_nsec = (long)(n % 1000000000u);
}

int
emit_demo(struct emit_ctx *e, double rate, uint64_t count)
{
	struct demo d;
	struct timespec next, now;
	uint64_t period = rate > 0 ? (uint64_t)(1e9 / rate) : 0, i;
	int rc = 0;

	memset(&d, 0, sizeof(d));
	d.e = e;
	clock_gettime(CLOCK_REALTIME, &now);
	d.rng = (uint64_t)now.tv_nsec ^ ((uint64_t)getpid() << 32) ^
		(uint64_t)now.tv_sec;
	if (d.rng == 0)
		d.rng = 1;
	msgpack_sbuffer_init(&d.sb);
	msgpack_packer_init(&d.pk, &d.sb, msgpack_sbuffer_write);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; (count == 0 || i < count) && !*e->stop; i++) {
		if (period > 0) {
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					       &next, NULL) == EINTR &&
			       !*e->stop)
				;
			if (*e->stop)
				break;
			ts_add_ns(&next, period);
			/* More than a second behind (a long ring-full
			 * wait): restart the schedule rather than burst. */
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > next.tv_sec + 1) {
				next = now;
				ts_add_ns(&next, period);
			}
		}
		rc = demo_step(&d);
		if (rc < 0)
			break;
	}
	msgpack_sbuffer_destroy(&d.sb);
	return rc;
}
