# csvr: the two commands a newcomer needs are `make run` (count the bundled sample through
# Python and C) and `make test` (every test: Rust, C, C++, Python). Everything else here
# is a step of those two.

CARGO   ?= cargo
PYTHON  ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
SAMPLE  := examples/data/sample.csv
LIBDIR  := $(CURDIR)/target/release

export CSVR_LIBDIR := $(LIBDIR)

BENCH_VENV := bench/.venv
SIZE ?= 1024
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := differential c_api

.PHONY: run test lib header python examples test-rust test-c test-python test-bench lint \
        bench bench-tools bench-memory test-fuzz fuzz-tools test-aarch64 clean

## run: build everything and count the bundled sample through Python and the C example
run: python examples
	@echo "== Python: python -m csvr count $(SAMPLE)"
	@$(VPY) -m csvr count $(SAMPLE)
	@echo "== C: bindings/c/csvr-count $(SAMPLE)"
	@./bindings/c/csvr-count $(SAMPLE)

## test: every test suite (Rust, C and C++ with valgrind and sanitizers, fuzzing for
## FUZZ_SECONDS per target, a benchmark smoke run, Python)
test: test-rust test-c test-aarch64 test-fuzz test-bench test-python

## lib: the shared and static library in target/release
lib:
	$(CARGO) build --release

## header: regenerate include/csvr.h from src/ffi (commit the result)
header:
	CSVR_UPDATE_HEADER=1 $(CARGO) build

## python: a virtualenv in .venv with the csvr package (built by pip, library inside) and pytest
python: $(VPY)
	$(VPY) -m pip install --quiet --force-reinstall --no-deps ./bindings/python

$(VPY):
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet pytest

## examples: the C example and the C++ example, linked against target/release
examples: lib
	$(MAKE) -C bindings/c
	$(MAKE) -C bindings/cpp

test-rust:
	$(CARGO) test --all-targets
	$(CARGO) test --doc

test-c: lib
	$(MAKE) -C tests/c

test-python: python
	$(VPY) -m pytest -q tests/python

bench-tools: lib
	$(CARGO) build --release -p csvr-bench

## test-bench: the benchmark at 4 MiB, one run: proves it runs, measures nothing
test-bench: bench-tools examples python
	$(VPY) bench/run.py --small

## bench: the side-by-side benchmark (SIZE=1024 MiB corpora in bench/out; takes a while)
bench: bench-tools examples
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	$(BENCH_VENV)/bin/python -m pip install --quiet --force-reinstall --no-deps ./bindings/python
	$(BENCH_VENV)/bin/python bench/run.py --size $(SIZE)

fuzz-tools:
	command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked

## test-fuzz: each fuzz target for FUZZ_SECONDS (libFuzzer, AddressSanitizer), from the
## committed seeds; the stable toolchain takes cargo fuzz's nightly flags via RUSTC_BOOTSTRAP
test-fuzz: fuzz-tools
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$t && \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run $$t corpus/$$t seeds/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=20 || exit 1; \
	done

## bench-memory: peak RSS of counting and reading by file size (SIZES in MiB)
SIZES ?= 100 1024 4096
bench-memory: bench-tools python
	$(VPY) bench/memory.py --sizes $(SIZES)

## test-aarch64: the library's unit tests (the NEON scanner among them) built for AArch64
## and run under qemu-user; needs qemu-user and gcc-aarch64-linux-gnu (.ci/run installs them)
AARCH64 := aarch64-unknown-linux-gnu
test-aarch64:
	rustup target add $(AARCH64)
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
	$(CARGO) test --release --target $(AARCH64) --lib
	$(CARGO) clippy --target $(AARCH64) --all-targets -- -D warnings

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf $(VENV) bindings/python/build
	$(MAKE) -C bindings/c clean
	$(MAKE) -C bindings/cpp clean
	$(MAKE) -C tests/c clean
