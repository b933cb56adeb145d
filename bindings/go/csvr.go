// Package csvr reads CSV through csvr, a fast, exact CSV reader written in Rust and
// shipped as the C library libcsvr.
//
// Records are parsed by the library many at a time (one cgo call per batch of up to
// 4096 records) and converted to Go strings here; no CSV logic lives in Go.
//
// Reading a file:
//
//	r, err := csvr.Open("data.csv", nil) // nil: the default Options
//	if err != nil {
//		return err // errors.Is(err, fs.ErrNotExist) for a missing file
//	}
//	defer r.Close()
//	fmt.Println(r.Headers())
//	for {
//		rec, err := r.Read()
//		if err == io.EOF {
//			break
//		}
//		if err != nil {
//			return err // an *Error, with the failing record's position
//		}
//		fmt.Println(r.Position().Line, rec)
//	}
//
// Counting the records of a file, on all cores:
//
//	n, err := csvr.Count("data.csv", &csvr.Options{Delimiter: ';'})
//
// Building needs csvr.h and libcsvr.so: point cgo at them with CGO_CFLAGS=-I<include
// dir> and CGO_LDFLAGS=-L<lib dir> (or `pkg-config --cflags --libs csvr` after `make
// install`).
package csvr

/*
#cgo LDFLAGS: -lcsvr
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"unsafe"
)

// Count returns the number of records in the file at path (the header not counted),
// streaming it in constant memory on Options.Threads threads. It gives the same number
// as reading the file would. Nothing is decoded: Raw does not matter.
func Count(path string, opts *Options) (uint64, error) {
	return count(&path, nil, opts)
}

// CountBytes returns the number of records in data, as Count does for a file.
func CountBytes(data []byte, opts *Options) (uint64, error) {
	return count(nil, data, opts)
}

// Open returns a Reader of the file at path, which it streams (it never holds the file
// in memory whole). With a header (the default) the header is read now. The caller
// must Close the reader.
func Open(path string, opts *Options) (*Reader, error) {
	return newReader(&path, nil, opts)
}

// NewReader returns a Reader of data, which is copied: the caller may change data
// afterwards. The caller must Close the reader.
func NewReader(data []byte, opts *Options) (*Reader, error) {
	return newReader(nil, data, opts)
}

// cInput makes the (path, data, len) arguments of the shim: a C copy of *path (to be
// freed with C.free) when path is not nil, else data itself, which csvr only reads during
// the call (cgo allows passing it: a []byte holds no Go pointers).
func cInput(path *string, data []byte) (*C.char, *C.uint8_t, C.size_t, error) {
	if path != nil {
		// C.CString would silently cut the path at a NUL byte and open another file.
		if strings.IndexByte(*path, 0) >= 0 {
			return nil, nil, 0, errorf(StatusErrInvalid, "path %q holds a NUL byte", *path)
		}
		return C.CString(*path), nil, 0, nil
	}
	if len(data) == 0 {
		return nil, nil, 0, nil
	}
	return nil, (*C.uint8_t)(unsafe.Pointer(&data[0])), C.size_t(len(data)), nil
}

func count(path *string, data []byte, opts *Options) (uint64, error) {
	co, err := opts.toC()
	if err != nil {
		return 0, err
	}
	cpath, cdata, clen, err := cInput(path, data)
	if err != nil {
		return 0, err
	}
	if cpath != nil {
		defer C.free(unsafe.Pointer(cpath))
	}
	cols, ncols := co.colsPtr()
	var n C.uint64_t
	var ce C.gocsvr_error
	if C.gocsvr_count(cpath, cdata, clen, &co.o, cols, ncols, &n, &ce) < 0 {
		return 0, newError(&ce)
	}
	runtime.KeepAlive(data)
	return uint64(n), nil
}

func newReader(path *string, data []byte, opts *Options) (*Reader, error) {
	co, err := opts.toC()
	if err != nil {
		return nil, err
	}
	cpath, cdata, clen, err := cInput(path, data)
	if err != nil {
		return nil, err
	}
	if cpath != nil {
		defer C.free(unsafe.Pointer(cpath))
	}
	cols, ncols := co.colsPtr()
	var cr *C.csvr_reader
	var ce C.gocsvr_error
	if C.gocsvr_reader_new(cpath, cdata, clen, &co.o, cols, ncols, &cr, &ce) < 0 {
		return nil, newError(&ce)
	}
	runtime.KeepAlive(data)
	r := &Reader{r: cr}
	// The safety net: a reader the caller forgot to Close is freed (and its file
	// closed) when it is collected.
	runtime.SetFinalizer(r, (*Reader).Close)
	if !bool(co.o.has_header) {
		return r, nil
	}
	if err := r.readHeaders(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}
