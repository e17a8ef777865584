# fuzz/fuzz.mk: libFuzzer targets of the HTTP parsers, of the probe
# client's receive path and of the HTTP/2 + HPACK parser with the gRPC
# exchange over it: make fuzz, fuzz-smoke.
# Each target runs FUZZTIME seconds over a scratch copy of its corpus under
# build/fuzz/ (new inputs never land in fuzz/corpus/); a crash, leak or
# timeout fails the run and leaves the input in build/fuzz/.

FUZZTIME ?= 60
FUZZ_TARGETS = http_request http_response probe h2
FUZZ_BIN = $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
FUZZ_PROBE_SRC = src/probe.c src/probe_http.c src/http.c src/fmt.c src/url.c \
	src/probe_grpc.c src/grpc.c src/h2.c
FUZZ_H2_SRC = src/h2.c src/grpc.c src/fmt.c
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: fuzz fuzz-smoke fuzz-build

fuzz-build: $(FUZZ_BIN)

build/fuzz/fuzz_http_%: fuzz/fuzz_http_%.c fuzz/fuzz_common.h src/http.c src/http.h src/defs.h
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS) $(WARNFLAGS) -Isrc $(FUZZ_CFLAGS) -o $@ $< src/http.c

build/fuzz/fuzz_probe: fuzz/fuzz_probe.c $(FUZZ_PROBE_SRC) $(wildcard src/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS) $(WARNFLAGS) -Isrc $(FUZZ_CFLAGS) -o $@ $< \
	  $(FUZZ_PROBE_SRC)

build/fuzz/fuzz_h2: fuzz/fuzz_h2.c $(FUZZ_H2_SRC) $(wildcard src/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS) $(WARNFLAGS) -Isrc $(FUZZ_CFLAGS) -o $@ $< \
	  $(FUZZ_H2_SRC)

fuzz: $(FUZZ_BIN)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  rm -rf build/fuzz/corpus-$$t; mkdir -p build/fuzz/corpus-$$t; \
	  cp fuzz/corpus/$${t#http_}/* build/fuzz/corpus-$$t/; \
	  echo "fuzz: $$t for $(FUZZTIME)s"; \
	  build/fuzz/fuzz_$$t -max_total_time=$(FUZZTIME) -timeout=10 \
	    -dict=fuzz/$$([ "$$t" = h2 ] && echo h2 || echo http).dict \
	    -artifact_prefix=build/fuzz/$$t- \
	    -print_final_stats=1 build/fuzz/corpus-$$t \
	    > build/fuzz/$$t.log 2>&1 || { tail -n 40 build/fuzz/$$t.log; \
	    echo "fuzz: $$t failed; input in build/fuzz/$$t-*"; exit 1; }; \
	  grep -E '^stat::number_of_executed_units' build/fuzz/$$t.log; \
	done

fuzz-smoke:
	$(MAKE) fuzz FUZZTIME=5

