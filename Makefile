# One command to run the stack, one to test it. See README.md.
SHELL := /bin/bash
.PHONY: all deps build lint test test-only run stop clean bench

all: build

deps:
	@scripts/deps.sh

build:
	@npx tsc -b
	@node apps/web/build.mjs
	@chmod +x bin/* 2>/dev/null || true

lint:
	@npx eslint . --max-warnings=0

# Every suite in one mocha run; the last line is "N passed, M failed".
test: deps lint build test-only

test-only:
	@npx mocha

run: build
	@node apps/stack/dist/src/main.js run

stop:
	@node apps/stack/dist/src/main.js stop

bench: build
	@node bench/dist/run.js

clean:
	@rm -rf apps/*/dist packages/*/dist test/dist bench/dist *.tsbuildinfo
