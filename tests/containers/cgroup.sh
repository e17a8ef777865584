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

WARD=${WARD:?set WARD to the static ward binary under test}
case $WARD in /*) ;; *) WARD=$PWD/$WARD ;; esac
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
W=${WARD_CTR_DIR:-/tmp/ward-ctr} # shared with run.sh: the busybox root
RUN=ward-cgroup-$$               # label value of this run's containers
T=$W/$RUN                        # this run's scratch directory
TMO=${WARD_CTR_TIMEOUT:-120}     # hang-catcher for one command, seconds
BB=docker.io/library/busybox:latest
LIMIT=67108864 # --memory 64m
export CONTAINERS_CONF=$T/containers.conf
# shellcheck source=tests/containers/images.sh
. "$REPO/tests/containers/images.sh"

log() { printf '%s\n' "$*" >&2; }
die() {
	log "FAILED: $*"
	exit 1
}

setup() {
	local c
	for c in podman runc busybox promtool timeout; do
		command -v "$c" >/dev/null || die "$c is missing (tests/deps.sh)"
	done
	[ "$(id -u)" = 0 ] || die "run as root"
	[ -x "$WARD" ] || die "WARD=$WARD is not an executable"
	mkdir -p "$T"
	# As run.sh: runc (crun 1.8 refuses this host's hybrid cgroups),
	# cgroupfs, rlimits within the hard limits.
	cat >"$CONTAINERS_CONF" <<EOC
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOC
	images_busybox_root
	podman image exists "$BB" ||
		tar -C "$W/rootfs" -c . | podman import -q - "$BB" >/dev/null
}

cleanup() {
	local ids
	set +e
	ids=$(podman ps -aq --filter "label=ward-cgroup-run=$RUN" 2>/dev/null)
	# shellcheck disable=SC2086
	[ -n "$ids" ] && podman rm -f -t 0 $ids >/dev/null 2>&1
	rm -rf "$T"
}

# ward as podman's init in a 64 MiB container; the command runs under it
# and scrapes ward's /metrics itself (WARD_LISTEN: podman calls the init as
# `INIT -- cmd`, so the environment configures it).
in_ctr() {
	timeout "$TMO" podman run --rm --label "ward-cgroup-run=$RUN" \
		--memory 64m --init --init-path "$WARD" \
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

main() {
	local t rc pass=0 fail=0 t0=$SECONDS tests=("$@")
	[ ${#tests[@]} -gt 0 ] || tests=("${ALL[@]}")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	setup
	for t in "${tests[@]}"; do
		declare -F "t_$t" >/dev/null || die "no such test: $t"
		rc=0
		(set -euo pipefail; "t_$t") >"$T/$t.log" 2>&1 &
		wait $! || rc=$?
		if [ "$rc" = 0 ]; then
			echo "ok   cgroup_$t"
			pass=$((pass + 1))
		else
			echo "FAIL cgroup_$t"
			tail -n 25 "$T/$t.log" | sed 's/^/     /'
			fail=$((fail + 1))
		fi
	done
	echo "cgroup: took $((SECONDS - t0)) s"
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}

main "$@"
