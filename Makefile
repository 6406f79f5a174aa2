# embedscope: `make demo` and `make test` are all a newcomer needs; each sets itself up
# (Debian's libopenblas-dev, a .venv with torch 2.13.0 for libtorch) on first use.
# `make lean` builds the t-SNE/PCA/pictures/export tool alone, without libtorch, and
# `make test-lean` runs the fast test tier that needs no libtorch.
SHELL := /bin/bash
ENV := source scripts/env.sh &&
LEAN_ENV := export EMBEDSCOPE_LEAN=1 && source scripts/env.sh &&
BIN := target/release/embedscope

.PHONY: build lean demo test test-lean browser-test bench tensorboard clean

build:
	$(ENV) cargo build --release --locked

lean:
	$(LEAN_ENV) cargo build --release --locked --no-default-features

demo: build
	$(ENV) $(BIN) demo

test:
	$(ENV) cargo test --release --locked

test-lean:
	$(LEAN_ENV) cargo test --release --locked --no-default-features

# The HTML viewer in headless Chromium (installs chromium and playwright-core when missing).
browser-test:
	scripts/browser_test.sh

bench:
	$(ENV) cargo bench --locked

tensorboard:
	scripts/tensorboard.sh output/logs

clean:
	cargo clean
