#!/usr/bin/env bash
# docker.sh: ward under a real Docker engine (Debian's docker.io), as
# dockerd's init (the README's daemon.json) and as ENTRYPOINT: docker info,
# exit codes, WARD_* variables, docker stop after idling, HEALTHCHECK with
# ward --check (also in the FROM-scratch image), Dockerfile.example,
# docker run -it job control, --restart on-failure, docker-compose.
#
#   WARD=/abs/path/to/ward tests/containers/docker.sh [TEST...]
#
# Runs as root on Debian 12 with docker.io, docker-compose, busybox-static,
# debootstrap, curl and python3 installed (tests/deps.sh). It starts a
# dockerd of its own and never talks to one it finds running: its own
# socket, --exec-root, --pidfile, bridge and address pool, and a
# --config-file holding the README's daemon.json, word for word. That file
# names /usr/libexec/ward/docker-init, so dockerd runs in a mount namespace
# of its own where /usr carries ward as the packages install it (an overlay:
# the host's /usr is not touched). The data root ($W/docker) is kept between
# runs as a cache of images; one run uses it at a time. The daemon is
# stopped on exit. Prints one ok/FAIL line per test, then "N passed,
# N failed".
#
# Container commands are single-quoted on purpose: the container's sh expands.
# shellcheck disable=SC2016
set -euo pipefail

RUN=ward-dk-$$ # label value and name prefix of this run
LABEL=ward-dk-run
DOCKER=/usr/bin/docker # docker.io's client, the daemon's version
CTR=$DOCKER
# shellcheck source=tests/containers/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
VERSION=$(cat "$REPO/VERSION")
DATA=$W/docker                   # dockerd's --data-root (image cache)
BR=wardbr0                       # dockerd's bridge (one run at a time)
NET=10.231.0                     # its subnet; compose networks: 10.232/16
BB=busybox:latest
DEB=debian:bookworm-slim
SCRATCH=localhost/ward:$VERSION # the README's name for the scratch image
EXAMPLE=localhost/ward-example:test
export DOCKER_HOST=unix://$T/docker.sock

# ---- the private dockerd ----------------------------------------------------

# The README's daemon.json: the one line under "Docker" that holds
# "init-path", without its indentation.
readme_daemon_json() {
	grep -m1 -E '^    \{ "init-path": ' "$REPO/README.md" | sed 's/^    //'
}

# The init-path the README's daemon.json names.
readme_init_path() {
	readme_daemon_json | sed -E 's/.*"init-path": *"([^"]*)".*/\1/'
}

# dockerd_ns ARGS... &: dockerd ARGS in a mount namespace of its own, where
# /usr carries $T/root/usr (ward as the packages install it) over the
# host's. A containerd already running at /run/containerd would be shared
# (dockerd uses it when it finds its socket): hide it, so dockerd starts
# one of its own under --exec-root. It execs: run it in the background
# only ($! is then dockerd's pid).
dockerd_ns() {
	exec unshare -m --propagation private sh -c '
		mount -t overlay overlay -o "lowerdir=$1/usr:/usr" /usr &&
		{ [ ! -d /run/containerd ] ||
			mount -t tmpfs tmpfs /run/containerd; } &&
		shift && exec "$@"' sh "$T/root" /usr/sbin/dockerd "$@"
}

# stop_pid PID: TERM, up to 30 s to exit, then KILL.
stop_pid() {
	local i
	kill "$1" 2>/dev/null || true
	for i in $(seq 300); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
}

start_dockerd() {
	local root=$T/root i
	readme_daemon_json >"$T/daemon.json"
	[ -s "$T/daemon.json" ] || die "no daemon.json in README.md"
	log "daemon.json (from README.md): $(cat "$T/daemon.json")"
	# ward installed as the packages install it (tests/packaging checks
	# that the .deb, the .rpm, the APKBUILD and make install do this).
	mkdir -p "$root/usr/bin" "$root/usr/libexec/ward"
	cp "$WARD" "$root/usr/bin/ward"
	ln -s ../../bin/ward "$root/usr/libexec/ward/docker-init"
	[ -x "$root$(readme_init_path)" ] ||
		die "README's init-path $(readme_init_path) is not what the packages install"
	ip link del "$BR" 2>/dev/null || true
	ip link add "$BR" type bridge
	ip addr add "$NET.1/24" dev "$BR"
	ip link set "$BR" up
	mkdir -p "$DATA"
	dockerd_ns --config-file "$T/daemon.json" \
		-H "$DOCKER_HOST" --data-root "$DATA" --exec-root "$T/x" \
		--pidfile "$T/docker.pid" --iptables=false --ip6tables=false \
		--bridge "$BR" --default-address-pool base=10.232.0.0/16,size=24 \
		>"$T/dockerd.log" 2>&1 8>&- &
	DOCKERD=$!
	for i in $(seq 300); do
		$DOCKER version >/dev/null 2>&1 && break
		kill -0 "$DOCKERD" 2>/dev/null || break
		sleep 0.1
	done
	$DOCKER version >/dev/null 2>&1 ||
		die "dockerd did not start: $(tail -20 "$T/dockerd.log")"
	log "dockerd $($DOCKER version -f '{{.Server.Version}}') up after $i tries"
}

