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
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/surgeon-outcomes/outcomes/csvcell"
	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// funnelColumns are the contract of DESIGN.md § Command line, its 22
// columns in their order, then the second figures of issue 17, appended so
// that a script reading the contract's columns by position still reads
// them (README § outcomes funnel documents each):
//
//   - shrunk_ratio, shrunk_low, shrunk_high: the empirical-Bayes ratio and
//     its 95% interval (stats.Shrink), empty for crude data;
//   - reliability: the share of the shrunk ratio that is the unit's own;
//   - q_value: the Benjamini–Hochberg q-value of p_high among the group's
//     units (stats.QValues);
//   - power_2x, power_1_5x: the chance the funnel's 95% line would have
//     flagged the unit had its true ratio been 2 or 1.5;
//   - detectable_ratio_80: the true ratio flagged four times in five.
var funnelColumns = []string{"unit_id", "unit_type", "specialty", "procedure", "period", "cases", "observed",
	"expected", "target", "scale", "y", "ci_low", "ci_high", "lower95", "upper95", "lower998", "upper998",
	"band", "p_high", "p_low", "ramr", "survival",
	"shrunk_ratio", "shrunk_low", "shrunk_high", "reliability", "q_value", "power_2x", "power_1_5x", "detectable_ratio_80"}

// funnelCells holds one unit's cells, in funnelColumns order.
type funnelCells [30][]byte

