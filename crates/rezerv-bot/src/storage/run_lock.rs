//! One running bot per database. Two would both poll Telegram (which answers one of them
//! with 409 Conflict) and replay each other's unhandled inbox rows, so a second `run` on the
//! same database waits until the first one exits, then takes over: an overlapping deploy
//! needs no choreography. The lock is an OS file lock, so it dies with its process, kill -9
//! included, and a restart never waits for an expiry.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;

use super::{StorageError, StorageResult};

/// How often a waiting instance tries the lock again.
const RETRY: Duration = Duration::from_millis(500);

/// Held for as long as this process runs the bot on the database.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock beside the database file named by `url`, waiting (and saying so once)
    /// while another process holds it. An in-memory database is private to its process and
    /// needs none.
    pub async fn acquire(url: &str) -> StorageResult<Option<RunLock>> {
        let Some(path) = lock_path(url)? else {
            return Ok(None);
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| StorageError::Lock { path: path.display().to_string(), source })?;
        let mut announced = false;
        loop {
            match file.try_lock() {
                Ok(()) => {
                    if announced {
                        tracing::warn!(lock = %path.display(), "the other instance stopped; this one takes over");
                    }
                    return Ok(Some(RunLock { _file: file }));
                }
                Err(TryLockError::WouldBlock) => {
                    if !announced {
                        tracing::warn!(
                            lock = %path.display(),
                            "another rezerv-bot is running on this database; waiting for it to stop"
                        );
                        announced = true;
                    }
                    tokio::time::sleep(RETRY).await;
                }
                Err(TryLockError::Error(source)) => {
                    return Err(StorageError::Lock { path: path.display().to_string(), source });
                }
            }
        }
    }
}

/// `<database file>-run.lock`, or `None` for an in-memory (or unnamed, temporary) database.
fn lock_path(url: &str) -> StorageResult<Option<PathBuf>> {
    if url.parse::<super::Backend>()? != super::Backend::Sqlite {
        return Ok(None);
    }
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(url)?;
    if options.get_filename().as_os_str().is_empty() {
        return Ok(None);
    }
    let mut name = options.get_filename().as_os_str().to_owned();
    name.push("-run.lock");
    Ok(Some(PathBuf::from(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_sits_beside_the_database_file() {
        let path = lock_path("sqlite:///tmp/some dir/rezerv.db").unwrap().unwrap();
        assert_eq!(path, PathBuf::from("/tmp/some dir/rezerv.db-run.lock"));
        assert_eq!(
            lock_path("sqlite:data/rezerv.db?mode=rwc").unwrap().unwrap(),
            PathBuf::from("data/rezerv.db-run.lock")
        );
    }

    #[test]
    fn in_memory_databases_need_no_lock() {
        assert_eq!(lock_path("sqlite::memory:").unwrap(), None);
        assert_eq!(lock_path("sqlite://?mode=memory").unwrap(), None);
        assert_eq!(lock_path("sqlite://").unwrap(), None, "an unnamed database is private too");
    }

    #[tokio::test]
    async fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("rezerv-run-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/rezerv.db", dir.display());
        let first = RunLock::acquire(&url).await.unwrap().expect("a file database is locked");
        let second = tokio::spawn({
            let url = url.clone();
            async move { RunLock::acquire(&url).await }
        });
        tokio::time::sleep(RETRY * 3).await;
        assert!(!second.is_finished(), "the second holder got the lock while the first held it");
        drop(first);
        let second = tokio::time::timeout(RETRY * 4, second).await.expect("the lock was never handed over");
        assert!(second.unwrap().unwrap().is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
