//! Text brought to one form before matching: lowercase, punctuation gone, Latin-script and
//! wrong-layout text turned into Cyrillic, Kazakh letters folded, spellings mapped to one
//! word, and each word with its Russian and Kazakh stems.

use std::collections::{HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer};

use super::data::LanguageData;

/// One word of a text, in the forms the matcher compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The word folded (and mapped to the word its spelling stands for).
    pub surface: String,
    /// Snowball's Russian stem of `surface`.
    pub ru: String,
    /// `surface` with its Kazakh endings stripped, the longest first.
    pub kk: String,
    /// Every stem the endings could leave: an ending can be read two ways (тесті is тест-і,
    /// not тес-ті), so a question's word matches a phrasing's stem that is any of these.
    pub kk_all: Vec<String>,
    /// Another reading of a Latin-script word whose spelling is ambiguous ("auysu" is ауысу,
    /// "bayqau" is байқау): the matcher keeps whichever the FAQ knows better.
    pub other: Option<Box<Term>>,
}

/// How a word of a text counts for the matcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Word {
    /// A word about the topic, to be matched.
    Content(Term),
    /// A place, a number, the rest of a link: says nothing for or against an entry.
    Neutral,
    /// A greeting, a pronoun, a particle: says nothing at all.
    Stop,
}

/// A text as words, in one reading: as typed, or as Russian typed in the Latin layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub words: Vec<Word>,
}

impl Reading {
    pub fn content(&self) -> impl Iterator<Item = &Term> {
        self.words.iter().filter_map(|word| match word {
            Word::Content(term) => Some(term),
            Word::Neutral | Word::Stop => None,
        })
    }

    /// The readings one after the other, each content word once.
    pub fn joined(parts: Vec<Reading>) -> Reading {
        let mut seen = HashSet::new();
        let words = parts
            .into_iter()
            .flat_map(|part| part.words)
            .filter(|word| match word {
                Word::Content(term) => seen.insert(term.surface.clone()),
                Word::Neutral | Word::Stop => true,
            })
            .collect();
        Reading { words }
    }
}

/// Brings texts to one form; built once from the language data.
pub struct Normalizer {
    fold: HashMap<char, char>,
    lookalikes: HashMap<char, char>,
    /// Latin sequences (as chars) to Cyrillic, the longest first.
    latin: Vec<(Vec<char>, String)>,
    /// Latin pairs that may also be read letter by letter.
    latin_either: Vec<Vec<char>>,
    layout: HashMap<char, char>,
    stopwords: HashSet<String>,
    /// The long stopwords, letter by letter: one typo in them still makes a stopword.
    long_stopwords: Vec<Vec<char>>,
    /// Surfaces and stems of neutral words.
    neutral: HashSet<String>,
    synonyms: HashMap<String, String>,
    /// The same by the spellings' stems, so that their other forms count too.
    synonym_stems: HashMap<String, String>,
    /// Kazakh endings (folded), the longest first.
    suffixes: Vec<Vec<char>>,
    /// The same, by their last letter.
    suffixes_by_last: HashMap<char, Vec<Vec<char>>>,
    kk_min_stem: usize,
    russian: Stemmer,
}

impl std::fmt::Debug for Normalizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Normalizer").finish_non_exhaustive()
    }
}

/// A synonym's other forms are recognised by a stem at least this long.
const MIN_SYNONYM_STEM: usize = 4;

/// The most stems `kk_stems` gives a word.
const MAX_STEMS: usize = 12;

/// Words this long may carry a typo and still be recognised.
pub const LONG_WORD: usize = 6;

/// The optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// two neighbours, each one typo.
pub fn typos(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0_usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = value;
        }
    }
    d[n][m]
}

/// Russian typed in the Latin layout: only text with Latin letters and no Cyrillic one.
fn could_be_wrong_layout(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_alphabetic()) && !text.chars().any(is_cyrillic)
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

fn is_latin(c: char) -> bool {
    c.is_alphabetic() && !is_cyrillic(c) && (c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c))
}

/// Apostrophes belong to Latin-script Kazakh words (the 2017 alphabet wrote ә as a').
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}')
}

