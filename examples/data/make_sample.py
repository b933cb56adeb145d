#!/usr/bin/env python3
"""Regenerates sample.csv, the bundled sample: support tickets with the hard parts of CSV.

Deterministic (fixed seed), so the committed file and its known count never drift:
quoted fields, embedded commas, doubled quotes, embedded newlines (LF and CRLF) and
non-ASCII text. Run from anywhere: python3 examples/data/make_sample.py
"""
import csv
import pathlib
import random

RECORDS = 4000
HERE = pathlib.Path(__file__).resolve().parent

FIRST = ["Ana", "Björn", "Chloé", "Dmitri", "Eun-ji", "Farah", "Gustavo", "Hana",
         "Ilse", "José", "Kwame", "Léa", "Mateo", "Nadia", "Olu", "Priya", "Zoë"]
LAST = ["O'Neil", "Smith, Jr.", "García", "Müller", "Nakamura", "Okafor", "Petrov",
        "Silva", "Wójcik", "Çelik", "Nguyen", "Dubois"]
CITIES = ["Lisbon", "São Paulo", "Zürich", "New York, NY", "Kraków", "Lagos", "Osaka"]
STATUS = ["open", "closed", "pending", "escalated"]
PHRASES = [
    'Printer says "paper jam", but there is no paper',
    "Refund requested, order arrived damaged",
    "Works fine on Tuesdays",
    'Customer wrote: ""urgent""',
    "Password reset loop; tried twice",
    "Invoice total off by 0,01 €",
    "Asked for a callback",
]


def comment(rng: random.Random) -> str:
    parts = rng.sample(PHRASES, rng.randint(1, 3))
    sep = rng.choice([" ", "\n", "\r\n", ", "])
    return sep.join(parts)


def main() -> None:
    rng = random.Random(2026)
    out = HERE / "sample.csv"
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "opened", "customer", "city", "amount", "status", "comment"])
        for i in range(1, RECORDS + 1):
            w.writerow([
                i,
                f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
                f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                rng.choice(CITIES),
                f"{rng.uniform(0, 5000):.2f}",
                rng.choice(STATUS),
                comment(rng),
            ])
    (HERE / "sample.count").write_text(f"{RECORDS}\n")
    print(f"wrote {out} with {RECORDS} records")


if __name__ == "__main__":
    main()
