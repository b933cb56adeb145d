//! Random CSV-ish inputs for the unit tests' property tests: pieces that hold the bytes a
//! scanner or state machine treats specially, concatenated, after an optional BOM.

use proptest::prelude::*;

/// Up to `max` of `pieces` in any order, after a whole BOM, half a BOM or none (half a
/// BOM is text, which must not be taken for one).
pub(crate) fn pieces(
    pieces: &'static [&'static [u8]],
    max: usize,
) -> impl Strategy<Value = Vec<u8>> {
    (
        0u8..4,
        prop::collection::vec(prop::sample::select(pieces), 0..max),
    )
        .prop_map(|(bom, p)| {
            let mut v = match bom {
                0 => b"\xef\xbb\xbf".to_vec(),
                1 => b"\xef\xbb".to_vec(),
                _ => vec![],
            };
            v.extend(p.concat());
            v
        })
}
