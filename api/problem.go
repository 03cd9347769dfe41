package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/selfcheck"
	"github.com/surgeon-outcomes/outcomes/site"
	"github.com/surgeon-outcomes/outcomes/store"
)

// problem is an RFC 9457 problem details body, the one shape of every
// error the API returns, JSON and CSV requests alike.
type problem struct {
	// Always about:blank: the status and title say what went wrong.
	Type string `json:"type" example:"about:blank"`
	// The HTTP status in words.
	Title string `json:"title" example:"Bad Request"`
	// The HTTP status code.
	Status int `json:"status" example:"400"`
	// What went wrong, in words.
	Detail string `json:"detail,omitempty" example:"the query has bad parameters"`
	// The path of the request that failed.
	Instance string `json:"instance,omitempty" example:"/api/v1/surgeons"`
	// The request's id, as in the X-Request-Id header and the server's
	// log: quote it when asking about an error.
	RequestID string `json:"request_id,omitempty" example:"Qm2TzR0bJx1K5e8Zf3YhWc"`
	// Each bad parameter or field, with what is wrong (the first ones only
	// when there are many).
	Errors []paramError `json:"errors,omitempty"`
	// How many problems were found, when errors lists only the first of
	// them; absent when it lists them all.
	ErrorsTotal int `json:"errors_total,omitempty" example:"10000" extensions:"x-unit=problems"`
}

// maxListedErrors bounds the problems one error body lists. A query with
// 10,000 unknown parameters would otherwise be answered with 1.7 MB, 21
// times the request (issue 11); past this many, the body only counts the
// rest, in errors_total and in the detail's words.
const maxListedErrors = 20

// paramError names one bad query parameter or submitted field.
type paramError struct {
	// The parameter or field that is wrong.
	Param string `json:"param" example:"band"`
	// What is wrong with it.
	Message string `json:"message" example:"unknown band \"red\""`
}

// apiError is an error a handler returns to be shown to the client as is:
// its text is written for the client and holds nothing internal.
type apiError struct {
	Status int
	Detail string
	Errors []paramError
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.Status, e.Detail)
	for _, pe := range e.Errors {
		fmt.Fprintf(&b, "; %s: %s", pe.Param, pe.Message)
	}
	return b.String()
}

// statusClientClosedRequest is nginx's status for a request whose client
// went away before the answer: no client ever receives it.
const statusClientClosedRequest = 499

func notFound(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusNotFound, Detail: fmt.Sprintf(format, args...)}
}

func badRequest(param, format string, args ...any) *apiError {
	msg := fmt.Sprintf(format, args...)
	return &apiError{Status: http.StatusBadRequest, Detail: msg, Errors: []paramError{{Param: param, Message: msg}}}
}

// handleError is echo's HTTPErrorHandler, the one place an error becomes a
// response. Client errors keep their own words; anything else is a 500
// whose text goes to the request log, with the request id, and never to
// the client.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		// Already answered (the request logger calls this first and the
		// error then bubbles up to echo), or a streamed response failed
		// part way: nothing more can be sent. The request log has it.
		return
	}
	if errors.Is(c.Request().Context().Err(), context.Canceled) && isContextErr(err) {
		// The client closed the connection before its answer was ready:
		// there is nobody to answer. Logged and counted as nginx does, 499
		// (client closed request), a client's doing, not a server failure.
		c.Response().WriteHeader(statusClientClosedRequest)
		return
	}
	p := problem{Type: "about:blank", Instance: c.Request().URL.Path, RequestID: requestID(c)}
	var ae *apiError
	var se *selfcheck.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
		p.Status, p.Detail, p.Errors = ae.Status, ae.Detail, ae.Errors
	case errors.As(err, &se):
		p.Status, p.Detail = http.StatusBadRequest, se.Detail
		for _, fe := range se.Errors {
			p.Errors = append(p.Errors, paramError{Param: fe.Param, Message: fe.Message})
		}
	case errors.Is(err, store.ErrNotFound):
		p.Status = http.StatusNotFound
	case errors.As(err, &he):
		p.Status = he.Code
		// echo's own messages (route not found, body too large, rate
		// limited) are fixed text, safe to show.
		if msg, ok := he.Message.(string); ok && msg != http.StatusText(he.Code) {
			p.Detail = msg
		}
		if he.Code >= 500 {
			p.Detail = ""
		}
	default:
		// Logged once, by the request logger, with the request id.
		p.Status = http.StatusInternalServerError
	}
	if n := len(p.Errors); n > maxListedErrors {
		p.Errors, p.ErrorsTotal = p.Errors[:maxListedErrors], n
		p.Detail += fmt.Sprintf(" (%d problems: the first %d are listed, and %d more)", n, maxListedErrors, n-maxListedErrors)
	}
	p.Title = http.StatusText(p.Status)
	if p.Status == http.StatusMethodNotAllowed && p.Detail == "" {
		p.Detail = "this resource does not answer " + c.Request().Method
	}
	h := c.Response().Header()
	// Caches must not keep an error as the answer for the URL.
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Del(echo.HeaderContentDisposition)
	h.Del(echo.HeaderContentEncoding)
	h.Del("ETag")
	h.Del("Link")
	if wantsHTML(c) && s.site != nil {
		if err := s.site.ErrorPage(c, site.Problem{Status: p.Status, Title: p.Title, Detail: p.Detail,
			RequestID: p.RequestID}); err == nil {
			return
		}
		// The error page itself failed: fall back to the problem body.
	}
	if c.Request().Method == http.MethodHead {
		h.Set(echo.HeaderContentType, "application/problem+json")
		_ = c.NoContent(p.Status)
		return
	}
	b, _ := jsonMarshal(p)
	_ = c.Blob(p.Status, "application/problem+json", b)
}

// wantsHTML reports whether an error on this request should be a page: any
// path outside the API and the operational endpoints.
func wantsHTML(c echo.Context) bool {
	p := c.Request().URL.Path
	return !strings.HasPrefix(p, "/api/") && p != "/healthz" && p != "/metrics" && !strings.HasPrefix(p, "/static/") &&
		!strings.HasSuffix(p, ".svg") && !strings.HasSuffix(p, ".sqlite")
}

// requestID is the id the RequestID middleware gave this request.
func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}
