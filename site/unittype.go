package site

import (
	"net/url"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// paramUnitType names a page's unit type (surgeon or hospital) as the
// API names it; legacyParamUnitType is the name older links use, still
// read.
const (
	paramUnitType       = "unit_type"
	legacyParamUnitType = "unit"
)

// unitTypeParam is the unit type a page is asked for: ?unit_type=, or
// ?unit= from an older link; "" when neither is given.
func unitTypeParam(q url.Values) outcome.UnitType {
	if t := q.Get(paramUnitType); t != "" {
		return outcome.UnitType(t)
	}
	return outcome.UnitType(q.Get(legacyParamUnitType))
}
