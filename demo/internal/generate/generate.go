package generate

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

const (
	// demoSeed seeds the clinical draws (rosters, volumes, patients, deaths)
	// and demoNameSeed the names. Names have their own stream so that tuning
	// the clinical model does not rename everybody.
	demoSeed     uint64 = 0x0d3a0_2021
	demoNameSeed uint64 = 0x0a3e5_2021
	// demoProcedureSeed seeds the split of a specialty's operations into
	// the procedures it reports apart, and the operations of a procedure
	// done besides them (TAVI), so that adding procedures leaves every
	// figure that existed before them as it was.
	demoProcedureSeed uint64 = 0x0b3a5_2025

	// demoYears is the number of simulated financial years, 2021/22 to
	// 2024/25; demoWindow is the length of a reporting period in years.
	demoYears  = 4
	demoWindow = 3

	// demoVolumeCV is the coefficient of variation of surgeons' volumes.
	// demoMinVolume and demoMaxVolume bound a surgeon's expected cases per
	// three active years (the latter as a multiple of the specialty median).
	demoVolumeCV  = 0.5
	demoMinVolume = 5
	demoMaxVolume = 4
	// demoOutlierVolume is the least volume, as a multiple of the specialty
	// median, given to a planted outlier so it can be detected where the
	// specialty's death rate allows it.
	demoOutlierVolume = 2.5

	// demoCasemixSD is the log-scale spread of surgeons' case mix,
	// demoYearMixSD the drift of a surgeon's case mix from year to year,
	// demoPatientSD the log-scale spread of predicted risk between patients of
	// one surgeon, and demoMaxRisk the highest predicted risk of a patient.
	demoCasemixSD = 0.3
	demoYearMixSD = 0.08
	demoPatientSD = 0.9
	demoMaxRisk   = 0.9

	// demoRatioSD is the log-scale spread of the true performance of surgeons
	// who are not planted outliers: most are close to average, none exactly.
	demoRatioSD = 0.1

	// demoSecondHospital is the share of surgeons who also operate at a
	// second hospital; they send between demoMinShare and demoMaxShare of
	// their patients there.
	demoSecondHospital = 0.10
	demoMinShare       = 0.2
	demoMaxShare       = 0.5

	// demoIDBase and demoIDBlock make surgeon ids: the k-th surgeon (from 1)
	// of the i-th specialty (from 0) is demoIDBase + i*demoIDBlock + k. Fixed
	// blocks keep ids, and so the planted outlier table, stable when a
	// specialty's roster grows or shrinks.
	demoIDBase  = 9000000
	demoIDBlock = 1000

	// demoMinExpected floors expected deaths so no row says "0.000".
	demoMinExpected = 0.001

	// demoKindSD is the log-scale spread of surgeons' shares of a
	// specialty's kinds of operation: some do more valves, some more CABG.
	demoKindSD = 0.3
)

// demoProfile holds the targets the generator aims at for one specialty and
// the test checks the output against.
type demoProfile struct {
	slug string
	// rate is the crude death rate.
	rate float64
	// volume is the median number of cases per surgeon in a 3-year period.
	volume float64
	// surgeons is the number of surgeons on the roll over the four years.
	surgeons int
	// centres is how many of the shared hospitals offer the specialty.
	centres int
	// physician marks specialties whose operators are all titled Dr.
	physician bool
	// kinds split the specialty's operations, reported under its first
	// procedure (its total: adult cardiac "all", vascular "aaa"), into
	// kinds, each also reported under its own procedure unless that is
	// empty. extra are procedures some surgeons do besides, reported apart
	// and not in the total (interventional cardiology's TAVI beside PCI).
	kinds []demoKind
	extra []demoExtra
}

// demoKind is one kind of a specialty's operations: the procedure it is
// reported under (empty: only in the total), its share of the operations,
// and its death rate relative to the specialty's. Shares times risks
// average about 1.
type demoKind struct {
	procedure   string
	share, risk float64
}

