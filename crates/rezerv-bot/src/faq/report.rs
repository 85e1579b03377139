//! What `rezerv-bot faq` prints: a question matched (`--ask`), and the questions candidates
//! asked that the FAQ did not answer (`--unanswered`).

use std::fmt::Write;

use super::Band;
use super::answer::{self, Known};
use crate::config::Campaign;
use crate::domain::Lang;
use crate::i18n::Locales;
use crate::storage::{AskedQuestion, Db, QUESTION_RETENTION_DAYS};

/// The entry a question matches, its confidence, the band and the runners-up; then the
/// answer as the bot would give it in `lang` to a candidate it knows nothing of.
pub fn ask(
    campaign: &Campaign,
    locales: &Locales,
    question: &str,
    lang: Lang,
    explain: bool,
) -> Result<String, super::FaqError> {
    let matcher = super::matcher(campaign)?;
    let verdict = matcher.ask(question);
    let mut out = String::new();
    let top = verdict.ranking.first();
    let _ = writeln!(out, "question:   {question}");
    let _ = match top {
        Some(best) => writeln!(out, "best:       {} {:.2}", best.id, best.score),
        None => writeln!(out, "best:       -"),
    };
    let _ = writeln!(out, "band:       {}", verdict.band);
    let runners: Vec<String> =
        verdict.runners_up(3).map(|scored| format!("{} {:.2}", scored.id, scored.score)).collect();
    let _ = writeln!(out, "runners-up: {}", runners.join(", "));
    if explain {
        for line in matcher.explain(question) {
            let _ = writeln!(out, "  {line}");
        }
    }
    let _ = writeln!(out);
    match (verdict.band, top) {
        (Band::Confident, Some(best)) => {
            let _ = writeln!(out, "{}", answer::answer(locales, campaign, lang, &best.id, &Known::default()));
        }
        (Band::Unsure, _) => {
            let _ = writeln!(out, "{}", locales.t(lang, "faq-did-you-mean"));
            for choice in verdict.choices(3) {
                let _ = writeln!(out, "[{}]", answer::title(locales, lang, &choice.id));
            }
        }
        _ => {
            let _ = writeln!(out, "{}", locales.t(lang, "unexpected-input"));
            let _ = writeln!(out, "{}", locales.t(lang, "faq-can-answer"));
        }
    }
    Ok(out)
}

/// The questions left unanswered, the most frequent first, and those answered only after
/// "did you mean" (phrasings worth adding to `faq/phrasings.toml`).
pub async fn unanswered(db: &Db, limit: u32) -> Result<String, crate::storage::StorageError> {
    let mut out = String::new();
    let open = db.asked_questions(false, limit).await?;
    let _ = writeln!(out, "unanswered questions (kept {QUESTION_RETENTION_DAYS} days), the most frequent first:");
    table(&mut out, &open);
    let resolved = db.asked_questions(true, limit).await?;
    let _ = writeln!(out, "\nanswered after \"did you mean\" (add them to faq/phrasings.toml):");
    table(&mut out, &resolved);
    Ok(out)
}

fn table(out: &mut String, questions: &[AskedQuestion]) {
    if questions.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for question in questions {
        let picked = question.resolved_as.as_deref().map(|id| format!(" -> {id}")).unwrap_or_default();
        let day = question.last_asked.get(..10).unwrap_or(&question.last_asked);
        let text = question.text.replace(['\n', '\r', '\t'], " ");
        let _ = writeln!(out, "  {:>5}  {}  {day}  {text}{picked}", question.count, question.lang);
    }
}
