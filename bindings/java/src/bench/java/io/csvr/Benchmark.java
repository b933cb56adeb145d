package io.csvr;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads every record of a ~50 MB CSV file (made in /tmp by repeating the records of
 * {@code examples/data/sample.csv}) with csvr, with Apache Commons CSV (Debian's
 * libcommons-csv-java, needed to compile this class), and with {@code BufferedReader} + {@code String.split} (a baseline that is
 * wrong for quoted fields: it splits inside quotes and across embedded newlines).
 *
 * <p>Every reader touches every field (sums their lengths) so that none can skip the
 * decoding. Prints the best of several timed runs after warm-up runs.
 *
 * <p>Usage: {@code ./build.sh bench [sizeMB] [runs]} (defaults 50 and 5).
 */
public final class Benchmark {
    private Benchmark() {
    }

    /** A way of reading the whole file; returns {records, sum of field lengths}. */
    @FunctionalInterface
    private interface Variant {
        long[] run(Path file) throws Exception;
    }

    /**
     * Runs the benchmark.
     *
     * @param args optional size in MB and number of timed runs
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        int sizeMb = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path repo = Path.of(System.getProperty("csvr.repo", "../..")).toAbsolutePath().normalize();
        Path file = makeInput(repo.resolve("examples/data/sample.csv"), sizeMb);
        long bytes = Files.size(file);
        System.out.printf("input: %s, %.1f MB, %d records (csvr %s, %d cores, Java %s)%n", file,
                bytes / 1e6, Csvr.count(file, null), Csvr.version(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

        Map<String, Variant> variants = new LinkedHashMap<>();
        variants.put("csvr Reader (text mode)", f -> csvr(f, Options.defaults()));
        variants.put("csvr Reader (readAhead)", f -> csvr(f, Options.builder().readAhead(true).build()));
        variants.put("csvr Reader (raw, ISO-8859-1)", f -> csvr(f, Options.builder().utf8(false).build()));
        variants.put("csvr Csvr.count (no decoding)", f -> new long[] {Csvr.count(f, null), 0});
        variants.put("Apache Commons CSV 1.9", CommonsCsv::read);
        variants.put("BufferedReader+split (wrong on quotes)", Benchmark::split);

        Map<String, Double> best = new LinkedHashMap<>();
        for (Map.Entry<String, Variant> v : variants.entrySet()) {
            double min = Double.MAX_VALUE;
            long[] result = null;
            for (int i = 0; i < runs + 2; i++) {
                long t0 = System.nanoTime();
                result = v.getValue().run(file);
                double s = (System.nanoTime() - t0) / 1e9;
                if (i >= 2) { // the first two runs warm up the JIT and the page cache
                    min = Math.min(min, s);
                }
            }
            best.put(v.getKey(), min);
            System.out.printf("%-40s %7.3f s %8.1f MB/s  records=%d fieldchars=%d%n", v.getKey(), min,
                    bytes / 1e6 / min, result[0], result[1]);
        }
        double base = best.values().iterator().next();
        System.out.println();
        System.out.println("time relative to csvr Reader (text mode):");
        for (Map.Entry<String, Double> e : best.entrySet()) {
            System.out.printf("%-40s %6.2fx%n", e.getKey(), e.getValue() / base);
        }
    }

    private static Path makeInput(Path sample, int sizeMb) throws IOException {
        Path out = Path.of(System.getProperty("java.io.tmpdir"), "csvr-bench-" + sizeMb + "mb.csv");
        if (Files.isRegularFile(out)) {
            return out;
        }
        byte[] all = Files.readAllBytes(sample);
        int nl = indexOf(all, (byte) '\n');
        byte[] header = Arrays.copyOfRange(all, 0, nl + 1);
        byte[] body = Arrays.copyOfRange(all, nl + 1, all.length);
        Path tmp = Files.createTempFile(out.getParent(), "csvr-bench", ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            os.write(header);
            long target = (long) sizeMb * 1_000_000;
            for (long written = header.length; written < target; written += body.length) {
                os.write(body);
                if (body.length > 0 && body[body.length - 1] != '\n') {
                    os.write('\n');
                }
            }
        }
        return Files.move(tmp, out);
    }

    private static int indexOf(byte[] a, byte b) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        throw new IllegalArgumentException("no newline in the sample");
    }

    private static long[] csvr(Path f, Options o) throws IOException {
        long n = 0;
        long chars = 0;
        try (io.csvr.Reader r = io.csvr.Reader.open(f, o)) {
            for (List<String> row : r) {
                n++;
                for (String s : row) {
                    chars += s.length();
                }
            }
        }
        return new long[] {n, chars};
    }

    private static long[] split(Path f) throws IOException {
        long n = 0;
        long chars = 0;
        try (BufferedReader br = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            br.readLine(); // header
            String line;
            while ((line = br.readLine()) != null) {
                n++;
                for (String s : line.split(",", -1)) {
                    chars += s.length();
                }
            }
        }
        return new long[] {n, chars};
    }

    /** Apache Commons CSV, default format (RFC 4180 with doubled quotes), header skipped. */
    private static final class CommonsCsv {
        static long[] read(Path f) throws IOException {
            long n = 0;
            long chars = 0;
            org.apache.commons.csv.CSVFormat fmt = org.apache.commons.csv.CSVFormat.DEFAULT.builder()
                    .setHeader().setSkipHeaderRecord(true).build();
            try (Reader in = Files.newBufferedReader(f, StandardCharsets.UTF_8);
                 org.apache.commons.csv.CSVParser p = new org.apache.commons.csv.CSVParser(in, fmt)) {
                List<String> row = new ArrayList<>();
                for (org.apache.commons.csv.CSVRecord rec : p) {
                    n++;
                    row.clear();
                    for (String s : rec) {
                        row.add(s);
                        chars += s.length();
                    }
                }
            }
            return new long[] {n, chars};
        }
    }
}
