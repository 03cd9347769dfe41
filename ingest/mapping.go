package ingest

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Canonical field names: the columns of the canonical CSV (DESIGN.md
// § Canonical CSV) and the provenance fields a mapping may fill from a
// publisher's own figures.
const (
	fieldSpecialty       = "specialty"
	fieldProcedure       = "procedure"
	fieldPeriod          = "period"
	fieldUnitType        = "unit_type"
	fieldUnitID          = "unit_id"
	fieldUnitName        = "unit_name"
	fieldHospitalID      = "hospital_id"
	fieldHospitalName    = "hospital_name"
	fieldOutcome         = "outcome"
	fieldCases           = "cases"
	fieldEvents          = "events"
	fieldExpected        = "expected"
	fieldExpectedRate    = "expected_rate"
	fieldPublishedRate   = "published_rate"
	fieldPublishedLow    = "published_low"
	fieldPublishedHigh   = "published_high"
	fieldPublishedRating = "published_rating"
)

// fieldNames lists every field a mapping may name, in canonical order.
func fieldNames() []string {
	return []string{fieldSpecialty, fieldProcedure, fieldPeriod, fieldUnitType, fieldUnitID, fieldUnitName,
		fieldHospitalID, fieldHospitalName, fieldOutcome, fieldCases, fieldEvents, fieldExpected,
		fieldExpectedRate, fieldPublishedRate, fieldPublishedLow, fieldPublishedHigh, fieldPublishedRating}
}

// requiredFields must each come from a column, a fixed value or a derivation,
// and be non-empty on every row.
func requiredFields() []string {
	return []string{fieldSpecialty, fieldPeriod, fieldUnitType, fieldUnitID, fieldUnitName, fieldCases, fieldEvents}
}

// figureFields are the numbers a publisher gives for each unit. They are
// read from a column on every row and from nowhere else: a fixed value or a
// default would give units a number the publisher never gave ("events = 0"
// turns a whole file into zero deaths), and [values], [[derive]], slug and
// zero_pad work on text.
func figureFields() []string {
	return []string{fieldCases, fieldEvents, fieldExpected, fieldExpectedRate, fieldPublishedRate,
		fieldPublishedLow, fieldPublishedHigh}
}

// required lists the fields this mapping's rows must each have. The
// self-check asks a hospital only for its specialty and counts (README §
// The API, self-check): the rest it chooses or leaves as labels.
func (m *Mapping) required() []string {
	switch {
	case m.selfCheck:
		return []string{fieldSpecialty, fieldCases, fieldEvents}
	case m.PublishedOnly():
		return slices.DeleteFunc(requiredFields(), func(f string) bool { return f == fieldCases || f == fieldEvents })
	}
	return requiredFields()
}

// Values of Mapping.Figures.
const (
	figuresCounts    = "counts"
	figuresPublished = outcome.FiguresPublished
)

// PublishedOnly reports whether the mapping reads a file of the
// publisher's figures only (figures = "published").
func (m *Mapping) PublishedOnly() bool { return m.Figures == figuresPublished }

// countFields are the fields a file of the publisher's figures only has
// none of, or need not have (cases, a volume, may be shown beside them).
func countFields() []string { return []string{fieldEvents, fieldExpected, fieldExpectedRate} }

// Mapping says how to read one publisher's CSV into canonical rows. It is
// written in TOML; README.md § Mapping files documents every key with a
// worked example, and the built-in profiles in ingest/profiles are mappings.
type Mapping struct {
	// Name identifies the mapping in releases; it defaults to the file name.
	Name        string `toml:"name"`
	Description string `toml:"description"`
	// Columns maps a canonical field to the publisher's header. Headers
	// match ignoring case and runs of white space (including newlines).
	Columns map[string]string `toml:"columns"`
	// Optional lists fields whose column may be absent from a file.
	Optional []string `toml:"optional"`
	// Ignore lists publisher headers that are read and deliberately not
	// used. Any other column that no field names is an error, so a changed
	// file layout is noticed rather than silently misread.
	Ignore []string `toml:"ignore"`
	// Fixed gives fields a constant value for every row; never a unit's
	// figures (figureFields), nor an empty required field.
	Fixed map[string]string `toml:"fixed"`
	// Defaults gives the value of a field whose cell is missing.
	Defaults map[string]string `toml:"defaults"`
	// Values translates a field's publisher values to ours; a value that is
	// not listed is an error naming it.
	Values map[string]map[string]string `toml:"values"`
	// Derive computes a field from the publisher's value of another field.
	Derive []Derive `toml:"derive"`
	// Slug lists fields whose value is turned into a URL-safe id
	// ("Royal Free NHS Trust" → "royal-free-nhs-trust"), for publishers
	// that give names but no ids.
	Slug []string `toml:"slug"`
	// ZeroPad maps a field to a width: an all-digit value shorter than it
	// is padded with leading zeros, for publishers whose spreadsheets drop
	// them in some years ("1" and "0001" for the same hospital).
	ZeroPad map[string]int `toml:"zero_pad"`
	// Missing lists the tokens that mean "no value". The default is "",
	// "NA", "N/A" and "Not Available" (case-insensitive).
	Missing []string `toml:"missing"`
	// ExpectedAs says how the expected column is given: "count" (expected
	// events, the default), "percent" (per 100 cases) or "proportion"
	// (per case). Percent and proportion are multiplied by cases.
	ExpectedAs string `toml:"expected_as"`
	// ExpectedFrom, set to "published_rate", works each row's expected
	// deaths out of its published risk-adjusted rate, for publishers that
	// print observed deaths, cases, a risk-adjusted rate and the national
	// rate but no expected figure: RAMR = (O/E)·p0, so E = O·p0/RAMR. With
	// no deaths (O = 0) E cannot be recovered, and the row is marked not
	// assessable (outcome.Row.NotAssessable), never guessed. It needs the
	// national target on every row (ExpectedFromPublishedRate).
	ExpectedFrom string `toml:"expected_from"`
	// Figures says what a row's figures are: "counts" (the default: deaths
	// and operations, from which the release computes everything) or
	// "published" (the publisher's own rate, interval and rating only, for
	// files that give no deaths: each unit is one row, shown and exported
	// as the publisher's, never placed on a funnel by us).
	Figures string `toml:"figures"`
	// Encoding forces how the file's bytes are read: "utf-8" (a byte that
	// is not UTF-8 is then an error) or "windows-1252" (every byte is). Left
	// out, a file that is all UTF-8 is read as UTF-8, and any other is read
	// a record at a time, each as UTF-8 if it is valid UTF-8 and as
	// Windows-1252 if not.
	Encoding string `toml:"encoding"`
	// National says how to recognise the publisher's national or
	// statewide figures.
	National National `toml:"national"`
	// Skip says which rows are not units and are counted, not loaded.
	Skip Skip `toml:"skip"`
	// Filters leave out, and count, rows by a publisher column's value
	// (medical measures in a file of surgical ones), before any field of
	// the row is read.
	Filters []Filter `toml:"filter"`
	// Duplicates says what a record identical in every column to an
	// earlier one is: "error" (the default: its key is a duplicate key) or
	// "drop-identical" (left out and counted, across every file of the
	// release whose columns are the same). Rows that share a key but
	// differ in any column are an error either way.
	Duplicates string `toml:"duplicates"`
	// Rows, when given, reads each input row as several canonical rows
	// (a "wide" file with one block of columns per procedure). Each entry's
	// columns and fixed values add to, or override, the top-level ones.
	Rows []Variant `toml:"rows"`
	// Method records how the publisher computes and flags its figures.
	Method Method `toml:"method"`
	// Release gives defaults for the release's title, source and licence.
	Release ReleaseInfo `toml:"release"`

	sha256 string
	// selfCheck marks the self-check's mapping (SelfCheckMapping).
	selfCheck bool
}

// Derive computes Field from the publisher's value of From (a field name):
// a value missing from Values is an error naming it.
type Derive struct {
	Field  string            `toml:"field"`
	From   string            `toml:"from"`
	Values map[string]string `toml:"values"`
}

// National describes a publisher's national or statewide figures, given
// either as rows of their own (Column and Values: a row whose Column holds
// one of Values is a national row, read with the same columns as units) or
// repeated on every row (Cases and Events name the columns).
type National struct {
	Column string   `toml:"column"`
	Values []string `toml:"values"`
	Cases  string   `toml:"cases"`
	Events string   `toml:"events"`
	// Rate names the column of the publisher's printed national rate, read
	// on national rows (with Column) or on every row (without), and RateAs
	// says how it is written: "percent" or "proportion". Where a mapping
	// gives both counts and a rate, the rate is the target, as the
	// publisher computed with it, and the counts are kept beside it.
	Rate   string `toml:"rate"`
	RateAs string `toml:"rate_as"`
}

// ExpectedFromPublishedRate is the one value of expected_from.
const ExpectedFromPublishedRate = "published_rate"

// nationalOnEveryRow reports whether the national figures are repeated on
// every row (counts or a rate), rather than given in national rows of
// their own.
func (n National) nationalOnEveryRow() bool {
	return n.Column == "" && (n.Cases != "" || n.Rate != "")
}

// Skip lists the fields whose missing or zero value marks a row as not a
// unit (a hospital with no data, a trust that did no EVAR). Such rows are
// counted in the summary, not loaded, and are not errors.
// A derived field is judged by the value derived, so a derivation to ""
// and a missing rule together leave rows out by value (medical measures
// in a surgical file).
//
// Checks names row checks (rowChecks: "events_over_cases", …) whose
// failure leaves the row out, counted and listed by line, instead of
// rejecting the input.
type Skip struct {
	Missing []string `toml:"missing"`
	Zero    []string `toml:"zero"`
	Checks  []string `toml:"checks"`
}

// Filter leaves out rows by the value of one of the publisher's columns:
// with Drop, the rows holding one of its values; with Keep, the rows
// holding none of its values. Values match the cell trimmed, exactly
// (case matters, as in [values] and [national]). Reason is how the summary
// and the release count the rows left out; it defaults to
// `COLUMN = VALUE` (drop; `COLUMN empty` for an empty cell) or
// `COLUMN not VALUE` (keep).
type Filter struct {
	Column string   `toml:"column"`
	Keep   []string `toml:"keep"`
	Drop   []string `toml:"drop"`
	Reason string   `toml:"reason"`
}

// Values of Mapping.Duplicates.
const (
	duplicatesError         = "error"
	duplicatesDropIdentical = "drop-identical"
)

// identicalDuplicate is the reason rows dropped as identical duplicates
// are counted under.
const identicalDuplicate = "identical duplicate"

// Variant is one canonical row read from a wide input row.
type Variant struct {
	Columns map[string]string `toml:"columns"`
	Fixed   map[string]string `toml:"fixed"`
}

// Method is how the publisher computes intervals and flags units
// (STATS.md §2 and §8); the stats engine follows it so the publisher's own
// figures can be reproduced.
type Method struct {
	// Interval is exact (Garwood, the default), byar or mixed.
	Interval string `toml:"interval"`
	// Comparison is funnel (bands from the funnel limits, the default) or
	// interval (flagged when the unit's own interval excludes the target).
	Comparison string `toml:"comparison"`
	// Target is counts (p0 from the group's rows, the default) or national
	// (from the national figures, which every group must then have).
	Target string `toml:"target"`
	// IntervalLevel is the level, in percent, of each unit's own interval
	// (default 95); FlagLevel the level of the comparison that gives the
	// publisher's verdict (default IntervalLevel). A publisher that rates
	// hospitals by a 98% interval is reproduced only at 98%. Pointers, so
	// that a level written as 0 is refused, not taken for one left out.
	IntervalLevel *float64 `toml:"interval_level"`
	FlagLevel     *float64 `toml:"flag_level"`
}

// Settings returns the method with every setting the mapping leaves out at
// its default: exact intervals, the funnel comparison, the counts target,
// 95% intervals and the flag rule at the interval's level.
func (m Method) Settings() Method {
	interval, flag := m.Levels()
	return Method{Interval: firstOf(m.Interval, "exact"), Comparison: firstOf(m.Comparison, "funnel"),
		Target: firstOf(m.Target, outcome.TargetCounts), IntervalLevel: &interval, FlagLevel: &flag}
}

// Settings returns the method the release records: the mapping's with
// every default filled in (Method.Settings), or, for the publisher's
// figures only, a comparison and a target that are both the publisher's
// (FiguresPublished), at the level of its printed intervals.
func (m *Mapping) Settings() Method {
	s := m.Method.Settings()
	if m.PublishedOnly() {
		s.Comparison, s.Target = figuresPublished, figuresPublished
	}
	return s
}

// Levels returns the interval and flag levels in percent, each at its
// default where the mapping leaves it out.
func (m Method) Levels() (interval, flag float64) {
	interval = outcome.DefaultLevel
	if m.IntervalLevel != nil {
		interval = *m.IntervalLevel
	}
	flag = interval
	if m.FlagLevel != nil {
		flag = *m.FlagLevel
	}
	return interval, flag
}

// ReleaseInfo gives default release metadata.
type ReleaseInfo struct {
	Title   string `toml:"title"`
	Source  string `toml:"source"`
	Licence string `toml:"licence"`
}

//go:embed profiles/*.toml
var profileFS embed.FS

// Profiles lists the built-in profile names.
func Profiles() []string {
	entries, _ := profileFS.ReadDir("profiles")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".toml"))
	}
	return names
}

