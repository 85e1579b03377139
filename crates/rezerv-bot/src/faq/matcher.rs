//! The matcher: which FAQ entry a free-text question asks, and how sure that is.
//!
//! Each entry's phrasings (both languages) make its vocabulary. Words are grouped by stem
//! (Snowball's Russian stem for the Russian phrasings, Kazakh endings stripped for the Kazakh
//! ones), and each group knows how rare it is across entries (`idf`) and how strongly it
//! belongs to each entry (`assoc`: its share of the entry's phrasings, relative to the entry
//! that uses it most). A question's words are matched to the groups: exactly, by either
//! stem, by a long shared beginning (Kazakh endings the list lacks), or within one or two
//! typos. An entry's score is the weight of the question's words it explains over the weight
//! of all of them, where a word the FAQ never uses weighs as much as its rarest word: a
//! question about something else ("a promo code for a taxi does not work") explains itself
//! only in part, so it is never answered with confidence.

use std::collections::HashMap;

use super::EntryId;
use super::data::Faq;
use super::text::{Normalizer, Reading, Term, Word, typos};
use crate::domain::Lang;

crate::domain::spelled! {
    /// How sure the matcher is of its best entry.
    pub enum Band ("band") {
        /// Answer it.
        Confident = "confident",
        /// Offer the closest entries: "Did you mean…".
        Unsure = "unsure",
        /// Not a question the FAQ covers.
        Nothing = "nothing",
    }
}

/// An entry and its score, 0 to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub id: EntryId,
    pub score: f64,
}

/// The matcher's verdict on a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub band: Band,
    /// Every entry, the best first (ties in FAQ order).
    pub ranking: Vec<Scored>,
    /// The language the question looks written in, if its letters tell.
    pub written_in: Option<Lang>,
}

impl Match {
    pub fn best(&self) -> Option<&Scored> {
        self.ranking.first().filter(|_| self.band != Band::Nothing)
    }

    /// The entries after the best one, at most `count`.
    pub fn runners_up(&self, count: usize) -> impl Iterator<Item = &Scored> {
        self.ranking.iter().skip(1).take(count)
    }

    /// The entries worth offering when unsure: close enough to the best one.
    pub fn choices(&self, count: usize) -> Vec<&Scored> {
        let Some(best) = self.ranking.first() else { return Vec::new() };
        self.ranking
            .iter()
            .take(count)
            .filter(|scored| scored.score >= UNSURE_FROM && scored.score >= best.score * CHOICE_SHARE)
            .collect()
    }
}

/// The matcher's weights. The defaults were chosen on the dev question set and on the
/// phrasings themselves, each left out in turn (tests/it/faq_eval.rs prints both).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// A word's match with a vocabulary word below this does not count.
    pub min_similarity: f64,
    /// A word the FAQ never uses weighs this many times the rarest word's weight.
    pub unknown_weight: f64,
    /// A word any phrasing of an entry uses belongs to it at least this much, however often
    /// other entries use it.
    pub assoc_floor: f64,
    /// The entry's whole vocabulary counts this much; its closest phrasing the rest.
    pub bag_share: f64,
    /// A word seen in n phrasings weighs n / (n + evidence) of its rarity.
    pub evidence: f64,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning { min_similarity: 0.7, unknown_weight: 1.5, assoc_floor: 0.0, bag_share: 0.5, evidence: 2.0 }
    }
}

/// Matches this much less alike than a word's closest one do not count.
const SHADOW: f64 = 0.1;
/// Below this score nothing is close.
pub const UNSURE_FROM: f64 = 0.3;
/// Confident from this score...
pub const CONFIDENT_FROM: f64 = 0.62;
/// ...with the runner-up at least this far behind.
pub const CONFIDENT_MARGIN: f64 = 0.15;
/// ...and at most this share of the best one...
pub const CONFIDENT_SHARE: f64 = 0.8;
/// ...and at least this many of the question's words known to the FAQ.
pub const CONFIDENT_WORDS: usize = 2;
/// "Did you mean" offers entries scoring at least this share of the best one.
const CHOICE_SHARE: f64 = 0.5;
/// Questions longer than this are not questions the FAQ answers (a pasted text, a letter).
pub const MAX_QUESTION_CHARS: usize = 400;

