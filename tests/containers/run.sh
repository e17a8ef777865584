#!/usr/bin/env bash
# run.sh: ward in real OCI containers, no Docker engine needed: podman with
# --init-path, ward as ENTRYPOINT with its start-up checks, podman stop,
# HEALTHCHECK with ward --check, a bare runc bundle, Dockerfile.example and
# the FROM-scratch image.
#
#   WARD=/abs/path/to/ward tests/containers/run.sh [TEST...]
#
# Runs as root on Debian 12 with runc, podman, busybox-static, jq and
# debootstrap installed (tests/deps.sh). Base images are made locally and
# cached in podman's store: busybox from busybox-static, debian:bookworm-slim
# with debootstrap from the configured mirror. Every container it starts is
# removed on exit. Prints one ok/FAIL line per test, then "N passed, N failed".
#
# Container commands are single-quoted on purpose: the container's sh expands.
# shellcheck disable=SC2016
set -euo pipefail

RUN=ward-ctr-$$ # label value and name prefix of this run
LABEL=ward-ctr-run
CTR=podman
# shellcheck source=tests/containers/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BB=docker.io/library/busybox:latest
DEB=docker.io/library/debian:bookworm-slim
EXAMPLE=localhost/ward-example:test
SCRATCH=localhost/ward-scratch:test
export CONTAINERS_CONF=$W/containers.conf

setup() {
	setup_common podman runc jq debootstrap busybox timeout unshare
	write_podman_conf
	import_busybox "$BB"
	import_debian "$DEB"
}

# Remove every container this run started (by label), runc's by name.
cleanup() {
	local id
	set +e
	remove_containers
	for id in $(runc list -q 2>/dev/null | grep "^$RUN-"); do
		runc delete -f "$id" >/dev/null 2>&1
	done
	rm -rf "$T"
}

# ---- helpers for the tests ------------------------------------------------

# The "ward: " lines on stderr are exactly $@ (podman adds none of its own).
expect_ward_lines() {
	local want
	want=$(printf 'ward: %s\n' "$@")
	[ "$(grep '^ward: ' <<<"$ERR" || true)" = "$want" ] ||
		die "ward said '$ERR', expected '$want'"
}
expect_no_marker() { [ ! -e "$1" ] || die "the child ran: $1 exists"; }

# ward as ENTRYPOINT (bind-mounted at /sbin/ward, as images copy it).
ep() { ctr_run --rm -v "$WARD:/sbin/ward:ro" --entrypoint /sbin/ward "$@"; }
# ward as podman's --init (at /run/podman-init).
ini() { ctr_run --rm --init --init-path "$WARD" "$@"; }

# ---- podman --init --init-path --------------------------------------------

t_init_exit_codes() {
	local c
	capture ini "$BB" sh -c \
		'test $PPID = 1 || exit 99; tr "\0" " " </proc/1/cmdline; exit 3'
	expect_rc 3
	[[ $OUT == "/run/podman-init -- sh -c "* ]] || die "PID 1 is '$OUT'"
	for c in 0 1 126 255; do
		capture ini "$BB" sh -c "exit $c"
		expect_rc "$c"
	done
	capture ini "$BB" sh -c 'kill -KILL $$'
	expect_rc 137
	capture ini "$BB" /nonexistent/program
	expect_rc 127
}

t_init_signals() {
	local d s n=$RUN-sig
	d=$(tdir sig)
	start "$n" -v "$d:/out" --init --init-path "$WARD" "$BB" sh -c '
		for s in USR1 USR2 HUP WINCH CONT; do trap "echo $s >>/out/got" $s; done
		trap "echo TERM >>/out/got; exit 0" TERM
		touch /out/ready
		while :; do sleep 0.1; done'
	retry "$TMO" test -e "$d/ready" || die "child never became ready"
	for s in USR1 USR2 HUP WINCH CONT; do
		podman kill -s "$s" "$n" >/dev/null
		retry 30 grep -qx "$s" "$d/got" || die "SIG$s never reached the child"
	done
	podman kill -s TERM "$n" >/dev/null
	expect_exit "$n" 0
	grep -qx TERM "$d/got" || die "SIGTERM never reached the child"
	# A child with no handler dies of the forwarded signal: 128+15.
	start "$n-plain" -v "$d:/out" --init --init-path "$WARD" "$BB" \
		sh -c 'touch /out/plain; exec sleep 600'
	retry "$TMO" test -e "$d/plain" || die "child never started"
	podman kill -s TERM "$n-plain" >/dev/null
	expect_exit "$n-plain" 143
}

