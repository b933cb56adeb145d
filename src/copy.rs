//! Copying short fields with fixed-size moves instead of a `memmove` call per field: most
//! fields are a few bytes, and a call per field was a large part of building a batch.

/// How many bytes the short-field copy moves at once.
pub(crate) const CHUNK: usize = 16;

/// Moves `N` bytes from `src` to `dst`, as one unaligned load and store where it can.
///
/// # Safety
/// `src` is readable and `dst` writable for `N` bytes, and they do not overlap.
#[inline(always)]
unsafe fn move_n<const N: usize>(src: *const u8, dst: *mut u8) {
    // SAFETY: the caller's contract; unaligned accesses need no alignment.
    unsafe {
        dst.cast::<[u8; N]>()
            .write_unaligned(src.cast::<[u8; N]>().read_unaligned())
    }
}

/// Copies the `len` bytes at `src` to `dst`, a short run (most fields are) with one
/// 16-byte move rather than a `memmove` call when `readable` bytes may be read at `src`.
/// It may write up to [`CHUNK`] bytes at `dst`.
///
/// # Safety
/// `readable >= len` bytes are readable at `src`, `max(len, CHUNK)` are writable at `dst`,
/// and the two do not overlap.
#[inline(always)]
pub(crate) unsafe fn copy_field(src: *const u8, len: usize, readable: usize, dst: *mut u8) {
    // SAFETY: the caller's contract; each branch reads at most `readable` bytes (16 past
    // a shorter field only when `readable >= 16`; the overlapping moves stay inside the
    // field) and writes at most `max(len, 16)`.
    unsafe {
        if len <= CHUNK && CHUNK <= readable {
            move_n::<CHUNK>(src, dst);
        } else if (2 * CHUNK + 1..=4 * CHUNK).contains(&len) {
            // Two moves of 32 bytes that overlap cover 33..=64 bytes exactly (a `memmove`
            // call per field of that size was 8% of reading the quoted corpus).
            move_n::<{ 2 * CHUNK }>(src, dst);
            move_n::<{ 2 * CHUNK }>(src.add(len - 2 * CHUNK), dst.add(len - 2 * CHUNK));
        } else if (CHUNK..=2 * CHUNK).contains(&len) {
            // Likewise 16..=32 bytes with two moves of 16.
            move_n::<CHUNK>(src, dst);
            move_n::<CHUNK>(src.add(len - CHUNK), dst.add(len - CHUNK));
        } else if len >= CHUNK {
            std::ptr::copy_nonoverlapping(src, dst, len);
        } else if len >= 8 {
            // Near the end of what may be read: two moves that overlap cover 8..16 bytes
            // exactly, without reading past the field.
            move_n::<8>(src, dst);
            move_n::<8>(src.add(len - 8), dst.add(len - 8));
        } else if len >= 4 {
            move_n::<4>(src, dst);
            move_n::<4>(src.add(len - 4), dst.add(len - 4));
        } else if len > 0 {
            // 1..=3 bytes: first, middle and last cover them all.
            *dst = *src;
            *dst.add(len / 2) = *src.add(len / 2);
            *dst.add(len - 1) = *src.add(len - 1);
        }
    }
}
