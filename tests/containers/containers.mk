# containers.mk: ward in real OCI containers (podman, runc) and under a real
# Docker engine, included by the Makefile (all run as root).
#
#   make test-containers          tests/containers/run.sh: podman and runc
#   make test-containers-cgroup   tests/containers/cgroup.sh: /metrics, --memory
#   make test-docker              tests/containers/docker.sh: a private dockerd
#
# CTR_TESTS="healthcheck runc_bundle" (or DOCKER_TESTS="info compose") runs
# only some of a suite's tests.

.PHONY: test-containers test-docker
TEST_EXTRA += test-containers test-docker

test-containers: build/musl/ward
	WARD=$(CURDIR)/build/musl/ward tests/containers/run.sh $(CTR_TESTS)

# cgroup.sh: /metrics' memory figures in a podman container with --memory.
.PHONY: test-containers-cgroup
TEST_EXTRA += test-containers-cgroup

test-containers-cgroup: build/musl/ward
	WARD=$(CURDIR)/build/musl/ward tests/containers/cgroup.sh

test-docker: build/musl/ward
	WARD=$(CURDIR)/build/musl/ward tests/containers/docker.sh $(DOCKER_TESTS)