# 200 orphans are reparented to ward; none may stay a zombie.
t_init_reaping() {
	capture ini "$BB" sh -c '
		i=0
		while [ $i -lt 200 ]; do sh -c "sleep 0.1 & exit 0"; i=$((i + 1)); done
		n=0
		while :; do
			z=$(cat /proc/[0-9]*/stat 2>/dev/null | awk "\$3 == \"Z\"" | wc -l)
			s=$(cat /proc/[0-9]*/stat 2>/dev/null | grep -c "(sleep)")
			[ "$z" = 0 ] && [ "$s" = 0 ] && { echo reaped; exit 0; }
			n=$((n + 1))
			[ $n -lt 300 ] || { echo "zombies=$z sleeps=$s"; exit 1; }
			sleep 0.1
		done'
	expect_rc 0
	expect_out reaped
}

# ---- ENTRYPOINT with --require-readonly-root --require-tmpfs ---------------

CHECKS=(--require-readonly-root --require-tmpfs /tmp)

t_checks_readonly_tmpfs_start() {
	capture ep --read-only --tmpfs /tmp "$BB" "${CHECKS[@]}" -- \
		sh -c 'test $PPID = 1 && ! touch /x 2>/dev/null && touch /tmp/y && echo started'
	expect_rc 0
	expect_out started
}

t_checks_writable_root_78() {
	local d
	d=$(tdir rw)
	capture ep --tmpfs /tmp -v "$d:/out" "$BB" "${CHECKS[@]}" -- \
		touch /out/marker
	expect_rc 78
	expect_ward_lines "/ is writable, expected read-only"
	expect_no_marker "$d/marker"
}

t_checks_no_tmpfs_78() {
	local d
	d=$(tdir notmpfs)
	capture ep --read-only --read-only-tmpfs=false -v "$d:/out" "$BB" \
		"${CHECKS[@]}" -- touch /out/marker
	expect_rc 78
	grep -Eqx 'ward: /tmp is [a-z0-9]+, expected tmpfs; is not writable by uid 0: Read-only file system' <<<"$ERR" ||
		die "unexpected message: $ERR"
	[ "$(grep -c '^ward: ' <<<"$ERR")" = 1 ] || die "more than one line"
	expect_no_marker "$d/marker"
}

t_checks_small_tmpfs_78() {
	local d
	d=$(tdir small)
	capture ep --read-only --tmpfs /tmp:size=1m -v "$d:/out" "$BB" \
		--require-readonly-root --require-tmpfs /tmp:64M -- touch /out/marker
	expect_rc 78
	expect_ward_lines "/tmp is 1.0 MiB, expected at least 64.0 MiB"
	expect_no_marker "$d/marker"
}

t_checks_user_1000() {
	capture ep --user 1000 --read-only --tmpfs /tmp "$BB" \
		--require-readonly-root --require-tmpfs /tmp:64M --require-writable /tmp -- id -u
	expect_rc 0
	expect_out 1000
	# podman copies the image's /tmp mode (1777) onto a tmpfs /tmp, so a
	# root-owned 0755 tmpfs has to live elsewhere.
	capture ep --user 1000 --read-only --tmpfs /tmp --tmpfs /scratch:mode=0755 \
		"$BB" "${CHECKS[@]}" --require-tmpfs /scratch -- id -u
	expect_rc 78
	expect_ward_lines "/scratch is not writable by uid 1000: Permission denied"
}

t_checks_env_init_path() {
	local d env=(-e WARD_REQUIRE_READONLY_ROOT=1 -e WARD_REQUIRE_TMPFS=/tmp:64M)
	d=$(tdir env)
	capture ini --read-only --tmpfs /tmp "${env[@]}" "$BB" echo started
	expect_rc 0
	expect_out started
	capture ini --tmpfs /tmp -v "$d:/out" "${env[@]}" "$BB" touch /out/marker
	expect_rc 78
	expect_ward_lines "/ is writable, expected read-only"
	expect_no_marker "$d/marker"
	capture ini --read-only --tmpfs /tmp:size=1m -v "$d:/out" "${env[@]}" \
		-e WARD_REQUIRE_WRITABLE=/out,/data "$BB" touch /out/marker
	expect_rc 78
	expect_ward_lines "/tmp is 1.0 MiB, expected at least 64.0 MiB" \
		"/data does not exist"
	expect_no_marker "$d/marker"
}

# ---- podman stop: the whole tree gets its grace period ---------------------

# The child (sh) dies of SIGTERM at once; its child needs 1 s to flush.
FLUSHER='sh -c "trap \"sleep 1; echo flushed >/out/flushed; exit 0\" TERM
	touch /out/ready; while :; do sleep 0.1; done" & wait'

stop_with_init() {
	local d=$1 n=$2 init=$3
	start "$n" -v "$d:/out" --init --init-path "$init" "$BB" sh -c "$FLUSHER"
	retry "$TMO" test -e "$d/ready" || die "grandchild never became ready"
	timeout "$TMO" podman stop -t 10 "$n" >/dev/null
}