/// Words of the phrasings that share a stem, with what they say about the entries.
#[derive(Debug)]
struct Group {
    stem: String,
    surfaces: Vec<String>,
    /// The stem and the surfaces letter by letter, for the typo and prefix checks.
    stem_chars: Vec<char>,
    surface_chars: Vec<Vec<char>>,
    /// Whether the stem is a Russian one, a Kazakh one, or both (тест).
    russian: bool,
    kazakh: bool,
    idf: f64,
    /// Per entry, in FAQ order: 0 (never used) to 1 (the entry that uses it most).
    assoc: Vec<f64>,
}

/// One phrasing: its entry, its groups, and their weight together.
#[derive(Debug)]
struct Phrasing {
    entry: usize,
    groups: Vec<usize>,
    weight: f64,
}

#[derive(Debug)]
pub struct Matcher {
    text: Normalizer,
    ids: Vec<EntryId>,
    groups: Vec<Group>,
    phrasings: Vec<Phrasing>,
    /// The rarest group's weight: what an unknown word weighs.
    max_idf: f64,
    /// Letters only Kazakh has (before folding), to tell a question's language.
    kazakh_letters: Vec<char>,
    tuning: Tuning,
}

impl Matcher {
    /// The matcher over `faq`; `places` are names (the campaign's cities) that count for no
    /// entry.
    pub fn new(faq: &Faq, places: &[String]) -> Matcher {
        Matcher::tuned(faq, places, Tuning::default())
    }

    /// The matcher with weights of one's own (to measure other choices).
    pub fn tuned(faq: &Faq, places: &[String], tuning: Tuning) -> Matcher {
        let language = faq.language();
        let text = Normalizer::new(language, places);
        let ids: Vec<EntryId> = faq.ids().cloned().collect();
        let entries = ids.len();
        // Group words by the stem of their phrasing's language.
        let mut by_stem: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut counts: Vec<Vec<f64>> = Vec::new();
        let mut phrasings = vec![0_f64; entries];
        let mut all_phrasings: Vec<Phrasing> = Vec::new();
        for (index, entry) in faq.entries().iter().enumerate() {
            for (lang, phrasing) in &entry.phrasings {
                phrasings[index] += 1.0;
                let reading = text.reading(phrasing, false);
                let mut used = Vec::new();
                for term in reading.content() {
                    let stem = match lang {
                        Lang::Ru => &term.ru,
                        Lang::Kk => &term.kk,
                    };
                    let group = *by_stem.entry(stem.clone()).or_insert_with(|| {
                        groups.push(Group {
                            stem: stem.clone(),
                            surfaces: Vec::new(),
                            stem_chars: stem.chars().collect(),
                            surface_chars: Vec::new(),
                            russian: false,
                            kazakh: false,
                            idf: 0.0,
                            assoc: Vec::new(),
                        });
                        counts.push(vec![0.0; entries]);
                        groups.len() - 1
                    });
                    match lang {
                        Lang::Ru => groups[group].russian = true,
                        Lang::Kk => groups[group].kazakh = true,
                    }
                    if !groups[group].surfaces.contains(&term.surface) {
                        groups[group].surfaces.push(term.surface.clone());
                        groups[group].surface_chars.push(term.surface.chars().collect());
                    }
                    if !used.contains(&group) {
                        used.push(group);
                        counts[group][index] += 1.0;
                    }
                }
                if !used.is_empty() {
                    all_phrasings.push(Phrasing { entry: index, groups: used, weight: 0.0 });
                }
            }
        }
        let mut max_idf = 0_f64;
        for (group, count) in groups.iter_mut().zip(&counts) {
            let rates: Vec<f64> = count.iter().zip(&phrasings).map(|(n, total)| n / total.max(1.0)).collect();
            let top = rates.iter().copied().fold(0.0, f64::max);
            group.assoc = rates
                .iter()
                .map(
                    |rate| if *rate > 0.0 { tuning.assoc_floor + (1.0 - tuning.assoc_floor) * rate / top } else { 0.0 },
                )
                .collect();
            let used_by = count.iter().filter(|n| **n > 0.0).count().max(1);
            // A word seen in one phrasing is weaker evidence than one seen in several.
            let seen: f64 = count.iter().sum();
            group.idf = (1.0 + entries as f64 / used_by as f64).ln() * seen / (seen + tuning.evidence);
            max_idf = max_idf.max(group.idf);
        }
        for phrasing in &mut all_phrasings {
            phrasing.weight = phrasing.groups.iter().map(|g| groups[*g].idf).sum();
        }
        let kazakh_letters = language.fold.iter().map(|(from, _)| *from).filter(|c| *c != '\u{0451}').collect();
        Matcher { text, ids, groups, phrasings: all_phrasings, max_idf, kazakh_letters, tuning }
    }

