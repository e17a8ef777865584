#!/usr/bin/env bash
# test.sh: build ward's .deb and .rpm and check them, the man page, make
# install, the APKBUILD and the Kubernetes and Compose examples.
#
# Prints one "ok: NAME" or "FAIL: NAME" line per check (with the output of a
# failed one), then "N passed, N failed"; exits 1 if any check failed.
# Installs what it needs with apt-get when it is missing (run as root).
set -euo pipefail

cd "$(dirname "$0")/../.."
version=$(cat VERSION)
deb_arch=$(dpkg --print-architecture)
rpm_arch=$(uname -m)
DEB=dist/ward_${version}_${deb_arch}.deb
RPM=dist/ward-${version}-1.${rpm_arch}.rpm
BIN=dist/ward-${version}-${rpm_arch}-static
PY=/usr/bin/python3
MAKE=(make -s --no-print-directory)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# Install the Debian packages these checks use, when any is missing.
need() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "test-packaging: installing ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then
		echo "test-packaging: run as root, or apt-get install" \
		    "${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
	} >"$tmp/apt.log" 2>&1; then
		cat "$tmp/apt.log" >&2
		exit 1
	fi
}

# check NAME COMMAND...: run COMMAND and count it. It runs as a background
# job so that set -e stays in force inside it (bash ignores -e in functions
# called from an if).
check() {
	local name=$1
	shift
	"$@" >"$tmp/log" 2>&1 &
	if wait "$!"; then
		echo "ok: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name"
		tail -n 40 "$tmp/log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

# absent COMMAND...: succeed when COMMAND fails. A bare "! cmd" would not
# stop a set -e function.
absent() {
	! "$@"
}

# docker_init PREFIX: PREFIX/libexec/ward/docker-init is a relative link to
# PREFIX/bin/ward and prints the tini line docker info parses (the README's
# init-path).
docker_init() {
	local l=$1/libexec/ward/docker-init
	test "$(readlink "$l")" = ../../bin/ward
	test "$("$l" --version)" = \
	    "tini version $version - git.ward-${version//./_}"
}

# --- the .deb ---------------------------------------------------------------

deb_reproducible() {
	export SOURCE_DATE_EPOCH=1700000000
	rm -rf build/deb "$DEB"
	(umask 022 && "${MAKE[@]}" deb)
	cp "$DEB" "$tmp/first.deb"
	sleep 1.1
	rm -rf build/deb "$DEB"
	(umask 077 && "${MAKE[@]}" deb)
	cmp "$tmp/first.deb" "$DEB"
	rm -rf build/deb "$DEB"
}

deb_build() {
	rm -f "$DEB"
	"${MAKE[@]}" deb
	test -s "$DEB"
	test "$(dpkg-deb -f "$DEB" Package)" = ward
	test "$(dpkg-deb -f "$DEB" Version)" = "$version"
	test "$(dpkg-deb -f "$DEB" Architecture)" = "$deb_arch"
}

deb_lintian() {
	lintian --fail-on error,warning "$DEB"
	# The one override, and it is used: the binary really is static.
	lintian --fail-on none --show-overrides "$DEB" | tee "$tmp/lintian"
	grep -q '^O: ward: statically-linked-binary \[usr/bin/ward\]' \
	    "$tmp/lintian"
	absent grep -E '^[EW]: ' "$tmp/lintian"
	test "$(grep -cv -e '^#' -e '^$' packaging/debian/lintian-overrides)" = 1
	grep -q '^#.*static' packaging/debian/lintian-overrides
}

deb_contents() {
	local f
	dpkg-deb -c "$DEB" | tee "$tmp/list"
	for f in usr/bin/ward usr/share/man/man1/ward.1.gz \
	    usr/share/doc/ward/copyright usr/share/doc/ward/changelog.gz \
	    usr/share/lintian/overrides/ward; do
		grep -q " \./$f\$" "$tmp/list" || {
			echo "missing: /$f"
			return 1
		}
	done
	grep -q '^-rwxr-xr-x root/root .* \./usr/bin/ward$' "$tmp/list"
	grep -q '^lrwxrwxrwx root/root .* \./usr/libexec/ward/docker-init -> \.\./\.\./bin/ward$' \
	    "$tmp/list"
	awk '$2 != "root/root"' "$tmp/list" >"$tmp/owners"
	absent grep . "$tmp/owners"
}

deb_run() {
	local out
	dpkg-deb -x "$DEB" "$tmp/deb"
	file "$tmp/deb/usr/bin/ward" | grep 'statically linked'
	out=$("$tmp/deb/usr/bin/ward" --version)
	echo "$out"
	test "$out" = "ward version $version"
	cmp "$tmp/deb/usr/bin/ward" build/musl/ward
	docker_init "$tmp/deb/usr"
	zcat "$tmp/deb/usr/share/man/man1/ward.1.gz" | cmp - packaging/ward.1
	zcat "$tmp/deb/usr/share/doc/ward/changelog.gz" |
		cmp - packaging/debian/changelog
	grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
	    "$tmp/deb/usr/share/doc/ward/copyright"
	grep -q '^License: MIT$' "$tmp/deb/usr/share/doc/ward/copyright"
}

deb_changelog() {
	test "$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)" \
	    = "$version"
}

# --- the .rpm ---------------------------------------------------------------

rpm_build() {
	rm -f "$RPM"
	"${MAKE[@]}" rpm
	rpm -qlp "$RPM" | tee "$tmp/rpmlist"
	grep -qx /usr/bin/ward "$tmp/rpmlist"
	grep -qx /usr/libexec/ward/docker-init "$tmp/rpmlist"
	grep -qx /usr/share/man/man1/ward.1.gz "$tmp/rpmlist"
	test "$(rpm -qp --qf '%{NAME} %{VERSION} %{LICENSE}' "$RPM")" \
	    = "ward $version MIT"
}

rpm_reproducible() {
	export SOURCE_DATE_EPOCH=1700000000
	rm -f "$RPM"
	(umask 022 && "${MAKE[@]}" rpm)
	cp "$RPM" "$tmp/first.rpm"
	sleep 1.1
	rm -f "$RPM"
	(umask 077 && "${MAKE[@]}" rpm)
	cmp "$tmp/first.rpm" "$RPM"
	rm -f "$RPM"
}

rpm_run() {
	local out
	mkdir -p "$tmp/rpm"
	rpm2cpio "$RPM" | (cd "$tmp/rpm" && cpio -idm --quiet)
	out=$("$tmp/rpm/usr/bin/ward" --version)
	echo "$out"
	test "$out" = "ward version $version"
	cmp "$tmp/rpm/usr/bin/ward" build/musl/ward
	docker_init "$tmp/rpm/usr"
	zcat "$tmp/rpm/usr/share/man/man1/ward.1.gz" | cmp - packaging/ward.1
}

# --- dist -------------------------------------------------------------------

dist_files() {
	"${MAKE[@]}" dist
	test -s "$DEB" && test -s "$RPM" && test -x "$BIN"
	test "$("$BIN" --version)" = "ward version $version"
	test "$(wc -l <dist/SHA256SUMS)" = 3
	(cd dist && sha256sum -c SHA256SUMS)
}

# --- the man page -----------------------------------------------------------

man_warnings() {
	MANWIDTH=80 man --warnings -l packaging/ward.1 >/dev/null 2>"$tmp/err"
	cat "$tmp/err"
	test ! -s "$tmp/err"
	groff -ww -z -man packaging/ward.1 2>"$tmp/err"
	cat "$tmp/err"
	test ! -s "$tmp/err"
}

man_sections() {
	local s
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT "EXIT STATUS" \
	    "HEALTH ENDPOINTS" EXAMPLES "SEE ALSO"; do
		grep -Eq "^\.SH \"?$s\"?\$" packaging/ward.1 || {
			echo "no section $s"
			return 1
		}
	done
}

# The man page as plain text, one line per paragraph as far as possible.
man_text() {
	MANWIDTH=250 man -l packaging/ward.1 2>/dev/null | col -b
}

man_covers_help() {
	local opt upper n=0
	build/musl/ward --help >"$tmp/help" 2>&1 || true
	man_text >"$tmp/man.txt"
	# Every long option --help names ("--long-option" is its placeholder
	# for all of them).
	grep -oE -- '--[a-z][a-z-]+' "$tmp/help" | sort -u |
		grep -vx -e --long-option -e --foo-bar >"$tmp/opts"
	while read -r opt; do
		n=$((n + 1))
		grep -qF -- "$opt" "$tmp/man.txt" || {
			echo "option $opt of --help is not in ward.1"
			return 1
		}
		case $opt in --check | --version | --help | --license) continue ;; esac
		upper=$(echo "${opt#--}" | tr 'a-z-' 'A-Z_')
		grep -qw "WARD_$upper" "$tmp/man.txt" || {
			echo "variable WARD_$upper is not in ward.1"
			return 1
		}
	done <"$tmp/opts"
	echo "$n long options"
	test "$n" -ge 20
	for v in TINI_SUBREAPER TINI_VERBOSITY TINI_KILL_PROCESS_GROUP; do
		grep -qw "$v" "$tmp/man.txt"
	done
}

