package main

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules enforces the dependency rules of STYLE.md §1 on every
// package's non-test imports, as `go list` reports them.
func TestImportRules(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH: cannot list packages")
	}
	out, err := exec.Command(goTool, "list", "-json", "github.com/surgeon-outcomes/outcomes/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/surgeon-outcomes/outcomes/"
	type pkg struct {
		ImportPath string
		Imports    []string
		Deps       []string
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	std := map[string]bool{}
	stdOut, err := exec.Command(goTool, "list", "std").Output()
	if err != nil {
		t.Fatalf("go list std: %v", err)
	}
	for _, p := range strings.Fields(string(stdOut)) {
		std[p] = true
	}

	// allowed says, for each of our packages, which imports it may have:
	// ours lists our packages; other is a predicate for everything else.
	type rule struct {
		ours  []string
		other func(string) bool
	}
	stdOnly := func(p string) bool { return std[p] }
	prefixed := func(prefixes ...string) func(string) bool {
		return func(p string) bool {
			if std[p] {
				return true
			}
			for _, pre := range prefixes {
				if p == pre || strings.HasPrefix(p, pre+"/") {
					return true
				}
			}
			return false
		}
	}
	notFramework := func(p string) bool {
		return !strings.HasPrefix(p, "github.com/labstack/") && !strings.HasPrefix(p, "github.com/swaggo/")
	}
	rules := map[string]rule{
		"stats":         {other: prefixed("gonum.org/v1/gonum")},
		"store":         {other: prefixed("modernc.org/sqlite")},
		"static":        {other: stdOnly},
		"testdata/demo": {other: stdOnly},
		"ingest":        {ours: []string{"store"}, other: notFramework},
		"api":           {ours: []string{"store", "stats", "static"}, other: func(string) bool { return true }},
		"cmd/outcomes":  {ours: []string{"api", "ingest", "store", "stats", "static", "testdata/demo"}, other: func(string) bool { return true }},
	}
	for _, p := range pkgs {
		name := strings.TrimPrefix(p.ImportPath, mod)
		r, ok := rules[name]
		if !ok {
			t.Errorf("package %s has no import rule: add one to TestImportRules and STYLE.md §1", name)
			continue
		}
		for _, imp := range p.Imports {
			if ours, isOurs := strings.CutPrefix(imp, mod); isOurs {
				allowed := false
				for _, o := range r.ours {
					allowed = allowed || o == ours
				}
				if !allowed {
					t.Errorf("%s imports %s: not allowed (may import %v of ours)", name, ours, r.ours)
				}
				continue
			}
			if !r.other(imp) {
				t.Errorf("%s imports %s: not allowed by STYLE.md §1", name, imp)
			}
		}
	}
}
