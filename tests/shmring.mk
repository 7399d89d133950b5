# libshmring tests: behaviour in one process, across processes, and the
# exported symbol list.
if HAVE_CHECK
check_PROGRAMS += %reldir%/unit/test_shmring
TESTS += %reldir%/unit/test_shmring
%canon_reldir%_unit_test_shmring_SOURCES = %reldir%/unit/test_shmring.c
%canon_reldir%_unit_test_shmring_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
%canon_reldir%_unit_test_shmring_LDADD = shmring/libshmring.la $(CHECK_LIBS)
endif
if HAVE_CHECK
check_PROGRAMS += %reldir%/unit/test_shmring_mp
TESTS += %reldir%/unit/test_shmring_mp
%canon_reldir%_unit_test_shmring_mp_SOURCES = %reldir%/unit/test_shmring_mp.c
%canon_reldir%_unit_test_shmring_mp_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
%canon_reldir%_unit_test_shmring_mp_LDADD = shmring/libshmring.la $(CHECK_LIBS) $(PTHREAD_LIBS)
endif
TESTS += %reldir%/unit/check_exports.sh
EXTRA_DIST += %reldir%/unit/check_exports.sh
