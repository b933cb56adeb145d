// test_cpp_conformance.cpp: the conformance suite (tests/conformance, the csv crate's
// results as JSON) through the C++ wrapper bindings/cpp/csvr.hpp: every case's headers,
// records, positions, first error (a csvr::Error with its status and position) and count.
// Ends with "N passed, M failed"; exits non-zero if M > 0.
#include "csvr.hpp"
#include "json.h"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#ifndef CSVR_ROOT_DIR
#error "compile with -DCSVR_ROOT_DIR='\"/path/to/checkout\"' (the Makefile does)"
#endif

namespace {

int g_passed = 0;
int g_failed = 0;
std::string g_case;

bool check_at(bool ok, const std::string& what, int line) {
    if (ok) {
        ++g_passed;
    } else {
        ++g_failed;
        std::fprintf(stderr, "FAIL %s:%d [%s]: %s\n", __FILE__, line, g_case.c_str(), what.c_str());
    }
    return ok;
}
#define CHECK(cond) check_at((cond), #cond, __LINE__)

// The bytes a JSON field stands for: a string, or {"hex": "..."}.
std::string field(const json_value* f) {
    if (f->kind == JSON_STRING) {
        return std::string(f->string, f->len);
    }
    const json_value* hex = json_get(f, "hex");
    std::string out;
    for (size_t i = 0; i + 1 < hex->len; i += 2) {
        out.push_back(static_cast<char>(std::stoi(std::string(hex->string + i, 2), nullptr, 16)));
    }
    return out;
}

std::vector<std::string> fields(const json_value* list) {
    std::vector<std::string> out;
    for (size_t i = 0; i < list->len; i++) {
        out.push_back(field(list->items[i]));
    }
    return out;
}

csvr::Options options(const json_value* o) {
    csvr::Options opts;
    opts.delimiter(json_get(o, "delimiter")->string[0])
        .quote(json_get(o, "quote")->string[0])
        .has_header(json_get(o, "has_header")->boolean)
        .flexible(json_get(o, "flexible")->boolean)
        .utf8(json_get(o, "utf8")->boolean);
    return opts;
}

void check_error(const csvr::Error& e, const json_value* want) {
    check_at(e.status() == static_cast<csvr_status>(json_get(want, "status")->number),
             std::string("status ") + e.status_name(), __LINE__);
    const std::optional<csvr::Position>& at = e.position();
    if (json_get(want, "line")->kind == JSON_NULL) {
        CHECK(!at.has_value());
        return;
    }
    check_at(at.has_value() && at->line == static_cast<uint64_t>(json_get(want, "line")->number) &&
                 at->byte == static_cast<uint64_t>(json_get(want, "byte")->number) &&
                 at->record == static_cast<uint64_t>(json_get(want, "record")->number),
             std::string("error position: ") + e.what(), __LINE__);
}

std::vector<std::string> strings(const std::vector<std::string_view>& views) {
    return std::vector<std::string>(views.begin(), views.end());
}

void run_case(const std::filesystem::path& json_path) {
    json_value* c = json_load(json_path.c_str());
    if (!check_at(c != nullptr, "cannot parse " + json_path.string(), __LINE__)) {
        return;
    }
    g_case = json_get(c, "name")->string;
    const std::filesystem::path file = std::filesystem::path(CSVR_ROOT_DIR) / json_get(c, "file")->string;
    const json_value *headers = json_get(c, "headers"), *records = json_get(c, "records"),
                     *positions = json_get(c, "positions"), *error = json_get(c, "error");
    csvr::Options opts = options(json_get(c, "options"));
    std::vector<std::vector<std::string>> got;
    std::vector<csvr::Position> at;
    std::optional<csvr::Error> failed;
    try {
        csvr::Reader r = csvr::Reader::open(file, opts);
        if (headers->kind == JSON_NULL) {
            CHECK(r.headers().empty());
        } else {
            CHECK(strings(r.headers()) == fields(headers));
        }
        while (r.next()) {
            got.push_back(strings(r.record().fields()));
            at.push_back(r.position());
        }
    } catch (const csvr::Error& e) {
        failed = e;
    }
    CHECK(got.size() == records->len);
    for (size_t k = 0; k < got.size() && k < records->len; k++) {
        check_at(got[k] == fields(records->items[k]), "record " + std::to_string(k), __LINE__);
        const json_value* p = positions->items[k];
        check_at(at[k].line == static_cast<uint64_t>(p->items[0]->number) &&
                     at[k].byte == static_cast<uint64_t>(p->items[1]->number) &&
                     at[k].record == static_cast<uint64_t>(p->items[2]->number),
                 "position of record " + std::to_string(k), __LINE__);
    }
    if (error->kind == JSON_NULL) {
        check_at(!failed, failed ? failed->what() : "", __LINE__);
    } else if (CHECK(failed.has_value())) {
        check_error(*failed, error);
    }
    const json_value *count = json_get(c, "count"), *count_error = json_get(c, "count_error");
    for (size_t threads : {1, 0}) {
        opts.threads(threads);
        try {
            uint64_t n = csvr::count(file, opts);
            check_at(count_error->kind == JSON_NULL && n == static_cast<uint64_t>(count->number),
                     "count " + std::to_string(n), __LINE__);
        } catch (const csvr::Error& e) {
            if (check_at(count_error->kind != JSON_NULL, e.what(), __LINE__)) {
                check_error(e, count_error);
            }
        }
    }
    json_free(c);
}

}  // namespace

int main() {
    const std::filesystem::path root(CSVR_ROOT_DIR);
    int cases = 0;
    auto run_dir = [&](const std::filesystem::path& dir) {
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            if (entry.path().extension() == ".json") {
                run_case(entry.path());
                cases++;
            }
        }
    };
    run_dir(root / "tests/conformance/expected");
    g_case = "suite";
    CHECK(cases >= 15);
    // The corpus's cases, made by `make conformance-corpus` when the corpus is there.
    if (std::filesystem::is_directory(root / "../shared/corpus")) {
        const int before = cases;
        run_dir(root / "target/conformance/corpus");
        g_case = "suite";
        CHECK(cases > before);
    } else {
        std::printf("note: ../shared/corpus is absent: the corpus cases are skipped\n");
    }
    std::printf("test_cpp_conformance: %d cases\n", cases);
    std::printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
