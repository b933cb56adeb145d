//! Arbitrary sequences of calls through the exported C functions, with arbitrary indexes
//! and NULL arguments: every call returns a status, nothing crashes, nothing leaks (the
//! fuzzer's LeakSanitizer checks), nothing reads out of bounds (AddressSanitizer).
#![no_main]

use std::ptr;

use csvr::ffi::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&split, rest)) = input.split_first() else {
        return;
    };
    let split = (split as usize).min(rest.len());
    let (script, data) = rest.split_at(rest.len() - split);
    // SAFETY: every pointer handed to the library is NULL (on purpose), or a live local,
    // or a reader/options object it made and that is freed exactly once below.
    unsafe {
        let opts = csvr_options_new();
        let mut readers: Vec<*mut csvr_reader> = vec![];
        let mut ops = script.chunks_exact(2);
        for op in &mut ops {
            let (code, arg) = (op[0], op[1]);
            let r = readers.last().copied().unwrap_or(ptr::null_mut());
            let (mut n, mut size, mut p) = (0u64, 0usize, ptr::null::<u8>());
            let (mut line, mut byte, mut record) = (0u64, 0u64, 0u64);
            let mut batch = std::mem::zeroed::<csvr_batch>();
            match code % 24 {
                0 => {
                    let mut out = ptr::null_mut();
                    if csvr_reader_from_bytes(data.as_ptr(), data.len(), opts, &mut out)
                        == csvr_status::CSVR_OK
                    {
                        readers.push(out);
                    }
                }
                1 => {
                    csvr_reader_next(r);
                }
                2 => {
                    csvr_reader_field_count(r, &mut size);
                }
                3 => {
                    if csvr_reader_field(r, arg as usize, &mut p, &mut size) == csvr_status::CSVR_OK
                        && size > 0
                    {
                        // Touch every byte: AddressSanitizer checks the range is live.
                        std::hint::black_box(
                            std::slice::from_raw_parts(p, size)
                                .iter()
                                .fold(0u8, |a, &b| a.wrapping_add(b)),
                        );
                    }
                }
                4 => {
                    csvr_reader_header_count(r, &mut size);
                }
                5 => {
                    if csvr_reader_header(r, arg as usize, &mut p, &mut size)
                        == csvr_status::CSVR_OK
                        && size > 0
                    {
                        std::hint::black_box(
                            std::slice::from_raw_parts(p, size)
                                .iter()
                                .fold(0u8, |a, &b| a.wrapping_add(b)),
                        );
                    }
                }
                6 => {
                    csvr_reader_position(r, &mut line, &mut byte, &mut record);
                }
                7 => {
                    csvr_reader_count(r, &mut n);
                }
                8 => {
                    if csvr_reader_next_batch(r, arg as usize, &mut batch) == csvr_status::CSVR_OK {
                        let fields = *batch.record_ends.add(batch.records - 1);
                        let end = *batch.field_ends.add(fields - 1);
                        assert!(end <= batch.len);
                        std::hint::black_box(
                            std::slice::from_raw_parts(batch.data, batch.len)
                                .iter()
                                .fold(0u8, |a, &b| a.wrapping_add(b)),
                        );
                        std::hint::black_box((*batch.positions.add(batch.records - 1)).line);
                    }
                }
                9 => {
                    if let Some(r) = readers.pop() {
                        csvr_reader_free(r);
                    }
                }
                10 => {
                    csvr_count_bytes(data.as_ptr(), data.len(), opts, &mut n);
                }
                11 => {
                    csvr_options_set_delimiter(opts, arg);
                }
                12 => {
                    csvr_options_set_quote(opts, arg);
                }
                13 => {
                    csvr_options_set_escape(opts, arg);
                }
                14 => {
                    csvr_options_set_comment(opts, arg);
                }
                15 => {
                    csvr_options_set_terminator(opts, arg);
                }
                16 => {
                    csvr_options_set_trim(opts, arg as i32 - 2);
                }
                17 => {
                    csvr_options_set_flexible(opts, arg & 1 != 0);
                    csvr_options_set_has_header(opts, arg & 2 != 0);
                    csvr_options_set_double_quote(opts, arg & 4 != 0);
                    csvr_options_set_quoting(opts, arg & 8 != 0);
                    csvr_options_set_utf8(opts, arg & 16 != 0);
                    csvr_options_set_read_ahead(opts, arg & 32 != 0);
                }
                18 => {
                    csvr_options_set_threads(opts, arg as usize * 7);
                }
                19 => {
                    csvr_options_set_max_record_bytes(opts, arg as u64);
                }
                20 => {
                    // NULL where a pointer is required: a status, never a crash.
                    csvr_reader_next(ptr::null_mut());
                    csvr_reader_field(r, 0, ptr::null_mut(), &mut size);
                    csvr_reader_position(r, ptr::null_mut(), &mut byte, &mut record);
                    csvr_count_bytes(ptr::null(), 1, opts, &mut n);
                    csvr_reader_next_batch(r, 1, ptr::null_mut());
                }
                21 => {
                    let msg = csvr_last_error_message();
                    if !msg.is_null() {
                        std::hint::black_box(std::ffi::CStr::from_ptr(msg).to_bytes().len());
                    }
                    csvr_last_error_position(&mut line, &mut byte, &mut record);
                    csvr_last_error_os_error();
                }
                22 => {
                    let copy = csvr_options_clone(opts);
                    csvr_options_free(copy);
                }
                _ => {
                    std::hint::black_box(csvr_status_name(arg as i32 - 128));
                }
            }
        }
        for r in readers {
            csvr_reader_free(r);
        }
        csvr_options_free(opts);
    }
});
