package csvr_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"csvr"
)

// benchTarget is the size of the benchmark's input: sample.csv's records repeated,
// big enough that opening costs nothing next to reading.
const benchTarget = 50 << 20

var (
	benchOnce sync.Once
	benchDir  string
	benchFile string
	benchRows int
	benchErr  error
)

// TestMain removes the benchmark's generated file.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchInput writes sample.csv's header once and its records repeated to ~50 MB, once
// per process, and returns the file and its number of records.
func benchInput(b *testing.B) (string, int) {
	benchOnce.Do(func() {
		sample, err := os.ReadFile(filepath.Join(repoRoot, "examples/data/sample.csv"))
		if err != nil {
			benchErr = err
			return
		}
		n, err := csvr.CountBytes(sample, nil)
		if err != nil {
			benchErr = err
			return
		}
		// The header is the first line of sample.csv (it has no quoted newline).
		nl := bytes.IndexByte(sample, '\n')
		header, body := sample[:nl+1], sample[nl+1:]
		if benchDir, benchErr = os.MkdirTemp("", "csvr-go-bench"); benchErr != nil {
			return
		}
		benchFile = filepath.Join(benchDir, "bench.csv")
		f, err := os.Create(benchFile)
		if err != nil {
			benchErr = err
			return
		}
		w := bufio.NewWriter(f)
		w.Write(header)
		for size := len(header); size < benchTarget; size += len(body) {
			w.Write(body)
			benchRows += int(n)
		}
		if err := w.Flush(); err != nil {
			benchErr = err
		}
		if err := f.Close(); err != nil && benchErr == nil {
			benchErr = err
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFile, benchRows
}

// benchReport reports bytes/s and rows/s (testing.B.Elapsed is Go 1.20, hence start).
func benchReport(b *testing.B, start time.Time, path string, rows int) {
	elapsed := time.Since(start)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportMetric(float64(rows)*float64(b.N)/elapsed.Seconds(), "rows/s")
}

func benchCsvr(b *testing.B, opts *csvr.Options) {
	path, want := benchInput(b)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		r, err := csvr.Open(path, opts)
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		r.Close()
		if rows != want {
			b.Fatalf("%d rows, want %d", rows, want)
		}
	}
	benchReport(b, start, path, want)
}

// BenchmarkCsvr reads every record of the file with the default Options (UTF-8 checked).
func BenchmarkCsvr(b *testing.B) { benchCsvr(b, nil) }

// BenchmarkCsvrReadAhead is BenchmarkCsvr with parsing on background threads.
func BenchmarkCsvrReadAhead(b *testing.B) { benchCsvr(b, &csvr.Options{ReadAhead: true}) }

// BenchmarkEncodingCSV reads the same records with encoding/csv, configured alike:
// ragged records allowed (FieldsPerRecord = -1), strict quotes (LazyQuotes off).
func BenchmarkEncodingCSV(b *testing.B) {
	path, want := benchInput(b)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
		r.FieldsPerRecord = -1
		r.LazyQuotes = false
		rows := -1 // encoding/csv returns the header as a record
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		f.Close()
		if rows != want {
			b.Fatalf("%d rows, want %d", rows, want)
		}
	}
	benchReport(b, start, path, want)
}
