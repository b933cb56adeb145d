//! The names of an Arrow stream's columns.

use std::collections::HashSet;

use crate::columns::Columns;

/// The name of column `i` (0-based) when nothing names it: `column_1`, `column_2`, ...
fn generated(i: usize) -> String {
    format!("column_{}", i + 1)
}

/// The names of `width` columns, from `headers` (the header as the reader yields it,
/// UTF-8 or not) where it has them, made unique.
///
/// A column without a header name (no header, or a selected index past the header's
/// end) is `column_N`, N the 1-based index of its field in the input; an empty header
/// name is `column_N` too (N its position in the schema). A name met again becomes
/// `NAME_duplicated_K`, K counting that name's repeats from 0, as polars names them;
/// a made name that is taken already takes the next K.
pub(crate) fn column_names(
    headers: Option<&[Vec<u8>]>,
    header_missing: impl Fn(usize) -> bool,
    columns: &Columns,
    width: usize,
) -> Vec<String> {
    let source_index = |i: usize| match columns {
        Columns::Indexes(indexes) => indexes.get(i).copied().unwrap_or(i),
        _ => i,
    };
    let names: Vec<String> = (0..width)
        .map(|i| match headers.and_then(|h| h.get(i)) {
            Some(_) if header_missing(i) => generated(source_index(i)),
            Some(name) if name.is_empty() => generated(i),
            Some(name) => String::from_utf8_lossy(name).into_owned(),
            None => generated(source_index(i)),
        })
        .collect();
    unique(names)
}

/// `names`, each repeat renamed `NAME_duplicated_K` (see [`column_names`]).
fn unique(names: Vec<String>) -> Vec<String> {
    let mut taken: HashSet<String> = names.iter().cloned().collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut repeats: std::collections::HashMap<String, usize> = Default::default();
    names
        .into_iter()
        .map(|name| {
            if seen.insert(name.clone()) {
                return name;
            }
            let k = repeats.entry(name.clone()).or_insert(0);
            loop {
                let made = format!("{name}_duplicated_{k}");
                *k += 1;
                if taken.insert(made.clone()) {
                    seen.insert(made.clone());
                    return made;
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(header: &[&str], width: usize) -> Vec<String> {
        let h: Vec<Vec<u8>> = header.iter().map(|s| s.as_bytes().to_vec()).collect();
        column_names(Some(&h), |_| false, &Columns::All, width)
    }

    #[test]
    fn repeats_are_renamed_as_polars_does_and_empty_names_are_generated() {
        assert_eq!(
            names(&["a", "a", "", "b", "a"], 5),
            ["a", "a_duplicated_0", "column_3", "b", "a_duplicated_1"]
        );
        // A made name that the header holds already takes the next number.
        assert_eq!(
            names(&["a", "a", "a_duplicated_0"], 3),
            ["a", "a_duplicated_1", "a_duplicated_0"]
        );
        assert_eq!(
            names(&["column_2", ""], 2),
            ["column_2", "column_2_duplicated_0"]
        );
    }

    #[test]
    fn columns_without_a_header_name_are_named_by_their_input_index() {
        let none = column_names(None, |_| false, &Columns::All, 3);
        assert_eq!(none, ["column_1", "column_2", "column_3"]);
        let picked = column_names(None, |_| false, &Columns::indexes([4, 0]), 2);
        assert_eq!(picked, ["column_5", "column_1"]);
        let h = vec![b"id".to_vec(), b"".to_vec()];
        let past = column_names(Some(&h), |i| i == 1, &Columns::indexes([0, 7]), 2);
        assert_eq!(past, ["id", "column_8"]);
    }
}
