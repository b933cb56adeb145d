//! The conformance suite every binding runs (`tests/conformance/`): for each case (a CSV
//! file and its options) the `csv` crate's result as JSON, which the C, C++, Python, Node,
//! Go and Java tests compare field by field with what csvr gives them.
//!
//! This test makes each case's JSON from the `csv` crate (the oracle of `tests/common`,
//! with each record's true start) and fails when a committed file differs from it:
//! `CSVR_UPDATE_CONFORMANCE=1 cargo test --test conformance` rewrites them. It also checks
//! csvr's own Rust reader and count against the same expectations.
//!
//! The JSON of a case, `tests/conformance/expected/NAME.json`:
//! ```text
//! { "name": ..., "file": path from the repository's root,
//!   "options": {"delimiter": ",", "quote": "\"", "has_header": true, "flexible": true,
//!               "utf8": true},            (utf8: text mode; off: raw bytes)
//!   "headers": [fields] or null (no header),
//!   "records": [[fields]...],             (every record before the first error)
//!   "positions": [[line, byte, record]...], (each record's true start)
//!   "error": null or {"status", "name", "line", "byte", "record"},  (reading's first error)
//!   "count": N or null, "count_error": null or an error as above }
//! ```
//! A field is a JSON string when it is UTF-8, else `{"hex": "..."}` (its bytes). A case's
//! `file` is absolute for the corpus cases (see `corpus_expectations_for_the_bindings`).

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{
    corpus_dir, csv_files, csvr_steps, options, oracle_count, oracle_steps, status_of, Dialect,
    Step,
};
use csvr::{ErrorKind, Position, Reader};

/// One case: a file (from the repository's root) read with these options.
struct Case {
    name: &'static str,
    file: &'static str,
    delimiter: u8,
    quote: u8,
    has_header: bool,
    flexible: bool,
    utf8: bool,
}

const fn case(name: &'static str, file: &'static str) -> Case {
    Case {
        name,
        file,
        delimiter: b',',
        quote: b'"',
        has_header: true,
        flexible: true,
        utf8: true,
    }
}

const CASES_DIR: &str = "tests/conformance/cases";

fn cases() -> Vec<Case> {
    let c = |name: &'static str| case(name, leak(format!("{CASES_DIR}/{name}.csv")));
    vec![
        case("sample", "examples/data/sample.csv"),
        c("quoted_newlines"),
        c("doubled_quotes"),
        c("crlf"),
        c("lone_cr"),
        c("blank_lines"),
        c("bom"),
        c("unicode"),
        c("ragged"),
        Case {
            flexible: false,
            ..case("ragged_strict", "tests/conformance/cases/ragged.csv")
        },
        Case {
            name: "invalid_utf8_text",
            ..c("invalid_utf8")
        },
        Case {
            utf8: false,
            ..case(
                "invalid_utf8_raw",
                "tests/conformance/cases/invalid_utf8.csv",
            )
        },
        c("empty"),
        c("header_only"),
        Case {
            has_header: false,
            ..c("no_header")
        },
        Case {
            delimiter: b';',
            quote: b'\'',
            ..c("semicolon")
        },
        c("unterminated"),
    ]
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dialect(c: &Case) -> Dialect {
    Dialect {
        delimiter: c.delimiter,
        quote: c.quote,
        has_header: c.has_header,
        flexible: c.flexible,
        utf8: c.utf8,
        ..Dialect::default()
    }
}

/// Reading's result in the suite's shape: the header, the records before the first error
/// with their positions, and that error.
struct Outcome {
    headers: Option<Vec<Vec<u8>>>,
    records: Vec<(Vec<Vec<u8>>, Position)>,
    error: Option<(ErrorKind, Option<Position>)>,
}

fn outcome((header, steps): (Option<Step>, Vec<Step>)) -> Outcome {
    let mut out = Outcome {
        headers: None,
        records: vec![],
        error: None,
    };
    match header {
        Some(Err(e)) => {
            out.error = Some(e);
            return out;
        }
        Some(Ok((h, _))) => out.headers = Some(h),
        None => {}
    }
    for step in steps {
        match step {
            Ok(r) => out.records.push(r),
            Err(e) => {
                out.error = Some(e);
                break;
            }
        }
    }
    out
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_field(out: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s) => json_string(out, s),
        Err(_) => {
            out.push_str("{\"hex\": \"");
            for b in bytes {
                write!(out, "{b:02x}").unwrap();
            }
            out.push_str("\"}");
        }
    }
}

fn json_fields(out: &mut String, fields: &[Vec<u8>]) {
    out.push('[');
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        json_field(out, f);
    }
    out.push(']');
}

fn json_error(out: &mut String, error: &Option<(ErrorKind, Option<Position>)>) {
    let Some((kind, at)) = error else {
        out.push_str("null");
        return;
    };
    let status = status_of(*kind);
    let name = csvr::ffi::csvr_status_name(status);
    // SAFETY: csvr_status_name returns a static NUL-terminated string.
    let name = unsafe { std::ffi::CStr::from_ptr(name) }.to_str().unwrap();
    write!(out, "{{\"status\": {status}, \"name\": \"{name}\", ").unwrap();
    match at {
        Some(p) => write!(
            out,
            "\"line\": {}, \"byte\": {}, \"record\": {}}}",
            p.line, p.byte, p.record
        )
        .unwrap(),
        None => out.push_str("\"line\": null, \"byte\": null, \"record\": null}"),
    }
}

