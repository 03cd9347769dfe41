// Package static holds the site's stylesheet, script and images, embedded
// in the binary so the site needs nothing from another host. It has no
// logic: package api serves FS under content-hashed URLs.
package static

import "embed"

// FS holds css/ and js/.
//
//go:embed css js
var FS embed.FS
