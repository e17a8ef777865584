#!/bin/sh
# deps.sh: install what building and testing ward needs on a fresh Debian 12
# machine (run as root). Quiet and quick when everything is there already.
set -eu
pkgs="build-essential musl-tools libcriterion-dev python3-pytest python3-yaml
file clang libclang-rt-14-dev clang-format clang-tidy cppcheck shellcheck
tini dumb-init catatonit curl util-linux iproute2 procps
runc podman buildah busybox-static jq debootstrap docker.io docker-compose
lintian rpm man-db dpkg-dev fakeroot hyperfine python3-grpcio
prometheus strace"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root, or: apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
