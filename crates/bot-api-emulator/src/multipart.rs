//! `multipart/form-data` bodies (RFC 7578), as bots upload files: text parts become
//! parameters, file parts become [`Upload`]s keyed by their part name.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::ApiError;
use super::methods::Params;

/// A file part of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The part's `filename`.
    pub file_name: String,
    /// The part's `Content-Type`, if it named one.
    pub content_type: Option<String>,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The file parts of a request by part name. A bot names a part either after the parameter
/// (`document`) or freely, referring to it as `attach://<name>` in the parameter.
pub type Uploads = HashMap<String, Upload>;

/// The `boundary` parameter of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn malformed(detail: &str) -> ApiError {
    ApiError::bad_request(format!("can't parse multipart/form-data: {detail}"))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Splits `body` into text parameters (added to `params`) and file parts. Each file part is
/// also listed in `params` under its name, without its bytes, so that recorded requests show
/// what was uploaded.
pub fn parse(body: &[u8], boundary: &str, params: &mut Params) -> Result<Uploads, ApiError> {
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(malformed("bad boundary"));
    }
    let delimiter = format!("--{boundary}").into_bytes();
    let start = find(body, &delimiter).ok_or_else(|| malformed("no boundary in the body"))?;
    let mut rest = &body[start + delimiter.len()..];
    // Every later delimiter starts on a line of its own.
    let next_delimiter = [b"\r\n".as_slice(), &delimiter].concat();
    let mut uploads = Uploads::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(uploads);
        }
        rest = rest.strip_prefix(b"\r\n").ok_or_else(|| malformed("no line break after a boundary"))?;
        let end = find(rest, &next_delimiter).ok_or_else(|| malformed("a part is not closed"))?;
        let (part, after) = rest.split_at(end);
        rest = &after[next_delimiter.len()..];
        let split = find(part, b"\r\n\r\n").ok_or_else(|| malformed("a part has no headers"))?;
        let head = std::str::from_utf8(&part[..split]).map_err(|_| malformed("part headers are not UTF-8"))?;
        let content = &part[split + 4..];
        let mut disposition = None;
        let mut content_type = None;
        for line in head.split("\r\n") {
            let Some((name, value)) = line.split_once(':') else { continue };
            if name.trim().eq_ignore_ascii_case("content-disposition") {
                disposition = Some(value.trim().to_owned());
            } else if name.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_owned());
            }
        }
        let disposition = disposition.ok_or_else(|| malformed("a part has no Content-Disposition"))?;
        let name = disposition_param(&disposition, "name").ok_or_else(|| malformed("a part has no name"))?;
        match disposition_param(&disposition, "filename") {
            Some(file_name) => {
                params.insert(
                    name.clone(),
                    json!({"file_name": file_name, "content_type": content_type, "size": content.len()}),
                );
                uploads.insert(name, Upload { file_name, content_type, bytes: content.to_vec() });
            }
            None => {
                let text = String::from_utf8(content.to_vec()).map_err(|_| malformed("a text part is not UTF-8"))?;
                params.insert(name, Value::String(text));
            }
        }
    }
}

/// A parameter of a `Content-Disposition` header value (`form-data; name="x"; filename="y"`).
fn disposition_param(value: &str, wanted: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case(wanted).then(|| value.trim().trim_matches('"').replace("\\\"", "\""))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\nattach://f1\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"f1\"; filename=\"dates.ics\"\r\nContent-Type: text/calendar\r\n\r\n\
BEGIN:VCALENDAR\r\n--not the boundary\r\nEND:VCALENDAR\r\n\r\n--XyZ--\r\n";

    #[test]
    fn text_parts_become_parameters_and_file_parts_uploads() {
        let mut params = Params::new();
        let uploads = parse(BODY, "XyZ", &mut params).unwrap();
        assert_eq!(params["chat_id"], json!("42"));
        assert_eq!(params["document"], json!("attach://f1"));
        assert_eq!(params["f1"]["file_name"], json!("dates.ics"));
        let upload = &uploads["f1"];
        assert_eq!(upload.file_name, "dates.ics");
        assert_eq!(upload.content_type.as_deref(), Some("text/calendar"));
        // The bytes are kept exactly, line breaks and a look-alike of the boundary included.
        assert_eq!(upload.bytes, b"BEGIN:VCALENDAR\r\n--not the boundary\r\nEND:VCALENDAR\r\n");
    }

    #[test]
    fn the_boundary_is_read_from_the_content_type() {
        assert_eq!(boundary("multipart/form-data; boundary=abc").as_deref(), Some("abc"));
        assert_eq!(boundary("multipart/form-data; charset=utf-8; Boundary=\"a b\"").as_deref(), Some("a b"));
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn broken_bodies_are_refused() {
        for body in [&b"no boundary here"[..], b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nopen"] {
            let err = parse(body, "XyZ", &mut Params::new()).unwrap_err();
            assert_eq!(err.code, 400, "{err}");
        }
        let nameless = b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--";
        assert!(parse(nameless, "XyZ", &mut Params::new()).is_err());
    }
}
