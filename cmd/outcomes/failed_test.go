package main

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/surgeon-outcomes/outcomes/ingest"
)

// TestPrintFailed checks that the rows a named check skipped are listed
// under the file's summary line, the first ingest.MaxListedFailed with
// their lines and the rest counted, and that nothing is printed when no
// row failed a check.
func TestPrintFailed(t *testing.T) {
	var buf bytes.Buffer
	printFailed(&buf, ingest.FileSummary{Name: "a.csv"})
	if buf.Len() != 0 {
		t.Errorf("printFailed with no failed rows = %q, want nothing", buf.String())
	}
	f := ingest.FileSummary{Name: "a.csv", Failed: 23}
	var want string
	for line := 2; line < 2+ingest.MaxListedFailed; line++ {
		f.FailedRows = append(f.FailedRows, &ingest.RowError{File: "a.csv", Line: line, Column: 4, Field: "d",
			Err: errors.New("events (4) exceed cases (1)")})
		want += fmt.Sprintf("  skipped a.csv:%d:4: d: events (4) exceed cases (1)\n", line)
	}
	want += "  and 3 more skipped rows failing a check (23 in all)\n"
	printFailed(&buf, f)
	if buf.String() != want {
		t.Errorf("printFailed =\n%s\nwant\n%s", buf.String(), want)
	}
}
