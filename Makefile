# redpebble — see README.md. Pure Go: builds with CGO_ENABLED=0.
GO        ?= go
export CGO_ENABLED ?= 0
PORT      ?= 6379
DATA      ?= data
FUZZTIME  ?= 3s
# Extra go test flags of the fuzz targets, e.g. FUZZFLAGS=-parallel=1 on a shared machine.
FUZZFLAGS ?=
BIN       := bin/redpebble
# Packages that import only the standard library run under the race
# detector too (it needs cgo; pebble's cgo build is slow to compile).
RACE_PKGS := ./resp/ ./pubsub/ ./replication/rdb/ ./server/config/

.PHONY: build run test unit race fuzz fuzz-quick bench bench-quick bench-micro bench-tool lint clean help soak

build:
	$(GO) build -o $(BIN) ./cmd/redpebble

run: build
	mkdir -p $(DATA)
	./$(BIN) --port $(PORT) --dir $(DATA) $(ARGS)

# The test command of the README and CI: vet, unit + integration tests,
# the race detector on the lock-heavy standard-library packages, and a few
# seconds of every fuzz target.
test: lint unit race fuzz-quick

unit:
	$(GO) test -count=1 -timeout 15m ./...

race:
	CGO_ENABLED=1 $(GO) test -count=1 -race -timeout 10m $(RACE_PKGS)

# Every FuzzXxx target of every package for FUZZTIME each. A failing input
# is saved under the package's testdata/fuzz and fails the second run too (it
# becomes a seed); a first run that fails without one (the fuzzing engine's
# own worker hiccups under load) is reported and passes if the rerun does.
fuzz-quick:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime=50x $(FUZZFLAGS) $$pkg >/dev/null || \
	      { echo "fuzz $$pkg $$t failed; running it again with its output"; \
	        $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime=50x $(FUZZFLAGS) $$pkg || { echo "FAIL fuzz $$pkg $$t"; exit 1; }; }; \
	  done; \
	done; echo "fuzz targets: ok"

# Long fuzzing: make fuzz FUZZTIME=10m [FUZZFLAGS=-parallel=1]
fuzz: FUZZTIME = 1m
fuzz: fuzz-quick

# Side-by-side benchmarks of redis-server 7.0.15 and redpebble (issue 6):
# cmd/redpebble-bench starts both on random loopback ports, runs every
# workload on each in turns (3 rounds; quick: 1 round, small datasets),
# prints medians and redpebble/redis ratios, and writes $(BENCH_OUT)/results.json
# and $(BENCH_OUT)/lag.png. Never part of make test / CI.
#   make bench                    all workloads, < 10 min
#   make bench-quick              smoke run, < 1 min
#   make bench BENCH_BIG=1        plus the 4 GB larger-than-memory run (slow, ~10 GB RAM+disk)
#   make bench BENCH_ARGS='-only benchmark,pubsub -profile'
BENCH_OUT  ?= bin/bench
BENCH_BIG  ?= 0
BENCH_ARGS ?=
BENCH_FLAGS = -redpebble $(BIN) -out $(BENCH_OUT) -big=$(if $(filter 1,$(BENCH_BIG)),true,false) $(BENCH_ARGS)

bench-tool:
	$(GO) build -o bin/redpebble-bench ./cmd/redpebble-bench

bench: build bench-tool
	./bin/redpebble-bench $(BENCH_FLAGS)

bench-quick: build bench-tool
	./bin/redpebble-bench -quick $(BENCH_FLAGS)

# The Go micro-benchmarks of the packages (what make bench ran before).
bench-micro: build
	$(GO) test -run '^$$' -bench . -benchmem ./resp/ ./pubsub/ ./replication/rdb/ ./store/

# Fault soak (issue 7), never part of make test / CI: a redis-server master
# under random writes for SOAK_MINUTES, redpebble killed with -9, the link
# cut, the master restarted; datasets compared with DEBUG DIGEST.
SOAK_MINUTES ?= 5
soak:
	REDPEBBLE_SOAK=1 SOAK_MINUTES=$(SOAK_MINUTES) $(GO) test -count=1 -run '^TestSoak$$' -v -timeout 0 ./cmd/redpebble/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(DATA)

help:
	@echo "make build        build bin/redpebble"
	@echo "make run          build and start a node on ./$(DATA), port $(PORT) (ARGS=... for more flags)"
	@echo "make test         lint + unit/integration + race + a few seconds of every fuzz target (CI)"
	@echo "make unit|race|fuzz-quick|lint   the parts of make test; make fuzz FUZZTIME=10m for long fuzzing"
	@echo "make bench        redis-server vs redpebble side by side (< 10 min): table on stdout,"
	@echo "                  $(BENCH_OUT)/results.json, $(BENCH_OUT)/lag.png; BENCH_BIG=1 adds the 4 GB run,"
	@echo "                  BENCH_ARGS='-only benchmark,pubsub -profile -rounds 5' (see bin/redpebble-bench -h)"
	@echo "make bench-quick  the same, small and 1 round (< 1 min smoke run)"
	@echo "make bench-micro  Go micro-benchmarks of resp, pubsub, replication/rdb, store"
	@echo "make soak         fault soak: kill -9, link cuts, master restarts for SOAK_MINUTES (default 5)"
	@echo "make clean        remove bin/ and ./$(DATA)"