t_stop_grandchild_flushes() {
	local d n=$RUN-stop
	d=$(tdir stop)
	stop_with_init "$d" "$n" "$WARD"
	[ "$(cat "$d/flushed" 2>/dev/null)" = flushed ] ||
		die "the grandchild was killed before its flush"
	[ "$(exit_code "$n")" = 143 ] || die "exit $(exit_code "$n"), expected 143"
}

# Control: catatonit exits with its child and the kernel kills the rest, so
# the test above can tell an init that waits for the tree from one that does
# not.
t_stop_control_catatonit_loses_flush() {
	local d n=$RUN-stopc
	d=$(tdir stopc)
	stop_with_init "$d" "$n" /usr/bin/catatonit
	sleep 2 # the grandchild would have flushed by now, had it lived
	[ ! -e "$d/flushed" ] || die "catatonit let the grandchild flush"
}

# ---- HEALTHCHECK with ward --check against busybox httpd (no curl) ---------

# Start busybox httpd with a health check of ward --check http://...$2.
httpd() {
	local n=$1 path=$2 www=$3
	start "$n" -v "$www:/www:ro" -v "$WARD:/sbin/ward:ro" --health-retries 1 \
		--health-cmd "[\"/sbin/ward\",\"--check\",\"http://127.0.0.1:8080$path\"]" \
		"$BB" httpd -f -p 127.0.0.1:8080 -h /www
}

healthy() { timeout "$TMO" podman healthcheck run "$1" >/dev/null 2>&1; }

t_healthcheck() {
	local d n=$RUN-hc
	d=$(tdir hc)
	echo hello >"$d/index.html"
	httpd "$n-ok" /index.html "$d"
	retry "$TMO" podman healthcheck run "$n-ok" >/dev/null ||
		die "never healthy: $(podman healthcheck run "$n-ok" 2>&1)"
	httpd "$n-404" /missing "$d"
	retry "$TMO" podman exec "$n-404" /sbin/ward --check \
		http://127.0.0.1:8080/index.html >/dev/null || die "httpd never up"
	capture timeout "$TMO" podman healthcheck run "$n-404"
	[ "$RC" != 0 ] || die "healthy on a 404"
	[ "$OUT" = unhealthy ] || die "podman said '$OUT', expected unhealthy"
	capture podman exec "$n-404" /sbin/ward --check http://127.0.0.1:8080/missing
	expect_rc 1
	expect_out "fail: HTTP 404"
	capture podman exec "$n-ok" /sbin/ward --check http://127.0.0.1:8080/index.html
	expect_rc 0
	[[ $OUT == "ok: HTTP 200 in "*" ms" ]] || die "stdout '$OUT'"
}

# ---- runc: a bare bundle, ward as PID 1, read-only root, tmpfs /tmp --------

# bundle DIR ARGS...: a bundle in DIR running ARGS with ward at /sbin/ward,
# the busybox rootfs read-only, a 64m tmpfs /tmp and DIR/out at /out.
bundle() {
	local b=$1
	shift
	mkdir -p "$b/out"
	chmod 777 "$b/out"
	(cd "$b" && runc spec)
	jq --arg r "$W/rootfs" --arg i "$WARD" --arg o "$b/out" --args '
		.root = {path: $r, readonly: true} | .process.terminal = false
		| .process.args = $ARGS.positional
		| .mounts = ([.mounts[] | select(.destination != "/tmp")]
		  + [{destination: "/tmp", type: "tmpfs", source: "tmpfs",
		      options: ["nosuid", "nodev", "mode=1777", "size=64m"]},
		     {destination: "/sbin/ward", type: "bind", source: $i,
		      options: ["bind", "ro"]},
		     {destination: "/out", type: "bind", source: $o,
		      options: ["bind", "rw"]}])' \
		-- "$@" <"$b/config.json" >"$b/c.json"
	mv "$b/c.json" "$b/config.json"
}

# Run a bundle until its child is ready, send SIGTERM, expect status $3.
runc_term() {
	local b=$1 id=$2 want=$3 pid rc=0
	timeout "$TMO" runc run -b "$b" "$id" </dev/null >"$b/log" 2>&1 &
	pid=$!
	retry "$TMO" test -e "$b/out/ready" || die "never ready: $(cat "$b/log")"
	runc kill "$id" TERM
	wait "$pid" || rc=$?
	[ "$rc" = "$want" ] || die "runc exit $rc, expected $want: $(cat "$b/log")"
}