man_exit_status() {
	man_text | sed -n '/^EXIT STATUS/,/^EXAMPLES/p' >"$tmp/exit"
	cat "$tmp/exit"
	for s in 0–255 128+N 126 127 2 71 78; do
		awk -v s="$s" '$1 == s { found = 1 } END { exit !found }' \
		    "$tmp/exit" || {
			echo "EXIT STATUS lacks $s"
			return 1
		}
	done
	grep -q -- '--check' "$tmp/exit"
}

# --- make install -----------------------------------------------------------

make_install() {
	local d=$tmp/inst
	"${MAKE[@]}" install DESTDIR="$d"
	test "$(stat -c %a "$d/usr/local/bin/ward")" = 755
	test "$(stat -c %a "$d/usr/local/share/man/man1/ward.1")" = 644
	test "$("$d/usr/local/bin/ward" --version)" = "ward version $version"
	docker_init "$d/usr/local"
	"${MAKE[@]}" uninstall DESTDIR="$d"
	test ! -e "$d/usr/local/bin/ward"
	test ! -e "$d/usr/local/libexec/ward"
	test ! -e "$d/usr/local/share/man/man1/ward.1"
	"${MAKE[@]}" install DESTDIR="$d" PREFIX=/usr
	test -x "$d/usr/bin/ward"
	docker_init "$d/usr"
	cmp packaging/ward.1 "$d/usr/share/man/man1/ward.1"
	"${MAKE[@]}" uninstall DESTDIR="$d" PREFIX=/usr
	test ! -e "$d/usr/bin/ward"
	test ! -e "$d/usr/share/man/man1/ward.1"
}

