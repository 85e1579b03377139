//! Migrations from `migrations/`, embedded in the binary and run at start-up.

use std::borrow::Cow;

use std::future::Future;
use std::pin::Pin;

use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// Every file in `migrations/`, in order. A test checks this list against the folder.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "candidates codes", include_str!("../../migrations/0001_candidates_codes.sql")),
    (2, "outbox", include_str!("../../migrations/0002_outbox.sql")),
    (3, "inbox plan queue", include_str!("../../migrations/0003_inbox_plan_queue.sql")),
    (4, "saved by update", include_str!("../../migrations/0004_saved_by_update.sql")),
    (5, "code claimed by", include_str!("../../migrations/0005_code_claimed_by.sql")),
    (6, "cabinet code", include_str!("../../migrations/0006_cabinet_code.sql")),
    (7, "qrt booked", include_str!("../../migrations/0007_qrt_booked.sql")),
    (8, "console", include_str!("../../migrations/0008_console.sql")),
    (9, "faq questions", include_str!("../../migrations/0009_faq_questions.sql")),
    (11, "dashboard", include_str!("../../migrations/0011_dashboard.sql")),
    (12, "retention", include_str!("../../migrations/0012_retention.sql")),
    (13, "broadcasts alerts", include_str!("../../migrations/0013_broadcasts_alerts.sql")),
];

/// The embedded migrations, as a source for sqlx's own migrator.
#[derive(Debug)]
struct Embedded;

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>> + Send + 's>> {
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(*version, Cow::Borrowed(*description), MigrationType::Simple, Cow::Borrowed(*sql), false)
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

pub(crate) async fn migrator() -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded).await
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn every_migration_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), MIGRATIONS.len(), "{files:?}");
        for (file, (version, _, _)) in files.iter().zip(MIGRATIONS) {
            assert!(file.starts_with(&format!("{version:04}_")), "{file} out of order");
        }
    }
}
