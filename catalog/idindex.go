package catalog

import (
	"cmp"
	"slices"
	"strings"
)

// idIndex finds rows by unit id: the rows sorted by id, each id's rows in
// row order, searched by halving. It holds four bytes a row where a map
// from id to rows held a key, a list and the map's own cells per unit.
type idIndex struct {
	rows []int32
}

// newIDIndex indexes rows (indices into all, in row order) by unit id.
func newIDIndex(all []Row, rows []int32) idIndex {
	// Sorting the ids beside their rows reads each row once, not at every
	// comparison: a row is hundreds of bytes, so a million rows read at
	// random cost more than the comparisons.
	type keyed struct {
		id  string
		row int32
	}
	recs := make([]keyed, len(rows))
	for i, row := range rows {
		recs[i] = keyed{all[row].UnitID, row}
	}
	recs = sortOnCores(recs, func(a, b keyed) int { return cmp.Or(strings.Compare(a.id, b.id), cmp.Compare(a.row, b.row)) })
	for i, rec := range recs {
		rows[i] = rec.row
	}
	return idIndex{rows: slices.Clip(rows)}
}

// find returns the rows of unit id, in row order; callers must not change
// them.
func (x idIndex) find(all []Row, id string) []int32 {
	start, _ := slices.BinarySearchFunc(x.rows, id, func(row int32, id string) int { return cmp.Compare(all[row].UnitID, id) })
	end := start
	for end < len(x.rows) && all[x.rows[end]].UnitID == id {
		end++
	}
	if start == end {
		return nil
	}
	return x.rows[start:end:end]
}
