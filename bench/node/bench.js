'use strict';
// The Node.js figure: rows per second reading every field of a CSV file, side by side in
// one process, interleaved, median of --runs rounds: csvr's Reader (string and Buffer
// rows, with and without read-ahead), the csv-parse package streaming the file (the most
// used Node CSV parser), and fs.readFileSync + split("\n") as a ceiling (no CSV rules:
// quoted newlines split wrongly, no quotes removed).
//
//   node bench/node/bench.js FILE [--runs N]     (make bench-node: installs csv-parse)

const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('csv-parse');
const csvr = require('../../bindings/node');

const file = process.argv[2];
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
if (!file) {
  console.error('usage: node bench/node/bench.js FILE [--runs N]');
  process.exit(2);
}

/** Every reader returns [rows, fields] having touched every field's length. */
function readCsvr(options) {
  return () => {
    const r = new csvr.Reader(file, options);
    let rows = 0;
    let chars = 0;
    for (const row of r) {
      rows++;
      for (const f of row) chars += f.length;
    }
    r.close();
    return rows + ':' + chars;
  };
}

function readCsvParse() {
  return new Promise((resolve, reject) => {
    let rows = -1; // the header is a row to csv-parse
    let chars = 0;
    fs.createReadStream(file)
      .pipe(parse({ relax_column_count: true, skip_empty_lines: true }))
      .on('data', (row) => {
        if (rows++ >= 0) for (const f of row) chars += f.length;
      })
      .on('end', () => resolve(rows + ':' + chars))
      .on('error', reject);
  });
}

function readSplit() {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].length) rows++;
  }
  return rows + ': (lines, not records)';
}

const readers = {
  'csvr Reader, string rows (read-ahead)': readCsvr({ readAhead: true }),
  'csvr Reader, string rows': readCsvr({}),
  'csvr Reader, Buffer rows (read-ahead)': readCsvr({ raw: true, readAhead: true }),
  'csv-parse, streaming': readCsvParse,
  'ceiling: readFileSync + split("\\n")': readSplit,
};

async function main() {
  const times = Object.fromEntries(Object.keys(readers).map((k) => [k, []]));
  const results = {};
  const names = Object.keys(readers);
  for (let k = 0; k < runs; k++) {
    fs.readFileSync(file); // warm the page cache
    for (const name of [...names.slice(k % names.length), ...names.slice(0, k % names.length)]) {
      const t = process.hrtime.bigint();
      results[name] = await readers[name]();
      times[name].push(Number(process.hrtime.bigint() - t) / 1e9);
    }
  }
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const size = fs.statSync(file).size;
  const base = median(times['csv-parse, streaming']);
  const rows = Number(String(results['csvr Reader, string rows']).split(':')[0]);
  console.log(`# Node.js ${process.version}: ${path.basename(file)}, ${(size / 2 ** 20).toFixed(0)} MiB, ` +
    `${rows} records, median of ${runs}`);
  console.log('| reader | seconds | rows/s | x csv-parse | result (rows:chars) |');
  console.log('|---|---|---|---|---|');
  for (const name of names) {
    const s = median(times[name]);
    console.log(`| ${name} | ${s.toFixed(3)} | ${(rows / s / 1e6).toFixed(2)} M | ${(base / s).toFixed(2)}x | ${results[name]} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