// demoExtra is a procedure some of a specialty's surgeons do besides their
// main one: its crude death rate, its median volume per surgeon in three
// years, and the share of surgeons who do it.
type demoExtra struct {
	procedure               string
	rate, volume, operators float64
}

// demoProfiles returns the targets, in the order of outcome.Specialties.
// Rates and volumes are the orders of magnitude of published UK audits: a
// cardiac surgeon does about 150 operations in three years, an upper GI
// surgeon about 20; nearly 1 in 40 cardiac patients dies in hospital, 1 in a
// thousand after weight-loss surgery.
//
// Every procedure a specialty lists has data. Adult cardiac surgery: about
// half the operations are bypass grafts alone (about 1.5% die in hospital),
// three in ten valve operations alone (2.5%), and the rest, bypass with a
// valve, aortic and other operations (6%), count only in "all". Elective
// aneurysm repair: about a third open (6%), two thirds endovascular (1.4%).
// Interventional cardiology: a third of the operators also do TAVI, about
// 60 in three years each (2.3% die within 30 days).
func demoProfiles() []demoProfile {
	return []demoProfile{
		{slug: "adult-cardiac", rate: 0.025, volume: 150, surgeons: 110, centres: 12,
			kinds: []demoKind{{"cabg", 0.55, 0.6}, {"valve", 0.30, 1.0}, {"", 0.15, 2.4}}},
		{slug: "vascular", rate: 0.03, volume: 30, surgeons: 130, centres: 20,
			kinds: []demoKind{{"open", 0.35, 2.0}, {"evar", 0.65, 0.46}}},
		{slug: "orthopaedic", rate: 0.004, volume: 180, surgeons: 200, centres: 30},
		{slug: "colorectal", rate: 0.035, volume: 35, surgeons: 160, centres: 28},
		{slug: "upper-gi", rate: 0.03, volume: 20, surgeons: 64, centres: 12},
		{slug: "bariatric", rate: 0.001, volume: 110, surgeons: 70, centres: 14},
		{slug: "head-and-neck", rate: 0.015, volume: 40, surgeons: 90, centres: 16},
		{slug: "endocrine", rate: 0.002, volume: 90, surgeons: 100, centres: 22},
		{slug: "urology", rate: 0.01, volume: 60, surgeons: 140, centres: 24},
		{slug: "interventional-cardiology", rate: 0.018, volume: 220, surgeons: 150, centres: 20, physician: true,
			extra: []demoExtra{{"tavi", 0.023, 60, 1.0 / 3}}},
	}
}

// demoOutlier is a surgeon planted with a true death ratio far from 1.
type demoOutlier struct {
	slug  string
	id    string
	ratio float64
}

// demoOutliers returns the planted outliers: two or three surgeons per
// specialty whose patients die 2.5 to 3.5 times as often as their case mix
// predicts, and one or two whose patients die a fifth to two fifths as often.
// They work all four years and get at least demoOutlierVolume times the
// median volume. Because the risk model is calibrated on data that includes
// them, their observed ratio comes out near the planted ratio divided by the
// specialty's mean ratio (1.03 to 1.14), not the planted ratio itself. In
// cardiac surgery and interventional cardiology they stand out clearly; in
// bariatric and endocrine surgery deaths are so rare that even these surgeons
// cannot be told apart from the rest, which is a point the demo should make.
func demoOutliers() []demoOutlier {
	return []demoOutlier{
		{"adult-cardiac", "9000017", 3.0},
		{"adult-cardiac", "9000058", 2.5},
		{"adult-cardiac", "9000093", 0.3},
		{"vascular", "9001024", 3.5},
		{"vascular", "9001077", 3.0},
		{"vascular", "9001105", 0.3},
		{"orthopaedic", "9002031", 3.0},
		{"orthopaedic", "9002118", 3.5},
		{"orthopaedic", "9002164", 2.5},
		{"orthopaedic", "9002077", 0.2},
		{"colorectal", "9003012", 3.0},
		{"colorectal", "9003089", 2.5},
		{"colorectal", "9003140", 0.3},
		{"colorectal", "9003046", 0.4},
		{"upper-gi", "9004008", 3.5},
		{"upper-gi", "9004041", 3.0},
		{"upper-gi", "9004027", 0.3},
		{"bariatric", "9005019", 3.5},
		{"bariatric", "9005052", 3.0},
		{"bariatric", "9005033", 0.2},
		{"head-and-neck", "9006014", 3.0},
		{"head-and-neck", "9006066", 3.5},
		{"head-and-neck", "9006080", 0.3},
		{"endocrine", "9007021", 3.5},
		{"endocrine", "9007073", 3.0},
		{"endocrine", "9007048", 0.2},
		{"urology", "9008035", 3.0},
		{"urology", "9008102", 2.5},
		{"urology", "9008127", 3.5},
		{"urology", "9008061", 0.3},
		{"interventional-cardiology", "9009011", 3.0},
		{"interventional-cardiology", "9009096", 2.5},
		{"interventional-cardiology", "9009133", 0.3},
		{"interventional-cardiology", "9009057", 0.4},
	}
}

