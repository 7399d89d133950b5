# Documentation shipped in the tarball; man pages are listed by the
# fragment of the program they describe.
EXTRA_DIST += doc/architecture.md doc/protocol.md doc/wire.md \
	doc/performance.md doc/security.md \
	doc/plots/e2e-latency.png doc/plots/e2e-throughput.png
