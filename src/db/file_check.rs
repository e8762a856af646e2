//! A cheap start-up check that a database file was not cut short (a partial copy, a full disk
//! during a copy): the header says how many pages the file holds; a file shorter than that is
//! refused before SQLite opens it, and left as it is. Reading every page (`PRAGMA quick_check`)
//! would catch more but costs seconds on a large database, so it is left to `frontdesk backup`.

use std::io::Read;
use std::path::{Path, PathBuf};

fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Refuses a SQLite file shorter than its header says. When a WAL file with content is next
/// to it, SQLite's own recovery applies and the header may be ahead of the file, so the check
/// is skipped.
pub(crate) fn check_not_truncated(path: &Path) -> Result<(), String> {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut header = [0u8; 100];
    if file.read_exact(&mut header).is_err() {
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if len == 0 {
            return Ok(());
        }
        return Err(truncated(path));
    }
    if std::fs::metadata(wal_path(path))
        .map(|m| m.len() > 0)
        .unwrap_or(false)
    {
        return Ok(());
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    let change_counter = &header[24..28];
    let valid_for = &header[92..96];
    // The page count is only meaningful when written by a SQLite that keeps it current.
    if pages == 0 || change_counter != valid_for {
        return Ok(());
    }
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    if len < pages * page_size {
        return Err(truncated(path));
    }
    Ok(())
}

fn truncated(path: &Path) -> String {
    format!(
        "{} is shorter than its header says: the file was truncated or only partly copied. It was \
         left untouched; restore it from a backup (see README, \"Backup and restore\").",
        path.display()
    )
}
