// The ES module face of csvr: the same objects as require('csvr').
import csvr from './index.js';

export const { count, Reader, CsvrError, Status, version, libraryPath } = csvr;
export default csvr;