// Profile returns a built-in profile's mapping.
func Profile(name string) (*Mapping, error) {
	data, err := profileFS.ReadFile(path.Join("profiles", name+".toml"))
	if err != nil {
		return nil, fmt.Errorf("unknown profile %q (built-in profiles: %s)", name, strings.Join(Profiles(), ", "))
	}
	return ParseMapping(name+".toml", data)
}

//go:embed selfcheck.toml
var selfCheckTOML []byte

// SelfCheckMapping returns the mapping of a hospital's self-check: the
// canonical CSV (DESIGN.md § Canonical CSV) read with every check of the
// canonical profile, but with period, procedure, unit_id and unit_name
// optional (left empty when missing, for the caller to fill in) and
// unit_type defaulting to hospital. Its rows are separate submissions, not
// a release: [Decode] finds no duplicate keys or mixed groups among them,
// and [Load] refuses the mapping.
func SelfCheckMapping() (*Mapping, error) {
	return parseMapping("self-check.toml", selfCheckTOML, true)
}

// Header returns the header of a file with every column that m reads, in
// canonical field order: the header [DecodeRecords] needs to read records
// holding every field. Columns that only a [[rows]] entry or [national]
// names are not in it.
func (m *Mapping) Header() []string {
	var h []string
	for _, f := range fieldNames() {
		if c, ok := m.Columns[f]; ok {
			h = append(h, c)
		}
	}
	return h
}

