package api

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"
)

// readBody reads a request's whole body (at most maxBody, which the body
// limit before it enforces) before the handler runs, so that a failure to
// receive it is answered as the client's fault it is, in one place: a body
// cut short (Content-Length not reached, a broken chunked encoding, the
// connection closed) is 400 and a body too slow for the server's read
// timeout is 408, where a handler reading it would have returned the read
// error as a 500, logged as a server error. Handlers then read the body
// from memory, and the HTML form's fields, which echo parses ignoring
// errors, are never parsed from half a body.
func readBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Body == nil || req.Body == http.NoBody {
			return next(c)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return bodyError(err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		return next(c)
	}
}

// bodyError is the client error for a failure to read a request body.
// Every such failure is the client's or its network's: the server only
// reads from the connection.
func bodyError(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return err // the body limit's 413
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &apiError{Status: http.StatusRequestTimeout,
			Detail: "the request body did not arrive in time; send it again"}
	}
	return &apiError{Status: http.StatusBadRequest,
		Detail: "the request body could not be read in full: it was cut short, or its chunked encoding is broken; send it again"}
}
