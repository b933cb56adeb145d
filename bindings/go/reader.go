package csvr

/*
#include "shim.h"
*/
import "C"

import (
	"io"
	"runtime"
	"unsafe"
)

// batchRecords is how many records one cgo call asks for: enough to make the call's
// cost (~100 ns) vanish per record, few enough to keep a batch's memory small (csvr
// also ends a batch at about 1 MiB of fields).
const batchRecords = 512

// Position is where a record starts.
type Position struct {
	Line   uint64 // 1-based line of the record's first byte
	Byte   uint64 // 0-based byte offset of the record's first byte
	Record uint64 // 0-based record index; the header is record 0 when there is one
}

// Reader reads the records of one CSV input. Make one with Open or NewReader and Close
// it when done.
//
// A Reader is not safe for concurrent use by several goroutines (as with encoding/csv);
// different Readers are independent and may be used at once.
type Reader struct {
	r       *C.csvr_reader // nil once closed
	headers []string       // nil without a header
	rows    [][]string     // the current batch; rows[next:] are not yet returned
	pos     []Position     // the positions of rows
	next    int
	cur     Position // of the record Read returned last
	done    bool     // the library said there are no more records
}

// Read returns the next record, or io.EOF when there are no more. Blank lines are
// skipped and the header is never returned.
//
// On a malformed record (with Options.Strict, or not UTF-8 without Options.Raw) it
// returns an *Error naming the record; reading may go on with the next record.
// The records before a failing one in the same batch are all returned first.
//
// The fields of the records of one batch share one string (about 1 MiB at most):
// keeping a single field keeps the batch in memory; strings.Clone it to avoid that.
func (r *Reader) Read() ([]string, error) {
	if r.r == nil {
		return nil, ErrClosed
	}
	if r.next >= len(r.rows) {
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
	rec := r.rows[r.next]
	r.cur = r.pos[r.next]
	r.next++
	return rec, nil
}

// ReadAll reads the remaining records. At the end of the input it returns them with a
// nil error (not io.EOF); on an error it returns the records read before it and the error.
func (r *Reader) ReadAll() ([][]string, error) {
	var all [][]string
	for {
		if r.r == nil {
			return all, ErrClosed
		}
		if r.next < len(r.rows) {
			all = append(all, r.rows[r.next:]...)
			r.cur = r.pos[len(r.pos)-1]
			r.next = len(r.rows)
		}
		if err := r.fill(); err == io.EOF {
			return all, nil
		} else if err != nil {
			return all, err
		}
	}
}

// Headers returns the header's fields: nil with Options.NoHeader, empty for an empty
// input. The slice is a copy; it is still available after Close.
func (r *Reader) Headers() []string {
	if r.headers == nil {
		return nil
	}
	return append(make([]string, 0, len(r.headers)), r.headers...)
}

// Position returns where the record that Read returned last starts (the zero Position
// before the first record).
func (r *Reader) Position() Position {
	return r.cur
}

// Count counts the records not yet returned by Read, consuming them: afterwards Read
// returns io.EOF. Nothing is decoded, so with text mode a record that is not UTF-8 is
// counted rather than reported.
func (r *Reader) Count() (uint64, error) {
	if r.r == nil {
		return 0, ErrClosed
	}
	pending := uint64(len(r.rows) - r.next)
	r.rows, r.pos, r.next = nil, nil, 0
	if r.done {
		return pending, nil
	}
	var n C.uint64_t
	var ce C.gocsvr_error
	if C.gocsvr_reader_count(r.r, &n, &ce) < 0 {
		return 0, newError(&ce)
	}
	r.done = true
	return pending + uint64(n), nil
}

// Close frees the reader and closes its file. Closing twice is fine; every other
// method then returns ErrClosed (Headers and Position still answer).
func (r *Reader) Close() error {
	if r.r == nil {
		return nil
	}
	C.csvr_reader_free(r.r)
	r.r = nil
	r.rows, r.pos = nil, nil
	runtime.SetFinalizer(r, nil)
	return nil
}

// fill replaces the batch by the next one: one cgo call, then one copy of its bytes
// into a Go string that every field slices.
func (r *Reader) fill() error {
	r.rows, r.pos, r.next = nil, nil, 0
	if r.done {
		return io.EOF
	}
	var b C.csvr_batch
	var ce C.gocsvr_error
	s := C.gocsvr_next_batch(r.r, batchRecords, &b, &ce)
	runtime.KeepAlive(r) // the finalizer must not free r.r during the call
	if s < 0 {
		return newError(&ce)
	}
	if s == C.CSVR_DONE {
		r.done = true
		return io.EOF
	}
	nrec := int(b.records)
	recordEnds := unsafe.Slice(b.record_ends, nrec)
	fieldEnds := unsafe.Slice(b.field_ends, int(recordEnds[nrec-1]))
	positions := unsafe.Slice(b.positions, nrec)
	data := cString(b.data, b.len)

	// Field j spans [field_ends[j-1]+1, field_ends[j]): the +1 skips the separator.
	fields := make([]string, len(fieldEnds))
	start := 0
	for j, e := range fieldEnds {
		end := int(e)
		fields[j] = data[start:end]
		start = end + 1
	}
	r.rows = make([][]string, nrec)
	r.pos = make([]Position, nrec)
	first := 0
	for i, e := range recordEnds {
		end := int(e)
		// A full slice expression, so that appending to one record cannot
		// overwrite the next one's fields.
		r.rows[i] = fields[first:end:end]
		first = end
		p := positions[i]
		r.pos[i] = Position{Line: uint64(p.line), Byte: uint64(p.byte), Record: uint64(p.record)}
	}
	return nil
}

// readHeaders caches the header once, at open, so that Headers needs no cgo call.
func (r *Reader) readHeaders() error {
	var n C.size_t
	var ce C.gocsvr_error
	if C.gocsvr_reader_header_count(r.r, &n, &ce) < 0 {
		return newError(&ce)
	}
	h := make([]string, int(n))
	for i := range h {
		var p *C.uint8_t
		var l C.size_t
		if C.gocsvr_reader_header(r.r, C.size_t(i), &p, &l, &ce) < 0 {
			return newError(&ce)
		}
		h[i] = cString(p, l) // p is NULL for a selected column past the header's end
	}
	runtime.KeepAlive(r)
	r.headers = h
	return nil
}

// cString copies n bytes at p into a Go string (one copy; C.GoStringN would limit n to
// a C int).
func cString(p *C.uint8_t, n C.size_t) string {
	if n == 0 || p == nil {
		return ""
	}
	return string(unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)))
}
