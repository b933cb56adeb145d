// test_cpp_header.cpp: csvr.h compiles as C++17 on its own (first include, strict
// warnings), and the C++ wrapper bindings/cpp/csvr.hpp works. Ends with the line
// "N passed, M failed"; exits non-zero if M > 0.

#include <csvr.h>  // first and alone: the C header must stand on its own in C++

#include "csvr.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#ifndef CSVR_ROOT_DIR
#error "compile with -DCSVR_ROOT_DIR='\"/path/to/checkout\"' (the Makefile does)"
#endif

namespace {

int g_passed = 0;
int g_failed = 0;

bool check_at(bool ok, const char* what, int line) {
    if (ok) {
        ++g_passed;
    } else {
        ++g_failed;
        std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, line, what);
    }
    return ok;
}
#define CHECK(cond) check_at((cond), #cond, __LINE__)

// Runs `body`, which must throw csvr::Error with `status`; returns the error (or a
// placeholder) so its details can be checked.
template <typename Body>
csvr::Error expect_error(csvr_status status, Body body, int line) {
    try {
        body();
    } catch (const csvr::Error& e) {
        if (!check_at(e.status() == status, "the expected status", line)) {
            std::fprintf(stderr, "  got %s: %s\n", e.status_name(), e.what());
        }
        return e;
    } catch (const std::exception& e) {
        check_at(false, "a csvr::Error, not another exception", line);
        std::fprintf(stderr, "  got: %s\n", e.what());
        return csvr::Error(CSVR_ERR_PANIC, "wrong exception");
    }
    check_at(false, "an exception", line);
    return csvr::Error(CSVR_ERR_PANIC, "no exception");
}
#define EXPECT_ERROR(status, ...) expect_error((status), [&] { __VA_ARGS__; }, __LINE__)

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// The C API, called directly from C++: the header's types and enums work as C++.
void test_c_header_from_cpp() {
    CHECK(std::strcmp(csvr_version(), "0.2.0") == 0);
    static_assert(CSVR_OK == 0 && CSVR_DONE == 1 && CSVR_ERR_NULL == -1 && CSVR_ERR_PANIC == -6,
                  "status values as documented");
    static_assert(CSVR_TRIM_NONE == 0 && CSVR_TRIM_ALL == 3, "trim values as documented");
    static_assert(std::is_same<csvr_trim, int>::value, "csvr_trim is an int");

    csvr_options* o = csvr_options_new();
    CHECK(o != nullptr);
    CHECK(csvr_options_set_has_header(o, false) == CSVR_OK);
    const char data[] = "x,y\n";
    std::uint64_t n = 0;
    CHECK(csvr_count_bytes(reinterpret_cast<const std::uint8_t*>(data), sizeof data - 1, o, &n) == CSVR_OK);
    CHECK(n == 1);
    csvr_options_free(o);
    CHECK(csvr_count_bytes(nullptr, 3, nullptr, &n) == CSVR_ERR_NULL);
    CHECK(csvr_last_error_message() != nullptr);
}

void test_version() {
    CHECK(csvr::version() == "0.2.0");
    CHECK(std::string(csvr::status_name(CSVR_ERR_UTF8)) == "CSVR_ERR_UTF8");
}

void test_reader_from_bytes() {
    std::string data = "name,note\n\"Smith, J\",\"say \"\"hi\"\"\"\nx,\"a\nb\"\nnul,a";
    data.push_back('\0');
    data += "b\n,\n";
    csvr::Reader reader = csvr::Reader::from_bytes(data);
    data.assign(data.size(), 'Z');  // the reader copied the bytes

    const std::vector<std::string_view> headers = reader.headers();
    CHECK((headers == std::vector<std::string_view>{"name", "note"}));

    CHECK(reader.next());
    csvr::Record record = reader.record();
    CHECK(record.size() == 2);
    CHECK(record[0] == "Smith, J");
    CHECK(record[1] == "say \"hi\"");
    CHECK(record.position().line == 2 && record.position().byte == 10 && record.position().record == 1);
    EXPECT_ERROR(CSVR_ERR_INVALID, (void)record[2]);

    CHECK(reader.next());
    CHECK((reader.record().fields() == std::vector<std::string_view>{"x", "a\nb"}));
    CHECK(reader.next());
    CHECK(reader.record()[1] == std::string_view("a\0b", 3));
    CHECK(reader.next());
    CHECK(reader.record()[0].empty() && reader.record()[1].empty());
    CHECK(!reader.next());
    CHECK(!reader.next());
    EXPECT_ERROR(CSVR_ERR_INVALID, reader.record());
    // The header views outlive the records.
    CHECK(headers[0] == "name");
}

