# Front door: `make run delayed-start` and `make test` (see README.md).
BUILD_DIR    ?= build
ASAN_DIR     ?= build-asan
FUZZ_DIR     ?= build-fuzz
FUZZ_SECONDS ?= 30
JOBS         ?= $(shell nproc)
CMAKE_FLAGS  ?=

# Goal words that follow `run` (`make run delayed-start`) are arguments, not targets.
RUN_ARGS := $(filter-out run,$(MAKECMDGOALS))

.PHONY: all deps configure build test run bench fuzz asan clean delayed-start

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 600

run: build
	$(BUILD_DIR)/dstart up $(RUN_ARGS)

# `delayed-start` is only meaningful as the argument of `run`.
delayed-start:
	@$(if $(filter run,$(MAKECMDGOALS)),:,echo "use: make run delayed-start"; exit 2)

bench: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target benchmarks
	@set -e; for b in $(BUILD_DIR)/bench/bench_*; do echo "== $$b"; $$b; done

asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DDSTART_SANITIZE=ON -DDSTART_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) --timeout 900

fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DDSTART_FUZZ=ON -DDSTART_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	@bash scripts/run-fuzz.sh $(FUZZ_DIR)/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