/// The JSON of case `c`.
fn expected_json(c: &Case) -> String {
    let data = std::fs::read(root().join(c.file)).unwrap();
    let d = dialect(c);
    let read = outcome(oracle_steps(&d, &data, usize::MAX));
    let count = oracle_count(&d, &data);
    let mut out = String::new();
    out.push_str("{\n  \"name\": ");
    json_string(&mut out, c.name);
    out.push_str(",\n  \"file\": ");
    json_string(&mut out, c.file);
    out.push_str(",\n  \"options\": {\"delimiter\": ");
    json_string(&mut out, &(c.delimiter as char).to_string());
    out.push_str(", \"quote\": ");
    json_string(&mut out, &(c.quote as char).to_string());
    write!(
        out,
        ", \"has_header\": {}, \"flexible\": {}, \"utf8\": {}}},\n  \"headers\": ",
        c.has_header, c.flexible, c.utf8
    )
    .unwrap();
    match &read.headers {
        Some(h) => json_fields(&mut out, h),
        None => out.push_str("null"),
    }
    out.push_str(",\n  \"records\": [");
    for (i, (fields, _)) in read.records.iter().enumerate() {
        out.push_str(if i == 0 { "\n    " } else { ",\n    " });
        json_fields(&mut out, fields);
    }
    out.push_str(if read.records.is_empty() {
        "]"
    } else {
        "\n  ]"
    });
    out.push_str(",\n  \"positions\": [");
    for (i, (_, p)) in read.records.iter().enumerate() {
        out.push_str(if i == 0 { "" } else { ", " });
        write!(out, "[{}, {}, {}]", p.line, p.byte, p.record).unwrap();
    }
    out.push_str("],\n  \"error\": ");
    json_error(&mut out, &read.error);
    match &count {
        Ok(n) => write!(out, ",\n  \"count\": {n},\n  \"count_error\": null").unwrap(),
        Err(e) => {
            out.push_str(",\n  \"count\": null,\n  \"count_error\": ");
            json_error(&mut out, &Some(*e));
        }
    }
    out.push_str("\n}\n");
    out
}

fn expected_path(c: &Case) -> PathBuf {
    root()
        .join("tests/conformance/expected")
        .join(format!("{}.json", c.name))
}

#[test]
fn the_committed_expectations_are_the_csv_crates() {
    let update = std::env::var_os("CSVR_UPDATE_CONFORMANCE").is_some();
    let mut stale = vec![];
    for c in cases() {
        let want = expected_json(&c);
        let path = expected_path(&c);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(c.name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale conformance expectations {stale:?}: run \
         CSVR_UPDATE_CONFORMANCE=1 cargo test --test conformance and commit them"
    );
    // Every case file is used, and every expectation belongs to a case.
    let names: Vec<String> = cases().iter().map(|c| c.name.to_string()).collect();
    for entry in std::fs::read_dir(root().join("tests/conformance/expected")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stem = name.strip_suffix(".json").unwrap_or(&name);
        assert!(names.iter().any(|n| n == stem), "{name} is no case's");
    }
    for entry in std::fs::read_dir(root().join(CASES_DIR)).unwrap() {
        let path = entry.unwrap().path();
        let file = Path::new(CASES_DIR).join(path.file_name().unwrap());
        assert!(
            cases().iter().any(|c| Path::new(c.file) == file),
            "{} is no case's file",
            file.display()
        );
    }
}

#[test]
fn csvrs_rust_reader_and_count_give_every_expectation() {
    for c in cases() {
        let data = std::fs::read(root().join(c.file)).unwrap();
        let d = dialect(&c);
        let want = outcome(oracle_steps(&d, &data, usize::MAX));
        let rdr = Reader::from_bytes(data.clone(), &options(&d));
        let got = outcome(csvr_steps(rdr, c.has_header, usize::MAX));
        assert_eq!(got.headers, want.headers, "{}", c.name);
        assert_eq!(got.records, want.records, "{}", c.name);
        assert_eq!(got.error, want.error, "{}", c.name);
        let count = csvr::count_bytes(&data, &options(&d)).map_err(|e| (e.kind(), e.position()));
        assert_eq!(count, oracle_count(&d, &data), "{}", c.name);
    }
}

/// The corpus as cases too, for the bindings' tests: each file read raw with the default
/// options, its expectations written to `target/conformance/corpus/` (made here, never
/// committed: the corpus is not ours). A binding runs them when the corpus exists.
#[test]
fn corpus_expectations_for_the_bindings() {
    let dir = corpus_dir();
    if !dir.is_dir() {
        println!(
            "SKIPPED: corpus conformance cases: {} is absent",
            dir.display()
        );
        return;
    }
    let out = root().join("target/conformance/corpus");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let files = csv_files(&dir);
    assert!(!files.is_empty(), "no CSV file in {}", dir.display());
    for path in files {
        let relative = path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let name = format!(
            "corpus__{}",
            relative.trim_end_matches(".csv").replace('/', "__")
        );
        let c = Case {
            utf8: false,
            ..case(leak(name), leak(path.to_string_lossy().into_owned()))
        };
        std::fs::write(out.join(format!("{}.json", c.name)), expected_json(&c)).unwrap();
    }
}
