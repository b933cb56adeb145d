package csvr

/*
#include "shim.h"
*/
import "C"

import "math"

// Trim says which fields have surrounding ASCII whitespace removed.
type Trim int

// The values of Trim (csvr_trim).
const (
	TrimNone    Trim = 0 // trim nothing (the default)
	TrimHeaders Trim = 1 // trim the header's fields only
	TrimFields  Trim = 2 // trim the records' fields only
	TrimAll     Trim = 3 // trim the header's and the records' fields
)

// Decompress says whether compressed input is decompressed while it is read.
type Decompress int

// The values of Decompress (csvr_decompress).
const (
	DecompressAuto Decompress = 0 // gzip and zstd recognised by their magic bytes (the default)
	DecompressNone Decompress = 1 // read the bytes as they are
	DecompressGzip Decompress = 2 // the input must be gzip
	DecompressZstd Decompress = 3 // the input must be zstd
)

// NoRecordLimit, as Options.MaxRecordBytes, lifts the limit on a record's length.
const NoRecordLimit = math.MaxUint64

// Options configures reading and counting. The zero value (or a nil *Options) means
// the defaults: comma-separated, '"'-quoted, a header line, ragged records allowed,
// fields checked as UTF-8. Every byte option must be ASCII; a conflict between options
// (Delimiter == Quote, ...) is an *Error with StatusErrInvalid when the options are used.
type Options struct {
	// Delimiter separates fields; 0 means ','.
	Delimiter byte
	// Quote quotes fields; 0 means '"'.
	Quote byte
	// Escape, when not 0, escapes the next byte inside a quoted field (e.g. '\\');
	// 0 means no escape character.
	Escape byte
	// Comment, when not 0, makes a line starting with it a comment, skipped;
	// 0 means no comments.
	Comment byte
	// NoHeader says that the first record is data. By default it is a header: read
	// by Open/NewReader, returned by Reader.Headers, never by Read nor counted.
	NoHeader bool
	// Strict makes a record whose field count differs from the first record's (the
	// header included) an *Error with StatusErrParse. By default records may be ragged.
	Strict bool
	// NoDoubleQuote stops "" inside a quoted field from meaning a literal '"'.
	NoDoubleQuote bool
	// NoQuoting makes the quote character an ordinary byte.
	NoQuoting bool
	// Trim says which fields lose their surrounding ASCII whitespace (default none).
	Trim Trim
	// Terminator, when not 0, is the only byte that ends a record; 0 means that
	// "\n", "\r\n" and "\r" each do.
	Terminator byte
	// Threads bounds the threads that Count, CountBytes and read-ahead use; 0 means
	// all cores. The results are the same whatever the number. At most 1024.
	Threads int
	// Raw turns text mode off: fields are not checked as UTF-8 and may hold any bytes
	// (a Go string holds them as they are). By default a record that is not UTF-8 is an
	// *Error with StatusErrUTF8. Counting never checks UTF-8.
	Raw bool
	// MaxRecordBytes bounds a record's length (from its first byte through its
	// terminator), which bounds the reader's memory; a longer record is an *Error with
	// StatusErrParse and ends reading. 0 means the library's default, 16 MiB;
	// NoRecordLimit means no limit.
	MaxRecordBytes uint64
	// ReadAhead parses a file or byte input on background threads (up to Threads)
	// ahead of Read, overlapping parsing with the caller's work. Results are the same.
	ReadAhead bool
	// Columns, when not empty, selects the fields every record and the header hold:
	// these 0-based indexes, in this order. A selected field past the end of a short
	// record reads as "". Counting ignores it.
	Columns []int
	// Decompress says whether gzip/zstd input is decompressed (default: recognised
	// by its magic bytes).
	Decompress Decompress
}

// cOptions is an Options resolved to plain C values and a column list.
type cOptions struct {
	o    C.gocsvr_options
	cols []C.size_t
}

// toC fills in the defaults the zero value stands for. Only what C cannot check
// (negative numbers) is checked here; csvr validates the rest.
func (opts *Options) toC() (*cOptions, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Threads < 0 {
		return nil, errorf(StatusErrInvalid, "Options.Threads is negative (%d)", o.Threads)
	}
	c := &cOptions{}
	c.o.delimiter = C.uint8_t(orDefault(o.Delimiter, ','))
	c.o.quote = C.uint8_t(orDefault(o.Quote, '"'))
	c.o.escape = C.uint8_t(o.Escape)
	c.o.comment = C.uint8_t(o.Comment)
	c.o.terminator = C.uint8_t(o.Terminator)
	c.o.has_header = C.bool(!o.NoHeader)
	c.o.flexible = C.bool(!o.Strict)
	c.o.double_quote = C.bool(!o.NoDoubleQuote)
	c.o.quoting = C.bool(!o.NoQuoting)
	c.o.utf8 = C.bool(!o.Raw)
	c.o.read_ahead = C.bool(o.ReadAhead)
	c.o.trim = C.int(o.Trim)
	c.o.decompress = C.int(o.Decompress)
	c.o.threads = C.size_t(o.Threads)
	switch o.MaxRecordBytes {
	case 0: // keep the library's default
	case NoRecordLimit:
		c.o.set_max_record_bytes, c.o.max_record_bytes = true, 0 // 0 is "no limit" in C
	default:
		c.o.set_max_record_bytes, c.o.max_record_bytes = true, C.uint64_t(o.MaxRecordBytes)
	}
	for _, i := range o.Columns {
		if i < 0 {
			return nil, errorf(StatusErrInvalid, "Options.Columns holds a negative index (%d)", i)
		}
		c.cols = append(c.cols, C.size_t(i))
	}
	return c, nil
}

// colsPtr is the column list for C: NULL when empty (a Go slice's own memory otherwise,
// which holds no Go pointers, so cgo allows passing it for the call).
func (c *cOptions) colsPtr() (*C.size_t, C.size_t) {
	if len(c.cols) == 0 {
		return nil, 0
	}
	return &c.cols[0], C.size_t(len(c.cols))
}

func orDefault(b, def byte) byte {
	if b == 0 {
		return def
	}
	return b
}