// LoadMapping reads and checks a mapping file.
func LoadMapping(file string) (*Mapping, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	return ParseMapping(file, data)
}

// ParseMapping parses and checks a mapping written in TOML. Unknown keys are
// errors, so a misspelt key is not silently ignored.
func ParseMapping(name string, data []byte) (*Mapping, error) {
	return parseMapping(name, data, false)
}

// parseMapping is ParseMapping for a release's mapping or, with selfCheck,
// the self-check's, whose rows need fewer fields.
func parseMapping(name string, data []byte, selfCheck bool) (*Mapping, error) {
	m := Mapping{selfCheck: selfCheck}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&m)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("mapping %s: unknown keys: %s", name, strings.Join(keys, ", "))
	}
	if m.Name == "" {
		m.Name = strings.TrimSuffix(path.Base(name), path.Ext(name))
	}
	sum := sha256.Sum256(data)
	m.sha256 = hex.EncodeToString(sum[:])
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("mapping %s: %w", name, err)
	}
	return &m, nil
}

// SHA256 is the hex sha256 of the mapping file's bytes.
func (m *Mapping) SHA256() string { return m.sha256 }

func (m *Mapping) check() error {
	known := fieldNames()
	isField := func(f string) bool { return slices.Contains(known, f) }
	var errs []error
	checkFields := func(what string, fields []string) {
		for _, f := range fields {
			if !isField(f) {
				errs = append(errs, fmt.Errorf("%s: unknown field %q (fields: %s)", what, f, strings.Join(known, ", ")))
			}
		}
	}
	checkFields("columns", sortedKeys(m.Columns))
	checkFields("fixed", sortedKeys(m.Fixed))
	checkFields("defaults", sortedKeys(m.Defaults))
	checkFields("values", sortedKeys(m.Values))
	checkFields("optional", m.Optional)
	checkFields("slug", m.Slug)
	checkFields("zero_pad", sortedKeys(m.ZeroPad))
	for _, f := range sortedKeys(m.ZeroPad) {
		if w := m.ZeroPad[f]; w < 1 || w > 64 {
			errs = append(errs, fmt.Errorf("zero_pad.%s: width %d is not between 1 and 64", f, w))
		}
	}
	checkFields("skip.missing", m.Skip.Missing)
	checkFields("skip.zero", m.Skip.Zero)
	for _, name := range m.Skip.Checks {
		if _, ok := lookupCheck(name); !ok {
			errs = append(errs, fmt.Errorf("skip.checks: unknown check %q (checks: %s)", name, checkNames()))
		}
	}
	errs = append(errs, m.checkFilters()...)
	if !slices.Contains([]string{"", duplicatesError, duplicatesDropIdentical}, m.Duplicates) {
		errs = append(errs, fmt.Errorf("duplicates %q: want error or drop-identical", m.Duplicates))
	}
	for i, d := range m.Derive {
		checkFields(fmt.Sprintf("derive[%d]", i), []string{d.Field, d.From})
		if len(d.Values) == 0 {
			errs = append(errs, fmt.Errorf("derive[%d]: no values", i))
		}
	}
	for i, v := range m.Rows {
		checkFields(fmt.Sprintf("rows[%d].columns", i), sortedKeys(v.Columns))
		checkFields(fmt.Sprintf("rows[%d].fixed", i), sortedKeys(v.Fixed))
	}
	switch m.ExpectedAs {
	case "", "count", "percent", "proportion":
	default:
		errs = append(errs, fmt.Errorf("expected_as %q: want count, percent or proportion", m.ExpectedAs))
	}
	if !slices.Contains([]string{encodingAuto, encodingUTF8, encodingCP1252}, m.Encoding) {
		errs = append(errs, fmt.Errorf("encoding %q: want utf-8 or windows-1252, or leave it out to decide record by record", m.Encoding))
	}
	if !slices.Contains([]string{"", "exact", "byar", "mixed"}, m.Method.Interval) {
		errs = append(errs, fmt.Errorf("method.interval %q: want exact, byar or mixed", m.Method.Interval))
	}
	if !slices.Contains([]string{"", "funnel", "interval"}, m.Method.Comparison) {
		errs = append(errs, fmt.Errorf("method.comparison %q: want funnel or interval", m.Method.Comparison))
	}
	if !slices.Contains([]string{"", outcome.TargetCounts, outcome.TargetNational}, m.Method.Target) {
		errs = append(errs, fmt.Errorf("method.target %q: want counts or national", m.Method.Target))
	}
	for _, l := range []struct {
		key   string
		level *float64
	}{{"method.interval_level", m.Method.IntervalLevel}, {"method.flag_level", m.Method.FlagLevel}} {
		if l.level == nil {
			continue
		}
		if err := outcome.CheckLevel(*l.level); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", l.key, err))
		}
	}
	n := m.National
	if (n.Column == "") != (len(n.Values) == 0) {
		errs = append(errs, errors.New("national: give column and values together"))
	}
	if (n.Cases == "") != (n.Events == "") {
		errs = append(errs, errors.New("national: give cases and events together"))
	}
	if m.Method.Target == outcome.TargetNational && n.Column == "" && n.Cases == "" && n.Rate == "" {
		errs = append(errs, errors.New("method.target is national but [national] says nowhere to find national figures"))
	}
	errs = append(errs, m.checkNationalRate()...)
	errs = append(errs, m.checkPublishedOnly()...)
	errs = append(errs, m.checkFigures()...)
	errs = append(errs, m.checkEmpty()...)
	errs = append(errs, m.checkFixedKinds()...)
	for _, f := range m.required() {
		for _, v := range m.variants() {
			if v.source(f) == "" && !m.derives(f) {
				errs = append(errs, fmt.Errorf("field %s is required: give it a column, a fixed value or a derivation", f))
				break // once, however many [[rows]] lack it
			}
		}
	}
	return errors.Join(errs...)
}