# --- Alpine -----------------------------------------------------------------

apkbuild() {
	local f=packaging/alpine/APKBUILD
	sh -n "$f"
	shellcheck "$f"
	# shellcheck disable=SC1090,SC2154
	test "$(set +u && . "./$f" && echo "$pkgname $pkgver $license")" \
	    = "ward $version MIT"
	grep -q 'make static MUSL_CC=cc' "$f"
	grep -Eq '^check\(\)' "$f"
	grep -q 'usr/bin/ward' "$f"
	grep -qF "ln -s ../../bin/ward \"\$pkgdir\"/usr/libexec/ward/docker-init" "$f"
	grep -q 'man1/ward.1' "$f"
}

# --- scripts ----------------------------------------------------------------

scripts_shellcheck() {
	shellcheck tests/packaging/test.sh packaging/debian/mkdeb.sh
}

# --- YAML: Kubernetes and Compose ------------------------------------------

cat >"$tmp/manifests.py" <<'EOF'
"""Checks of the Kubernetes and Compose examples: manifests.py CHECK."""
import pathlib
import re
import sys

import yaml

K8S = "packaging/kubernetes/deployment.yaml"
K8S_GRPC = "packaging/kubernetes/grpc-deployment.yaml"
COMPOSE = "packaging/compose/docker-compose.yml"


def seconds(v):
    """A ward or compose duration ("10s", "1m30s", "500ms", 7) in seconds."""
    if isinstance(v, (int, float)):
        return float(v)
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "": 1}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s|)", str(v).strip())
    if not parts or "".join(n + u for n, u in parts) != str(v).strip():
        raise SystemExit(f"bad duration {v!r}")
    return sum(float(n) * units[u] for n, u in parts)


def size(v):
    """A Kubernetes quantity or a ward size in bytes."""
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|K|M|G|k)?", str(v))
    if not m:
        raise SystemExit(f"bad size {v!r}")
    mult = {None: 1, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3,
            "K": 1024, "M": 1024**2, "G": 1024**3, "k": 1000}
    return int(m.group(1)) * mult[m.group(2)]


