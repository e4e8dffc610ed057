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

.PHONY: help setup build test run token rebuild clock clean bench-scoring bench-eventbus bench-grpc bench-load bench-history bench-rebuild bench-scale images fuzz

help:
	@echo "make run    start Redis and the four services locally and run the main job, the simulated marketplace (Ctrl-C stops all)"
	@echo "make run RUN_ARGS=\"--sellers 500 --orders 30000 --months 18 --seed 7 --once\"   its size and seed (docs/simulation.md)"
	@echo "make test   build and run every test"
	@echo "make token SUB=seller-1 ROLES=seller   print a bearer token the local services accept"
	@echo "make rebuild [DRY=1] [SCORING=http://host:port]   rebuild Scoring's aggregates from the stored facts under the current policy (progress bar)"
	@echo "make run RUN_ARGS=--simulated-clock    the services on the simulated clock (docs/clock.md); then: make clock BY=1d"
	@echo "make images the four service images (and local base images), with Docker here and no registry"
	@echo "make bench-scoring   BenchmarkDotNet: ns/allocations per order applied, ranking 1,000,000 Gigs"
	@echo "make bench-eventbus  events/s publish+consume+ack vs redis-benchmark XADD (EVENTS=20000); MODE=commit: Redis time per unit-of-work commit vs MULTI/EXEC"
	@echo "make bench-rebuild   orders/s of a Scoring rebuild from 1,000,000 stored orders and events/s of a replay, vs redis-benchmark HSET -P 16 (ORDERS=1000000)"
	@echo "make bench-grpc      h2load: our gRPC stack vs Grpc.AspNetCore alone vs bare Kestrel vs grpc-js, and GetGigScore (req/s, p99, ratios)"
	@echo "make bench-load      mixed traffic at 32 in flight against the four services as processes: calls/s, p50/p99 per RPC, CPU/RSS, Redis commands per call (DURATION=30)"
	@echo "make bench-scale     1,000,000 Gigs bulk-loaded: Scoring's event ingest, GetGigScore p99, Redis memory per Gig, the daily evaluation, vs redis-benchmark (GIGS, SELLERS, SMALL=1)"
	@echo "make bench-history   evaluation history: bytes per Gig per evaluation (MEMORY USAGE), ExplainScoreChange p50/p99 at 100,000 Gigs (GIGS=100000)"
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

DRY ?=
SCORING ?=
rebuild: build
	@dotnet tools/Marketplace.DevHost/bin/$(CONFIGURATION)/net10.0/Marketplace.DevHost.dll rebuild $(if $(DRY),--dry-run) $(if $(SCORING),--scoring $(SCORING))

## Reads (no BY) or advances (BY=90m, 12h, 30d) the simulated clock of a `make run RUN_ARGS=--simulated-clock` (docs/clock.md).
BY ?=
clock:
	@dotnet tools/Marketplace.DevHost/bin/$(CONFIGURATION)/net10.0/Marketplace.DevHost.dll clock $(if $(BY),advance $(BY))

bench-scoring: setup
	cd bench/Scoring.Benchmarks && dotnet run -c Release -- --filter '*'

ORDERS ?= 1000000
REPLAY_ORDERS ?= 100000
bench-rebuild: build
	bash bench/rebuild/run.sh $(ORDERS) $(REPLAY_ORDERS)

bench-scale: setup
	bash bench/scale/run.sh

EVENTS ?= 20000
bench-eventbus: setup
	bench/eventbus/run.sh $(MODE) $(EVENTS)

bench-grpc: setup
	bash bench/grpc/run.sh

bench-load: build
	dotnet bench/load/bin/$(CONFIGURATION)/net10.0/Marketplace.Bench.Load.dll
GIGS ?= 100000
bench-history: setup
	cd bench/history && dotnet run -c Release -- $(GIGS)

N ?= 10000
SEED ?= 20261201
fuzz: build
	@set -o pipefail; FUZZ_REQUESTS=$(N) FUZZ_SEED=$(SEED) dotnet test tests/Interop.Tests -c $(CONFIGURATION) --no-build \
	  --filter "FullyQualifiedName~Interop.Tests.Fuzz" --logger "console;verbosity=normal" | grep -v '^\s*$$'

clean:
	dotnet clean platform.sln -c $(CONFIGURATION) -v quiet
	rm -rf .artifacts .run
