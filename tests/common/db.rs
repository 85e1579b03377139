//! A fresh SQLite database per test, in its own temporary folder.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use rezerv_bot::storage::Db;

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A temporary folder removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "rezerv-test-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.0.join("test.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn fresh_db() -> (Db, TempDir) {
    let dir = TempDir::new();
    let db = Db::connect(&dir.database_url()).await.expect("open test database");
    (db, dir)
}
