package io.csvr;

/**
 * Where a record starts, as the C {@code csvr_position} says: blank lines, comment lines
 * and the previous record's terminator are not part of it.
 *
 * @param line       1-based line of the record's first byte (lines end at {@code \n})
 * @param byteOffset 0-based byte offset of that byte in the input
 * @param record     0-based record index; the header is record 0 when there is one
 */
public record Position(long line, long byteOffset, long record) {
}