impl Normalizer {
    pub fn new(data: &LanguageData, extra_neutral: &[String]) -> Normalizer {
        let mut latin: Vec<(Vec<char>, String)> =
            data.latin.iter().map(|(from, to)| (from.chars().collect(), to.clone())).collect();
        latin.sort_by_key(|rule| std::cmp::Reverse(rule.0.len()));
        let mut normalizer = Normalizer {
            fold: data.fold.iter().copied().collect(),
            lookalikes: data.lookalikes.iter().copied().collect(),
            latin,
            latin_either: data.latin_either.iter().map(|pair| pair.chars().collect()).collect(),
            layout: data.layout.iter().copied().collect(),
            stopwords: HashSet::new(),
            long_stopwords: Vec::new(),
            neutral: HashSet::new(),
            synonyms: HashMap::new(),
            synonym_stems: HashMap::new(),
            suffixes: Vec::new(),
            suffixes_by_last: HashMap::new(),
            kk_min_stem: data.kk_min_stem,
            russian: Stemmer::create(Algorithm::Russian),
        };
        let mut suffixes: Vec<Vec<char>> =
            data.kk_suffixes.iter().map(|suffix| normalizer.fold_word(suffix).chars().collect()).collect();
        suffixes.sort_by_key(|suffix| std::cmp::Reverse(suffix.len()));
        suffixes.dedup();
        for suffix in &suffixes {
            if let Some(last) = suffix.last() {
                normalizer.suffixes_by_last.entry(*last).or_default().push(suffix.clone());
            }
        }
        normalizer.suffixes = suffixes;
        // The lists are written as people type: bring them to the form of a text's words.
        let synonyms: HashMap<String, String> = data
            .synonyms
            .iter()
            .filter_map(|(spelling, word)| {
                Some((normalizer.single_surface(spelling)?, normalizer.single_surface(word)?))
            })
            .collect();
        let mut synonym_stems = HashMap::new();
        for (spelling, word) in &synonyms {
            let ru = normalizer.russian.stem(spelling).into_owned();
            let kk = normalizer.kk_stem(spelling);
            for stem in [ru, kk] {
                if stem.chars().count() >= MIN_SYNONYM_STEM && stem != *word {
                    synonym_stems.insert(stem, word.clone());
                }
            }
        }
        normalizer.synonyms = synonyms;
        normalizer.synonym_stems = synonym_stems;
        normalizer.stopwords = data.stopwords.iter().filter_map(|word| normalizer.single_surface(word)).collect();
        normalizer.long_stopwords = normalizer
            .stopwords
            .iter()
            .map(|word| word.chars().collect::<Vec<_>>())
            .filter(|word| word.len() >= LONG_WORD)
            .collect();
        let neutral: Vec<String> = data
            .neutral
            .iter()
            .chain(extra_neutral)
            .flat_map(|text| normalizer.raw_words(text, false))
            .map(|(surface, _)| surface)
            .collect();
        for surface in neutral {
            let term = normalizer.term(surface);
            normalizer.neutral.extend([term.surface, term.ru, term.kk]);
        }
        normalizer
    }

    /// The readings of a text: as typed, and, for text with no Cyrillic letter, as Russian
    /// typed with the keyboard in the Latin layout.
    pub fn readings(&self, text: &str) -> Vec<Reading> {
        let mut readings = vec![self.reading(text, false)];
        if could_be_wrong_layout(text) {
            readings.push(self.reading(text, true));
        }
        readings
    }

    /// For text that may be Russian typed in the Latin layout, each of its space-separated
    /// parts read both ways (as typed, and as the layout's letters): a message can mix the two
    /// ("rfr ghjqnb qrt" is Russian for "how to pass" typed on a Latin layout, and qrt).
    pub fn both_ways_by_part(&self, text: &str) -> Vec<(Reading, Reading)> {
        if !could_be_wrong_layout(text) {
            return Vec::new();
        }
        text.split_whitespace().map(|part| (self.reading(part, false), self.reading(part, true))).collect()
    }

    /// The words of a phrasing or a question, as typed.
    pub fn reading(&self, text: &str, layout: bool) -> Reading {
        let mut words = Vec::new();
        let mut seen = HashSet::new();
        for (surface, other) in self.raw_words(text, layout) {
            if self.is_stopword(&surface) {
                words.push(Word::Stop);
                continue;
            }
            let mut term = self.term(surface);
            term.other = other.filter(|other| !self.is_stopword(other)).map(|other| Box::new(self.term(other)));
            let neutral = term.surface.chars().all(|c| c.is_ascii_digit())
                || [&term.surface, &term.ru, &term.kk].iter().any(|form| self.neutral.contains(*form));
            if neutral {
                words.push(Word::Neutral);
            } else if seen.insert(term.surface.clone()) {
                words.push(Word::Content(term));
            }
        }
        Reading { words }
    }

