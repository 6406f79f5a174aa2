# embedscope: `make demo` and `make test` are all a newcomer needs; each sets itself up
# (Debian's libopenblas-dev, a .venv with torch 2.13.0 for libtorch) on first use.
SHELL := /bin/bash
ENV := source scripts/env.sh &&
BIN := target/release/embedscope

.PHONY: build demo test bench tensorboard clean

build:
	$(ENV) cargo build --release --locked

demo: build
	$(ENV) $(BIN) demo

test:
	$(ENV) cargo test --release --locked

bench:
	$(ENV) cargo bench --locked

tensorboard:
	scripts/tensorboard.sh output/logs

clean:
	cargo clean
