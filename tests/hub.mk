# Hub tests: Check unit tests over libhub, a C NNG test client, a test
# producer, and end-to-end scripts that drive the real daemon.
HUB_TEST_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS) $(JANSSON_CFLAGS) \
	$(CHECK_CFLAGS) -I$(top_srcdir)/hub -I$(top_srcdir)/tests/hub
HUB_TEST_LIBS = hub/libhub.la $(JANSSON_LIBS) $(CHECK_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_hub_state tests/unit/test_hub_wire \
	tests/unit/test_hub_mpread
TESTS += tests/unit/test_hub_state tests/unit/test_hub_wire \
	tests/unit/test_hub_mpread
endif
tests_unit_test_hub_mpread_SOURCES = tests/unit/test_hub_mpread.c \
	tests/unit/mpfixture.h
tests_unit_test_hub_mpread_CFLAGS = $(HUB_TEST_CFLAGS)
tests_unit_test_hub_mpread_LDADD = $(HUB_TEST_LIBS)
tests_unit_test_hub_state_SOURCES = tests/unit/test_hub_state.c \
	tests/hub/mpjson.c tests/hub/mpjson.h
tests_unit_test_hub_state_CFLAGS = $(HUB_TEST_CFLAGS)
tests_unit_test_hub_state_LDADD = $(HUB_TEST_LIBS)
tests_unit_test_hub_wire_SOURCES = tests/unit/test_hub_wire.c \
	tests/hub/mpjson.c tests/hub/mpjson.h
tests_unit_test_hub_wire_CFLAGS = $(HUB_TEST_CFLAGS)
tests_unit_test_hub_wire_LDADD = $(HUB_TEST_LIBS)

check_PROGRAMS += tests/hub/hubclient tests/hub/ringfeed
tests_hub_hubclient_SOURCES = tests/hub/hubclient.c tests/hub/mpjson.c \
	tests/hub/mpjson.h
tests_hub_hubclient_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/hub
tests_hub_hubclient_LDADD = hub/libhub.la $(JANSSON_LIBS)
tests_hub_ringfeed_SOURCES = tests/hub/ringfeed.c tests/hub/mpjson.c \
	tests/hub/mpjson.h
tests_hub_ringfeed_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/hub
tests_hub_ringfeed_LDADD = hub/libhub.la $(JANSSON_LIBS)

HUB_E2E = tests/hub/basic.sh tests/hub/gap.sh tests/hub/replay.sh \
	tests/hub/badinput.sh
TESTS += $(HUB_E2E)
dist_noinst_SCRIPTS += $(HUB_E2E) tests/hub/lib.sh
