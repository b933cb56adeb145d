# csvr: the two commands a newcomer needs are `make run` (count the bundled sample through
# Python and C) and `make test` (every test: Rust, C, C++, Python). Both first check their
# prerequisites (scripts/setup.sh: installs what is missing where it can, as root with
# apt-get, and says what it installs and why). Everything else here is a step of those two.

CARGO   ?= cargo
PYTHON  ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
SAMPLE  := examples/data/sample.csv
LIBDIR  := $(CURDIR)/target/release

export CSVR_LIBDIR := $(LIBDIR)

# The version, from Cargo.toml; the SONAME is libcsvr.so.$(MAJOR) (build.rs sets it).
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))

BENCH_VENV := bench/.venv
SIZE ?= 1024
FUZZ_SECONDS ?= 60
export FUZZ_SECONDS
FUZZ_TARGETS := differential c_api split
export FUZZ_TARGETS

.PHONY: run test lib header python examples test-rust test-c test-c-valgrind test-python \
        test-bench test-readme test-install lint bench bench-arrow bench-node bench-dask bench-venv bench-tools bench-zsv bench-memory test-fuzz \
        fuzz-tools test-aarch64 install uninstall clean _run node test-node test-go test-java conformance-corpus \
        dist test-wheel

## run: build everything and count the bundled sample through Python and the C example;
## builds only what changed since the last run
run:
	@bash scripts/setup.sh run
	@$(MAKE) --no-print-directory _run

_run: python examples
	@echo "== Python: python -m csvr count $(SAMPLE)"
	@$(VPY) -m csvr count $(SAMPLE)
	@echo "== C: bindings/c/csvr-count $(SAMPLE)"
	@./bindings/c/csvr-count $(SAMPLE)
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory node && \
	  echo "== Node.js: require('./bindings/node').count('$(SAMPLE)')" && \
	  node -p "require('./bindings/node').count('$(SAMPLE)')"; \
	else echo "== Node.js: skipped (no node and npm)"; fi
	@if command -v go >/dev/null 2>&1; then \
	  echo "== Go: go run ./cmd/csvr-count $(SAMPLE)" && \
	  cd bindings/go && $(GO_ENV) go run ./cmd/csvr-count ../../$(SAMPLE); \
	else echo "== Go: skipped (no go)"; fi
	@if command -v javac >/dev/null 2>&1 && [ -f /usr/share/java/jna.jar ]; then \
	  bash bindings/java/build.sh jar >/dev/null && \
	  echo "== Java: java io.csvr.Csvr $(SAMPLE)" && \
	  java -Dcsvr.library=$(LIBDIR)/libcsvr.so -cp bindings/java/build/csvr.jar:/usr/share/java/jna.jar \
	    io.csvr.Csvr $(SAMPLE); \
	else echo "== Java: skipped (no javac or JNA)"; fi

## test: every test suite (Rust, C and C++ plainly, with valgrind and sanitizers, the
## README's C program, an install built against with pkg-config, Python, a benchmark smoke
## run, the unit tests for AArch64 under qemu, fuzzing for FUZZ_SECONDS per target), then
## a summary; scripts/test.sh SUITE... runs some of them
test:
	@bash scripts/test.sh

## lib: the shared and static library in target/release. The shared library's SONAME is
## libcsvr.so.$(MAJOR), the name programs linked against it load: the link beside it lets
## them (the examples, the C tests) run from target/release.
lib:
	$(CARGO) build --release
	@ln -sf libcsvr.so $(LIBDIR)/libcsvr.so.$(MAJOR)

## header: regenerate include/csvr.h from src/ffi (commit the result)
header:
	CSVR_UPDATE_HEADER=1 $(CARGO) build

## python: a virtualenv in .venv with the csvr package (built by pip, library inside) and
## pytest; the package is reinstalled only when the Rust or Python sources changed
PY_STAMP   := $(VENV)/.csvr-installed
PY_SOURCES := $(shell find src bindings/python/csvr -name '*.rs' -o -name '*.py' -o -name py.typed) \
              bindings/python/pyproject.toml bindings/python/setup.py Cargo.toml Cargo.lock build.rs cbindgen.toml
python: $(PY_STAMP)

$(PY_STAMP): $(VPY) $(PY_SOURCES)
	$(VPY) -m pip install --quiet --force-reinstall --no-deps ./bindings/python
	@touch $@

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

## test-c: the C and C++ tests, plainly and with AddressSanitizer and UBSan
test-c: lib conformance-corpus
	$(MAKE) -C tests/c check asan

