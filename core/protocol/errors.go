package protocol

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync/atomic"
)

// Category is an OX error category as sent in `categories`.
type Category string

const (
	CatUserInput        Category = "USER_INPUT"
	CatConfiguration    Category = "CONFIGURATION"
	CatPermissionDenied Category = "PERMISSION_DENIED"
	CatTryAgain         Category = "TRY_AGAIN"
	CatServiceDown      Category = "SERVICE_DOWN"
	CatConnectivity     Category = "CONNECTIVITY"
	CatError            Category = "ERROR"
	CatConflict         Category = "CONFLICT"
	CatCapacity         Category = "CAPACITY"
	CatTruncated        Category = "TRUNCATED"
	CatWarning          Category = "WARNING"
)

// Number is the legacy numeric `category` (middleware Categories.java).
func (c Category) Number() int {
	switch c {
	case CatUserInput:
		return 1
	case CatConfiguration:
		return 2
	case CatPermissionDenied:
		return 3
	case CatTryAgain:
		return 4
	case CatServiceDown:
		return 5
	case CatConnectivity:
		return 6
	case CatConflict:
		return 9
	case CatCapacity:
		return 11
	case CatTruncated:
		return 12
	case CatWarning:
		return 13
	}
	return 8
}

// Def is one entry of the error catalogue: a code, its category and a
// printf-style English message. The message is formatted on the server
// because error_params is always empty since 7.4.2.
type Def struct {
	Code     string
	Category Category
	Message  string
	// Status is the HTTP status for the rare errors the spec does not answer with 200.
	Status int
}

// New formats the definition into an error.
func (d Def) New(args ...any) *Error {
	msg := d.Message
	if len(args) > 0 {
		msg = fmt.Sprintf(d.Message, args...)
	}
	return &Error{Code: d.Code, Category: d.Category, Message: msg, Status: d.Status}
}

// Is lets errors.Is match an *Error against its definition.
func (d Def) Is(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Code == d.Code
}

// Error is an OX application error. Handlers return it; the facade renders
// the envelope.
type Error struct {
	Code     string
	Category Category
	Message  string
	// Desc is the technical English description; it defaults to Message.
	Desc string
	// Status overrides HTTP 200 where the spec names another status.
	Status int
	// Cause is kept for logs only; it never reaches the client.
	Cause error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }
func (e *Error) Unwrap() error { return e.Cause }

// WithStatus returns a copy with another HTTP status.
func (e *Error) WithStatus(status int) *Error {
	c := *e
	c.Status = status
	return &c
}

// WithCause attaches an internal cause for logging.
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.Cause = err
	return &c
}

var errSeq atomic.Uint64
var errPrefix = func() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}()

// NewErrorID returns a unique id for log lookup, like the reference
// server's "<random>-<counter>".
func NewErrorID() string {
	return fmt.Sprintf("%s-%d", errPrefix, errSeq.Add(1))
}

// Envelope renders the error fields of a response object.
func (e *Error) Envelope() map[string]any {
	desc := e.Desc
	if desc == "" {
		desc = e.Message
	}
	return map[string]any{
		"error":        e.Message,
		"error_params": []any{},
		"error_id":     NewErrorID(),
		"error_desc":   desc,
		"code":         e.Code,
		"categories":   string(e.Category),
		"category":     e.Category.Number(),
	}
}

// The catalogue. Codes of the reference server keep their prefixes; oxlite's
// own errors use OXL.
var (
	// SVL: servlet / protocol layer (AjaxExceptionCodes).
	ErrUnknownAction    = Def{"SVL-0001", CatError, "Unknown action: %s", 0}
	ErrMissingParameter = Def{"SVL-0002", CatError, "Missing the following request parameter: %s", 0}
	ErrNoUploadImage    = Def{"SVL-0003", CatUserInput, "Missing upload image.", 0}
	ErrInvalidParameter = Def{"SVL-0004", CatUserInput, "Invalid parameter: %s", 0}
	ErrIO               = Def{"SVL-0005", CatError, "I/O error: %s", 0}
	ErrUnknownModule    = Def{"SVL-0007", CatError, "Unknown module: %s", 0}
	ErrJSON             = Def{"SVL-0009", CatError, "Invalid JSON data: %s", 0}
	ErrInvalidValue     = Def{"SVL-0010", CatUserInput, "Invalid value for parameter \"%s\": %s", 0}
	ErrUnexpected       = Def{"SVL-0011", CatError, "Unexpected error: %s", 0}
	ErrDisabledAction   = Def{"SVL-0015", CatPermissionDenied, "The action \"%s\" is disabled.", 0}
	ErrNoModulePerm     = Def{"SVL-0016", CatPermissionDenied, "No permission for module: %s.", 0}
	ErrConflict         = Def{"SVL-0017", CatConflict, "The object has been changed in the meantime.", 0}
	ErrTooManyRequests  = Def{"SVL-0019", CatTryAgain, "Too many requests. Please try again later.", 0}
	ErrBadRequest       = Def{"SVL-0020", CatUserInput, "Bad request: %s", 0}
	ErrUnknownModAction = Def{"SVL-0021", CatError, "Unknown action \"%s\" in module \"%s\".", 0}
	ErrNoImageFile      = Def{"SVL-0022", CatUserInput, "The uploaded file is not an image.", 0}
	ErrInvalidCookie    = Def{"SVL-0003", CatTryAgain, "Invalid cookie.", 0}

	// SES: sessions.
	ErrSessionMissing = Def{"SES-0201", CatError, "The session parameter is missing.", 0}
	ErrSessionExpired = Def{"SES-0203", CatTryAgain, "Your session %s expired. Please start a new browser session.", 0}
	ErrContextLocked  = Def{"SES-0204", CatTryAgain, "The context is locked.", 0}
	ErrWrongClientIP  = Def{"SES-0205", CatPermissionDenied, "Request to server was refused. Original client IP address changed.", 0}
	ErrWrongSecret    = Def{"SES-0206", CatTryAgain, "Your session was invalidated. Please try again.", 0}
	ErrMaxSessions    = Def{"SES-0007", CatUserInput, "Max. number of sessions exceeded for user %s in context %d.", 0}

	// LGI: login.
	ErrInvalidCredentials = Def{"LGI-0006", CatUserInput, "The user name or password is incorrect.", 0}
	ErrLoginNotSupported  = Def{"LGI-0019", CatError, "Login method not supported: %s", 0}

	// OXL: oxlite's own.
	ErrReloadRequired = Def{"OXL-0001", CatTryAgain, "The changes since %d are no longer available. Please reload everything.", 0}
	ErrInternal       = Def{"OXL-0002", CatError, "Internal server error.", http.StatusServiceUnavailable}
	ErrNotFound       = Def{"OXL-0003", CatError, "Object not found: %s", 0}

	// OXL-0010…0019: the service worker host (docs/offline.md §6).
	ErrOffline          = Def{"OXL-0010", CatConnectivity, "The server cannot be reached. Please try again when you are online.", 0}
	ErrUnsentChanges    = Def{"OXL-0011", CatUserInput, "%d changes are not on the server yet: %s", 0}
	ErrLocalStorageFull = Def{"OXL-0013", CatCapacity, "The browser's storage for offline data is full. The change was not saved.", 0}
	ErrLocalStoreInUse  = Def{"OXL-0014", CatUserInput, "This browser holds %d changes of another user that are not on the server yet. Sign in as that user to send them first.", 0}
)

// Internal wraps an unexpected error: the client sees a generic 503
// envelope and the cause is only logged.
func Internal(err error) *Error {
	return ErrInternal.New().WithCause(err)
}
