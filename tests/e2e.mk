# End-to-end scripts of flowhub-edge: the real daemons (hub, edges,
# flowhub-emit) driven by Python clients on the `websockets` library.
TESTS += \
	%reldir%/e2e/edge_badinput.sh \
	%reldir%/e2e/edge_security.sh \
	%reldir%/e2e/edge_stream.sh \
	%reldir%/e2e/edge_filters.sh \
	%reldir%/e2e/edge_resume.sh \
	%reldir%/e2e/edge_since.sh \
	%reldir%/e2e/edge_slow.sh \
	%reldir%/e2e/edge_pause.sh \
	%reldir%/e2e/edge_hubrestart.sh \
	%reldir%/e2e/edge_frozen.sh \
	%reldir%/e2e/edge_fullhub.sh \
	%reldir%/e2e/edge_options.sh \
	%reldir%/e2e/edge_idle.sh \
	%reldir%/e2e/sched_policy.sh
EXTRA_DIST += \
	%reldir%/e2e/sched_policy.sh \
	%reldir%/e2e/edge_idle.sh %reldir%/e2e/edge_idle.py \
	%reldir%/e2e/edge_badinput.sh %reldir%/e2e/edge_badinput.py \
	%reldir%/e2e/edge_security.sh %reldir%/e2e/edge_security.py \
	%reldir%/e2e/edge_stream.sh %reldir%/e2e/edge_stream.py \
	%reldir%/e2e/edge_filters.sh %reldir%/e2e/edge_filters.py \
	%reldir%/e2e/edge_resume.sh %reldir%/e2e/edge_resume.py \
	%reldir%/e2e/edge_since.sh %reldir%/e2e/edge_since.py \
	%reldir%/e2e/edge_slow.sh %reldir%/e2e/edge_slow.py \
	%reldir%/e2e/edge_pause.sh %reldir%/e2e/edge_pause.py \
	%reldir%/e2e/edge_hubrestart.sh %reldir%/e2e/edge_hubrestart.py \
	%reldir%/e2e/edge_frozen.sh %reldir%/e2e/edge_frozen.py \
	%reldir%/e2e/edge_fullhub.sh %reldir%/e2e/edge_fullhub.py \
	%reldir%/e2e/edge_options.sh %reldir%/e2e/edge_options.py \
	%reldir%/e2e/lib/edgelib.sh %reldir%/e2e/lib/edgeclient.py \
	%reldir%/e2e/lib/edgebench.sh \
	doc/protocol.schema.json
