# lib.sh: what the container suites share, sourced by run.sh, cgroup.sh and
# docker.sh once they have set
#
#   RUN     this run's name: label value, name prefix, scratch directory
#   LABEL   the label key that marks this suite's containers
#   CTR     the client: podman, or docker.io's docker
#
# It gives them the paths and time limits, log and die, the base images
# (made once per machine in $W), podman's settings for this host kind, the
# helpers the tests use (capture, retry, expect_*, start ...) and the loop
# that runs the tests (suite_main).
# shellcheck shell=bash

WARD=${WARD:?set WARD to the static ward binary under test}
case $WARD in /*) ;; *) WARD=$PWD/$WARD ;; esac
# shellcheck disable=SC2034 # REPO and BUILD_TMO serve the suites
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
W=${WARD_CTR_DIR:-/tmp/ward-ctr} # shared by the suites: base images, caches
T=$W/$RUN                        # this run's scratch directories
TMO=${WARD_CTR_TIMEOUT:-120}     # hang-catcher for one command, seconds
# shellcheck disable=SC2034
BUILD_TMO=${WARD_CTR_BUILD_TIMEOUT:-1200} # an uncached image build

log() { printf '%s\n' "$*" >&2; }
die() {
	log "FAILED: $*"
	exit 1
}

# ---- set-up -------------------------------------------------------------------

# setup_common CMD...: the commands are there, we are root, WARD runs; the
# scratch directories exist.
setup_common() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || die "$c is missing (tests/deps.sh)"
	done
	[ "$(id -u)" = 0 ] || die "run as root"
	[ -x "$WARD" ] || die "WARD=$WARD is not an executable"
	mkdir -p "$W" "$T"
	chmod 755 "$T"
}

# podman on this host kind: crun 1.8 refuses its hybrid cgroups, so runc;
# podman's default rlimits exceed the hard limits here, without
# CAP_SYS_RESOURCE. Written to $CONTAINERS_CONF, which the caller exports.
write_podman_conf() {
	cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
}

# The base images: made once per machine and kept in $W, under
# $W/images.lock, so suites that run at the same time build each image
# once and never import a half-written one.
#
#   images_busybox_root   $W/rootfs: a busybox-static root (busybox:latest,
#                         and the root of run.sh's runc bundles)
#   images_debian_tar     $W/debian.tar: debian:bookworm-slim made with
#                         debootstrap from the configured mirror (~35 s once)
images_busybox_root() {
	local r=$W/rootfs a
	mkdir -p "$W"
	(
		flock 9
		if [ ! -x "$r/bin/busybox" ]; then
			rm -rf "$r"
			mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,out}
			cp /bin/busybox "$r/bin/busybox"
			for a in $("$r/bin/busybox" --list); do
				[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
			done
			printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n' >"$r/etc/passwd"
			printf 'root:x:0:\nuser:x:1000:\n' >"$r/etc/group"
			chmod 1777 "$r/tmp"
		fi
		mkdir -p "$r/out" # mount point of the runc bundles' host directory
	) 9>"$W/images.lock"
}

images_debian_tar() {
	local d=$W/debian mirror
	mkdir -p "$W"
	(
		flock 9
		[ -s "$W/debian.tar" ] && exit 0
		mirror=$(awk '/^URIs:/ { print $2; exit }' \
			/etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
		rm -rf "$d"
		debootstrap --variant=minbase bookworm "$d" \
			"${mirror:-http://deb.debian.org/debian}" >"$W/debootstrap.log"
		rm -rf "$d/var/cache/apt/archives/"*.deb "$d/var/cache/apt/"*.bin \
			"$d/var/lib/apt/lists/"*
		tar -C "$d" -c . >"$W/debian.tar.part"
		mv "$W/debian.tar.part" "$W/debian.tar"
		rm -rf "$d"
	) 9>"$W/images.lock"
}

# import_busybox IMAGE, import_debian IMAGE: the base images in $CTR's
# store under the name IMAGE, imported once.
import_busybox() {
	images_busybox_root
	"$CTR" image inspect "$1" >/dev/null 2>&1 ||
		tar -C "$W/rootfs" -c . | "$CTR" import - "$1" >/dev/null
}

import_debian() {
	"$CTR" image inspect "$1" >/dev/null 2>&1 && return 0
	images_debian_tar
	"$CTR" import --change 'CMD ["bash"]' - "$1" <"$W/debian.tar" >/dev/null
}

# Remove every container of this run (by label), at once.
remove_containers() {
	local kill=()
	[ "$CTR" != podman ] || kill=(-t 0)
	"$CTR" ps -aq --filter "label=$LABEL=$RUN" 2>/dev/null |
		xargs -r "$CTR" rm -f "${kill[@]}" >/dev/null 2>&1
}

# ---- helpers for the tests ------------------------------------------------------

# $CTR run, labelled so that cleanup finds it.
ctr_run() { timeout "$TMO" "$CTR" run --label "$LABEL=$RUN" "$@"; }

# start NAME ARGS...: run -d --name NAME ARGS (labelled, quiet).
start() {
	local name=$1
	shift
	ctr_run -d --name "$name" "$@" >/dev/null
}

exit_code() { timeout "$TMO" "$CTR" inspect -f '{{.State.ExitCode}}' "$1"; }

# Wait for container $1 to exit (hang-catcher), then check its status.
expect_exit() {
	local rc
	rc=$(timeout "$TMO" "$CTR" wait "$1") || die "$CTR wait $1 timed out"
	[ "$rc" = "$2" ] || die "container $1 exited $rc, expected $2: $("$CTR" logs "$1" 2>&1)"
}

# A fresh scratch directory for one test, writable by any uid.
tdir() {
	local d
	d=$(mktemp -d "$T/$1.XXXX")
	chmod 777 "$d"
	printf '%s\n' "$d"
}

# Retry "$@" until it succeeds or $1 seconds pass.
retry() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# Run a command, record its stdout, stderr and exit status in OUT ERR RC.
capture() {
	local o e
	o=$(mktemp "$T/out.XXXX")
	e=$(mktemp "$T/err.XXXX")
	RC=0
	"$@" >"$o" 2>"$e" || RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
	rm -f "$o" "$e"
	log "\$ $* -> rc=$RC"
	[ -z "$OUT" ] || log "stdout: $OUT"
	[ -z "$ERR" ] || log "stderr: $ERR"
}

expect_rc() { [ "$RC" = "$1" ] || die "exit status $RC, expected $1"; }
expect_out() { [ "$OUT" = "$1" ] || die "stdout '$OUT', expected '$1'"; }

# ---- the loop -----------------------------------------------------------------

# suite_main NAME PREFIX [TEST...]: set up (the suite's setup), run each
# test t_TEST (the suite's ALL when none is named) in a subshell with its
# log in $T, print one ok/FAIL line each (the test's name after PREFIX),
# then "N passed, N failed"; the suite's cleanup runs on exit.
suite_main() {
	local name=$1 prefix=$2 t t1 rc pass=0 fail=0 t0=$SECONDS
	shift 2
	local tests=("$@")
	[ ${#tests[@]} -gt 0 ] || tests=("${ALL[@]}")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	setup
	log "$name: set-up done in $((SECONDS - t0)) s (ward: $WARD)"
	for t in "${tests[@]}"; do
		declare -F "t_$t" >/dev/null || die "no such test: $t"
		rc=0
		t1=$SECONDS
		(set -euo pipefail; "t_$t") >"$T/$t.log" 2>&1 &
		wait $! || rc=$?
		if [ "$rc" = 0 ]; then
			echo "ok   $prefix$t ($((SECONDS - t1)) s)"
			pass=$((pass + 1))
		else
			echo "FAIL $prefix$t"
			tail -n 25 "$T/$t.log" | sed 's/^/     /'
			fail=$((fail + 1))
		fi
	done
	echo "$name: took $((SECONDS - t0)) s"
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}