stop_dockerd() {
	[ -n "${DOCKERD:-}" ] || return 0
	stop_pid "$DOCKERD"
	wait "$DOCKERD" 2>/dev/null || true
	DOCKERD=
	ip link del "$BR" 2>/dev/null || true
}

# Before anything else: docker info shows ward's version with the README's
# init-path, and dockerd has logged no parse warning.
check_info() {
	local want="ward-${VERSION//./_}" got
	got=$($DOCKER info -f '{{.InitBinary}} {{.InitCommit.ID}}')
	[ "$got" = "$(readme_init_path) $want" ] ||
		die "docker info: init '$got', expected '$(readme_init_path) $want'"
	got=$($DOCKER info 2>/dev/null)
	grep -qx " init version: $want" <<<"$got" ||
		die "docker info does not say 'init version: $want'"
	! grep -E 'failed to (parse|retrieve).*version' "$T/dockerd.log" ||
		die "dockerd warned about the init's version"
}

setup() {
	setup_common dockerd docker-compose busybox debootstrap curl unshare ip \
		flock timeout
	# One run at a time on this machine owns the bridge, the pool and
	# its data root.
	exec 8>/run/ward-docker-suite.lock
	flock -w "$BUILD_TMO" 8 || die "another docker.sh run holds /run/ward-docker-suite.lock"
	start_dockerd
	check_info
	# Containers and networks a killed run may have left in the data root.
	$DOCKER ps -aq | xargs -r $DOCKER rm -f >/dev/null 2>&1 || true
	$DOCKER network prune -f >/dev/null 2>&1 || true
	import_busybox "$BB"
	import_debian "$DEB"
}

cleanup() {
	set +e
	remove_containers
	stop_dockerd2
	stop_dockerd
	rm -rf "$T"
}

# ---- helpers for the tests --------------------------------------------------

dk() { timeout "$TMO" "$DOCKER" "$@"; }

expect_err_line() {
	grep -qxF -- "$1" <<<"$ERR" || die "stderr lacks '$1': $ERR"
}

inspect() { dk inspect -f "$2" "$1"; }
health() { inspect "$1" '{{.State.Health.Status}}'; }
ip_of() { inspect "$1" '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'; }
logs() { dk logs "$1" 2>&1; }

# ward as ENTRYPOINT, bind-mounted at /sbin/ward as images copy it.
EP=(-v "$WARD:/sbin/ward:ro" --entrypoint /sbin/ward)

# curl URL: the body, failing on a status >= 400 (curl is the host's).
get() { curl -fsS --max-time 5 "$1"; }
# code URL: the HTTP status, 000 when nothing answered.
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true; }

# Wait until container $1's health is $2 (Docker runs the checks itself).
wait_health() {
	local end=$((SECONDS + ${3:-$TMO})) h
	while :; do
		h=$(health "$1")
		[ "$h" = "$2" ] && return 0
		[ "$(inspect "$1" '{{.State.Running}}')" = true ] ||
			die "$1 exited while waiting for $2: $(logs "$1")"
		[ "$SECONDS" -lt "$end" ] ||
			die "$1 is $h, never $2: $(inspect "$1" '{{json .State.Health}}')"
		sleep 0.2
	done
}

# The FROM-scratch image, built the way the README says (once per run).
build_scratch() {
	local ctx=$REPO
	[ -e "$T/scratch.built" ] && return 0
	if ! [ "$WARD" -ef "$REPO/build/musl/ward" ]; then
		ctx=$T/scratch-ctx
		mkdir -p "$ctx/build/musl"
		cp "$WARD" "$ctx/build/musl/ward"
	fi
	capture timeout "$BUILD_TMO" "$DOCKER" build -q \
		-f "$REPO/packaging/docker/Dockerfile" -t "$SCRATCH" "$ctx"
	expect_rc 0
	touch "$T/scratch.built"
}