t_runc_bundle() {
	local d b rc=0
	d=$(tdir runc)
	b=$d/exit
	bundle "$b" /sbin/ward --require-readonly-root --require-tmpfs /tmp:64M -- \
		sh -c 'test $PPID = 1 && ! touch /x 2>/dev/null && touch /tmp/y && exit 7'
	timeout "$TMO" runc run -b "$b" "$RUN-exit" </dev/null >"$b/log" 2>&1 || rc=$?
	[ "$rc" = 7 ] || die "runc exit $rc, expected 7: $(cat "$b/log")"
	bundle "$d/term" /sbin/ward "${CHECKS[@]}" -- \
		sh -c 'touch /out/ready; exec sleep 600'
	runc_term "$d/term" "$RUN-term" 143
	bundle "$d/trap" /sbin/ward "${CHECKS[@]}" -- \
		sh -c 'trap "exit 0" TERM; touch /out/ready; while :; do sleep 0.1; done'
	runc_term "$d/trap" "$RUN-trap" 0
	b=$d/small
	bundle "$b" /sbin/ward --require-tmpfs /tmp:128M -- touch /out/marker
	rc=0
	timeout "$TMO" runc run -b "$b" "$RUN-small" </dev/null >"$b/log" 2>&1 || rc=$?
	[ "$rc" = 78 ] || die "runc exit $rc, expected 78: $(cat "$b/log")"
	grep -qx 'ward: /tmp is 64.0 MiB, expected at least 128.0 MiB' "$b/log" ||
		die "unexpected: $(cat "$b/log")"
	expect_no_marker "$b/out/marker"
}

# ---- Dockerfile.example -----------------------------------------------------

t_dockerfile_example() {
	local n=$RUN-example uid
	capture timeout "$BUILD_TMO" podman build -q --pull=never --format docker \
		-f "$REPO/Dockerfile.example" -t "$EXAMPLE" "$REPO"
	expect_rc 0
	start "$n" --read-only --tmpfs /tmp "$EXAMPLE"
	for _ in $(seq 60); do
		healthy "$n" && break
		[ "$(podman inspect -f '{{.State.Running}}' "$n")" = true ] ||
			die "exited: $(podman logs "$n" 2>&1)"
		sleep 1
	done
	healthy "$n" || die "never healthy: $(podman logs "$n" 2>&1)"
	uid=$(podman exec "$n" awk '/^Uid:/ { print $2 }' /proc/1/status)
	[ "$uid" = 10001 ] || die "PID 1 runs as uid '$uid', expected 10001"
	[ "$(podman exec "$n" id -u)" = 10001 ] || die "exec runs as root"
	capture podman exec "$n" sh -c 'tr "\0" " " </proc/1/cmdline'
	[[ $OUT == "/sbin/ward "* ]] || die "PID 1 is '$OUT'"
	capture podman exec "$n" /sbin/ward --check http://127.0.0.1:8080/healthz
	expect_rc 0
	timeout "$TMO" podman stop -t 10 "$n" >/dev/null
	[ "$(exit_code "$n")" = 0 ] || die "exit $(exit_code "$n"), expected 0: $(podman logs "$n" 2>&1)"
	podman logs "$n" 2>&1 | grep -q 'app: stopped' || die "no graceful stop"
}

# ---- packaging/docker/Dockerfile (FROM scratch, only /ward) ----------------

t_scratch_image() {
	local d n=$RUN-scr
	capture timeout "$BUILD_TMO" podman build -q --pull=never --format docker \
		-f "$REPO/packaging/docker/Dockerfile" -t "$SCRATCH" "$REPO"
	expect_rc 0
	capture podman image inspect -f '{{len .RootFS.Layers}}' "$SCRATCH"
	expect_out 1
	capture ctr_run --rm "$SCRATCH" --version
	expect_rc 0
	[[ $OUT == "ward version "* ]] || die "stdout '$OUT'"
	d=$(tdir scr)
	echo hello >"$d/index.html"
	httpd "$n-httpd" /index.html "$d"
	retry "$TMO" podman exec "$n-httpd" /sbin/ward --check \
		http://127.0.0.1:8080/index.html >/dev/null || die "httpd never up"
	capture ctr_run --rm --network "container:$n-httpd" "$SCRATCH" \
		--check http://127.0.0.1:8080/index.html
	expect_rc 0
	[[ $OUT == "ok: HTTP 200 in "*" ms" ]] || die "stdout '$OUT'"
	capture ctr_run --rm --network "container:$n-httpd" "$SCRATCH" \
		--check http://127.0.0.1:8081/
	expect_rc 1
	[[ $OUT == "fail: connection refused"* ]] || die "stdout '$OUT'"
}

ALL=(init_exit_codes init_signals init_reaping
	checks_readonly_tmpfs_start checks_writable_root_78 checks_no_tmpfs_78
	checks_small_tmpfs_78 checks_user_1000 checks_env_init_path
	stop_grandchild_flushes stop_control_catatonit_loses_flush
	healthcheck runc_bundle dockerfile_example scratch_image)

suite_main containers "" "$@"
