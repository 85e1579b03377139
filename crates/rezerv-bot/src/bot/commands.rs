//! The bot's commands. Their localized descriptions are `cmd-<name>` in the locales.

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;
use teloxide::types::Me;
use teloxide::utils::command::BotCommands;

use super::BotError;

#[derive(BotCommands, Debug, Clone, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// `/start [payload]`: the payload of a deep link is kept as the candidate's source.
    Start(String),
    Status,
    Code,
    Language,
    Help,
    Forget,
}

impl Command {
    /// Every command name, in menu order.
    pub const NAMES: [&'static str; 6] = ["start", "status", "code", "language", "help", "forget"];

    /// A candidates' command, in any case (see [`parse_any_case`]).
    pub fn parse_any_case(text: &str, bot_name: &str) -> Option<Command> {
        parse_any_case(text, bot_name)
    }
}

/// Parses commands of any set whatever the case of their name, as Telegram's clients match
/// commands (`/START`, `/Status@Bot`); the arguments, such as a deep-link payload, keep theirs.
pub fn parse_any_case<C: BotCommands>(text: &str, bot_name: &str) -> Option<C> {
    let name_ends = text.find(|c: char| c.is_whitespace() || c == '@').unwrap_or(text.len());
    let (name, rest) = text.split_at(name_ends);
    C::parse(&format!("{}{rest}", name.to_ascii_lowercase()), bot_name).ok()
}

/// The commands sub-tree's filter: a message's text (or a caption) parsed as a `Command`,
/// in any case. teloxide's own `filter_command` is case-sensitive.
pub fn filter_command() -> UpdateHandler<BotError> {
    dptree::filter_map(|message: Message, me: Me| {
        let text = message.text().or_else(|| message.caption())?;
        Command::parse_any_case(text, me.username())
    })
}

#[cfg(test)]
mod tests {
    use super::Command;

    #[test]
    fn names_match_in_any_case_and_arguments_keep_theirs() {
        let bot = "rezerv_bot";
        assert_eq!(Command::parse_any_case("/START", bot), Some(Command::Start(String::new())));
        assert_eq!(Command::parse_any_case("/Start Ads_2023", bot), Some(Command::Start("Ads_2023".into())));
        assert_eq!(Command::parse_any_case("/STATUS@Rezerv_Bot", bot), Some(Command::Status));
        assert_eq!(Command::parse_any_case("/status@other_bot", bot), None);
        assert_eq!(Command::parse_any_case("/unknown", bot), None);
        assert_eq!(Command::parse_any_case("START", bot), None);
    }
}