# ---- docker info --------------------------------------------------------------

t_info() {
	capture dk info
	expect_rc 0
	grep -qx " Init Binary: $(readme_init_path)" <<<"$OUT" || die "Init Binary"
	grep -qx " init version: ward-${VERSION//./_}" <<<"$OUT" || die "init version"
	capture dk run --rm --init "$BB" sh -c 'tr "\0" " " </proc/1/cmdline'
	expect_rc 0
	[[ $OUT == "/sbin/docker-init -- sh -c "* ]] || die "PID 1 is '$OUT'"
	capture dk run --rm --init "$BB" /sbin/docker-init --version
	expect_out "tini version $VERSION - git.ward-${VERSION//./_}"
}

# With "init-path": "/usr/bin/ward", dockerd finds no tini line: a second
# short-lived dockerd of this run shows "init version: N/A" and a warning.
t_init_path_usr_bin_ward_is_na() {
	local d=$T/dk2 out
	mkdir -p "$d"
	echo '{ "init-path": "/usr/bin/ward" }' >"$d/daemon.json"
	dockerd_ns --config-file "$d/daemon.json" \
		-H "unix://$d/sock" --data-root "$d/data" --exec-root "$d/x" \
		--pidfile "$d/pid" --iptables=false --ip6tables=false \
		--bridge=none >"$d/log" 2>&1 8>&- &
	echo $! >"$T/dockerd2.pid"
	retry 60 env DOCKER_HOST="unix://$d/sock" "$DOCKER" version >/dev/null 2>&1 ||
		die "the second dockerd did not start: $(tail "$d/log")"
	out=$(DOCKER_HOST="unix://$d/sock" "$DOCKER" info 2>/dev/null)
	stop_dockerd2
	grep -qx ' Init Binary: /usr/bin/ward' <<<"$out" || die "Init Binary"
	grep -qx ' init version: N/A' <<<"$out" || die "init version is not N/A"
	grep -q 'failed to parse /usr/bin/ward version: unknown output format: ward version' \
		"$d/log" || die "no parse warning: $(cat "$d/log")"
}

stop_dockerd2() {
	[ -s "$T/dockerd2.pid" ] || return 0
	stop_pid "$(cat "$T/dockerd2.pid")"
	rm -f "$T/dockerd2.pid"
}

# ---- docker run --init: exit codes and WARD_* ----------------------------------

t_init_exit_codes() {
	local c
	for c in 0 3; do
		capture ctr_run --rm --init "$BB" sh -c "exit $c"
		expect_rc "$c"
	done
	capture ctr_run --rm --init "$BB" sh -c 'kill -TERM $$'
	expect_rc 143
	grep -Eqx 'ward: exiting with 143: child [0-9]+ killed by SIGTERM' <<<"$ERR" ||
		die "no last line: $ERR"
	capture ctr_run --rm --init "$BB" sh -c 'kill -KILL $$'
	expect_rc 137
	capture ctr_run --rm --init "$BB" /nonexistent/program
	expect_rc 127
	expect_err_line "ward: cannot exec /nonexistent/program: No such file or directory"
	capture ctr_run --rm --init "$BB" /etc/passwd
	expect_rc 126
	expect_err_line "ward: cannot exec /etc/passwd: Permission denied"
}

t_init_ward_env() {
	local n=$RUN-env ip
	capture ctr_run --rm --init -e WARD_REMAP_EXIT=3,143 "$BB" sh -c 'exit 3'
	expect_rc 0
	capture ctr_run --rm --init -e WARD_REQUIRE_READONLY_ROOT=1 \
		-e WARD_REQUIRE_TMPFS=/tmp:16M "$BB" echo started
	expect_rc 78
	expect_err_line "ward: / is writable, expected read-only"
	capture ctr_run --rm --init --read-only --tmpfs /tmp \
		-e WARD_REQUIRE_READONLY_ROOT=1 -e WARD_REQUIRE_TMPFS=/tmp:16M \
		"$BB" echo started
	expect_rc 0
	expect_out started
	start "$n" --init -e WARD_LISTEN=9000 -e WARD_GRACE=1s "$BB" sleep 600
	ip=$(ip_of "$n")
	retry "$TMO" get "http://$ip:9000/livez" >/dev/null || die "/livez"
	grep -q '"state": *"running"' <<<"$(get "http://$ip:9000/status")" ||
		die "/status: $(get "http://$ip:9000/status")"
	# busybox sleep as PID 1's child ignores nothing: it dies of the TERM.
	dk stop "$n" >/dev/null
	expect_exit "$n" 143
}