// checkFilters refuses a filter that names no column, or does not say
// which values to keep or drop, or says both.
func (m *Mapping) checkFilters() []error {
	var errs []error
	for i, f := range m.Filters {
		switch {
		case strings.TrimSpace(f.Column) == "":
			errs = append(errs, fmt.Errorf("filter[%d]: no column", i))
		case len(f.Keep) == 0 && len(f.Drop) == 0:
			errs = append(errs, fmt.Errorf("filter[%d]: give the values to keep or to drop", i))
		case len(f.Keep) > 0 && len(f.Drop) > 0:
			errs = append(errs, fmt.Errorf("filter[%d]: give keep or drop, not both", i))
		}
	}
	return errs
}

// checkNationalRate checks the printed national rate (national.rate) and
// the expected deaths worked out from a published rate (expected_from),
// which needs that rate, or national counts, on the row it works on.
func (m *Mapping) checkNationalRate() []error {
	var errs []error
	n := m.National
	switch {
	case n.Rate != "" && n.RateAs == "":
		errs = append(errs, errors.New(`national.rate_as: say how the national rate is written, "percent" (2.27 for 2.27%) or "proportion" (0.0227)`))
	case n.Rate == "" && n.RateAs != "":
		errs = append(errs, errors.New("national.rate_as is given but national.rate names no column"))
	case !slices.Contains([]string{"", "percent", "proportion"}, n.RateAs):
		errs = append(errs, fmt.Errorf("national.rate_as %q: want percent or proportion", n.RateAs))
	}
	switch m.ExpectedFrom {
	case "":
		return errs
	case ExpectedFromPublishedRate:
	default:
		return append(errs, fmt.Errorf("expected_from %q: want %q (E = O·p0/RAMR from each row's published_rate)", m.ExpectedFrom, ExpectedFromPublishedRate))
	}
	if m.Method.Target != outcome.TargetNational {
		errs = append(errs, errors.New(`expected_from = "published_rate" works E out as O·p0/RAMR with p0 the national rate: it needs [method] target = "national"`))
	}
	if !n.nationalOnEveryRow() {
		errs = append(errs, errors.New(`expected_from = "published_rate" needs the national rate on every row ([national] rate, or cases and events, without column and values), as each row's expected deaths are worked out from it as the row is read`))
	}
	for _, v := range m.variants() {
		if _, ok := v.Columns[fieldPublishedRate]; !ok {
			errs = append(errs, errors.New(`expected_from = "published_rate" needs a published_rate column (the publisher's risk-adjusted rate per 100)`))
			break
		}
	}
	for _, f := range []string{fieldExpected, fieldExpectedRate} {
		for _, v := range m.variants() {
			if _, ok := v.Columns[f]; ok {
				errs = append(errs, fmt.Errorf(`expected_from = "published_rate" and a %s column: give expected deaths one way, not both`, f))
				break
			}
		}
	}
	if m.ExpectedAs != "" {
		errs = append(errs, errors.New(`expected_as describes an expected column, which expected_from = "published_rate" has none of`))
	}
	return errs
}

