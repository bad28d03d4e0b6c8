# redpebble — see README.md. Pure Go: builds with CGO_ENABLED=0.
GO        ?= go
export CGO_ENABLED ?= 0
PORT      ?= 6379
DATA      ?= data
FUZZTIME  ?= 3s
BIN       := bin/redpebble
# Packages that import only the standard library run under the race
# detector too (it needs cgo; pebble's cgo build is slow to compile).
RACE_PKGS := ./resp/ ./pubsub/ ./replication/rdb/ ./server/config/

.PHONY: build run test unit race fuzz fuzz-quick bench lint clean

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

# Every FuzzXxx target of every package for FUZZTIME each.
fuzz-quick:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime=50x $$pkg >/dev/null || \
	      { echo "FAIL fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime=50x $$pkg; exit 1; }; \
	  done; \
	done; echo "fuzz targets: ok"

# Long fuzzing: make fuzz FUZZTIME=10m
fuzz: FUZZTIME = 1m
fuzz: fuzz-quick

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./resp/ ./pubsub/ ./replication/rdb/ ./store/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin $(DATA)
