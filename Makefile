# kvmfit — the two commands: `make demo` and `make test` (and `make
# test-realtime` for the comparisons with other collectors in real time).
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/kvmfit
FLEET   := out/fleet
PKGS    := ./...

.PHONY: all build test test-realtime demo lint bench bench-scale quality fuzz clean dist

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kvmfit

# Unit, property and integration tests (real traces from ../shared/data and
# headless Chromium when present; CI installs Chromium, see .ci/run). They
# are deterministic (no test sleeps to the wall clock) and run with go
# test's default parallelism.
test: lint
	$(GO) test -count=1 -timeout 15m $(PKGS)

# The real-time comparisons (build tag realtime, docs/collector.md): kvmfit
# collect beside sysstat's sadc and beside the legacy shell collector under
# dash, the collector process stopped by SIGTERM and killed by SIGKILL, and
# the Prometheus importer against a live Prometheus and node_exporter on
# loopback. They need sysstat, dash, stress-ng, prometheus and
# prometheus-node-exporter (.ci/run installs them) and take about four
# minutes. One package at a time (-p 1): each comparison drives its own
# load (stress-ng, synced writes, UDP) and checks that both sides saw it;
# the others' load would be foreign traffic, which the comparisons measure
# and allow for, at the price of wider allowances. -v prints each row's
# comparison, allowances included. CI=1: a missing tool fails the run
# instead of skipping its test.
test-realtime:
	CI=1 $(GO) test -tags realtime -p 1 -count=1 -timeout 15m -v ./collect/...

# The main job on the bundled samples: a generated fleet of 100 legacy servers
# over 14 days, planned onto the candidate hosts of samples/hosts.yaml.
demo: build
	@test -f $(FLEET)/.complete || { rm -rf $(FLEET) && $(BIN) samples generate --servers 100 --days 14 --seed 1 --out $(FLEET) && touch $(FLEET)/.complete; }
	$(BIN) plan --data $(FLEET) --hosts samples/hosts.yaml --out out/plan.json --report out/report.html
	@echo "report: out/report.html  plan: out/plan.json"

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) vet -tags realtime ./collect/...

# Every benchmark once, including the packer's quality table over
# ../shared/data/binpacking (binpack/QUALITY.md; that part alone takes
# well over ten minutes).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 90m $(PKGS)

# The scale benchmark (docs/model.md §16): generate N servers × 30 days of
# 5-minute samples, then plan them phase by phase, reporting per phase the
# wall and CPU seconds, the peak resident set and the dataset's bytes on
# disk. SCALE_DIR keeps the dataset (and reuses it) instead of a temporary
# directory; 10,000 servers take minutes and gigabytes of disk.
N         ?= 1000
SCALE_DIR ?=
bench-scale:
	KVMFIT_SCALE_DIR=$(SCALE_DIR) $(GO) test -run '^$$' -bench '^BenchmarkScale$$' -benchtime 1x -timeout 3h -v ./cmd/kvmfit -args -scale.servers=$(N)

# Only the packer's quality table: per benchmark set, instances at the known
# optimum and the mean gap to the best known value.
quality:
	$(GO) test -run '^$$' -bench Quality -benchtime 1x -timeout 60m -v ./binpack/

# Short runs of every fuzz target.
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s $$pkg || exit 1; \
	  done; \
	done

DIST_TARGETS := linux/amd64 linux/386 linux/arm64 windows/amd64

# Static binaries for the collector's platforms, plus the legacy shell
# collector and the deployment files (docs/collector.md).
dist:
	@mkdir -p dist
	@for t in $(DIST_TARGETS); do \
	  os=$${t%/*}; arch=$${t#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  echo "dist/kvmfit-$$os-$$arch$$ext"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/kvmfit-$$os-$$arch$$ext ./cmd/kvmfit || exit 1; \
	done
	cp collect/legacy/kvmfit-collect.sh collect/deploy/kvmfit-collect.service collect/deploy/install-windows-service.cmd collect/deploy/typeperf-counters.txt dist/

clean:
	rm -rf bin out dist
