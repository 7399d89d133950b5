/*
 * Typed event helpers on top of the raw ring (filled in by the emit side).
 */
#ifndef SHMRING_EVENT_H
#define SHMRING_EVENT_H
#endif /* SHMRING_EVENT_H */
