//! What the bot reads out of Telegram's errors.

use teloxide::ApiError;
use teloxide::RequestError;

/// Whether Telegram refuses to reach the chat at all: the user blocked the bot or deleted
/// their account, the bot was kicked, or the chat cannot be written to by a bot. Nothing sent
/// there later can arrive, so the candidate is treated as gone.
pub fn is_unreachable(error: &RequestError) -> bool {
    let RequestError::Api(api) = error else { return false };
    match api {
        ApiError::BotBlocked
        | ApiError::UserDeactivated
        | ApiError::BotKicked
        | ApiError::BotKickedFromSupergroup
        | ApiError::BotKickedFromChannel
        | ApiError::CantInitiateConversation
        | ApiError::CantTalkWithBots => true,
        // A 403 teloxide has no variant for yet: its description is all it keeps of it.
        ApiError::Unknown(description) => description.starts_with("Forbidden:"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(error: ApiError) -> RequestError {
        RequestError::Api(error)
    }

    #[test]
    fn refusals_to_reach_the_chat_are_unreachable() {
        for error in [
            ApiError::BotBlocked,
            ApiError::UserDeactivated,
            ApiError::BotKicked,
            ApiError::BotKickedFromSupergroup,
            ApiError::BotKickedFromChannel,
            ApiError::CantInitiateConversation,
            ApiError::CantTalkWithBots,
            ApiError::Unknown("Forbidden: bot can't send messages to this chat".into()),
        ] {
            assert!(is_unreachable(&api(error.clone())), "{error:?}");
        }
    }

    #[test]
    fn other_errors_are_not() {
        for error in [
            api(ApiError::ChatNotFound),
            api(ApiError::MessageNotModified),
            api(ApiError::Unknown("Bad Request: something else".into())),
            RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(3)),
        ] {
            assert!(!is_unreachable(&error), "{error:?}");
        }
    }

    #[test]
    fn the_emulators_refusals_parse_as_unreachable() {
        // What the emulator answers for a blocked bot and a deleted account, as teloxide reads it.
        for description in ["Forbidden: bot was blocked by the user", "Forbidden: user is deactivated"] {
            let parsed: ApiError = serde_json::from_value(serde_json::Value::from(description)).unwrap();
            assert!(is_unreachable(&api(parsed)), "{description}");
        }
    }
}
