# Every target is documented in README.md § Development.
GO       ?= go
DB       ?= outcomes.db
ADDR     ?= 127.0.0.1:8080
FUZZTIME ?= 30s
BENCHDIR ?= $(or $(TMPDIR),/tmp)/outcomes-bench

.PHONY: build run test race cover bench bench-import bench-http bench-funnel fuzz fmt lint docs generate check-generated deps ci clean

build:
	$(GO) build -o bin/ ./cmd/...

# run loads the bundled synthetic demo release (unless it is loaded) and
# serves it on $(ADDR).
run: build
	bin/outcomes demo --db $(DB) --addr $(ADDR)

test:
	$(GO) test ./...

race:
	$(GO) test -race -count=1 -timeout=20m ./...

cover:
	$(GO) test -coverprofile=coverage.out ./...
	$(GO) tool cover -html=coverage.out -o coverage.html

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./stats ./ingest ./catalog ./api ./chart ./monitor

# bench-import times `outcomes ingest` of canonical files beside sqlite3's
# .import of the same file (needs the sqlite3 command-line tool) on two
# shapes, 1,000 surgeons (few-distinct) and a surgeon per row
# (all-distinct), with the ratio and peak memory of each, then how long
# `outcomes serve` takes to start on each (bench/import.sh,
# bench/servestart.sh). BENCHROWS lists the file sizes (rows).
BENCHROWS ?= 1000000
bench-import: build
	bench/import.sh $(BENCHDIR) $(BENCHROWS)

fuzz:
	$(GO) test ./ingest -run='^$$' -fuzz=FuzzDecode -fuzztime=$(FUZZTIME) -fuzzminimizetime=3s
	$(GO) test ./api -run='^$$' -fuzz=FuzzQuery -fuzztime=$(FUZZTIME) -fuzzminimizetime=3s
	$(GO) test ./monitor -run='^$$' -fuzz=FuzzRead -fuzztime=$(FUZZTIME) -fuzzminimizetime=3s

fmt:
	gofmt -w .
	$(GO) tool swag fmt -d ./api -g swagger.go

lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# docs regenerates the OpenAPI document (api/docs) from the handlers' swag
# annotations, generate the demo release's CSVs (demo/) from their generator;
# check-generated fails when either committed copy is stale. swag reads
# ./site too, for the data dictionary's types (site/dictionary.go).
docs:
	$(GO) tool swag init --quiet -d ./api,./site -g swagger.go -o ./api/docs --outputTypes go,json

generate:
	$(GO) generate ./demo

check-generated: docs generate
	@git diff --exit-code -- api/docs || { echo "api/docs is stale: run make docs and commit it"; exit 1; }
	@test -z "$$(git status --porcelain -- api/docs)" || { echo "api/docs has uncommitted files: run make docs and commit them"; exit 1; }
	@git diff --exit-code -- 'demo/*.csv' || { echo "demo/*.csv is stale: run make generate and commit it"; exit 1; }
	@test -z "$$(git status --porcelain -- 'demo/*.csv')" || { echo "demo has uncommitted CSV files: run make generate and commit them"; exit 1; }

# deps checks the import rules of STYLE.md §1 (the test runs in `make test` too).
deps:
	$(GO) test ./cmd/outcomes -run '^TestImportRules$$' -count=1

ci: lint race check-generated deps

clean:
	rm -rf bin coverage.out coverage.html

# bench-http measures requests per second for an API answer and a page with
# wrk, each beside nginx serving the same bytes as a static file (needs the wrk and nginx
# packages); `make bench-http RUNS=3` for three runs.
bench-http: build
	api/testdata/loadtest.sh
# bench-funnel times `outcomes funnel` on 100,000 risk-adjusted units beside
# a vectorised base-R script computing the same 22 columns (bench/funnel;
# needs r-base-core, which it installs as root).
bench-funnel:
	bench/funnel/run.sh
