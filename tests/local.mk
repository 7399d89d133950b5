# Tests: each area owns its own fragment.
include tests/shmring.mk
include tests/common.mk
include tests/emit.mk
include tests/hub.mk
include tests/edge.mk
include tests/e2e.mk
include tests/fault.mk
include tests/fuzz.mk
include tests/browser.mk
include tests/hostile.mk
include tests/bench.mk
include tests/dist.mk
