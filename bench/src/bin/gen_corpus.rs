//! Writes the benchmark corpora, deterministically: the same size gives the same bytes.
//!
//! Usage: gen-corpus OUT_DIR [SIZE_MIB] [KIND...]   (default 1024 MiB, all kinds)
//! Kinds: numeric (taxi-like, 15 numeric/timestamp columns, no quotes), quoted (text,
//! ~30% of fields quoted, with embedded commas, doubled quotes and newlines), wide (200
//! short columns), crlf (CRLF endings and some blank lines), stray (numeric with a stray
//! quote, `a"b` in the `flag` column, in every 100th record: how much speed a parser loses
//! to quotes that open no quoted field).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: fast, deterministic, good enough for test data.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
];

fn timestamp(rng: &mut Rng, out: &mut Vec<u8>) {
    write!(
        out,
        "2026-{:02}-{:02} {:02}:{:02}:{:02}",
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
    .unwrap();
}

fn numeric(rng: &mut Rng, out: &mut Vec<u8>, _: u64) {
    write!(out, "{},", 1 + rng.below(2)).unwrap();
    timestamp(rng, out);
    out.push(b',');
    timestamp(rng, out);
    writeln!(
        out,
        ",{},{}.{:02},{},N,{},{},{},{}.{:02},{}.{:02},0.5,{}.{:02},0,{}.{:02}",
        1 + rng.below(6),
        rng.below(30),
        rng.below(100),
        1 + rng.below(5),
        rng.below(265),
        rng.below(265),
        1 + rng.below(4),
        rng.below(80),
        rng.below(100),
        rng.below(5),
        rng.below(100),
        rng.below(20),
        rng.below(100),
        rng.below(120),
        rng.below(100)
    )
    .unwrap();
}

fn stray(rng: &mut Rng, out: &mut Vec<u8>, n: u64) {
    let start = out.len();
    numeric(rng, out, n);
    if n.is_multiple_of(100) {
        // The flag column's "N" (always the first ",N,") becomes a"b.
        let at = out[start..]
            .windows(3)
            .position(|w| w == b",N,")
            .expect("a numeric row has its flag");
        out.splice(start + at + 1..start + at + 2, *b"a\"b");
    }
}

fn text_field(rng: &mut Rng, out: &mut Vec<u8>) {
    let words = 1 + rng.below(6);
    if rng.below(10) < 3 {
        out.push(b'"');
        for i in 0..words {
            if i > 0 {
                out.extend_from_slice(match rng.below(8) {
                    0 => b", ",
                    1 => b"\n",
                    2 => b" \"\"",
                    _ => b" ",
                });
            }
            out.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
        }
        out.push(b'"');
    } else {
        for i in 0..words {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
        }
    }
}

fn quoted(rng: &mut Rng, out: &mut Vec<u8>, n: u64) {
    write!(out, "{n},").unwrap();
    for i in 0..6 {
        if i > 0 {
            out.push(b',');
        }
        text_field(rng, out);
    }
    out.push(b'\n');
}

fn wide(rng: &mut Rng, out: &mut Vec<u8>, _: u64) {
    for i in 0..200 {
        if i > 0 {
            out.push(b',');
        }
        write!(out, "{}", rng.below(1000)).unwrap();
    }
    out.push(b'\n');
}

fn crlf(rng: &mut Rng, out: &mut Vec<u8>, n: u64) {
    write!(out, "{n},").unwrap();
    timestamp(rng, out);
    write!(
        out,
        ",{},{}.{:02},",
        WORDS[rng.below(18) as usize],
        rng.below(999),
        rng.below(100)
    )
    .unwrap();
    text_field(rng, out);
    out.extend_from_slice(b"\r\n");
    if rng.below(20) == 0 {
        out.extend_from_slice(b"\r\n");
    }
}

fn header(kind: &str) -> String {
    match kind {
        "numeric" | "stray" => "vendor,pickup,dropoff,passengers,distance,rate,flag,pu_loc,do_loc,payment,fare,extra,mta,tip,tolls,total\n".into(),
        "quoted" => "id,a,b,c,d,e,f\n".into(),
        "wide" => (0..200).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",") + "\n",
        "crlf" => "id,when,who,amount,note\r\n".into(),
        _ => unreachable!(),
    }
}

fn generate(dir: &Path, kind: &str, size: u64) -> std::io::Result<()> {
    let row: fn(&mut Rng, &mut Vec<u8>, u64) = match kind {
        "numeric" => numeric,
        "quoted" => quoted,
        "wide" => wide,
        "crlf" => crlf,
        "stray" => stray,
        other => panic!("unknown corpus kind {other}"),
    };
    let path = dir.join(format!("{kind}.csv"));
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&path)?);
    let mut rng = Rng(0x5EED_0000 + kind.len() as u64);
    let mut buf = header(kind).into_bytes();
    let mut written = 0u64;
    let mut n = 0u64;
    while written + buf.len() as u64 <= size {
        w.write_all(&buf)?;
        written += buf.len() as u64;
        buf.clear();
        n += 1;
        row(&mut rng, &mut buf, n);
    }
    w.flush()?;
    eprintln!("{}: {} bytes", path.display(), written);
    Ok(())
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: gen-corpus OUT_DIR [SIZE_MIB] [numeric|quoted|wide|crlf|stray ...]");
        std::process::exit(2);
    };
    let mib: u64 = args
        .get(1)
        .map_or(1024, |s| s.parse().expect("SIZE_MIB is a number"));
    let kinds: Vec<&str> = if args.len() > 2 {
        args[2..].iter().map(String::as_str).collect()
    } else {
        vec!["numeric", "quoted", "wide", "crlf", "stray"]
    };
    std::fs::create_dir_all(dir)?;
    for kind in kinds {
        generate(Path::new(dir), kind, mib << 20)?;
    }
    Ok(())
}
