//! Bot API error answers.

use serde_json::{Value, json};

/// An error answer of the Bot API (always 4xx so teloxide never backs off for 10 s).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct ApiError {
    /// HTTP status and `error_code`.
    pub code: u16,
    /// Telegram's `description`.
    pub description: String,
    /// `parameters.retry_after` for 429.
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// 400 with `Bad Request: ` prepended.
    pub fn bad_request(detail: impl std::fmt::Display) -> Self {
        Self::new(400, format!("Bad Request: {detail}"))
    }

    /// Any code with a literal description.
    pub fn new(code: u16, description: impl Into<String>) -> Self {
        Self { code, description: description.into(), retry_after: None }
    }

    /// 429 flood-control answer.
    pub fn too_many_requests(retry_after: u32) -> Self {
        Self {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }

    /// 403 for a chat that blocked the bot.
    pub fn blocked() -> Self {
        Self::new(403, "Forbidden: bot was blocked by the user")
    }

    /// 403 for a chat whose user account was deleted.
    pub fn deactivated() -> Self {
        Self::new(403, "Forbidden: user is deactivated")
    }

    /// 400 for unknown chats.
    pub fn chat_not_found() -> Self {
        Self::bad_request("chat not found")
    }

    /// The JSON body Telegram sends.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "ok": false,
            "error_code": self.code,
            "description": self.description,
        });
        if let Some(n) = self.retry_after {
            body["parameters"] = json!({ "retry_after": n });
        }
        body
    }
}
