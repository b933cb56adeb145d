//! Byte classification: which of 64 bytes are quotes, delimiters and terminators, as
//! bitmasks, with SIMD where the CPU has it (chosen at run time) and a portable loop
//! everywhere else.

use super::scan::FastDialect;

/// Bit i set: byte i of the block is of that class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Masks {
    pub(crate) quotes: u64,
    pub(crate) delims: u64,
    pub(crate) terms: u64,
}

use crate::options::Kernel;

/// How to classify, picked once per scanner from what the CPU supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Classifier {
    /// One byte at a time; every platform (on x86-64 and AArch64 only when forced).
    #[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), allow(dead_code))]
    Portable,
    /// 16 bytes at a time; every x86-64 CPU.
    #[cfg(target_arch = "x86_64")]
    Sse2,
    /// 16 bytes at a time; every AArch64 CPU.
    #[cfg(target_arch = "aarch64")]
    Neon,
    /// 32 bytes at a time, with a carry-less multiply for the quote parity (and POPCNT,
    /// BMI1 and BMI2 for the bit work).
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Classifier {
    /// The classifier a forced [`Kernel`] names, if this CPU runs it.
    pub(crate) fn of_kernel(kernel: Kernel) -> Option<Classifier> {
        Classifier::all_supported()
            .into_iter()
            .find(|c| c.kernel() == kernel)
    }

    /// The kernel this classifier is.
    pub(crate) fn kernel(self) -> Kernel {
        match self {
            Classifier::Portable => Kernel::Portable,
            #[cfg(target_arch = "x86_64")]
            Classifier::Sse2 => Kernel::Sse2,
            #[cfg(target_arch = "x86_64")]
            Classifier::Avx2 => Kernel::Avx2,
            #[cfg(target_arch = "aarch64")]
            Classifier::Neon => Kernel::Neon,
        }
    }

    /// The fastest classifier this CPU runs.
    pub(crate) fn detect() -> Classifier {
        #[cfg(target_arch = "x86_64")]
        {
            // Every CPU with AVX2 has the others; asking costs nothing and keeps the
            // promise `Scanner::feed_avx2` relies on.
            if std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("pclmulqdq")
                && std::is_x86_feature_detected!("popcnt")
                && std::is_x86_feature_detected!("bmi1")
                && std::is_x86_feature_detected!("bmi2")
            {
                return Classifier::Avx2;
            }
            Classifier::Sse2
        }
        #[cfg(target_arch = "aarch64")]
        {
            if std::arch::is_aarch64_feature_detected!("neon") {
                return Classifier::Neon;
            }
            Classifier::Portable
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        Classifier::Portable
    }

    /// Every classifier this CPU runs, for tests that hold them to the same answers, the
    /// portable one first.
    pub(crate) fn all_supported() -> Vec<Classifier> {
        let mut all = vec![Classifier::Portable];
        #[cfg(target_arch = "aarch64")]
        if Classifier::detect() == Classifier::Neon {
            all.push(Classifier::Neon);
        }
        #[cfg(target_arch = "x86_64")]
        {
            all.push(Classifier::Sse2);
            if Classifier::detect() == Classifier::Avx2 {
                all.push(Classifier::Avx2);
            }
        }
        all
    }
}

/// Classifies one block of 64 bytes (the scanner's hot loop calls the variants directly,
/// so that they inline into a loop compiled for the same CPU features).
#[cfg(test)]
pub(crate) fn classify(classifier: Classifier, block: &[u8; 64], d: &FastDialect) -> Masks {
    match classifier {
        Classifier::Portable => portable(block, d),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of the x86-64 baseline.
        Classifier::Sse2 => unsafe { x86::sse2(block, d) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Classifier::detect` picks Avx2 only when the CPU reports AVX2.
        Classifier::Avx2 => unsafe { x86::avx2(block, d) },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: `Classifier::detect` picks Neon only when the CPU reports NEON.
        Classifier::Neon => unsafe { arm::neon(block, d) },
    }
}

/// All three masks (the scanner asks for them in two steps; tests compare them whole).
#[cfg(test)]
pub(crate) fn portable(block: &[u8; 64], d: &FastDialect) -> Masks {
    let (quotes, terms) = portable_quotes_terms(block, d);
    Masks {
        quotes,
        delims: portable_delims(block, d),
        terms,
    }
}

/// The quote and terminator masks: all a block without quotes needs.
#[inline(always)]
pub(crate) fn portable_quotes_terms(block: &[u8; 64], d: &FastDialect) -> (u64, u64) {
    let quote = d.quote.map_or(u16::MAX, u16::from); // no byte equals u16::MAX
    let (mut quotes, mut terms) = (0, 0);
    for (i, &b) in block.iter().enumerate() {
        quotes |= u64::from(u16::from(b) == quote) << i;
        terms |= u64::from(b == d.terminators[0] || b == d.terminators[1]) << i;
    }
    (quotes, terms)
}

/// The delimiter mask, needed only where a block has quotes to check.
#[inline(always)]
pub(crate) fn portable_delims(block: &[u8; 64], d: &FastDialect) -> u64 {
    let mut delims = 0;
    for (i, &b) in block.iter().enumerate() {
        delims |= u64::from(b == d.delimiter) << i;
    }
    delims
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86 {
    use std::arch::x86_64::*;

    #[cfg(test)]
    use super::Masks;
    use crate::count::scan::FastDialect;

    /// # Safety
    /// The CPU supports SSE2 (always true on x86-64).
    #[cfg(test)]
    #[target_feature(enable = "sse2")]
    pub(crate) unsafe fn sse2(block: &[u8; 64], d: &FastDialect) -> Masks {
        // SAFETY: the caller guarantees SSE2.
        let (quotes, terms) = unsafe { sse2_quotes_terms(block, d) };
        Masks {
            quotes,
            // SAFETY: as above.
            delims: unsafe { sse2_delims(block, d) },
            terms,
        }
    }

    /// # Safety
    /// The CPU supports SSE2.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(crate) unsafe fn sse2_quotes_terms(block: &[u8; 64], d: &FastDialect) -> (u64, u64) {
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        let (t0, t1) = (splat(d.terminators[0]), splat(d.terminators[1]));
        let quote = d.quote.map(splat);
        let (mut quotes, mut terms) = (0, 0);
        for part in 0..4 {
            // SAFETY: `part * 16 + 16 <= 64`, inside the block; loadu takes any alignment.
            let v = unsafe { _mm_loadu_si128(block.as_ptr().add(part * 16).cast()) };
            let bits = |eq: __m128i| (_mm_movemask_epi8(eq) as u32 as u64) << (part * 16);
            if let Some(q) = quote {
                quotes |= bits(_mm_cmpeq_epi8(v, q));
            }
            terms |= bits(_mm_or_si128(_mm_cmpeq_epi8(v, t0), _mm_cmpeq_epi8(v, t1)));
        }
        (quotes, terms)
    }

    /// # Safety
    /// The CPU supports SSE2.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(crate) unsafe fn sse2_delims(block: &[u8; 64], d: &FastDialect) -> u64 {
        let delim = _mm_set1_epi8(d.delimiter as i8);
        let mut delims = 0;
        for part in 0..4 {
            // SAFETY: `part * 16 + 16 <= 64`, inside the block; loadu takes any alignment.
            let v = unsafe { _mm_loadu_si128(block.as_ptr().add(part * 16).cast()) };
            let eq = _mm_cmpeq_epi8(v, delim);
            delims |= (_mm_movemask_epi8(eq) as u32 as u64) << (part * 16);
        }
        delims
    }

    /// # Safety
    /// The CPU supports AVX2.
    #[cfg(test)]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn avx2(block: &[u8; 64], d: &FastDialect) -> Masks {
        // SAFETY: the caller guarantees AVX2.
        let (quotes, terms) = unsafe { avx2_quotes_terms(block, d) };
        Masks {
            quotes,
            // SAFETY: as above.
            delims: unsafe { avx2_delims(block, d) },
            terms,
        }
    }

    /// # Safety
    /// The CPU supports AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn avx2_quotes_terms(block: &[u8; 64], d: &FastDialect) -> (u64, u64) {
        let splat = |b: u8| _mm256_set1_epi8(b as i8);
        let (t0, t1) = (splat(d.terminators[0]), splat(d.terminators[1]));
        let quote = d.quote.map(splat);
        let (mut quotes, mut terms) = (0, 0);
        for part in 0..2 {
            // SAFETY: `part * 32 + 32 <= 64`, inside the block; loadu takes any alignment.
            let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(part * 32).cast()) };
            let bits = |eq: __m256i| (_mm256_movemask_epi8(eq) as u32 as u64) << (part * 32);
            if let Some(q) = quote {
                quotes |= bits(_mm256_cmpeq_epi8(v, q));
            }
            terms |= bits(_mm256_or_si256(
                _mm256_cmpeq_epi8(v, t0),
                _mm256_cmpeq_epi8(v, t1),
            ));
        }
        (quotes, terms)
    }

    /// # Safety
    /// The CPU supports AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn avx2_delims(block: &[u8; 64], d: &FastDialect) -> u64 {
        let delim = _mm256_set1_epi8(d.delimiter as i8);
        let mut delims = 0;
        for part in 0..2 {
            // SAFETY: `part * 32 + 32 <= 64`, inside the block; loadu takes any alignment.
            let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(part * 32).cast()) };
            let eq = _mm256_cmpeq_epi8(v, delim);
            delims |= (_mm256_movemask_epi8(eq) as u32 as u64) << (part * 32);
        }
        delims
    }

    /// Inclusive prefix XOR of `x` in one instruction: a carry-less multiply by all ones.
    ///
    /// # Safety
    /// The CPU supports PCLMULQDQ.
    #[inline]
    #[target_feature(enable = "pclmulqdq")]
    pub(crate) unsafe fn prefix_xor_clmul(x: u64) -> u64 {
        let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, x as i64), _mm_set1_epi8(-1), 0);
        _mm_cvtsi128_si64(product) as u64
    }
}

#[cfg(target_arch = "aarch64")]
pub(crate) mod arm {
    use std::arch::aarch64::*;

    #[cfg(test)]
    use super::Masks;
    use crate::count::scan::FastDialect;

    /// Bit `i` of the result is set when byte `i` of the 64 compared bytes matched (each
    /// lane of `eq` is 0x00 or 0xFF). NEON has no movemask: weigh each lane by its bit
    /// and add neighbours until one byte holds eight lanes (as simdjson does).
    ///
    /// # Safety
    /// The CPU supports NEON.
    #[inline]
    #[target_feature(enable = "neon")]
    unsafe fn bitmask(eq: [uint8x16_t; 4]) -> u64 {
        const WEIGHTS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
        // SAFETY: WEIGHTS holds the 16 bytes the load reads.
        let weights = unsafe { vld1q_u8(WEIGHTS.as_ptr()) };
        let pairs = vpaddq_u8(vandq_u8(eq[0], weights), vandq_u8(eq[1], weights));
        let pairs2 = vpaddq_u8(vandq_u8(eq[2], weights), vandq_u8(eq[3], weights));
        let quads = vpaddq_u8(pairs, pairs2);
        let bytes = vpaddq_u8(quads, quads);
        vgetq_lane_u64::<0>(vreinterpretq_u64_u8(bytes))
    }

    /// The block as four 16-byte vectors.
    ///
    /// # Safety
    /// The CPU supports NEON.
    #[inline]
    #[target_feature(enable = "neon")]
    unsafe fn load(block: &[u8; 64]) -> [uint8x16_t; 4] {
        // SAFETY: each load reads 16 bytes at offsets 0, 16, 32, 48: inside the block.
        unsafe {
            let p = block.as_ptr();
            [
                vld1q_u8(p),
                vld1q_u8(p.add(16)),
                vld1q_u8(p.add(32)),
                vld1q_u8(p.add(48)),
            ]
        }
    }

    /// # Safety
    /// The CPU supports NEON.
    #[inline]
    #[target_feature(enable = "neon")]
    pub(crate) unsafe fn neon_quotes_terms(block: &[u8; 64], d: &FastDialect) -> (u64, u64) {
        // SAFETY: the caller guarantees NEON.
        let v = unsafe { load(block) };
        let (t0, t1) = (vdupq_n_u8(d.terminators[0]), vdupq_n_u8(d.terminators[1]));
        let terms = v.map(|x| vorrq_u8(vceqq_u8(x, t0), vceqq_u8(x, t1)));
        let quotes = match d.quote {
            // SAFETY: the caller guarantees NEON.
            Some(q) => unsafe { bitmask(v.map(|x| vceqq_u8(x, vdupq_n_u8(q)))) },
            None => 0,
        };
        // SAFETY: the caller guarantees NEON.
        let terms = unsafe { bitmask(terms) };
        (quotes, terms)
    }

    /// # Safety
    /// The CPU supports NEON.
    #[inline]
    #[target_feature(enable = "neon")]
    pub(crate) unsafe fn neon_delims(block: &[u8; 64], d: &FastDialect) -> u64 {
        let delim = vdupq_n_u8(d.delimiter);
        // SAFETY: the caller guarantees NEON.
        let v = unsafe { load(block) };
        // SAFETY: as above.
        unsafe { bitmask(v.map(|x| vceqq_u8(x, delim))) }
    }

    /// # Safety
    /// The CPU supports NEON.
    #[cfg(test)]
    #[target_feature(enable = "neon")]
    pub(crate) unsafe fn neon(block: &[u8; 64], d: &FastDialect) -> Masks {
        // SAFETY: the caller guarantees NEON.
        let (quotes, terms) = unsafe { neon_quotes_terms(block, d) };
        Masks {
            quotes,
            // SAFETY: as above.
            delims: unsafe { neon_delims(block, d) },
            terms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the CPU has SIMD, the scanner uses it (the emulated AArch64 run included).
    #[test]
    fn simd_is_picked_where_available() {
        #[cfg(target_arch = "aarch64")]
        assert_eq!(Classifier::detect(), Classifier::Neon);
        #[cfg(target_arch = "x86_64")]
        assert_ne!(Classifier::detect(), Classifier::Portable);
    }

    #[test]
    fn every_classifier_agrees_with_the_portable_one() {
        let dialects = [
            FastDialect {
                delimiter: b',',
                quote: Some(b'"'),
                terminators: [b'\r', b'\n'],
            },
            FastDialect {
                delimiter: 0,
                quote: None,
                terminators: [b';', b';'],
            },
            FastDialect {
                delimiter: 0xFF,
                quote: Some(0x80),
                terminators: [0, 0],
            },
        ];
        let mut block = [0u8; 64];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2000 {
            for b in block.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b = [b',', b'"', b'\r', b'\n', b';', 0, 0xFF, 0x80, b'a'][(seed % 9) as usize];
            }
            for d in &dialects {
                let expected = portable(&block, d);
                for c in Classifier::all_supported() {
                    assert_eq!(classify(c, &block, d), expected, "{c:?}");
                }
            }
        }
    }
}
