// Command gen writes the canonical CSV that bench/funnel times `outcomes
// funnel` and bench/funnel/funnel.R on: risk-adjusted surgeon units in ten
// specialties × two periods, from a fixed seed (the same bytes every run).
//
//	cd bench/funnel && go run ./gen [-o FILE] [-surgeons N] [-mix] [-hospital-rows] [-seed S]
//
// Default: 5,000 surgeons in each of the 20 groups (100,000 units), one row
// each, no hospital columns filled, so every output row is a surgeon.
// Each surgeon has cases 20–600 (log-normal, median 120), a case-mix risk
// of 0.5%–4% around the specialty's base rate, expected = cases × risk
// (4 decimals), and events drawn from Poisson(expected), capped at cases.
// About 1% of surgeons are planted high outliers (true rate 2.5× their
// expected) and 0.5% low ones (0.3×).
//
// -mix spreads each surgeon's cases over one to three of 150 hospitals (one
// row per hospital, hospital_id filled), as real releases do: the surgeon
// units are unchanged in number, and `outcomes funnel` also prints the
// hospitals summed from their surgeons' rows. -hospital-rows adds one row of
// the hospital's own per hospital and group (so hospitals are read, not
// summed).
//
// Only the standard library is used, so the file can be made anywhere Go is.
// bench/funnel is a module of its own, outside the project's packages and
// their import rules (cmd/outcomes TestImportRules).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
)

type specialty struct {
	slug, procedure, outcome string
	base                     float64 // mean risk of death per case
}

// The ten specialties of DESIGN.md, each with its first procedure and its
// default outcome.
var specialties = []specialty{
	{"adult-cardiac", "all", "in-hospital mortality", 0.025},
	{"vascular", "aaa", "in-hospital mortality", 0.02},
	{"orthopaedic", "hip-knee", "90-day mortality", 0.006},
	{"colorectal", "bowel-cancer", "90-day mortality", 0.03},
	{"upper-gi", "oesophago-gastric", "90-day mortality", 0.035},
	{"bariatric", "all", "in-hospital mortality", 0.006},
	{"head-and-neck", "cancer-resection", "30-day mortality", 0.015},
	{"endocrine", "thyroid-parathyroid", "30-day mortality", 0.007},
	{"urology", "major-cancer", "30-day mortality", 0.012},
	{"interventional-cardiology", "pci", "30-day mortality", 0.018},
}

var periods = []string{"2019-2021", "2022-2024"}

const hospitalCount = 150

func main() {
	out := flag.String("o", "", "output `file` (default standard output)")
	surgeons := flag.Int("surgeons", 5000, "surgeons per group (specialty × period)")
	mix := flag.Bool("mix", false, "spread surgeons over 1–3 hospitals (hospital_id filled)")
	hospitalRows := flag.Bool("hospital-rows", false, "with -mix, add each hospital's own row per group")
	seed := flag.Uint64("seed", 20240601, "random seed")
	flag.Parse()
	if *surgeons < 1 {
		fmt.Fprintln(os.Stderr, "gen: -surgeons must be at least 1")
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = bufio.NewWriterSize(f, 1<<16)
	}
	g := gen{rng: rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15)), w: w}
	g.write("specialty,procedure,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,outcome,cases,events,expected\n")
	for _, sp := range specialties {
		// Surgeon ids: distinct 7-digit register numbers, in random order,
		// the same surgeons in both periods.
		ids := make([]int, *surgeons)
		seen := map[int]bool{}
		for i := range ids {
			for {
				id := 1000000 + g.rng.IntN(9000000)
				if !seen[id] {
					seen[id] = true
					ids[i] = id
					break
				}
			}
		}
		for _, period := range periods {
			type hosp struct {
				cases, events int
				expected      float64
			}
			hospitals := map[int]*hosp{}
			for _, id := range ids {
				cases := int(math.Round(math.Exp(math.Log(120) + 0.7*g.rng.NormFloat64())))
				cases = min(max(cases, 20), 600)
				risk := sp.base * math.Exp(0.3*g.rng.NormFloat64())
				risk = min(max(risk, 0.005), 0.04)
				truth := 1.0
				switch u := g.rng.Float64(); {
				case u < 0.01:
					truth = 2.5
				case u < 0.015:
					truth = 0.3
				}
				// Split the cases over one to three hospitals.
				parts := 1
				if *mix {
					parts = 1 + g.rng.IntN(3)
				}
				first := g.rng.IntN(hospitalCount)
				left := cases
				for p := range parts {
					c := left
					if p < parts-1 {
						c = max(1, int(float64(left)*(0.4+0.4*g.rng.Float64())))
					}
					left -= c
					if c < 1 {
						continue
					}
					e := math.Round(float64(c)*risk*1e4) / 1e4
					if e <= 0 {
						e = 0.0001
					}
					ev := min(g.poisson(e*truth), c)
					hid, hname := "", ""
					if *mix {
						h := (first + p*37) % hospitalCount
						hid, hname = hospitalID(h), fmt.Sprintf("Hospital %d", h+1)
						hs := hospitals[h]
						if hs == nil {
							hs = &hosp{}
							hospitals[h] = hs
						}
						hs.cases += c
						hs.events += ev
						hs.expected += e
					}
					g.write(fmt.Sprintf("%s,%s,%s,surgeon,%d,Surgeon %d,%s,%s,%s,%d,%d,%s\n", sp.slug, sp.procedure,
						period, id, id, hid, hname, sp.outcome, c, ev, strconv.FormatFloat(e, 'f', -1, 64)))
				}
			}
			if *mix && *hospitalRows {
				for h := range hospitalCount {
					hs := hospitals[h]
					if hs == nil {
						continue
					}
					// The hospital's own figures: its surgeons' plus cases by
					// surgeons the release does not name.
					extra := g.rng.IntN(50)
					e := math.Round((hs.expected+float64(extra)*sp.base)*1e4) / 1e4
					ev := min(hs.events+g.poisson(float64(extra)*sp.base), hs.cases+extra)
					g.write(fmt.Sprintf("%s,%s,%s,hospital,%s,Hospital %d,,,%s,%d,%d,%s\n", sp.slug, sp.procedure,
						period, hospitalID(h), h+1, sp.outcome, hs.cases+extra, ev, strconv.FormatFloat(e, 'f', -1, 64)))
				}
			}
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// hospitalID is an ODS-like code for hospital h.
func hospitalID(h int) string {
	return fmt.Sprintf("R%c%c%d", 'A'+h/26%26, 'A'+h%26, h%10)
}

type gen struct {
	rng *rand.Rand
	w   *bufio.Writer
}

func (g *gen) write(s string) { g.w.WriteString(s) }

// poisson draws from Poisson(lambda) by inversion (lambda is at most a few
// dozen here).
func (g *gen) poisson(lambda float64) int {
	u := g.rng.Float64()
	k, p := 0, math.Exp(-lambda)
	c := p
	for u > c && k < 10000 {
		k++
		p *= lambda / float64(k)
		c += p
	}
	return k
}