def opt(args, name):
    """Value of ward option name in an argument list, or None."""
    for i, a in enumerate(args):
        if a == "--":
            break
        if a == name and i + 1 < len(args):
            return str(args[i + 1])
        if str(a).startswith(name + "="):
            return str(a)[len(name) + 1:]
    return None


def deployment(path=K8S):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    deps = [d for d in docs if d.get("kind") == "Deployment"]
    assert len(deps) == 1, "no Deployment"
    pod = deps[0]["spec"]["template"]["spec"]
    ward = [c for c in pod["containers"]
            if "ward" in " ".join(map(str, c.get("command", [])))]
    assert len(ward) == 1, "no container runs ward as its command"
    c = ward[0]
    return pod, c, [str(a) for a in c.get("command", []) + c.get("args", [])]


def listen_port(args):
    v = opt(args, "--listen")
    assert v, "no --listen"
    return int(v.rsplit(":", 1)[-1])


def k8s_parse():
    print(K8S, "kinds:", [d.get("kind") for d in
                          yaml.safe_load_all(open(K8S)) if d])


def k8s_security():
    pod, c, _ = deployment()
    sc = c.get("securityContext", {})
    psc = pod.get("securityContext", {})
    assert sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem"
    assert (sc.get("runAsNonRoot", psc.get("runAsNonRoot"))) is True, \
        "runAsNonRoot"
    uid = sc.get("runAsUser", psc.get("runAsUser"))
    assert isinstance(uid, int) and uid > 0, "runAsUser"


def k8s_tmpfs():
    pod, c, args = deployment()
    mounts = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
    assert len(mounts) == 1, "nothing mounted on /tmp"
    vols = [v for v in pod.get("volumes", []) if v["name"] == mounts[0]["name"]]
    assert len(vols) == 1, "no volume for /tmp"
    ed = vols[0].get("emptyDir")
    assert ed and ed.get("medium") == "Memory", "/tmp is no emptyDir in Memory"
    assert "sizeLimit" in ed, "no sizeLimit"
    req = opt(args, "--require-tmpfs")
    assert req and req.startswith("/tmp"), "no --require-tmpfs /tmp"
    if ":" in req:
        assert size(ed["sizeLimit"]) >= size(req.split(":", 1)[1]), \
            "sizeLimit smaller than --require-tmpfs"
    assert "--require-readonly-root" in args, "no --require-readonly-root"


def k8s_probes():
    _, c, args = deployment()
    port = listen_port(args)
    named = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    want = {"livenessProbe": "/livez", "readinessProbe": "/readyz",
            "startupProbe": None}
    for kind, path in want.items():
        g = c.get(kind, {}).get("httpGet")
        assert g, f"{kind} is not an httpGet probe"
        p = g["port"]
        p = named.get(p, p) if isinstance(p, str) else p
        assert p == port, f"{kind} port {p} is not the --listen port {port}"
        if path:
            assert g["path"] == path, f"{kind} path {g['path']} != {path}"
        print(kind, g)
    assert opt(args, "--probe"), "no --probe"


def k8s_grace():
    for path in (K8S, K8S_GRPC):
        pod, _, args = deployment(path)
        grace = seconds(opt(args, "--grace") or "5s")
        drain = seconds(opt(args, "--drain-delay") or "0")
        tgps = pod.get("terminationGracePeriodSeconds", 30)
        print(path, "drain", drain, "grace", grace,
              "terminationGracePeriodSeconds", tgps)
        assert drain > 0, "no --drain-delay"
        assert tgps > drain + grace, \
            "terminationGracePeriodSeconds <= --drain-delay + --grace"