# ---- docker stop after an idle time longer than --grace -------------------------

# The app (sh) stops in 1 s on TERM; its child, a flusher, needs 1 s too.
APP='trap "sleep 1; echo app >/out/app; exit 0" TERM
	sh -c "trap \"sleep 1; echo flushed >/out/flushed; exit 0\" TERM
		touch /out/ready; while :; do sleep 0.1; done" &
	sleep 600 & wait'

stop_after_idle() {
	local n=$1 d=$2
	shift 2
	start "$n" -v "$d:/out" "$@" sh -c "$APP"
	retry "$TMO" test -e "$d/ready" || die "never ready: $(logs "$n")"
	sleep 3 # idle longer than --grace 2s
	dk stop "$n" >/dev/null
	expect_exit "$n" 0
	[ "$(cat "$d/app" 2>/dev/null)" = app ] || die "the app's TERM handler was cut short: $(logs "$n")"
	[ "$(cat "$d/flushed" 2>/dev/null)" = flushed ] || die "the grandchild's flush was cut short: $(logs "$n")"
}

t_stop_after_idle_init() {
	stop_after_idle "$RUN-idle-init" "$(tdir idle)" --init -e WARD_GRACE=2s "$BB"
}

t_stop_after_idle_entrypoint() {
	stop_after_idle "$RUN-idle-ep" "$(tdir idle)" "${EP[@]}" "$BB" --grace 2s --
}

# A shell trap runs a cleanup helper (2 s) while /livez is polled.
t_stop_trap_cleanup_livez() {
	local d n=$RUN-trap ip poller codes
	d=$(tdir trap)
	printf 'sleep 2\necho cleaned >/out/cleaned\n' >"$d/cleanup.sh"
	start "$n" -v "$d:/out" --init -e WARD_LISTEN=9000 -e WARD_GRACE=5s "$BB" \
		sh -c 'trap "sh /out/cleanup.sh; exit 0" TERM; touch /out/ready
			sleep 600 & wait'
	retry "$TMO" test -e "$d/ready" || die "never ready"
	ip=$(ip_of "$n")
	retry "$TMO" get "http://$ip:9000/livez" >/dev/null || die "/livez"
	(while :; do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 2 \
			"http://$ip:9000/livez" >>"$d/codes" || true
		sleep 0.05
	done) &
	poller=$!
	dk stop "$n" >/dev/null
	kill "$poller"
	wait "$poller" 2>/dev/null || true
	expect_exit "$n" 0
	[ "$(cat "$d/cleaned" 2>/dev/null)" = cleaned ] || die "the cleanup helper was killed: $(logs "$n")"
	codes=$(grep -c '^200$' "$d/codes" || true)
	[ "$codes" -ge 10 ] || die "/livez answered 200 only $codes times"
}

# --drain-delay: on docker stop /readyz turns 503 at once (and /livez stays
# 200, /status says draining); the app gets its TERM only after the delay.
t_drain_delay() {
	local d n=$RUN-drain ip t0 t stop r l s seen_503=0 seen_live=0 seen_draining=0
	d=$(tdir drain)
	start "$n" -v "$d:/out" --init --stop-timeout 20 -e WARD_LISTEN=9000 \
		-e WARD_DRAIN_DELAY=3s -e WARD_GRACE=5s "$BB" \
		sh -c 'trap "touch /out/term; exit 0" TERM; touch /out/ready
			sleep 600 & wait'
	retry "$TMO" test -e "$d/ready" || die "never ready"
	ip=$(ip_of "$n")
	retry "$TMO" get "http://$ip:9000/readyz" >/dev/null || die "/readyz never 200"
	t0=$EPOCHREALTIME
	dk stop "$n" >/dev/null &
	stop=$!
	until [ -e "$d/term" ]; do
		r=$(code "http://$ip:9000/readyz")
		l=$(code "http://$ip:9000/livez")
		s=$(curl -s --max-time 2 "http://$ip:9000/status" || true)
		# Answers that all came before the app's TERM: the delay's.
		if [ ! -e "$d/term" ] && [ "$r" = 503 ]; then
			seen_503=1
			[ "$l" != 200 ] || seen_live=1
			! grep -q '"state": *"draining"' <<<"$s" || seen_draining=1
		fi
		t=$EPOCHREALTIME
		[ "${t%.*}" -lt $((${t0%.*} + TMO)) ] || die "the app never got TERM"
		sleep 0.05
	done
	t=$EPOCHREALTIME
	wait "$stop" || die "docker stop failed"
	expect_exit "$n" 0
	[ "$seen_503" = 1 ] || die "/readyz was never 503 before the app's TERM"
	[ "$seen_live" = 1 ] || die "/livez was not 200 while draining"
	[ "$seen_draining" = 1 ] || die "/status never said draining"
	# The marker is seen after it was made: a TERM forwarded at once would
	# show up well before 2.5 s.
	awk -v a="$t0" -v b="$t" 'BEGIN { exit !(b - a >= 2.5) }' ||
		die "the app got TERM $(awk -v a="$t0" -v b="$t" 'BEGIN { print b - a }') s after docker stop, the delay is 3 s"
	dk rm -f "$n" >/dev/null
}

