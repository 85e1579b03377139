//! The bot's commands. Their localized descriptions are `cmd-<name>` in the locales.

use teloxide::utils::command::BotCommands;

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
}
