//! Backups on a schedule (`serve --backup-dir DIR --backup-every 6h --backup-keep 7`): every
//! interval, an online backup (backup.rs: one read transaction, integrity-checked) is written
//! under a hidden temporary name and renamed to `frontdesk-YYYYMMDDTHHMMSSZ.db` only once it is
//! whole, so the folder never holds a half-written backup under a real name and the names sort
//! by time. Then all but the newest `keep` are deleted. The copy runs on a blocking thread,
//! never on a tokio worker. Attachments live in the database, so a backup holds them too.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// When and where to back up.
#[derive(Debug, Clone)]
pub struct BackupSchedule {
    /// Created (mode 0700) if missing.
    pub dir: PathBuf,
    pub every: Duration,
    /// How many of the newest backups to keep (at least 1).
    pub keep: usize,
}

impl BackupSchedule {
    /// Refuses what cannot work, with the flag to change.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.keep == 0 {
            return Err("--backup-keep must be at least 1".into());
        }
        if self.every < Duration::from_secs(1) {
            return Err("--backup-every must be at least 1s".into());
        }
        Ok(())
    }
}

const PREFIX: &str = "frontdesk-";
const SUFFIX: &str = ".db";
/// `YYYYMMDDTHHMMSSZ`.
const STAMP_LEN: usize = 16;

/// Whether `name` is one of ours (and so may be pruned).
fn is_backup_name(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
        .is_some_and(|stamp| {
            stamp.len() == STAMP_LEN
                && stamp.bytes().enumerate().all(|(i, b)| match i {
                    8 => b == b'T',
                    15 => b == b'Z',
                    _ => b.is_ascii_digit(),
                })
        })
}

/// Takes one backup of the database at `db` into `schedule.dir`, then prunes. Blocking.
pub(crate) fn take(db: &Path, schedule: &BackupSchedule) -> Result<PathBuf, String> {
    create_private_dir(&schedule.dir)?;
    let name = format!(
        "{PREFIX}{}{SUFFIX}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    );
    let target = schedule.dir.join(&name);
    if target.exists() {
        return Err(format!("{} already exists", target.display()));
    }
    let partial = schedule.dir.join(format!(".{name}.partial"));
    let _ = std::fs::remove_file(&partial);
    super::backup(db, &partial)?;
    std::fs::rename(&partial, &target).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        format!("cannot rename the backup into place: {e}")
    })?;
    super::sync_dir(&target);
    prune(&schedule.dir, schedule.keep)?;
    Ok(target)
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create the backup folder {}: {e}", dir.display()))
}

/// Deletes all but the newest `keep` backups, and temporary files a crash left behind.
fn prune(dir: &Path, keep: usize) -> Result<(), String> {
    let mut ours = Vec::new();
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_backup_name(&name) {
            ours.push(name);
        }
    }
    ours.sort();
    let excess = ours.len().saturating_sub(keep);
    for name in &ours[..excess] {
        std::fs::remove_file(dir.join(name))
            .map_err(|e| format!("cannot delete the old backup {name}: {e}"))?;
    }
    Ok(())
}

/// Runs [`take`] every `schedule.every` (the first one interval after start) until the task is
/// dropped, telling `report` how each went.
pub(crate) async fn run(
    db: PathBuf,
    schedule: BackupSchedule,
    report: impl Fn(Result<PathBuf, String>) + Send + 'static,
) {
    let start = tokio::time::Instant::now() + schedule.every;
    let mut tick = tokio::time::interval_at(start, schedule.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let (db, schedule) = (db.clone(), schedule.clone());
        let result = tokio::task::spawn_blocking(move || take(&db, &schedule))
            .await
            .unwrap_or_else(|e| Err(format!("the backup task failed: {e}")));
        report(result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_names_are_pruned_and_the_newest_are_kept() {
        assert!(is_backup_name("frontdesk-20261201T101530Z.db"));
        for other in [
            "frontdesk-20261201T101530Z.db.partial",
            ".frontdesk-20261201T101530Z.db.partial",
            "frontdesk-2026-12-01.db",
            "frontdesk.db",
            "notes.txt",
        ] {
            assert!(!is_backup_name(other), "{other}");
        }
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "frontdesk-20261201T000003Z.db",
            "frontdesk-20261201T000001Z.db",
            "frontdesk-20261201T000002Z.db",
            "mine.db",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        prune(dir.path(), 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "frontdesk-20261201T000002Z.db",
                "frontdesk-20261201T000003Z.db",
                "mine.db"
            ]
        );
    }
}
