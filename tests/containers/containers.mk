# containers.mk: ward in real OCI containers (podman, runc), included by the
# Makefile. `make test-containers` runs tests/containers/run.sh (as root);
# pass CTR_TESTS="healthcheck runc_bundle" to run only some of its tests.

.PHONY: test-containers
TEST_EXTRA += test-containers

test-containers: build/musl/ward
	WARD=$(CURDIR)/build/musl/ward tests/containers/run.sh $(CTR_TESTS)

# cgroup.sh: /metrics' memory figures in a podman container with --memory.
.PHONY: test-containers-cgroup
TEST_EXTRA += test-containers-cgroup

test-containers-cgroup: build/musl/ward
	WARD=$(CURDIR)/build/musl/ward tests/containers/cgroup.sh
