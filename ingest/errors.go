package ingest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// RowError is a problem with one value, row or file, positioned like
// [encoding/csv.ParseError]. Line is 1-based; Column is the 1-based field
// number within the row (0 when the problem is with the whole row or file).
type RowError struct {
	File   string
	Line   int
	Column int
	// Field is the column's header as the publisher wrote it, when known.
	Field string
	Err   error
}

func (e *RowError) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	}
	msg := e.Err.Error()
	if e.Field != "" && !strings.HasPrefix(msg, e.Field+": ") { // no "cases: cases: …"
		msg = e.Field + ": " + msg
	}
	return pos + ": " + msg
}

func (e *RowError) Unwrap() error { return e.Err }

// DefaultMaxErrors is how many problems a failed run reports before it only
// counts the rest.
const DefaultMaxErrors = 50

// problems collects row errors up to a cap and counts the rest.
type problems struct {
	max   int
	list  []error
	total int
}

func (p *problems) add(err error) {
	p.total++
	if len(p.list) < p.max {
		p.list = append(p.list, err)
	}
}

// err returns nil when nothing was wrong, else the listed problems joined
// in file and line order (files in the order given), followed by a count of
// those left out.
func (p *problems) err(files []string) error {
	if p.total == 0 {
		return nil
	}
	order := make(map[string]int, len(files))
	for i, f := range files {
		order[f] = i
	}
	position := func(err error) (int, int, int) {
		var re *RowError
		if !errors.As(err, &re) {
			return len(files), 0, 0 // not about one place: last
		}
		return order[re.File], re.Line, re.Column
	}
	list := slices.Clone(p.list)
	slices.SortStableFunc(list, func(a, b error) int {
		af, al, ac := position(a)
		bf, bl, bc := position(b)
		return cmp.Or(cmp.Compare(af, bf), cmp.Compare(al, bl), cmp.Compare(ac, bc))
	})
	if more := p.total - len(p.list); more > 0 {
		list = append(list[:len(list):len(list)], fmt.Errorf("%d more problems not shown (%d in all)", more, p.total))
	}
	return &InputError{Total: p.total, err: errors.Join(list...)}
}

// InputError reports that the input was rejected. It wraps every listed
// [RowError]; use errors.As to reach them. Error returns one problem per line.
type InputError struct {
	// Total counts every problem found, including those not listed.
	Total int
	err   error
}

func (e *InputError) Error() string { return e.err.Error() }
func (e *InputError) Unwrap() error { return e.err }
