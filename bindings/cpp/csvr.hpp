// csvr.hpp: a header-only C++17 wrapper over the csvr C API (include/csvr.h).
//
//     csvr::Reader reader = csvr::Reader::open("data.csv");
//     for (std::string_view name : reader.headers()) { ... }
//     for (const csvr::Record& record : reader) {
//         for (std::string_view field : record) { ... }   // valid until the next record
//     }
//     std::uint64_t n = csvr::count("data.csv", csvr::Options().delimiter(';'));
//
//     csvr::ArrowStream batches = csvr::arrow_open("data.csv", csvr::Options().utf8(true));
//     ArrowArrayStream raw = batches.release();   // to any Arrow consumer, which now owns it
//
// What it adds to the C API, and nothing more:
// - ownership: csvr::Options and csvr::Reader free their handle in the destructor and are
//   move-only (the C API has no way to copy either); csvr::ArrowStream releases its Arrow
//   C stream likewise, unless handed over to a consumer first;
// - errors: every failed call throws csvr::Error, which carries the status, the library's
//   message, the position of the record concerned and the OS error code, read at once
//   from the thread-local last error;
// - views: fields and headers are std::string_view over the reader's own bytes, with no
//   copy. A field may hold any byte, NUL included. Record fields are valid until the next
//   call that advances the reader (next(), count(), ++ on an iterator) or its
//   destruction; header fields until its destruction.
//
// Thread safety is the C API's: a Reader may be moved to another thread but not used from
// two at once; an Options may be shared by many threads while none of them changes it.

#ifndef CSVR_HPP
#define CSVR_HPP

#include <csvr.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <iterator>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace csvr {

/// The library's version at run time, e.g. "0.2.0" (the header's is CSVR_VERSION_*).
inline std::string_view version() noexcept { return csvr_version(); }

/// The name of a status as spelled in csvr.h, e.g. "CSVR_ERR_IO" (the library's table).
inline const char* status_name(csvr_status status) noexcept {
    return csvr_status_name(static_cast<int>(status));
}

/// Where a record starts: `line` 1-based, `byte` a 0-based offset, `record` 0-based (the
/// header, when there is one, is record 0).
struct Position {
    std::uint64_t line = 0;
    std::uint64_t byte = 0;
    std::uint64_t record = 0;
};

/// A failed csvr call. what() is the library's message (ending with the position, where
/// there is one: "... at line 3, byte 41, record 2").
class Error : public std::runtime_error {
public:
    Error(csvr_status status, const std::string& message,
          std::optional<Position> position = std::nullopt, std::int32_t os_error = 0)
        : std::runtime_error(message), status_(status), position_(position),
          os_error_(os_error) {}

    /// Builds the error of the csvr call that just returned `status` on this thread, from
    /// the thread-local last error (which the next csvr call may replace).
    static Error last(csvr_status status) {
        const char* message = csvr_last_error_message();
        std::optional<Position> position;
        Position p;
        if (csvr_last_error_position(&p.line, &p.byte, &p.record)) {
            position = p;
        }
        return Error(status, message != nullptr ? message : csvr::status_name(status), position,
                     csvr_last_error_os_error());
    }

    /// The status the call returned (always negative).
    csvr_status status() const noexcept { return status_; }
    /// Its name, e.g. "CSVR_ERR_PARSE".
    const char* status_name() const noexcept { return csvr::status_name(status_); }
    /// The library's message (the same as what()).
    const char* message() const noexcept { return what(); }
    /// The record the failure concerns, if it concerns one.
    const std::optional<Position>& position() const noexcept { return position_; }
    /// The OS error code (errno) behind a CSVR_ERR_IO, else 0.
    std::int32_t os_error() const noexcept { return os_error_; }

private:
    csvr_status status_;
    std::optional<Position> position_;
    std::int32_t os_error_;
};

namespace detail {

/// Throws the last error if `status` is a failure; returns it (CSVR_OK or CSVR_DONE)
/// otherwise.
inline csvr_status check(csvr_status status) {
    if (status < 0) {
        throw Error::last(status);
    }
    return status;
}

inline std::string_view view(const std::uint8_t* data, std::size_t len) noexcept {
    // An empty field's pointer must not be read, so it is not passed on at all.
    return len == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char*>(data), len);
}

