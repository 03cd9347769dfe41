package ingest

import (
	"errors"
	"fmt"
	"strings"
)

// rowCheck is a check of one row's figures against each other: a row that
// fails it contradicts itself (deaths 4 of 1 case), whatever the rest of
// the file says. Such a row is an error, or, where the mapping's [skip]
// checks names the check, a row left out, counted by its reason and listed
// by its line in the summary.
type rowCheck struct {
	// Name is how [skip] checks names the check.
	Name string
	// Reason is how the summary and the release count the rows it skips.
	Reason string
	// format is the error on the row, given the row's figures.
	format string
}

// Names of the row checks that a mapping may skip rows on.
const (
	checkEventsOverCases   = "events_over_cases"
	checkExpectedOverCases = "expected_over_cases"
	checkPublishedInterval = "published_interval"
)

// rowChecks lists every check a mapping's [skip] checks may name: the one
// place each check's name, its reason and its error's words are written.
// Only contradictions between two of a row's own figures are here; a value
// that is wrong on its own (a negative count, a rate over 100%) or a row the
// mapping cannot read is never skipped.
func rowChecks() []rowCheck {
	return []rowCheck{
		{Name: checkEventsOverCases, Reason: "events exceed cases", format: "events (%d) exceed cases (%d)"},
		{Name: checkExpectedOverCases, Reason: "expected exceeds cases", format: "expected (%s) exceeds cases (%d)"},
		// Only a row of the publisher's figures only (figures =
		// "published") is checked: there they are the unit's result, while
		// beside counts they are provenance, shown as printed.
		{Name: checkPublishedInterval, Reason: "published rate outside its interval", format: "the publisher's figures contradict each other: %s"},
	}
}

// lookupCheck returns the check named name.
func lookupCheck(name string) (rowCheck, bool) {
	for _, c := range rowChecks() {
		if c.Name == name {
			return c, true
		}
	}
	return rowCheck{}, false
}

// checkNames lists the names of the checks, for messages.
func checkNames() string {
	var names []string
	for _, c := range rowChecks() {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

// checkError is a row failing a named check, in the check's words with
// the row's figures.
type checkError struct {
	check rowCheck
	msg   string
}

func (e *checkError) Error() string { return e.msg }

// failed returns the error of a row that fails check name with the given
// figures. It panics on a name not in rowChecks: a programming error.
func failed(name string, figures ...any) *checkError {
	c, ok := lookupCheck(name)
	if !ok {
		panic("ingest: no row check " + name)
	}
	return &checkError{check: c, msg: fmt.Sprintf(c.format, figures...)}
}

// asCheck returns the named check a row error is, if it is one.
func asCheck(err error) (rowCheck, bool) {
	var ce *checkError
	if errors.As(err, &ce) {
		return ce.check, true
	}
	return rowCheck{}, false
}
