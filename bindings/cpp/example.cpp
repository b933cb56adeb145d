// csvr-example: the C++ wrapper (csvr.hpp) at work. Prints the header of a CSV file, its
// first three records field by field (each field named by its header), and the total
// number of records.
//
//     $ csvr-example examples/data/sample.csv
//
// Exit status: 0 on success, 1 on a csvr error (its status and message on stderr),
// 2 on bad usage.

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <vector>

#include "csvr.hpp"

namespace {

constexpr std::uint64_t kShown = 3;

// Prints a field as it is: a std::string_view may hold any byte, NUL included.
void print_field(std::string_view field) { std::cout.write(field.data(), static_cast<std::streamsize>(field.size())); }

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: csvr-example FILE\n";
        return 2;
    }
    try {
        csvr::Reader reader = csvr::Reader::open(argv[1]);

        // Header views stay valid as long as the reader.
        const std::vector<std::string_view> headers = reader.headers();
        std::cout << "header (" << headers.size() << " fields):";
        for (std::size_t i = 0; i < headers.size(); ++i) {
            std::cout << (i == 0 ? " " : ", ");
            print_field(headers[i]);
        }
        std::cout << '\n';

        // Range-for reads one record per step; a record's views end at the next step, so
        // anything to keep must be copied (std::string(field)).
        std::uint64_t shown = 0;
        for (const csvr::Record& record : reader) {
            const csvr::Position where = record.position();
            std::cout << "record " << shown + 1 << " (line " << where.line << "):\n";
            std::size_t i = 0;
            for (std::string_view field : record) {
                std::cout << "  ";
                if (i < headers.size()) {
                    print_field(headers[i]);
                } else {
                    std::cout << "field " << i;  // a ragged record longer than the header
                }
                std::cout << " = ";
                print_field(field);
                std::cout << '\n';
                ++i;
            }
            if (++shown == kShown) {
                break;
            }
        }

        // count() consumes the records not read yet, without decoding them.
        const std::uint64_t total = shown + reader.count();
        std::cout << "records: " << total << '\n';
    } catch (const csvr::Error& e) {
        std::cout.flush();
        std::cerr << "csvr-example: error " << e.status_name() << " (" << e.status()
                  << "): " << e.what() << '\n';
        return EXIT_FAILURE;
    }
    return std::cout.flush() ? EXIT_SUCCESS : EXIT_FAILURE;
}
