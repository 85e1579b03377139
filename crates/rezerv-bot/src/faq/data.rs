//! The FAQ's data, embedded in the binary: its entries with the phrasings candidates ask them
//! in (`faq/phrasings.toml`), and the language data the matcher brings text to one form with
//! (`faq/language.toml`). The answers are locale messages (`locales/{kk,ru}/faq.ftl`).

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use thiserror::Error;

use super::EntryId;
use crate::domain::Lang;

pub const PHRASINGS: &str = include_str!("../../faq/phrasings.toml");
pub const LANGUAGE: &str = include_str!("../../faq/language.toml");

/// Fewer phrasings than this in a language leave an entry's vocabulary too thin to be found.
pub const MIN_PHRASINGS: usize = 5;

#[derive(Debug, Error)]
pub enum FaqError {
    #[error("{file} is not valid TOML: {message}")]
    Syntax { file: &'static str, message: String },
    #[error("{file}: {problem}")]
    Invalid { file: &'static str, problem: String },
}

fn invalid(file: &'static str, problem: impl Into<String>) -> FaqError {
    FaqError::Invalid { file, problem: problem.into() }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhrasingsFile {
    entries: Vec<EntryFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    id: String,
    kk: Vec<String>,
    ru: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageFile {
    fold: Vec<String>,
    lookalikes: Vec<String>,
    latin: Vec<String>,
    latin_either: Vec<String>,
    layout: Vec<String>,
    stopwords: Vec<String>,
    neutral: Vec<String>,
    kk_min_stem: usize,
    kk_suffixes: Vec<String>,
    synonyms: BTreeMap<String, Vec<String>>,
}

/// One entry: its id and the phrasings of its question, each with its language.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: EntryId,
    pub phrasings: Vec<(Lang, String)>,
}

/// What `faq/language.toml` says, checked.
#[derive(Debug, Clone)]
pub struct LanguageData {
    pub fold: Vec<(char, char)>,
    pub lookalikes: Vec<(char, char)>,
    pub latin: Vec<(String, String)>,
    pub latin_either: Vec<String>,
    pub layout: Vec<(char, char)>,
    pub stopwords: Vec<String>,
    pub neutral: Vec<String>,
    pub kk_min_stem: usize,
    pub kk_suffixes: Vec<String>,
    /// Each spelling with the word it stands for.
    pub synonyms: Vec<(String, String)>,
}

/// The curated FAQ: its entries, in file order, and the matcher's language data.
#[derive(Debug, Clone)]
pub struct Faq {
    entries: Vec<Entry>,
    language: LanguageData,
}

impl Faq {
    /// The FAQ shipped in the binary.
    pub fn embedded() -> Result<Faq, FaqError> {
        Faq::from_toml(PHRASINGS, LANGUAGE)
    }

    pub fn from_toml(phrasings: &str, language: &str) -> Result<Faq, FaqError> {
        const FILE: &str = "faq/phrasings.toml";
        let file: PhrasingsFile =
            toml::from_str(phrasings).map_err(|err| FaqError::Syntax { file: FILE, message: err.to_string() })?;
        let mut seen = HashSet::new();
        let mut entries = Vec::new();
        for (index, entry) in file.entries.into_iter().enumerate() {
            let id = EntryId::parse(&entry.id).map_err(|err| invalid(FILE, format!("entries[{index}].id: {err}")))?;
            if !seen.insert(id.clone()) {
                return Err(invalid(FILE, format!("entries[{index}].id: `{id}` is listed twice")));
            }
            let mut phrasings = Vec::new();
            for (lang, list) in [(Lang::Kk, entry.kk), (Lang::Ru, entry.ru)] {
                let list: Vec<String> =
                    list.into_iter().map(|text| text.trim().to_owned()).filter(|text| !text.is_empty()).collect();
                if list.len() < MIN_PHRASINGS {
                    return Err(invalid(
                        FILE,
                        format!(
                            "entries[{index}] `{id}` has {} {lang} phrasings; at least {MIN_PHRASINGS} are needed",
                            list.len()
                        ),
                    ));
                }
                phrasings.extend(list.into_iter().map(|text| (lang, text)));
            }
            entries.push(Entry { id, phrasings });
        }
        if entries.len() < 2 {
            return Err(invalid(FILE, "at least two entries are needed"));
        }
        Ok(Faq { entries, language: LanguageData::from_toml(language)? })
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, id: &EntryId) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.id == *id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &EntryId> {
        self.entries.iter().map(|entry| &entry.id)
    }

    /// The FAQ without one phrasing of an entry: to ask the matcher that phrasing as a question
    /// it has not seen (the phrasings' leave-one-out figure in tests/it/faq_eval.rs).
    pub fn without_phrasing(&self, entry: usize, phrasing: usize) -> Faq {
        let mut faq = self.clone();
        if let Some(entry) = faq.entries.get_mut(entry)
            && phrasing < entry.phrasings.len()
        {
            entry.phrasings.remove(phrasing);
        }
        faq
    }

    pub fn language(&self) -> &LanguageData {
        &self.language
    }
}

impl LanguageData {
    fn from_toml(text: &str) -> Result<LanguageData, FaqError> {
        const FILE: &str = "faq/language.toml";
        let file: LanguageFile =
            toml::from_str(text).map_err(|err| FaqError::Syntax { file: FILE, message: err.to_string() })?;
        let pairs = |key: &str, list: &[String]| -> Result<Vec<(String, String)>, FaqError> {
            list.iter()
                .enumerate()
                .map(|(index, pair)| match pair.split_once(' ') {
                    Some((from, to)) if !from.is_empty() && !to.is_empty() && !to.contains(' ') => {
                        Ok((from.to_lowercase(), to.to_lowercase()))
                    }
                    _ => Err(invalid(FILE, format!("{key}[{index}]: `{pair}` is not a pair \"from to\""))),
                })
                .collect()
        };
        let letters = |key: &str, list: &[String]| -> Result<Vec<(char, char)>, FaqError> {
            pairs(key, list)?
                .into_iter()
                .enumerate()
                .map(|(index, (from, to))| {
                    let (mut from_chars, mut to_chars) = (from.chars(), to.chars());
                    match (from_chars.next(), from_chars.next(), to_chars.next(), to_chars.next()) {
                        (Some(from), None, Some(to), None) => Ok((from, to)),
                        _ => Err(invalid(FILE, format!("{key}[{index}]: `{from} {to}` must pair one letter with one"))),
                    }
                })
                .collect()
        };
        if !(2..=6).contains(&file.kk_min_stem) {
            return Err(invalid(FILE, "kk_min_stem must be 2 to 6 letters"));
        }
        let mut synonyms = Vec::new();
        for (word, spellings) in &file.synonyms {
            for spelling in spellings {
                synonyms.push((spelling.to_lowercase(), word.to_lowercase()));
            }
        }
        let lower = |list: Vec<String>| list.into_iter().map(|word| word.to_lowercase()).collect::<Vec<_>>();
        Ok(LanguageData {
            fold: letters("fold", &file.fold)?,
            lookalikes: letters("lookalikes", &file.lookalikes)?,
            latin: pairs("latin", &file.latin)?,
            latin_either: lower(file.latin_either),
            layout: letters("layout", &file.layout)?,
            stopwords: lower(file.stopwords),
            neutral: lower(file.neutral),
            kk_min_stem: file.kk_min_stem,
            kk_suffixes: lower(file.kk_suffixes),
            synonyms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_faq_loads() {
        let faq = Faq::embedded().unwrap();
        assert!(faq.entries().len() >= 14);
        assert!(faq.entries().iter().all(|entry| entry.phrasings.len() >= 2 * MIN_PHRASINGS));
    }

    #[test]
    fn a_broken_file_names_the_problem() {
        let twice = PHRASINGS.replacen("id = \"qrt\"", "id = \"ways\"", 1);
        let err = Faq::from_toml(&twice, LANGUAGE).unwrap_err().to_string();
        assert!(err.contains("`ways` is listed twice"), "{err}");
        let bad_id = PHRASINGS.replacen("id = \"qrt\"", "id = \"Q R T\"", 1);
        assert!(Faq::from_toml(&bad_id, LANGUAGE).unwrap_err().to_string().contains("entries[1].id"));
        let bad_pair = LANGUAGE.replacen("fold = [\"", "fold = [\"xx\", \"", 1);
        assert!(Faq::from_toml(PHRASINGS, &bad_pair).unwrap_err().to_string().contains("fold[0]"));
    }
}
