# config.mk: version, paths and flags of the ward build.
VERSION != cat VERSION
PREFIX ?= /usr/local
MANPREFIX ?= $(PREFIX)/share/man
CC ?= cc
MUSL_CC ?= musl-gcc
CLANG ?= clang

CPPFLAGS = -D_GNU_SOURCE -DWARD_VERSION=\"$(VERSION)\"
WARNFLAGS = -std=c11 -Wall -Wextra -pedantic -Wformat=2 -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
	-Wsign-compare -Werror
CFLAGS ?= -O2 -g
# The shipped binary: static, stripped, small.
STATIC_CFLAGS = -Os -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables
STATIC_LDFLAGS = -static -s -Wl,--gc-sections -Wl,-z,noseparate-code \
	-Wl,--build-id=none
SAN_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
