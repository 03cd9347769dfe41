package api

import (
	"io"
	"mime"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/selfcheck"
)

// selfCheckUnit is one unit's own figures, as a hospital submits them: a
// row of the canonical CSV (DESIGN.md § Canonical CSV), read with the same
// checks as `outcomes ingest` but with period, procedure and the unit's
// labels optional. A figure may also be given as a string, as in a CSV
// cell ("1,000"); null, "", "NA", "N/A" and "Not Available" are missing.
type selfCheckUnit struct {
	// The specialty's short code.
	Specialty string `json:"specialty" example:"adult-cardiac"`
	// The procedure's short code; by default the specialty's only
	// procedure in the period.
	Procedure string `json:"procedure,omitempty" example:"all"`
	// The period (start/end months); by default the specialty's latest in
	// the release.
	Period string `json:"period,omitempty" example:"2022-04/2025-03"`
	// Which funnel to place the unit on: hospital (the default) or
	// surgeon.
	UnitType string `json:"unit_type,omitempty" enums:"hospital,surgeon" example:"hospital"`
	// Your own label for the unit, given back as it is.
	UnitID string `json:"unit_id,omitempty" example:"RXX"`
	// Your own name for the unit, given back as it is.
	UnitName string `json:"unit_name,omitempty" example:"Our cardiac unit"`
	// A hospital code, checked as a published file's is, and not used.
	HospitalID string `json:"hospital_id,omitempty"`
	// A hospital name, checked as a published file's is, and not used.
	HospitalName string `json:"hospital_name,omitempty"`
	// The outcome, checked as a published file's is, and not used.
	Outcome string `json:"outcome,omitempty"`
	// Number of operations.
	Cases *int `json:"cases" example:"412" extensions:"x-unit=operations"`
	// Number of events (for a mortality outcome, deaths), at most cases.
	Events *int `json:"events" example:"11" extensions:"x-unit=events"`
	// Expected events from your risk model, more than 0 and at most cases:
	// required where the funnel is risk-adjusted, not allowed where it is
	// crude.
	Expected *float64 `json:"expected,omitempty" example:"7.9" extensions:"x-unit=events"`
	// Expected events per 100 operations, instead of expected.
	ExpectedRate *float64 `json:"expected_rate,omitempty" example:"1.9" extensions:"x-unit=per 100"`
}

// selfCheckRequest is a list of units; a single unit may also be posted
// as the body itself. It is the body's schema in the OpenAPI document;
// decodeSelfCheckJSON reads a body member by member, as cells.
//
//lint:ignore U1000 used by the handler's swag annotation (@Param units body selfCheckRequest)
type selfCheckRequest struct {
	// The units to place, each on its funnel.
	Units []selfCheckUnit `json:"units"`
}

// selfCheckResult is a submitted unit's position on the release's funnel:
// the same row a published unit has (its hospital fields are the
// submitter's labels; publisher's figures are null), with the funnel it
// was placed on.
type selfCheckResult struct {
	unitRow
	// Where the funnel's national rate comes from: counts (all the units'
	// events divided by all their operations) or national (the
	// publisher's national or statewide row).
	TargetSource string `json:"target_source" enums:"counts,national" example:"counts"`
	// Funnel is the published funnel the unit was placed on.
	Funnel string `json:"funnel" example:"/api/v1/releases/demo/specialties/adult-cardiac/funnel?period=2022-04%2F2025-03&procedure=all&unit_type=hospital"`
}

