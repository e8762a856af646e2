//! The SQLite engine's side of the handle: rusqlite's statements with our arguments and rows.

use rusqlite::CachedStatement;

use super::{Params, Result, Row};

pub(super) fn execute(s: &mut CachedStatement<'_>, params: impl Params) -> Result<usize> {
    Ok(s.execute(rusqlite::params_from_iter(params.values()))?)
}

pub(super) fn query_row<T>(
    s: &mut CachedStatement<'_>,
    params: impl Params,
    f: impl FnOnce(&Row<'_>) -> Result<T>,
) -> Result<T> {
    let mut rows = s.query(rusqlite::params_from_iter(params.values()))?;
    match rows.next()? {
        Some(r) => f(&Row::Lite(r)),
        None => Err(super::Error::NoRow),
    }
}

pub(super) fn query_map<T>(
    s: &mut CachedStatement<'_>,
    params: impl Params,
    mut f: impl FnMut(&Row<'_>) -> Result<T>,
) -> Result<std::vec::IntoIter<Result<T>>> {
    let mut rows = s.query(rusqlite::params_from_iter(params.values()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mapped = f(&Row::Lite(r));
        let failed = mapped.is_err();
        out.push(mapped);
        if failed {
            break;
        }
    }
    Ok(out.into_iter())
}
