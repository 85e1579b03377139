//! `rezerv-bot chat`: the real bot against the local emulator, with the terminal as the
//! candidate. (Filled in once the emulator lands.)

use std::sync::Arc;

use chrono::NaiveDate;

use crate::config::Campaign;
use crate::domain::Lang;
use crate::storage::Db;

pub async fn run(_db: Db, _campaign: Arc<Campaign>, _lang: Lang, _today: Option<NaiveDate>) -> anyhow::Result<()> {
    anyhow::bail!("the sandbox is not built yet")
}
