# Every target is documented in README.md § Development.
GO       ?= go
DB       ?= outcomes.db
ADDR     ?= 127.0.0.1:8080
FUZZTIME ?= 30s
BENCHDIR ?= $(or $(TMPDIR),/tmp)/outcomes-bench

.PHONY: build run test race cover bench bench-import fuzz fmt lint deps ci clean

build:
	$(GO) build -o bin/ ./cmd/...

# run loads the bundled synthetic demo release (unless it is loaded) and
# serves it on $(ADDR).
run: build
	bin/outcomes demo --db $(DB) --addr $(ADDR)

test:
	$(GO) test ./...

race:
	$(GO) test -race -count=1 ./...

cover:
	$(GO) test -coverprofile=coverage.out ./...
	$(GO) tool cover -html=coverage.out -o coverage.html

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./stats ./ingest

# bench-import times `outcomes ingest` of 1,000,000 canonical rows beside
# sqlite3's .import of the same file (needs the sqlite3 command-line tool).
bench-import: build
	mkdir -p $(BENCHDIR) && rm -f $(BENCHDIR)/*.db*
	$(GO) test ./ingest -run '^TestWriteBenchmarkFile$$' -count=1 -args -bench-file=$(BENCHDIR)/rows.csv -bench-rows=1000000
	/usr/bin/time -f '%e s elapsed, %M KB peak RSS: sqlite3 .import' sqlite3 $(BENCHDIR)/import.db '.import --csv $(BENCHDIR)/rows.csv outcome'
	/usr/bin/time -f '%e s elapsed, %M KB peak RSS: outcomes ingest' bin/outcomes ingest --db $(BENCHDIR)/ingest.db $(BENCHDIR)/rows.csv

fuzz:
	$(GO) test ./ingest -run='^$$' -fuzz=FuzzDecode -fuzztime=$(FUZZTIME) -fuzzminimizetime=3s

fmt:
	gofmt -w .

lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# deps checks the import rules of STYLE.md §1 (the test runs in `make test` too).
deps:
	$(GO) test ./cmd/outcomes -run '^TestImportRules$$' -count=1

ci: lint race deps

clean:
	rm -rf bin coverage.out coverage.html
