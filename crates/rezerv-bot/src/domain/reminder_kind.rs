use super::unknown::spelled;

spelled! {
    /// What an outbox row is for, as stored in `outbox.kind`.
    pub enum ReminderKind("reminder kind") {
        /// The testing window opens.
        WindowOpen = "window-open",
        /// Days before the city's application deadline.
        Deadline = "deadline",
        /// QAZTEST results are due.
        Results = "results",
        /// A candidate stalled before their code.
        Nudge = "nudge",
        /// One message to many, not planned: the planner never touches it.
        Broadcast = "broadcast",
        /// One message to one candidate from an organiser's action (a replaced code).
        Notice = "notice",
        /// A message to an organiser: a code pool running low or out, a wave that failed.
        Alert = "alert",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_round_trips() {
        for kind in ReminderKind::ALL {
            assert_eq!(kind.as_str().parse::<ReminderKind>(), Ok(kind));
        }
    }
}
