package csvr_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"csvr"
)

// repoRoot is the csvr repository, two levels above this package.
const repoRoot = "../.."

// conformanceCase is one tests/conformance/expected/*.json file.
type conformanceCase struct {
	Name    string `json:"name"`
	File    string `json:"file"`
	Options struct {
		Delimiter string `json:"delimiter"`
		Quote     string `json:"quote"`
		HasHeader bool   `json:"has_header"`
		Flexible  bool   `json:"flexible"`
		UTF8      bool   `json:"utf8"`
	} `json:"options"`
	Headers    []field        `json:"headers"`
	Records    [][]field      `json:"records"`
	Positions  [][3]uint64    `json:"positions"`
	Error      *expectedError `json:"error"`
	Count      *uint64        `json:"count"`
	CountError *expectedError `json:"count_error"`
}

type expectedError struct {
	Status int32  `json:"status"`
	Name   string `json:"name"`
	Line   uint64 `json:"line"`
	Byte   uint64 `json:"byte"`
	Record uint64 `json:"record"`
}

// field is a JSON string, or {"hex": "..."} for bytes that are not UTF-8.
type field string

func (f *field) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = field(s)
		return nil
	}
	var h struct {
		Hex string `json:"hex"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return err
	}
	raw, err := hex.DecodeString(h.Hex)
	*f = field(raw)
	return err
}

func strs(fs []field) []string {
	if fs == nil {
		return nil
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}

func (c *conformanceCase) options(threads int) *csvr.Options {
	return &csvr.Options{
		Delimiter: c.Options.Delimiter[0],
		Quote:     c.Options.Quote[0],
		NoHeader:  !c.Options.HasHeader,
		Strict:    !c.Options.Flexible,
		Raw:       !c.Options.UTF8,
		Threads:   threads,
	}
}

func loadCases(t *testing.T) []*conformanceCase {
	paths, err := filepath.Glob(filepath.Join(repoRoot, "tests/conformance/expected/*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no conformance cases found (%v)", err)
	}
	// The corpus's cases, made by `make conformance-corpus` when the corpus is there.
	if st, err := os.Stat(filepath.Join(repoRoot, "../shared/corpus")); err == nil && st.IsDir() {
		more, _ := filepath.Glob(filepath.Join(repoRoot, "target/conformance/corpus/*.json"))
		if len(more) == 0 {
			t.Fatalf("no corpus cases: run `make conformance-corpus` first")
		}
		paths = append(paths, more...)
	} else {
		t.Logf("../shared/corpus is absent: the corpus cases are skipped")
	}
	var cases []*conformanceCase
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c := &conformanceCase{}
		if err := json.Unmarshal(b, c); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(c.Options.Delimiter) != 1 || len(c.Options.Quote) != 1 {
			t.Fatalf("%s: delimiter/quote not one byte", p)
		}
		if c.Name == "" {
			c.Name = filepath.Base(p)
		}
		cases = append(cases, c)
	}
	return cases
}

// checkError compares err with the expected *Error (status, name and position).
func checkError(t *testing.T, what string, err error, want *expectedError) {
	t.Helper()
	var e *csvr.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: error %v (%T), want an *csvr.Error %s", what, err, err, want.Name)
		return
	}
	if int32(e.Status) != want.Status || e.Status.String() != want.Name {
		t.Errorf("%s: status %d %s, want %d %s", what, e.Status, e.Status, want.Status, want.Name)
	}
	if !e.HasPosition || e.Line != want.Line || e.Byte != want.Byte || e.Record != want.Record {
		t.Errorf("%s: position %v %d/%d/%d, want %d/%d/%d", what, e.HasPosition,
			e.Line, e.Byte, e.Record, want.Line, want.Byte, want.Record)
	}
}

// TestConformance runs every case of the shared conformance suite through Open and
// NewReader (read one by one, and with ReadAll), and Count/CountBytes on 1 and all threads.
func TestConformance(t *testing.T) {
	for _, c := range loadCases(t) {
		c := c
		t.Run(c.Name, func(t *testing.T) {
			path := c.File // absolute for the corpus's cases
			if !filepath.IsAbs(path) {
				path = filepath.Join(repoRoot, path)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			open := map[string]func() (*csvr.Reader, error){
				"Open":      func() (*csvr.Reader, error) { return csvr.Open(path, c.options(0)) },
				"NewReader": func() (*csvr.Reader, error) { return csvr.NewReader(data, c.options(0)) },
			}
			for how, mk := range open {
				r, err := mk()
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				checkRead(t, how, r, c)
				r.Close()

				r, err = mk()
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				all, err := r.ReadAll()
				checkRecords(t, how+" ReadAll", all, c)
				if c.Error == nil && err != nil {
					t.Errorf("%s ReadAll: %v", how, err)
				} else if c.Error != nil {
					checkError(t, how+" ReadAll", err, c.Error)
				}
				r.Close()
			}
			for _, threads := range []int{1, 0} {
				opts := c.options(threads)
				n1, err1 := csvr.Count(path, opts)
				n2, err2 := csvr.CountBytes(data, opts)
				for i, got := range []struct {
					n   uint64
					err error
				}{{n1, err1}, {n2, err2}} {
					what := []string{"Count", "CountBytes"}[i] + map[int]string{1: " threads=1", 0: " threads=all"}[threads]
					if c.CountError != nil {
						checkError(t, what, got.err, c.CountError)
					} else if got.err != nil {
						t.Errorf("%s: %v", what, got.err)
					} else if c.Count == nil || got.n != *c.Count {
						t.Errorf("%s: %d, want %v", what, got.n, c.Count)
					}
				}
			}
		})
	}
}

func checkRead(t *testing.T, how string, r *csvr.Reader, c *conformanceCase) {
	t.Helper()
	if got, want := r.Headers(), strs(c.Headers); !reflect.DeepEqual(got, want) || (got == nil) != (want == nil) {
		t.Errorf("%s: headers %q, want %q", how, got, want)
	}
	var records [][]string
	var positions [][3]uint64
	var err error
	for {
		var rec []string
		rec, err = r.Read()
		if err != nil {
			break
		}
		records = append(records, rec)
		p := r.Position()
		positions = append(positions, [3]uint64{p.Line, p.Byte, p.Record})
	}
	checkRecords(t, how, records, c)
	if len(positions) != 0 || len(c.Positions) != 0 {
		if !reflect.DeepEqual(positions, c.Positions) {
			t.Errorf("%s: positions %v, want %v", how, positions, c.Positions)
		}
	}
	if c.Error == nil {
		if err != io.EOF {
			t.Errorf("%s: ended with %v, want io.EOF", how, err)
		}
	} else {
		checkError(t, how, err, c.Error)
	}
}

func checkRecords(t *testing.T, how string, got [][]string, c *conformanceCase) {
	t.Helper()
	if len(got) != len(c.Records) {
		t.Errorf("%s: %d records, want %d", how, len(got), len(c.Records))
	}
	for i := 0; i < len(got) && i < len(c.Records); i++ {
		if want := strs(c.Records[i]); !reflect.DeepEqual(got[i], want) {
			t.Errorf("%s: record %d is %q, want %q", how, i, got[i], want)
		}
	}
}