    /// The entries, in FAQ order.
    pub fn ids(&self) -> &[EntryId] {
        &self.ids
    }

    /// Matches a question. Its every reading is tried (as typed, and as Russian typed in the
    /// Latin layout) and the one that explains it best is kept.
    pub fn ask(&self, question: &str) -> Match {
        let written_in = self.written_in(question);
        if question.chars().count() > MAX_QUESTION_CHARS {
            return Match { band: Band::Nothing, ranking: self.unranked(), written_in };
        }
        let mut best: Option<(Vec<Scored>, usize)> = None;
        for reading in self.readings(question) {
            let (ranking, matched) = self.rank(&reading, written_in);
            let better = match (&best, ranking.first()) {
                (Some((kept, _)), Some(new)) => kept.first().is_none_or(|old| new.score > old.score),
                (None, _) => true,
                (Some(_), None) => false,
            };
            if better {
                best = Some((ranking, matched));
            }
        }
        let (ranking, matched) = best.unwrap_or_else(|| (self.unranked(), 0));
        let band = band_of(&ranking, matched);
        Match { band, ranking, written_in }
    }

    /// The readings of a question: as typed; and for text with no Cyrillic letter, as Russian
    /// typed in the Latin layout, and part by part whichever of the two the FAQ knows better.
    fn readings(&self, question: &str) -> Vec<Reading> {
        let mut readings = self.text.readings(question);
        let parts = self.text.both_ways_by_part(question);
        if parts.len() > 1 {
            let written_in = self.written_in(question);
            let chosen = parts
                .into_iter()
                .map(|(typed, layout)| {
                    if self.recognised(&layout, written_in) > self.recognised(&typed, written_in) {
                        layout
                    } else {
                        typed
                    }
                })
                .collect();
            readings.push(Reading::joined(chosen));
        }
        readings
    }

