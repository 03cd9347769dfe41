package api

import "github.com/surgeon-outcomes/outcomes/api/docs"

// The API's general description for swag; `make docs` regenerates api/docs
// from it and the handlers' annotations.
//
//	@title			Surgeon outcomes API
//	@version		1
//	@description	Risk-adjusted survival of surgeons and hospitals in ten specialties, with exact funnel-plot limits, from immutable published releases.
//	@description
//	@description	Every response is {data, meta, links}; meta names the release, periods, count, source, licence and generation time. Without ?release= the latest release answers; /api/v1/releases/{release}/… pins one (every GET path below also answers under that prefix; its figures never change, and it is cached for a day, as a correction may later supersede the release: meta.superseded_by). meta also carries the release's sha256 and a citation.
//	@description
//	@description	Bands (closed set): high_alarm (above the upper 99.8% limit), high_alert (between the upper 95% and 99.8% limits), within, low_alert, low_alarm, too_few (fewer than one death expected: no comparison), not_assessable (the publisher gave no expected deaths and none can be worked out: a risk-adjusted rate with no deaths, or, in a release whose comparison is published, its own rate, interval and rating with no deaths at all, whose events are null: shown with the publisher's figures, never compared or placed on the funnel). Plain-language labels are at /specialties/{slug}.
//	@description
//	@description	Every field is described below and at /api/v1/dictionary (and the page /data/dictionary): its unit or scale, when it is null, its codes. Our rates (rate, ramr, survival, target and their intervals) are proportions from 0 to 1: 0.021 is 2.1 in 100 operations. The publisher's own figures (published_*) are per 100 operations, as published: 2.1 is 2.1 in 100. ci_*, the limits and funnel_y are on the row's scale: a ratio of observed to expected deaths (1 is as expected) for risk-adjusted data, a proportion for crude data.
//	@description
//	@description	Collections page with an opaque keyset cursor (meta.next_cursor, links.next, Link header); limit 1–1000, default 100. Unknown parameters and bad values are 400. Every collection has a CSV twin (.csv, ?format=csv or Accept: text/csv) with the same rows, order and columns (the JSON keys); a CSV without limit streams every matching row; ?bom=1 adds a UTF-8 byte-order mark for Excel.
//	@description
//	@description				Errors are RFC 9457 application/problem+json. Responses carry strong ETags (304 on If-None-Match), Cache-Control, and CORS (Access-Control-Allow-Origin: *). Clients are rate limited per address (429 with Retry-After).
//	@tag.name					index
//	@tag.description			Where to start: the index, this document and the data dictionary.
//	@tag.name					releases
//	@tag.description			The releases loaded (each an unchanging load of a publisher's files), their corrections and what changed between them.
//	@tag.name					specialties
//	@tag.description			Each specialty, its funnel plots and the national summary of every funnel.
//	@tag.name					surgeons
//	@tag.description			Surgeons' results, one surgeon's, and their history across releases.
//	@tag.name					hospitals
//	@tag.description			Hospitals' results, one hospital's, and their history across releases.
//	@tag.name					self-check
//	@tag.description			Place a hospital's own figures on a published funnel; nothing is stored.
//	@tag.name					operations
//	@tag.description			For whoever runs the server.
//	@license.name				Code: see the repository; data: each release's licence (meta.licence)
//	@BasePath					/
//	@externalDocs.description	Methodology
//	@externalDocs.url			/methodology

// openAPIDocument is the generated Swagger 2.0 document.
func openAPIDocument() string {
	return docs.SwaggerInfo.ReadDoc()
}