# docker run --memory: /metrics shows the container's cgroup memory.
t_cgroup_memory_metrics() {
	local n=$RUN-mem ip m
	start "$n" --init --memory 64m -e WARD_LISTEN=9000 "$BB" sleep 600
	ip=$(ip_of "$n")
	retry "$TMO" get "http://$ip:9000/metrics" >/dev/null || die "/metrics"
	m=$(get "http://$ip:9000/metrics")
	grep -qx 'ward_cgroup_memory_limit_bytes 67108864' <<<"$m" ||
		die "no 64 MiB limit: $(grep cgroup <<<"$m")"
	grep -Eqx 'ward_cgroup_memory_bytes [1-9][0-9]*' <<<"$m" ||
		die "no memory usage: $(grep cgroup <<<"$m")"
	grep -Eqx 'ward_cgroup_oom_kills_total [0-9]+' <<<"$m" ||
		die "no OOM kill count: $(grep cgroup <<<"$m")"
	dk rm -f "$n" >/dev/null
}

# ---- HEALTHCHECK with ward --check --------------------------------------------

# checks_ran NAME N: Docker has run N health checks of NAME.
checks_ran() { [ "$(inspect "$1" '{{len .State.Health.Log}}')" -ge "$2" ]; }

# health_cycle NAME WWW: starting (failures in the start period do not
# count), healthy once WWW/healthz exists, unhealthy when it goes, healthy
# when it is back.
health_cycle() {
	local n=$1 www=$2
	retry "$TMO" checks_ran "$n" 2 || die "no health checks ran"
	[ "$(health "$n")" = starting ] || die "not starting: $(health "$n")"
	grep -q '^fail: ' <<<"$(inspect "$n" '{{range .State.Health.Log}}{{.Output}}{{end}}')" ||
		die "the check did not say 'fail: ': $(inspect "$n" '{{json .State.Health}}')"
	echo ok >"$www/healthz"
	wait_health "$n" healthy
	rm "$www/healthz"
	wait_health "$n" unhealthy
	grep -q '^fail: HTTP 404' <<<"$(inspect "$n" '{{range .State.Health.Log}}{{.Output}}{{end}}')" || die "the check did not say 'fail: HTTP 404'"
	echo ok >"$www/healthz"
	wait_health "$n" healthy
	grep -q 'ok: HTTP 200 in' <<<"$(inspect "$n" '{{range .State.Health.Log}}{{.Output}}{{end}}')" || die "the check did not say 'ok: HTTP 200'"
}

HC=(--health-interval 1s --health-retries 1 --health-start-period 60s)

