//! Column selection: which fields of each record a reader yields, and in what order.
//!
//! [`Columns`] is what the caller asks for (part of [`crate::Options`]); a [`Projection`]
//! is that request resolved against the header when a reader opens: plain field indexes.
//! The projection is applied where fields are copied out of the parser's record (into the
//! current record or into a batch), so unselected fields are never copied anywhere.

use csv::ByteRecord;

use crate::error::Error;

/// Which fields of each record a [`crate::Reader`] yields (see
/// [`crate::Options::set_columns`]). Counting ignores the selection.
///
/// ```
/// let data = b"id,name,city\n1,Ada,London\n2,Linus\n".to_vec();
/// let mut opts = csvr::Options::new();
/// opts.set_columns(csvr::Columns::names(["city", "id"]));
/// let mut rdr = csvr::Reader::from_bytes(data, &opts)?;
/// assert_eq!(rdr.headers().unwrap(), vec![&b"city"[..], &b"id"[..]]);
/// assert!(rdr.next_record()?);
/// assert_eq!(rdr.record().unwrap(), vec![&b"London"[..], &b"1"[..]]);
/// assert!(rdr.next_record()?);
/// // The second record has no city: an empty field, flagged as missing.
/// assert_eq!(rdr.record().unwrap(), vec![&b""[..], &b"2"[..]]);
/// assert!(rdr.is_missing(0) && !rdr.is_missing(1));
/// # Ok::<(), csvr::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Columns {
    /// Every field, as it is in the input (the default).
    #[default]
    All,
    /// These fields, by 0-based index, in this order (an index may appear more than once).
    Indexes(Vec<usize>),
    /// The fields under these header names, in this order, resolved against the header
    /// when a reader opens; needs `has_header`. A name the header holds twice means its
    /// first occurrence.
    Names(Vec<String>),
}

impl Columns {
    /// Fields by 0-based index; an empty list selects every field ([`Columns::All`]).
    pub fn indexes(indexes: impl IntoIterator<Item = usize>) -> Columns {
        let indexes: Vec<usize> = indexes.into_iter().collect();
        if indexes.is_empty() {
            Columns::All
        } else {
            Columns::Indexes(indexes)
        }
    }

    /// Fields by header name; an empty list selects every field ([`Columns::All`]).
    pub fn names<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Columns {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        if names.is_empty() {
            Columns::All
        } else {
            Columns::Names(names)
        }
    }
}

/// A selection resolved to field indexes.
#[derive(Clone, Debug)]
pub(crate) struct Projection {
    indexes: Vec<usize>,
}

impl Projection {
    /// Resolves `columns` against `headers` (the header as the reader yields it, trimmed
    /// if asked): `None` when every field is selected. The options were validated, so
    /// names come with a header; a name it does not hold is an error naming it.
    pub(crate) fn resolve(
        columns: &Columns,
        headers: Option<&ByteRecord>,
    ) -> Result<Option<Projection>, Error> {
        let indexes = match columns {
            Columns::All => return Ok(None),
            Columns::Indexes(indexes) => indexes.clone(),
            Columns::Names(names) => {
                let empty = ByteRecord::new();
                let headers = headers.unwrap_or(&empty);
                names
                    .iter()
                    .map(|name| {
                        headers
                            .iter()
                            .position(|h| h == name.as_bytes())
                            .ok_or_else(|| unknown(name, headers))
                    })
                    .collect::<Result<_, _>>()?
            }
        };
        Ok(Some(Projection { indexes }))
    }

    /// The selected field indexes, in the caller's order.
    pub(crate) fn indexes(&self) -> &[usize] {
        &self.indexes
    }

    /// The selected fields of `record` in order; `None` for one past its end.
    pub(crate) fn fields<'a>(
        &'a self,
        record: &'a ByteRecord,
    ) -> impl Iterator<Item = Option<&'a [u8]>> + 'a {
        self.indexes.iter().map(move |&i| record.get(i))
    }

    /// Copies the selected fields of `from` into `into` (a missing one as an empty field,
    /// with its position), and sets `missing` to a flag per field, or to empty when no
    /// field is missing.
    pub(crate) fn project(
        &self,
        from: &ByteRecord,
        into: &mut ByteRecord,
        missing: &mut Vec<bool>,
    ) {
        into.clear();
        missing.clear();
        for (i, field) in self.fields(from).enumerate() {
            match field {
                Some(f) => into.push_field(f),
                None => {
                    into.push_field(b"");
                    missing.resize(i, false);
                    missing.push(true);
                }
            }
        }
        if !missing.is_empty() {
            missing.resize(into.len(), false);
        }
        into.set_position(from.position().cloned());
    }
}

fn unknown(name: &str, headers: &ByteRecord) -> Error {
    let known: Vec<String> = headers
        .iter()
        .map(|h| format!("{:?}", String::from_utf8_lossy(h)))
        .collect();
    Error::invalid(format!(
        "unknown column name {name:?}: the header has {}",
        if known.is_empty() {
            "no fields".to_string()
        } else {
            known.join(", ")
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_to_their_first_occurrence() {
        let h = ByteRecord::from(vec!["a", "b", "a"]);
        let p = Projection::resolve(&Columns::names(["a", "b", "a"]), Some(&h))
            .unwrap()
            .unwrap();
        assert_eq!(p.indexes, vec![0, 1, 0]);
    }

    #[test]
    fn an_unknown_name_is_named() {
        let h = ByteRecord::from(vec!["id", "city"]);
        let err = Projection::resolve(&Columns::names(["town"]), Some(&h)).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Invalid);
        assert!(err.to_string().contains("\"town\""), "{err}");
        assert!(err.to_string().contains("\"city\""), "{err}");
    }

    #[test]
    fn projecting_flags_missing_fields_only_when_there_are_some() {
        let p = Projection {
            indexes: vec![2, 0, 5],
        };
        let (mut into, mut missing) = (ByteRecord::new(), vec![]);
        p.project(
            &ByteRecord::from(vec!["x", "", "z"]),
            &mut into,
            &mut missing,
        );
        assert_eq!(into, ByteRecord::from(vec!["z", "x", ""]));
        assert_eq!(missing, vec![false, false, true]);
        p.project(
            &ByteRecord::from(vec!["a", "b", "c", "d", "e", "f"]),
            &mut into,
            &mut missing,
        );
        assert_eq!(into, ByteRecord::from(vec!["c", "a", "f"]));
        assert!(missing.is_empty());
    }

    #[test]
    fn empty_lists_select_everything() {
        assert_eq!(Columns::indexes([]), Columns::All);
        assert_eq!(Columns::names(Vec::<String>::new()), Columns::All);
    }
}
