package io.csvr;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository is, for tests that read its files. */
final class TestPaths {
    private TestPaths() {
    }

    /**
     * The repository root: the system property {@code csvr.repo} (build.sh sets it), else
     * {@code ../..} from the working directory (i.e. run from {@code bindings/java}).
     *
     * @return the absolute, normalised root
     */
    static Path repo() {
        String p = System.getProperty("csvr.repo");
        Path root = Path.of(p != null ? p : "../..").toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("include/csvr.h"))) {
            throw new IllegalStateException("no csvr repository at " + root + " (set -Dcsvr.repo)");
        }
        return root;
    }
}
