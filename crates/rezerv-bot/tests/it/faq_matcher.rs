//! The matcher's design, word by word: how text is brought to one form (Kazakh endings,
//! folded letters, Latin script, the wrong keyboard layout, typos) and that each way of writing
//! one question finds the same entry.

use rezerv_bot::config::Campaign;
use rezerv_bot::faq::{Band, Faq, Matcher, Normalizer, Word};

fn normalizer() -> Normalizer {
    Normalizer::new(Faq::embedded().unwrap().language(), &Campaign::embedded().unwrap().city_names())
}

fn matcher() -> Matcher {
    rezerv_bot::faq::matcher(&Campaign::embedded().unwrap()).unwrap()
}

/// The content words of a text, as the matcher sees them.
fn words(text: &str) -> Vec<String> {
    normalizer().reading(text, false).content().map(|term| term.surface.clone()).collect()
}

fn best(question: &str) -> String {
    matcher().ask(question).ranking[0].id.to_string()
}

#[test]
fn kazakh_endings_are_stripped_to_one_stem() {
    let text = normalizer();
    // Stems are taken of folded words: тапсыруға is тапсыруга.
    for word in ["тапсырамын", "тапсыруга", "тапсырдым", "тапсырсам"] {
        assert_eq!(text.kk_stem(word), "тапсыр", "{word}");
    }
    // Folded letters: нәтижесі is натижеси. The forms meet at one stem, and the word's own
    // root is among the stems it may have.
    let stem = text.kk_stem("натиже");
    for word in ["натижеси", "натижени", "натижесин"] {
        assert_eq!(text.kk_stem(word), stem, "{word}");
        assert!(text.kk_stems(word).contains(&"натиже".to_owned()), "{word}");
    }
    // промокод-ым-ды, though -дым is an ending too (тапсыр-дым).
    assert!(text.kk_stems("промокодымды").contains(&"промокод".to_owned()));
    // An ending read two ways: тесті is тест-і; every possible stem is kept.
    assert!(text.kk_stems("тести").contains(&"тест".to_owned()), "{:?}", text.kk_stems("тести"));
    // Three letters always stay.
    assert_eq!(text.kk_stem("алу"), "алу");
}

#[test]
fn text_is_lowercased_folded_and_freed_of_punctuation() {
    assert_eq!(words("Қашан?! НӘТИЖЕ..."), ["кашан", "натиже"]);
    assert_eq!(words("ещё"), words("еще"));
    // A Latin look-alike inside a Cyrillic word is its letter.
    assert_eq!(words("тeст"), ["тест"]);
    // Greetings and particles go; places and numbers count for nothing.
    assert!(words("Здравствуйте, спасибо!").is_empty());
    let reading = normalizer().reading("в Алматы 17 сентября", false);
    assert_eq!(reading.words.iter().filter(|word| **word == Word::Neutral).count(), 2, "{reading:?}");
    // A Kazakh ending after a hyphen or a number is not a word of its own.
    assert_eq!(words("qrt-ға 22-сіне"), ["крт"]);
    // A level keeps its letter and its number, in either script.
    assert_eq!(words("B1"), words("В1"));
}

#[test]
fn latin_script_kazakh_and_the_wrong_layout_become_cyrillic() {
    // нәтижені, as its synonym group's word нәтиже.
    assert_eq!(words("natijeni qaidan koremin"), ["натиже", "кайдан", "коремин"]);
    assert_eq!(words("zhogary bilimim"), ["жогары", "билимим"]);
    let layout = normalizer().reading("rjulf ,elen htpekmnfns", true);
    let layout: Vec<String> = layout.content().map(|term| term.surface.clone()).collect();
    assert_eq!(layout, ["когда", "результаты"]);
}

#[test]
fn one_question_written_every_way_finds_the_same_entry() {
    for question in [
        "когда будут результаты?",
        "Когда будут РЕЗУЛЬТАТЫ",
        "когда будет результат",
        "кагда будут рузультаты",
        "rjulf ,elen htpekmnfns",
        "kogda budut rezultaty",
        "нәтиже қашан шығады",
        "натиже кашан шыгады",
        "natije qashan shygady",
        "нәтижесі қашан шығатын болады",
    ] {
        assert_eq!(best(question), "results", "{question}");
    }
    for question in ["промокод не работает", "промокод не работаит", "ghjvjrjl yt hf,jnftn", "promokod otpei jatyr"]
    {
        assert_eq!(best(question), "code-not-working", "{question}");
    }
}

#[test]
fn a_message_mixing_the_wrong_layout_and_latin_words_is_read_part_by_part() {
    // "как пройти" typed in the Latin layout, and qrt.
    assert_eq!(best("rfr ghjqnb qrt"), "qrt");
}

#[test]
fn greetings_thanks_emoji_and_single_words_are_never_answered_with_confidence() {
    let matcher = matcher();
    for message in ["привет", "сәлем", "рахмет", "ок", "👍", "???", "", "   ", "код", "тест"]
    {
        assert_ne!(matcher.ask(message).band, Band::Confident, "{message}");
    }
    // Nothing at all for what the FAQ cannot read.
    for message in ["привет", "👍", "", "qwerty", &"а".repeat(5000)] {
        assert_eq!(matcher.ask(message).band, Band::Nothing, "{message}");
    }
}
