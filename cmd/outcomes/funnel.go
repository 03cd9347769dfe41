package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// funnelColumns is the contract of DESIGN.md § Command line.
var funnelColumns = []string{"unit_id", "unit_type", "specialty", "procedure", "period", "cases", "observed",
	"expected", "target", "scale", "y", "ci_low", "ci_high", "lower95", "upper95", "lower998", "upper998",
	"band", "p_high", "p_low", "ramr", "survival"}

// funnelTextColumns are the columns written as JSON strings; the others
// are numbers.
var funnelTextColumns = map[string]bool{"unit_id": true, "unit_type": true, "specialty": true, "procedure": true,
	"period": true, "scale": true, "band": true}

// funnelGroup is one computed funnel: a group's surgeons or hospitals.
type funnelGroup struct {
	group  outcome.Group
	set    outcome.UnitSet
	result stats.Result
}

// funnel runs `outcomes funnel`: it reads one CSV through a profile or
// mapping, with every check ingest makes (ingest.Decode), and prints each
// unit's position on its funnel. It needs no database and writes no file:
// the rows are held in memory, the groups computed on every core and
// printed in group order as they are done.
func (env environment) funnel(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("funnel", flag.ContinueOnError)
	profile := fs.String("profile", "", "built-in profile `name` (default canonical)")
	mappingFile := fs.String("mapping", "", "mapping `file` (TOML)")
	format := fs.String("format", "csv", "output format: csv or json")
	ci := fs.String("ci", "", "unit interval: exact, byar or mixed (default: the profile's)")
	od := fs.String("overdispersion", "none", "limits: none, multiplicative or additive")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef("funnel: give exactly one FILE")
	}
	if *format != "csv" && *format != "json" {
		return usagef("funnel: --format %q: want csv or json", *format)
	}
	adjustment, err := stats.ParseAdjustment(*od)
	if err != nil {
		return usagef("funnel: --overdispersion: %v", err)
	}
	if *ci != "" {
		if _, err := stats.ParseIntervalMethod(*ci); err != nil {
			return usagef("funnel: --ci: %v", err)
		}
	}
	m, err := selectMapping("funnel", *profile, *mappingFile)
	if err != nil {
		return err
	}

	data, err := os.ReadFile(files[0])
	if err != nil {
		return err
	}
	settings := m.Method.Settings()
	method, err := outcome.NewMethod(cmp.Or(*ci, settings.Interval), settings.Comparison, settings.Target, nil)
	if err != nil {
		return err
	}
	method.Options.Adjustment = adjustment
	// With the target from each group's own counts, nothing read later
	// changes a group the reader has moved past, so it is computed while
	// the rest is read; a national target waits for the national figures.
	// A row a line, but for wide mappings: the rows are kept in one slice,
	// and a group whose rows are together in the file is a piece of it.
	groups := newGroupFunnels(&method, settings.Target != outcome.TargetNational, bytes.Count(data, []byte{'\n'}))
	defer groups.stop()
	dec, err := ingest.DecodeEach(files[0], bytes.NewReader(data), m, groups.add)
	if err != nil {
		return err
	}
	for _, n := range dec.National {
		method.National[n.Group()] = n
	}

	w := bufio.NewWriterSize(env.stdout, 64<<10)
	out := newFunnelWriter(w, *format)
	if err := out.begin(); err != nil {
		return err
	}
	if err := groups.each(ctx, out.group); err != nil {
		return err
	}
	if err := out.end(); err != nil {
		return err
	}
	return w.Flush()
}

// groupFunnels computes the funnels of a file's groups, every group's
// surgeons and hospitals (outcome.Units), on every core. Rows arrive in
// file order (add); a group is computed as soon as the rows move on to
// another group, when early is set, and again at the end should more of
// its rows come later. each hands the funnels on in group order
// (specialty, procedure, period), surgeons first.
type groupFunnels struct {
	m     *outcome.Method
	early bool
	// rows holds every row in file order; a group's rows are the pieces
	// rows[start:end] of its runs.
	rows   []outcome.Row
	groups map[outcome.Group]*groupRows
	last   *groupRows

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []groupJob
	stopped bool
	workers sync.WaitGroup
}

// groupJob is a group to compute from rows, the group's rows when it was
// submitted; done is closed when its funnels are in the group's out.
type groupJob struct {
	group *groupRows
	rows  []outcome.Row
	done  chan struct{}
}

// groupRows is one group: where its rows are and, once computed, its
// funnels.
type groupRows struct {
	key  outcome.Group
	runs [][2]int // [start, end) in groupFunnels.rows, in file order
	n    int      // rows in runs
	// computing is closed when the funnels of the group's first computed
	// rows are in out; nil until the group is first submitted; computed
	// is how many rows they were.
	computing chan struct{}
	computed  int
	out       []funnelGroup
}

