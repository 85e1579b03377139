//! A broadcast's text: Telegram HTML, checked before anything is queued.

use thiserror::Error;

/// The longest message Telegram takes, in characters as the reader sees them (tags stripped,
/// entities decoded).
pub const MAX_RENDERED_CHARS: usize = 4096;

/// The tags Telegram's HTML parse mode accepts.
const ALLOWED_TAGS: [&str; 16] = [
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
];

/// Why a text cannot be broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("the text is empty")]
    Empty,
    #[error("the text is {chars} characters once rendered; Telegram takes at most {MAX_RENDERED_CHARS}")]
    TooLong { chars: usize },
    #[error("<{tag}> is not a tag Telegram accepts")]
    UnsupportedTag { tag: String },
    #[error("<{tag}> is never closed")]
    Unclosed { tag: String },
    #[error("</{tag}> closes nothing")]
    UnexpectedClose { tag: String },
    #[error("</{found}> where </{expected}> was expected")]
    Mismatched { expected: String, found: String },
    #[error("a `<` starts no tag: write &lt; for the sign itself")]
    StrayAngle,
}

/// A broadcast text that Telegram will take: non-empty, balanced HTML of its tags, at most
/// 4,096 characters once rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastText {
    html: String,
    rendered_chars: usize,
}

impl BroadcastText {
    pub fn parse(html: &str) -> Result<BroadcastText, TextError> {
        let html = html.trim();
        let visible = visible_text(html)?;
        if visible.trim().is_empty() {
            return Err(TextError::Empty);
        }
        let chars = visible.chars().count();
        if chars > MAX_RENDERED_CHARS {
            return Err(TextError::TooLong { chars });
        }
        Ok(BroadcastText { html: html.to_owned(), rendered_chars: chars })
    }

    /// The HTML as sent.
    pub fn html(&self) -> &str {
        &self.html
    }

    /// Characters as the reader sees them.
    pub fn rendered_chars(&self) -> usize {
        self.rendered_chars
    }

    /// The text as the reader sees it, without its markup.
    pub fn visible(&self) -> String {
        visible_text(&self.html).unwrap_or_default()
    }
}

/// The text without its tags and with its entities decoded, as Telegram shows it; or why
/// Telegram would refuse it.
pub fn visible_text(html: &str) -> Result<String, TextError> {
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(['<', '&']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with('&') {
            let (decoded, used) = decode_entity(tail);
            out.push_str(&decoded);
            rest = &tail[used..];
            continue;
        }
        let Some(end) = tail.find('>') else { return Err(TextError::StrayAngle) };
        let inner = &tail[1..end];
        rest = &tail[end + 1..];
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            match open.pop() {
                Some(expected) if expected == name => {}
                Some(expected) => return Err(TextError::Mismatched { expected, found: name }),
                None => return Err(TextError::UnexpectedClose { tag: name }),
            }
        } else {
            let name: String =
                inner.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or_default().to_ascii_lowercase();
            if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                return Err(TextError::StrayAngle);
            }
            if !ALLOWED_TAGS.contains(&name.as_str()) {
                return Err(TextError::UnsupportedTag { tag: name });
            }
            open.push(name);
        }
    }
    out.push_str(rest);
    match open.pop() {
        Some(tag) => Err(TextError::Unclosed { tag }),
        None => Ok(out),
    }
}

/// Decodes one `&…;` entity at the start of `text`: the four named ones Telegram knows and
/// numeric ones. Anything else is a literal `&`, as Telegram reads it.
fn decode_entity(text: &str) -> (String, usize) {
    let Some(semi) = text.find(';').filter(|at| *at <= 10) else { return ("&".to_owned(), 1) };
    let name = &text[1..semi];
    let decoded = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
            Some(hex) => u32::from_str_radix(hex, 16).ok().and_then(char::from_u32),
            None => name.strip_prefix('#').and_then(|dec| dec.parse().ok()).and_then(char::from_u32),
        },
    };
    match decoded {
        Some(ch) => (ch.to_string(), semi + 1),
        None => ("&".to_owned(), 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_html_is_kept_as_written_and_counted_as_seen() {
        // Kazakh in its Latin alphabet: letters of two bytes in UTF-8, as Cyrillic's.
        let text =
            BroadcastText::parse("  <b>Mekenjaı</b> özgerdi: <a href=\"https://x.kz\">mynda</a> &amp; ança  ").unwrap();
        assert_eq!(text.html(), "<b>Mekenjaı</b> özgerdi: <a href=\"https://x.kz\">mynda</a> &amp; ança");
        assert_eq!(text.visible(), "Mekenjaı özgerdi: mynda & ança");
        assert_eq!(text.rendered_chars(), 30);
        assert!(BroadcastText::parse("Q&A, 5 &gt; 3, &#1178;").is_ok());
    }

    #[test]
    fn the_limit_counts_what_the_reader_sees() {
        let longest = "ä".repeat(MAX_RENDERED_CHARS);
        assert!(BroadcastText::parse(&format!("<b>{longest}</b>")).is_ok(), "tags do not count");
        assert_eq!(
            BroadcastText::parse(&format!("{longest}!")),
            Err(TextError::TooLong { chars: MAX_RENDERED_CHARS + 1 })
        );
        assert_eq!(BroadcastText::parse(&"&amp;".repeat(MAX_RENDERED_CHARS)).map(|t| t.rendered_chars()), Ok(4096));
    }

    #[test]
    fn bad_html_and_empty_texts_are_refused_with_the_reason() {
        let err = |text: &str| BroadcastText::parse(text).unwrap_err();
        assert_eq!(err(""), TextError::Empty);
        assert_eq!(err("  \n "), TextError::Empty);
        assert_eq!(err("<b> </b>"), TextError::Empty);
        assert_eq!(err("<b>bold"), TextError::Unclosed { tag: "b".into() });
        assert_eq!(err("bold</b>"), TextError::UnexpectedClose { tag: "b".into() });
        assert_eq!(err("<b><i>x</b></i>"), TextError::Mismatched { expected: "i".into(), found: "b".into() });
        assert_eq!(err("<div>x</div>"), TextError::UnsupportedTag { tag: "div".into() });
        assert_eq!(err("line<br>break"), TextError::UnsupportedTag { tag: "br".into() });
        assert_eq!(err("1 < 2"), TextError::StrayAngle);
        assert_eq!(err("a <3 b>"), TextError::StrayAngle);
    }
}