# The README's ENTRYPOINT block, built on busybox with a stand-in server.
t_healthcheck_readme_image() {
	local c=$T/readme-ctx d n=$RUN-hc
	build_scratch
	mkdir -p "$c"
	{
		echo "FROM $BB"
		echo 'COPY server /app/server'
		awk '/^\*\*Docker, as ENTRYPOINT\*\*/ { on = 1; next }
			on && /^    / { sub(/^    /, ""); print; got = 1; next }
			on && got { exit }' "$REPO/README.md"
	} >"$c/Dockerfile"
	grep -q "^COPY --from=$SCRATCH /ward /sbin/ward\$" "$c/Dockerfile" ||
		die "README's block lacks COPY --from=$SCRATCH: $(cat "$c/Dockerfile")"
	grep -q '^HEALTHCHECK CMD \["/sbin/ward", "--check", ' "$c/Dockerfile" ||
		die "no HEALTHCHECK in README's block: $(cat "$c/Dockerfile")"
	printf '#!/bin/sh\nexec httpd -f -p 127.0.0.1:8080 -h /www\n' >"$c/server"
	chmod 755 "$c/server"
	log "$(cat "$c/Dockerfile")"
	capture timeout "$BUILD_TMO" "$DOCKER" build -q -t "localhost/ward-readme:$RUN" "$c"
	expect_rc 0
	d=$(tdir hc)
	start "$n" --read-only --tmpfs /tmp --stop-timeout 15 -v "$d:/www" \
		"${HC[@]}" "localhost/ward-readme:$RUN"
	health_cycle "$n" "$d"
	[ "$(dk exec "$n" cat /proc/1/cmdline | tr '\0' ' ')" = \
		"/sbin/ward --grace 10s --require-readonly-root --require-tmpfs /tmp:64M -- /app/server " ] ||
		die "PID 1 is not the README's ENTRYPOINT"
	dk stop "$n" >/dev/null
	dk rmi -f "localhost/ward-readme:$RUN" >/dev/null
}

# A bare "ward" in COPY --from= is docker.io/library/ward: Docker goes to
# Docker Hub for it (here: no network, so the build fails saying so).
t_copy_from_bare_name_is_docker_hub() {
	local c=$T/bare-ctx
	mkdir -p "$c"
	! dk image inspect ward >/dev/null 2>&1 || die "an image 'ward' exists"
	printf 'FROM %s\nCOPY --from=ward /ward /sbin/ward\n' "$BB" >"$c/Dockerfile"
	capture timeout "$BUILD_TMO" "$DOCKER" build -q "$c"
	[ "$RC" != 0 ] || die "the build succeeded"
	grep -q 'registry-1.docker.io' <<<"$ERR" || die "not a Docker Hub lookup"
}

# packaging/docker: FROM scratch, only /ward; the health check runs there.
t_scratch_image() {
	local d n=$RUN-scr
	build_scratch
	capture dk image inspect -f '{{len .RootFS.Layers}}' "$SCRATCH"
	expect_out 1
	capture ctr_run --rm "$SCRATCH" --version
	expect_rc 0
	expect_out "ward version $VERSION"
	# HEALTHCHECK in exec form (docker run --health-cmd is always a
	# shell command): an image that adds only that line, no file.
	mkdir -p "$T/scr-ctx"
	printf 'FROM %s\nHEALTHCHECK CMD ["/ward", "--check", "http://127.0.0.1:8080/healthz"]\n' \
		"$SCRATCH" >"$T/scr-ctx/Dockerfile"
	capture dk build -q -t "localhost/ward-scratch-hc:$RUN" "$T/scr-ctx"
	expect_rc 0
	capture dk image inspect -f '{{len .RootFS.Layers}}' "localhost/ward-scratch-hc:$RUN"
	expect_out 1
	d=$(tdir scr)
	# The app comes from a volume: the image itself holds /ward alone.
	start "$n" -v /bin/busybox:/bin/busybox:ro -v "$d:/www" "${HC[@]}" \
		"localhost/ward-scratch-hc:$RUN" -- /bin/busybox httpd -f -p 127.0.0.1:8080 -h /www
	health_cycle "$n" "$d"
	capture dk exec "$n" /ward --check http://127.0.0.1:8081/
	expect_rc 1
	[[ $OUT == "fail: connection refused"* ]] || die "stdout '$OUT'"
	dk stop "$n" >/dev/null
	expect_exit "$n" 143
	dk rm -f "$n" >/dev/null
	dk rmi -f "localhost/ward-scratch-hc:$RUN" >/dev/null
}

# ---- Dockerfile.example, run as the README says --------------------------------