func newGroupFunnels(m *outcome.Method, early bool, rowsHint int) *groupFunnels {
	if m.National == nil {
		m.National = map[outcome.Group]outcome.NationalRate{}
	}
	g := &groupFunnels{m: m, early: early, groups: map[outcome.Group]*groupRows{},
		rows: make([]outcome.Row, 0, rowsHint)}
	g.cond = sync.NewCond(&g.mu)
	for range runtime.GOMAXPROCS(0) {
		g.workers.Go(g.work)
	}
	return g
}

// add takes a batch of rows in file order.
func (g *groupFunnels) add(batch []outcome.Row) error {
	for i := range batch {
		r := &batch[i]
		key := r.Group()
		if g.last == nil || g.last.key != key {
			g.moveOn()
			gr := g.groups[key]
			if gr == nil {
				gr = &groupRows{key: key}
				g.groups[key] = gr
			}
			gr.runs = append(gr.runs, [2]int{len(g.rows), len(g.rows)})
			g.last = gr
		}
		g.rows = append(g.rows, *r)
		g.last.runs[len(g.last.runs)-1][1]++
		g.last.n++
	}
	return nil
}

// moveOn is called when the rows leave the last group: it is computed now
// if it may be and never was.
func (g *groupFunnels) moveOn() {
	if g.early && g.last != nil && g.last.computing == nil {
		g.submit(g.last)
	}
}

// rowsOf returns gr's rows: a piece of g.rows when they came in one run,
// else a copy of its runs put together.
func (g *groupFunnels) rowsOf(gr *groupRows) []outcome.Row {
	if len(gr.runs) == 1 {
		r := gr.runs[0]
		return g.rows[r[0]:r[1]:r[1]]
	}
	rows := make([]outcome.Row, 0, gr.n)
	for _, r := range gr.runs {
		rows = append(rows, g.rows[r[0]:r[1]]...)
	}
	return rows
}

// submit queues gr's funnels to be computed from the rows it has now.
func (g *groupFunnels) submit(gr *groupRows) {
	gr.computing = make(chan struct{})
	gr.computed = gr.n
	g.mu.Lock()
	g.queue = append(g.queue, groupJob{group: gr, rows: g.rowsOf(gr), done: gr.computing})
	g.mu.Unlock()
	g.cond.Signal()
}

func (g *groupFunnels) work() {
	for {
		g.mu.Lock()
		for len(g.queue) == 0 && !g.stopped {
			g.cond.Wait()
		}
		if len(g.queue) == 0 {
			g.mu.Unlock()
			return
		}
		job := g.queue[0]
		g.queue = g.queue[1:]
		g.mu.Unlock()
		// job.rows is the group's rows when submitted: rows appended since,
		// to the same array or a new one, never touch them.
		key := job.group.key
		var out []funnelGroup
		for _, set := range outcome.Units(job.rows) {
			out = append(out, funnelGroup{group: key, set: set, result: stats.Funnel(set.Stats(), g.m.OptionsFor(key))})
		}
		job.group.out = out
		close(job.done)
	}
}

// each computes what is left, once every row is in and checked, and
// hands the funnels to emit in group order.
func (g *groupFunnels) each(ctx context.Context, emit func(funnelGroup) error) error {
	keys := slices.SortedFunc(maps.Keys(g.groups), func(a, b outcome.Group) int {
		return cmp.Or(strings.Compare(a.Specialty, b.Specialty), strings.Compare(a.Procedure, b.Procedure),
			strings.Compare(a.Period, b.Period))
	})
	// A group is computed again if rows came after it was computed.
	for _, k := range keys {
		gr := g.groups[k]
		if gr.computing != nil {
			<-gr.computing
			if gr.computed == gr.n {
				continue
			}
		}
		g.submit(gr)
	}
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		gr := g.groups[k]
		<-gr.computing
		for _, fg := range gr.out {
			if err := emit(fg); err != nil {
				return err
			}
		}
		gr.out = nil // printed: let the memory go
	}
	return nil
}

// stop ends the workers once the queue is empty.
func (g *groupFunnels) stop() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
	g.cond.Broadcast()
	g.workers.Wait()
}

// funnelWriter prints funnels as the contract's CSV or as
// {"groups":[…]}, each unit an object with the CSV's columns in the same
// order (numbers as numbers, null where undefined).
type funnelWriter struct {
	w      *bufio.Writer
	json   bool
	groups int
	buf    []byte
}

func newFunnelWriter(w *bufio.Writer, format string) *funnelWriter {
	return &funnelWriter{w: w, json: format == "json"}
}

func (fw *funnelWriter) begin() error {
	if fw.json {
		_, err := fw.w.WriteString("{\"groups\": [")
		return err
	}
	_, err := fw.w.WriteString(strings.Join(funnelColumns, ",") + "\n")
	return err
}

