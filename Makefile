# Thin wrapper around CMake presets. Every goal installs what it needs first.
.PHONY: all build run dev test bench clean

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

test: $(VENV)/.stamp-test
	@tools/deps.sh test
	cmake --preset dev >/dev/null
	cmake --build --preset dev
	ctest --preset dev

$(VENV)/.stamp-bench: requirements-bench.txt
	@tools/deps.sh bench
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-bench.txt
	touch $@

bench: build $(VENV)/.stamp-bench
	bench/run.sh

clean:
	rm -rf build