    /// A stopword, or one typo away from a long one (a greeting misspelled by one letter).
    fn is_stopword(&self, word: &str) -> bool {
        if self.stopwords.contains(word) {
            return true;
        }
        let chars: Vec<char> = word.chars().collect();
        chars.len() >= LONG_WORD
            && self
                .long_stopwords
                .iter()
                .any(|stop| stop[0] == chars[0] && stop.len().abs_diff(chars.len()) <= 1 && typos(stop, &chars) <= 1)
    }

    /// A word of a data list, or nothing if it is not one word.
    fn single_surface(&self, text: &str) -> Option<String> {
        let mut words = self.raw_words(text, false);
        (words.len() == 1).then(|| words.remove(0).0)
    }

    fn term(&self, surface: String) -> Term {
        if let Some(word) = self.synonyms.get(&surface) {
            return self.stemmed(word.clone());
        }
        let term = self.stemmed(surface);
        match self.synonym_stems.get(&term.ru).or_else(|| self.synonym_stems.get(&term.kk)) {
            Some(word) => self.stemmed(word.clone()),
            None => term,
        }
    }

    fn stemmed(&self, surface: String) -> Term {
        let ru = self.russian.stem(&surface).into_owned();
        let kk = self.kk_stem(&surface);
        let kk_all = self.kk_stems(&surface);
        Term { surface, ru, kk, kk_all, other: None }
    }

    /// Lowercase words with punctuation gone, Latin turned into Cyrillic and Kazakh letters
    /// folded. A Kazakh ending written after a hyphen or a number (qrt-ға, 22-сіне) is
    /// dropped; a letter and a number stay one word (B1, А2).
    fn raw_words(&self, text: &str, layout: bool) -> Vec<(String, Option<String>)> {
        let lower: String =
            text.chars().flat_map(char::to_lowercase).map(|c| if is_apostrophe(c) { '\'' } else { c }).collect();
        let mapped: String =
            if layout { lower.chars().map(|c| self.layout.get(&c).copied().unwrap_or(c)).collect() } else { lower };
        let mut words = Vec::new();
        for chunk in mapped.split(|c: char| !(c.is_alphanumeric() || c == '-' || is_apostrophe(c))) {
            for (index, part) in chunk.split('-').enumerate() {
                let part = part.trim_matches(is_apostrophe);
                if part.is_empty() {
                    continue;
                }
                for (run_index, (run, other)) in self.runs(part).into_iter().enumerate() {
                    let word = self.fold_word(&run);
                    let other = other.map(|other| self.fold_word(&other));
                    let attached = index > 0 || run_index > 0;
                    if word.chars().count() < 2 && !word.chars().all(|c| c.is_ascii_digit()) {
                        continue;
                    }
                    if attached && self.is_ending(&word) {
                        continue;
                    }
                    words.push((word, other));
                }
            }
        }
        words
    }