/// The csvr_read_fn behind Reader::from_stream and count_stream: `user_data` is the
/// std::istream. It waits for one byte, then takes what the stream has buffered without
/// waiting (so a pipe or a terminal is read as it arrives). Nothing may be thrown through
/// the C library: an exception, or a stream gone bad, is -1 with errno EIO.
inline std::ptrdiff_t read_istream(void* user_data, std::uint8_t* buf, std::size_t len) noexcept {
    auto& in = *static_cast<std::istream*>(user_data);
    char* out = reinterpret_cast<char*>(buf);
    try {
        in.read(out, 1);
        if (in.gcount() == 0) {
            if (in.bad()) {
                errno = EIO;
                return -1;
            }
            return 0;  // the end of the stream
        }
        std::streamsize more = len > 1 ? in.readsome(out + 1, static_cast<std::streamsize>(len - 1)) : 0;
        if (in.bad()) {
            errno = EIO;
            return -1;
        }
        return static_cast<std::ptrdiff_t>(1 + more);
    } catch (...) {
        errno = EIO;
        return -1;
    }
}

}  // namespace detail

/// Which fields have surrounding ASCII whitespace trimmed.
enum class Trim : csvr_trim {
    None = CSVR_TRIM_NONE,
    Headers = CSVR_TRIM_HEADERS,
    Fields = CSVR_TRIM_FIELDS,
    All = CSVR_TRIM_ALL,
};

