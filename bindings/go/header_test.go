package csvr_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"csvr"
)

// boundFunctions are the C signatures this binding was written against: every csvr_
// function it calls (in shim.h and the Go files), as "return (parameter types)".
// TestHeaderDrift fails when csvr.h changes one of them, or when the binding calls a
// function missing here.
var boundFunctions = map[string]string{
	"csvr_last_error_message":           "const char * (void)",
	"csvr_last_error_os_error":          "int32_t (void)",
	"csvr_last_error_position":          "bool (uint64_t *, uint64_t *, uint64_t *)",
	"csvr_options_new":                  "struct csvr_options * (void)",
	"csvr_options_free":                 "void (struct csvr_options *)",
	"csvr_options_set_delimiter":        "enum csvr_status (struct csvr_options *, uint8_t)",
	"csvr_options_set_quote":            "enum csvr_status (struct csvr_options *, uint8_t)",
	"csvr_options_set_escape":           "enum csvr_status (struct csvr_options *, uint8_t)",
	"csvr_options_set_comment":          "enum csvr_status (struct csvr_options *, uint8_t)",
	"csvr_options_set_terminator":       "enum csvr_status (struct csvr_options *, uint8_t)",
	"csvr_options_set_has_header":       "enum csvr_status (struct csvr_options *, bool)",
	"csvr_options_set_flexible":         "enum csvr_status (struct csvr_options *, bool)",
	"csvr_options_set_double_quote":     "enum csvr_status (struct csvr_options *, bool)",
	"csvr_options_set_quoting":          "enum csvr_status (struct csvr_options *, bool)",
	"csvr_options_set_utf8":             "enum csvr_status (struct csvr_options *, bool)",
	"csvr_options_set_read_ahead":       "enum csvr_status (struct csvr_options *, bool)",
	"csvr_options_set_trim":             "enum csvr_status (struct csvr_options *, csvr_trim)",
	"csvr_options_set_decompress":       "enum csvr_status (struct csvr_options *, csvr_decompress)",
	"csvr_options_set_threads":          "enum csvr_status (struct csvr_options *, size_t)",
	"csvr_options_set_max_record_bytes": "enum csvr_status (struct csvr_options *, uint64_t)",
	"csvr_options_set_columns":          "enum csvr_status (struct csvr_options *, const size_t *, size_t)",
	"csvr_reader_open":                  "enum csvr_status (const char *, const struct csvr_options *, struct csvr_reader **)",
	"csvr_reader_from_bytes":            "enum csvr_status (const uint8_t *, size_t, const struct csvr_options *, struct csvr_reader **)",
	"csvr_reader_header_count":          "enum csvr_status (const struct csvr_reader *, size_t *)",
	"csvr_reader_header":                "enum csvr_status (const struct csvr_reader *, size_t, const uint8_t **, size_t *)",
	"csvr_reader_next_batch":            "enum csvr_status (struct csvr_reader *, size_t, struct csvr_batch *)",
	"csvr_reader_count":                 "enum csvr_status (struct csvr_reader *, uint64_t *)",
	"csvr_reader_free":                  "void (struct csvr_reader *)",
	"csvr_count_path":                   "enum csvr_status (const char *, const struct csvr_options *, uint64_t *)",
	"csvr_count_bytes":                  "enum csvr_status (const uint8_t *, size_t, const struct csvr_options *, uint64_t *)",
}

// boundStructs are the members of the C structs whose fields the binding reads.
var boundStructs = map[string]string{
	"csvr_batch": "const uint8_t *data; size_t len; const size_t *field_ends; const size_t *record_ends; " +
		"const struct csvr_position *positions; size_t records; bool framed;",
	"csvr_position": "uint64_t line; uint64_t byte; uint64_t record;",
}

var (
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	lineComment  = regexp.MustCompile(`//[^\n]*`)
	space        = regexp.MustCompile(`\s+`)
	aroundStar   = regexp.MustCompile(`\s*\*\s*`)
	// A declaration: return type, name, parameters, ';' (function pointer typedefs,
	// "(*name)(...)", do not match).
	declaration = regexp.MustCompile(`(?m)^([A-Za-z_][\w \t*]*?[\s*])(csvr_\w+)\(([^;{}]*)\);`)
	paramName   = regexp.MustCompile(`^(.*[\s*])[A-Za-z_]\w*$`)
)

func stripComments(s string) string {
	return lineComment.ReplaceAllString(blockComment.ReplaceAllString(s, ""), "")
}

// normType collapses whitespace and writes pointers as "T *", "T **".
func normType(s string) string {
	s = strings.TrimSpace(space.ReplaceAllString(s, " "))
	s = aroundStar.ReplaceAllStringFunc(s, func(m string) string { return strings.TrimSpace(m) })
	s = strings.ReplaceAll(s, "*", "\x00")
	s = regexp.MustCompile("\x00+").ReplaceAllStringFunc(s, func(m string) string {
		return " " + strings.Repeat("*", len(m))
	})
	return strings.TrimSpace(strings.ReplaceAll(s, "* ", "*"))
}