    /// A hyphen-free part of a word split where its script or its digits change, each run in
    /// Cyrillic (with its other reading, for an ambiguous Latin spelling). Latin look-alikes
    /// inside a Cyrillic word are its letters (тeст with a Latin e).
    fn runs(&self, part: &str) -> Vec<(String, Option<String>)> {
        let chars: Vec<char> = part.chars().collect();
        let has_cyrillic = chars.iter().any(|c| is_cyrillic(*c));
        let latin: Vec<char> = chars.iter().copied().filter(|c| is_latin(*c)).collect();
        if has_cyrillic && !latin.is_empty() && latin.iter().all(|c| self.lookalikes.contains_key(c)) {
            let mapped: String = chars.iter().map(|c| self.lookalikes.get(c).copied().unwrap_or(*c)).collect();
            return self.runs(&mapped);
        }
        #[derive(PartialEq, Clone, Copy)]
        enum Kind {
            Cyrillic,
            Latin,
            Digit,
        }
        let kind = |c: char| {
            if c.is_ascii_digit() || c.is_numeric() {
                Kind::Digit
            } else if is_cyrillic(c) {
                Kind::Cyrillic
            } else {
                Kind::Latin
            }
        };
        let mut runs: Vec<(Kind, String)> = Vec::new();
        for c in chars {
            let k = kind(c);
            match runs.last_mut() {
                Some((last, run)) if *last == k => run.push(c),
                _ => runs.push((k, c.to_string())),
            }
        }
        // A single letter before a number names a level: B1, в1, С1.
        let mut joined: Vec<(Kind, String)> = Vec::new();
        for (k, run) in runs {
            match joined.last_mut() {
                Some((last, letters)) if k == Kind::Digit && *last != Kind::Digit && letters.chars().count() == 1 => {
                    letters.push_str(&run);
                    *last = Kind::Digit;
                }
                _ => joined.push((k, run)),
            }
        }
        joined
            .into_iter()
            .map(|(k, run)| match k {
                Kind::Latin => {
                    let main = self.transliterate(&run, true);
                    let other = self.transliterate(&run, false);
                    let other = (other != main).then_some(other);
                    (main, other)
                }
                Kind::Digit if run.chars().next().is_some_and(is_latin) => (self.transliterate(&run, true), None),
                _ => (run, None),
            })
            .collect()
    }

    /// Latin to Cyrillic, the longest sequence first; a sign with no rule is dropped. Without
    /// `glides`, the pairs that may also be read letter by letter (`latin_either`) are.
    fn transliterate(&self, word: &str, glides: bool) -> String {
        let chars: Vec<char> = word.chars().collect();
        let mut out = String::new();
        let mut at = 0;
        'outer: while at < chars.len() {
            if chars[at].is_ascii_digit() || is_cyrillic(chars[at]) {
                out.push(chars[at]);
                at += 1;
                continue;
            }
            for (from, to) in &self.latin {
                if !glides && self.latin_either.contains(from) {
                    continue;
                }
                if chars[at..].starts_with(from) {
                    out.push_str(to);
                    at += from.len();
                    continue 'outer;
                }
            }
            at += 1;
        }
        out
    }

    fn fold_word(&self, word: &str) -> String {
        word.chars().map(|c| self.fold.get(&c).copied().unwrap_or(c)).collect()
    }

    /// Whether a word is only Kazakh endings (сіне, ға, тен): nothing of its own.
    fn is_ending(&self, word: &str) -> bool {
        let mut rest: Vec<char> = word.chars().collect();
        while let Some(last) = rest.last() {
            let Some(suffix) =
                self.suffixes_by_last.get(last).and_then(|list| list.iter().find(|suffix| rest.ends_with(suffix)))
            else {
                return false;
            };
            rest.truncate(rest.len() - suffix.len());
        }
        true
    }

    /// The word (folded: ғ as г, і as и...) with its Kazakh endings stripped, the longest
    /// first, while `kk_min_stem` letters stay.
    /// Every stem that stripping Kazakh endings (in any order the list allows) can leave, the
    /// word itself included, while `kk_min_stem` letters stay.
    pub fn kk_stems(&self, word: &str) -> Vec<String> {
        let mut found: Vec<Vec<char>> = vec![word.chars().collect()];
        let mut at = 0;
        // A word has a few endings at most; the bound keeps a pathological word cheap.
        while at < found.len() && found.len() < MAX_STEMS {
            let stem = found[at].clone();
            at += 1;
            let Some(last) = stem.last() else { continue };
            for suffix in self.suffixes_by_last.get(last).into_iter().flatten() {
                if stem.ends_with(suffix) && stem.len() >= suffix.len() + self.kk_min_stem {
                    let shorter = stem[..stem.len() - suffix.len()].to_vec();
                    if !found.contains(&shorter) {
                        found.push(shorter);
                    }
                }
            }
        }
        found.into_iter().map(|stem| stem.into_iter().collect()).collect()
    }

    pub fn kk_stem(&self, word: &str) -> String {
        let mut stem: Vec<char> = word.chars().collect();
        while let Some(last) = stem.last() {
            let found = self.suffixes_by_last.get(last).and_then(|list| {
                list.iter().find(|suffix| stem.ends_with(suffix) && stem.len() >= suffix.len() + self.kk_min_stem)
            });
            match found {
                Some(suffix) => stem.truncate(stem.len() - suffix.len()),
                None => break,
            }
        }
        stem.into_iter().collect()
    }
}