t_dockerfile_example() {
	local n=$RUN-example p8080 p9000 path
	capture timeout "$BUILD_TMO" "$DOCKER" build -q --network host \
		-f "$REPO/Dockerfile.example" -t "$EXAMPLE" "$REPO"
	expect_rc 0
	# As the README runs it; host ports picked by Docker (others may
	# hold 8080 and 9000 here).
	start "$n" --read-only --tmpfs /tmp -p 127.0.0.1::8080 -p 127.0.0.1::9000 "$EXAMPLE"
	wait_health "$n" healthy 90
	p8080=$($DOCKER port "$n" 8080/tcp | head -1)
	p9000=$($DOCKER port "$n" 9000/tcp | head -1)
	get "http://$p8080/healthz" >/dev/null || die "app's /healthz"
	for path in livez healthz readyz status metrics; do
		get "http://$p9000/$path" >/dev/null || die "ward's /$path"
	done
	grep -q '^ward_ready 1$' <<<"$(get "http://$p9000/metrics")" || die "ward_ready"
	[ "$(dk exec "$n" awk '/^Uid:/ { print $2 }' /proc/1/status)" = 10001 ] ||
		die "PID 1 runs as root"
	[ "$(dk exec "$n" id -u)" = 10001 ] || die "exec runs as root"
	dk stop "$n" >/dev/null
	expect_exit "$n" 0
	grep -q 'app: stopped' <<<"$(logs "$n")" || die "no graceful stop: $(logs "$n")"
	capture ctr_run --rm --tmpfs /tmp "$EXAMPLE"
	expect_rc 78
	expect_err_line "ward: / is writable, expected read-only"
}

# ---- docker run -it: job control through a pty ----------------------------------

t_tty_init() {
	/usr/bin/python3 "$REPO/tests/containers/jobctl.py" "$DOCKER" --rm \
		--label "ward-dk-run=$RUN" --init "$BB"
}

t_tty_entrypoint() {
	/usr/bin/python3 "$REPO/tests/containers/jobctl.py" "$DOCKER" --rm \
		--label "ward-dk-run=$RUN" "${EP[@]}" "$BB" --
}

# ---- --restart on-failure with --on-unhealthy exit -------------------------------

t_restart_on_unhealthy_exit() {
	local n=$RUN-restart end=$((SECONDS + TMO))
	# The app exits 0 on TERM; nothing listens on the probed port.
	start "$n" --init --restart on-failure:1 -e WARD_PROBE=tcp://127.0.0.1:9 \
		-e WARD_PROBE_INTERVAL=500ms -e WARD_PROBE_TIMEOUT=200ms \
		-e WARD_PROBE_RETRIES=1 -e WARD_PROBE_START_PERIOD=1s \
		-e WARD_ON_UNHEALTHY=exit "$BB" \
		sh -c 'trap "exit 0" TERM; echo started; sleep 600 & wait'
	until [ "$(inspect "$n" '{{.State.Status}} {{.RestartCount}}')" = "exited 1" ]; do
		[ "$SECONDS" -lt "$end" ] ||
			die "state '$(inspect "$n" '{{.State.Status}} {{.RestartCount}}')', expected 'exited 1': $(logs "$n")"
		sleep 0.2
	done
	[ "$(exit_code "$n")" = 69 ] || die "exit $(exit_code "$n"), expected 69: $(logs "$n")"
	[ "$(logs "$n" | grep -c '^started$')" = 2 ] || die "not restarted once: $(logs "$n")"
}

# ---- Docker ignores --init with --pid=host; ward as ENTRYPOINT works there ----