## test-c-valgrind: the C and C++ tests under valgrind
test-c-valgrind: lib conformance-corpus
	$(MAKE) -C tests/c valgrind

## test-python: the Python tests, with the Arrow consumers they hand streams to (pyarrow,
## polars, DuckDB, pandas: tests/python/requirements.txt, installed into .venv when that
## file changes; the csvr package does not depend on them)
PY_TEST_REQUIREMENTS := tests/python/requirements.txt
PY_TEST_STAMP := $(VENV)/.test-requirements-installed

$(PY_TEST_STAMP): $(VPY) $(PY_TEST_REQUIREMENTS)
	$(VPY) -m pip install --quiet -r $(PY_TEST_REQUIREMENTS)
	@touch $@

test-python: python $(PY_TEST_STAMP) conformance-corpus
	$(VPY) -m pytest -q -rs tests/python

## dist: the Python package for PyPI, into dist/: py3-none-manylinux_2_17_x86_64 and
## _aarch64 wheels (their library linked against glibc 2.17 with cargo-zigbuild and zig,
## both from PyPI; they install without Rust, on any CPython 3) checked by auditwheel, and
## an sdist that carries the crate and builds from source with Rust (scripts/dist.sh)
dist:
	bash scripts/dist.sh

## test-wheel: the wheel installed into a fresh virtualenv with no cargo or rustc on PATH,
## and the sample count and the Python tests run against it; the sdist built from source
## with Rust by pip; the AArch64 wheel's library run under qemu (scripts/test-wheel.sh)
test-wheel: dist conformance-corpus
	bash scripts/test-wheel.sh

## node: the Node.js binding's dependency (koffi, from npm, with its prebuilt binaries: its
## install script is not needed and not run), reinstalled when package-lock.json changes
NODE_STAMP := bindings/node/node_modules/.csvr-installed
node: lib $(NODE_STAMP)

$(NODE_STAMP): bindings/node/package.json bindings/node/package-lock.json
	cd bindings/node && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

## test-node: the Node.js binding's tests (node --test): the conformance suite, its own
## behaviour (errors, closing, leaks, worker threads, ESM) and the header's prototypes
test-node: node conformance-corpus
	cd bindings/node && node --expose-gc --test test/

## conformance-corpus: the conformance cases of ../shared/corpus's files (their csv-crate
## expectations in target/conformance/corpus, made by the Rust test that writes them), which
## every binding's tests run when the corpus is there
conformance-corpus:
	$(CARGO) test --release --test conformance corpus_expectations_for_the_bindings

## test-go: the Go binding (bindings/go, cgo against target/release): go vet, then go test
## (the conformance suite, the binding's own tests, the header's signatures)
GO_ENV := CGO_ENABLED=1 CGO_CFLAGS="-I$(CURDIR)/include" \
          CGO_LDFLAGS="-L$(LIBDIR) -Wl,-rpath,$(LIBDIR)"
test-go: lib conformance-corpus
	cd bindings/go && $(GO_ENV) go vet ./...
	cd bindings/go && $(GO_ENV) go test -v -count=1 ./...

## test-java: the Java binding (bindings/java: javac, JNA and JUnit 5 from Debian), built
## and tested by its build.sh, which ends with "N passed, M failed"
test-java: lib conformance-corpus
	CSVR_LIBRARY=$(LIBDIR)/libcsvr.so bash bindings/java/build.sh

## test-readme: the C program in README.md's "## C" section compiles and runs
test-readme: lib
	bash scripts/test-readme.sh

## test-install: `make install` into a temporary prefix, then a C and a C++ program built
## outside the repository with pkg-config only
test-install: lib
	bash scripts/test-install.sh

## bench-tools: the benchmark's programs: the Rust ones (gen-corpus, count-tools), the C
## reader read-csvr against target/release (with -DCSVR_HAS_SPLIT when include/csvr.h
## declares csvr_split_path), and zsv's reader when zsv can be built (bench-zsv)
BENCH_BIN := bench/out/bin
BENCH_CFLAGS := -O2 -Wall -Wextra -std=c11
bench-tools: lib bench-zsv
	$(CARGO) build --release -p csvr-bench
	@mkdir -p $(BENCH_BIN)
	$(CC) $(BENCH_CFLAGS) $(if $(shell grep -l csvr_split_path include/csvr.h),-DCSVR_HAS_SPLIT) \
	  -Iinclude bench/c/read_csvr.c -L$(LIBDIR) -lcsvr -Wl,-rpath,$(LIBDIR) -o $(BENCH_BIN)/read-csvr

