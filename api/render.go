package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// workGate bounds one kind of expensive work (drawing charts, placing a
// self-check, streaming CSV): at most cap(running) run at once and at most
// cap(admitted) are running or waiting; beyond that a request is refused
// at once (503 with Retry-After) rather than queued, and a request that
// has waited maxWait is refused too. Without it every request draws at
// once: issue 11 took a server to 19.8 GB with PNG URLs.
type workGate struct {
	running  chan struct{}
	admitted chan struct{}
	maxWait  time.Duration
	// retryAfter is the Retry-After a refused client is given, in seconds.
	retryAfter string
	refused    atomic.Uint64
}

// newWorkGate lets concurrency requests work at once and queue more wait.
func newWorkGate(concurrency, queue int, maxWait time.Duration) *workGate {
	return &workGate{running: make(chan struct{}, concurrency), admitted: make(chan struct{}, concurrency+queue),
		maxWait: maxWait, retryAfter: strconv.Itoa(max(1, int(maxWait.Round(time.Second)/time.Second)))}
}

// errBusy is a request refused because the gate's queue is full or it
// waited too long.
var errBusy = errors.New("busy")

// acquire waits for a turn to work. It returns the function that ends the
// turn, or errBusy, or ctx's error when the client has gone (or its time
// is up) while waiting: work is never started for nobody.
func (g *workGate) acquire(ctx context.Context) (release func(), err error) {
	select {
	case g.admitted <- struct{}{}:
	default:
		g.refused.Add(1)
		return nil, errBusy
	}
	timer := time.NewTimer(g.maxWait)
	defer timer.Stop()
	select {
	case g.running <- struct{}{}:
	case <-ctx.Done():
		<-g.admitted
		return nil, ctx.Err()
	case <-timer.C:
		<-g.admitted
		g.refused.Add(1)
		return nil, errBusy
	}
	if err := ctx.Err(); err != nil { // the client went as its turn came
		<-g.running
		<-g.admitted
		return nil, err
	}
	return func() { <-g.running; <-g.admitted }, nil
}

// working and waiting are the gate's current load, for /metrics.
func (g *workGate) working() int { return len(g.running) }
func (g *workGate) waiting() int { return len(g.admitted) - len(g.running) }

// enter takes a turn at g for the request in c, or answers why not: 503
// with Retry-After when the server is busy, the context's error when the
// client has gone (handleError logs that as 499, not as a failure).
func (s *Server) enter(c echo.Context, g *workGate) (release func(), err error) {
	release, err = g.acquire(c.Request().Context())
	if errors.Is(err, errBusy) {
		return nil, busy(c, g)
	}
	return release, err
}

// busy answers a request that g refused: 503, and when to try again.
func busy(c echo.Context, g *workGate) error {
	c.Response().Header().Set("Retry-After", g.retryAfter)
	return &apiError{Status: http.StatusServiceUnavailable,
		Detail: "the server is busy drawing for others; retry in a moment"}
}

// gated runs a route's handler under g, for work that cannot be shared
// between requests (a self-check's figures are the client's own).
func (s *Server) gated(g *workGate) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			release, err := s.enter(c, g)
			if err != nil {
				return err
			}
			defer release()
			return next(c)
		}
	}
}

// drawOnce answers with the response kept under key, or builds it with
// build under the drawing gate and keeps it. Identical requests arriving
// together share one build (singleflight). If the request whose turn it
// was goes away before its turn comes, nothing is built, and each request
// still waiting for it tries again for itself. build must not use the
// request: it may outlive it.
func (s *Server) drawOnce(c echo.Context, key string, build func() (*cached, error)) (*cached, error) {
	ctx := c.Request().Context()
	for {
		if e, ok := s.cache.get(key); ok {
			return e, nil
		}
		// The build runs apart from any one request, so it is given
		// only the context of the request that started it, never c.
		ch := s.flights.DoChan(key, func() (any, error) {
			release, err := s.draws.acquire(ctx)
			if err != nil {
				return nil, err
			}
			defer release()
			s.drawn.Add(1)
			e, err := build()
			if err != nil {
				return nil, err
			}
			s.cache.put(key, e)
			return e, nil
		})
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case r := <-ch:
			switch {
			case r.Err == nil:
				return r.Val.(*cached), nil
			case isContextErr(r.Err) && ctx.Err() == nil:
				continue // the first request's client left; this one is still here
			case errors.Is(r.Err, errBusy):
				return nil, busy(c, s.draws)
			default:
				return nil, r.Err
			}
		}
	}
}

// refusedAsBusy reports whether err is a request a work gate refused.
func refusedAsBusy(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Status == http.StatusServiceUnavailable
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