def k8s_grpc():
    _, c, args = deployment(K8S_GRPC)
    probe = opt(args, "--probe")
    print("probe", probe)
    assert probe and probe.startswith("grpc://127.0.0.1:"), "no gRPC probe"
    port = int(probe.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    assert port in [p["containerPort"] for p in c.get("ports", [])], \
        "the probed port is not a container port"
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        g = c.get(kind, {}).get("httpGet")
        assert g and g["port"] == listen_port(args), f"{kind} not on ward"


def service():
    doc = yaml.safe_load(open(COMPOSE))
    for name, s in doc["services"].items():
        ep = s.get("entrypoint", [])
        ep = ep.split() if isinstance(ep, str) else ep
        if ep and ep[0].endswith("/ward"):
            return s, [str(a) for a in ep]
    raise AssertionError("no service has ward as its entrypoint")


def compose_parse():
    print(COMPOSE, "services:", list(yaml.safe_load(open(COMPOSE))["services"]))


def compose_hardening():
    s, _ = service()
    assert s.get("read_only") is True, "read_only is not true"
    t = s.get("tmpfs", [])
    t = [t] if isinstance(t, str) else t
    assert any(str(x).split(":")[0] == "/tmp" for x in t), "no tmpfs /tmp"
    assert s.get("init") in (None, False), "init: true (ward is the init)"


def compose_healthcheck():
    s, _ = service()
    test = s.get("healthcheck", {}).get("test")
    print("healthcheck", test)
    assert isinstance(test, list) and test[0] == "CMD", "test is not CMD form"
    assert test[1].endswith("/ward") and test[2] == "--check", "not --check"
    assert re.match(r"(http|tcp)://", test[3]), "no URL after --check"


def compose_grace():
    s, ep = service()
    grace = seconds(opt(ep, "--grace") or "5s")
    stop = seconds(s.get("stop_grace_period", "10s"))
    print("grace", grace, "stop_grace_period", stop)
    assert stop > grace, "stop_grace_period <= --grace"


def all_yaml():
    skip = {".git", "build", "dist", "node_modules"}
    files = [p for p in pathlib.Path(".").rglob("*")
             if p.suffix in (".yml", ".yaml") and p.is_file()
             and not skip & set(p.parts)]
    for p in files:
        list(yaml.safe_load_all(open(p)))
        print("parsed", p)
    assert len(files) >= 2, "found no YAML files"


globals()[sys.argv[1].replace("-", "_")]()
EOF

yaml_check() {
	"$PY" "$tmp/manifests.py" "$1"
}

# --- run --------------------------------------------------------------------

need lintian rpm rpm2cpio cpio man-db groff-base bsdextrautils dpkg-dev \
    fakeroot python3-yaml musl-tools make gcc libc6-dev file shellcheck \
    xz-utils gzip

check "scripts pass shellcheck" scripts_shellcheck
check "debian/changelog is at VERSION $version" deb_changelog
check "make deb builds $DEB" deb_build
check "deb: lintian --fail-on error,warning, one override" deb_lintian
check "deb: /usr/bin/ward, man page, copyright, changelog, root-owned" \
    deb_contents
check "deb: its ward is build/musl/ward, prints 'ward version $version'" \
    deb_run
check "deb: two builds with the same SOURCE_DATE_EPOCH are identical" \
    deb_reproducible
check "make rpm builds $RPM with /usr/bin/ward" rpm_build
check "rpm: the extracted ward is build/musl/ward, --version is right" \
    rpm_run
check "rpm: two builds with the same SOURCE_DATE_EPOCH are identical" \
    rpm_reproducible
check "make dist: deb, rpm, static binary, SHA256SUMS verify" dist_files
check "man page: no warnings from man and groff" man_warnings
check "man page: NAME ... ENVIRONMENT, EXIT STATUS ... SEE ALSO" man_sections
check "man page: every option of --help, its WARD_ variable, TINI_*" \
    man_covers_help
check "man page: EXIT STATUS lists 0-255, 128+N, 126, 127, 2, 71, 78" \
    man_exit_status
check "make install/uninstall with DESTDIR and PREFIX" make_install
check "APKBUILD: sh -n, shellcheck, pkgver = VERSION, license MIT" apkbuild
check "YAML: every file parses" yaml_check all-yaml
check "k8s: the manifest parses" yaml_check k8s-parse
check "k8s: readOnlyRootFilesystem, runAsNonRoot, runAsUser" \
    yaml_check k8s-security
check "k8s: /tmp is an emptyDir in Memory with sizeLimit, checked by ward" \
    yaml_check k8s-tmpfs
check "k8s: liveness/readiness/startup httpGet probes on the --listen port" \
    yaml_check k8s-probes
check "k8s: terminationGracePeriodSeconds > --drain-delay + --grace" \
    yaml_check k8s-grace
check "k8s: the gRPC manifest probes grpc:// through ward" yaml_check k8s-grpc
check "compose: the file parses" yaml_check compose-parse
check "compose: read_only, tmpfs /tmp, no init: true" \
    yaml_check compose-hardening
check "compose: healthcheck is ward --check" yaml_check compose-healthcheck
check "compose: stop_grace_period > --grace" yaml_check compose-grace

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