void test_range_for() {
    csvr::Reader reader = csvr::Reader::from_bytes("a,b\n1,2\n\n3,4\n5\n");
    std::vector<std::vector<std::string>> rows;
    for (const csvr::Record& record : reader) {
        std::vector<std::string> row;
        for (std::string_view field : record) {
            row.emplace_back(field);
        }
        rows.push_back(row);
    }
    CHECK((rows == std::vector<std::vector<std::string>>{{"1", "2"}, {"3", "4"}, {"5"}}));
    CHECK(!reader.next());

    // Iteration may stop early; count() then consumes the rest.
    csvr::Reader partial = csvr::Reader::from_bytes("h\n1\n2\n3\n4\n");
    int seen = 0;
    for (const csvr::Record& record : partial) {
        CHECK(record[0] == std::to_string(seen + 1));
        if (++seen == 2) {
            break;
        }
    }
    CHECK(partial.count() == 2);
    CHECK(!partial.next());
    CHECK(partial.count() == 0);
}

void test_options() {
    csvr::Options opts;
    opts.delimiter(';').trim(csvr::Trim::All).comment('#');
    csvr::Reader reader = csvr::Reader::from_bytes(" a ; b \n#skip\n 1 ; 2,3 \n", opts);
    CHECK((reader.headers() == std::vector<std::string_view>{"a", "b"}));
    CHECK(reader.next());
    CHECK((reader.record().fields() == std::vector<std::string_view>{"1", "2,3"}));
    CHECK(!reader.next());

    // A temporary, moved into a variable.
    csvr::Options strict = csvr::Options().flexible(false).threads(2);
    csvr::Error e = EXPECT_ERROR(CSVR_ERR_PARSE, csvr::count_bytes("a,b\n1,2\n3\n", strict));
    CHECK(contains(e.what(), "record"));
    CHECK(e.position().has_value());
    if (e.position()) {
        CHECK(e.position()->line == 3 && e.position()->byte == 8 && e.position()->record == 2);
    }
    CHECK(csvr::count_bytes("a,b\n1,2\n3,4\n", strict) == 2);
    CHECK(csvr::count_bytes("a,b\n1,2\n3,4\n", csvr::Options().has_header(false)) == 3);

    // Setters throw on bytes that can never be valid; a clash is found at use.
    EXPECT_ERROR(CSVR_ERR_INVALID, opts.delimiter('\xff'));
    EXPECT_ERROR(CSVR_ERR_INVALID, opts.threads(100000));
    EXPECT_ERROR(CSVR_ERR_INVALID, opts.trim(static_cast<csvr::Trim>(42)));
    csvr::Options clash;
    clash.quote(',');
    csvr::Error c = EXPECT_ERROR(CSVR_ERR_INVALID, csvr::Reader::from_bytes("a\n", clash));
    CHECK(contains(c.what(), "quote"));
    CHECK(!c.position().has_value());

    // A moved-from Options has no handle: using it is an error, not a crash.
    csvr::Options moved = std::move(opts);
    CHECK(moved.get() != nullptr && opts.get() == nullptr);
    EXPECT_ERROR(CSVR_ERR_NULL, opts.quote('\''));
}

void test_utf8() {
    csvr::Options text = csvr::Options().utf8(true);
    csvr::Reader reader = csvr::Reader::from_bytes("h\nok\nbad\xff\nlast\n", text);
    CHECK(reader.next() && reader.record()[0] == "ok");
    csvr::Error e = EXPECT_ERROR(CSVR_ERR_UTF8, reader.next());
    CHECK(e.position().has_value() && e.position()->line == 3);
    CHECK(reader.next() && reader.record()[0] == "last");  // goes on after the bad record
    CHECK(!reader.next());
}

