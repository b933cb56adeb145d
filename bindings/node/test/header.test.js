'use strict';
// The binding declares every function it calls with the C prototype of include/csvr.h:
// this fails when the header changes one of them (or drops it).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { PROTOTYPES } = require('../lib/native');

const HEADER = path.join(__dirname, '..', '..', '..', 'include', 'csvr.h');

/** A prototype in one spelling: no comments, `struct`/`enum` tags, koffi's `_Out_`, or
 * parameter names; `enum csvr_status` and `csvr_trim` as the `int` they are. */
function normalize(prototype) {
  return prototype
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\benum csvr_status\b/g, 'int')
    .replace(/\bcsvr_trim\b/g, 'int')
    .replace(/\b(struct|enum|_Out_)\s+/g, '')
    .replace(/\s*\*\s*/g, ' * ')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .replace(/ \w+(?=[,)])/g, (m) => (/^ (void)$/.test(m) ? m : ''))
    .trim();
}

/** name -> prototype of every function the header declares. */
function headerPrototypes() {
  const text = fs.readFileSync(HEADER, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const out = {};
  for (const m of text.matchAll(/^[A-Za-z][\w \*]*?\b(csvr_\w+)\(([^)]*)\);/gm)) {
    out[m[1]] = m[0].slice(0, -1);
  }
  return out;
}

test('every function the binding calls has the header prototype', () => {
  const header = headerPrototypes();
  assert.ok(Object.keys(header).length > 25);
  for (const [name, prototype] of Object.entries(PROTOTYPES)) {
    assert.ok(name in header, `${name} is not in csvr.h`);
    assert.equal(normalize(prototype), normalize(header[name]), name);
  }
});

test('the normalization tells a changed signature apart', () => {
  assert.notEqual(
    normalize('int f(csvr_options *opts, uint8_t byte)'),
    normalize('enum csvr_status f(struct csvr_options *opts, uint16_t byte)')
  );
  assert.equal(
    normalize('int f(_Out_ uint64_t *out)'),
    normalize('enum csvr_status f(uint64_t *out)')
  );
});
