# crest - the front door. `make run` and `make check` are the two commands the
# README promises; everything else is for developers.
#   make          release build → build/crest
#   make run      install deps, build, create the demo province, serve :8080
#   make check    ASan+UBSan build; unit, API (SQLite + PostgreSQL) and e2e tests
#   make bench    benchmarks (bench/RESULTS.md says how to read them)
#   make fuzz     libFuzzer targets, a short run each (FUZZ_SECONDS=…)
#   make format   clang-format the C sources
#   make screenshots  PNGs of the main pages → docs/screenshots/ (headless Chromium)
SHELL := /bin/bash
JOBS ?= 2
DB ?= var/crest.db
LISTEN ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 20

.PHONY: all deps build run check check-build bench fuzz format format-check clean screenshots web

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build -j$(JOBS)

web: deps
	@scripts/web-deps

run: build web
	@mkdir -p var
	@build/crest demo --db $(DB) --scale 1
	@echo
	@echo "crest is serving http://$(LISTEN)  (Ctrl-C to stop)"
	@exec build/crest serve --db $(DB) --listen $(LISTEN)

check-build: deps
	@cmake -S . -B build-check -DCMAKE_BUILD_TYPE=Debug -DCREST_SANITIZE=ON >/dev/null
	@cmake --build build-check -j$(JOBS)

check: check-build web format-check
	@scripts/check-banned
	@cd build-check && ctest --output-on-failure -j$(JOBS)

bench: build
	@bench/run.sh
	@bench/capacity.sh
	@bench/community.sh
	@bench/queue.sh
	@bench/supply.sh # supply pillar

fuzz: deps
	@cmake -S . -B build-fuzz -DCREST_FUZZ=ON -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
	@cmake --build build-fuzz -j$(JOBS)
	@scripts/run-fuzz build-fuzz $(FUZZ_SECONDS)

format:
	@clang-format -i $$(git ls-files '*.c' '*.cc' '*.h')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.cc' '*.h') || \
	  { echo "run 'make format' to fix the layout above" >&2; exit 1; }

screenshots: build web
	@CREST_BIN=build/crest bash tests/e2e/run.sh --screenshots docs/screenshots

clean:
	rm -rf build build-check build-fuzz