// demoPeriod is a reporting period: three financial years from first.
type demoPeriod struct {
	label string
	first int
}

// demoPeriods returns the two reporting periods. They overlap by two years,
// as consecutive real reports do.
func demoPeriods() []demoPeriod {
	return []demoPeriod{{"2021-04/2024-03", 0}, {"2022-04/2025-03", 1}}
}

// demoHospital is an invented hospital.
type demoHospital struct {
	id   string
	name string
}

// demoHospitals returns thirty invented hospitals shared by all specialties.
// The ZZ prefix is not used by real ODS codes, and the places do not exist.
func demoHospitals() []demoHospital {
	names := []string{
		"Wrenfield General Infirmary", "Port Tamsin University Hospital",
		"Bramblecombe Royal Infirmary", "Larkhollow District Hospital",
		"Quillhaven General Hospital", "Saltmarrow Community Hospital",
		"Fennick Cross University Hospital", "Mosswater Royal Hospital",
		"Kestrelby General Infirmary", "Glimmerdale Hospital",
		"Thistlewick University Hospital", "Nettlemarsh District General Hospital",
		"Harrowmere Royal Infirmary", "Dunmorrow General Hospital",
		"Elderholt University Hospital", "Skylark Bay Hospital",
		"Ambermoor Infirmary", "Pennywhistle Vale General Hospital",
		"Tarnwick Royal Hospital", "Gorseholme Peninsula Hospital",
		"Heronspire Royal Infirmary", "Brackenlow General Hospital",
		"Sorrelmouth Community Hospital", "Little Pebbleton Hospital",
		"Wyvernstoke University Hospital", "Mistlecombe General Hospital",
		"Cobblemarsh Royal Hospital", "Fernhallow District Hospital",
		"Marrowby General Infirmary", "Lanternmoor University Hospital",
	}
	hospitals := make([]demoHospital, len(names))
	for i, name := range names {
		hospitals[i] = demoHospital{id: fmt.Sprintf("ZZ%d", 101+i), name: name}
	}
	return hospitals
}

// demoSurgeon is one surgeon on a specialty's roll.
type demoSurgeon struct {
	id   string
	name string
	// hospitals holds indices into demoHospitals: the main hospital and a
	// second one, or -1 when the surgeon works at one hospital only.
	hospitals [2]int
	// share is the fraction of patients treated at the second hospital.
	share float64
	// first and last are the first and last financial years worked (0..3).
	first, last int
	// volume is the expected number of cases in three working years.
	volume float64
	// casemix multiplies the specialty's death rate for this surgeon's
	// patients: a surgeon taking harder cases has a higher expected count.
	casemix float64
	// ratio is the true ratio of deaths to predicted deaths.
	ratio float64
}

// demoTally counts one surgeon's patients at one hospital in one year. risk
// is the sum of the patients' predicted risks before calibration.
type demoTally struct {
	cases  int
	events int
	risk   float64
}

