//! Fault injection: chosen failures for the next requests of chosen methods and chats.

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
    /// Answer this error (`code` 4xx or 5xx); nothing is delivered.
    Status {
        /// HTTP status and `error_code`, 400..=599.
        code: u16,
        /// Telegram's `description`, e.g. `"Bad Request: chat not found"`.
        description: String,
        /// `parameters.retry_after`, if any.
        retry_after: Option<u32>,
    },
}

impl Fault {
    /// Telegram's flood control: "429 Too Many Requests" with `retry_after`.
    pub fn too_many_requests(retry_after: u32) -> Fault {
        Fault::Status {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }

    /// "500 Internal Server Error", as Telegram answers when it is in trouble.
    pub fn internal_server_error() -> Fault {
        Fault::Status { code: 500, description: "Internal Server Error".into(), retry_after: None }
    }
}

/// Lower-case names of the methods [`Methods::Sending`] covers.
pub const FAULTABLE_METHODS: &[&str] =
    &["sendmessage", "senddocument", "sendphoto", "editmessagetext", "editmessagereplymarkup"];

/// Which requests a queued fault may hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Methods {
    /// The message-sending methods, [`FAULTABLE_METHODS`].
    Sending,
    /// One method, by its Bot API name in any case (`"answerCallbackQuery"`, `"getUpdates"`).
    Only(String),
    /// Every method.
    Any,
}

impl Methods {
    /// Whether a request of `method` (lower-case) is hit.
    pub fn cover(&self, method: &str) -> bool {
        match self {
            Methods::Sending => FAULTABLE_METHODS.contains(&method),
            Methods::Only(name) => name.eq_ignore_ascii_case(method),
            Methods::Any => true,
        }
    }
}

type Queue = VecDeque<(Methods, Fault)>;

/// Pending faults: per chat, then global.
#[derive(Debug, Default)]
pub struct FaultQueues {
    per_chat: HashMap<i64, Queue>,
    global: Queue,
}

impl FaultQueues {
    /// Appends faults for one chat (`Some`) or for any chat (`None`), for the requests of
    /// `methods`.
    pub fn add(&mut self, chat_id: Option<i64>, methods: &Methods, faults: Vec<Fault>) {
        let queue = match chat_id {
            Some(id) => self.per_chat.entry(id).or_default(),
            None => &mut self.global,
        };
        queue.extend(faults.into_iter().map(|fault| (methods.clone(), fault)));
        if let Some(id) = chat_id
            && self.per_chat.get(&id).is_some_and(VecDeque::is_empty)
        {
            self.per_chat.remove(&id);
        }
    }

    /// Faults still queued for one chat (`Some`) or globally (`None`).
    pub fn pending(&self, chat_id: Option<i64>) -> usize {
        match chat_id {
            Some(id) => self.per_chat.get(&id).map_or(0, VecDeque::len),
            None => self.global.len(),
        }
    }

    /// Whether any fault waits for a request of `method`: the server looks up a request's
    /// chat only then.
    pub fn any_for(&self, method: &str) -> bool {
        self.global.iter().chain(self.per_chat.values().flatten()).any(|(methods, _)| methods.cover(method))
    }

    /// The next fault for a `method` request into `chat_id`: the chat's own queue first, then
    /// the global one; within a queue, the oldest fault that covers the method.
    pub fn take(&mut self, chat_id: Option<i64>, method: &str) -> Option<Fault> {
        if let Some(id) = chat_id
            && let Some(queue) = self.per_chat.get_mut(&id)
        {
            let fault = take_first(queue, method);
            if queue.is_empty() {
                self.per_chat.remove(&id);
            }
            if fault.is_some() {
                return fault;
            }
        }
        take_first(&mut self.global, method)
    }
}

fn take_first(queue: &mut Queue, method: &str) -> Option<Fault> {
    let at = queue.iter().position(|(methods, _)| methods.cover(method))?;
    queue.remove(at).map(|(_, fault)| fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_faults_come_first_then_global() {
        let mut q = FaultQueues::default();
        q.add(None, &Methods::Sending, vec![Fault::Drop]);
        q.add(Some(1), &Methods::Sending, vec![Fault::Timeout(Duration::from_millis(5))]);
        assert_eq!((q.pending(Some(1)), q.pending(None), q.pending(Some(2))), (1, 1, 0));
        assert_eq!(q.take(Some(1), "sendmessage"), Some(Fault::Timeout(Duration::from_millis(5))));
        assert_eq!(q.take(Some(1), "sendmessage"), Some(Fault::Drop));
        assert_eq!(q.take(Some(1), "sendmessage"), None);
        assert_eq!(q.take(None, "sendmessage"), None);
        assert!(q.per_chat.is_empty());
    }

    #[test]
    fn a_fault_hits_only_the_methods_it_names() {
        let mut q = FaultQueues::default();
        q.add(Some(1), &Methods::Only("answerCallbackQuery".into()), vec![Fault::Drop]);
        q.add(Some(1), &Methods::Sending, vec![Fault::Timeout(Duration::from_millis(5))]);
        assert!(q.any_for("answercallbackquery") && q.any_for("sendmessage") && !q.any_for("getupdates"));
        assert_eq!(q.take(Some(1), "getme"), None);
        assert_eq!(q.take(Some(1), "sendmessage"), Some(Fault::Timeout(Duration::from_millis(5))));
        assert_eq!(q.take(Some(1), "answercallbackquery"), Some(Fault::Drop));
        q.add(None, &Methods::Any, vec![Fault::Drop]);
        assert_eq!(q.take(None, "getupdates"), Some(Fault::Drop));
    }
}