// checkPublishedOnly checks figures: a file of the publisher's figures
// only gives each unit's rate or rating, and none of what the release
// would compute from (deaths, expected deaths, a target, a method of its
// own), since nothing is computed from it.
func (m *Mapping) checkPublishedOnly() []error {
	switch m.Figures {
	case "", figuresCounts:
		return nil
	case figuresPublished:
	default:
		return []error{fmt.Errorf("figures %q: want counts or published", m.Figures)}
	}
	const why = `figures = "published" reads the publisher's own figures and computes nothing`
	var errs []error
	for _, f := range countFields() {
		for _, v := range m.variants() {
			if v.source(f) != "" {
				errs = append(errs, fmt.Errorf("%s: it has no %s (leave the column out, or add it to ignore); a file with deaths loads with figures = \"counts\"", why, f))
				break
			}
		}
	}
	for _, v := range m.variants() {
		if v.source(fieldPublishedRate) == "" && v.source(fieldPublishedRating) == "" {
			errs = append(errs, errors.New(`figures = "published" needs the publisher's figures: a published_rate or a published_rating column`))
			break
		}
	}
	n := m.National
	if m.ExpectedFrom != "" || m.ExpectedAs != "" {
		errs = append(errs, fmt.Errorf("%s: expected_from and expected_as do not apply", why))
	}
	if n.Column != "" || n.Cases != "" || n.Rate != "" {
		errs = append(errs, fmt.Errorf("%s: [national] gives a target, which it does not use", why))
	}
	if mm := m.Method; mm.Interval != "" || mm.Comparison != "" || mm.Target != "" || mm.FlagLevel != nil {
		errs = append(errs, fmt.Errorf("%s: of [method] only interval_level applies (the level of the publisher's intervals)", why))
	}
	return errs
}