// demoRow is one row of the canonical CSV.
type demoRow struct {
	specialty, procedure, period, unitType string
	unitID, unitName                       string
	hospitalID, hospitalName               string
	outcome                                string
	cases, events                          int
	expected                               float64
}

// File is one generated CSV file.
type File struct {
	// Name is the file's name in the demo package's directory, such as
	// "vascular.csv".
	Name string
	// Data is the whole file: the canonical header, then one row per
	// period, surgeon and hospital.
	Data []byte
}

// demoHeader returns the canonical CSV header.
func demoHeader() []string {
	return []string{"specialty", "procedure", "period", "unit_type", "unit_id", "unit_name",
		"hospital_id", "hospital_name", "outcome", "cases", "events", "expected"}
}

// Files returns the ten demo files in the order of outcome.Specialties. Each
// specialty draws from its own stream, seeded by its slug, so changing one
// specialty's profile leaves the other nine files as they were.
func Files() ([]File, error) {
	hospitals := demoHospitals()
	planted := map[string]float64{}
	for _, o := range demoOutliers() {
		planted[o.id] = o.ratio
	}
	profiles := demoProfiles()
	taken := map[string]bool{}
	var files []File
	for i, sp := range outcome.Specialties() {
		at := slices.IndexFunc(profiles, func(p demoProfile) bool { return p.slug == sp.Slug })
		if at < 0 {
			return nil, fmt.Errorf("no demo profile for specialty %q", sp.Slug)
		}
		prof := profiles[at]
		r := rand.New(rand.NewPCG(demoSeed, slugSeed(sp.Slug)))
		names := rand.New(rand.NewPCG(demoNameSeed, slugSeed(sp.Slug)))
		roster := drawRoster(r, names, prof, i, len(hospitals), planted, taken)
		tallies := simulate(r, prof, roster)
		procs := rand.New(rand.NewPCG(demoProcedureSeed, slugSeed(sp.Slug)))
		reports := append([]report{{sp.Procedures[0].Slug, tallies}}, splitKinds(procs, prof, roster, tallies)...)
		reports = append(reports, simulateExtra(procs, prof, roster)...)
		rows := windowRows(sp, roster, reports, hospitals)
		data, err := encodeDemoCSV(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sp.Slug, err)
		}
		files = append(files, File{Name: sp.Slug + ".csv", Data: data})
	}
	return files, nil
}

// slugSeed hashes a slug into the second half of a PCG seed.
func slugSeed(slug string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(slug))
	return h.Sum64()
}

// drawRoster draws a specialty's surgeons. Every surgeon consumes the same
// draws whether or not it is planted, so planting or unplanting an outlier
// does not reshuffle everybody else.
func drawRoster(r, names *rand.Rand, prof demoProfile, block, nHospitals int,
	planted map[string]float64, taken map[string]bool) []demoSurgeon {
	centres := pickSorted(r, nHospitals, prof.centres)
	roster := make([]demoSurgeon, prof.surgeons)
	for k := range roster {
		s := &roster[k]
		s.id = strconv.Itoa(demoIDBase + block*demoIDBlock + k + 1)
		s.name = drawName(names, prof.physician, taken)
		s.first, s.last = drawCareer(r)
		s.volume = drawVolume(r, prof.volume)
		s.casemix = lognormal(r, demoCasemixSD)
		s.ratio = lognormal(r, demoRatioSD)
		s.hospitals = [2]int{centres[intn(r, len(centres))], -1}
		if ratio, ok := planted[s.id]; ok {
			s.first, s.last = 0, demoYears-1
			s.volume = max(s.volume, demoOutlierVolume*prof.volume)
			s.ratio = ratio
		}
	}
	addSecondHospitals(r, roster, centres)
	return roster
}

// drawCareer returns the first and last financial year a surgeon works. Most
// work all four; a few start in 2022/23 (fewer cases in the first period) or
// 2024/25 (second period only), or leave after 2023/24 (fewer cases in the
// second period) or 2021/22 (first period only), as consultants do.
func drawCareer(r *rand.Rand) (first, last int) {
	switch u := uniform(r); {
	case u < 0.05:
		return 1, demoYears - 1
	case u < 0.08:
		return 3, demoYears - 1
	case u < 0.13:
		return 0, 2
	case u < 0.16:
		return 0, 0
	}
	return 0, demoYears - 1
}