    /// A word, or its other reading (an ambiguous Latin spelling) if the FAQ knows that one
    /// better.
    fn better_reading<'t>(&self, term: &'t Term, written_in: Option<Lang>) -> &'t Term {
        let Some(other) = term.other.as_deref() else { return term };
        let closest = |term: &Term| {
            let letters = Letters::of(term, written_in);
            self.groups.iter().map(|group| similarity(term, &letters, group)).fold(0.0, f64::max)
        };
        if closest(other) > closest(term) { other } else { term }
    }

    /// How many words of a reading the FAQ knows: stopwords, places and numbers, and words
    /// close to its vocabulary.
    fn recognised(&self, reading: &Reading, written_in: Option<Lang>) -> usize {
        reading
            .words
            .iter()
            .filter(|word| match word {
                Word::Stop | Word::Neutral => true,
                Word::Content(term) => {
                    let term = self.better_reading(term, written_in);
                    let letters = Letters::of(term, written_in);
                    self.groups.iter().any(|group| similarity(term, &letters, group) >= self.tuning.min_similarity)
                }
            })
            .count()
    }

    /// How each word of a question was read and what it matched (for `rezerv-bot faq --ask`).
    pub fn explain(&self, question: &str) -> Vec<String> {
        let mut lines = Vec::new();
        for (index, reading) in self.readings(question).iter().enumerate() {
            let mut words = Vec::new();
            for word in &reading.words {
                match word {
                    Word::Neutral => words.push("(place or number)".to_owned()),
                    Word::Stop => {}
                    Word::Content(term) => {
                        let term = self.better_reading(term, self.written_in(question));
                        let letters = Letters::of(term, self.written_in(question));
                        let mut matches: Vec<(f64, &Group)> = self
                            .groups
                            .iter()
                            .map(|group| (similarity(term, &letters, group), group))
                            .filter(|(similarity, _)| *similarity >= self.tuning.min_similarity)
                            .collect();
                        matches.sort_by(|a, b| (b.0 * b.1.idf).total_cmp(&(a.0 * a.1.idf)));
                        let matched: Vec<String> = matches
                            .iter()
                            .take(2)
                            .map(|(similarity, group)| {
                                let strongest = group
                                    .assoc
                                    .iter()
                                    .zip(&self.ids)
                                    .filter(|(assoc, _)| **assoc >= 1.0)
                                    .map(|(_, id)| id.as_str())
                                    .collect::<Vec<_>>()
                                    .join("/");
                                format!("{}~{similarity:.2} idf {:.2} ({strongest})", group.stem, group.idf)
                            })
                            .collect();
                        let matched = if matched.is_empty() { "unknown".to_owned() } else { matched.join(", ") };
                        words.push(format!("{} [ru {} kk {}] -> {matched}", term.surface, term.ru, term.kk));
                    }
                }
            }
            let name = match index {
                0 => "as typed",
                1 => "as if typed in the Latin layout",
                _ => "part by part",
            };
            lines.push(format!("{name}: {}", words.join("; ")));
        }
        lines
    }

    fn unranked(&self) -> Vec<Scored> {
        self.ids.iter().map(|id| Scored { id: id.clone(), score: 0.0 }).collect()
    }

    fn written_in(&self, question: &str) -> Option<Lang> {
        let lower = question.to_lowercase();
        if lower.chars().any(|c| self.kazakh_letters.contains(&c)) {
            Some(Lang::Kk)
        } else if lower.chars().any(is_russian_only) {
            Some(Lang::Ru)
        } else {
            None
        }
    }

    /// Every entry scored, the best first, and how many of the reading's words the FAQ knows.
    fn rank(&self, reading: &Reading, written_in: Option<Lang>) -> (Vec<Scored>, usize) {
        let entries = self.ids.len();
        let mut explained = vec![0_f64; entries];
        let mut total = 0_f64;
        // Per word of the question, what each group would give it (similarity × idf).
        let mut weights: Vec<Vec<f64>> = Vec::new();
        let mut matched = 0;
        for term in reading.content() {
            let term = self.better_reading(term, written_in);
            let letters = Letters::of(term, written_in);
            let mut best = 0_f64;
            let mut per_entry = vec![0_f64; entries];
            let mut per_group = vec![0_f64; self.groups.len()];
            let similarities: Vec<f64> = self.groups.iter().map(|group| similarity(term, &letters, group)).collect();
            // A word that matches some group exactly is not also a typo of another one.
            let closest = similarities.iter().copied().fold(0.0, f64::max);
            let floor = self.tuning.min_similarity.max(closest - SHADOW);
            for (index, group) in self.groups.iter().enumerate() {
                let similarity = similarities[index];
                if similarity < floor {
                    continue;
                }
                let weight = similarity * group.idf;
                per_group[index] = weight;
                best = best.max(weight);
                for (entry, assoc) in per_entry.iter_mut().zip(&group.assoc) {
                    *entry = entry.max(weight * assoc);
                }
            }
            if best > 0.0 {
                matched += 1;
                total += best;
                for (sum, part) in explained.iter_mut().zip(per_entry) {
                    *sum += part;
                }
            } else {
                total += self.tuning.unknown_weight * self.max_idf;
            }
            weights.push(per_group);
        }
        if total <= 0.0 {
            return (self.unranked(), 0);
        }
        // The closest single phrasing of each entry: how much of the question it explains,
        // and how much of it the question says.
        let mut nearest = vec![0_f64; entries];
        for phrasing in &self.phrasings {
            let said: f64 =
                weights.iter().map(|per_group| phrasing.groups.iter().map(|g| per_group[*g]).fold(0.0, f64::max)).sum();
            let covered: f64 = phrasing
                .groups
                .iter()
                .filter(|g| weights.iter().any(|per_group| per_group[**g] > 0.0))
                .map(|g| self.groups[*g].idf)
                .sum();
            let score = (said / total) * (0.5 + 0.5 * covered / phrasing.weight.max(f64::EPSILON));
            nearest[phrasing.entry] = nearest[phrasing.entry].max(score);
        }
        let mut ranking: Vec<Scored> = self
            .ids
            .iter()
            .zip(explained.iter().zip(&nearest))
            .map(|(id, (sum, near))| Scored {
                id: id.clone(),
                score: self.tuning.bag_share * sum / total + (1.0 - self.tuning.bag_share) * near,
            })
            .collect();
        // A stable sort keeps FAQ order among equals.
        ranking.sort_by(|a, b| b.score.total_cmp(&a.score));
        (ranking, matched)
    }
}

/// Confident only when the best entry is well ahead, in both terms (0.9 against 0.8 is no
/// answer), and more than one word of the question says so: the one word for "code" alone may
/// mean three entries.
fn band_of(ranking: &[Scored], matched: usize) -> Band {
    let top = ranking.first().map_or(0.0, |scored| scored.score);
    let second = ranking.get(1).map_or(0.0, |scored| scored.score);
    if top < UNSURE_FROM {
        Band::Nothing
    } else if matched >= CONFIDENT_WORDS
        && top >= CONFIDENT_FROM
        && top - second >= CONFIDENT_MARGIN
        && second <= top * CONFIDENT_SHARE
    {
        Band::Confident
    } else {
        Band::Unsure
    }
}

