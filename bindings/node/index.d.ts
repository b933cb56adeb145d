// Type declarations of csvr for Node.js (CommonJS and ESM).

/** Options in camelCase; each has the meaning of the C option of the same name. */
export interface Options {
  /** Field delimiter, one ASCII character (default ","). */
  delimiter?: string;
  /** Quote character (default '"'). */
  quote?: string;
  /** Escape character, or null for none (the default). */
  escape?: string | null;
  /** Comment character, or null for none (the default). */
  comment?: string | null;
  /** Record terminator, or null for any of \n, \r\n, \r (the default). */
  terminator?: string | null;
  /** The first record is the header (default true). */
  hasHeader?: boolean;
  /** Records may differ in field count (default true); false makes that an error. */
  flexible?: boolean;
  /** "" inside quotes is one quote (default true). */
  doubleQuote?: boolean;
  /** Quotes are special (default true). */
  quoting?: boolean;
  /** Which fields have ASCII whitespace trimmed (default "none"). */
  trim?: 'none' | 'headers' | 'fields' | 'all';
  /** Threads for counting and read-ahead; 0 = all cores (the default). */
  threads?: number;
  /** The longest record, in bytes; null = no limit (default 16 MiB). */
  maxRecordBytes?: number | bigint | null;
  /** Parse ahead on worker threads (default false). */
  readAhead?: boolean;
}

export interface ReaderOptions extends Options {
  /** Rows and headers as Buffers: nothing is decoded or checked as UTF-8. */
  raw?: boolean;
}

/** Where a record starts: 1-based line, 0-based byte offset, 0-based record (header = 0). */
export interface Position {
  line: number;
  byte: number;
  record: number;
}

/** The library's csvr_status values. */
export declare const Status: Readonly<{
  OK: 0;
  DONE: 1;
  ERR_NULL: -1;
  ERR_INVALID: -2;
  ERR_IO: -3;
  ERR_PARSE: -4;
  ERR_UTF8: -5;
  ERR_PANIC: -6;
}>;

/** A failed csvr call. */
export declare class CsvrError extends Error {
  /** The csvr_status (negative). */
  readonly status: number;
  /** Where the record concerned starts, or null. */
  readonly line: number | null;
  readonly byte: number | null;
  readonly record: number | null;
  /** The OS error behind an I/O failure, else 0. */
  readonly errno: number;
  /** "ENOENT" and the like for I/O failures, else the status name ("CSVR_ERR_PARSE"). */
  readonly code: string;
}

/** Counts the records of a file (a path) or of bytes: a number, a bigint past 2^53. */
export declare function count(source: string | Uint8Array, options?: Options): number | bigint;

/** The records of a file or of bytes. */
export declare class Reader<Row extends string[] | Buffer[] = string[]> implements Iterable<Row> {
  constructor(source: string | Uint8Array, options?: ReaderOptions & { raw?: false });
  constructor(source: string | Uint8Array, options: ReaderOptions & { raw: true });
  /** The header's fields, or null with hasHeader: false. */
  readonly headers: Row | null;
  /** Where the last row returned starts, or null. */
  readonly position: Position | null;
  /** Whether close() was called. */
  readonly closed: boolean;
  /** The next row, or null at the end. */
  read(): Row | null;
  [Symbol.iterator](): Iterator<Row>;
  /** Counts (and consumes) the rows not yet returned. */
  count(): number | bigint;
  /** Frees the reader; calling it again does nothing. */
  close(): void;
  [Symbol.dispose](): void;
}

/** The library's version. */
export declare const version: string;
/** The path of the library loaded. */
export declare const libraryPath: string;