// drawVolume draws a surgeon's expected cases per three working years from a
// lognormal with the specialty's median and a coefficient of variation of
// demoVolumeCV, bounded to keep every surgeon plausible.
func drawVolume(r *rand.Rand, median float64) float64 {
	sd := math.Sqrt(math.Log(1 + demoVolumeCV*demoVolumeCV))
	v := median * math.Exp(sd*normal(r))
	return min(max(v, demoMinVolume), demoMaxVolume*median)
}

// addSecondHospitals gives demoSecondHospital of the surgeons a second
// hospital among the specialty's centres. The surgeons are picked as an exact
// number rather than one by one so that every specialty has some.
func addSecondHospitals(r *rand.Rand, roster []demoSurgeon, centres []int) {
	n := int(math.Round(demoSecondHospital * float64(len(roster))))
	for _, k := range pickSorted(r, len(roster), n) {
		s := &roster[k]
		mainAt := slices.Index(centres, s.hospitals[0])
		j := intn(r, len(centres)-1)
		if j >= mainAt {
			j++
		}
		s.hospitals[1] = centres[j]
		s.share = demoMinShare + float64((demoMaxShare-demoMinShare)*uniform(r))
	}
}

// simulate draws every surgeon's patients and deaths year by year and then
// calibrates the predicted risks.
//
// Reporting periods are built from yearly counts rather than drawn one by one
// because consecutive periods share two years of patients: a death in 2022/23
// must appear in both the 2021-24 and the 2022-25 figures, and a surgeon's two
// periods must differ only by the years that drop out and come in. Drawing
// each period independently would make the two periods disagree in a way real
// data never does.
//
// Expected deaths are the sum of the patients' predicted risks, so they track
// the surgeon's case mix, not just the number of cases. Deaths are Poisson
// with mean expected times the surgeon's true ratio; the ratios are divided by
// their volume-weighted mean so the specialty's crude rate stays on target
// despite the planted outliers. Finally the risks are scaled so that, over
// the four years, predicted deaths equal observed deaths: a risk model is
// calibrated on the same national data it is used to judge.
func simulate(r *rand.Rand, prof demoProfile, roster []demoSurgeon) [][2][demoYears]demoTally {
	scale := meanRatio(roster)
	tallies := make([][2][demoYears]demoTally, len(roster))
	for k, s := range roster {
		for y := s.first; y <= s.last; y++ {
			tallies[k][0][y], tallies[k][1][y] = simulateYear(r, prof.rate, s, s.ratio/scale)
		}
	}
	calibrate(tallies)
	return tallies
}

// simulateYear draws one surgeon's patients for one year, splitting them
// between the surgeon's hospitals, and the deaths at each hospital.
func simulateYear(r *rand.Rand, rate float64, s demoSurgeon, ratio float64) (atMain, atSecond demoTally) {
	n := poisson(r, s.volume/demoWindow)
	mix := rate * s.casemix * lognormal(r, demoYearMixSD)
	var t [2]demoTally
	for range n {
		h := 0
		if s.hospitals[1] >= 0 && uniform(r) < s.share {
			h = 1
		}
		t[h].cases++
		t[h].risk += min(mix*lognormal(r, demoPatientSD), demoMaxRisk)
	}
	for h := range t {
		t[h].events = min(poisson(r, t[h].risk*ratio), t[h].cases)
	}
	return t[0], t[1]
}

// meanRatio returns the true ratios' mean weighted by expected cases.
func meanRatio(roster []demoSurgeon) float64 {
	var sum, weight float64
	for _, s := range roster {
		w := s.volume * float64(s.last-s.first+1)
		sum += float64(w * s.ratio)
		weight += w
	}
	return sum / weight
}

