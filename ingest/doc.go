// Package ingest loads publishers' outcome files into a [store] release.
//
// A file is read through a [Mapping]: the built-in profiles (canonical,
// nydoh-cardiac, hcai-cabg, uk-aaa) are themselves embedded mapping files,
// and a user may write one for any other publisher. Input bytes are sniffed
// for encoding (UTF-8 with or without BOM, Windows-1252) and line ends (LF,
// CRLF, CR), normalised to UTF-8 and LF, split into records by encoding/csv,
// and decoded column by column with gocsv. Every value is validated; every
// problem becomes a [RowError] naming file, line and column, and one bad row
// fails the whole run, which is one transaction, so the database is exactly
// as it was. Rows the mapping leaves out (by [Filter], as identical
// duplicates, by a [skip] rule or a named check) are counted by reason in
// the [FileSummary], never dropped silently.
//
// [Decode] applies the same checks without a database and returns the
// rows; [Load] is the same machinery streaming batches of rows to the
// store, which also finds duplicate keys with its unique index.
package ingest
