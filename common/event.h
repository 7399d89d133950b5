/*
 * The interpreter event schema (one place for emit, hub and edge).
 *
 * A ring record's type is one of enum fh_event; its payload is a msgpack
 * map whose keys are the field names below (the JSON names of the
 * flowhub-emit input), plus "ts": the producer's wall clock as an integer
 * of milliseconds since the epoch or an ISO-8601 string.
 */
#ifndef FH_EVENT_H
#define FH_EVENT_H

enum fh_event {
	FH_EV_EXECUTION_STARTED = 1, /* sessionId*, programId, programName, meta{} */
	FH_EV_BLOCK_STARTED = 2,     /* blockId*, blockType*, blockName, displayText, params{} */
	FH_EV_BLOCK_EXECUTED = 3,    /* blockId*, status*, result, error */
	FH_EV_LOG = 4,               /* level*, message*, tag, module, data{} */
	FH_EV_HARDWARE_HEALTH = 5,   /* component*, status*, details{} */
	FH_EV_EXECUTION_FINISHED = 6, /* status*, summary{} */
};
#define FH_EV_MIN FH_EV_EXECUTION_STARTED
#define FH_EV_MAX FH_EV_EXECUTION_FINISHED

#endif /* FH_EVENT_H */
