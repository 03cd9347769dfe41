package csvcell

// Risky reports whether a spreadsheet would read s as a formula: it
// begins with =, +, -, @, a tab or a carriage return (OWASP's list).
func Risky(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// Safe returns a text cell as a spreadsheet will show it without running
// it: a risky value gets a leading apostrophe, which spreadsheets take as
// "this is text" (OWASP's advice); anything else is returned unchanged.
// The apostrophe is part of the value for a program reading the CSV, so
// it is added only to text that would otherwise run.
func Safe(s string) string {
	if Risky(s) {
		return "'" + s
	}
	return s
}