// Reading ahead on a thread of the reader's own changes no record; a record over the
// limit is an error.
void test_read_ahead_and_record_limit() {
    std::string data = "id,text\n";
    for (int i = 0; i < 2000; i++) {
        data += std::to_string(i) + ",\"a\nb\"\n";
    }
    std::vector<std::vector<std::string>> rows[2];
    for (int ahead = 0; ahead < 2; ahead++) {
        csvr::Reader reader = csvr::Reader::from_bytes(data, csvr::Options().read_ahead(ahead == 1));
        while (reader.next()) {
            std::vector<std::string> row;
            for (std::string_view f : reader.record()) {
                row.emplace_back(f);
            }
            rows[ahead].push_back(std::move(row));
        }
    }
    CHECK(rows[0].size() == 2000 && rows[0] == rows[1]);
    csvr::Reader limited = csvr::Reader::from_bytes("h\nshort\nmuch too long\n",
                                                    csvr::Options().max_record_bytes(8));
    CHECK(limited.next());
    EXPECT_ERROR(CSVR_ERR_PARSE, limited.next());
}

void test_files() {
    const std::string sample = CSVR_ROOT_DIR "/examples/data/sample.csv";
    std::uint64_t want = 0;
    if (std::FILE* f = std::fopen(CSVR_ROOT_DIR "/examples/data/sample.count", "r")) {
        unsigned long long n = 0;
        if (std::fscanf(f, "%llu", &n) == 1) {
            want = n;
        }
        std::fclose(f);
    }
    CHECK(want == 4000);
    CHECK(csvr::count(sample) == want);
    CHECK(csvr::count(sample, csvr::Options().threads(3)) == want);

    csvr::Reader reader = csvr::Reader::open(sample);
    CHECK(reader.headers().size() == 7);
    std::uint64_t records = 0;
    bool all_seven = true;
    for (const csvr::Record& record : reader) {
        all_seven = all_seven && record.size() == 7;
        ++records;
    }
    CHECK(records == want);
    CHECK(all_seven);

    // Move construction and assignment hand the reader over; the moved-from one is empty.
    csvr::Reader a = csvr::Reader::open(sample);
    csvr::Reader b = std::move(a);
    CHECK(a.get() == nullptr && b.get() != nullptr);
    EXPECT_ERROR(CSVR_ERR_NULL, a.next());
    a = std::move(b);
    CHECK(a.next());
    CHECK(a.record()[0] == "1");
    CHECK(a.count() == want - 1);

    csvr::Error missing = EXPECT_ERROR(CSVR_ERR_IO, csvr::Reader::open("/nonexistent/csvr/x.csv"));
    CHECK(missing.os_error() == ENOENT);
    CHECK(contains(missing.what(), "/nonexistent/csvr/x.csv"));
    EXPECT_ERROR(CSVR_ERR_IO, csvr::count("/nonexistent/csvr/x.csv"));
    EXPECT_ERROR(CSVR_ERR_INVALID, csvr::count(""));
}

// A stream buffer whose reads fail after `good` bytes, as a broken device would.
class FailingBuf : public std::streambuf {
public:
    FailingBuf(std::string data, std::size_t good) : data_(std::move(data)), good_(good) {}

protected:
    int_type underflow() override {
        if (at_ >= good_) {
            throw std::runtime_error("device gone");
        }
        ch_ = data_[at_++];
        setg(&ch_, &ch_, &ch_ + 1);
        return traits_type::to_int_type(ch_);
    }

private:
    std::string data_;
    std::size_t good_;
    std::size_t at_ = 0;
    char ch_ = 0;
};

void test_streams_and_fds() {
    std::string data = "id,text\n";
    for (int i = 0; i < 5000; i++) {
        data += std::to_string(i) + (i % 3 == 0 ? ",\"x\ny\"\n" : ",plain\n");
    }
    std::istringstream in(data);
    csvr::Reader reader = csvr::Reader::from_stream(in);
    CHECK(reader.headers().size() == 2 && reader.headers()[1] == "text");
    CHECK(reader.next());
    CHECK(reader.record()[1] == "x\ny");
    CHECK(reader.count() == 4999);
    std::istringstream again(data);
    CHECK(csvr::count_stream(again) == 5000);
    std::istringstream semi("a;b\n1;2\n");
    CHECK(csvr::count_stream(semi, csvr::Options().delimiter(';').has_header(false)) == 2);

    // A stream that goes bad: CSVR_ERR_IO, EIO, and no exception through the C library.
    FailingBuf buf(data, 100);
    std::istream failing(&buf);
    csvr::Error e = EXPECT_ERROR(CSVR_ERR_IO, csvr::count_stream(failing));
    CHECK(e.os_error() == EIO);
    CHECK(contains(e.what(), "read callback failed"));

    // A file descriptor: a pipe, left open.
    int fds[2];
    CHECK(pipe(fds) == 0);
    const char small[] = "h\n1\n2\n";
    CHECK(write(fds[1], small, sizeof small - 1) == static_cast<ssize_t>(sizeof small - 1));
    close(fds[1]);
    {
        csvr::Reader from_pipe = csvr::Reader::from_fd(fds[0]);
        CHECK(from_pipe.next() && from_pipe.record()[0] == "1");
        CHECK(from_pipe.count() == 1);
    }
    CHECK(fcntl(fds[0], F_GETFD) != -1);
    close(fds[0]);
    int file = open(CSVR_ROOT_DIR "/examples/data/sample.csv", O_RDONLY);
    CHECK(file >= 0);
    CHECK(csvr::count_fd(file, csvr::Options().threads(2)) == 4000);
    CHECK(lseek(file, 0, SEEK_SET) == 0);
    CHECK(csvr::count_fd(file) == 4000);
    close(file);
    EXPECT_ERROR(CSVR_ERR_INVALID, csvr::Reader::from_fd(-1));
    EXPECT_ERROR(CSVR_ERR_IO, csvr::count_fd(file));  // closed now
}

