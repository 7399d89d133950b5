# Fault tests: flowhub's failure isolation under real faults (kill -9,
# SIGSTOP, dropped links, stalled and churning clients) with the daemons
# run by supervisord from the installed program group.  Each script is
# self-contained (private run dir, ports, ring and runtime dir) and
# skips with 77 when a facility it needs is missing.
check_PROGRAMS += tests/fault/faultprod
tests_fault_faultprod_SOURCES = %reldir%/fault/faultprod.c
tests_fault_faultprod_LDADD = shmring/libshmring.la

FAULT_TESTS = \
	%reldir%/fault/hub_kill.sh \
	%reldir%/fault/producer_kill.sh \
	%reldir%/fault/slow_clients.sh \
	%reldir%/fault/edge_kill.sh \
	%reldir%/fault/edge_stop.sh \
	%reldir%/fault/netns_link.sh
TESTS += $(FAULT_TESTS)
EXTRA_DIST += $(FAULT_TESTS) %reldir%/fault/lib.sh \
	%reldir%/fault/wsclient.py %reldir%/fault/check.py \
	%reldir%/fault/churn.py doc/reliability.md
CLEANFILES += %reldir%/fault/.lock
