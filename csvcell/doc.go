// Package csvcell keeps the text cells of our CSV exports inert in a
// spreadsheet. Excel, LibreOffice and Google Sheets run a cell that begins
// with =, +, - or @ as a formula (and some strip a leading tab or carriage
// return first), so a publisher's name such as
// =HYPERLINK("http://x.example","click") would become a live link, or
// worse, in the reader's spreadsheet ("CSV injection", OWASP). Every CSV
// writer (the API's CSV twins and `outcomes funnel`) passes its text
// columns through [Safe]; numeric columns are never passed, so -0.5 stays
// a number. The rule is decided by column, not by sniffing the value.
package csvcell