// normSignature normalizes "ret (t1 name1, t2 name2)" to "ret (t1, t2)", names dropped.
func normSignature(ret, params string) string {
	var types []string
	for _, p := range strings.Split(params, ",") {
		p = strings.TrimSpace(space.ReplaceAllString(p, " "))
		// A lone word ("void", "size_t") is a type; otherwise the last word is the name.
		if m := paramName.FindStringSubmatch(p); m != nil && strings.TrimSpace(m[1]) != "" && m[1] != "const " && m[1] != "struct " && m[1] != "enum " {
			p = m[1]
		}
		types = append(types, normType(p))
	}
	return normType(ret) + " (" + strings.Join(types, ", ") + ")"
}

func readHeader(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "include", "csvr.h"))
	if err != nil {
		t.Fatal(err)
	}
	return stripComments(string(b))
}

// calledFunctions lists the csvr_ functions the binding's non-test sources call.
func calledFunctions(t *testing.T) []string {
	t.Helper()
	called := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	headers, _ := filepath.Glob("*.h")
	call := regexp.MustCompile(`\b(csvr_\w+)\s*\(`)
	for _, f := range append(files, headers...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		if strings.HasSuffix(f, ".go") {
			// In Go, only C.csvr_x( calls C; other mentions are in comments.
			for _, m := range regexp.MustCompile(`\bC\.(csvr_\w+)\(`).FindAllStringSubmatch(src, -1) {
				called[m[1]] = true
			}
			continue
		}
		for _, m := range call.FindAllStringSubmatch(stripComments(src), -1) {
			called[m[1]] = true
		}
	}
	var names []string
	for n := range called {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func TestHeaderDrift(t *testing.T) {
	header := readHeader(t)
	declared := map[string]string{}
	for _, m := range declaration.FindAllStringSubmatch(header, -1) {
		declared[m[2]] = normSignature(m[1], m[3])
	}
	if len(declared) < 20 {
		t.Fatalf("found only %d declarations in csvr.h: the parser is broken", len(declared))
	}
	called := calledFunctions(t)
	if len(called) == 0 {
		t.Fatal("found no csvr_ calls in the binding's sources")
	}
	for _, name := range called {
		if _, ok := boundFunctions[name]; !ok {
			t.Errorf("the binding calls %s, which boundFunctions lacks", name)
		}
	}
	for name, sig := range boundFunctions {
		got, ok := declared[name]
		switch {
		case !ok:
			t.Errorf("%s is not declared in csvr.h", name)
		case got != normSignature(strings.SplitN(sig, "(", 2)[0], strings.TrimSuffix(strings.SplitN(sig, "(", 2)[1], ")")):
			t.Errorf("%s: csvr.h declares %q, the binding expects %q", name, got, sig)
		}
	}
	for name, want := range boundStructs {
		m := regexp.MustCompile(`(?s)typedef struct ` + name + ` \{(.*?)\} ` + name + `;`).FindStringSubmatch(header)
		if m == nil {
			t.Errorf("struct %s is not in csvr.h", name)
			continue
		}
		if got := normType(m[1]); got != normType(want) {
			t.Errorf("struct %s: csvr.h has %q, the binding expects %q", name, got, normType(want))
		}
	}
}

// TestHeaderConstants checks the Go constants that mirror C enums and #defines.
func TestHeaderConstants(t *testing.T) {
	header := readHeader(t)
	value := func(name string) (int, bool) {
		m := regexp.MustCompile(`\b` + name + `\s*=\s*(-?\d+)|#define ` + name + `\s+(-?\d+)`).FindStringSubmatch(header)
		if m == nil {
			return 0, false
		}
		v, _ := strconv.Atoi(m[1] + m[2])
		return v, true
	}
	statuses := []csvr.Status{csvr.StatusOK, csvr.StatusDone, csvr.StatusErrNull, csvr.StatusErrInvalid,
		csvr.StatusErrIO, csvr.StatusErrParse, csvr.StatusErrUTF8, csvr.StatusErrPanic}
	if n := len(regexp.MustCompile(`\bCSVR_(OK|DONE|ERR_\w+) = `).FindAllString(header, -1)); n != len(statuses) {
		t.Errorf("csvr.h has %d statuses, the binding %d", n, len(statuses))
	}
	checks := map[string]int{}
	for _, s := range statuses {
		checks[s.String()] = int(s)
	}
	for i, n := range []string{"NONE", "HEADERS", "FIELDS", "ALL"} {
		checks["CSVR_TRIM_"+n] = int([]csvr.Trim{csvr.TrimNone, csvr.TrimHeaders, csvr.TrimFields, csvr.TrimAll}[i])
	}
	for i, n := range []string{"AUTO", "NONE", "GZIP", "ZSTD"} {
		checks["CSVR_DECOMPRESS_"+n] = int([]csvr.Decompress{csvr.DecompressAuto, csvr.DecompressNone,
			csvr.DecompressGzip, csvr.DecompressZstd}[i])
	}
	for name, want := range checks {
		if got, ok := value(name); !ok || got != want {
			t.Errorf("%s: csvr.h says %d (found: %v), the binding %d", name, got, ok, want)
		}
	}
	if s := csvr.Status(42).String(); s != "CSVR_UNKNOWN" {
		t.Errorf("unknown status: %s", s)
	}
}