## bench-zsv: zsv (liquidaty/zsv), a contender of the reading section, built offline from a
## local bare mirror (ZSV_GIT) into the ignored bench/out/zsv, and bench/c/read_zsv.c linked
## against it. Only the extracted copy in bench/out is ever built: no zsv code is in this
## repository. Without a mirror (in CI), or when the build fails, it prints a note and the
## benchmark skips zsv; it never fails the build.
ZSV_GIT ?= $(firstword $(wildcard $(CURDIR)/../.mirror/liquidaty+zsv/repo))
ZSV_DIR := bench/out/zsv
bench-zsv:
	@mkdir -p $(BENCH_BIN); rm -f $(BENCH_BIN)/read-zsv; \
	if [ -z "$(ZSV_GIT)" ] || ! rev=$$(git --git-dir="$(ZSV_GIT)" rev-parse -q --verify HEAD 2>/dev/null); then \
	  echo "note: zsv not built: no mirror of liquidaty/zsv (set ZSV_GIT to a bare clone); the benchmark skips it"; \
	  exit 0; \
	fi; \
	if [ "$$(cat $(ZSV_DIR)/built 2>/dev/null)" != "$$rev" ]; then \
	  echo "building zsv $$rev from $(ZSV_GIT) in $(ZSV_DIR) (log: $(ZSV_DIR)/build.log)"; \
	  rm -rf $(ZSV_DIR) && mkdir -p $(ZSV_DIR)/src && \
	  { git --git-dir="$(ZSV_GIT)" archive HEAD configure make src include | tar -x -C $(ZSV_DIR)/src && \
	    ( cd $(ZSV_DIR)/src && \
	      ./configure --prefix=$(CURDIR)/$(ZSV_DIR)/prefix --minimal=yes --enable-sheet=no --pcre2-8-prefix=no && \
	      $(MAKE) -C src install CONFIGFILE=$(CURDIR)/$(ZSV_DIR)/src/config.mk ); } \
	    > $(CURDIR)/$(ZSV_DIR)/build.log 2>&1 && echo "$$rev" > $(CURDIR)/$(ZSV_DIR)/built; \
	fi; \
	if [ -f $(ZSV_DIR)/built ] && $(CC) $(BENCH_CFLAGS) -I$(ZSV_DIR)/prefix/include bench/c/read_zsv.c \
	    $(ZSV_DIR)/prefix/lib/libzsv.a -o $(BENCH_BIN)/read-zsv >> $(ZSV_DIR)/build.log 2>&1; then \
	  echo "zsv: $(BENCH_BIN)/read-zsv (zsv $$rev)"; \
	else \
	  echo "note: zsv not built: its build failed (see $(ZSV_DIR)/build.log); the benchmark skips it"; \
	fi

## test-bench: the benchmarks at 4 MiB, one run: proves they run, measures nothing, and
## checks that every csvr reader of the reading section, and every Arrow consumer of
## csvr's streams, agrees with the csv crate (`ok:` lines)
test-bench: bench-tools examples python $(PY_TEST_STAMP)
	$(VPY) bench/run.py --small
	$(VPY) bench/arrow.py --small

## bench-venv: the benchmarks' own virtualenv: their contenders (bench/requirements.txt)
## and this csvr
bench-venv:
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	$(BENCH_VENV)/bin/python -m pip install --quiet --force-reinstall --no-deps ./bindings/python

## bench: the side-by-side benchmark (SIZE=1024 MiB corpora in bench/out; takes a while)
bench: bench-tools examples bench-venv
	$(BENCH_VENV)/bin/python bench/run.py --size $(SIZE)

## bench-node: the Node.js figure (bench/node/bench.js): csvr's Reader against the csv-parse
## package (installed in bench/node only) and readFileSync + split, on FILE (default: the
## SIZE MiB numeric corpus)
bench-node: bench-tools node
	cd bench/node && npm install --no-audit --no-fund --ignore-scripts --loglevel=error
	test -f bench/out/numeric.csv || $(LIBDIR)/gen-corpus bench/out $(SIZE) numeric
	node bench/node/bench.js $(or $(FILE),bench/out/numeric.csv)

## bench-dask: csvr.dask on 1 and 2 worker processes against dask.dataframe.read_csv and
## single-process csvr, on FILE (default: the SIZE MiB quoted corpus), median of RUNS
bench-dask: bench-tools python $(PY_TEST_STAMP)
	test -n "$(FILE)" || test -f bench/out/quoted.csv || $(LIBDIR)/gen-corpus bench/out $(SIZE) quoted
	$(VPY) bench/dask_bench.py $(or $(FILE),bench/out/quoted.csv) --runs $(or $(RUNS),3)

