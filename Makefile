# Thin wrapper around CMake presets. Every goal installs what it needs first.
.PHONY: all build run dev test bench lambda clean

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

# npm test tools (redocly, playwright-core), pinned in tests/node/package-lock.json.
build/node/.stamp: tests/node/package.json tests/node/package-lock.json
	mkdir -p build/node
	cp tests/node/package.json tests/node/package-lock.json tests/node/.npmrc build/node/
	cd build/node && npm ci --silent
	touch $@

# The lambda preset is built too, so that ctest checks the bootstraps and
# runs one through cgate-local.
test: $(VENV)/.stamp-test build/node/.stamp
	@tools/deps.sh test
	cmake --preset dev >/dev/null
	cmake --build --preset dev
	cmake --preset lambda >/dev/null
	cmake --build --preset lambda
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
bench: build $(VENV)/.stamp-bench build/bench-node/.stamp
	cmake --preset lambda >/dev/null
	cmake --build --preset lambda
	bench/run.sh

# The app binaries as Lambda bootstraps (build/lambda/bin), checked for
# provided.al2023: glibc only, no symbol newer than GLIBC_2.34.
lambda:
	@tools/deps.sh build
	cmake --preset lambda >/dev/null
	cmake --build --preset lambda
	tools/check-bootstrap.sh build/lambda/bin/*

clean:
	rm -rf build
