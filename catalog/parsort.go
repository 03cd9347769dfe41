package catalog

import (
	"runtime"
	"slices"
	"sync"
)

// sortOnCores sorts s by cmp as slices.SortFunc does, in halves on two
// cores where there are two and s is long, then merged: a server sorts a
// national release's million rows before it answers. It returns the
// sorted elements, in s or in a new slice. cmp must be a total order (no
// two elements equal), so that the result is the one order there is.
func sortOnCores[T any](s []T, cmp func(a, b T) int) []T {
	const long = 1 << 14
	if len(s) < long || runtime.GOMAXPROCS(0) < 2 {
		slices.SortFunc(s, cmp)
		return s
	}
	lo, hi := s[:len(s)/2], s[len(s)/2:]
	var sorted sync.WaitGroup
	sorted.Go(func() { slices.SortFunc(lo, cmp) })
	slices.SortFunc(hi, cmp)
	sorted.Wait()
	out := make([]T, 0, len(s))
	i, j := 0, 0
	for i < len(lo) && j < len(hi) {
		if cmp(hi[j], lo[i]) < 0 {
			out = append(out, hi[j])
			j++
		} else {
			out = append(out, lo[i])
			i++
		}
	}
	out = append(out, lo[i:]...)
	return append(out, hi[j:]...)
}
