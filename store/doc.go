// Package store owns the project's SQLite database: the DSN and its pragmas,
// the embedded numbered migrations, and every SQL statement. Nothing else in
// the module imports the driver or writes SQL.
//
// A database holds any number of releases. Each release is immutable once
// committed: it is written by a [Loader] inside one immediate transaction,
// and triggers refuse later updates and deletes of its rows, so a published
// figure can always be traced to the exact bytes it came from.
package store
