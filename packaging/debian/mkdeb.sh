#!/bin/sh
# mkdeb.sh: build the ward .deb from a prebuilt static binary, reproducibly.
#
# usage: mkdeb.sh binary version arch stagedir out.deb
#
# Run from the top of the repository (packaging.mk does). The same inputs
# and the same SOURCE_DATE_EPOCH give a byte-identical .deb: every mtime is
# clamped to SOURCE_DATE_EPOCH, modes are set explicitly (the umask does not
# matter), gzip does not store names or times, and dpkg-deb writes sorted
# tar members owned by root:root.
set -eu

if [ $# -ne 5 ]; then
	echo "usage: mkdeb.sh binary version arch stagedir out.deb" >&2
	exit 2
fi
bin=$1 version=$2 arch=$3 stage=$4 out=$5
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH (packaging.mk does)}"
export SOURCE_DATE_EPOCH
deb=packaging/debian

# The top changelog entry must be this version: dpkg-buildpackage would
# refuse a mismatch too.
top=$(dpkg-parsechangelog -l "$deb/changelog" -S Version)
if [ "$top" != "$version" ]; then
	echo "mkdeb: $deb/changelog is at $top, VERSION is $version:" \
	    "add a changelog entry (dch -v $version)" >&2
	exit 1
fi

rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/man/man1" \
    "$stage/usr/share/doc/ward" "$stage/usr/share/lintian/overrides"

cp "$bin" "$stage/usr/bin/ward"
# dockerd's init-path: called as docker-init, ward prints tini's version
# line, the one docker info parses (/usr/bin/docker-init is docker.io's).
mkdir -p "$stage/usr/libexec/ward"
ln -s ../../bin/ward "$stage/usr/libexec/ward/docker-init"
gzip -9n <packaging/ward.1 >"$stage/usr/share/man/man1/ward.1.gz"
cp "$deb/copyright" "$stage/usr/share/doc/ward/copyright"
gzip -9n <"$deb/changelog" >"$stage/usr/share/doc/ward/changelog.gz"
if [ -f README.md ]; then
	gzip -9n <README.md >"$stage/usr/share/doc/ward/README.md.gz"
fi
cp "$deb/lintian-overrides" "$stage/usr/share/lintian/overrides/ward"

# Modes and times do not depend on the umask or on when files were copied.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -exec chmod 0644 {} +
chmod 0755 "$stage/usr/bin/ward"

(cd "$stage" && find usr -type f | LC_ALL=C sort | xargs md5sum) \
    >"$stage/DEBIAN/md5sums"
size=$(du -k -s --apparent-size "$stage/usr" | cut -f1)
# The binary contains musl's libc.a (Debian policy 7.8, Built-Using).
musl=$(dpkg-query -W -f='${Version}' musl-dev 2>/dev/null || true)
if [ -n "$musl" ]; then
	built_using="Built-Using: musl (= $musl)"
else
	built_using=""
fi
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" \
    -e "s/@INSTALLED_SIZE@/$size/" -e "s/^@BUILT_USING@\$/$built_using/" \
    -e '/^$/d' "$deb/control.in" >"$stage/DEBIAN/control"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"

find "$stage" -newermt "@$SOURCE_DATE_EPOCH" \
    -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$(dirname "$out")"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "$out"