// checkFigures refuses every way but a column of giving a unit's figures
// (figureFields).
func (m *Mapping) checkFigures() []error {
	var errs []error
	for _, f := range figureFields() {
		if _, ok := m.Fixed[f]; ok {
			errs = append(errs, fmt.Errorf("fixed.%s: %s must come from a column, not a fixed value, which would make it the same number on every row", f, f))
		}
		for i, v := range m.Rows {
			if _, ok := v.Fixed[f]; ok {
				errs = append(errs, fmt.Errorf("rows[%d].fixed.%s: %s must come from a column, not a fixed value, which would make it the same number on every row", i, f, f))
			}
		}
		if _, ok := m.Defaults[f]; ok {
			errs = append(errs, fmt.Errorf("defaults.%s: %s must come from a column: a default would give units a figure the publisher did not give (a row without one is an error, or skipped with [skip] missing)", f, f))
		}
		if _, ok := m.Values[f]; ok {
			errs = append(errs, fmt.Errorf("values.%s: %s is a number, read as written; [values] translates text", f, f))
		}
		for i, d := range m.Derive {
			if d.Field == f {
				errs = append(errs, fmt.Errorf("derive[%d]: %s must come from a column, not be derived", i, f))
			}
		}
		if slices.Contains(m.Slug, f) {
			errs = append(errs, fmt.Errorf("slug: %s is a number, not a name to make an id from", f))
		}
		if _, ok := m.ZeroPad[f]; ok {
			errs = append(errs, fmt.Errorf("zero_pad.%s: %s is a number, not an id", f, f))
		}
	}
	return errs
}

