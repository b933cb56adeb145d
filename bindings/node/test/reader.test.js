'use strict';
// The Node binding's own behaviour: sources, options, errors, closing, threads, leaks.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const csvr = require('..');

const SAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'data', 'sample.csv');
const SAMPLE_COUNT = Number(fs.readFileSync(SAMPLE.replace(/csv$/, 'count'), 'utf8').trim());

function tmpFile(name, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csvr-node-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function openDescriptors() {
  return fs.readdirSync('/proc/self/fd').length;
}

test('count: paths, Buffers and Uint8Arrays, with and without a header', () => {
  assert.equal(csvr.count(SAMPLE), SAMPLE_COUNT);
  assert.equal(typeof csvr.count(SAMPLE), 'number');
  assert.equal(csvr.count(Buffer.from('a,b\n1,2\n3,4\n')), 2);
  assert.equal(csvr.count(new TextEncoder().encode('a\n1\n'), { hasHeader: false }), 2);
  assert.equal(csvr.count(Buffer.alloc(0)), 0);
  assert.equal(csvr.count(fs.readFileSync(SAMPLE), { threads: 1 }), SAMPLE_COUNT);
});

test('a reader yields string rows, its headers and each row position', () => {
  const r = new csvr.Reader(Buffer.from('id,name\n1,"Ada, L."\n\n2,Bob\n'));
  assert.deepEqual(r.headers, ['id', 'name']);
  assert.equal(r.position, null);
  assert.deepEqual(r.read(), ['1', 'Ada, L.']);
  assert.deepEqual(r.position, { line: 2, byte: 8, record: 1 });
  assert.deepEqual(r.read(), ['2', 'Bob']);
  assert.deepEqual(r.position, { line: 4, byte: 21, record: 2 });
  assert.equal(r.read(), null);
  assert.equal(r.position, null);
  r.close();
});

test('raw rows are Buffers and invalid UTF-8 is then no error', () => {
  const data = Buffer.from([0x61, 0x0a, 0xff, 0x0a]);
  const r = new csvr.Reader(data, { raw: true });
  assert.deepEqual(r.headers, [Buffer.from('a')]);
  assert.deepEqual([...r], [[Buffer.from([0xff])]]);
  r.close();
  const text = new csvr.Reader(data);
  assert.throws(() => [...text], (e) => e.status === csvr.Status.ERR_UTF8 && e.line === 2 && e.record === 1);
  text.close();
});

test('a field holding the batch separators reads back whole', () => {
  const r = new csvr.Reader(Buffer.from('a,b\n"x\x1fy","\x1e"\n'));
  assert.deepEqual([...r], [['x\x1fy', '\x1e']]);
  r.close();
});

test('count() counts the rows not yet read, those of a read batch included', () => {
  const r = new csvr.Reader(SAMPLE);
  r.read();
  r.read();
  assert.equal(r.count(), SAMPLE_COUNT - 2);
  assert.equal(r.read(), null);
  assert.equal(r.count(), 0);
  r.close();
});

test('a missing file is a CsvrError with code ENOENT, as fs says', () => {
  const missing = path.join(os.tmpdir(), 'csvr-no-such-file.csv');
  for (const call of [() => csvr.count(missing), () => new csvr.Reader(missing)]) {
    assert.throws(call, (e) => {
      assert.ok(e instanceof csvr.CsvrError && e instanceof Error);
      assert.equal(e.code, 'ENOENT');
      assert.equal(e.status, csvr.Status.ERR_IO);
      assert.equal(e.errno, os.constants.errno.ENOENT);
      assert.match(e.message, /csvr-no-such-file/);
      return true;
    });
  }
});

test('a ragged record under flexible: false names its position', () => {
  const r = new csvr.Reader(Buffer.from('a,b\n1,2\n3\n'), { flexible: false });
  assert.deepEqual(r.read(), ['1', '2']);
  assert.throws(() => r.read(), (e) => {
    assert.equal(e.status, csvr.Status.ERR_PARSE);
    assert.equal(e.code, 'CSVR_ERR_PARSE');
    assert.deepEqual([e.line, e.byte, e.record], [3, 8, 2]);
    return true;
  });
  r.close();
});

test('bad options are refused before or when they are used', () => {
  const data = Buffer.from('a\n');
  assert.throws(() => csvr.count(data, { delimiter: ';;' }), (e) => e.status === csvr.Status.ERR_INVALID);
  assert.throws(() => csvr.count(data, { delimiter: 'é' }), (e) => e.status === csvr.Status.ERR_INVALID);
  assert.throws(() => csvr.count(data, { delimiter: '"' }), (e) => e.status === csvr.Status.ERR_INVALID);
  assert.throws(() => csvr.count(data, { trim: 'sideways' }), (e) => e.status === csvr.Status.ERR_INVALID);
  assert.throws(() => csvr.count(data, { hasHeader: 'yes' }), TypeError);
  assert.throws(() => csvr.count(data, { threads: -1 }), TypeError);
  assert.throws(() => csvr.count(data, { has_header: false }), /unknown csvr option "has_header"/);
  assert.throws(() => csvr.count(data, { raw: true }), /unknown csvr option "raw"/);
  assert.throws(() => csvr.count(42), TypeError);
  assert.throws(() => new csvr.Reader(null), TypeError);
  assert.equal(csvr.count(Buffer.from('a;b\n1;2\n'), { delimiter: ';', trim: 'all' }), 1);
});

test('a closed reader refuses every use, and closing again does nothing', () => {
  const r = new csvr.Reader(SAMPLE);
  r.close();
  r.close();
  assert.equal(r.closed, true);
  for (const use of [() => r.read(), () => r.count(), () => r.position, () => [...r]]) {
    assert.throws(use, (e) => e.status === csvr.Status.ERR_INVALID && /closed/.test(e.message));
  }
});

test('Symbol.dispose closes the reader', () => {
  const r = new csvr.Reader(SAMPLE);
  r[Symbol.dispose ?? Symbol.for('nodejs.dispose')]();
  assert.equal(r.closed, true);
});

test('10,000 readers opened and closed leak no file descriptor', () => {
  const file = tmpFile('small.csv', 'a,b\n1,2\n');
  const before = openDescriptors();
  for (let i = 0; i < 10000; i++) {
    const r = new csvr.Reader(file);
    r.read();
    r.close();
  }
  assert.equal(openDescriptors(), before);
});

test('a reader the program forgets is freed by the garbage collector', { skip: typeof global.gc !== 'function' && 'needs node --expose-gc' }, async () => {
  const file = tmpFile('forgotten.csv', 'a\n1\n');
  const before = openDescriptors();
  (() => {
    for (let i = 0; i < 100; i++) {
      new csvr.Reader(file).read();
    }
  })();
  for (let i = 0; i < 20 && openDescriptors() > before; i++) {
    global.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(openDescriptors(), before);
});

test('worker threads each read with readers of their own', async () => {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const csvr = require(workerData.module);
    let rows = 0;
    for (let i = 0; i < 5; i++) {
      const r = new csvr.Reader(workerData.file);
      for (const row of r) rows += row.length > 0 ? 1 : 0;
      r.close();
    }
    parentPort.postMessage({ rows, count: csvr.count(workerData.file) });
  `;
  const module = path.join(__dirname, '..');
  const results = await Promise.all(
    Array.from({ length: 4 }, () =>
      new Promise((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { module, file: SAMPLE } });
        w.on('message', resolve);
        w.on('error', reject);
      })
    )
  );
  for (const r of results) {
    assert.deepEqual(r, { rows: 5 * SAMPLE_COUNT, count: SAMPLE_COUNT });
  }
});

test('the ES module gives the same objects', async () => {
  const esm = await import(path.join(__dirname, '..', 'index.mjs'));
  assert.equal(esm.count, csvr.count);
  assert.equal(esm.Reader, csvr.Reader);
  assert.equal(esm.default, csvr);
  assert.match(csvr.version, /^\d+\.\d+\.\d+/);
});
