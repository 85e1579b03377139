//! `multipart/form-data` request bodies, as teloxide sends any request that may carry a file
//! (`setWebhook`, `sendDocument`, `sendPhoto`…). A text field becomes a string parameter (a
//! JSON value in it is read by `json_param` as usual); a file field becomes an object
//! `{"file_name", "content_type", "size", "hex"}`, its bytes in lowercase hex, so that tests
//! can read back exactly what was uploaded ([`file_bytes`]).

use serde_json::{Map, Value, json};

use super::ApiError;

/// The boundary named in a `multipart/form-data; boundary=…` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').map(str::trim).find_map(|part| {
        let value = part.strip_prefix("boundary=")?;
        Some(value.trim_matches('"').to_owned())
    })
}

/// Parses the parts of `body` into parameters.
pub fn parse(body: &[u8], boundary: &str) -> Result<Map<String, Value>, ApiError> {
    let bad = |what: &str| ApiError::bad_request(format!("malformed multipart body: {what}"));
    let delimiter = format!("--{boundary}").into_bytes();
    let mut params = Map::new();
    let mut rest = &body[find(body, &delimiter).ok_or_else(|| bad("no boundary"))? + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Ok(params);
        }
        rest = rest.strip_prefix(b"\r\n").ok_or_else(|| bad("no line break after a boundary"))?;
        let headers_end = find(rest, b"\r\n\r\n").ok_or_else(|| bad("a part without headers"))?;
        let headers = String::from_utf8_lossy(&rest[..headers_end]).into_owned();
        let content = &rest[headers_end + 4..];
        let end =
            find(content, &[b"\r\n".as_slice(), &delimiter].concat()).ok_or_else(|| bad("an unterminated part"))?;
        let (data, after) = (&content[..end], &content[end + 2 + delimiter.len()..]);
        let disposition = header(&headers, "content-disposition").ok_or_else(|| bad("a part without a name"))?;
        let name = attribute(&disposition, "name").ok_or_else(|| bad("a part without a name"))?;
        let value = match attribute(&disposition, "filename") {
            Some(file_name) => json!({
                "file_name": file_name,
                "content_type": header(&headers, "content-type").unwrap_or_default(),
                "size": data.len(),
                "hex": data.iter().map(|byte| format!("{byte:02x}")).collect::<String>(),
            }),
            None => Value::String(String::from_utf8_lossy(data).into_owned()),
        };
        params.insert(name, value);
        rest = after;
    }
}

/// The bytes of a file parameter made by [`parse`].
pub fn file_bytes(file: &Value) -> Option<Vec<u8>> {
    let hex = file.get("hex")?.as_str()?;
    (0..hex.len()).step_by(2).map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok()).collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn header(headers: &str, name: &str) -> Option<String> {
    headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
    })
}

/// `name="value"` (or unquoted) in a header's parameters.
fn attribute(header: &str, name: &str) -> Option<String> {
    header.split(';').map(str::trim).find_map(|part| {
        let (key, value) = part.split_once('=')?;
        (key.trim() == name).then(|| value.trim().trim_matches('"').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_file_parts_are_read() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttp://h/p\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"document\"; filename=\"a.ics\"\r\nContent-Type: text/calendar\r\n\r\n\
BEGIN\r\n\x00\xff\r\n--XyZ--\r\n";
        assert_eq!(boundary("multipart/form-data; boundary=XyZ").as_deref(), Some("XyZ"));
        let params = parse(body, "XyZ").unwrap();
        assert_eq!(params["url"], "http://h/p");
        assert_eq!(params["document"]["file_name"], "a.ics");
        assert_eq!(params["document"]["content_type"], "text/calendar");
        assert_eq!(file_bytes(&params["document"]).unwrap(), b"BEGIN\r\n\x00\xff");
    }

    #[test]
    fn malformed_bodies_are_refused() {
        for body in [
            &b"no boundary here"[..],
            b"--XyZ\r\nno headers end",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated",
        ] {
            assert!(parse(body, "XyZ").is_err(), "{}", String::from_utf8_lossy(body));
        }
    }
}
