# images.sh: the base images both container suites import, made once per
# machine and kept in $W (sourced by run.sh and docker.sh, which set W).
#
#   images_busybox_root   $W/rootfs: a busybox-static root (busybox:latest,
#                         and the root of run.sh's runc bundles)
#   images_debian_tar     $W/debian.tar: debian:bookworm-slim made with
#                         debootstrap from the configured mirror (~35 s once)
#
# Both take $W/images.lock, so suites that run at the same time build each
# image once and never import a half-written one.
# shellcheck shell=bash

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