// calibrate scales all risks so that they sum to the number of deaths.
func calibrate(tallies [][2][demoYears]demoTally) {
	var events, risk float64
	for _, s := range tallies {
		for _, h := range s {
			for _, y := range h {
				events += float64(y.events)
				risk += y.risk
			}
		}
	}
	if events == 0 || risk == 0 {
		return
	}
	for k := range tallies {
		for h := range tallies[k] {
			for y := range tallies[k][h] {
				tallies[k][h][y].risk *= events / risk
			}
		}
	}
}

// report is one procedure's yearly tallies, by surgeon and hospital.
type report struct {
	procedure string
	tallies   [][2][demoYears]demoTally
}

// splitKinds splits every surgeon's yearly tallies into the specialty's
// kinds of operation and returns those reported under their own procedure.
// Each surgeon's mix of kinds varies around the specialty's. Operations are
// dealt to kinds by the mix; deaths, and the expected deaths, by each
// kind's operations times its relative risk, so the kinds' cases and
// deaths add up to the total's. Each kind's risks are then calibrated on
// their own, as a procedure's own risk model is, so its expected deaths
// add up to the total's only roughly, as real audits' do.
func splitKinds(r *rand.Rand, prof demoProfile, roster []demoSurgeon, tallies [][2][demoYears]demoTally) []report {
	if len(prof.kinds) == 0 {
		return nil
	}
	out := make([]report, len(prof.kinds))
	for c := range out {
		out[c] = report{prof.kinds[c].procedure, make([][2][demoYears]demoTally, len(roster))}
	}
	shares := make([]float64, len(prof.kinds))
	weights := make([]float64, len(prof.kinds))
	for k := range roster {
		var sum float64
		for c, kind := range prof.kinds {
			shares[c] = float64(kind.share) * lognormal(r, demoKindSD)
			sum += shares[c]
		}
		for c := range shares {
			shares[c] /= sum
		}
		for h := range tallies[k] {
			for y, t := range tallies[k][h] {
				parts := make([]demoTally, len(prof.kinds))
				for range t.cases {
					parts[pickShare(r, shares)].cases++
				}
				var total float64
				for c := range parts {
					weights[c] = float64(parts[c].cases) * prof.kinds[c].risk
					total += float64(weights[c])
				}
				for range t.events {
					c := pickWeight(r, weights, total)
					parts[c].events++
					if parts[c].events == parts[c].cases { // no more deaths than operations
						total -= weights[c]
						weights[c] = 0
					}
				}
				wsum := weightSum(parts, prof.kinds)
				for c := range parts {
					if wsum > 0 {
						parts[c].risk = t.risk * float64(float64(parts[c].cases)*prof.kinds[c].risk) / wsum
					}
					out[c].tallies[k][h][y] = parts[c]
				}
			}
		}
	}
	for _, rep := range out {
		calibrate(rep.tallies)
	}
	return slices.DeleteFunc(out, func(rep report) bool { return rep.procedure == "" })
}

// weightSum is the kinds' operations times their relative risks.
func weightSum(parts []demoTally, kinds []demoKind) float64 {
	var sum float64
	for c := range parts {
		sum += float64(float64(parts[c].cases) * kinds[c].risk)
	}
	return sum
}

// pickShare returns an index drawn with the given probabilities (they sum
// to 1).
func pickShare(r *rand.Rand, shares []float64) int {
	return pickWeight(r, shares, 1)
}

// pickWeight returns an index drawn with probabilities weights/total.
func pickWeight(r *rand.Rand, weights []float64, total float64) int {
	u := uniform(r) * total
	last := 0
	for i, w := range weights {
		if w <= 0 {
			continue
		}
		if u < w {
			return i
		}
		u -= w
		last = i
	}
	return last
}