// handleSelfCheck answers POST /api/v1/self-check.
//
//	@Summary		Self-check: place your own figures on the funnel
//	@Description	A hospital's own (perhaps unpublished) figures, placed against the release's target and funnel for the same specialty, procedure and period: ratio, risk-adjusted rate, survival and its interval, the limits at its size, band and p-values. Send JSON (one unit, or {"units": [...]}, at most 1000) or a canonical CSV (Content-Type: text/csv; columns specialty, cases, events, and optionally procedure, period, unit_type, unit_id, unit_name, hospital_id, hospital_name, outcome, expected or expected_rate). JSON units and CSV rows alike go through the checks of outcomes ingest, and a problem says what ingest says, its param naming units[i].field (JSON) or the line and column (CSV). With Accept: image/svg+xml or image/png the answer is instead the units drawn on their published funnel, the site's download of the same chart: a title, the specialty, procedure, period, release, source, the date made and a key, to show without the page; the units must then all sit on one funnel. Nothing submitted is stored or logged.
//	@Tags			self-check
//	@Accept			json
//	@Accept			text/csv
//	@Produce		json
//	@Produce		image/svg+xml
//	@Produce		image/png
//	@Param			units	body		selfCheckRequest	true	"the figures: an object whose units lists the units, or one unit on its own"
//	@Param			release	query		string				false	"release id or latest (default)"
//	@Success		200		{object}	envelope{data=[]selfCheckResult,meta=meta}
//	@Failure		400		{object}	problem	"invalid figures: errors name each field; or the body was cut short"
//	@Failure		404		{object}	problem	"no such release"
//	@Failure		408		{object}	problem	"the body did not arrive within the server's read timeout"
//	@Failure		413		{object}	problem	"body over 1 MB"
//	@Failure		415		{object}	problem	"not JSON or CSV"
//	@Failure		503		{object}	problem	"the server is busy placing others' figures: retry after Retry-After seconds"
//	@Router			/api/v1/self-check [post]
func (s *Server) handleSelfCheck(c echo.Context) error {
	t, _, err := s.resolve(c, resourceParams, "/self-check")
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // the body limit's 413 passes through
	}
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	var in selfcheck.Input
	switch mt {
	case echo.MIMEApplicationJSON:
		in, err = s.selfCheck.JSON(body)
	case "text/csv":
		in, err = s.selfCheck.CSV(body)
	default:
		return &apiError{Status: http.StatusUnsupportedMediaType,
			Detail: "send the figures as application/json or text/csv"}
	}
	if err != nil {
		return err
	}
	if format := selfCheckImageFormat(c.Request().Header.Get(echo.HeaderAccept)); format != "" {
		return s.site.SendSelfCheckImage(c, t.rel, in, format, "inline")
	}
	var errs []selfcheck.FieldError
	out := make([]selfCheckResult, 0, len(in.Units))
	for i, u := range in.Units {
		row, f, fieldErrs := t.rel.Place(u)
		for _, fe := range fieldErrs {
			errs = append(errs, selfcheck.FieldError{Param: in.Param(i, fe.Field), Message: fe.Message})
		}
		if len(fieldErrs) == 0 {
			out = append(out, newSelfCheckResult(t.rel, row, f))
		}
	}
	if len(errs) > 0 {
		return selfcheck.Invalid(errs)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	b, err := jsonMarshal(envelope{Data: out, Meta: newMeta(t.rel, len(out), distinctPeriods(out)),
		Links: links{Self: t.url(false, nil), Docs: "/api/docs/"}})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

// selfCheckImageFormat reads which answer the Accept header prefers of
// JSON, SVG and PNG: "svg" or "png", or "" for JSON, the default (no
// header, */*, or JSON preferred).
func selfCheckImageFormat(accept string) string {
	switch preferredType(accept, echo.MIMEApplicationJSON, "image/svg+xml", "image/png") {
	case "image/svg+xml":
		return "svg"
	case "image/png":
		return "png"
	}
	return ""
}

func distinctPeriods(rs []selfCheckResult) []string {
	var ps []string
	for _, r := range rs {
		ps = appendDistinct(ps, r.Period)
	}
	slices.Sort(ps)
	return ps
}

// newSelfCheckResult is a placed unit's row, with the funnel it was placed
// on at its release-pinned URL.
func newSelfCheckResult(r *catalog.Release, row catalog.Row, f *catalog.Funnel) selfCheckResult {
	return selfCheckResult{unitRow: toUnitRow(&row), TargetSource: f.TargetSource,
		Funnel: resource{rel: r, path: "/specialties/" + f.Specialty + "/funnel",
			query: query{Procedure: f.Procedure, Period: f.Period, UnitType: f.UnitType}.values()}.url(true, nil)}
}
