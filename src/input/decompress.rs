//! Decompressing gzip and zstd while reading, in constant memory, recognised by their
//! magic bytes (never by a file name).
//!
//! [`Decoded`] sits at the bottom of every reader's and counter's stack of `Read` layers:
//! on the first read it peeks at the input's first four bytes (gathering them over as
//! many reads as the input needs, and losing none), decides, and from then on hands out
//! either the bytes as they are or the decompressed bytes. Everything above it (the
//! record budget, the BOM, the parser) only ever sees decompressed bytes, so positions
//! are offsets in the decompressed input.

use std::io::{self, BufReader, Read};

use flate2::read::MultiGzDecoder;

use crate::error::InputError;
use crate::options::Decompress;

/// How many bytes decide the format: the longest magic number.
const HEAD: usize = 4;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// A compressed format csvr reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Gzip,
    Zstd,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Gzip => "gzip",
            Format::Zstd => "zstd",
        }
    }
}

/// The format whose magic number `head` (the input's first bytes: four, or all of them
/// if there are fewer) starts with.
fn detect(head: &[u8]) -> Option<Format> {
    if head.starts_with(&GZIP_MAGIC) {
        Some(Format::Gzip)
    } else if head.starts_with(&ZSTD_MAGIC) {
        Some(Format::Zstd)
    } else {
        None
    }
}

/// What reading with `mode` does with an input that starts with `head`: read it as it is
/// (`Ok(None)`), decompress it, or fail because a forced format is not there.
fn choose(head: &[u8], mode: Decompress) -> Result<Option<Format>, InputError> {
    let forced = match mode {
        Decompress::Auto => return Ok(detect(head)),
        Decompress::None => return Ok(None),
        Decompress::Gzip => Format::Gzip,
        Decompress::Zstd => Format::Zstd,
    };
    if detect(head) == Some(forced) {
        Ok(Some(forced))
    } else {
        let name = forced.name();
        Err(InputError::new(format!(
            "the input is not {name} data (decompress is set to {name})"
        )))
    }
}

/// Whether an input that starts with `head` is read as it is with `mode`: only then may
/// a fast path read its raw bytes (anything else goes through [`Decoded`]).
pub(crate) fn is_plain(head: &[u8], mode: Decompress) -> bool {
    matches!(choose(&head[..head.len().min(HEAD)], mode), Ok(None))
}

