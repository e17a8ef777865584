#!/usr/bin/env bash
# cgroup.sh: ward's /metrics inside real podman containers with a memory
# limit (runc, cgroupfs): ward_cgroup_memory_limit_bytes is the limit,
# ward_cgroup_memory_bytes what the container uses, an OOM kill in the
# container counts in ward_cgroup_oom_kills_total, and promtool accepts it.
# On cgroup v1 (this machine kind) runc mounts the container's own cgroup at
# /sys/fs/cgroup/memory with its host path as the mount's root, the case
# ward resolves through mountinfo.
#
#   WARD=/abs/path/to/ward tests/containers/cgroup.sh
#
# Runs as root with podman, runc, busybox-static and promtool (tests/deps.sh).
# Prints one ok/FAIL line per test, then "N passed, N failed".
# Container commands are single-quoted on purpose: the container's sh expands.
# shellcheck disable=SC2016
set -euo pipefail

RUN=ward-cgroup-$$ # label value of this run's containers
LABEL=ward-cgroup-run
CTR=podman
# shellcheck source=tests/containers/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BB=docker.io/library/busybox:latest
LIMIT=67108864 # --memory 64m
export CONTAINERS_CONF=$T/containers.conf

setup() {
	setup_common podman runc busybox promtool timeout
	write_podman_conf
	import_busybox "$BB"
}

cleanup() {
	set +e
	remove_containers
	rm -rf "$T"
}

# ward as podman's init in a 64 MiB container; the command runs under it
# and scrapes ward's /metrics itself (WARD_LISTEN: podman calls the init as
# `INIT -- cmd`, so the environment configures it).
in_ctr() {
	ctr_run --rm --memory 64m --init --init-path "$WARD" \
		-e WARD_LISTEN=127.0.0.1:9100 "$BB" sh -c "$1"
}

SCRAPE='wget -qO- http://127.0.0.1:9100/metrics'

# The value of sample $1 in the metrics $2; fails if it is not there.
sample() {
	local v
	v=$(awk -v n="$1" '$1 == n { print $2 }' <<<"$2")
	[ -n "$v" ] || die "no $1 in:"$'\n'"$2"
	printf '%s\n' "$v"
}

promcheck() {
	local out
	out=$(promtool check metrics <<<"$1" 2>&1) ||
		die "promtool: $out"$'\n'"$1"
	[ -z "$out" ] || die "promtool: $out"
}

t_memory_limit() {
	local out m v
	# The memory hierarchy's mount root is the container's cgroup, not /.
	out=$(in_ctr 'grep " - cgroup .*memory" /proc/self/mountinfo;
		echo ===; '"$SCRAPE"'; true')
	log "$out"
	m=${out%%===*}
	out=${out#*===}
	[[ $m == *" /sys/fs/cgroup/memory "* ]] || die "no memory mount: $m"
	[[ $m != *" / /sys/fs/cgroup/memory "* ]] ||
		die "mounted at its root: not the case under test"
	promcheck "$out"
	v=$(sample ward_cgroup_memory_limit_bytes "$out")
	[ "$v" = "$LIMIT" ] || die "limit $v, expected $LIMIT"
	v=$(sample ward_cgroup_memory_bytes "$out")
	if [ "$v" -le 0 ] || [ "$v" -ge "$LIMIT" ]; then
		die "memory bytes $v, expected 0 < it < $LIMIT"
	fi
	v=$(sample ward_cgroup_oom_kills_total "$out")
	[ "$v" = 0 ] || die "oom kills $v, expected 0"
	v=$(sample ward_processes "$out")
	[ "$v" = 2 ] || die "ward_processes $v, expected 2 (sh, wget)"
}

# sort holds its whole input: 200 MB of it gets OOM-killed in 64 MiB; ward,
# tiny, is not the victim and counts the kill.
t_oom_kill() {
	local out v
	out=$(in_ctr 'head -c 200000000 /dev/zero | tr "\0" x | sort >/dev/null;
		echo "sort: $?"; '"$SCRAPE"'; true')
	log "$out"
	[[ $out == "sort: 137"* ]] || die "sort was not killed: $out"
	out=${out#*$'\n'}
	promcheck "$out"
	v=$(sample ward_cgroup_oom_kills_total "$out")
	[ "$v" = 1 ] || die "oom kills $v, expected 1"
	v=$(sample ward_cgroup_memory_limit_bytes "$out")
	[ "$v" = "$LIMIT" ] || die "limit $v, expected $LIMIT"
}

ALL=(memory_limit oom_kill)

suite_main cgroup cgroup_ "$@"
