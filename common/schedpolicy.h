/*
 * The daemons' CPU scheduling policy.
 *
 * The interpreter wakes the hub through the ring's futex, the hub wakes
 * the edges through NNG.  Under Linux's default policy a woken thread that
 * slept a lot may preempt the thread that woke it, so the interpreter's
 * emit call could return only after the hub (and behind it an edge
 * writing to a thousand clients) had the CPU: its emit p99 followed what
 * the clients did.  SCHED_BATCH threads never preempt on wake-up: they
 * run on an idle CPU at once, or when the running thread's slice ends.
 * Any unprivileged process may choose it, and threads inherit it.
 */
#ifndef FH_SCHEDPOLICY_H
#define FH_SCHEDPOLICY_H

/* Put the calling thread, and so every thread it creates from now on,
 * under SCHED_BATCH.  Returns 0 or a negative errno. */
int fh_sched_batch(void);

#endif /* FH_SCHEDPOLICY_H */
