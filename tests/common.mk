# Unit tests of the shared code: configuration files, the event schema
# (with the producer calls of libshmring) and the bounded msgpack walk.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_conf tests/unit/test_event \
	tests/unit/test_mpvalid
TESTS += tests/unit/test_conf tests/unit/test_event tests/unit/test_mpvalid
endif
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_conf_LDADD = common/libfhcommon.la $(CHECK_LIBS)
tests_unit_test_event_SOURCES = tests/unit/test_event.c
tests_unit_test_event_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	$(MSGPACK_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_event_LDADD = common/libfhcommon.la shmring/libshmring.la \
	$(MSGPACK_LIBS) $(JANSSON_LIBS) $(CHECK_LIBS)
tests_unit_test_mpvalid_SOURCES = tests/unit/test_mpvalid.c
tests_unit_test_mpvalid_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(MSGPACK_CFLAGS)
tests_unit_test_mpvalid_LDADD = common/libfhcommon.la $(MSGPACK_LIBS) \
	$(CHECK_LIBS)
