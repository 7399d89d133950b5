/*
 * fh_sched_batch: see schedpolicy.h.  Called first thing in main, before NNG,
 * lws or the checkpoint writer start threads, so that all of them
 * inherit the policy.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>

#include "schedpolicy.h"

int
fh_sched_batch(void)
{
	struct sched_param p = {.sched_priority = 0};

	/* pid 0: the calling thread (Linux schedules threads). */
	return sched_setscheduler(0, SCHED_BATCH, &p) == 0 ? 0 : -errno;
}
