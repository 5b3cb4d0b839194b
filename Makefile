# Thin wrapper around CMake presets. Every goal installs what it needs first.
.PHONY: all build run dev test bench lambda package install fuzz valgrind soak clean

APP ?= items
PYTHON ?= python3
VENV := build/venv

all: build

build:
	@tools/deps.sh build
	cmake --preset release >/dev/null
	cmake --build --preset release

run: build
	build/bin/$(APP) serve

# Rebuild and restart on every source change, like `uvicorn --reload`.
dev:
	@tools/deps.sh build
	tools/dev-reload.sh $(APP)

$(VENV)/.stamp-test: requirements-test.txt
	@tools/deps.sh test
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

# The deployment kit's checkers (sam, cfn-lint, checkov), apart: their pins
# clash with requirements-test.txt's (requirements-deploy.txt says why).
build/venv-deploy/.stamp: requirements-deploy.txt
	@tools/deps.sh test
	$(PYTHON) -m venv build/venv-deploy
	build/venv-deploy/bin/pip install -q --disable-pip-version-check -r requirements-deploy.txt
	touch $@

# npm test tools (redocly, playwright-core), pinned in tests/node/package-lock.json.
build/node/.stamp: tests/node/package.json tests/node/package-lock.json
	mkdir -p build/node
	cp tests/node/package.json tests/node/package-lock.json tests/node/.npmrc build/node/
	cd build/node && npm ci --silent
	touch $@

# The lambda preset is built too, so that ctest checks the bootstraps and
# runs one through cgate-local.
test: $(VENV)/.stamp-test build/venv-deploy/.stamp build/node/.stamp
	@tools/deps.sh test
	cmake --preset dev >/dev/null
	cmake --build --preset dev
	cmake --preset lambda >/dev/null
	cmake --build --preset lambda
	cmake --preset fuzz >/dev/null && cmake --build --preset fuzz
	ctest --preset dev

$(VENV)/.stamp-bench: requirements-bench.txt
	@tools/deps.sh bench
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-bench.txt
	touch $@

# npm peers of the Lambda benchmark, pinned in bench/node/package-lock.json.
build/bench-node/.stamp: bench/node/package.json bench/node/package-lock.json
	mkdir -p build/bench-node
	cp bench/node/package.json bench/node/package-lock.json bench/node/.npmrc build/bench-node/
	cd build/bench-node && npm ci --silent
	touch $@

# The lambda preset too: the benchmark's Lambda section times its bootstraps.
# The Rust and Go peers (bench/peers/, pinned in Cargo.lock and go.sum) are
# built where cargo and go are installed; the benchmark says it skips the others.
bench: build $(VENV)/.stamp-bench build/bench-node/.stamp
	cmake --preset lambda >/dev/null
	cmake --build --preset lambda
	@if command -v cargo >/dev/null; then \
		echo "cargo build --release --locked (bench/peers/rust, into build/bench-rust)"; \
		cargo build --release --locked --quiet --manifest-path bench/peers/rust/Cargo.toml --target-dir build/bench-rust; \
	else echo "bench: cargo not found: the Rust peers are skipped"; fi
	@if command -v go >/dev/null; then \
		echo "go build -mod=readonly (bench/peers/go, into build/bench-go)"; \
		go -C bench/peers/go build -mod=readonly -trimpath -o "$(CURDIR)/build/bench-go/peer" .; \
	else echo "bench: go not found: the Go peers are skipped"; fi
	bench/run.sh

# The app binaries as Lambda bootstraps (build/lambda/bin), checked for
# provided.al2023: glibc only, no symbol newer than GLIBC_2.34.
lambda:
	@tools/deps.sh build
	cmake --preset lambda >/dev/null
	cmake --build --preset lambda
	tools/check-bootstrap.sh build/lambda/bin/*

# Lambda function zips, dist/$(APP)-<arch>.zip with `bootstrap` at the root,
# for each of ARCH: built, checked for provided.al2023 and sized by
# tools/package.sh; the same sources give the same bytes. An app built
# elsewhere: make package APP=todo BINARIES="path/bootstrap-x86_64 ..." (each
# binary checked and zipped for the architecture its ELF header names).
ARCH ?= x86_64 arm64
package:
ifeq ($(BINARIES),)
	@tools/deps.sh package
	tools/package.sh $(APP) $(ARCH)
else
	tools/package.sh --name $(APP) $(foreach b,$(BINARIES),--binary $(b))
endif

# Install cgate for projects outside this tree (docs/install.md): headers,
# static libraries, pkg-config files, the CMake package, the cgate command.
# A Release build of its own (no tests, examples or benchmark) in
# INSTALL_BUILD; PREFIX defaults to /usr/local, DESTDIR stages it.
PREFIX ?= /usr/local
INSTALL_BUILD ?= build/install
install:
	@tools/deps.sh build
	cmake -S . -B $(INSTALL_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
		-DCG_TESTS=OFF -DCG_BUILD_EXAMPLES=OFF -DCG_BUILD_BENCH=OFF >/dev/null
	cmake --build $(INSTALL_BUILD)
	DESTDIR="$(DESTDIR)" cmake --install $(INSTALL_BUILD)

# The libFuzzer targets (fuzz/), each run FUZZ_SECONDS from its seeds; the
# figures go to build/fuzz/summary.txt, anything found to build/fuzz/crashes/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))

fuzz:
	@tools/deps.sh fuzz
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz
	@rm -f build/fuzz/summary.txt; failed=0; \
	for t in $(FUZZ_TARGETS); do fuzz/run.sh $$t $(FUZZ_SECONDS) || failed=1; done; exit $$failed

# The unit tests and a short run of the apps under valgrind's memcheck, on a
# build without the sanitizers (build/valgrind); any error or definite leak
# fails. About 6 minutes on two cores, hence not part of `make test`.
valgrind:
	@tools/deps.sh test
	@command -v valgrind >/dev/null || { echo "make valgrind needs valgrind (apt-get install valgrind)"; exit 1; }
	tools/valgrind.sh

# Five minutes of load beside 500 slow connections (bench/soak/run.sh):
# no error for the well-behaved clients, memory flat within 5%.
soak: build
	@tools/deps.sh bench
	bench/soak/run.sh

clean:
	rm -rf build dist