t_pid_host() {
	capture ctr_run --rm --init --pid=host "$BB" sh -c 'tr "\0" " " </proc/$PPID/cmdline'
	expect_rc 0
	[[ $OUT != *docker-init* ]] || die "--init was honoured with --pid=host"
	capture ctr_run --rm --pid=host "${EP[@]}" "$BB" -- sh -c '
		tr "\0" " " </proc/$PPID/cmdline; sh -c "sleep 0.2 &"; sleep 0.5
		z=$(grep -l "^State:.*zombie" /proc/[0-9]*/status 2>/dev/null |
			while read -r f; do
				p=${f#/proc/}; p=${p%/status}
				[ "$(awk "/^PPid:/ { print \$2 }" "$f")" = $PPID ] && echo $p
			done)
		[ -z "$z" ] || { echo " zombies: $z"; exit 1; }
		exit 5'
	expect_rc 5
	[[ $OUT == "/sbin/ward -- sh -c "* ]] || die "the app's parent is not ward: '$OUT'"
}

# ---- --stop-timeout above --grace ------------------------------------------------

# Docker's default stop timeout is 10 s: it SIGKILLs ward before a --grace
# of 30 s ends (ward's last line never comes). With --stop-timeout above
# --grace, ward ends the tree itself and says so.
t_stop_timeout_above_grace() {
	local n=$RUN-st t0 took
	start "$n" "${EP[@]}" "$BB" --grace 30s -- sh -c 'trap "" TERM; sleep 600'
	[ "$(inspect "$n" '{{.Config.StopTimeout}}')" = '<nil>' ] || die "StopTimeout set"
	sleep 1
	t0=$SECONDS
	dk stop "$n" >/dev/null
	took=$((SECONDS - t0))
	expect_exit "$n" 137
	[ "$took" -ge 9 ] || die "docker stop took $took s, expected Docker's 10 s"
	! grep -q '^ward: exiting' <<<"$(logs "$n")" || die "ward had its last word"
	start "$n-15" --stop-timeout 15 "${EP[@]}" "$BB" --grace 2s -- \
		sh -c 'trap "" TERM; sleep 600'
	sleep 1
	dk stop "$n-15" >/dev/null
	expect_exit "$n-15" 137
	grep -q '^ward: exiting with 137: ' <<<"$(logs "$n-15")" ||
		die "ward did not end the tree itself: $(logs "$n-15")"
}

# ---- docker-compose (v1) with packaging/compose/docker-compose.yml ----------------

t_compose() {
	local c=$T/compose img p t0 took
	mkdir -p "$c/app"
	build_scratch
	img=$(/usr/bin/python3 -c 'import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))["services"]["app"]["image"])' \
		"$REPO/packaging/compose/docker-compose.yml")
	# The image the file names, made here: ward from the scratch image, a
	# stand-in /app/server (busybox httpd that stops cleanly on TERM).
	cat >"$c/app/server" <<'EOF'
#!/bin/sh
httpd -f -p 8080 -h /www &
pid=$!
trap 'kill $pid; wait $pid; echo "app: stopped"; exit 0' TERM
wait $pid
EOF
	chmod 755 "$c/app/server"
	mkdir -p "$c/app/www"
	echo ok >"$c/app/www/healthz"
	printf 'FROM %s\nCOPY --from=%s /ward /sbin/ward\nCOPY server /app/server\nCOPY www /www\n' \
		"$BB" "$SCRATCH" >"$c/app/Dockerfile"
	capture timeout "$BUILD_TMO" "$DOCKER" build -q -t "$img" "$c/app"
	expect_rc 0
	# The file as it is, but for host ports picked by Docker.
	/usr/bin/python3 -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
for s in d["services"].values():
    s["ports"] = ["127.0.0.1::" + str(p).split(":")[-1] for p in s.get("ports", [])]
yaml.safe_dump(d, open(sys.argv[2], "w"))' \
		"$REPO/packaging/compose/docker-compose.yml" "$c/docker-compose.yml"
	diff "$REPO/packaging/compose/docker-compose.yml" "$c/docker-compose.yml" >&2 || true
	capture timeout "$TMO" docker-compose -p "$RUN" -f "$c/docker-compose.yml" up -d
	expect_rc 0
	p=$(timeout "$TMO" docker-compose -p "$RUN" -f "$c/docker-compose.yml" ps -q app)
	[ -n "$p" ] || die "no app container"
	wait_health "$p" healthy 90
	[ "$(inspect "$p" '{{.Config.StopTimeout}}')" = 15 ] || die "stop_grace_period is not 15 s"
	t0=$SECONDS
	capture timeout "$TMO" docker-compose -p "$RUN" -f "$c/docker-compose.yml" stop
	took=$((SECONDS - t0))
	expect_rc 0
	[ "$took" -lt 15 ] || die "stop took $took s, stop_grace_period is 15 s"
	[ "$(exit_code "$p")" = 0 ] || die "exit $(exit_code "$p"): $(logs "$p")"
	grep -q '^app: stopped$' <<<"$(logs "$p")" || die "no graceful stop: $(logs "$p")"
	timeout "$TMO" docker-compose -p "$RUN" -f "$c/docker-compose.yml" down >/dev/null 2>&1
	dk rmi -f "$img" >/dev/null
}

# ---- last: dockerd's log holds no warning about the init's version -----------

t_dockerd_log_no_init_warning() {
	dk info >/dev/null
	! grep -E 'failed to (parse|retrieve).*version' "$T/dockerd.log" ||
		die "dockerd warned about the init's version"
	grep -q 'Daemon has completed initialization' "$T/dockerd.log" || die "log"
}

ALL=(info init_path_usr_bin_ward_is_na init_exit_codes init_ward_env
	stop_after_idle_init stop_after_idle_entrypoint stop_trap_cleanup_livez
	drain_delay cgroup_memory_metrics
	healthcheck_readme_image copy_from_bare_name_is_docker_hub scratch_image
	dockerfile_example tty_init tty_entrypoint restart_on_unhealthy_exit
	pid_host stop_timeout_above_grace compose dockerd_log_no_init_warning)

suite_main docker "" "$@"
