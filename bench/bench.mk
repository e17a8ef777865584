# bench.mk: make bench, ward side by side with tini, dumb-init and catatonit.
# Included by the top Makefile. BENCH_QUICK=1 makes a smoke run.
BENCH_PKGS = tini dumb-init catatonit curl util-linux nginx-light
BENCH_OUT ?= build/bench/results.md

.PHONY: bench bench-deps

build/bench/benchhelper: bench/benchhelper.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNFLAGS) -O2 -o $@ $<

# The floor of a health check: fork, exec and exit of a static no-op.
build/bench/empty-static: bench/empty.c
	@mkdir -p $(@D)
	$(MUSL_CC) $(WARNFLAGS) $(STATIC_CFLAGS) $(STATIC_LDFLAGS) -o $@ $<

# The floor of `ward --check`: one loopback HTTP request, static musl.
build/bench/floorhttp: bench/floorhttp.c
	@mkdir -p $(@D)
	$(MUSL_CC) $(WARNFLAGS) $(STATIC_CFLAGS) $(STATIC_LDFLAGS) -o $@ $<

bench-deps:
	@missing=""; for p in $(BENCH_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "bench: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends \
	    $$missing >/dev/null; fi

bench: build/musl/ward build/bench/benchhelper build/bench/empty-static \
	build/bench/floorhttp bench-deps
	BENCH_QUICK=$(BENCH_QUICK) /usr/bin/python3 bench/run.py \
	  --ward $(CURDIR)/build/musl/ward \
	  --helper $(CURDIR)/build/bench/benchhelper \
	  --empty $(CURDIR)/build/bench/empty-static \
	  --floor $(CURDIR)/build/bench/floorhttp --out $(BENCH_OUT)
