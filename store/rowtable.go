package store

import (
	"bytes"
	"cmp"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// rowTable holds the rows of a release being loaded, in memory and
// compactly, so that ingest can compute results and search rows from the
// decoded rows without reading them back from SQLite (issue 14): a
// national release of a million rows, every surgeon distinct, in about 90
// bytes a row (BenchmarkRowTable).
//
// Strings that repeat across rows (specialty, procedure, period, unit
// type, outcome, hospital id and name, rating) are held once and named by
// small integers; a row's unit id and name, usually its own, are appended
// to one byte arena (a row repeating the previous row's unit reuses its
// bytes). A row is a fixed struct of integers, so the garbage collector
// has no per-row pointer to scan. What few rows carry (the publisher's
// own figures, numbers too wide for 32 bits) is kept beside them in
// extras.
//
// Duplicate keys are found through an open-addressing table (linear
// probing, at most 3/4 full) of row indices, hashed from the key; where a
// slot's hash matches, its key is compared with the held row's key
// fields, so a hash collision costs a comparison, never a wrong answer.
//
// A rowTable is not safe for concurrent use, and add must not be called
// while eachGroup or eachSearchUnit runs. It holds fewer than 2³² rows.
type rowTable struct {
	// rows are held in chunks of 2^rowChunkBits rows, and the arena in
	// chunks of 2^arenaChunkBits bytes, so that growing never copies them
	// nor holds them twice: only the dup index (slots, 16 bytes a row at
	// most) is copied, and held twice for a moment, when it doubles.
	rows   [][]tableRow
	n      int        // rows held
	arena  [][]byte   // each row's unit id and name: uvarint length, bytes, uvarint length, bytes
	extras []rowExtra // for rows flagged rowExtended, by the index in their cases field
	// slots are the dup index: a key's hash's top 32 bits (its tag), and
	// below them its row's index + 1; 0 is an empty slot. A key's first
	// slot is its tag's top log2(len(slots)) bits, so growing needs only
	// the tags, and most keys that differ are told apart by their tags
	// without reading their rows. len(slots) is a power of two, at least
	// 1024.
	slots []uint64
	shift uint // 32 − log2(len(slots))
	seed  maphash.Seed

	groups   []outcome.Group
	groupIDs map[outcome.Group]uint32
	kinds    []rowKind
	kindIDs  map[rowKind]uint32
	// kindOfStrings finds a row's kind in one lookup; its keys hold the
	// interned strings.
	kindOfStrings map[rowKindStrings]uint32
	unitTypes     interner
	outcomes      interner
	ratings       interner
	// hospitals are the (id, name) pairs rows give; hospitalIDs interns
	// the ids alone, which the key compares.
	hospitals   []tableHospital
	hospitalIDs interner
	hospitalKey map[[2]string]uint32

	// lastKind and lastHospital skip the lookups for a row that repeats
	// the previous row's, as sorted files mostly do.
	lastKind     rowKindStrings
	lastKindID   uint32
	lastHospital [2]string
	lastHospID   uint32
	hasLast      bool
	lastUnit     uint64 // arena offset of the last row's unit

	// parts are what a complete eachGroupUnits noted for eachSearchUnit;
	// add drops them.
	parts *searchParts

	// unitBuf and unitEnds are materialize's, kept for the next call.
	unitBuf  []byte
	unitEnds [][2]int
}

// tableRow is one row as held: 40 bytes.
type tableRow struct {
	expected float64 // valid when flags has rowExpected
	unit     uint32  // arena offset of the unit id and name, low 32 bits
	file     uint32
	line     uint32
	kind     uint32 // group, unit type and outcome: rowTable.kinds
	hospital uint32 // rowTable.hospitals
	cases    uint32 // for a row flagged rowExtended, the index of its rowExtra
	events   uint32
	unitHigh uint8 // arena offset, bits 32 to 39
	flags    uint8
}

// The flags of a tableRow.
const (
	rowExpected      = 1 << iota // Expected is valid
	rowNotAssessable             // Row.NotAssessable
	rowPublishedOnly             // Row.PublishedOnly
	rowExtended                  // the row has a rowExtra, which holds its file, line and counts
)

// rowExtra is what few rows carry: the publisher's own figures, or a file,
// line or count that does not fit a tableRow's 32 bits unsigned.
type rowExtra struct {
	file, line, cases, events int
	expectedRate              sql.Null[float64]
	publishedRate             sql.Null[float64]
	publishedLow              sql.Null[float64]
	publishedHigh             sql.Null[float64]
	rating                    uint32 // rowTable.ratings
}

// rowKind is what a row shares with many others: its group, unit type and
// outcome, interned. The outcome is not part of a
// row's key, so two kinds may hold the same key fields.
type rowKind struct {
	group, unitType, outcome uint32
}

type rowKindStrings struct {
	group              outcome.Group
	unitType, outcomeS string
}

type tableHospital struct {
	id   uint32 // rowTable.hospitalIDs
	name string
}

// interner numbers distinct strings in the order first seen.
type interner struct {
	ids  map[string]uint32
	strs []string
}

func (in *interner) id(s string) uint32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	if in.ids == nil {
		in.ids = map[string]uint32{}
	}
	// A clone, so that a string cut from a decoder's buffer does not keep
	// the buffer alive.
	s = strings.Clone(s)
	id := uint32(len(in.strs))
	in.strs = append(in.strs, s)
	in.ids[s] = id
	return id
}

