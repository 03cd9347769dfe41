package api

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// decodePathParams makes every path parameter (:id, :slug, :release,
// :file) the decoded text, exactly once, whatever escapes the client used.
//
// echo routes on the URL's RawPath when Go keeps one, which it does only
// when the client escaped something Go would not have (%3D for '=', %2F for
// '/'), and leaves the parameter as the URL spelled it; otherwise it routes
// on the decoded Path. So /api/v1/surgeons/=1+1 found unit "=1+1" while
// /api/v1/surgeons/%3D1%2B1 looked for "%3D1%2B1" and answered 404 (issue
// 11). Decoding the parameters of a RawPath route here, once, gives both
// the same answer, and lets an id holding '/' (in a database loaded before
// ingest refused one) be reached as %2F. The wildcard of /static/* and
// /api/docs/* is left as it is: those handlers read the path themselves.
func decodePathParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().URL.RawPath == "" {
			return next(c) // echo routed on the decoded Path
		}
		names, values := c.ParamNames(), c.ParamValues()
		decoded := make([]string, len(values))
		for i, v := range values {
			decoded[i] = v
			if names[i] == "*" {
				continue
			}
			s, err := url.PathUnescape(v)
			if err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, "the path holds a malformed %-escape")
			}
			decoded[i] = s
		}
		c.SetParamValues(decoded...)
		return next(c)
	}
}
