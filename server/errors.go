package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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

// statusClientClosed answers a request whose client went away (nobody reads it; it shows in
// the metrics as a 4xx, the client's doing, not the server's).
const statusClientClosed = 499

// statusOf maps an error to its HTTP status and code, in this one place.
func statusOf(err error) (int, string) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, "payload_too_large"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return statusClientClosed, "canceled"
	case errors.Is(err, service.ErrTrainingRunning):
		return http.StatusConflict, "conflict"
	case errors.Is(err, recd.ErrInvalid):
		return http.StatusBadRequest, "invalid_argument"
	case errors.Is(err, recd.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, recd.ErrUnprocessable):
		return http.StatusUnprocessableEntity, "unprocessable_entity"
	case errors.Is(err, recd.ErrUnavailable):
		return http.StatusServiceUnavailable, "unavailable"
	}
	return http.StatusInternalServerError, "internal"
}

// fail writes err as a JSON error and aborts the request.
func fail(c *gin.Context, err error) {
	status, code := statusOf(err)
	body := apiError{Code: code, Message: err.Error()}
	var fe *recd.FieldError
	if errors.As(err, &fe) {
		body.Field = fe.Field
		body.Message = fe.Error()
	}
	if status == http.StatusInternalServerError {
		_ = c.Error(err)
		body.Message = "internal error"
	}
	if status == http.StatusGatewayTimeout {
		body.Message = "the request took longer than its deadline (http.request_timeout) and was stopped"
	}
	if status == http.StatusRequestEntityTooLarge {
		body.Message = "the request body is too large"
	}
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "1")
		if isWrite(c) {
			body.Message = "not stored: a dependency this write needs is unavailable, so it was not made durable " +
				"and not applied; retry it later (" + err.Error() + ")"
		}
	}
	c.AbortWithStatusJSON(status, errorBody{body})
}

// decodeJSON decodes one JSON value from the request body into v, rejecting unknown fields
// and trailing data, and turns decoding errors into field errors.
func decodeJSON(c *gin.Context, v any) error {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, "")
	}
	if dec.More() {
		return recd.Invalid("", "the body holds more than one JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return jsonError(err, "")
		}
		return recd.Invalid("", "the body holds more than one JSON value")
	}
	return nil
}

// jsonError explains a json decoding error as a field error (prefix names the enclosing value).
func jsonError(err error, prefix string) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return recd.Invalid(prefix, "the body is empty: a JSON value is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return recd.Invalid(prefix, "malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &se):
		return recd.Invalid(prefix, fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se))
	case errors.As(err, &te):
		field := te.Field
		if prefix != "" && field != "" {
			field = prefix + "." + field
		} else if field == "" {
			field = prefix
		}
		want := te.Type.String()
		if te.Field == "" && strings.HasPrefix(want, "[]") {
			return recd.Invalid(field, "must be a JSON array")
		}
		return recd.Invalid(field, fmt.Sprintf("must be %s, not a JSON %s", jsonKind(want), te.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if prefix != "" {
			name = prefix + "." + name
		}
		return recd.Invalid(name, "is not a known field")
	}
	return recd.Invalid(prefix, "malformed JSON: "+err.Error())
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "."):
		return "an object"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "float"), strings.HasPrefix(goType, "int"):
		return "a number"
	}
	return goType
}

// isWrite reports whether the request changes state (an item, user or event write, a delete,
// a training run), as opposed to a read sent with POST.
func isWrite(c *gin.Context) bool {
	switch RouteRole(c.Request.Method, c.FullPath()) {
	case RoleWrite:
		return true
	case RoleAdmin:
		return c.Request.Method != http.MethodGet
	}
	return false
}