/// Russian letters that Kazakh does not use in its own words (ы and э it shares).
fn is_russian_only(c: char) -> bool {
    matches!(c, '\u{0449}' | '\u{044A}' | '\u{044C}' | '\u{0451}')
}

/// A question's word letter by letter, in its three forms, and which stems may count: a
/// Russian question's words are not cut at Kazakh endings (тесты is not тес-ты), nor a Kazakh
/// one's at Russian endings.
struct Letters {
    surface: Vec<char>,
    ru: Vec<char>,
    kk: Vec<char>,
    russian: bool,
    kazakh: bool,
}

impl Letters {
    fn of(term: &Term, written_in: Option<Lang>) -> Letters {
        Letters {
            surface: term.surface.chars().collect(),
            ru: term.ru.chars().collect(),
            kk: term.kk.chars().collect(),
            russian: written_in != Some(Lang::Kk),
            kazakh: written_in != Some(Lang::Ru),
        }
    }
}

/// How alike a question's word is to a group of the vocabulary, 0 to 1.
fn similarity(term: &Term, letters: &Letters, group: &Group) -> f64 {
    if group.surfaces.contains(&term.surface) {
        return 1.0;
    }
    let stem_len = group.stem_chars.len();
    let russian = letters.russian && group.russian;
    let kazakh = letters.kazakh && group.kazakh;
    if stem_len >= 3 && ((russian && term.ru == group.stem) || (kazakh && term.kk_all.contains(&group.stem))) {
        return 0.9;
    }
    let mut best = 0_f64;
    for surface in &group.surface_chars {
        best = best.max(word_similarity(&letters.surface, surface));
    }
    if stem_len >= 5 {
        if kazakh {
            best = best.max(0.95 * word_similarity(&letters.kk, &group.stem_chars));
        }
        if russian {
            best = best.max(0.95 * word_similarity(&letters.ru, &group.stem_chars));
        }
    }
    best
}

/// Two different words: a long shared beginning (a Kazakh ending the list lacks) or one or
/// two typos.
fn word_similarity(a: &[char], b: &[char]) -> f64 {
    let shorter = a.len().min(b.len());
    if shorter < 4 {
        return 0.0;
    }
    let shared = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if shared >= 5 && shared * 4 >= shorter * 3 {
        return 0.8;
    }
    // The same root with other endings: зарегался, зарегистрироваться.
    if shared >= 5 && shared * 2 >= shorter {
        return 0.72;
    }
    // A typo in the first letter is rare, and checking only words that begin alike keeps the
    // comparisons cheap.
    let begins_alike = a[0] == b[0] || (a[0] == b[1] && a[1] == b[0]);
    if shorter < 5 || a.len().abs_diff(b.len()) > 2 || !begins_alike {
        return 0.0;
    }
    match typos(a, b) {
        1 => 0.75,
        2 if shorter >= 8 => 0.7,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(text: &str) -> Vec<char> {
        text.chars().collect()
    }

    #[test]
    fn typos_count_swaps_as_one() {
        assert_eq!(typos(&chars("result"), &chars("result")), 0);
        assert_eq!(typos(&chars("result"), &chars("rseult")), 1);
        assert_eq!(typos(&chars("result"), &chars("resul")), 1);
        assert_eq!(typos(&chars("result"), &chars("rezult")), 1);
        assert_eq!(typos(&chars("certificate"), &chars("sertifikate")), 2);
    }

    #[test]
    fn short_words_need_to_be_exact_and_long_ones_may_have_typos() {
        let alike = |a: &str, b: &str| word_similarity(&chars(a), &chars(b));
        assert_eq!(alike("abc", "abd"), 0.0);
        assert_eq!(alike("cafe", "cate"), 0.0);
        assert_eq!(alike("promocode", "promocodes"), 0.8);
        assert_eq!(alike("deadline", "dedline"), 0.75);
        assert_eq!(alike("registration", "regsitratoin"), 0.7);
        assert_eq!(alike("registration", "registered"), 0.72);
        assert_eq!(alike("certificate", "sertificate"), 0.0);
        assert_eq!(alike("online", "offline"), 0.0);
    }
}
