package catalog

import "strings"

// Citation cites the release in one line, as a journalist or a paper
// would: its title, id, publication date, the periods of its data, its
// source, licence and the sha256 of its input, so that anyone can check
// they hold the same figures. A release of invented data, and a
// superseded one, says so.
func (r *Release) Citation() string {
	m := &r.Meta
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(m.Title, "."))
	b.WriteString(". Release ")
	b.WriteString(m.ID)
	if m.PublishedOn != "" {
		b.WriteString(", published ")
		b.WriteString(m.PublishedOn)
	}
	if len(m.Periods) > 0 {
		b.WriteString("; data ")
		b.WriteString(strings.Join(m.Periods, ", "))
	}
	b.WriteString(".")
	if m.Synthetic {
		b.WriteString(" Invented data, not real results.")
	}
	if m.Source != "" {
		b.WriteString(" Source: ")
		b.WriteString(m.Source)
		b.WriteString(".")
	}
	if m.Licence != "" {
		b.WriteString(" Licence: ")
		b.WriteString(m.Licence)
		b.WriteString(".")
	}
	b.WriteString(" sha256 ")
	b.WriteString(m.InputSHA256)
	b.WriteString(".")
	if m.SupersededBy != "" {
		b.WriteString(" Superseded by release ")
		b.WriteString(m.SupersededBy)
		b.WriteString(".")
	}
	return b.String()
}