// simulateExtra simulates the procedures some surgeons do besides their
// main one: who does them, how many, and the deaths, each surgeon with the
// same true ratio and hospitals as in their main work, and calibrated as
// simulate calibrates.
func simulateExtra(r *rand.Rand, prof demoProfile, roster []demoSurgeon) []report {
	var out []report
	scale := meanRatio(roster)
	for _, x := range prof.extra {
		rep := report{x.procedure, make([][2][demoYears]demoTally, len(roster))}
		for k, s := range roster {
			does, volume := uniform(r) < x.operators, drawVolume(r, x.volume)
			if !does {
				continue
			}
			s.volume = volume
			for y := s.first; y <= s.last; y++ {
				rep.tallies[k][0][y], rep.tallies[k][1][y] = simulateYear(r, x.rate, s, s.ratio/scale)
			}
		}
		calibrate(rep.tallies)
		out = append(out, rep)
	}
	return out
}

// windowRows sums each report's yearly tallies into one row per period,
// surgeon and hospital, leaving out hospitals where the surgeon had no
// cases of the procedure in the period, and sorts the rows by procedure
// (in the specialty's order), period, surgeon and hospital.
func windowRows(sp outcome.Specialty, roster []demoSurgeon, reports []report, hospitals []demoHospital) []demoRow {
	var rows []demoRow
	for _, rep := range reports {
		for _, p := range demoPeriods() {
			for k, s := range roster {
				for h, hi := range s.hospitals {
					if hi < 0 {
						continue
					}
					var sum demoTally
					for _, t := range rep.tallies[k][h][p.first : p.first+demoWindow] {
						sum.cases += t.cases
						sum.events += t.events
						sum.risk += t.risk
					}
					if sum.cases == 0 {
						continue
					}
					rows = append(rows, demoRow{
						specialty: sp.Slug, procedure: rep.procedure, period: p.label,
						unitType: string(outcome.Surgeon), unitID: s.id, unitName: s.name,
						hospitalID: hospitals[hi].id, hospitalName: hospitals[hi].name,
						outcome: sp.Outcome, cases: sum.cases, events: sum.events,
						expected: max(sum.risk, demoMinExpected),
					})
				}
			}
		}
	}
	slices.SortFunc(rows, func(a, b demoRow) int { return compareRows(sp, a, b) })
	return rows
}

// compareRows orders rows by procedure, in the order the specialty lists
// them, then period, surgeon id and hospital id. Ids have a fixed width, so
// string order is numeric order.
func compareRows(sp outcome.Specialty, a, b demoRow) int {
	at := func(procedure string) int {
		return slices.IndexFunc(sp.Procedures, func(p outcome.Procedure) bool { return p.Slug == procedure })
	}
	return cmp.Or(cmp.Compare(at(a.procedure), at(b.procedure)), cmp.Compare(a.period, b.period),
		cmp.Compare(a.unitID, b.unitID), cmp.Compare(a.hospitalID, b.hospitalID))
}

