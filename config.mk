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
# Not position-independent: a static binary loads at one address anyway.
# Whole-program optimisation (-flto) shares and drops code across modules;
# ward has no floating point, so -mgeneral-regs-only keeps the SSE
# registers out of every variadic prologue (a double now fails to build);
# jump tables cost more bytes than the compare chains they replace.
STATIC_CFLAGS = -Os -fno-pie -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-flto -mgeneral-regs-only -fno-jump-tables -fno-reorder-functions
# No RELRO segment: in a static non-PIE musl binary nothing write-protects it
# after start-up (that is the dynamic loader's job), and its page alignment
# costs up to 4 KiB of file.
STATIC_LDFLAGS = -static -no-pie -s -Wl,--gc-sections -Wl,-z,noseparate-code \
	-Wl,-z,norelro -Wl,--build-id=none
# The hard limit of the static binary, in bytes: `make static` fails above it.
SIZE_LIMIT = 65536
SAN_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
