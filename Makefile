# The two commands of this repository (see README.md):
#   make run   set up, build, start Redis + the four services locally, run the main job
#   make test  set up, build, run every test; ends with one line "N passed, N failed"
SHELL := /bin/bash
.DEFAULT_GOAL := help
CONFIGURATION ?= Release
RUN_ARGS ?=

export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: help setup build test run token clean bench-scoring bench-eventbus bench-grpc images fuzz

help:
	@echo "make run    start Redis and the four services locally and run the main job, the simulated marketplace (Ctrl-C stops all)"
	@echo "make run RUN_ARGS=\"--sellers 500 --orders 30000 --months 18 --seed 7 --once\"   its size and seed (docs/simulation.md)"
	@echo "make test   build and run every test"
	@echo "make token SUB=seller-1 ROLES=seller   print a bearer token the local services accept"
	@echo "make run RUN_ARGS=--simulated-clock    the services on the simulated clock (docs/clock.md); then: make clock BY=1d"
	@echo "make images the four service images (and local base images), with Docker here and no registry"
	@echo "make bench-scoring   BenchmarkDotNet: ns/allocations per order applied, ranking 1,000,000 Gigs"
	@echo "make bench-eventbus  events/s publish+consume+ack vs redis-benchmark XADD (EVENTS=20000)"
	@echo "make bench-grpc      h2load: our gRPC stack vs Grpc.AspNetCore alone vs bare Kestrel vs grpc-js, and GetGigScore (req/s, p99, ratios)"
	@echo "make fuzz N=10000 SEED=7   seeded random calls to every RPC: statuses, state of refused calls, deaths (tests/Interop.Tests/Fuzz)"
	@echo "make clean  remove build output and local run data"

## Installs what is missing on a fresh Debian machine with the .NET SDK (idempotent, fast when nothing is missing).
setup:
	@tools/setup.sh

build: setup
	dotnet build platform.sln -c $(CONFIGURATION) -v quiet -clp:ErrorsOnly

test: build
	@deploy/images.sh --if-engine
	@tools/run-tests.sh $(CONFIGURATION)

run: build
	dotnet tools/Marketplace.DevHost/bin/$(CONFIGURATION)/net10.0/Marketplace.DevHost.dll $(RUN_ARGS)

## Container images of the services (deploy/images.sh; docs/deploy.md).
images: setup
	@deploy/images.sh

token: build
	@dotnet tools/Marketplace.DevHost/bin/$(CONFIGURATION)/net10.0/Marketplace.DevHost.dll token "$(SUB)" "$(ROLES)"

## Reads (no BY) or advances (BY=90m, 12h, 30d) the simulated clock of a `make run RUN_ARGS=--simulated-clock` (docs/clock.md).
BY ?=
.PHONY: clock
clock:
	@dotnet tools/Marketplace.DevHost/bin/$(CONFIGURATION)/net10.0/Marketplace.DevHost.dll clock $(if $(BY),advance $(BY))

bench-scoring: setup
	cd bench/Scoring.Benchmarks && dotnet run -c Release -- --filter '*'

EVENTS ?= 20000
bench-eventbus: setup
	bench/eventbus/run.sh $(EVENTS)

bench-grpc: setup
	bash bench/grpc/run.sh

N ?= 10000
SEED ?= 20261201
fuzz: build
	@set -o pipefail; FUZZ_REQUESTS=$(N) FUZZ_SEED=$(SEED) dotnet test tests/Interop.Tests -c $(CONFIGURATION) --no-build \
	  --filter "FullyQualifiedName~Interop.Tests.Fuzz" --logger "console;verbosity=normal" | grep -v '^\s*$$'

clean:
	dotnet clean platform.sln -c $(CONFIGURATION) -v quiet
	rm -rf .artifacts .run
