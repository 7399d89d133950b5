# Benchmarks: programs built by `make bench` only (never by `make all`),
# run by hand; results go to doc/performance.md.
EXTRA_PROGRAMS += %reldir%/ringbench
CLEANFILES += %reldir%/ringbench$(EXEEXT)
%canon_reldir%_ringbench_SOURCES = %reldir%/ringbench.c
%canon_reldir%_ringbench_LDADD = shmring/libshmring.la $(PTHREAD_LIBS)
.PHONY: bench
bench: %reldir%/ringbench$(EXEEXT)
