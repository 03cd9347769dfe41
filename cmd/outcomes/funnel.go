package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/surgeon-outcomes/outcomes/ingest"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
	"github.com/surgeon-outcomes/outcomes/store"
)

// funnelColumns is the contract of DESIGN.md § Command line.
var funnelColumns = []string{"unit_id", "unit_type", "specialty", "procedure", "period", "cases", "observed",
	"expected", "target", "scale", "y", "ci_low", "ci_high", "lower95", "upper95", "lower998", "upper998",
	"band", "p_high", "p_low", "ramr", "survival"}

// funnelRow is one printed unit.
type funnelRow struct {
	group    outcome.Group
	unitType outcome.UnitType
	id       string
	unit     stats.Unit
	res      stats.UnitResult
	target   float64
	scale    stats.Scale
}

// funnelGroup is one printed funnel.
type funnelGroup struct {
	group    outcome.Group
	unitType outcome.UnitType
	result   stats.Result
	rows     []funnelRow
}

// funnel runs `outcomes funnel`: it reads one CSV through a profile or
// mapping, with every check ingest makes, and prints each unit's position
// on its funnel. It needs no database: the file is loaded into a temporary
// one that is removed at the end.
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

	dir, err := os.MkdirTemp("", "outcomes-funnel-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "funnel.db"), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()

	var groups []funnelGroup
	_, err = ingest.Load(ctx, db, ingest.OSFiles(files[0]), ingest.Options{Mapping: m,
		BeforeCommit: func(ctx context.Context, l *store.Loader, rel store.Release) error {
			if *ci != "" {
				rel.IntervalMethod = *ci
			}
			m, err := releaseMethod(ctx, l, rel)
			if err != nil {
				return err
			}
			m.Options.Adjustment = adjustment
			return eachFunnel(ctx, l, m, func(g outcome.Group, set outcome.UnitSet, res stats.Result) error {
				fg := funnelGroup{group: g, unitType: set.Type, result: res}
				for i, u := range res.Units {
					fg.rows = append(fg.rows, funnelRow{group: g, unitType: set.Type, id: set.Units[i].ID,
						unit: set.Units[i].Stats(), res: u.Adjusted(), target: res.Target, scale: res.Scale})
				}
				groups = append(groups, fg)
				return nil
			})
		}})
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeFunnelJSON(env.stdout, groups)
	}
	return writeFunnelCSV(env.stdout, groups)
}

func writeFunnelCSV(w io.Writer, groups []funnelGroup) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(funnelColumns); err != nil {
		return err
	}
	for _, g := range groups {
		for _, r := range g.rows {
			if err := cw.Write(r.record()); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// num formats a number for output: shortest round-trip form, empty for NaN.
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

func (r funnelRow) record() []string {
	u := r.res
	return []string{r.id, string(r.unitType), r.group.Specialty, r.group.Procedure, r.group.Period,
		strconv.Itoa(r.unit.Cases), strconv.Itoa(r.unit.Observed), num(r.unit.Expected), num(r.target),
		string(r.scale), num(u.Y), num(u.CILow), num(u.CIHigh), num(u.Lower95), num(u.Upper95), num(u.Lower998),
		num(u.Upper998), string(u.Band), num(u.PHigh), num(u.PLow), num(u.RAMR), num(u.Survival)}
}

// writeFunnelJSON prints {"groups":[…]}, each unit an object with the CSV
// columns in the same order (numbers as numbers, null where undefined).
func writeFunnelJSON(w io.Writer, groups []funnelGroup) error {
	var b bytes.Buffer
	b.WriteString("{\"groups\": [")
	for gi, g := range groups {
		if gi > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n  {\"specialty\": %s, \"procedure\": %s, \"period\": %s, \"unit_type\": %s, "+
			"\"target\": %s, \"phi\": %s, \"phi_p_value\": %s, \"tau2\": %s, \"m\": %d, \"units\": [",
			jsonStr(g.group.Specialty), jsonStr(g.group.Procedure), jsonStr(g.group.Period), jsonStr(string(g.unitType)), jsonNum(g.result.Target),
			jsonNum(g.result.Phi), jsonNum(g.result.PhiPValue), jsonNum(g.result.Tau2), g.result.PhiUnits)
		for ui, r := range g.rows {
			if ui > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n    {")
			for i, v := range r.record() {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strconv.Quote(funnelColumns[i]) + ": ")
				switch funnelColumns[i] {
				case "unit_id", "unit_type", "specialty", "procedure", "period", "scale", "band":
					b.WriteString(jsonStr(v))
				default:
					if v == "" {
						v = "null"
					}
					b.WriteString(v)
				}
			}
			b.WriteString("}")
		}
		b.WriteString("]}")
	}
	b.WriteString("\n]}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// jsonStr is s as a JSON string.
func jsonStr(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// jsonNum is x as a JSON number, or null when it is not a finite number.
func jsonNum(x float64) string {
	if s := num(x); s != "" {
		return s
	}
	return "null"
}
