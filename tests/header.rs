//! The committed C header must be exactly what cbindgen generates from the source now
//! (build.rs writes the fresh one to OUT_DIR); `make header` fixes a failure here.

#[test]
fn committed_header_is_current() {
    let fresh = include_str!(concat!(env!("OUT_DIR"), "/csvr.h"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/csvr.h");
    let committed = std::fs::read_to_string(path).expect("include/csvr.h exists");
    assert!(
        committed == fresh,
        "include/csvr.h is stale: run `make header` and commit the result"
    );
}

#[test]
fn header_declares_every_function_of_the_contract() {
    let header = include_str!("../include/csvr.h");
    for name in [
        "csvr_version",
        "csvr_last_error_message",
        "csvr_options_new",
        "csvr_options_free",
        "csvr_options_set_delimiter",
        "csvr_options_set_quote",
        "csvr_options_set_has_header",
        "csvr_options_set_flexible",
        "csvr_options_set_threads",
        "csvr_options_set_escape",
        "csvr_options_set_comment",
        "csvr_options_set_double_quote",
        "csvr_options_set_quoting",
        "csvr_options_set_trim",
        "csvr_options_set_terminator",
        "csvr_reader_open",
        "csvr_reader_from_bytes",
        "csvr_reader_next",
        "csvr_reader_field_count",
        "csvr_reader_field",
        "csvr_reader_header_count",
        "csvr_reader_header",
        "csvr_reader_position",
        "csvr_reader_count",
        "csvr_reader_free",
        "csvr_count_path",
        "csvr_count_bytes",
    ] {
        let declared = header
            .match_indices(&format!("{name}("))
            .any(|(at, _)| matches!(header.as_bytes()[at - 1], b' ' | b'*'));
        assert!(declared, "{name} missing");
    }
    for status in [
        "CSVR_OK = 0",
        "CSVR_DONE = 1",
        "CSVR_ERR_NULL = -1",
        "CSVR_ERR_INVALID = -2",
        "CSVR_ERR_IO = -3",
        "CSVR_ERR_PARSE = -4",
        "CSVR_ERR_UTF8 = -5",
        "CSVR_ERR_PANIC = -6",
    ] {
        assert!(header.contains(status), "{status} missing");
    }
}

/// The v0.2 "Inputs" names of the contract (shared/API.md beside the checkout), as written there.
#[test]
fn header_declares_the_inputs_of_v0_2() {
    let header = include_str!("../include/csvr.h");
    assert!(header
        .contains("typedef ptrdiff_t (*csvr_read_fn)(void *user_data, uint8_t *buf, size_t len);"));
    for declaration in [
        "enum csvr_status csvr_reader_from_fd(int fd,",
        "enum csvr_status csvr_reader_from_callback(csvr_read_fn read,",
        "enum csvr_status csvr_count_fd(int fd, const struct csvr_options *opts, uint64_t *out);",
        "enum csvr_status csvr_count_callback(csvr_read_fn read,",
        "enum csvr_status csvr_options_set_decompress(struct csvr_options *opts, csvr_decompress mode);",
        "typedef int csvr_decompress;",
        "#define CSVR_DECOMPRESS_AUTO 0",
        "#define CSVR_DECOMPRESS_NONE 1",
        "#define CSVR_DECOMPRESS_GZIP 2",
        "#define CSVR_DECOMPRESS_ZSTD 3",
    ] {
        assert!(header.contains(declaration), "{declaration} missing");
    }
}

/// The v0.2 "Summaries, ranges" names of the contract (shared/API.md beside the checkout),
/// as include/csvr.h spells them: whole declarations, compared with runs of whitespace
/// made one space (cbindgen wraps long ones over lines).
#[test]
fn header_declares_the_summaries_of_v0_2() {
    let header = include_str!("../include/csvr.h");
    let flat = header.split_whitespace().collect::<Vec<_>>().join(" ");
    for declaration in [
        "#define CSVR_SUMMARY_WORDS 268",
        "typedef struct csvr_summary {",
        "uint64_t words[CSVR_SUMMARY_WORDS]; } csvr_summary;",
        "typedef struct csvr_range {",
        "enum csvr_status csvr_summarize_path(const char *path, const struct csvr_options *opts, \
         uint64_t start, uint64_t end, struct csvr_summary *out);",
        "enum csvr_status csvr_summarize_bytes(const uint8_t *chunk, size_t len, uint64_t offset, \
         const struct csvr_options *opts, struct csvr_summary *out);",
        "enum csvr_status csvr_summaries_fold(const struct csvr_summary *chunks, size_t n, \
         const struct csvr_options *opts, struct csvr_range *ranges, uint64_t *total);",
        "enum csvr_status csvr_split_path(const char *path, const struct csvr_options *opts, \
         size_t n, struct csvr_range *ranges, size_t *out_n);",
        "enum csvr_status csvr_split_bytes(const uint8_t *data, size_t len, \
         const struct csvr_options *opts, size_t n, struct csvr_range *ranges, size_t *out_n);",
        "enum csvr_status csvr_reader_open_range(const char *path, const struct csvr_options *opts, \
         const struct csvr_range *range, struct csvr_reader **out);",
        "enum csvr_status csvr_reader_from_bytes_range(const uint8_t *data, size_t len, \
         const struct csvr_options *opts, const struct csvr_range *range, \
         struct csvr_reader **out);",
    ] {
        assert!(flat.contains(declaration), "{declaration} missing");
    }
    // csvr_range's fields: the contract's names, in its order, all uint64_t.
    let start = header
        .find("typedef struct csvr_range {")
        .expect("csvr_range declared");
    let body = &header[start..];
    let body = &body[..body.find("} csvr_range;").expect("csvr_range ends")];
    let fields: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('*') && !l.starts_with("/*") && l.ends_with(';'))
        .collect();
    assert_eq!(
        fields,
        [
            "uint64_t start;",
            "uint64_t end;",
            "uint64_t records;",
            "uint64_t first_record;",
            "uint64_t first_line;"
        ]
    );
}

/// The column selection of v0.2 ("Summaries, ranges, parallel reading, columns" in
/// shared/API.md), as written there.
#[test]
fn header_declares_the_column_selection_of_v0_2() {
    let header = include_str!("../include/csvr.h");
    for declaration in [
        "enum csvr_status csvr_options_set_columns(struct csvr_options *opts,\n                                          const size_t *indexes,\n                                          size_t n);",
        "enum csvr_status csvr_options_set_column_names(struct csvr_options *opts,\n                                               const char *const *names,\n                                               size_t n);",
        "enum csvr_status csvr_reader_batch_missing(const struct csvr_reader *r, const bool **out);",
    ] {
        assert!(header.contains(declaration), "{declaration} missing");
    }
}
