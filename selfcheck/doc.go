// Package selfcheck reads a hospital's own figures for the self-check —
// JSON, canonical CSV, or a form's named fields — through ingest's
// self-check mapping (the canonical profile with period, procedure and the
// unit's labels optional), so the checks, and the words of every problem,
// are those of `outcomes ingest`. Each problem names its field. Placing
// the figures on a funnel is catalog.Release.Place; answering with them
// is the api's and the site's.
package selfcheck
