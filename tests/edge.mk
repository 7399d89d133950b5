# flowhub-edge unit tests: one Check program per module of libedge.
EDGE_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LWS_CFLAGS) \
	$(MSGPACK_CFLAGS) $(JANSSON_CFLAGS)
EDGE_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/edge
EDGE_TEST_LIBS = edge/libedge.la $(CHECK_LIBS)
if HAVE_CHECK
check_PROGRAMS += %reldir%/unit/test_edge_mp2json %reldir%/unit/test_edge_proto \
	%reldir%/unit/test_edge_queue %reldir%/unit/test_edge_recent \
	%reldir%/unit/test_edge_token %reldir%/unit/test_edge_lwsmem
TESTS += %reldir%/unit/test_edge_mp2json %reldir%/unit/test_edge_proto \
	%reldir%/unit/test_edge_queue %reldir%/unit/test_edge_recent \
	%reldir%/unit/test_edge_token %reldir%/unit/test_edge_lwsmem
%canon_reldir%_unit_test_edge_mp2json_SOURCES = %reldir%/unit/test_edge_mp2json.c \
	%reldir%/unit/mpfixture.h
%canon_reldir%_unit_test_edge_mp2json_CFLAGS = $(EDGE_TEST_CFLAGS)
%canon_reldir%_unit_test_edge_mp2json_CPPFLAGS = $(EDGE_TEST_CPPFLAGS)
%canon_reldir%_unit_test_edge_mp2json_LDADD = $(EDGE_TEST_LIBS)
%canon_reldir%_unit_test_edge_proto_SOURCES = %reldir%/unit/test_edge_proto.c
%canon_reldir%_unit_test_edge_proto_CFLAGS = $(EDGE_TEST_CFLAGS)
%canon_reldir%_unit_test_edge_proto_CPPFLAGS = $(EDGE_TEST_CPPFLAGS)
%canon_reldir%_unit_test_edge_proto_LDADD = $(EDGE_TEST_LIBS)
%canon_reldir%_unit_test_edge_queue_SOURCES = %reldir%/unit/test_edge_queue.c
%canon_reldir%_unit_test_edge_queue_CFLAGS = $(EDGE_TEST_CFLAGS)
%canon_reldir%_unit_test_edge_queue_CPPFLAGS = $(EDGE_TEST_CPPFLAGS)
%canon_reldir%_unit_test_edge_queue_LDADD = $(EDGE_TEST_LIBS)
%canon_reldir%_unit_test_edge_recent_SOURCES = %reldir%/unit/test_edge_recent.c
%canon_reldir%_unit_test_edge_recent_CFLAGS = $(EDGE_TEST_CFLAGS)
%canon_reldir%_unit_test_edge_recent_CPPFLAGS = $(EDGE_TEST_CPPFLAGS)
%canon_reldir%_unit_test_edge_recent_LDADD = $(EDGE_TEST_LIBS)
%canon_reldir%_unit_test_edge_token_SOURCES = %reldir%/unit/test_edge_token.c
%canon_reldir%_unit_test_edge_token_CFLAGS = $(EDGE_TEST_CFLAGS)
%canon_reldir%_unit_test_edge_token_CPPFLAGS = $(EDGE_TEST_CPPFLAGS)
%canon_reldir%_unit_test_edge_token_LDADD = $(EDGE_TEST_LIBS)
%canon_reldir%_unit_test_edge_lwsmem_SOURCES = %reldir%/unit/test_edge_lwsmem.c
%canon_reldir%_unit_test_edge_lwsmem_CFLAGS = $(EDGE_TEST_CFLAGS)
%canon_reldir%_unit_test_edge_lwsmem_CPPFLAGS = $(EDGE_TEST_CPPFLAGS)
%canon_reldir%_unit_test_edge_lwsmem_LDADD = $(EDGE_TEST_LIBS)
endif