// encodeDemoCSV writes rows in the canonical format: header first, LF line
// ends, expected with three decimals.
func encodeDemoCSV(rows []demoRow) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(demoHeader()); err != nil {
		return nil, err
	}
	for _, r := range rows {
		rec := []string{r.specialty, r.procedure, r.period, r.unitType, r.unitID, r.unitName,
			r.hospitalID, r.hospitalName, r.outcome, strconv.Itoa(r.cases),
			strconv.Itoa(r.events), strconv.FormatFloat(r.expected, 'f', 3, 64)}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// drawName returns a new unique name: a title, a first name and a surname
// made of two nature words, so nobody can mistake a demo surgeon for a real
// one. Physicians are all Dr; surgeons are Mr or Ms, and a few Dr. taken holds
// the names already used, without titles, across all specialties.
func drawName(r *rand.Rand, physician bool, taken map[string]bool) string {
	women := []string{"Orla", "Elowen", "Tamsin", "Isolde", "Marigold", "Linnet",
		"Perpetua", "Clemency", "Wilhelmina", "Ottilie", "Philippa", "Romilly",
		"Araminta", "Hermia", "Imogen", "Leocadia", "Briony", "Delphine",
		"Honora", "Morwenna", "Ysolde", "Zinnia", "Cressida", "Liesel"}
	men := []string{"Tobias", "Bramwell", "Corwin", "Peregrine", "Ambrose",
		"Caspian", "Fitzwilliam", "Lysander", "Octavius", "Barnaby", "Crispin",
		"Eustace", "Horatio", "Ignatius", "Leopold", "Montague", "Norbert",
		"Quentin", "Rufus", "Septimus", "Thaddeus", "Ulric", "Virgil", "Wystan"}
	for {
		title, first := "", ""
		switch u := uniform(r); {
		case physician || u < 0.1:
			title, first = "Dr", pick(r, append(slices.Clone(women), men...))
		case u < 0.55:
			title, first = "Ms", pick(r, women)
		default:
			title, first = "Mr", pick(r, men)
		}
		full := first + " " + drawSurname(r)
		if !taken[full] {
			taken[full] = true
			return title + " " + full
		}
	}
}

// drawSurname joins two different nature words, e.g. "Fernwhistle".
func drawSurname(r *rand.Rand) string {
	heads := []string{"Fern", "Moss", "Bramble", "Thistle", "Willow", "Rowan",
		"Clover", "Briar", "Lark", "Otter", "Sorrel", "Pebble", "Bracken",
		"Acorn", "Quill", "Tansy", "Nettle", "Larch", "Sedge", "Yarrow",
		"Heron", "Puffin", "Badger", "Kestrel", "Hazel", "Marsh", "Mallow",
		"Teasel", "Thrush", "Lichen"}
	tails := []string{"whistle", "brook", "feather", "bloom", "burrow",
		"dapple", "wisp", "thorn", "hollow", "puddle", "tumble", "glade",
		"petal", "drift", "spindle", "meadow", "moss", "tarn", "reed", "fern"}
	for {
		head, tail := pick(r, heads), pick(r, tails)
		if !strings.EqualFold(head, tail) {
			return head + tail
		}
	}
}

// pick returns a random element of words.
func pick(r *rand.Rand, words []string) string {
	return words[intn(r, len(words))]
}

// pickSorted returns k distinct integers from [0, n) in increasing order, by
// a partial Fisher–Yates shuffle.
func pickSorted(r *rand.Rand, n, k int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	for i := range k {
		j := i + intn(r, n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	out := idx[:k]
	slices.Sort(out)
	return out
}

// uniform returns a uniform float64 in [0, 1) built from the PCG's raw 64-bit
// output. The generator uses only PCG.Uint64, whose sequence is fixed by the
// PCG-DXSM algorithm, and derives every distribution itself: math/rand/v2
// does not promise that Float64, IntN, Perm or NormFloat64 keep producing the
// same values in later Go releases, and the committed files must not change
// when the toolchain does. For the same reason products that are then added
// are wrapped in float64(), which forbids the compiler to fuse them into one
// multiply-add on architectures that have it (arm64 does, amd64 does not).
func uniform(r *rand.Rand) float64 {
	return float64(r.Uint64()>>11) * 0x1p-53
}

// intn returns a uniform integer in [0, n).
func intn(r *rand.Rand, n int) int {
	return int(uniform(r) * float64(n))
}

// normal returns a standard normal draw by the Box–Muller transform.
func normal(r *rand.Rand) float64 {
	u1 := 1 - uniform(r) // in (0, 1], so the logarithm is finite
	u2 := uniform(r)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// lognormal returns a lognormal draw with mean 1 and log-scale spread sd.
func lognormal(r *rand.Rand, sd float64) float64 {
	return math.Exp(float64(sd*normal(r)) - sd*sd/2)
}

// poisson returns a Poisson draw with mean lambda by inversion of the
// cumulative distribution with a single uniform. Large means are split in
// two, because e^-lambda underflows past about 700; the sum of independent
// Poisson draws is Poisson.
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 500 {
		return poisson(r, lambda/2) + poisson(r, lambda/2)
	}
	u := uniform(r)
	p := math.Exp(-lambda)
	cdf, k := p, 0
	for u > cdf && p > 0 {
		k++
		p *= lambda / float64(k)
		cdf += p
	}
	return k
}
