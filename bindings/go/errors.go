package csvr

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"
)

// Status is the result code of a csvr C call, mirroring the C enum csvr_status.
type Status int32

// The values of csvr_status. StatusOK and StatusDone are successes; every negative
// value is a failure and comes with an *Error.
const (
	StatusOK         Status = 0  // success
	StatusDone       Status = 1  // no more records (surfaced as io.EOF by Reader.Read)
	StatusErrNull    Status = -1 // a required pointer was NULL (a bug in this binding)
	StatusErrInvalid Status = -2 // a bad option or argument, or a call in the wrong state
	StatusErrIO      Status = -3 // the input could not be opened or read
	StatusErrParse   Status = -4 // malformed CSV under strict options, or a record too long
	StatusErrUTF8    Status = -5 // text mode and a record that is not UTF-8
	StatusErrPanic   Status = -6 // an internal bug caught by the library
)

// statusNames are csvr_status_name's answers, kept in Go so that String needs no cgo
// call; the header-drift test checks them against csvr.h.
var statusNames = map[Status]string{
	StatusOK:         "CSVR_OK",
	StatusDone:       "CSVR_DONE",
	StatusErrNull:    "CSVR_ERR_NULL",
	StatusErrInvalid: "CSVR_ERR_INVALID",
	StatusErrIO:      "CSVR_ERR_IO",
	StatusErrParse:   "CSVR_ERR_PARSE",
	StatusErrUTF8:    "CSVR_ERR_UTF8",
	StatusErrPanic:   "CSVR_ERR_PANIC",
}

// String returns the C name of the status ("CSVR_ERR_IO"), or "CSVR_UNKNOWN".
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "CSVR_UNKNOWN"
}

// Error is a failure reported by the csvr library.
//
// For an I/O failure OSError holds the operating system's errno, and Unwrap returns
// it, so errors.Is(err, fs.ErrNotExist) and errors.Is(err, fs.ErrPermission) work as
// they do for os.Open.
type Error struct {
	Status  Status // why it failed; always negative
	Message string // the library's message; ends with the position when there is one
	// Line (1-based), Byte (0-based offset) and Record (0-based, the header being
	// record 0) locate the record that failed; they are meaningful only when
	// HasPosition is true.
	Line, Byte, Record uint64
	HasPosition        bool
	OSError            syscall.Errno // the errno behind a StatusErrIO, else 0
}

// Error returns "csvr: " followed by the library's message.
func (e *Error) Error() string {
	if e.Message == "" {
		return "csvr: " + e.Status.String()
	}
	return "csvr: " + e.Message
}

// Unwrap returns the errno behind an I/O error (a syscall.Errno), or nil.
func (e *Error) Unwrap() error {
	if e.OSError != 0 {
		return e.OSError
	}
	return nil
}

// Is reports whether target is an *Error with the same Status, so that
// errors.Is(err, &csvr.Error{Status: csvr.StatusErrParse}) tests for a parse error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status
}

// ErrClosed is returned by every method of a Reader used after Close.
var ErrClosed = errors.New("csvr: use of closed reader")

// newError converts (and frees) an error captured by the C shim.
func newError(ce *C.gocsvr_error) *Error {
	e := &Error{
		Status:      Status(ce.status),
		OSError:     syscall.Errno(ce.os_error),
		HasPosition: bool(ce.has_position),
	}
	if e.HasPosition {
		e.Line, e.Byte, e.Record = uint64(ce.line), uint64(ce.byte), uint64(ce.record)
	}
	if ce.message != nil {
		e.Message = C.GoString(ce.message)
		C.free(unsafe.Pointer(ce.message))
		ce.message = nil
	}
	return e
}

// errorf makes an *Error for an argument the binding refuses before calling C.
func errorf(status Status, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}