## bench-arrow: whole files into tables of string columns: csvr's Arrow stream into
## pyarrow, polars and DuckDB beside their own CSV readers (SIZE MiB corpora, the real
## files REAL="a.csv b.csv" or the largest in ../shared/corpus), then one STREAM_SIZE MiB
## file streamed batch by batch (0: skip it)
STREAM_SIZE ?= 4096
REAL ?=
bench-arrow: bench-tools bench-venv
	$(BENCH_VENV)/bin/python bench/arrow.py --size $(SIZE) --stream-size $(STREAM_SIZE) \
	  $(foreach r,$(REAL),--real $(r))

fuzz-tools:
	command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked

## test-fuzz: each fuzz target for FUZZ_SECONDS (libFuzzer, AddressSanitizer), from the
## committed seeds; prints each target's final statistics, not libFuzzer's progress lines
## (the whole output is in target/test-logs/fuzz-TARGET.log)
test-fuzz: fuzz-tools
	bash scripts/fuzz.sh

## bench-memory: peak RSS of counting and reading by file size (SIZES in MiB)
SIZES ?= 100 1024 4096
bench-memory: bench-tools python
	$(VPY) bench/memory.py --sizes $(SIZES)

## test-aarch64: the library's unit tests (the NEON scanner among them) built for AArch64
## and run under qemu-user; needs qemu-user and gcc-aarch64-linux-gnu (scripts/setup.sh
## installs them when it can)
AARCH64 := aarch64-unknown-linux-gnu
test-aarch64:
	rustup target add $(AARCH64)
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
	$(CARGO) test --release --target $(AARCH64) --lib
	$(CARGO) clippy --target $(AARCH64) --all-targets -- -D warnings

## install: the libraries, the headers and csvr.pc under PREFIX (DESTDIR for staging):
## lib/libcsvr.so.$(VERSION) with the links libcsvr.so.$(MAJOR) and libcsvr.so, lib/libcsvr.a,
## include/csvr.h and csvr.hpp, lib/pkgconfig/csvr.pc
PREFIX      ?= /usr/local
DESTDIR     ?=
libdir      ?= $(PREFIX)/lib
includedir  ?= $(PREFIX)/include
pkgconfigdir ?= $(libdir)/pkgconfig

# Builds the library only if it is missing, so that `make lib && sudo make install` does
# not need cargo as root.
install: $(LIBDIR)/libcsvr.so $(LIBDIR)/libcsvr.a
	install -d $(DESTDIR)$(libdir) $(DESTDIR)$(includedir) $(DESTDIR)$(pkgconfigdir)
	install -m 755 $(LIBDIR)/libcsvr.so $(DESTDIR)$(libdir)/libcsvr.so.$(VERSION)
	ln -sf libcsvr.so.$(VERSION) $(DESTDIR)$(libdir)/libcsvr.so.$(MAJOR)
	ln -sf libcsvr.so.$(MAJOR) $(DESTDIR)$(libdir)/libcsvr.so
	install -m 644 $(LIBDIR)/libcsvr.a $(DESTDIR)$(libdir)/libcsvr.a
	install -m 644 include/csvr.h bindings/cpp/csvr.hpp $(DESTDIR)$(includedir)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(libdir)|g' \
	    -e 's|@INCLUDEDIR@|$(includedir)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    csvr.pc.in > $(DESTDIR)$(pkgconfigdir)/csvr.pc
	@# The loader's cache must learn the new library where the loader looks (/usr/local/lib
	@# and the other directories ld.so.conf lists); other prefixes need an rpath (README).
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null 2>&1 && \
	    cat /etc/ld.so.conf /etc/ld.so.conf.d/*.conf 2>/dev/null | grep -qxF "$(libdir)"; then \
	  echo "ldconfig"; ldconfig; fi

$(LIBDIR)/libcsvr.so $(LIBDIR)/libcsvr.a:
	$(MAKE) --no-print-directory lib

uninstall:
	rm -f $(DESTDIR)$(libdir)/libcsvr.so.$(VERSION) $(DESTDIR)$(libdir)/libcsvr.so.$(MAJOR) \
	      $(DESTDIR)$(libdir)/libcsvr.so $(DESTDIR)$(libdir)/libcsvr.a \
	      $(DESTDIR)$(includedir)/csvr.h $(DESTDIR)$(includedir)/csvr.hpp \
	      $(DESTDIR)$(pkgconfigdir)/csvr.pc

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf $(VENV) bindings/python/build dist
	$(MAKE) -C bindings/c clean
	$(MAKE) -C bindings/cpp clean
	$(MAKE) -C tests/c clean