// Summaries, folds, splits and range readers (the block of csvr.hpp after Reader).
struct Row {
    std::vector<std::string> fields;
    csvr::Position at;
};

std::vector<Row> rows_of(csvr::Reader& reader) {
    std::vector<Row> rows;
    for (const csvr::Record& record : reader) {
        Row row;
        for (std::string_view field : record) row.fields.emplace_back(field);
        row.at = record.position();
        rows.push_back(std::move(row));
    }
    return rows;
}

bool same_rows(const std::vector<Row>& a, const std::vector<Row>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const csvr::Position &p = a[i].at, &q = b[i].at;
        if (a[i].fields != b[i].fields || p.line != q.line || p.byte != q.byte || p.record != q.record) {
            return false;
        }
    }
    return true;
}

void test_summaries() {
    static_assert(std::is_same<csvr::Range, csvr_range>::value, "csvr::Range is the C struct");
    static_assert(std::is_trivially_copyable<csvr::Summary>::value, "a summary is a plain value");
    const std::string sample = CSVR_ROOT_DIR "/examples/data/sample.csv";
    std::ifstream in(sample, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(data.size() > 1000);
    csvr::Options opts;
    opts.threads(2);
    csvr::Reader whole_reader = csvr::Reader::open(sample, opts);
    const std::vector<std::string_view> headers = whole_reader.headers();
    const std::vector<Row> whole = rows_of(whole_reader);
    CHECK(whole.size() == 4000);

    // Split a file and bytes; the ranges, read in order, are the whole reading.
    for (int from_file = 0; from_file < 2; ++from_file) {
        std::vector<csvr::Range> ranges =
            from_file ? csvr::split(sample, 7, opts) : csvr::split_bytes(data, 7, opts);
        CHECK(!ranges.empty() && ranges.size() <= 7);
        CHECK(ranges.front().first_record == 1 && ranges.back().end == data.size());
        std::vector<Row> read;
        for (const csvr::Range& range : ranges) {
            csvr::Reader part = from_file ? csvr::Reader::open_range(sample, opts, range)
                                          : csvr::Reader::from_bytes_range(data, opts, range);
            CHECK(part.headers() == headers);
            std::vector<Row> rows = rows_of(part);
            CHECK(rows.size() == range.records);
            read.insert(read.end(), rows.begin(), rows.end());
        }
        CHECK(same_rows(read, whole));
        // Without options (the defaults): the same ranges here; count() is the range's rest.
        csvr::Reader last = from_file ? csvr::Reader::open_range(sample, ranges.back())
                                      : csvr::Reader::from_bytes_range(data, ranges.back());
        CHECK(last.next());
        CHECK(last.position().record == ranges.back().first_record);
        CHECK(last.count() == ranges.back().records - 1);
        CHECK(!last.next());
    }
    CHECK(csvr::split(sample, 9000).size() <= 4000);
    CHECK(csvr::split_bytes("a,b\n", 4).empty());

    // Summaries of cuts anywhere, from the file and from the bytes, fold to the count.
    const std::uint64_t size = data.size(), cut = size / 3 + 17;
    std::vector<csvr::Summary> summaries{csvr::summarize(sample, 0, cut, opts),
                                         csvr::summarize_bytes(std::string_view(data).substr(cut, 5), cut, opts),
                                         csvr::summarize(sample, cut + 5, size, opts)};
    csvr::Fold folded = csvr::fold(summaries, opts);
    CHECK(folded.total == 4000);
    CHECK(folded.ranges.size() == 3);
    std::vector<Row> read;
    std::uint64_t records = 0;
    for (const csvr::Range& range : folded.ranges) {
        records += range.records;
        csvr::Reader part = csvr::Reader::open_range(sample, range);
        std::vector<Row> rows = rows_of(part);
        read.insert(read.end(), rows.begin(), rows.end());
    }
    CHECK(records == 4000);
    CHECK(same_rows(read, whole));
    std::vector<csvr::Summary> copied(summaries.size());
    std::memcpy(copied.data(), summaries.data(), summaries.size() * sizeof(csvr::Summary));
    CHECK(csvr::fold(copied).total == 4000);
    csvr::Fold none = csvr::fold({});
    CHECK(none.total == 0 && none.ranges.empty());

    // Failures throw csvr::Error with the library's message.
    csvr::Error e = EXPECT_ERROR(CSVR_ERR_INVALID, csvr::split(sample, 0));
    CHECK(std::strlen(e.what()) > 0);
    EXPECT_ERROR(CSVR_ERR_INVALID, csvr::split_bytes(data, 0));
    EXPECT_ERROR(CSVR_ERR_INVALID, csvr::fold({summaries[1], summaries[0], summaries[2]}));
    EXPECT_ERROR(CSVR_ERR_INVALID, csvr::fold(summaries, csvr::Options().delimiter(';')));
    EXPECT_ERROR(CSVR_ERR_INVALID, csvr::summarize(sample, 0, size + 1));
    EXPECT_ERROR(CSVR_ERR_IO, csvr::summarize(sample + ".missing", 0, 0));
    const csvr::Range outside{size + 1, size + 2, 1, 1, 1};
    EXPECT_ERROR(CSVR_ERR_INVALID, csvr::Reader::open_range(sample, outside));
    EXPECT_ERROR(CSVR_ERR_INVALID, csvr::Reader::from_bytes_range("a\n1\n", outside));

    // A fold fails where counting fails, at the same record.
    const std::string ragged = "a,b\n1,2\n3\n4,5\n";
    csvr::Options strict = csvr::Options().flexible(false);
    csvr::Error counted = EXPECT_ERROR(CSVR_ERR_PARSE, csvr::count_bytes(ragged, strict));
    csvr::Error fold_error = EXPECT_ERROR(
        CSVR_ERR_PARSE, csvr::fold({csvr::summarize_bytes(std::string_view(ragged).substr(0, 9), 0, strict),
                                    csvr::summarize_bytes(std::string_view(ragged).substr(9), 9, strict)},
                                   strict));
    CHECK(counted.position() && fold_error.position());
    if (counted.position() && fold_error.position()) {
        CHECK(fold_error.position()->record == counted.position()->record);
        CHECK(fold_error.position()->byte == counted.position()->byte);
        CHECK(fold_error.position()->line == counted.position()->line);
    }
    EXPECT_ERROR(CSVR_ERR_PARSE, csvr::split_bytes(ragged, 2, strict));
}

// Options::columns, by index and by name, in the fluent style; missing fields.
void test_columns() {
    const std::string data = "id,name,city\n1,Ada,London\n2\n";
    csvr::Options by_index = csvr::Options().columns(std::vector<std::size_t>{2, 0});
    csvr::Options by_name;
    by_name.has_header(true).columns(std::vector<std::string>{"city", "id"});
    for (const csvr::Options* options : {&by_index, &by_name}) {
        csvr::Reader reader = csvr::Reader::from_bytes(data, *options);
        CHECK((reader.headers() == std::vector<std::string_view>{"city", "id"}));
        CHECK(reader.next());
        CHECK((reader.record().fields() == std::vector<std::string_view>{"London", "1"}));
        CHECK(!reader.record().missing(0));
        CHECK(reader.next());
        CHECK((reader.record().fields() == std::vector<std::string_view>{"", "2"}));
        CHECK(reader.record().missing(0) && !reader.record().missing(1));
        CHECK(!reader.next());
        CHECK(csvr::count_bytes(data, *options) == 2);
    }
    csvr::Options unknown = csvr::Options().columns(std::vector<std::string>{"town"});
    csvr::Error e = EXPECT_ERROR(CSVR_ERR_INVALID, csvr::Reader::from_bytes(data, unknown));
    CHECK(contains(e.what(), "\"town\""));
}

// ---- Arrow ----

using Cell = std::optional<std::string>;  // nullopt: a null
using Table = std::vector<std::vector<Cell>>;

// Everything an Arrow stream gives, read through its C callbacks (as a consumer does).
struct Drained {
    std::vector<std::string> names;
    std::string format;  // the columns' ("" without columns)
    Table rows;
    std::size_t batches = 0;
    int error = 0;  // get_next's errno, 0 if the stream ended
    std::string message;
};

Drained drain(ArrowArrayStream* s) {
    Drained d;
    ArrowSchema schema{};
    if (!CHECK(s->get_schema(s, &schema) == 0)) {
        return d;
    }
    CHECK(std::string(schema.format) == "+s");
    for (std::int64_t j = 0; j < schema.n_children; ++j) {
        d.names.emplace_back(schema.children[j]->name);
        d.format = schema.children[j]->format;
    }
    schema.release(&schema);
    const bool views = d.format == "vu" || d.format == "vz";
    const bool large = d.format == "U" || d.format == "Z";
    for (;;) {
        ArrowArray batch{};
        int code = s->get_next(s, &batch);
        if (code != 0) {
            d.error = code;
            const char* m = s->get_last_error(s);
            d.message = m != nullptr ? m : "";
            return d;
        }
        if (batch.release == nullptr) {
            return d;
        }
        ++d.batches;
        CHECK(batch.n_children == static_cast<std::int64_t>(d.names.size()));
        for (std::int64_t i = 0; i < batch.length; ++i) {
            std::vector<Cell> row;
            for (std::int64_t j = 0; j < batch.n_children; ++j) {
                const ArrowArray* c = batch.children[j];
                const auto* validity = static_cast<const std::uint8_t*>(c->buffers[0]);
                if (validity != nullptr && ((validity[i / 8] >> (i % 8)) & 1) == 0) {
                    row.emplace_back(std::nullopt);
                    continue;
                }
                const char* values = static_cast<const char*>(c->buffers[2]);
                if (views) {
                    const char* v = static_cast<const char*>(c->buffers[1]) + 16 * i;
                    std::int32_t len = 0, offset = 0;
                    std::memcpy(&len, v, 4);
                    std::memcpy(&offset, v + 12, 4);
                    row.emplace_back(len <= 12 ? std::string(v + 4, len) : std::string(values + offset, len));
                } else if (large) {
                    const auto* o = static_cast<const std::int64_t*>(c->buffers[1]);
                    row.emplace_back(std::string(values + o[i], static_cast<std::size_t>(o[i + 1] - o[i])));
                } else {
                    const auto* o = static_cast<const std::int32_t*>(c->buffers[1]);
                    row.emplace_back(std::string(values + o[i], static_cast<std::size_t>(o[i + 1] - o[i])));
                }
            }
            d.rows.push_back(std::move(row));
        }
        batch.release(&batch);
    }
}

// The rest of a reader's records as an Arrow stream of `width` columns should hold them: a
// missing field, or one past a short record's end, is a null.
Table table_of(csvr::Reader& reader, std::size_t width) {
    Table rows;
    while (reader.next()) {
        csvr::Record r = reader.record();
        std::vector<Cell> row;
        for (std::size_t j = 0; j < width; ++j) {
            if (j < r.size() && !r.missing(j)) {
                row.emplace_back(std::string(r[j]));
            } else {
                row.emplace_back(std::nullopt);
            }
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

void test_arrow_stream_ownership() {
    static_assert(!std::is_copy_constructible<csvr::ArrowStream>::value, "move-only");
    static_assert(!std::is_copy_assignable<csvr::ArrowStream>::value, "move-only");
    static_assert(std::is_nothrow_move_constructible<csvr::ArrowStream>::value, "noexcept moves");
    static_assert(std::is_nothrow_move_assignable<csvr::ArrowStream>::value, "noexcept moves");

    csvr::ArrowStream empty;
    CHECK(!empty && empty.get()->release == nullptr);
    empty.reset();  // a no-op

    // Released by the destructor, unread (valgrind sees any leak).
    { csvr::ArrowStream unread = csvr::arrow_from_bytes("a,b\n1,2\n"); CHECK(static_cast<bool>(unread)); }

    // Moves hand the stream over; assignment releases what the target held.
    csvr::ArrowStream a = csvr::arrow_from_bytes("a\n1\n");
    csvr::ArrowStream b = std::move(a);
    CHECK(!a && b);
    a = csvr::arrow_from_bytes("x\n2\n3\n");
    b = std::move(a);
    CHECK(!a && b);
    CHECK(drain(b.get()).rows.size() == 2);
    csvr::ArrowStream& same = b;
    b = std::move(same);  // self-assignment keeps it
    CHECK(static_cast<bool>(b));
    b.reset();
    CHECK(!b);

    // release(): the consumer owns the struct, the wrapper nothing.
    csvr::ArrowStream c = csvr::arrow_from_bytes("a\n1\n");
    ArrowArrayStream raw = c.release();
    CHECK(!c && raw.release != nullptr);
    Drained d = drain(&raw);
    CHECK((d.rows == Table{{Cell("1")}}) && d.format == "z");
    raw.release(&raw);
    CHECK(raw.release == nullptr);

    // A consumer that moves the stream out of get() (as Arrow C++'s ImportRecordBatchReader
    // does) leaves the wrapper released; adopting a raw stream marks the raw one released.
    csvr::ArrowStream e = csvr::arrow_from_bytes("a\n1\n");
    ArrowArrayStream taken = *e.get();
    e.get()->release = nullptr;
    CHECK(!e);
    csvr::ArrowStream adopted(&taken);
    CHECK(adopted && taken.release == nullptr);
    CHECK(drain(adopted.get()).rows.size() == 1);
}

void test_arrow_streams() {
    const std::string data = "id,name,city\n1,Ada,London\n2,Linus\n3,\"Grace, Hopper\",\"New\nYork\"\n4,,\n";
    const Table want{{Cell("1"), Cell("Ada"), Cell("London")},
                     {Cell("2"), Cell("Linus"), std::nullopt},
                     {Cell("3"), Cell("Grace, Hopper"), Cell("New\nYork")},
                     {Cell("4"), Cell(""), Cell("")}};
    csvr::ArrowStream s = csvr::arrow_from_bytes(data, csvr::Options().utf8(true).batch_rows(3));
    Drained d = drain(s.get());
    CHECK((d.names == std::vector<std::string>{"id", "name", "city"}));
    CHECK(d.format == "u" && d.batches == 2 && d.error == 0);
    CHECK(d.rows == want);
    d = drain(csvr::arrow_from_bytes(data).get());
    CHECK(d.format == "z" && d.batches == 1 && d.rows == want);

    // A file, and its ranges in order: the same rows as a Reader reads.
    const std::string sample = CSVR_ROOT_DIR "/examples/data/sample.csv";
    csvr::Reader reader = csvr::Reader::open(sample);
    const Table whole = table_of(reader, 7);
    CHECK(whole.size() == 4000);
    d = drain(csvr::arrow_open(sample).get());
    CHECK(d.names.size() == 7 && d.error == 0 && d.rows == whole);
    csvr::Options opts = csvr::Options().read_ahead(true).threads(2).utf8(true).batch_rows(500);
    d = drain(csvr::arrow_open(sample, opts).get());
    CHECK(d.format == "u" && d.batches >= 8 && d.rows == whole);  // 500 rows at most each
    Table read;
    for (const csvr::Range& range : csvr::split(sample, 3, opts)) {
        Drained part = drain(csvr::arrow_open_range(sample, opts, range).get());
        CHECK(part.rows.size() == range.records && part.names == d.names);
        read.insert(read.end(), part.rows.begin(), part.rows.end());
    }
    CHECK(read == whole);
    CHECK(drain(csvr::arrow_open_range(sample, csvr::split(sample, 2).back()).get()).rows.size() ==
          csvr::split(sample, 2).back().records);

    // Bad data fails in get_next, naming the record; truncate_ragged drops the extra fields.
    const std::string wide = "a,b\n1,2\n3,4,5\n";
    d = drain(csvr::arrow_from_bytes(wide).get());
    CHECK(d.error == EINVAL && d.rows.size() == 1);
    CHECK(contains(d.message, "line 3"));
    d = drain(csvr::arrow_from_bytes(wide, csvr::Options().truncate_ragged(true)).get());
    CHECK(d.error == 0 && (d.rows == Table{{Cell("1"), Cell("2")}, {Cell("3"), Cell("4")}}));

    // Opening fails as a Reader's does, throwing csvr::Error.
    csvr::Error e = EXPECT_ERROR(CSVR_ERR_IO, csvr::arrow_open(sample + ".missing"));
    CHECK(e.os_error() == ENOENT);
    EXPECT_ERROR(CSVR_ERR_IO, csvr::arrow_open(sample + ".missing", opts));
    EXPECT_ERROR(CSVR_ERR_INVALID, csvr::arrow_from_bytes(data, csvr::Options().quote(',')));
    EXPECT_ERROR(CSVR_ERR_UTF8, csvr::arrow_from_bytes("\xff\n", csvr::Options().utf8(true)));
    const csvr::Range outside{1u << 30, (1u << 30) + 1, 1, 1, 1};
    EXPECT_ERROR(CSVR_ERR_INVALID, csvr::arrow_open_range(sample, outside));
    // The new setters, on a moved-from Options, report its NULL handle.
    csvr::Options kept = std::move(opts);
    EXPECT_ERROR(CSVR_ERR_NULL, opts.batch_rows(2));
    EXPECT_ERROR(CSVR_ERR_NULL, opts.truncate_ragged(true));
}

void test_reader_arrow_stream() {
    const std::string sample = CSVR_ROOT_DIR "/examples/data/sample.csv";
    csvr::Reader oracle = csvr::Reader::open(sample);
    const Table whole = table_of(oracle, 7);
    const struct {
        csvr::ArrowStrings strings;
        const char* format;
    } layouts[] = {{csvr::ArrowStrings::String, "z"},
                   {csvr::ArrowStrings::LargeString, "Z"},
                   {csvr::ArrowStrings::StringView, "vz"}};
    for (const auto& layout : layouts) {
        for (bool ahead : {false, true}) {
            // A reader that already yielded 10 records streams exactly the rest.
            csvr::Reader reader = csvr::Reader::open(sample, csvr::Options().read_ahead(ahead).batch_rows(1000));
            std::size_t yielded = 0;
            for (const csvr::Record& record : reader) {
                CHECK(record[0] == *whole[yielded][0]);
                if (++yielded == 10) {
                    break;
                }
            }
            csvr::ArrowStream rest = reader.arrow_stream(layout.strings);
            CHECK(!reader.next());
            Drained d = drain(rest.get());
            CHECK(d.format == layout.format && d.names.size() == 7 && d.batches >= 4);
            CHECK(d.rows == Table(whole.begin() + 10, whole.end()));
        }
    }
    // Nothing read: every record. Read to the end: none.
    csvr::Reader fresh = csvr::Reader::open(sample);
    CHECK(drain(fresh.arrow_stream().get()).rows == whole);
    csvr::Reader done = csvr::Reader::open(sample);
    CHECK(done.count() == 4000);
    Drained d = drain(done.arrow_stream().get());
    CHECK(d.rows.empty() && d.names.size() == 7 && d.batches == 0);
    // Without a header the first record left gives the columns.
    csvr::Reader headerless = csvr::Reader::from_bytes("1,2\n3,4\n5\n", csvr::Options().has_header(false));
    CHECK(headerless.next());
    d = drain(headerless.arrow_stream().get());
    CHECK((d.names == std::vector<std::string>{"column_1", "column_2"}));
    CHECK((d.rows == Table{{Cell("3"), Cell("4")}, {Cell("5"), std::nullopt}}));

    // An unknown layout throws, and leaves the reader as it was.
    csvr::Reader bad = csvr::Reader::open(sample);
    CHECK(bad.next());
    csvr::Error e = EXPECT_ERROR(CSVR_ERR_INVALID, bad.arrow_stream(static_cast<csvr::ArrowStrings>(7)));
    CHECK(contains(e.what(), "7"));
    CHECK(bad.next() && bad.record()[0] == *whole[1][0]);
    csvr::Reader moved_from = std::move(bad);
    EXPECT_ERROR(CSVR_ERR_NULL, bad.arrow_stream());
}

}  // namespace

int main() {
    test_c_header_from_cpp();
    test_version();
    test_reader_from_bytes();
    test_range_for();
    test_options();
    test_utf8();
    test_read_ahead_and_record_limit();
    test_files();
    test_streams_and_fds();
    test_summaries();
    test_columns();
    test_arrow_stream_ownership();
    test_arrow_streams();
    test_reader_arrow_stream();
    std::printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed > 0 ? 1 : 0;
}