func (fw *funnelWriter) end() error {
	if fw.json {
		_, err := fw.w.WriteString("\n]}\n")
		return err
	}
	return nil
}

// group prints one funnel's units, each as the overdispersion-adjusted
// limits place it where those were asked for (stats.UnitResult.Adjusted).
func (fw *funnelWriter) group(fg funnelGroup) error {
	b := fw.buf[:0]
	if fw.json {
		if fw.groups > 0 {
			b = append(b, ',')
		}
		res := &fg.result
		b = append(b, "\n  {\"specialty\": "...)
		b = appendJSONString(b, fg.group.Specialty)
		b = append(b, ", \"procedure\": "...)
		b = appendJSONString(b, fg.group.Procedure)
		b = append(b, ", \"period\": "...)
		b = appendJSONString(b, fg.group.Period)
		b = append(b, ", \"unit_type\": "...)
		b = appendJSONString(b, string(fg.set.Type))
		for _, f := range []struct {
			name string
			x    float64
		}{{"target", res.Target}, {"phi", res.Phi}, {"phi_p_value", res.PhiPValue}, {"tau2", res.Tau2}} {
			b = append(b, ", \""+f.name+"\": "...)
			b = appendJSONNumber(b, f.x)
		}
		b = append(b, ", \"m\": "...)
		b = strconv.AppendInt(b, int64(res.PhiUnits), 10)
		b = append(b, ", \"units\": ["...)
	}
	fw.groups++
	var cells [22][]byte
	for i := range fg.result.Units {
		unitCells(&cells, &fg, i)
		if fw.json {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n    {"...)
			for c, cell := range cells {
				if c > 0 {
					b = append(b, ", "...)
				}
				b = appendJSONString(b, funnelColumns[c])
				b = append(b, ": "...)
				switch {
				case funnelTextColumns[funnelColumns[c]]:
					b = appendJSONString(b, string(cell))
				case len(cell) == 0:
					b = append(b, "null"...)
				default:
					b = append(b, cell...)
				}
			}
			b = append(b, '}')
		} else {
			for c, cell := range cells {
				if c > 0 {
					b = append(b, ',')
				}
				if funnelTextColumns[funnelColumns[c]] {
					b = appendCSVField(b, cell)
				} else {
					b = append(b, cell...)
				}
			}
			b = append(b, '\n')
		}
		if len(b) > 32<<10 { // write as it goes: a group may hold thousands of units
			if _, err := fw.w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	if fw.json {
		b = append(b, "]}"...)
	}
	_, err := fw.w.Write(b)
	fw.buf = b[:0]
	return err
}

// unitCells fills cells with unit i's columns, in funnelColumns order:
// numbers in their shortest round-trip form, empty where undefined. The
// cells reuse their backing arrays from one unit to the next.
func unitCells(cells *[22][]byte, fg *funnelGroup, i int) {
	in, u := &fg.set.Units[i], fg.result.Units[i].Adjusted()
	g := &fg.group
	text := func(c int, s string) { cells[c] = append(cells[c][:0], s...) }
	number := func(c int, x float64) { cells[c] = appendNumber(cells[c][:0], x) }
	text(0, in.ID)
	text(1, string(fg.set.Type))
	text(2, g.Specialty)
	text(3, g.Procedure)
	text(4, g.Period)
	cells[5] = strconv.AppendInt(cells[5][:0], int64(in.Cases), 10)
	cells[6] = strconv.AppendInt(cells[6][:0], int64(in.Events), 10)
	number(7, in.Expected)
	number(8, fg.result.Target)
	text(9, string(fg.result.Scale))
	number(10, u.Y)
	number(11, u.CILow)
	number(12, u.CIHigh)
	number(13, u.Lower95)
	number(14, u.Upper95)
	number(15, u.Lower998)
	number(16, u.Upper998)
	text(17, string(u.Band))
	number(18, u.PHigh)
	number(19, u.PLow)
	number(20, u.RAMR)
	number(21, u.Survival)
}

// appendNumber appends x in its shortest round-trip form, nothing for NaN
// or an infinity.
func appendNumber(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return b
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// appendJSONNumber appends x as a JSON number, or null when it is not a
// finite number.
func appendJSONNumber(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// appendCSVField appends a text field as encoding/csv's Writer writes it:
// quoted, with quotes doubled, when it holds a comma, a quote or a line
// break, begins with a space, or is \. (which PostgreSQL reads as the end
// of data).
func appendCSVField(b, field []byte) []byte {
	quote := string(field) == `\.` ||
		slices.ContainsFunc(field, func(c byte) bool { return c == ',' || c == '"' || c == '\r' || c == '\n' })
	if r, _ := utf8.DecodeRune(field); len(field) > 0 && unicode.IsSpace(r) {
		quote = true
	}
	if !quote {
		return append(b, field...)
	}
	b = append(b, '"')
	for _, c := range field {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}
