//! Files users send the bot as documents, kept for `getFile` and the file server
//! (`GET /file/bot<token>/<file_path>`), as Telegram keeps them.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::ApiError;
use super::methods::{Params, opt_str};

/// The largest file a bot may download: "bots can download files of up to 20MB in size".
pub const MAX_DOWNLOAD_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug)]
struct StoredFile {
    unique_id: String,
    path: String,
    bytes: Vec<u8>,
}

/// Every file a user sent, by `file_id`, and the `file_id` of each `file_path`.
#[derive(Debug, Default)]
pub struct Files {
    by_id: HashMap<String, StoredFile>,
    by_path: HashMap<String, String>,
    sent: u64,
}

impl Files {
    /// Keeps a file a user sends; returns its `file_id` and `file_unique_id`.
    pub fn store(&mut self, file_name: &str, bytes: Vec<u8>) -> (String, String) {
        self.sent += 1;
        let n = self.sent;
        let (file_id, unique_id) = (format!("BQACAgIAAxkBAAIF{n:06}"), format!("AgADF{n:06}"));
        // Telegram's paths keep the extension only.
        let extension = file_name.rsplit_once('.').map(|(_, ext)| format!(".{ext}")).unwrap_or_default();
        let path = format!("documents/file_{n}{extension}");
        self.by_path.insert(path.clone(), file_id.clone());
        self.by_id.insert(file_id.clone(), StoredFile { unique_id: unique_id.clone(), path, bytes });
        (file_id, unique_id)
    }

    /// `getFile`: `file_id` is required; a file over 20 MB cannot be downloaded by a bot.
    pub fn get_file(&self, p: &Params) -> Result<Value, ApiError> {
        let file_id = opt_str(p, "file_id").unwrap_or_default();
        if file_id.trim().is_empty() {
            return Err(ApiError::bad_request("file_id is empty"));
        }
        let file = self.by_id.get(&file_id).ok_or_else(|| ApiError::bad_request("invalid file_id"))?;
        if file.bytes.len() > MAX_DOWNLOAD_BYTES {
            return Err(ApiError::bad_request("file is too big"));
        }
        Ok(json!({
            "file_id": file_id,
            "file_unique_id": file.unique_id,
            "file_size": file.bytes.len(),
            "file_path": file.path,
        }))
    }

    /// The bytes behind a `file_path` that `getFile` gave.
    pub fn download(&self, path: &str) -> Option<&[u8]> {
        let file = self.by_id.get(self.by_path.get(path)?)?;
        (file.bytes.len() <= MAX_DOWNLOAD_BYTES).then_some(file.bytes.as_slice())
    }
}

/// The MIME type a Telegram client names for a file, by its extension.
pub fn mime_type(file_name: &str) -> &'static str {
    let extension = file_name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "csv" => "text/csv",
        "txt" => "text/plain",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xls" => "application/vnd.ms-excel",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// `/file/bot<token>/<file_path>` (percent-decoded: teloxide sends the path's `/` as `%2F`)
/// split into the token and the path; `None` for any other path.
pub fn parse_file_path(decoded: &str) -> Option<(String, String)> {
    let rest = decoded.trim_start_matches('/').strip_prefix("file/bot")?;
    let (token, file_path) = rest.split_once('/')?;
    let file_path = file_path.trim_start_matches('/');
    (!token.is_empty() && !file_path.is_empty()).then(|| (token.to_owned(), file_path.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_found_by_id_and_by_path() {
        let mut files = Files::default();
        let (id, _) = files.store("codes.xlsx", b"PK".to_vec());
        let mut params = Params::new();
        params.insert("file_id".into(), json!(id));
        let file = files.get_file(&params).unwrap();
        assert_eq!(file["file_size"], json!(2));
        let path = file["file_path"].as_str().unwrap();
        assert!(path.ends_with(".xlsx"), "{path}");
        assert_eq!(files.download(path), Some(&b"PK"[..]));
        assert_eq!(files.download("documents/file_9.xlsx"), None);
        params.insert("file_id".into(), json!("nope"));
        assert_eq!(files.get_file(&params).unwrap_err().description, "Bad Request: invalid file_id");
        assert_eq!(files.get_file(&Params::new()).unwrap_err().description, "Bad Request: file_id is empty");
    }

    #[test]
    fn only_file_server_paths_are_parsed() {
        assert_eq!(
            parse_file_path("/file/bot1:A/documents/file_1.csv"),
            Some(("1:A".into(), "documents/file_1.csv".into()))
        );
        assert_eq!(parse_file_path("//file/bot1:A/documents/x.csv"), Some(("1:A".into(), "documents/x.csv".into())));
        assert_eq!(parse_file_path("/bot1:A/getFile"), None);
        assert_eq!(parse_file_path("/file/bot1:A/"), None);
    }
}
