# Hostile-client end-to-end tests (tests/hostile/*.sh): connection floods,
# slowloris, oversized frames, junk floods, never-reading subscribers, bad
# tokens and Origins, file modes of the shm segment and runtime dir.  Each
# prints its measured numbers into its .log.
