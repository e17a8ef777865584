# Makefile: ward, its tests, packages and benchmarks. See README.md.
include config.mk

SRC = $(sort $(wildcard src/*.c))
HDR = $(wildcard src/*.h)
LIBSRC = $(filter-out src/main.c,$(SRC))
UNIT = $(patsubst tests/%.c,%,$(sort $(wildcard tests/test_*.c)))
HELPERS = $(patsubst tests/helpers/%.c,build/helpers/%,$(wildcard tests/helpers/*.c))
WARD ?= $(CURDIR)/build/musl/ward
PYTEST = /usr/bin/python3 -m pytest -p no:cacheprovider

.PHONY: all static test unit e2e check deps install uninstall format \
	format-check lint demo clean

all: build/glibc/ward

static: build/musl/ward
	@n=$$(stat -c %s build/musl/ward); \
	echo "build/musl/ward: $$n bytes (limit $(SIZE_LIMIT))"; \
	test "$$n" -le $(SIZE_LIMIT) || { \
	  echo "build/musl/ward: $$n bytes, over the limit of $(SIZE_LIMIT)" >&2; \
	  exit 1; }

build/glibc/%.o: src/%.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) -c -o $@ $<

build/glibc/ward: $(SRC:src/%.c=build/glibc/%.o)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

build/musl/%.o: src/%.c $(HDR) config.mk
	@mkdir -p $(@D)
	$(MUSL_CC) $(CPPFLAGS) $(WARNFLAGS) $(STATIC_CFLAGS) -c -o $@ $<

build/musl/ward: $(SRC:src/%.c=build/musl/%.o)
	$(MUSL_CC) $(STATIC_CFLAGS) $(STATIC_LDFLAGS) -o $@ $^

build/asan/%.o: src/%.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNFLAGS) $(SAN_CFLAGS) -c -o $@ $<

build/asan/ward: $(SRC:src/%.c=build/asan/%.o)
	$(CC) $(SAN_CFLAGS) -o $@ $^

# Criterion unit tests: one binary per tests/test_<module>.c, linked
# against the same sources built for glibc (or ASan for make check).
build/glibc/tests/test_%: tests/test_%.c $(LIBSRC:src/%.c=build/glibc/%.o) tests/guard.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc $(CFLAGS) -o $@ $< $(LIBSRC:src/%.c=build/glibc/%.o) -lcriterion

build/asan/tests/test_%: tests/test_%.c $(LIBSRC:src/%.c=build/asan/%.o) tests/guard.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc $(SAN_CFLAGS) -o $@ $< $(LIBSRC:src/%.c=build/asan/%.o) -lcriterion

build/helpers/%: tests/helpers/%.c tests/helpers/report.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNFLAGS) -O2 -o $@ $<

deps:
	./tests/deps.sh

unit: $(UNIT:%=build/glibc/tests/%)
	@set -e; for t in $^; do echo "== $$t"; $$t; done

e2e: build/musl/ward $(HELPERS)
	WARD=$(WARD) HELPERS=$(CURDIR)/build/helpers $(PYTEST) tests/e2e

# The whole suite, as CI runs it. Installs what it needs first.
test: deps static
	file build/musl/ward | grep -q 'statically linked'
	$(MAKE) unit
	$(MAKE) e2e
	$(MAKE) test-extra

# Sanitizers: unit tests and the end-to-end suite against an ASan/UBSan
# build. Leak detection is off: PID 1 exits with children's state alive.
check: build/asan/ward $(UNIT:%=build/asan/tests/%) $(HELPERS)
	@set -e; for t in $(UNIT:%=build/asan/tests/%); do echo "== $$t"; \
	  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 $$t; done
	! grep -nE '\b(malloc|calloc|realloc|strdup|sprintf|strcpy|strcat)\(' src/*.c
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  WARD=$(CURDIR)/build/asan/ward HELPERS=$(CURDIR)/build/helpers \
	  WARD_SANITIZED=1 $(PYTEST) tests/e2e

demo:
	@command -v $(MUSL_CC) >/dev/null || { [ "$$(id -u)" = 0 ] && \
	  apt-get install -y -qq musl-tools >/dev/null; } || \
	  { echo "make demo needs musl-gcc: apt-get install musl-tools"; exit 1; }
	@$(MAKE) -s build/musl/ward build/examples/demo
	./examples/run-demo.sh

build/examples/demo: examples/demo.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNFLAGS) -O2 -o $@ $<

install: build/musl/ward
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1
	install -m 755 build/musl/ward $(DESTDIR)$(PREFIX)/bin/ward
	install -d $(DESTDIR)$(PREFIX)/libexec/ward
	ln -sf ../../bin/ward $(DESTDIR)$(PREFIX)/libexec/ward/docker-init
	install -m 644 packaging/ward.1 $(DESTDIR)$(MANPREFIX)/man1/ward.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/ward $(DESTDIR)$(MANPREFIX)/man1/ward.1 \
	  $(DESTDIR)$(PREFIX)/libexec/ward/docker-init
	rmdir $(DESTDIR)$(PREFIX)/libexec/ward 2>/dev/null || true

format:
	clang-format -i src/*.[ch] tests/*.[ch] tests/helpers/*.c

format-check:
	clang-format --dry-run --Werror src/*.[ch]

# Static analysis and style: cppcheck, clang-tidy (.clang-tidy), shellcheck
# on every script, clang-format.
lint: format-check
	cppcheck --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --quiet --std=c11 -D_GNU_SOURCE -DWARD_VERSION='"x"' src/
	clang-tidy --quiet src/*.c -- $(CPPFLAGS) -std=c11 2>/dev/null
	shellcheck .ci/run $$(git ls-files '*.sh')

clean:
	rm -rf build dist

# Fragments of the other parts: fuzzing, containers, packages, benchmarks.
-include fuzz/fuzz.mk
-include tests/containers/containers.mk
-include packaging/packaging.mk
-include bench/bench.mk

# test-extra runs the suites the fragments add to TEST_EXTRA.
.PHONY: test-extra
test-extra: $(TEST_EXTRA)
