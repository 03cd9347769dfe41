// Command gendemo writes the demo release's CSV files, as package generate
// makes them, into a directory, replacing files of the same name. Package
// demo runs it from its own directory:
//
//	go generate ./demo
//
// Usage:
//
//	gendemo DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/surgeon-outcomes/outcomes/demo/internal/generate"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendemo DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
}

// run writes every generated file into dir.
func run(dir string) error {
	files, err := generate.Files()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
