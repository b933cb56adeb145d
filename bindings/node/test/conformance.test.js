'use strict';
// The conformance suite (tests/conformance: the csv crate's results as JSON) through the
// Node binding: every case's headers, rows, positions, first error and count.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const csvr = require('..');

const ROOT = path.join(__dirname, '..', '..', '..');
const EXPECTED = path.join(ROOT, 'tests', 'conformance', 'expected');
// The corpus's cases, made by `make conformance-corpus` when the corpus is there.
const CORPUS = process.env.CSVR_CORPUS || path.join(ROOT, '..', 'shared', 'corpus');
const CORPUS_EXPECTED = path.join(ROOT, 'target', 'conformance', 'corpus');
const hasCorpus = fs.existsSync(CORPUS);

function load(dir) {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}

const committed = load(EXPECTED);
const corpus = hasCorpus && fs.existsSync(CORPUS_EXPECTED) ? load(CORPUS_EXPECTED) : [];
const cases = [...committed, ...corpus];

/** A JSON field: a string (UTF-8), or {hex} for other bytes; a Buffer in raw mode. */
function field(value, raw) {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.hex, 'hex');
  return raw ? bytes : bytes.toString('utf8');
}

function optionsOf(c) {
  const o = c.options;
  return { delimiter: o.delimiter, quote: o.quote, hasHeader: o.has_header, flexible: o.flexible };
}

function assertError(error, want) {
  assert.ok(error instanceof csvr.CsvrError, String(error));
  assert.equal(error.status, want.status);
  assert.deepEqual([error.line, error.byte, error.record], [want.line, want.byte, want.record]);
}

test('the suite is there', () => {
  assert.ok(committed.length >= 15);
});

test('the corpus cases are there', { skip: !hasCorpus && `${CORPUS} is absent` }, () => {
  assert.ok(corpus.length > 0, 'run `make conformance-corpus` first');
});

for (const c of cases) {
  const file = path.resolve(ROOT, c.file); // relative to the checkout, or absolute
  const raw = !c.options.utf8;

  test(`reading ${c.name}`, () => {
    const reader = new csvr.Reader(file, { ...optionsOf(c), raw });
    try {
      assert.deepEqual(reader.headers, c.headers === null ? null : c.headers.map((f) => field(f, raw)));
      const rows = [];
      const positions = [];
      let error = null;
      try {
        for (const row of reader) {
          rows.push(row);
          const p = reader.position;
          positions.push([p.line, p.byte, p.record]);
        }
      } catch (e) {
        error = e;
      }
      assert.deepEqual(rows, c.records.map((r) => r.map((f) => field(f, raw))));
      assert.deepEqual(positions, c.positions);
      if (c.error === null) {
        assert.equal(error, null);
      } else {
        assertError(error, c.error);
      }
    } finally {
      reader.close();
    }
  });

  test(`counting ${c.name}`, () => {
    for (const threads of [1, 0]) {
      const options = { ...optionsOf(c), threads };
      if (c.count_error === null) {
        assert.equal(csvr.count(file, options), c.count);
        assert.equal(csvr.count(fs.readFileSync(file), options), c.count);
      } else {
        assert.throws(() => csvr.count(file, options), (e) => (assertError(e, c.count_error), true));
      }
    }
  });
}