// ranks returns each string's position in sorted (bytewise) order, by id.
func (in *interner) ranks() []uint32 {
	order := make([]uint32, len(in.strs))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(in.strs[a], in.strs[b]) })
	rank := make([]uint32, len(order))
	for r, id := range order {
		rank[id] = uint32(r)
	}
	return rank
}

func newRowTable() *rowTable {
	return &rowTable{
		seed:          maphash.MakeSeed(),
		slots:         make([]uint64, 1024),
		shift:         32 - 10,
		groupIDs:      map[outcome.Group]uint32{},
		kindIDs:       map[rowKind]uint32{},
		kindOfStrings: map[rowKindStrings]uint32{},
		hospitalKey:   map[[2]string]uint32{},
	}
}

// The sizes of the chunks of rowTable.rows and rowTable.arena (a unit
// longer than an arena chunk gets a chunk of its own).
const (
	rowChunkBits   = 14 // 16,384 rows, 640 KiB
	arenaChunkBits = 20 // 1 MiB
)

func (t *rowTable) len() int { return t.n }

// row returns row i.
func (t *rowTable) row(i uint32) *tableRow {
	return &t.rows[i>>rowChunkBits][i&(1<<rowChunkBits-1)]
}

// add stores a copy of r, unless a row with r's key (specialty, procedure,
// period, unit type, unit id, hospital id: outcome_row's unique key within
// a release) is held: then it stores nothing and returns the held row's
// file and line. The table keeps nothing of r itself (its strings are
// copied), so a decoder may reuse r and its buffers.
func (t *rowTable) add(r *outcome.Row) (dupFile, dupLine int, added bool) {
	t.parts = nil
	kind := t.kindOf(r)
	hospital := t.hospitalOf(r.HospitalID, r.HospitalName)
	k := &t.kinds[kind]
	hid := t.hospitals[hospital].id
	tag := uint32(t.hash(k.group, k.unitType, hid, maphash.String(t.seed, r.UnitID)) >> 32)
	mask := len(t.slots) - 1
	i := int(tag >> t.shift)
	for ; t.slots[i] != 0; i = (i + 1) & mask {
		if uint32(t.slots[i]>>32) != tag {
			continue
		}
		if held := uint32(t.slots[i]) - 1; t.sameKey(held, k, hid, r.UnitID) {
			file, line := t.fileLine(held)
			return file, line, false
		}
	}
	if t.n >= math.MaxUint32-1 {
		panic("store: a row table holds fewer than 2³² rows")
	}
	t.slots[i] = uint64(tag)<<32 | uint64(t.n+1)
	if t.n&(1<<rowChunkBits-1) == 0 {
		t.rows = append(t.rows, make([]tableRow, 0, 1<<rowChunkBits))
	}
	last := &t.rows[len(t.rows)-1]
	*last = append(*last, t.pack(r, kind, hospital))
	t.n++
	if t.n*4 > len(t.slots)*3 {
		t.grow()
	}
	return 0, 0, true
}

