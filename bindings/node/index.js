'use strict';
// csvr for Node.js: exact CSV reading through the csvr C library (loaded with koffi).
//
//   const csvr = require('csvr');
//   csvr.count('data.csv');                       // records after the header, all cores
//   for (const row of new csvr.Reader('data.csv')) { ... }   // row: string[]

const { lib, libraryPath } = require('./lib/native');
const { CsvrError, Status } = require('./lib/errors');
const { Reader, count } = require('./lib/reader');

/** The library's version, e.g. "0.2.0". */
const version = lib.csvr_version();

module.exports = { count, Reader, CsvrError, Status, version, libraryPath };
