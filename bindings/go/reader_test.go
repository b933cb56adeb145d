package csvr_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"testing"

	"csvr"
)

const small = "name,city\nAda,London\n\n\"Grace, R.\",\"New\nYork\"\nAlan,Wilmslow\n"

func mustReader(t *testing.T, data string, opts *csvr.Options) *csvr.Reader {
	t.Helper()
	r, err := csvr.NewReader([]byte(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestNewReaderBytes(t *testing.T) {
	r := mustReader(t, small, nil)
	if got := r.Headers(); !reflect.DeepEqual(got, []string{"name", "city"}) {
		t.Errorf("headers %q", got)
	}
	want := [][]string{{"Ada", "London"}, {"Grace, R.", "New\nYork"}, {"Alan", "Wilmslow"}}
	wantPos := []csvr.Position{{Line: 2, Byte: 10, Record: 1}, {Line: 4, Byte: 22, Record: 2}, {Line: 6, Byte: 45, Record: 3}}
	for i := range want {
		rec, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rec, want[i]) {
			t.Errorf("record %d: %q, want %q", i, rec, want[i])
		}
		if p := r.Position(); p != wantPos[i] {
			t.Errorf("record %d: position %+v, want %+v", i, p, wantPos[i])
		}
	}
	for i := 0; i < 2; i++ { // io.EOF, and again
		if _, err := r.Read(); err != io.EOF {
			t.Fatalf("after the last record: %v, want io.EOF", err)
		}
	}
}

func TestAppendDoesNotClobber(t *testing.T) {
	r := mustReader(t, "a,b\nc,d\n", &csvr.Options{NoHeader: true})
	first, _ := r.Read()
	_ = append(first, "x")
	second, _ := r.Read()
	if !reflect.DeepEqual(second, []string{"c", "d"}) {
		t.Errorf("second record %q", second)
	}
}

func TestOptionsZeroValueIsDefault(t *testing.T) {
	data := []byte("a,b\n1,\"x,y\"\n2,3,4\n")
	for _, opts := range []*csvr.Options{nil, {}} {
		r, err := csvr.NewReader(data, opts)
		if err != nil {
			t.Fatal(err)
		}
		all, err := r.ReadAll() // flexible by default: the ragged record is fine
		r.Close()
		if err != nil || !reflect.DeepEqual(all, [][]string{{"1", "x,y"}, {"2", "3", "4"}}) {
			t.Errorf("opts %v: %q, %v", opts, all, err)
		}
		if n, err := csvr.CountBytes(data, opts); n != 2 || err != nil {
			t.Errorf("CountBytes: %d, %v", n, err)
		}
	}
}

func TestOptions(t *testing.T) {
	data := "# comment\n a ;'b;c'\n 1 ;'x''y'\n"
	r := mustReader(t, data, &csvr.Options{Delimiter: ';', Quote: '\'', Comment: '#', Trim: csvr.TrimAll, Strict: true})
	all, err := r.ReadAll()
	if err != nil || !reflect.DeepEqual(all, [][]string{{"1", "x'y"}}) {
		t.Errorf("records %q, %v", all, err)
	}
	if h := r.Headers(); !reflect.DeepEqual(h, []string{"a", "b;c"}) {
		t.Errorf("headers %q", h)
	}

	r = mustReader(t, "a\"b,c\n", &csvr.Options{NoHeader: true, NoQuoting: true, Terminator: '\n'})
	if rec, err := r.Read(); err != nil || !reflect.DeepEqual(rec, []string{"a\"b", "c"}) {
		t.Errorf("NoQuoting: %q, %v", rec, err)
	}

	r = mustReader(t, "a,b,c\n1,2,3\n", &csvr.Options{Columns: []int{2, 0, 5}})
	if h := r.Headers(); !reflect.DeepEqual(h, []string{"c", "a", ""}) {
		t.Errorf("Columns headers %q", h)
	}
	if rec, err := r.Read(); err != nil || !reflect.DeepEqual(rec, []string{"3", "1", ""}) {
		t.Errorf("Columns: %q, %v", rec, err)
	}

	r = mustReader(t, "a\nxxxxxxxxxxxxxxxxxxxx\n", &csvr.Options{MaxRecordBytes: 8})
	if _, err := r.Read(); !errors.Is(err, &csvr.Error{Status: csvr.StatusErrParse}) {
		t.Errorf("MaxRecordBytes: %v, want a parse error", err)
	}
	r = mustReader(t, "a\nxxxxxxxxxxxxxxxxxxxx\n", &csvr.Options{MaxRecordBytes: csvr.NoRecordLimit})
	if _, err := r.Read(); err != nil {
		t.Errorf("NoRecordLimit: %v", err)
	}

	r = mustReader(t, "a\n\xff\n", &csvr.Options{Raw: true})
	if rec, err := r.Read(); err != nil || rec[0] != "\xff" {
		t.Errorf("Raw: %q, %v", rec, err)
	}
}

func TestMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.csv")
	for name, f := range map[string]func() error{
		"Open":  func() error { _, err := csvr.Open(path, nil); return err },
		"Count": func() error { _, err := csvr.Count(path, nil); return err },
	} {
		err := f()
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %v is not fs.ErrNotExist", name, err)
		}
		var e *csvr.Error
		if !errors.As(err, &e) || e.Status != csvr.StatusErrIO || e.Message == "" {
			t.Errorf("%s: %#v, want an *Error with StatusErrIO and a message", name, err)
		}
	}
}

func TestPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may read any file")
	}
	path := filepath.Join(t.TempDir(), "secret.csv")
	if err := os.WriteFile(path, []byte("a\n1\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	if _, err := csvr.Open(path, nil); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("%v is not fs.ErrPermission", err)
	}
}

func TestInvalidOptions(t *testing.T) {
	for name, opts := range map[string]*csvr.Options{
		"delimiter==quote": {Delimiter: '"'},
		"non-ASCII":        {Delimiter: 0xe9},
		"threads":          {Threads: -1},
		"too many threads": {Threads: 5000},
		"trim":             {Trim: 7},
		"columns":          {Columns: []int{-1}},
	} {
		for what, err := range map[string]error{
			"NewReader":  func() error { _, err := csvr.NewReader([]byte("a\n"), opts); return err }(),
			"CountBytes": func() error { _, err := csvr.CountBytes([]byte("a\n"), opts); return err }(),
		} {
			var e *csvr.Error
			if !errors.As(err, &e) || e.Status != csvr.StatusErrInvalid {
				t.Errorf("%s %s: %v, want an *Error with StatusErrInvalid", name, what, err)
			}
		}
	}
	if _, err := csvr.Open("a\x00b", nil); !errors.Is(err, &csvr.Error{Status: csvr.StatusErrInvalid}) {
		t.Errorf("path with NUL: %v", err)
	}
	if _, err := csvr.Open("", nil); !errors.Is(err, &csvr.Error{Status: csvr.StatusErrInvalid}) {
		t.Errorf("empty path: %v", err)
	}
}

func TestErrorPosition(t *testing.T) {
	r := mustReader(t, "a,b\n1,2\n3\n", &csvr.Options{Strict: true})
	r.Read()
	_, err := r.Read()
	var e *csvr.Error
	if !errors.As(err, &e) || e.Status != csvr.StatusErrParse || !e.HasPosition ||
		e.Line != 3 || e.Byte != 8 || e.Record != 2 {
		t.Fatalf("%#v", err)
	}
	if e.Error() != "csvr: "+e.Message || errors.Unwrap(e) != nil {
		t.Errorf("Error() %q, Unwrap %v", e.Error(), errors.Unwrap(e))
	}
}