/// The first bytes of a regular file, read with positioned reads (the offset is not
/// moved, so nothing needs to be undone): `(bytes, how many)`.
#[cfg(unix)]
pub(crate) fn file_head(file: &std::fs::File) -> io::Result<([u8; HEAD], usize)> {
    use std::os::unix::fs::FileExt;
    let mut head = [0u8; HEAD];
    let mut filled = 0;
    while filled < HEAD {
        match file.read_at(&mut head[filled..], filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((head, filled))
}

/// The input under a decompressor: the peeked first bytes, then the rest. It retries
/// `EINTR` and remembers when a read of its own failed, so that the input's errors (a
/// callback's, the OS's) pass through a decompressor as they are, and only the
/// decompressor's own are called corruption.
struct Source<R> {
    inner: R,
    head: [u8; HEAD],
    /// `head[at..len]` is still to be handed out.
    at: usize,
    len: usize,
    /// The input ended while peeking: it is not read again (a terminal would wait for a
    /// second end-of-file).
    ended: bool,
    /// An error met while reading on from the peeked bytes, which were handed out first.
    pending: Option<io::Error>,
    failed: bool,
}

impl<R: Read> Source<R> {
    /// Gathers the first bytes (over any number of reads); on an error, those already
    /// gathered are kept and the next call goes on.
    fn peek(&mut self) -> io::Result<&[u8]> {
        while self.len < HEAD && !self.ended {
            match self.inner.read(&mut self.head[self.len..]) {
                Ok(0) => self.ended = true,
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(&self.head[..self.len])
    }
}

impl<R: Read> Read for Source<R> {
    /// The peeked bytes come with as much of the rest as one read of the input gives, so
    /// that the pieces the parser sees end where the input's own reads end (with a
    /// one-byte terminator, csv-core's line numbers depend on that).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.pending.take() {
            self.failed = true;
            return Err(e);
        }
        let held = buf.len().min(self.len - self.at);
        buf[..held].copy_from_slice(&self.head[self.at..self.at + held]);
        if held == buf.len() || self.ended {
            self.at += held;
            return Ok(held);
        }
        loop {
            match self.inner.read(&mut buf[held..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if held == 0 => {
                    self.failed = true;
                    return Err(e);
                }
                // The records in the peeked bytes come first, then the error. (Four of
                // them, unless the input ended: never a lone BOM, see `BomSafe`.)
                Err(e) => {
                    self.at += held;
                    self.pending = Some(e);
                    return Ok(held);
                }
                Ok(n) => {
                    self.at += held;
                    return Ok(held + n);
                }
            }
        }
    }
}

type ZstdDecoder<R> = zstd::stream::read::Decoder<'static, BufReader<Source<R>>>;

/// A `Read` of an input's decompressed bytes (see the module's documentation): gzip
/// (concatenated members too, as `gzip -d` reads them) and zstd (any number of frames)
/// are recognised or forced as `mode` says; any other input passes through unchanged.
///
/// A corrupt or truncated stream, or a forced format that is not there, is an I/O error
/// ([`InputError`]) that every later read repeats: the input cannot go on after it (the
/// `csv` crate ends a reader at its first I/O error in any case).
pub(crate) struct Decoded<R> {
    state: State<R>,
}

enum State<R> {
    /// Nothing decided yet.
    Start(Source<R>, Decompress),
    Plain(Source<R>),
    Gzip(Box<MultiGzDecoder<Source<R>>>),
    Zstd(Box<ZstdDecoder<R>>),
    /// Decompression failed; the message says why.
    Failed(String),
}

impl<R: Read> Decoded<R> {
    pub(crate) fn new(inner: R, mode: Decompress) -> Self {
        let source = Source {
            inner,
            head: [0; HEAD],
            at: 0,
            len: 0,
            ended: false,
            pending: None,
            failed: false,
        };
        let state = match mode {
            // Nothing to peek at: the bytes are read as they are from the first.
            Decompress::None => State::Plain(source),
            mode => State::Start(source, mode),
        };
        Decoded { state }
    }

    /// Peeks and decides. An error reading the input leaves the decision for later.
    fn start(&mut self) -> io::Result<()> {
        let State::Start(source, mode) = &mut self.state else {
            return Ok(());
        };
        let head = source.peek()?;
        let choice = choose(head, *mode);
        let State::Start(source, _) =
            std::mem::replace(&mut self.state, State::Failed(String::new()))
        else {
            unreachable!("matched above")
        };
        self.state = match choice {
            Ok(None) => State::Plain(source),
            Ok(Some(Format::Gzip)) => State::Gzip(Box::new(MultiGzDecoder::new(source))),
            Ok(Some(Format::Zstd)) => match zstd::stream::read::Decoder::new(source) {
                Ok(decoder) => State::Zstd(Box::new(decoder)),
                Err(e) => State::Failed(format!("cannot start the zstd decoder: {e}")),
            },
            Err(not_there) => State::Failed(not_there.message),
        };
        Ok(())
    }
}

/// The result of a decompressor's read: the input's own errors as they are, the
/// decompressor's as corruption (the message of the error repeated from then on).
fn decompressed(
    result: io::Result<usize>,
    source: &mut Source<impl Read>,
    format: Format,
) -> Result<usize, Result<io::Error, String>> {
    match result {
        Ok(n) => Ok(n),
        Err(e) if std::mem::take(&mut source.failed) => Err(Ok(e)),
        Err(e) => Err(Err(format!(
            "the {} stream is corrupt or truncated: {e}",
            format.name()
        ))),
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.start()?;
        let result = match &mut self.state {
            State::Start(..) => unreachable!("started above"),
            State::Plain(source) => return source.read(buf),
            State::Failed(message) => return Err(InputError::new(message.clone()).into_io()),
            State::Gzip(d) => {
                let r = d.read(buf);
                decompressed(r, d.get_mut(), Format::Gzip)
            }
            State::Zstd(d) => {
                let r = d.read(buf);
                decompressed(r, d.get_mut().get_mut(), Format::Zstd)
            }
        };
        match result {
            Ok(n) => Ok(n),
            Err(Ok(input_error)) => Err(input_error),
            Err(Err(corrupt)) => {
                self.state = State::Failed(corrupt.clone());
                Err(InputError::new(corrupt).into_io())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// With a checksum, as the `zstd` tool writes by default: corruption is then caught.
    fn zstd(data: &[u8]) -> Vec<u8> {
        let mut e = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        e.include_checksum(true).unwrap();
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// One byte per read, as a slow pipe delivers.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn read_all(r: impl Read, mode: Decompress) -> io::Result<Vec<u8>> {
        let mut out = vec![];
        Decoded::new(r, mode).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn magic_bytes_decide_even_one_byte_at_a_time() {
        let text = b"a,b\n1,2\n".repeat(1000);
        for packed in [gzip(&text), zstd(&text), text.clone()] {
            assert_eq!(read_all(OneByte(&packed), Decompress::Auto).unwrap(), text);
            assert_eq!(read_all(&packed[..], Decompress::Auto).unwrap(), text);
            assert_eq!(read_all(&packed[..], Decompress::None).unwrap(), packed);
        }
        for short in [&b""[..], b"\x1f", b"\x28\xb5\x2f", b"ab"] {
            assert_eq!(read_all(OneByte(short), Decompress::Auto).unwrap(), short);
        }
    }

    #[test]
    fn plain_input_comes_in_the_inputs_own_pieces() {
        let data = b"a,b\n".repeat(5000);
        let mut d = Decoded::new(&data[..], Decompress::Auto);
        let mut buf = vec![0u8; 8192];
        assert_eq!(d.read(&mut buf).unwrap(), 8192);
        assert_eq!(&buf[..], &data[..8192]);
        let mut short = Decoded::new(&b"ab"[..], Decompress::Auto);
        assert_eq!(short.read(&mut buf).unwrap(), 2);
        assert_eq!(short.read(&mut buf).unwrap(), 0);
    }

    #[test]
    fn concatenated_members_and_frames_are_read_whole() {
        let two_gz = [gzip(b"a\n1\n"), gzip(b""), gzip(b"2\n")].concat();
        assert_eq!(
            read_all(&two_gz[..], Decompress::Auto).unwrap(),
            b"a\n1\n2\n"
        );
        let two_zst = [zstd(b"a\n1\n"), zstd(b"2\n")].concat();
        assert_eq!(
            read_all(&two_zst[..], Decompress::Zstd).unwrap(),
            b"a\n1\n2\n"
        );
    }

    #[test]
    fn truncated_corrupt_and_missing_streams_are_errors_that_stay() {
        let text = b"h\n".repeat(5000);
        for (packed, name) in [(gzip(&text), "gzip"), (zstd(&text), "zstd")] {
            for cut in [4, 10, packed.len() / 2, packed.len() - 1] {
                let err = read_all(&packed[..cut], Decompress::Auto).unwrap_err();
                let message = err.to_string();
                assert!(message.contains(&format!("the {name} stream is corrupt or truncated")));
            }
            let mut bad = packed.clone();
            let mid = bad.len() / 2;
            bad[mid] ^= 0x55;
            bad[mid + 1] ^= 0xaa;
            let mut d = Decoded::new(&bad[..], Decompress::Auto);
            let mut sink = vec![];
            let first = d.read_to_end(&mut sink).unwrap_err().to_string();
            assert!(first.contains("corrupt or truncated"), "{first}");
            assert_eq!(d.read(&mut [0u8; 8]).unwrap_err().to_string(), first);
        }
        let err = read_all(&b"h\n1\n"[..], Decompress::Gzip).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the input is not gzip data (decompress is set to gzip)"
        );
        let err = read_all(&gzip(b"x")[..], Decompress::Zstd).unwrap_err();
        assert!(err.to_string().contains("not zstd data"));
    }

    #[test]
    fn the_inputs_own_errors_pass_through() {
        struct Fails(Vec<u8>);
        impl Read for Fails {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::from_raw_os_error(libc::EIO));
                }
                let n = buf.len().min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0.drain(..n);
                Ok(n)
            }
        }
        let packed = gzip(&b"h\n".repeat(5000));
        let err = read_all(Fails(packed[..packed.len() / 2].to_vec()), Decompress::Auto);
        assert_eq!(err.unwrap_err().raw_os_error(), Some(libc::EIO));
        // Plain: the peeked bytes come before the error that followed them.
        let mut d = Decoded::new(Fails(b"h\n123".to_vec()), Decompress::Auto);
        let mut buf = [0u8; 64];
        assert_eq!(d.read(&mut buf).unwrap(), 5);
        assert_eq!(
            d.read(&mut buf).unwrap_err().raw_os_error(),
            Some(libc::EIO)
        );
        // An error while peeking keeps what was peeked, and peeking goes on next time.
        let mut d = Decoded::new(Fails(b"h\n".to_vec()), Decompress::Auto);
        assert_eq!(
            d.read(&mut buf).unwrap_err().raw_os_error(),
            Some(libc::EIO)
        );
        assert_eq!(
            d.read(&mut buf).unwrap_err().raw_os_error(),
            Some(libc::EIO)
        );
    }

    #[test]
    fn decoded_inputs_can_move_to_a_read_ahead_worker() {
        fn send<T: Send>() {}
        send::<Decoded<Box<dyn Read + Send>>>();
        send::<Decoded<std::fs::File>>();
    }
}