/// Reading options, defaults as in csvr_options_new. Each setter throws csvr::Error on a
/// value that can never be valid (a non-ASCII byte, ...); a clash between options
/// (delimiter == quote, ...) is reported when they are used, by Reader or count.
///
///     csvr::Options opts;
///     opts.delimiter(';').has_header(false);
///     auto other = csvr::Options().quote('\'').trim(csvr::Trim::All);
class Options {
public:
    Options() : handle_(csvr_options_new()) {
        if (handle_ == nullptr) {
            throw std::bad_alloc();
        }
    }
    ~Options() { csvr_options_free(handle_); }
    Options(Options&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Options& operator=(Options&& other) noexcept {
        if (this != &other) {
            csvr_options_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    Options(const Options&) = delete;
    Options& operator=(const Options&) = delete;

    // Each setter exists for lvalues (returns *this) and for temporaries (returns the
    // temporary, so that `auto o = Options().delimiter(';');` moves it).

    /// The field delimiter (default ',').
    Options& delimiter(char c) & { return set(csvr_options_set_delimiter, byte(c)); }
    Options&& delimiter(char c) && { return std::move(delimiter(c)); }
    /// The quote character (default '"').
    Options& quote(char c) & { return set(csvr_options_set_quote, byte(c)); }
    Options&& quote(char c) && { return std::move(quote(c)); }
    /// The escape character inside quoted fields; '\0' means none (the default).
    Options& escape(char c) & { return set(csvr_options_set_escape, byte(c)); }
    Options&& escape(char c) && { return std::move(escape(c)); }
    /// The comment character; '\0' means none (the default).
    Options& comment(char c) & { return set(csvr_options_set_comment, byte(c)); }
    Options&& comment(char c) && { return std::move(comment(c)); }
    /// The record terminator; '\0' (the default) means any of "\n", "\r\n", "\r".
    Options& terminator(char c) & { return set(csvr_options_set_terminator, byte(c)); }
    Options&& terminator(char c) && { return std::move(terminator(c)); }
    /// Whether the first record is a header (default true).
    Options& has_header(bool yes) & { return set(csvr_options_set_has_header, yes); }
    Options&& has_header(bool yes) && { return std::move(has_header(yes)); }
    /// Whether records may differ in field count (default true).
    Options& flexible(bool yes) & { return set(csvr_options_set_flexible, yes); }
    Options&& flexible(bool yes) && { return std::move(flexible(yes)); }
    /// Whether "" inside quotes is a literal quote (default true).
    Options& double_quote(bool yes) & { return set(csvr_options_set_double_quote, yes); }
    Options&& double_quote(bool yes) && { return std::move(double_quote(yes)); }
    /// Whether quotes are special at all (default true).
    Options& quoting(bool yes) & { return set(csvr_options_set_quoting, yes); }
    Options&& quoting(bool yes) && { return std::move(quoting(yes)); }
    /// Which fields are trimmed (default Trim::None).
    Options& trim(Trim t) & { return set(csvr_options_set_trim, static_cast<csvr_trim>(t)); }
    Options&& trim(Trim t) && { return std::move(trim(t)); }
    /// Threads for counting; 0 (the default) means all cores.
    Options& threads(std::size_t n) & { return set(csvr_options_set_threads, n); }
    Options&& threads(std::size_t n) && { return std::move(threads(n)); }
    /// Text mode: records must be UTF-8, or reading throws CSVR_ERR_UTF8 (default false).
    Options& utf8(bool yes) & { return set(csvr_options_set_utf8, yes); }
    Options&& utf8(bool yes) && { return std::move(utf8(yes)); }
    /// The longest record a reader accepts, in bytes; 0 means no limit (default 16 MiB).
    Options& max_record_bytes(std::uint64_t n) & { return set(csvr_options_set_max_record_bytes, n); }
    Options&& max_record_bytes(std::uint64_t n) && { return std::move(max_record_bytes(n)); }
    /// Parse one batch ahead on a thread of the reader's own (files and bytes; default false).
    Options& read_ahead(bool yes) & { return set(csvr_options_set_read_ahead, yes); }
    Options&& read_ahead(bool yes) && { return std::move(read_ahead(yes)); }
    /// Read only these fields, by 0-based index, in this order (an index may repeat); a
    /// selected field past the end of a short record reads as empty (Record::missing says
    /// which). Headers hold the selected fields too; counting ignores the selection. An
    /// empty list selects every field (the default); replaces a selection by name.
    Options& columns(const std::vector<std::size_t>& indexes) & {
        detail::check(csvr_options_set_columns(handle_, indexes.data(), indexes.size()));
        return *this;
    }
    Options&& columns(const std::vector<std::size_t>& indexes) && { return std::move(columns(indexes)); }
    /// Read only the fields under these header names (UTF-8; the first field of a name
    /// the header repeats), in this order. Opening a reader throws CSVR_ERR_INVALID for a
    /// name not in the header, or when has_header is off. Otherwise as the index overload.
    Options& columns(const std::vector<std::string>& names) & {
        std::vector<const char*> c_names;
        c_names.reserve(names.size());
        for (const std::string& name : names) {
            c_names.push_back(name.c_str());
        }
        detail::check(csvr_options_set_column_names(handle_, c_names.data(), c_names.size()));
        return *this;
    }
    Options&& columns(const std::vector<std::string>& names) && { return std::move(columns(names)); }
    /// The most rows in one record batch of an Arrow stream; 0 (the default) sizes batches
    /// at about 4 MiB of values. Readers of records ignore it.
    Options& batch_rows(std::size_t rows) & { return set(csvr_options_set_batch_rows, rows); }
    Options&& batch_rows(std::size_t rows) && { return std::move(batch_rows(rows)); }
    /// Whether an Arrow stream drops the fields of a record past its last column (true) or
    /// fails on such a record (false, the default). Readers of records ignore it.
    Options& truncate_ragged(bool yes) & { return set(csvr_options_set_truncate_ragged, yes); }
    Options&& truncate_ragged(bool yes) && { return std::move(truncate_ragged(yes)); }

    /// The C handle, for calling the C API directly; still owned by this object.
    const csvr_options* get() const noexcept { return handle_; }

private:
    static std::uint8_t byte(char c) noexcept { return static_cast<std::uint8_t>(c); }

    template <typename Setter, typename Value>
    Options& set(Setter setter, Value value) {
        // A moved-from Options has a NULL handle: the library reports CSVR_ERR_NULL.
        detail::check(setter(handle_, value));
        return *this;
    }

    csvr_options* handle_;
};

/// How the string columns of an Arrow stream are laid out (csvr_arrow_strings).
enum class ArrowStrings : int {
    /// utf8 / binary ("u" / "z"), 32-bit offsets: what every consumer reads.
    String = CSVR_ARROW_STRING,
    /// large_utf8 / large_binary ("U" / "Z"), 64-bit offsets.
    LargeString = CSVR_ARROW_LARGE_STRING,
    /// utf8_view / binary_view ("vu" / "vz").
    StringView = CSVR_ARROW_STRING_VIEW,
};

/// An Arrow C stream of record batches (the C Stream interface's struct ArrowArrayStream),
/// owned: the destructor releases it, unless it was handed over. Move-only. Made by
/// arrow_open, arrow_from_bytes, arrow_open_range and Reader::arrow_stream; the batches
/// are struct arrays of string columns, as csvr_arrow_open describes.
///
///     csvr::ArrowStream stream = csvr::arrow_open("data.csv", csvr::Options().utf8(true));
///     // Arrow C++ takes the stream over (and releases it when done):
///     ArrowArrayStream raw = stream.release();
///     auto reader = arrow::ImportRecordBatchReader(&raw).ValueOrDie();
///
/// A consumer that moves the stream out of the pointer it is given (as
/// ImportRecordBatchReader does, marking it released) may also be given get(); one that
/// only borrows it (nanoarrow's ArrowArrayStreamGetNext, or the callbacks called by hand)
/// leaves it to this object to release. Batches and schemas got from the stream are the
/// caller's to release, before or after the stream. Thread safety is the C API's: the
/// stream may be moved to another thread, not used from two at once.
class ArrowStream {
public:
    /// A released (empty) stream.
    ArrowStream() noexcept : stream_() {}
    /// Takes over `*raw` (a live stream from any producer) and marks `*raw` released, as
    /// the Arrow specification moves a stream.
    explicit ArrowStream(ArrowArrayStream* raw) noexcept : stream_() {
        if (raw != nullptr) {
            stream_ = *raw;
            raw->release = nullptr;
        }
    }
    ~ArrowStream() { reset(); }
    ArrowStream(ArrowStream&& other) noexcept : stream_(other.stream_) { other.stream_.release = nullptr; }
    ArrowStream& operator=(ArrowStream&& other) noexcept {
        if (this != &other) {
            reset();
            stream_ = other.stream_;
            other.stream_.release = nullptr;
        }
        return *this;
    }
    ArrowStream(const ArrowStream&) = delete;
    ArrowStream& operator=(const ArrowStream&) = delete;

    /// The stream, still owned by this object (released by it unless a consumer moves it
    /// out of this pointer, setting its release to NULL).
    ArrowArrayStream* get() noexcept { return &stream_; }
    const ArrowArrayStream* get() const noexcept { return &stream_; }
    /// Hands the stream over: returns it and leaves this object released. The caller (or
    /// the consumer it passes the struct to) must release it.
    ArrowArrayStream release() noexcept {
        ArrowArrayStream out = stream_;
        stream_.release = nullptr;
        return out;
    }
    /// Releases the stream now (a no-op when already released or handed over).
    void reset() noexcept {
        if (stream_.release != nullptr) {
            stream_.release(&stream_);  // sets stream_.release to NULL
            stream_.release = nullptr;
        }
    }
    /// Whether this object holds a live stream.
    explicit operator bool() const noexcept { return stream_.release != nullptr; }

private:
    ArrowArrayStream stream_;
};

/// The current record of a Reader: a view, valid until the reader advances. Fields are
/// fetched from the reader on access, without copying.
class Record {
public:
    /// Iterates over the fields as std::string_view.
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = std::string_view;

        iterator() = default;
        std::string_view operator*() const { return (*record_)[index_]; }
        iterator& operator++() {
            ++index_;
            return *this;
        }
        iterator operator++(int) {
            iterator old = *this;
            ++index_;
            return old;
        }
        bool operator==(const iterator& other) const noexcept { return index_ == other.index_; }
        bool operator!=(const iterator& other) const noexcept { return index_ != other.index_; }

    private:
        friend class Record;
        iterator(const Record* record, std::size_t index) : record_(record), index_(index) {}
        const Record* record_ = nullptr;
        std::size_t index_ = 0;
    };

    /// The number of fields.
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    /// Field `i`; throws csvr::Error (CSVR_ERR_INVALID) if `i` is out of range.
    std::string_view operator[](std::size_t i) const {
        const std::uint8_t* data = nullptr;
        std::size_t len = 0;
        detail::check(csvr_reader_field(reader_, i, &data, &len));
        return detail::view(data, len);
    }
    std::string_view at(std::size_t i) const { return (*this)[i]; }

    /// Whether field `i` is missing: selected by Options::columns past the end of this
    /// (short) record, so that it reads as empty. Throws if `i` is out of range.
    bool missing(std::size_t i) const {
        const std::uint8_t* data = nullptr;
        std::size_t len = 0;
        detail::check(csvr_reader_field(reader_, i, &data, &len));
        return data == nullptr;
    }

    iterator begin() const { return iterator(this, 0); }
    iterator end() const { return iterator(this, size_); }

    /// All fields at once (views, still valid only until the reader advances).
    std::vector<std::string_view> fields() const { return std::vector<std::string_view>(begin(), end()); }

    /// Where this record starts in the input.
    Position position() const {
        Position p;
        detail::check(csvr_reader_position(reader_, &p.line, &p.byte, &p.record));
        return p;
    }

private:
    friend class Reader;
    Record() = default;
    explicit Record(const csvr_reader* reader) : reader_(reader) {
        detail::check(csvr_reader_field_count(reader_, &size_));
    }

    const csvr_reader* reader_ = nullptr;
    std::size_t size_ = 0;
};

/// A streaming CSV reader over a file, bytes, a file descriptor or a std::istream.
/// Move-only; the destructor frees it.
///
///     auto reader = csvr::Reader::open(path, csvr::Options().delimiter(';'));
///     while (reader.next()) {
///         std::string_view first = reader.record()[0];
///     }
class Reader {
public:
    /// Opens the file at `path` (streamed, never held whole in memory). With a header,
    /// the header is read now. Throws csvr::Error (CSVR_ERR_IO with os_error(), ...).
    static Reader open(const std::filesystem::path& path) { return open_with(path, nullptr); }
    static Reader open(const std::filesystem::path& path, const Options& options) {
        return open_with(path, options.get());
    }

    /// Reads `data` in memory; the bytes are copied, so `data` need not outlive the reader.
    static Reader from_bytes(std::string_view data) { return from_bytes_with(data, nullptr); }
    static Reader from_bytes(std::string_view data, const Options& options) {
        return from_bytes_with(data, options.get());
    }

    /// Reads the file descriptor `fd` from its current offset (a file, a pipe, a socket).
    /// `fd` is not closed, by this or by the destructor; it must stay open as long as
    /// the reader. Read on the calling thread only (never read ahead).
    static Reader from_fd(int fd) { return from_fd_with(fd, nullptr); }
    static Reader from_fd(int fd, const Options& options) { return from_fd_with(fd, options.get()); }

    /// Reads `in` through a read callback. `in` must outlive the reader, and is read only
    /// by calls on the reader, on the thread making them; a stream that goes bad (or
    /// throws) makes reading throw csvr::Error with CSVR_ERR_IO.
    static Reader from_stream(std::istream& in) { return from_stream_with(in, nullptr); }
    static Reader from_stream(std::istream& in, const Options& options) {
        return from_stream_with(in, options.get());
    }

    /// Reads one range of the file at `path` or of `data` (a range that split() or fold()
    /// gave for that input with the same options): exactly its records, with the
    /// positions the whole input's reader gives them; the header is the input's, and
    /// count() counts the rest of the range. Defined with the summaries, below.
    static Reader open_range(const std::filesystem::path& path, const csvr_range& range);
    static Reader open_range(const std::filesystem::path& path, const Options& options,
                             const csvr_range& range);
    static Reader from_bytes_range(std::string_view data, const csvr_range& range);
    static Reader from_bytes_range(std::string_view data, const Options& options,
                                   const csvr_range& range);

    ~Reader() { csvr_reader_free(handle_); }
    Reader(Reader&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Reader& operator=(Reader&& other) noexcept {
        if (this != &other) {
            csvr_reader_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    /// The header fields: empty for empty input or when has_header is off. The views are
    /// valid as long as the reader.
    std::vector<std::string_view> headers() const {
        std::size_t n = 0;
        detail::check(csvr_reader_header_count(handle_, &n));
        std::vector<std::string_view> result;
        result.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint8_t* data = nullptr;
            std::size_t len = 0;
            detail::check(csvr_reader_header(handle_, i, &data, &len));
            result.push_back(detail::view(data, len));
        }
        return result;
    }

    /// Advances to the next record: true if there is one (see record()), false at the
    /// end. Throws csvr::Error on a bad record (CSVR_ERR_PARSE, CSVR_ERR_UTF8, ...); the
    /// reader stays usable, and the next call goes on after the bad record.
    bool next() { return detail::check(csvr_reader_next(handle_)) == CSVR_OK; }

    /// The current record; throws csvr::Error (CSVR_ERR_INVALID) if there is none (before
    /// the first next(), after the end or after an error).
    Record record() const { return Record(handle_); }

    /// Where the current record starts.
    Position position() const { return record().position(); }

    /// Counts the records after the current one, consuming them; next() is then false.
    std::uint64_t count() {
        std::uint64_t n = 0;
        detail::check(csvr_reader_count(handle_, &n));
        return n;
    }

    /// The C handle, for calling the C API directly; still owned by this object.
    csvr_reader* get() const noexcept { return handle_; }

    /// Moves the records this reader has not handed out into an Arrow stream (with its
    /// options and header; see arrow_open): after the records a loop over it (or next())
    /// already yielded, exactly the rest. The reader then yields nothing more (next() is
    /// false) and its current record's views end; the stream does not borrow it. Throws
    /// csvr::Error (without a header, as reading the first record of the rest does). (A
    /// batch taken through get() with csvr_reader_next_batch counts as handed out whole:
    /// to stream part of it, call csvr_reader_arrow_stream with its unread count.)
    ///
    ///     for (const csvr::Record& r : reader) { if (r[0] == "data:") break; }
    ///     csvr::ArrowStream rest = reader.arrow_stream();
    ArrowStream arrow_stream(ArrowStrings strings = ArrowStrings::String) {
        // This class yields records one at a time (csvr_reader_next), never as a batch, so
        // no record of a batch is pending: unread is 0 and the stream starts with the
        // record after the current one.
        ArrowArrayStream out{};
        detail::check(csvr_reader_arrow_stream(handle_, 0, static_cast<int>(strings), &out));
        return ArrowStream(&out);
    }

    /// Range-for over the records: `for (const csvr::Record& r : reader)`. Each step calls
    /// next(), so it throws as next() does, and the previous record's views end.
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Record;
        using difference_type = std::ptrdiff_t;
        using pointer = const Record*;
        using reference = const Record&;

        const Record& operator*() const noexcept { return record_; }
        const Record* operator->() const noexcept { return &record_; }
        iterator& operator++() {
            advance();
            return *this;
        }
        /// Compares with end() only: an input iterator is either at a record or done.
        bool operator==(const iterator& other) const noexcept { return reader_ == other.reader_; }
        bool operator!=(const iterator& other) const noexcept { return reader_ != other.reader_; }

    private:
        friend class Reader;
        iterator() = default;  // end()
        explicit iterator(Reader* reader) : reader_(reader) { advance(); }
        void advance() {
            if (reader_->next()) {
                record_ = reader_->record();
            } else {
                reader_ = nullptr;
                record_ = Record();
            }
        }

        Reader* reader_ = nullptr;
        Record record_;
    };

    /// Starts iterating from the next record (iteration consumes the reader).
    iterator begin() { return iterator(this); }
    iterator end() noexcept { return iterator(); }

private:
    explicit Reader(csvr_reader* handle) noexcept : handle_(handle) {}

    static Reader open_with(const std::filesystem::path& path, const csvr_options* options) {
        csvr_reader* handle = nullptr;
        detail::check(csvr_reader_open(path.c_str(), options, &handle));
        return Reader(handle);
    }
    static Reader from_bytes_with(std::string_view data, const csvr_options* options) {
        csvr_reader* handle = nullptr;
        detail::check(csvr_reader_from_bytes(reinterpret_cast<const std::uint8_t*>(data.data()),
                                             data.size(), options, &handle));
        return Reader(handle);
    }
    static Reader from_fd_with(int fd, const csvr_options* options) {
        csvr_reader* handle = nullptr;
        detail::check(csvr_reader_from_fd(fd, options, &handle));
        return Reader(handle);
    }
    static Reader from_stream_with(std::istream& in, const csvr_options* options) {
        csvr_reader* handle = nullptr;
        detail::check(csvr_reader_from_callback(detail::read_istream, &in, options, &handle));
        return Reader(handle);
    }

    csvr_reader* handle_;
};

// ---- Summaries, folds, splits and range readers -------------------------------------
//
//     auto ranges = csvr::split("big.csv", 8, opts);          // record-aligned, in order
//     for (const csvr::Range& range : ranges) {                // each on a thread of its own
//         auto part = csvr::Reader::open_range("big.csv", opts, range);
//         for (const csvr::Record& record : part) { ... }
//     }
//
//     // Or cut anywhere, summarize the chunks anywhere (even in other processes: a
//     // summary is a plain value), and fold them in order:
//     std::vector<csvr::Summary> summaries{csvr::summarize("big.csv", 0, cut, opts),
//                                          csvr::summarize("big.csv", cut, size, opts)};
//     csvr::Fold folded = csvr::fold(summaries, opts);          // folded.total == count

/// A record-aligned piece of an input (the C struct: start, end, records, first_record,
/// first_line), as split() and fold() give it and Reader::open_range reads it.
using Range = csvr_range;

/// What one chunk of an input does, for fold(): a plain value, copied as it is.
using Summary = csvr_summary;

/// What fold() gives: one range per summary (the records after the header that start in
/// that chunk; a chunk without any has an empty range) and the input's record count.
struct Fold {
    std::vector<Range> ranges;
    std::uint64_t total = 0;
};

namespace detail {

inline const std::uint8_t* bytes(std::string_view data) noexcept {
    return reinterpret_cast<const std::uint8_t*>(data.data());
}

inline std::vector<Range> split_path(const std::filesystem::path& path, std::size_t n,
                                     const csvr_options* options) {
    std::vector<Range> ranges(n);
    std::size_t got = 0;
    check(csvr_split_path(path.c_str(), options, n, ranges.data(), &got));
    ranges.resize(got);
    return ranges;
}

inline std::vector<Range> split_bytes(std::string_view data, std::size_t n,
                                      const csvr_options* options) {
    std::vector<Range> ranges(n);
    std::size_t got = 0;
    check(csvr_split_bytes(bytes(data), data.size(), options, n, ranges.data(), &got));
    ranges.resize(got);
    return ranges;
}

inline Summary summarize_path(const std::filesystem::path& path, std::uint64_t start,
                              std::uint64_t end, const csvr_options* options) {
    Summary s;
    check(csvr_summarize_path(path.c_str(), options, start, end, &s));
    return s;
}

inline Summary summarize_bytes(std::string_view chunk, std::uint64_t offset,
                               const csvr_options* options) {
    Summary s;
    check(csvr_summarize_bytes(bytes(chunk), chunk.size(), offset, options, &s));
    return s;
}

inline Fold fold(const std::vector<Summary>& summaries, const csvr_options* options) {
    Fold f;
    f.ranges.resize(summaries.size());
    check(csvr_summaries_fold(summaries.data(), summaries.size(), options, f.ranges.data(),
                              &f.total));
    return f;
}

}  // namespace detail

inline Reader Reader::open_range(const std::filesystem::path& path, const csvr_range& range) {
    csvr_reader* handle = nullptr;
    detail::check(csvr_reader_open_range(path.c_str(), nullptr, &range, &handle));
    return Reader(handle);
}
inline Reader Reader::open_range(const std::filesystem::path& path, const Options& options,
                                 const csvr_range& range) {
    csvr_reader* handle = nullptr;
    detail::check(csvr_reader_open_range(path.c_str(), options.get(), &range, &handle));
    return Reader(handle);
}
inline Reader Reader::from_bytes_range(std::string_view data, const csvr_range& range) {
    csvr_reader* handle = nullptr;
    detail::check(csvr_reader_from_bytes_range(detail::bytes(data), data.size(), nullptr, &range,
                                               &handle));
    return Reader(handle);
}
inline Reader Reader::from_bytes_range(std::string_view data, const Options& options,
                                       const csvr_range& range) {
    csvr_reader* handle = nullptr;
    detail::check(csvr_reader_from_bytes_range(detail::bytes(data), data.size(), options.get(),
                                               &range, &handle));
    return Reader(handle);
}

/// Splits the file at `path` into at most `n` record-aligned ranges of about equal size
/// (fewer when it has fewer records; none when it has none). Throws csvr::Error
/// (CSVR_ERR_INVALID for n == 0, CSVR_ERR_IO, CSVR_ERR_PARSE as count() does).
inline std::vector<Range> split(const std::filesystem::path& path, std::size_t n) {
    return detail::split_path(path, n, nullptr);
}
inline std::vector<Range> split(const std::filesystem::path& path, std::size_t n,
                                const Options& options) {
    return detail::split_path(path, n, options.get());
}

/// Splits `data` as split() splits a file.
inline std::vector<Range> split_bytes(std::string_view data, std::size_t n) {
    return detail::split_bytes(data, n, nullptr);
}
inline std::vector<Range> split_bytes(std::string_view data, std::size_t n, const Options& options) {
    return detail::split_bytes(data, n, options.get());
}

/// Summarizes the bytes [start, end) of the file at `path`.
inline Summary summarize(const std::filesystem::path& path, std::uint64_t start, std::uint64_t end) {
    return detail::summarize_path(path, start, end, nullptr);
}
inline Summary summarize(const std::filesystem::path& path, std::uint64_t start, std::uint64_t end,
                         const Options& options) {
    return detail::summarize_path(path, start, end, options.get());
}

/// Summarizes `chunk`, the bytes of an input from `offset` on.
inline Summary summarize_bytes(std::string_view chunk, std::uint64_t offset) {
    return detail::summarize_bytes(chunk, offset, nullptr);
}
inline Summary summarize_bytes(std::string_view chunk, std::uint64_t offset, const Options& options) {
    return detail::summarize_bytes(chunk, offset, options.get());
}

/// Folds the summaries of consecutive chunks from offset 0 that cover the input, in
/// order, with the options they were made with. Throws csvr::Error: CSVR_ERR_INVALID for
/// summaries that do not fit, CSVR_ERR_PARSE where reading the input fails (with its
/// position).
inline Fold fold(const std::vector<Summary>& summaries) { return detail::fold(summaries, nullptr); }
inline Fold fold(const std::vector<Summary>& summaries, const Options& options) {
    return detail::fold(summaries, options.get());
}

// ---- end of summaries ------------------------------------------------------------------

// ---- Arrow -----------------------------------------------------------------------------

/// The file at `path` as an Arrow stream of record batches (see csvr_arrow_open: one
/// nullable string column per header field, utf8 with Options::utf8, binary otherwise; a
/// field missing from a short record is null). Throws csvr::Error as Reader::open does;
/// errors in the data come from the stream's get_next (EINVAL, with get_last_error).
inline ArrowStream arrow_open(const std::filesystem::path& path) {
    ArrowArrayStream out{};
    detail::check(csvr_arrow_open(path.c_str(), nullptr, &out));
    return ArrowStream(&out);
}
inline ArrowStream arrow_open(const std::filesystem::path& path, const Options& options) {
    ArrowArrayStream out{};
    detail::check(csvr_arrow_open(path.c_str(), options.get(), &out));
    return ArrowStream(&out);
}

/// `data` as an Arrow stream; the bytes are copied, so `data` need not outlive it.
inline ArrowStream arrow_from_bytes(std::string_view data) {
    ArrowArrayStream out{};
    detail::check(csvr_arrow_from_bytes(detail::bytes(data), data.size(), nullptr, &out));
    return ArrowStream(&out);
}
inline ArrowStream arrow_from_bytes(std::string_view data, const Options& options) {
    ArrowArrayStream out{};
    detail::check(csvr_arrow_from_bytes(detail::bytes(data), data.size(), options.get(), &out));
    return ArrowStream(&out);
}

/// One range of the file at `path` (from split() or fold() with the same options) as an
/// Arrow stream: exactly the range's records, the file's header naming the columns.
inline ArrowStream arrow_open_range(const std::filesystem::path& path, const Range& range) {
    ArrowArrayStream out{};
    detail::check(csvr_arrow_open_range(path.c_str(), nullptr, &range, &out));
    return ArrowStream(&out);
}
inline ArrowStream arrow_open_range(const std::filesystem::path& path, const Options& options,
                                    const Range& range) {
    ArrowArrayStream out{};
    detail::check(csvr_arrow_open_range(path.c_str(), options.get(), &range, &out));
    return ArrowStream(&out);
}

// ---- end of Arrow ----------------------------------------------------------------------

/// The number of records in the file at `path` (the header not counted).
inline std::uint64_t count(const std::filesystem::path& path) {
    std::uint64_t n = 0;
    detail::check(csvr_count_path(path.c_str(), nullptr, &n));
    return n;
}
inline std::uint64_t count(const std::filesystem::path& path, const Options& options) {
    std::uint64_t n = 0;
    detail::check(csvr_count_path(path.c_str(), options.get(), &n));
    return n;
}

/// The number of records in `data`.
inline std::uint64_t count_bytes(std::string_view data) {
    std::uint64_t n = 0;
    detail::check(csvr_count_bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size(),
                                   nullptr, &n));
    return n;
}
inline std::uint64_t count_bytes(std::string_view data, const Options& options) {
    std::uint64_t n = 0;
    detail::check(csvr_count_bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size(),
                                   options.get(), &n));
    return n;
}

/// The number of records read from the file descriptor `fd`, from its current offset to
/// its end (the header not counted). `fd` is not closed.
inline std::uint64_t count_fd(int fd) {
    std::uint64_t n = 0;
    detail::check(csvr_count_fd(fd, nullptr, &n));
    return n;
}
inline std::uint64_t count_fd(int fd, const Options& options) {
    std::uint64_t n = 0;
    detail::check(csvr_count_fd(fd, options.get(), &n));
    return n;
}

/// The number of records read from `in` until its end (the header not counted).
inline std::uint64_t count_stream(std::istream& in) {
    std::uint64_t n = 0;
    detail::check(csvr_count_callback(detail::read_istream, &in, nullptr, &n));
    return n;
}
inline std::uint64_t count_stream(std::istream& in, const Options& options) {
    std::uint64_t n = 0;
    detail::check(csvr_count_callback(detail::read_istream, &in, options.get(), &n));
    return n;
}

}  // namespace csvr

#endif  // CSVR_HPP