// checkEmpty refuses an empty fixed value or default for a required field,
// which would give every row that field empty. (An empty value from a
// column, a translation or a derivation is refused on its row.)
func (m *Mapping) checkEmpty() []error {
	var errs []error
	for _, f := range m.required() {
		if slices.Contains(figureFields(), f) {
			continue // refused whatever its value
		}
		if v, ok := m.Fixed[f]; ok && strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("fixed.%s: the value is empty, but every row needs a %s", f, f))
		}
		for i, r := range m.Rows {
			if v, ok := r.Fixed[f]; ok && strings.TrimSpace(v) == "" {
				errs = append(errs, fmt.Errorf("rows[%d].fixed.%s: the value is empty, but every row needs a %s", i, f, f))
			}
		}
		if v, ok := m.Defaults[f]; ok && strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("defaults.%s: the value is empty, but every row needs a %s", f, f))
		}
	}
	return errs
}

// checkFixedKinds refuses a fixed specialty or unit type that no row could
// have, by its key, rather than once on every row. A fixed value that
// [values] translates is the publisher's word, checked on the row.
func (m *Mapping) checkFixedKinds() []error {
	var errs []error
	check := func(key string, fixed map[string]string) {
		if s, ok := fixed[fieldSpecialty]; ok && strings.TrimSpace(s) != "" && m.Values[fieldSpecialty] == nil {
			if _, known := outcome.LookupSpecialty(s); !known {
				errs = append(errs, fmt.Errorf("%s.specialty: unknown specialty %q (want one of %s)", key, s, specialtyList()))
			}
		}
		if s, ok := fixed[fieldUnitType]; ok && strings.TrimSpace(s) != "" && m.Values[fieldUnitType] == nil {
			if _, err := outcome.ParseUnitType(s); err != nil {
				errs = append(errs, fmt.Errorf("%s.unit_type: %w", key, err))
			}
		}
	}
	check("fixed", m.Fixed)
	for i, r := range m.Rows {
		check(fmt.Sprintf("rows[%d].fixed", i), r.Fixed)
	}
	return errs
}

