package monitor

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/surgeon-outcomes/outcomes/selfcheck"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// Chart names which CUSUM chart signalled.
type Chart string

// The two CUSUM charts.
const (
	// Deterioration is the upper chart: the odds of death higher than the
	// risk model predicts.
	Deterioration Chart = "deterioration"
	// Improvement is the lower chart: the odds of death lower.
	Improvement Chart = "improvement"
)

// Signal is one chart crossing its limit.
type Signal struct {
	// Chart is which chart signalled.
	Chart Chart
	// Operation is the signalling operation's number in its series,
	// counting from 1; Date is its date and Line its line in the file.
	Operation int
	Date      string
	Line      int
}

// Series is one chart's operations, in the file's order, and the charts'
// values after each: the whole hospital's (Surgeon ""), or one surgeon's.
type Series struct {
	Surgeon    string
	Operations []Operation
	Points     []stats.MonitorPoint
	Signals    []Signal
	// Deaths counts the deaths and Expected sums the predicted risks.
	Deaths   int
	Expected float64
}

// Run charts the whole hospital, then, when the file names surgeons, each
// surgeon in the order they first operate: a surgeon's charts are run over
// their own operations alone, starting from 0, so a signal in one
// surgeon's series says nothing about another's.
func Run(in Input, m stats.Monitor) ([]Series, error) {
	out := []Series{{Operations: in.Operations}}
	if in.BySurgeon {
		at := map[string]int{}
		for _, s := range surgeons(in.Operations) {
			at[s] = len(out)
			out = append(out, Series{Surgeon: s})
		}
		for _, op := range in.Operations {
			s := &out[at[op.Surgeon]]
			s.Operations = append(s.Operations, op)
		}
	}
	ops := make([]stats.Operation, 0, len(in.Operations))
	for k := range out {
		s := &out[k]
		ops = ops[:0]
		for _, op := range s.Operations {
			ops = append(ops, op.Operation)
			s.Expected += op.Risk
			if op.Died {
				s.Deaths++
			}
		}
		pts, err := m.Run(ops)
		if err != nil {
			return nil, fmt.Errorf("monitor: %w", err)
		}
		s.Points = pts
		for i, p := range pts {
			op := s.Operations[i]
			if p.UpSignal {
				s.Signals = append(s.Signals, Signal{Chart: Deterioration, Operation: i + 1, Date: op.Date, Line: op.Line})
			}
			if p.DownSignal {
				s.Signals = append(s.Signals, Signal{Chart: Improvement, Operation: i + 1, Date: op.Date, Line: op.Line})
			}
		}
	}
	return out, nil
}

// Setting is one chart setting a request may choose: its parameter's
// name, its default, and the range it must lie in.
type Setting struct {
	Name     string
	Default  float64
	Min, Max float64
	// MinOpen and MaxOpen say Min or Max itself is not allowed (an odds
	// ratio of exactly 1 tests nothing).
	MinOpen, MaxOpen bool
	set              func(*stats.Monitor, float64)
}

// Settings are the parameters that set the charts: each limit h, and
// each odds ratio R. The ranges keep a chart meaningful: a limit above 10
// would take years of excess deaths to reach, and an odds ratio beyond 4 (or
// 1/4) looks only for a disaster.
var Settings = []Setting{
	{Name: "h_deterioration", Default: stats.DefaultUpLimit, Min: 0.5, Max: 10,
		set: func(m *stats.Monitor, v float64) { m.UpLimit = v }},
	{Name: "h_improvement", Default: stats.DefaultDownLimit, Min: 0.5, Max: 10,
		set: func(m *stats.Monitor, v float64) { m.DownLimit = v }},
	{Name: "r_deterioration", Default: stats.DefaultUpOdds, Min: 1, Max: 4, MinOpen: true,
		set: func(m *stats.Monitor, v float64) { m.UpOdds = v }},
	{Name: "r_improvement", Default: stats.DefaultDownOdds, Min: 0.25, Max: 1, MaxOpen: true,
		set: func(m *stats.Monitor, v float64) { m.DownOdds = v }},
}

// ReadSettings reads the charts' settings from a request's values (value
// returns "" for one not given, which keeps its default); a bad value is a
// *selfcheck.Error naming the parameter.
func ReadSettings(value func(name string) string) (stats.Monitor, error) {
	m := stats.DefaultMonitor()
	var errs []selfcheck.FieldError
	for _, s := range Settings {
		v := strings.TrimSpace(value(s.Name))
		if v == "" {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !s.allows(x) {
			errs = append(errs, selfcheck.FieldError{Param: s.Name, Message: s.rangeWords()})
			continue
		}
		s.set(&m, x)
	}
	if len(errs) > 0 {
		return m, &selfcheck.Error{Detail: "a chart setting is out of range", Errors: errs}
	}
	return m, nil
}

// allows reports whether x is in the setting's range.
func (s Setting) allows(x float64) bool {
	return (x > s.Min || !s.MinOpen && x == s.Min) && (x < s.Max || !s.MaxOpen && x == s.Max)
}

// rangeWords says which values a setting takes.
func (s Setting) rangeWords() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	from, to := "at least "+f(s.Min), "at most "+f(s.Max)
	if s.MinOpen {
		from = "more than " + f(s.Min)
	}
	if s.MaxOpen {
		to = "less than " + f(s.Max)
	}
	return "must be a number " + from + " and " + to
}