func TestUseAfterClose(t *testing.T) {
	r, err := csvr.NewReader([]byte(small), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := r.Read(); !errors.Is(err, csvr.ErrClosed) {
		t.Errorf("Read: %v", err)
	}
	if _, err := r.ReadAll(); !errors.Is(err, csvr.ErrClosed) {
		t.Errorf("ReadAll: %v", err)
	}
	if _, err := r.Count(); !errors.Is(err, csvr.ErrClosed) {
		t.Errorf("Count: %v", err)
	}
	if h := r.Headers(); !reflect.DeepEqual(h, []string{"name", "city"}) {
		t.Errorf("Headers: %q", h)
	}
	_ = r.Position()
}

func TestReadAllAndCount(t *testing.T) {
	var b []byte
	b = append(b, "id,v\n"...)
	for i := 0; i < 10000; i++ { // several batches
		b = fmt.Appendf(b, "%d,%d\n", i, i*i)
	}
	r := mustReader(t, string(b), nil)
	all, err := r.ReadAll()
	if err != nil || len(all) != 10000 || all[9999][1] != "99980001" {
		t.Fatalf("ReadAll: %d records, %v", len(all), err)
	}
	if p := r.Position(); p.Record != 10000 {
		t.Errorf("Position after ReadAll: %+v", p)
	}

	r = mustReader(t, string(b), nil)
	for i := 0; i < 5; i++ {
		r.Read()
	}
	if n, err := r.Count(); n != 9995 || err != nil {
		t.Errorf("Count after 5 reads: %d, %v", n, err)
	}
	if _, err := r.Read(); err != io.EOF {
		t.Errorf("Read after Count: %v", err)
	}
	if n, err := r.Count(); n != 0 || err != nil {
		t.Errorf("second Count: %d, %v", n, err)
	}
}

func TestHeadersNilWithoutHeader(t *testing.T) {
	r := mustReader(t, "a,b\n", &csvr.Options{NoHeader: true})
	if h := r.Headers(); h != nil {
		t.Errorf("Headers %q, want nil", h)
	}
	r = mustReader(t, "", nil)
	if h := r.Headers(); h == nil || len(h) != 0 {
		t.Errorf("empty input: Headers %#v, want empty and non-nil", h)
	}
}

func TestOpenFileAndReadAhead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, []byte(small), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []*csvr.Options{nil, {ReadAhead: true, Threads: 2}} {
		r, err := csvr.Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		all, err := r.ReadAll()
		r.Close()
		if err != nil || len(all) != 3 {
			t.Errorf("%v: %q, %v", opts, all, err)
		}
		if n, err := csvr.Count(path, opts); n != 3 || err != nil {
			t.Errorf("Count: %d, %v", n, err)
		}
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(fds)
}

func TestOpenCloseLeaksNoFDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, []byte(small), 0o644); err != nil {
		t.Fatal(err)
	}
	before := countFDs(t)
	for i := 0; i < 10000; i++ {
		r, err := csvr.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			r.Read()
		}
		r.Close()
	}
	if after := countFDs(t); after > before {
		t.Errorf("%d open files before, %d after 10000 Open/Close", before, after)
	}
}

func TestFinalizerClosesForgottenReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, []byte(small), 0o644); err != nil {
		t.Fatal(err)
	}
	before := countFDs(t)
	for i := 0; i < 200; i++ {
		if _, err := csvr.Open(path, nil); err != nil { // never closed
			t.Fatal(err)
		}
	}
	for i := 0; i < 20 && countFDs(t) > before; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if after := countFDs(t); after > before {
		t.Errorf("%d open files before, %d after collecting 200 forgotten readers", before, after)
	}
}

func TestGoroutinesEachWithOwnReader(t *testing.T) {
	var b []byte
	b = append(b, "k,v\n"...)
	for i := 0; i < 5000; i++ {
		b = fmt.Appendf(b, "%d,\"line\n%d\"\n", i, i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r, err := csvr.NewReader(b, &csvr.Options{ReadAhead: g%2 == 0})
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			for i := 0; ; i++ {
				rec, err := r.Read()
				if err == io.EOF {
					if i != 5000 {
						errs <- fmt.Errorf("goroutine %d: %d records", g, i)
					}
					return
				}
				if err != nil || rec[1] != fmt.Sprintf("line\n%d", i) || r.Position().Record != uint64(i+1) {
					errs <- fmt.Errorf("goroutine %d record %d: %q %v", g, i, rec, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