func (m *Mapping) derives(field string) bool {
	for _, d := range m.Derive {
		if d.Field == field {
			return true
		}
	}
	return false
}

// variants returns the canonical rows each input row yields, with the
// top-level columns and fixed values merged into each.
func (m *Mapping) variants() []Variant {
	if len(m.Rows) == 0 {
		return []Variant{{Columns: m.Columns, Fixed: m.Fixed}}
	}
	out := make([]Variant, len(m.Rows))
	for i, r := range m.Rows {
		v := Variant{Columns: map[string]string{}, Fixed: map[string]string{}}
		for k, x := range m.Columns {
			v.Columns[k] = x
		}
		for k, x := range m.Fixed {
			v.Fixed[k] = x
		}
		for k, x := range r.Columns {
			delete(v.Fixed, k)
			v.Columns[k] = x
		}
		for k, x := range r.Fixed {
			delete(v.Columns, k)
			v.Fixed[k] = x
		}
		out[i] = v
	}
	return out
}

// source says where a variant's field comes from, "" when nowhere.
func (v Variant) source(field string) string {
	if c, ok := v.Columns[field]; ok {
		return "column " + c
	}
	if x, ok := v.Fixed[field]; ok {
		return "fixed " + x
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// normHeader is how headers are compared: case-folded, trimmed, with runs
// of white space (publishers' double spaces and embedded newlines) as one.
func normHeader(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
