# famlab: every target installs what it needs first (Debian packages only).
#   make run    build what it runs, boot the default scenarios on the lab kernel
#   make test   unit tests (ASan+UBSan) and end-to-end tests in real QEMU
#   make bench  boot-to-devdax-ready and suite timings, as JSON lines
#   make mutate   the kill matrix of our famfs patch series (hours)
#   make nightly  the long runs: every variant's debug flavour on every scenario,
#                 scenarios/nightly/ (100,000 fuzzed maps, ...), make mutate

BUILD     ?= build/release
ASAN      ?= build/asan
FAMLAB     = $(BUILD)/lab/famlab
SCENARIOS ?= scenarios
NIGHTLY   ?= scenarios/nightly
KERNEL    ?= plain
JOBS      ?= $(shell nproc)
# Debian's python3 (python3-pytest); a python3 earlier in PATH may lack pytest.
PYTHON    ?= /usr/bin/python3

# What `run`, `e2e` and `bench` need: the orchestrator and what goes into
# the guest images. `build` also compiles every unit test (release); `make
# test` compiles the unit tests once, in the ASan build.
PROGRAMS   = famlab famlab-agent famfs famlab-bw famlab-queue famlab-probe

.PHONY: all deps build programs unit e2e test run bench mutate nightly format clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j$(JOBS)

programs: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j$(JOBS) --target $(PROGRAMS)

$(ASAN)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFAMLAB_SANITIZE=ON >/dev/null

unit: deps $(ASAN)/build.ninja
	cmake --build $(ASAN) -j$(JOBS)
	cd $(ASAN) && ctest --output-on-failure -j$(JOBS)

e2e: programs
	FAMLAB=$(FAMLAB) $(PYTHON) -m pytest -v -m "not nightly" harness/tests

test: unit e2e

run: programs
	$(FAMLAB) run --kernel $(KERNEL) --report-dir famlab-report $(SCENARIOS)

bench: programs
	FAMLAB=$(FAMLAB) $(PYTHON) harness/bench/bench.py

# Every mutant of kernel-config/mutations/famfs.toml against every shipped
# scenario for its kernel: one kernel rebuild and one guest at a time, so
# hours. Resumable: cells already decided (in ~/.cache/famlab/mutate) are
# not run again; MUTATE_ARGS=--first-kill gives the score without the full matrix.
MUTATIONS ?= kernel-config/mutations/famfs.toml
mutate: programs
	$(FAMLAB) mutate --report-dir famlab-mutate $(MUTATE_ARGS) $(MUTATIONS) $(SCENARIOS)

# Too long for `make test`: the debug matrix (pytest -m nightly), every
# scenario in $(NIGHTLY) on the famfs kernel, and the mutation matrix.
nightly: programs
	FAMLAB=$(FAMLAB) $(PYTHON) -m pytest -v -m nightly harness/tests
	$(FAMLAB) run --kernel famfs --report-dir famlab-nightly $(NIGHTLY)
	$(MAKE) mutate

format:
	find base protocol lab famfs harness -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build famlab-report famlab-nightly famlab-mutate