func (t *rowTable) kindOf(r *outcome.Row) uint32 {
	s := rowKindStrings{group: r.Group(), unitType: string(r.UnitType), outcomeS: r.Outcome}
	if t.hasLast && s == t.lastKind {
		return t.lastKindID
	}
	if id, ok := t.kindOfStrings[s]; ok {
		t.lastKind, t.lastKindID = t.kinds[id].strings(t), id
		return id
	}
	g, ok := t.groupIDs[s.group]
	if !ok {
		g = uint32(len(t.groups))
		s.group = outcome.Group{Specialty: strings.Clone(s.group.Specialty), Procedure: strings.Clone(s.group.Procedure),
			Period: strings.Clone(s.group.Period)}
		t.groups = append(t.groups, s.group)
		t.groupIDs[s.group] = g
	}
	k := rowKind{group: g, unitType: t.unitTypes.id(s.unitType), outcome: t.outcomes.id(s.outcomeS)}
	id, ok := t.kindIDs[k]
	if !ok {
		id = uint32(len(t.kinds))
		t.kinds = append(t.kinds, k)
		t.kindIDs[k] = id
	}
	// The caches keep the interned strings, not the row's.
	t.lastKind, t.lastKindID, t.hasLast = k.strings(t), id, true
	t.kindOfStrings[t.lastKind] = id
	return id
}

func (k rowKind) strings(t *rowTable) rowKindStrings {
	return rowKindStrings{group: t.groups[k.group], unitType: t.unitTypes.strs[k.unitType], outcomeS: t.outcomes.strs[k.outcome]}
}

func (t *rowTable) hospitalOf(id, name string) uint32 {
	key := [2]string{id, name}
	if len(t.hospitals) > 0 && key == t.lastHospital {
		return t.lastHospID
	}
	h, ok := t.hospitalKey[key]
	if !ok {
		h = uint32(len(t.hospitals))
		hid := t.hospitalIDs.id(id)
		t.hospitals = append(t.hospitals, tableHospital{id: hid, name: strings.Clone(name)})
		key = [2]string{t.hospitalIDs.strs[hid], t.hospitals[h].name}
		t.hospitalKey[key] = h
	}
	t.lastHospital, t.lastHospID = [2]string{t.hospitalIDs.strs[t.hospitals[h].id], t.hospitals[h].name}, h
	return h
}

// hash mixes a key's interned parts into the seeded hash of its unit id.
// Keys that differ may share a hash, and more often a tag (its top 32
// bits): add then compares the keys themselves.
func (t *rowTable) hash(group, unitType, hospitalID uint32, unit uint64) uint64 {
	return mix64(mix64(unit^(uint64(group)<<32|uint64(hospitalID))) ^ uint64(unitType))
}

// mix64 is MurmurHash3's finalizer.
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func (t *rowTable) sameKey(held uint32, k *rowKind, hospitalID uint32, unitID string) bool {
	r := t.row(held)
	hk := &t.kinds[r.kind]
	return hk.group == k.group && hk.unitType == k.unitType && t.hospitals[r.hospital].id == hospitalID &&
		string(t.unitID(r)) == unitID
}

