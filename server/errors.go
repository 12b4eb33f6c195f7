package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd"
	"github.com/recd/recd/service"
)

// apiError is the JSON error body: {"error":{"code":...,"message":...,"field":...}}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

type errorBody struct {
	Error apiError `json:"error"`
}

// errUnsupportedMediaType is the class of a body whose Content-Type its route does not take.
var errUnsupportedMediaType = errors.New("unsupported media type")

// class is a sentinel error with the status and code it is answered with.
type class struct {
	err    error
	status int
	code   string
	named  bool
}

// classes map the sentinel errors to HTTP statuses and codes, first match wins. A sentinel
// marked named is a class name for errors.Is, not words for clients: publicMessage removes
// its text from messages; the others' text is the message.
var classes = []class{
	{service.ErrTrainingRunning, http.StatusConflict, "conflict", false},
	{service.ErrDescribeRunning, http.StatusConflict, "conflict", false},
	{recd.ErrInvalid, http.StatusBadRequest, "invalid_argument", true},
	{recd.ErrNotFound, http.StatusNotFound, "not_found", true},
	{recd.ErrUnprocessable, http.StatusUnprocessableEntity, "unprocessable_entity", true},
	{recd.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", true},
	{errUnsupportedMediaType, http.StatusUnsupportedMediaType, "unsupported_media_type", true},
}

// bodyError is a failure to read the request body itself, as opposed to a body that was read
// and is malformed: the client was too slow (a read timeout) or went away.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "read request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// timeout reports whether the body did not arrive before the server's read deadline.
func (e *bodyError) timeout() bool {
	var ne net.Error
	return errors.Is(e.err, os.ErrDeadlineExceeded) || (errors.As(e.err, &ne) && ne.Timeout())
}

// statusClientClosed answers a request whose client went away (nobody reads it; it shows in
// the metrics as a 4xx, the client's doing, not the server's).
const statusClientClosed = 499

// statusOf maps an error to its HTTP status and code, in this one place.
func statusOf(err error) (int, string) {
	var mbe *http.MaxBytesError
	var be *bodyError
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, "payload_too_large"
	case errors.As(err, &be) && be.timeout():
		return http.StatusRequestTimeout, "request_timeout"
	case errors.As(err, &be):
		return http.StatusBadRequest, "invalid_argument"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return statusClientClosed, "canceled"
	}
	for _, c := range classes {
		if errors.Is(err, c.err) {
			return c.status, c.code
		}
	}
	return http.StatusInternalServerError, "internal"
}

// publicMessage is the message a client sees for err answered with status: the error's own
// words without the class names it wraps ("no trained model yet: run training first", not
// "...: unavailable"), and a fixed sentence where the error's text is internal detail.
func publicMessage(err error, status int) string {
	var be *bodyError
	switch {
	case status == http.StatusInternalServerError:
		return "internal error"
	case status == http.StatusRequestEntityTooLarge:
		return "the request body is too large"
	case status == http.StatusRequestTimeout:
		return "the request body did not arrive in time"
	case status == http.StatusGatewayTimeout:
		return "the request took longer than its deadline (http.request_timeout) and was stopped"
	case status == statusClientClosed:
		return "the client went away"
	case errors.As(err, &be):
		return "the request body could not be read"
	}
	var fe *recd.FieldError
	if errors.As(err, &fe) {
		return withoutClasses(fe.Error())
	}
	return withoutClasses(err.Error())
}

// withoutClasses removes the ": "-separated parts of msg that are a named class's text
// (the "%w" of "...: %w"), unless nothing else is left.
func withoutClasses(msg string) string {
	parts := strings.Split(msg, ": ")
	kept := parts[:0:0]
	for _, p := range parts {
		if !slices.ContainsFunc(classes, func(c class) bool { return c.named && p == c.err.Error() }) {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return msg
	}
	return strings.Join(kept, ": ")
}

// fail writes err as a JSON error and aborts the request.
func fail(c *gin.Context, err error) {
	status, code := statusOf(err)
	body := apiError{Code: code, Message: publicMessage(err, status)}
	var fe *recd.FieldError
	if errors.As(err, &fe) {
		body.Field = fe.Field
	}
	if status == http.StatusInternalServerError {
		_ = c.Error(err)
	}
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "1")
		if isWrite(c) {
			body.Message = "not stored: a dependency this write needs is unavailable, so it was not made durable " +
				"and not applied; retry it later (" + body.Message + ")"
		}
	}
	c.AbortWithStatusJSON(status, errorBody{body})
}

// isWrite reports whether the request changes state (an item, user or event write, a delete,
// a training run), as opposed to a read sent with POST.
func isWrite(c *gin.Context) bool {
	switch RouteRole(c.Request.Method, c.FullPath()) {
	case RoleWrite:
		return true
	case RoleAdmin:
		return c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead
	}
	return false
}