// funnelTextColumns are the columns written as JSON strings; the others
// are numbers.
var funnelTextColumns = map[string]bool{"unit_id": true, "unit_type": true, "specialty": true, "procedure": true,
	"period": true, "scale": true, "band": true}

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
	csvSafe := fs.Bool("csv-safe", true, "CSV: prefix ' to text cells a spreadsheet would run as a formula (=, +, -, @, tab, CR); false writes them verbatim")
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
	if m.PublishedOnly() {
		return usagef("funnel: the %s mapping reads the publisher's figures only (figures = \"published\"): there are no deaths to compute a funnel from", m.Name)
	}
	settings := m.Settings()
	method, err := outcome.NewMethod(cmp.Or(*ci, settings.Interval), settings.Comparison, settings.Target, nil)
	if err != nil {
		return err
	}
	if method, err = method.WithLevels(m.Method.Levels()); err != nil {
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
	out := newFunnelWriter(w, *format, *csvSafe)
	out.intervalLevel, _ = m.Method.Levels()
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

// groupFunnels gathers a file's rows by group and has each group's
// funnels computed on every core (outcome.Pool). Rows arrive in file order
// (add); a group is computed as soon as the rows move on to another group,
// when early is set, and again at the end should more of its rows come
// later. each hands the funnels on in group order (specialty, procedure,
// period), surgeons first.
type groupFunnels struct {
	pool  *outcome.Pool
	early bool
	// rows holds every row in file order; a group's rows are the pieces
	// rows[start:end] of its runs.
	rows   []outcome.Row
	groups map[outcome.Group]*groupRows
	last   *groupRows
}

// groupRows is one group: where its rows are and its funnels' computing.
type groupRows struct {
	key  outcome.Group
	runs [][2]int // [start, end) in groupFunnels.rows, in file order
	n    int      // rows in runs
	// pending computes the funnels of the group's first computed rows;
	// nil until the group is first submitted.
	pending  *outcome.Pending
	computed int
}

func newGroupFunnels(m *outcome.Method, early bool, rowsHint int) *groupFunnels {
	if m.National == nil {
		m.National = map[outcome.Group]outcome.NationalRate{}
	}
	return &groupFunnels{pool: outcome.NewPool(m, 0), early: early, groups: map[outcome.Group]*groupRows{},
		rows: make([]outcome.Row, 0, rowsHint)}
}

// add takes a batch of rows in file order.
func (g *groupFunnels) add(batch []outcome.Row) error {
	for i := range batch {
		r := &batch[i]
		key := r.Group()
		if g.last == nil || g.last.key != key {
			// The rows leave the last group: compute it now if it may be
			// and never was.
			if g.early && g.last != nil && g.last.pending == nil {
				g.submit(g.last)
			}
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

// submit has gr's funnels computed from the rows it has now: a piece of
// g.rows when they came in one run (rows appended since, to the same array
// or a new one, never touch it), else a copy of its runs put together.
func (g *groupFunnels) submit(gr *groupRows) {
	var rows []outcome.Row
	if len(gr.runs) == 1 {
		r := gr.runs[0]
		rows = g.rows[r[0]:r[1]:r[1]]
	} else {
		rows = make([]outcome.Row, 0, gr.n)
		for _, r := range gr.runs {
			rows = append(rows, g.rows[r[0]:r[1]]...)
		}
	}
	gr.pending, gr.computed = g.pool.Go(gr.key, rows), gr.n
}

// each computes what is left, once every row is in and checked, and
// hands the funnels to emit in group order.
func (g *groupFunnels) each(ctx context.Context, emit func(outcome.Computed) error) error {
	keys := slices.SortedFunc(maps.Keys(g.groups), func(a, b outcome.Group) int {
		return cmp.Or(strings.Compare(a.Specialty, b.Specialty), strings.Compare(a.Procedure, b.Procedure),
			strings.Compare(a.Period, b.Period))
	})
	// A group is computed again if rows came after it was computed.
	for _, k := range keys {
		gr := g.groups[k]
		if gr.pending != nil {
			if gr.pending.Wait(); gr.computed == gr.n {
				continue
			}
		}
		g.submit(gr)
	}
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, c := range g.groups[k].pending.Wait() {
			if err := emit(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// stop ends the pool's workers.
func (g *groupFunnels) stop() { g.pool.Close() }

// funnelWriter prints funnels as the contract's CSV or as
// {"groups":[…]}, each unit an object with the CSV's columns in the same
// order (numbers as numbers, null where undefined).
type funnelWriter struct {
	w    *bufio.Writer
	json bool
	// safe neutralises CSV text cells a spreadsheet would run
	// (csvcell.Safe); JSON is never changed.
	safe   bool
	groups int
	buf    []byte
	cell   []byte // a neutralised cell, reused
	// intervalLevel is the level, in percent, of the units' ci_low and
	// ci_high (the mapping's interval_level), given in each JSON group.
	intervalLevel float64
}

func newFunnelWriter(w *bufio.Writer, format string, safe bool) *funnelWriter {
	return &funnelWriter{w: w, json: format == "json", safe: safe}
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
func (fw *funnelWriter) group(fg outcome.Computed) error {
	b := fw.buf[:0]
	if fw.json {
		if fw.groups > 0 {
			b = append(b, ',')
		}
		res := &fg.Result
		b = append(b, "\n  {\"specialty\": "...)
		b = appendJSONString(b, fg.Group.Specialty)
		b = append(b, ", \"procedure\": "...)
		b = appendJSONString(b, fg.Group.Procedure)
		b = append(b, ", \"period\": "...)
		b = appendJSONString(b, fg.Group.Period)
		b = append(b, ", \"unit_type\": "...)
		b = appendJSONString(b, string(fg.Set.Type))
		for _, f := range []struct {
			name string
			x    float64
		}{{"target", res.Target}, {"phi", res.Phi}, {"phi_p_value", res.PhiPValue}, {"tau2", res.Tau2},
			{"interval_level", fw.intervalLevel}, {"alpha", res.Alpha}, {"rankability", res.Rankability}} {
			b = append(b, ", \""+f.name+"\": "...)
			b = appendJSONNumber(b, f.x)
		}
		b = append(b, ", \"shrink_fit\": "...)
		b = appendJSONString(b, string(res.ShrinkFit))
		b = append(b, ", \"m\": "...)
		b = strconv.AppendInt(b, int64(res.PhiUnits), 10)
		b = append(b, ", \"units\": ["...)
	}
	fw.groups++
	var cells funnelCells
	for i := range fg.Result.Units {
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
					if fw.safe && csvcell.Risky(string(cell)) {
						fw.cell = append(fw.cell[:0], csvcell.Safe(string(cell))...)
						cell = fw.cell
					}
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
func unitCells(cells *funnelCells, fg *outcome.Computed, i int) {
	in, u := &fg.Set.Units[i], fg.Result.Units[i].Adjusted()
	g := &fg.Group
	text := func(c int, s string) { cells[c] = append(cells[c][:0], s...) }
	number := func(c int, x float64) { cells[c] = appendNumber(cells[c][:0], x) }
	text(0, in.ID)
	text(1, string(fg.Set.Type))
	text(2, g.Specialty)
	text(3, g.Procedure)
	text(4, g.Period)
	cells[5] = strconv.AppendInt(cells[5][:0], int64(in.Cases), 10)
	cells[6] = strconv.AppendInt(cells[6][:0], int64(in.Events), 10)
	number(7, in.Expected)
	number(8, fg.Result.Target)
	text(9, string(fg.Result.Scale))
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
	number(22, u.ShrunkRatio)
	number(23, u.ShrunkLow)
	number(24, u.ShrunkHigh)
	number(25, u.Reliability)
	number(26, u.QHigh)
	number(27, u.Power2x)
	number(28, u.Power1_5x)
	number(29, u.DetectableRatio80)
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
