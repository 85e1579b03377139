//! Fault injection for the bot's message-sending methods.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// A failure injected into one request; see [`super::Emulator::inject_faults`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Hold the request this long, then process and answer it normally. The request is
    /// processed (and the message delivered) even if the client gave up waiting meanwhile.
    Timeout(Duration),
    /// Close the TCP connection without any HTTP response; nothing is delivered.
    Drop,
    /// Answer this error (`code` must be 4xx); nothing is delivered.
    Status {
        /// HTTP status and `error_code`, 400..=499.
        code: u16,
        /// Telegram's `description`, e.g. `"Bad Request: chat not found"`.
        description: String,
        /// `parameters.retry_after`, if any.
        retry_after: Option<u32>,
    },
}

/// Lower-case names of the methods faults apply to.
pub const FAULTABLE_METHODS: &[&str] = &["sendmessage", "editmessagetext", "editmessagereplymarkup"];

/// Pending faults: per chat, then global.
#[derive(Debug, Default)]
pub struct FaultQueues {
    per_chat: HashMap<i64, VecDeque<Fault>>,
    global: VecDeque<Fault>,
}

impl FaultQueues {
    /// Appends faults for one chat (`Some`) or for any chat (`None`).
    pub fn add(&mut self, chat_id: Option<i64>, faults: Vec<Fault>) {
        if faults.is_empty() {
            return;
        }
        match chat_id {
            Some(id) => self.per_chat.entry(id).or_default().extend(faults),
            None => self.global.extend(faults),
        }
    }

    /// Faults still queued for one chat (`Some`) or globally (`None`).
    pub fn pending(&self, chat_id: Option<i64>) -> usize {
        match chat_id {
            Some(id) => self.per_chat.get(&id).map_or(0, VecDeque::len),
            None => self.global.len(),
        }
    }

    /// The next fault for a request into `chat_id`: the chat's own queue first, then the global one.
    pub fn take(&mut self, chat_id: Option<i64>) -> Option<Fault> {
        if let Some(id) = chat_id
            && let Some(queue) = self.per_chat.get_mut(&id)
        {
            let fault = queue.pop_front();
            if queue.is_empty() {
                self.per_chat.remove(&id);
            }
            if fault.is_some() {
                return fault;
            }
        }
        self.global.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_faults_come_first_then_global() {
        let mut q = FaultQueues::default();
        q.add(None, vec![Fault::Drop]);
        q.add(Some(1), vec![Fault::Timeout(Duration::from_millis(5))]);
        assert_eq!((q.pending(Some(1)), q.pending(None), q.pending(Some(2))), (1, 1, 0));
        assert_eq!(q.take(Some(1)), Some(Fault::Timeout(Duration::from_millis(5))));
        assert_eq!(q.take(Some(1)), Some(Fault::Drop));
        assert_eq!(q.take(Some(1)), None);
        assert_eq!(q.take(None), None);
        assert!(q.per_chat.is_empty());
    }
}
