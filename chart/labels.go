package chart

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// labelBox is a placed label's extent, for avoiding overlaps.
type labelBox struct{ x0, y0, x1, y1 float64 }

// overlap is the area two boxes share.
func (a labelBox) overlap(b labelBox) float64 {
	return max(0, min(a.x1, b.x1)-max(a.x0, b.x0)) * max(0, min(a.y1, b.y1)-max(a.y0, b.y0))
}

// placedLabel is a highlighted point's name label: its text, where its
// baseline is anchored, and how.
type placedLabel struct {
	name   string
	x, y   float64
	anchor Anchor
}

// placeLabels places the highlighted points' names, in point order, each
// at the first of eight places round its point that avoids the highlighted
// marks, the line names, the edges and the labels already placed (the
// least overlap when none is free).
func placeLabels(l *layout, f *Funnel) []placedLabel {
	r := l.size * 1.5 * 1.4
	var taken []labelBox
	for _, c := range l.curveLabels {
		taken = append(taken, labelBox{l.x1 + 4, c.y - l.tick/2 - 1, l.w, c.y + l.tick/2 + 1})
	}
	for i := range f.Points {
		if pt := &f.Points[i]; pt.Highlight && drawable(pt) {
			cx, cy := l.px(pt.X), l.py(pt.Survival)
			taken = append(taken, labelBox{cx - r, cy - r, cx + r, cy + r})
		}
	}
	h := l.tick
	gap := r + 3
	type option struct {
		dx, dy float64 // the box's offset from the point
		anchor Anchor
	}
	var out []placedLabel
	for i := range f.Points {
		pt := &f.Points[i]
		if !pt.Highlight || !drawable(pt) {
			continue
		}
		cx, cy := l.px(pt.X), l.py(pt.Survival)
		name := ShortName(pt.Name, 28)
		tw := textWidth(name, l.tick)
		opts := []option{
			{gap, -h / 2, AnchorStart}, {-gap - tw, -h / 2, AnchorEnd},
			{-tw / 2, -gap - h, AnchorMiddle}, {-tw / 2, gap, AnchorMiddle},
			{gap * 0.7, -gap*0.7 - h, AnchorStart}, {gap * 0.7, gap * 0.7, AnchorStart},
			{-gap*0.7 - tw, -gap*0.7 - h, AnchorEnd}, {-gap*0.7 - tw, gap * 0.7, AnchorEnd},
		}
		best, bestCost := 0, math.Inf(1)
		var bestBox labelBox
		for k, o := range opts {
			b := labelBox{cx + o.dx, cy + o.dy, cx + o.dx + tw, cy + o.dy + h}
			cost := 0.0
			if b.x0 < 2 || b.x1 > l.w-2 || b.y0 < 0 || b.y1 > l.y1 {
				cost += 1e6
			}
			for _, t := range taken {
				cost += b.overlap(t)
			}
			cost += float64(k) * 0.01 // prefer the earlier on a tie
			if cost < bestCost {
				best, bestCost, bestBox = k, cost, b
			}
		}
		o := opts[best]
		taken = append(taken, bestBox)
		x := bestBox.x0
		switch o.anchor {
		case AnchorEnd:
			x = bestBox.x1
		case AnchorMiddle:
			x = (bestBox.x0 + bestBox.x1) / 2
		}
		out = append(out, placedLabel{name: name, x: x, y: bestBox.y1 - h*0.22, anchor: o.anchor})
	}
	return out
}

// ShortName cuts a name longer than n characters, ending it with "…": the
// chart's labels, and the site's self-check labels, are cut by this one rule.
func ShortName(name string, n int) string {
	if utf8.RuneCountInString(name) <= n {
		return name
	}
	i := 0
	for k := range name {
		if i == n-1 {
			return strings.TrimRightFunc(name[:k], unicode.IsSpace) + "…"
		}
		i++
	}
	return name
}

// textWidth estimates a sans-serif string's width: no font metrics exist on
// the server, so this errs wide.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r == ' ' || strings.ContainsRune("iIjlft.,:;'|!()[]", r):
			w += 0.32
		case r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) ||
			unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)):
			w += 1
		case unicode.IsUpper(r) || r == 'm' || r == 'w' || r == '%':
			w += 0.74
		default:
			w += 0.56
		}
	}
	return w * size
}
