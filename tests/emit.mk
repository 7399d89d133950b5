# flowhub-emit tests: a small ring consumer that prints records as JSON
# lines, and end-to-end scripts driving flowhub-emit through a real ring.
check_PROGRAMS += tests/tools/ringcat
tests_tools_ringcat_SOURCES = tests/tools/ringcat.c
tests_tools_ringcat_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS) $(JANSSON_CFLAGS)
tests_tools_ringcat_LDADD = common/libfhcommon.la shmring/libshmring.la \
	$(MSGPACK_LIBS) $(JANSSON_LIBS)
EMIT_E2E = tests/e2e/emit_lines.sh tests/e2e/emit_stream.sh \
	tests/e2e/emit_demo.sh tests/e2e/emit_options.sh
TESTS += $(EMIT_E2E)
EXTRA_DIST += $(EMIT_E2E) tests/e2e/emit_lib.sh