// grow doubles the dup index, placing every slot again by its tag.
func (t *rowTable) grow() {
	old := t.slots
	t.slots, t.shift = make([]uint64, 2*len(old)), t.shift-1
	mask := len(t.slots) - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := int(uint32(s>>32) >> t.shift)
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

func fitsUint32(n int) bool { return n >= 0 && uint64(n) <= math.MaxUint32 }

// pack makes r's tableRow, appending its unit to the arena (unless the
// previous row's unit is the same) and its extra, if it needs one.
func (t *rowTable) pack(r *outcome.Row, kind, hospital uint32) tableRow {
	off := t.lastUnit
	if t.n == 0 || !t.unitIs(off, r.UnitID, r.UnitName) {
		off = t.appendUnit(r.UnitID, r.UnitName)
		t.lastUnit = off
	}
	tr := tableRow{unit: uint32(off), unitHigh: uint8(off >> 32), kind: kind, hospital: hospital,
		file: uint32(r.File), line: uint32(r.Line), cases: uint32(r.Cases), events: uint32(r.Events)}
	if r.Expected.Valid {
		tr.flags |= rowExpected
		tr.expected = r.Expected.V
	}
	if r.NotAssessable {
		tr.flags |= rowNotAssessable
	}
	if r.PublishedOnly {
		tr.flags |= rowPublishedOnly
	}
	if r.ExpectedRate.Valid || r.PublishedRate.Valid || r.PublishedLow.Valid || r.PublishedHigh.Valid ||
		r.PublishedRating != "" || !fitsUint32(r.File) || !fitsUint32(r.Line) || !fitsUint32(r.Cases) ||
		!fitsUint32(r.Events) {
		tr.flags |= rowExtended
		tr.cases = uint32(len(t.extras))
		t.extras = append(t.extras, rowExtra{file: r.File, line: r.Line, cases: r.Cases, events: r.Events,
			expectedRate: nullOrZero(r.ExpectedRate), publishedRate: nullOrZero(r.PublishedRate),
			publishedLow: nullOrZero(r.PublishedLow), publishedHigh: nullOrZero(r.PublishedHigh),
			rating: t.ratings.id(r.PublishedRating)})
	}
	return tr
}

// appendUnit appends a unit's id and name to the arena and returns their
// offset: the chunk's index above arenaChunkBits, the position in it
// below.
func (t *rowTable) appendUnit(id, name string) uint64 {
	need := 2*binary.MaxVarintLen64 + len(id) + len(name)
	if len(t.arena) == 0 || cap(t.arena[len(t.arena)-1])-len(t.arena[len(t.arena)-1]) < need {
		if len(t.arena) == 1<<(40-arenaChunkBits) {
			panic("store: a row table's unit names exceed 1 TiB")
		}
		t.arena = append(t.arena, make([]byte, 0, max(1<<arenaChunkBits, need)))
	}
	c := &t.arena[len(t.arena)-1]
	off := uint64(len(t.arena)-1)<<arenaChunkBits | uint64(len(*c))
	*c = binary.AppendUvarint(*c, uint64(len(id)))
	*c = append(*c, id...)
	*c = binary.AppendUvarint(*c, uint64(len(name)))
	*c = append(*c, name...)
	return off
}

// nullOrZero is v, or the zero value when it is not valid, as the
// database would give it back.
func nullOrZero(v sql.Null[float64]) sql.Null[float64] {
	if !v.Valid {
		return sql.Null[float64]{}
	}
	return v
}

// unitAt returns the unit id and name stored at arena offset off.
func (t *rowTable) unitAt(off uint64) (id, name []byte) {
	b := t.arena[off>>arenaChunkBits][off&(1<<arenaChunkBits-1):]
	n, w := uvarint(b)
	id, b = b[w:w+n], b[w+n:]
	n, w = uvarint(b)
	return id, b[w : w+n]
}

// uvarint is binary.Uvarint of a length the arena holds, with a fast path
// for the usual one byte.
func uvarint(b []byte) (n, width int) {
	if b[0] < 0x80 {
		return int(b[0]), 1
	}
	v, w := binary.Uvarint(b)
	return int(v), w
}

func (r *tableRow) unitOffset() uint64 { return uint64(r.unitHigh)<<32 | uint64(r.unit) }

func (t *rowTable) unitID(r *tableRow) []byte {
	id, _ := t.unitAt(r.unitOffset())
	return id
}

func (t *rowTable) unitIs(off uint64, id, name string) bool {
	i, n := t.unitAt(off)
	return string(i) == id && string(n) == name
}

func (t *rowTable) fileLine(ri uint32) (file, line int) {
	r := t.row(ri)
	if r.flags&rowExtended != 0 {
		x := &t.extras[r.cases]
		return x.file, x.line
	}
	return int(r.file), int(r.line)
}

// orderedGroups returns the rows' indices ordered as outcome_row's unique
// index orders them (specialty, procedure, period, unit type, unit id,
// hospital id, bytewise as SQLite's BINARY collation compares) and the
// end of each group's run in that order.
func (t *rowTable) orderedGroups() (order []uint32, ends []int) {
	groupOrder := make([]uint32, len(t.groups))
	for i := range groupOrder {
		groupOrder[i] = uint32(i)
	}
	slices.SortFunc(groupOrder, func(a, b uint32) int {
		ga, gb := &t.groups[a], &t.groups[b]
		return cmp.Or(strings.Compare(ga.Specialty, gb.Specialty), strings.Compare(ga.Procedure, gb.Procedure),
			strings.Compare(ga.Period, gb.Period))
	})
	groupRank := make([]uint32, len(t.groups))
	for r, g := range groupOrder {
		groupRank[g] = uint32(r)
	}
	// A counting sort by group, then each group's run sorted by the rest
	// of the key.
	starts := make([]int, len(t.groups)+1)
	for i := range uint32(t.n) {
		starts[groupRank[t.kinds[t.row(i).kind].group]+1]++
	}
	for i := 1; i < len(starts); i++ {
		starts[i] += starts[i-1]
	}
	ends = slices.Clone(starts[1:])
	next := starts[:len(t.groups)]
	order = make([]uint32, t.n)
	for i := range uint32(t.n) {
		g := groupRank[t.kinds[t.row(i).kind].group]
		order[next[g]] = i
		next[g]++
	}
	// The rest of the key is sorted as ranks and an id's sortID, which
	// decide most comparisons without reading the arena.
	unitTypeRank, hospitalRank := t.unitTypes.ranks(), t.hospitalIDs.ranks()
	type groupRowKey struct {
		prefix             uint64 // and idLen: the unit id's sortID
		unitType, hospital uint32 // ranks
		row                uint32
		idLen              uint8
	}
	var keys []groupRowKey
	lo := 0
	for _, hi := range ends {
		keys = keys[:0]
		for _, ri := range order[lo:hi] {
			r := t.row(ri)
			id := newSortID(t.unitID(r))
			keys = append(keys, groupRowKey{prefix: id.prefix, idLen: id.len, unitType: unitTypeRank[t.kinds[r.kind].unitType],
				hospital: hospitalRank[t.hospitals[r.hospital].id], row: ri})
		}
		slices.SortFunc(keys, func(a, b groupRowKey) int {
			if a.unitType != b.unitType {
				return cmp.Compare(a.unitType, b.unitType)
			}
			c, ok := sortID{a.prefix, a.idLen}.compare(sortID{b.prefix, b.idLen})
			if !ok {
				c = bytes.Compare(t.unitID(t.row(a.row)), t.unitID(t.row(b.row)))
			}
			if c != 0 {
				return c
			}
			return cmp.Compare(a.hospital, b.hospital)
		})
		for i := range keys {
			order[lo+i] = keys[i].row
		}
		lo = hi
	}
	return order, ends
}

// sortID stands for an id in a sort: its first 8 bytes as a big-endian
// number, zero-padded, and its length. Ids in bytewise order have
// prefixes in order, and two ids of at most 8 bytes with equal prefixes
// differ only by trailing zero bytes, so the shorter is first.
type sortID struct {
	prefix uint64
	len    uint8 // 255 for 255 or more
}

func newSortID[S string | []byte](id S) sortID {
	var b [8]byte
	copy(b[:], id)
	return sortID{prefix: binary.BigEndian.Uint64(b[:]), len: uint8(min(len(id), math.MaxUint8))}
}

// compare compares the ids a and b stand for, as bytes.Compare would,
// when their sortIDs tell (ok); else only comparing them whole can.
func (a sortID) compare(b sortID) (c int, ok bool) {
	switch {
	case a.prefix != b.prefix:
		return cmp.Compare(a.prefix, b.prefix), true
	case a.len <= 8 && b.len <= 8:
		return cmp.Compare(a.len, b.len), true
	}
	return 0, false
}

// eachGroup calls fn with the rows of each group (outcome.Group), groups
// in (specialty, procedure, period) order and each group's rows in (unit
// type, unit id, hospital id) order: the order of outcome_row's unique
// index, which EachGroup's SQL read gives. The slice, and its rows, are
// reused for the next group: fn must copy what it keeps, though the
// strings in the rows are its own.
func (t *rowTable) eachGroup(fn func(rows []outcome.Row) error) error {
	return t.walkGroups(func(_ []uint32, rows []outcome.Row) error { return fn(rows) })
}

// walkGroups is eachGroup giving, beside the rows, their indices in the
// table.
func (t *rowTable) walkGroups(fn func(idx []uint32, rows []outcome.Row) error) error {
	order, ends := t.orderedGroups()
	var rows []outcome.Row
	lo := 0
	for _, hi := range ends {
		if hi == lo {
			continue
		}
		rows = t.materialize(rows[:0], order[lo:hi])
		if err := fn(order[lo:hi], rows); err != nil {
			return err
		}
		lo = hi
	}
	return nil
}

// materialize appends to dst the rows with indices idx. The units'
// strings are cut from one string made for them all.
func (t *rowTable) materialize(dst []outcome.Row, idx []uint32) []outcome.Row {
	// First the units' bytes, one copy of each run of rows of one unit,
	// and where each row's are; then the rows, cutting their strings from
	// one string of those bytes.
	t.unitBuf = t.unitBuf[:0]
	t.unitEnds = t.unitEnds[:0]
	last := uint64(math.MaxUint64)
	for _, ri := range idx {
		if off := t.row(ri).unitOffset(); off != last {
			id, name := t.unitAt(off)
			t.unitBuf = append(t.unitBuf, id...)
			idEnd := len(t.unitBuf)
			t.unitBuf = append(t.unitBuf, name...)
			t.unitEnds = append(t.unitEnds, [2]int{idEnd, len(t.unitBuf)})
			last = off
		}
	}
	units := string(t.unitBuf)
	u, pos := -1, 0
	last = math.MaxUint64
	var unitID, unitName string
	for _, ri := range idx {
		r := t.row(ri)
		if off := r.unitOffset(); off != last {
			u++
			ends := t.unitEnds[u]
			unitID, unitName = units[pos:ends[0]], units[ends[0]:ends[1]]
			pos = ends[1]
			last = off
		}
		k := &t.kinds[r.kind]
		h := &t.hospitals[r.hospital]
		g := &t.groups[k.group]
		dst = append(dst, outcome.Row{})
		o := &dst[len(dst)-1]
		o.Specialty, o.Procedure, o.Period, o.UnitID, o.UnitName = g.Specialty, g.Procedure, g.Period, unitID, unitName
		o.HospitalID, o.HospitalName = t.hospitalIDs.strs[h.id], h.name
		o.UnitType, o.Outcome = outcome.UnitType(t.unitTypes.strs[k.unitType]), t.outcomes.strs[k.outcome]
		o.File, o.Line, o.Cases, o.Events = int(r.file), int(r.line), int(r.cases), int(r.events)
		o.Expected = sql.Null[float64]{V: r.expected, Valid: r.flags&rowExpected != 0}
		o.NotAssessable = r.flags&rowNotAssessable != 0
		o.PublishedOnly = r.flags&rowPublishedOnly != 0
		if r.flags&rowExtended != 0 {
			x := &t.extras[r.cases]
			o.File, o.Line, o.Cases, o.Events = x.file, x.line, x.cases, x.events
			o.ExpectedRate, o.PublishedRate, o.PublishedLow, o.PublishedHigh = x.expectedRate, x.publishedRate,
				x.publishedLow, x.publishedHigh
			o.PublishedRating = t.ratings.strs[x.rating]
		}
	}
	return dst
}

// searchPart is one row's part in one unit's search row: the row, and
// which of outcome.Units' sets made it part of the unit.
type searchPart struct {
	// prefix and idLen are the unit's id's sortID, flat, so that a part
	// is 16 bytes.
	prefix uint64
	row    uint32
	idLen  uint8
	how    uint8
}

// The bits of searchPart.how.
const (
	partHospitalSet  = 1 << iota // the set's Type is outcome.Hospital (else outcome.Surgeon)
	partAggregated               // the set is Aggregated
	partIDIsHospital             // the unit's id is the row's hospital id (else its unit id)
)

// searchChunk bounds the rows of one unit given to searchSet.addUnits at a
// time: a hospital can be named by every row of a release.
const searchChunk = 256

// searchParts are the parts of every unit's search row, hospitals' and
// surgeons', noted group by group.
type searchParts struct {
	hospitals, surgeons []searchPart
}

// newSearchParts returns searchParts with room for the parts of the rows
// held, so that noting them never copies them: a surgeon's row is part of
// its surgeon; a hospital's row of its hospital, and a surgeon's row at a
// hospital may be part of that hospital (outcome.Units decides).
func (t *rowTable) newSearchParts() *searchParts {
	var hospitals, surgeons int
	for i := range uint32(t.n) {
		r := t.row(i)
		switch outcome.UnitType(t.unitTypes.strs[t.kinds[r.kind].unitType]) {
		case outcome.Surgeon:
			surgeons++
			if t.hospitalIDs.strs[t.hospitals[r.hospital].id] != "" {
				hospitals++
			}
		case outcome.Hospital:
			hospitals++
		}
	}
	return &searchParts{hospitals: make([]searchPart, 0, hospitals), surgeons: make([]searchPart, 0, surgeons)}
}

// note notes the parts of one group's units: rows are the group's rows,
// idx their indices in the table, sets outcome.Units(rows).
func (ps *searchParts) note(idx []uint32, rows []outcome.Row, sets []outcome.UnitSet) error {
	for _, set := range sets {
		var how uint8
		if set.Type == outcome.Hospital {
			how |= partHospitalSet
		} else if set.Type != outcome.Surgeon {
			return fmt.Errorf("store: search rows: a set of unknown unit type %q", set.Type)
		}
		if set.Aggregated {
			how |= partAggregated
		}
		for i := range set.Units {
			u := &set.Units[i]
			id := newSortID(u.ID)
			p := searchPart{prefix: id.prefix, idLen: id.len}
			for _, ri := range u.Rows {
				r := &rows[ri]
				p.row, p.how = idx[ri], how
				switch u.ID {
				case r.UnitID:
				case r.HospitalID:
					p.how |= partIDIsHospital
				default:
					return fmt.Errorf("store: search rows: unit %s %q is named by neither its row's unit id nor its hospital id",
						set.Type, u.ID)
				}
				if how&partHospitalSet != 0 {
					ps.hospitals = append(ps.hospitals, p)
				} else {
					ps.surgeons = append(ps.surgeons, p)
				}
			}
		}
	}
	return nil
}

// eachGroupUnits is eachGroup giving fn each group's units too
// (outcome.Units(rows)), made once for fn and for the search rows: when
// it has been through every group, it keeps what eachSearchUnit needs of
// them (16 bytes a row, and as much again for each row that makes an
// aggregated hospital), and eachSearchUnit uses that instead of making
// every group's units again. fn may keep the sets, but their Rows index
// rows that are reused once it returns.
func (t *rowTable) eachGroupUnits(fn func(rows []outcome.Row, sets []outcome.UnitSet) error) error {
	t.parts = nil
	parts := t.newSearchParts()
	err := t.walkGroups(func(idx []uint32, rows []outcome.Row) error {
		sets := outcome.Units(rows)
		if err := parts.note(idx, rows, sets); err != nil {
			return err
		}
		return fn(rows, sets)
	})
	if err != nil {
		return err
	}
	t.parts = parts
	return nil
}

// eachSearchUnit calls fn with each unit's search row, hospitals first,
// then surgeons, each in unit id order: exactly the rows, and the order,
// of a searchSet fed every group (searchSet.addGroup) and written by
// addSearchUnits. fn may keep u.
//
// It never holds every unit's row at once: a pass over the groups notes,
// for each row, which units outcome.Units made it part of (16 bytes a
// part), unless a complete eachGroupUnits has noted them; the parts are
// sorted by unit, and each unit's row is made from its parts by
// searchSet.addUnits, which holds the rules of what a search row lists,
// and handed to fn. A searchList keeps the smallest of what is added
// whatever the order, so the parts' order does not matter.
func (t *rowTable) eachSearchUnit(fn func(unitType outcome.UnitType, unitID string, u *searchUnit) error) error {
	parts := t.parts
	t.parts = nil // what they hold is freed as they are used
	if parts == nil {
		parts = t.newSearchParts()
		if err := t.walkGroups(func(idx []uint32, rows []outcome.Row) error {
			return parts.note(idx, rows, outcome.Units(rows))
		}); err != nil {
			return err
		}
	}
	hospitalIDs := make([][]byte, len(t.hospitalIDs.strs))
	for i, s := range t.hospitalIDs.strs {
		hospitalIDs[i] = []byte(s)
	}
	partID := func(p *searchPart) []byte {
		r := t.row(p.row)
		if p.how&partIDIsHospital != 0 {
			return hospitalIDs[t.hospitals[r.hospital].id]
		}
		return t.unitID(r)
	}
	// compare orders parts by their units' ids, bytewise.
	compare := func(a, b searchPart) int {
		if c, ok := (sortID{a.prefix, a.idLen}).compare(sortID{b.prefix, b.idLen}); ok {
			return c
		}
		return bytes.Compare(partID(&a), partID(&b))
	}

	su := newSearchSet()
	var rows []outcome.Row
	var idx []uint32
	var sets [4]outcome.UnitSet // by how's set bits
	for i := range sets {
		sets[i] = outcome.UnitSet{Type: outcome.Surgeon, Aggregated: i&partAggregated != 0, Units: make([]outcome.Unit, 1)}
		if i&partHospitalSet != 0 {
			sets[i].Type = outcome.Hospital
		}
	}
	for _, unitType := range []outcome.UnitType{outcome.Hospital, outcome.Surgeon} {
		// Each type's parts are let go of once used.
		var ps []searchPart
		units := su.surgeons
		if unitType == outcome.Hospital {
			ps, parts.hospitals, units = parts.hospitals, nil, su.hospitals
		} else {
			ps, parts.surgeons = parts.surgeons, nil
		}
		slices.SortFunc(ps, compare)
		for lo := 0; lo < len(ps); {
			hi := lo + 1
			for hi < len(ps) && compare(ps[hi], ps[lo]) == 0 {
				hi++
			}
			unitID := string(partID(&ps[lo]))
			for c := lo; c < hi; c += searchChunk {
				chunk := ps[c:min(c+searchChunk, hi)]
				for i := range sets {
					sets[i].Units[0] = outcome.Unit{ID: unitID, Rows: sets[i].Units[0].Rows[:0]}
				}
				idx = idx[:0]
				for i, p := range chunk {
					idx = append(idx, p.row)
					u := &sets[p.how&(partHospitalSet|partAggregated)].Units[0]
					u.Rows = append(u.Rows, i)
				}
				rows = t.materialize(rows[:0], idx)
				for i := range sets {
					if len(sets[i].Units[0].Rows) > 0 {
						su.addUnits(rows, sets[i:i+1])
					}
				}
			}
			u := units[unitID]
			delete(units, unitID)
			if err := fn(unitType, unitID, u); err != nil {
				return err
			}
			lo = hi
		}
	}
	return nil
}
