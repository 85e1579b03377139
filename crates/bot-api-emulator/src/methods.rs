//! Bot API methods answered synchronously under the state lock (all but getUpdates).

use serde_json::{Map, Value, json};

use super::ApiError;
use super::limits::{Markup, check_caption, check_text, parse_markup};
use super::multipart;
use super::state::{State, StoredBotMessage, unix_now};
use super::types::{BotEvent, BotMessage, Document};

/// Parameters of one request.
pub type Params = Map<String, Value>;

/// Dispatches a lower-case method name.
pub fn call(st: &mut State, method: &str, p: &Params) -> Result<Value, ApiError> {
    match method {
        "getme" => Ok(get_me(st)),
        "getwebhookinfo" => Ok(json!({
            "url": st.webhook.as_ref().map(|hook| hook.url.clone()).unwrap_or_default(),
            "has_custom_certificate": false,
            "pending_update_count": st.updates.len(),
        })),
        "setwebhook" => set_webhook(st, p),
        "deletewebhook" => {
            if opt_bool(p, "drop_pending_updates") {
                st.updates.clear();
            }
            st.webhook = None;
            Ok(json!(true))
        }
        "logout" | "close" | "setmyname" => Ok(json!(true)),
        "setmydescription" => set_description(st, p, Description::Long),
        "setmyshortdescription" => set_description(st, p, Description::Short),
        "getmydescription" => Ok(get_description(st, p, Description::Long)),
        "getmyshortdescription" => Ok(get_description(st, p, Description::Short)),
        "sendmessage" => send_message(st, p),
        "senddocument" => send_document(st, p),
        "editmessagetext" => edit_message(st, p, true),
        "editmessagereplymarkup" => edit_message(st, p, false),
        "deletemessage" => delete_message(st, p),
        "answercallbackquery" => answer_callback_query(st, p),
        "setmycommands" => set_my_commands(st, p),
        "getmycommands" => Ok(get_my_commands(st, p)),
        "deletemycommands" => {
            st.commands.remove(&commands_key(p));
            Ok(json!(true))
        }
        "sendchataction" => send_chat_action(st, p),
        "setchatmenubutton" => set_chat_menu_button(st, p),
        "getchatmenubutton" => get_chat_menu_button(st, p),
        "getchat" => get_chat(st, p),
        "getfile" => st.files.get_file(p),
        "sendphoto" => super::photos::send_photo(st, p),
        _ => Err(ApiError::new(404, "Not Found")),
    }
}

/// `setWebhook`: an http(s) URL (a self-hosted Bot API server accepts plain http), and an
/// optional secret of 1-256 characters A-Z, a-z, 0-9, `_` and `-`.
fn set_webhook(st: &mut State, p: &Params) -> Result<Value, ApiError> {
    let url = opt_str(p, "url").unwrap_or_default();
    if url.is_empty() {
        st.webhook = None;
        return Ok(json!(true));
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(ApiError::bad_request("bad webhook: An HTTPS URL must be provided for webhook"));
    }
    let secret = opt_str(p, "secret_token");
    if let Some(secret) = &secret {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        if !(1..=256).contains(&secret.len()) || !secret.bytes().all(allowed) {
            return Err(ApiError::bad_request("bad webhook: secret token contains unallowed characters"));
        }
    }
    if let Some(Value::Array(list)) = json_param(p, "allowed_updates") {
        let list: Vec<String> = list.iter().filter_map(Value::as_str).map(str::to_owned).collect();
        st.allowed_updates = (!list.is_empty()).then_some(list);
    }
    st.webhook = Some(crate::webhook::Webhook { url, secret });
    Ok(json!(true))
}

// ---- parameter helpers ----

pub(crate) fn param<'a>(p: &'a Params, key: &str) -> Option<&'a Value> {
    p.get(key).filter(|v| !v.is_null())
}

/// An integer parameter (JSON number or numeric string).
pub fn opt_i64(p: &Params, key: &str) -> Result<Option<i64>, ApiError> {
    let bad = || ApiError::bad_request(format!("field \"{key}\" must be of type Integer"));
    match param(p, key) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

fn opt_i32(p: &Params, key: &str) -> Result<Option<i32>, ApiError> {
    opt_i64(p, key)?
        .map(|v| i32::try_from(v).map_err(|_| ApiError::bad_request(format!("field \"{key}\" is out of range"))))
        .transpose()
}

/// A string parameter; numbers and booleans are stringified like Telegram does.
pub fn opt_str(p: &Params, key: &str) -> Option<String> {
    match param(p, key)? {
        Value::String(s) => Some(s.clone()),
        v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
        _ => None,
    }
}

fn opt_bool(p: &Params, key: &str) -> bool {
    match param(p, key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        Some(Value::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
        _ => false,
    }
}

/// A structured parameter, which form/query requests send as a JSON string.
pub fn json_param(p: &Params, key: &str) -> Option<Value> {
    match param(p, key)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        v => Some(v.clone()),
    }
}

/// Resolves `chat_id` to a chat a user has talked in (or one explicitly blocked or deactivated,
/// so those answer 403 even if no user ever wrote from them).
pub(crate) fn resolve_chat(st: &State, p: &Params) -> Result<i64, ApiError> {
    let id = match param(p, "chat_id") {
        None => return Err(ApiError::bad_request("chat_id is empty")),
        Some(Value::String(s)) if s.starts_with('@') => {
            return st.chat_by_username(s).ok_or_else(ApiError::chat_not_found);
        }
        Some(_) => opt_i64(p, "chat_id")?.ok_or_else(|| ApiError::bad_request("chat_id is empty"))?,
    };
    if st.chat(id).is_some() || st.forbidden(id).is_some() { Ok(id) } else { Err(ApiError::chat_not_found()) }
}

/// The chat a request targets, for fault injection: numeric `chat_id` or a known `@username`.
pub fn target_chat(st: &State, p: &Params) -> Option<i64> {
    match param(p, "chat_id")? {
        Value::String(s) if s.starts_with('@') => st.chat_by_username(s),
        _ => opt_i64(p, "chat_id").ok().flatten(),
    }
}

/// The chat whose pressed button an `answerCallbackQuery` answers, for fault injection.
pub fn callback_chat(st: &State, p: &Params) -> Option<i64> {
    st.callback_chat(&opt_str(p, "callback_query_id")?)
}

/// Fails with 403 if the chat blocked the bot or its user was deactivated.
pub(crate) fn check_forbidden(st: &State, chat_id: i64) -> Result<(), ApiError> {
    st.forbidden(chat_id).map_or(Ok(()), Err)
}

// ---- methods ----

fn get_me(st: &State) -> Value {
    let mut me = st.bot_user.clone();
    if let Some(obj) = me.as_object_mut() {
        for (key, value) in [
            ("can_join_groups", true),
            ("can_read_all_group_messages", false),
            ("supports_inline_queries", false),
            ("can_connect_to_business", false),
            ("has_main_web_app", false),
        ] {
            obj.insert(key.to_owned(), json!(value));
        }
    }
    me
}

/// Message JSON as Telegram returns it for a bot message.
fn bot_message_json(
    st: &State,
    chat_id: i64,
    message_id: i32,
    date: i64,
    edit_date: Option<i64>,
    text: &str,
    inline: Option<&Value>,
) -> Value {
    let mut msg = bare_message_json(st, chat_id, message_id, date);
    msg["text"] = json!(text);
    if let Some(edit) = edit_date {
        msg["edit_date"] = json!(edit);
    }
    if let Some(markup) = inline {
        msg["reply_markup"] = markup.clone();
    }
    msg
}

/// A bot message's JSON without its content.
pub(crate) fn bare_message_json(st: &State, chat_id: i64, message_id: i32, date: i64) -> Value {
    let chat = st.chat(chat_id).cloned().unwrap_or_else(|| json!({"id": chat_id, "type": "private"}));
    json!({
        "message_id": message_id,
        "from": st.bot_user,
        "chat": chat,
        "date": date,
    })
}

fn send_message(st: &mut State, p: &Params) -> Result<Value, ApiError> {
    let chat_id = resolve_chat(st, p)?;
    check_forbidden(st, chat_id)?;
    let text = opt_str(p, "text");
    let parse_mode = opt_str(p, "parse_mode");
    let visible = check_text(text.as_deref(), parse_mode.as_deref())?;
    let markup = parse_markup(param(p, "reply_markup"))?;
    let paid = opt_bool(p, "allow_paid_broadcast");
    if let Some(flood) = st.flood.as_mut() {
        let admitted = if paid { flood.try_send_paid(chat_id) } else { flood.try_send(chat_id) };
        admitted.map_err(ApiError::too_many_requests)?;
    }
    if paid {
        st.paid_delivered += 1;
    }
    let message_id = st.next_message_id(chat_id);
    let (inline_keyboard, inline_json) = match &markup {
        Some(Markup::Inline(rows, raw)) => (rows.clone(), Some(raw.clone())),
        _ => (Vec::new(), None),
    };
    let msg = BotMessage {
        message_id,
        chat_id,
        text: text.unwrap_or_default(),
        parse_mode,
        inline_keyboard,
        reply_keyboard: match &markup {
            Some(Markup::Reply(k)) => Some(k.clone()),
            _ => None,
        },
        remove_keyboard: matches!(markup, Some(Markup::Remove)),
        document: None,
    };
    let json = bot_message_json(st, chat_id, message_id, unix_now(), None, &visible, inline_json.as_ref());
    st.add_bot_message(StoredBotMessage { msg, json: json.clone(), inline_json });
    Ok(json)
}

/// The file a parameter names, as uploaded: a file part of this request (see
/// `multipart::parse`), given by `attach://<part name>` or under the parameter's own name. A
/// `file_id` or URL would need files stored on the server.
pub(crate) fn uploaded(p: &Params, key: &str) -> Result<Document, ApiError> {
    let missing = || ApiError::bad_request(format!("there is no {key} in the request"));
    let file = match param(p, key).ok_or_else(missing)? {
        Value::String(value) => match value.strip_prefix("attach://") {
            Some(part) => param(p, part).ok_or_else(missing)?,
            None if value.trim().is_empty() => return Err(missing()),
            None => return Err(ApiError::bad_request("the emulator takes uploaded files only, not a file_id or URL")),
        },
        file => file,
    };
    let bytes = multipart::file_bytes(file).ok_or_else(missing)?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request("file must be non-empty"));
    }
    let text = |field: &str| file.get(field).and_then(Value::as_str).filter(|text| !text.is_empty()).map(str::to_owned);
    Ok(Document { file_name: text("file_name").unwrap_or_default(), mime_type: text("content_type"), bytes })
}

fn send_document(st: &mut State, p: &Params) -> Result<Value, ApiError> {
    let chat_id = resolve_chat(st, p)?;
    let document = uploaded(p, "document")?;
    check_forbidden(st, chat_id)?;
    let caption = opt_str(p, "caption");
    let parse_mode = opt_str(p, "parse_mode");
    let visible = check_caption(caption.as_deref(), parse_mode.as_deref())?;
    let markup = parse_markup(param(p, "reply_markup"))?;
    if let Some(flood) = st.flood.as_mut() {
        flood.try_send(chat_id).map_err(ApiError::too_many_requests)?;
    }
    let message_id = st.next_message_id(chat_id);
    let (inline_keyboard, inline_json) = match &markup {
        Some(Markup::Inline(rows, raw)) => (rows.clone(), Some(raw.clone())),
        _ => (Vec::new(), None),
    };
    let mut json = bare_message_json(st, chat_id, message_id, unix_now());
    let unique = format!("{chat_id}x{message_id}");
    let mut document_json = json!({
        "file_id": format!("BQACAgIAAxkBAAID{unique}"),
        "file_unique_id": format!("AgADD{unique}"),
        "file_name": document.file_name,
        "file_size": document.bytes.len(),
    });
    if let Some(mime_type) = &document.mime_type {
        document_json["mime_type"] = json!(mime_type);
    }
    json["document"] = document_json;
    if !visible.is_empty() {
        json["caption"] = json!(visible);
    }
    if let Some(raw) = &inline_json {
        json["reply_markup"] = raw.clone();
    }
    let msg = BotMessage {
        message_id,
        chat_id,
        text: caption.unwrap_or_default(),
        parse_mode,
        inline_keyboard,
        reply_keyboard: match &markup {
            Some(Markup::Reply(k)) => Some(k.clone()),
            _ => None,
        },
        remove_keyboard: matches!(markup, Some(Markup::Remove)),
        document: Some(document),
    };
    st.add_bot_message(StoredBotMessage { msg, json: json.clone(), inline_json });
    Ok(json)
}

/// editMessageText (`with_text`) or editMessageReplyMarkup.
fn edit_message(st: &mut State, p: &Params, with_text: bool) -> Result<Value, ApiError> {
    if param(p, "inline_message_id").is_some() {
        return Err(ApiError::bad_request("inline messages are not supported by the emulator"));
    }
    let chat_id = resolve_chat(st, p)?;
    let message_id =
        opt_i32(p, "message_id")?.ok_or_else(|| ApiError::bad_request("message identifier is not specified"))?;
    check_forbidden(st, chat_id)?;
    let (text, parse_mode, visible) = if with_text {
        let text = opt_str(p, "text");
        let parse_mode = opt_str(p, "parse_mode");
        let visible = check_text(text.as_deref(), parse_mode.as_deref())?;
        (text, parse_mode, Some(visible))
    } else {
        (None, None, None)
    };
    let (rows, inline_json) = match parse_markup(param(p, "reply_markup"))? {
        None => (Vec::new(), None),
        Some(Markup::Inline(rows, raw)) => (rows, Some(raw)),
        Some(_) => return Err(ApiError::bad_request("inline keyboard expected")),
    };
    if !st.keeps_messages() {
        return edit_unstored(st, chat_id, message_id, visible.as_deref(), inline_json.as_ref());
    }
    let Some(old) = st.bot_message(chat_id, message_id).cloned() else {
        return Err(if st.has_user_message(chat_id, message_id) {
            ApiError::bad_request("message can't be edited")
        } else {
            ApiError::bad_request("message to edit not found")
        });
    };
    if old.msg.document.is_some() || st.photo(chat_id, message_id).is_some() {
        return edit_media_markup(st, old, with_text, inline_json, rows);
    }
    let old_visible = old.json.get("text").and_then(Value::as_str).unwrap_or_default();
    let new_visible = visible.as_deref().unwrap_or(old_visible).to_owned();
    let new_raw = text.unwrap_or_else(|| old.msg.text.clone());
    if new_raw == old.msg.text && new_visible == old_visible && inline_json == old.inline_json {
        return Err(ApiError::bad_request(
            "message is not modified: specified new message content and reply markup are \
             exactly the same as a current content and reply markup of the message",
        ));
    }
    let date = old.json.get("date").and_then(Value::as_i64).unwrap_or(0);
    let msg = BotMessage {
        text: new_raw,
        parse_mode: if with_text { parse_mode } else { old.msg.parse_mode.clone() },
        inline_keyboard: rows,
        ..old.msg.clone()
    };
    let json = bot_message_json(st, chat_id, message_id, date, Some(unix_now()), &new_visible, inline_json.as_ref());
    st.replace_bot_message(StoredBotMessage { msg, json: json.clone(), inline_json });
    Ok(json)
}

/// A document or photo message has a caption, not a text: only its keyboard can be edited here.
fn edit_media_markup(
    st: &mut State,
    old: StoredBotMessage,
    with_text: bool,
    inline_json: Option<Value>,
    rows: Vec<Vec<super::types::Button>>,
) -> Result<Value, ApiError> {
    if with_text {
        return Err(ApiError::bad_request("there is no text in the message to edit"));
    }
    if inline_json == old.inline_json {
        return Err(ApiError::bad_request(
            "message is not modified: specified new message content and reply markup are \
             exactly the same as a current content and reply markup of the message",
        ));
    }
    let mut json = old.json.clone();
    if let Some(obj) = json.as_object_mut() {
        obj.remove("reply_markup");
        obj.insert("edit_date".to_owned(), json!(unix_now()));
        if let Some(raw) = &inline_json {
            obj.insert("reply_markup".to_owned(), raw.clone());
        }
    }
    let msg = BotMessage { inline_keyboard: rows, ..old.msg };
    st.replace_bot_message(StoredBotMessage { msg, json: json.clone(), inline_json });
    Ok(json)
}

/// Load mode keeps no message bodies: any message id already handed out in the chat may be
/// edited, "not modified" is never reported, and the answer carries the new state only.
fn edit_unstored(
    st: &State,
    chat_id: i64,
    message_id: i32,
    visible: Option<&str>,
    inline: Option<&Value>,
) -> Result<Value, ApiError> {
    if !(1..=st.last_message_id(chat_id)).contains(&message_id) {
        return Err(ApiError::bad_request("message to edit not found"));
    }
    Ok(bot_message_json(st, chat_id, message_id, unix_now(), Some(unix_now()), visible.unwrap_or_default(), inline))
}

fn delete_message(st: &mut State, p: &Params) -> Result<Value, ApiError> {
    let chat_id = resolve_chat(st, p)?;
    let message_id =
        opt_i32(p, "message_id")?.ok_or_else(|| ApiError::bad_request("message identifier is not specified"))?;
    let unstored = !st.keeps_messages() && (1..=st.last_message_id(chat_id)).contains(&message_id);
    if st.delete_message(chat_id, message_id) || unstored {
        Ok(json!(true))
    } else {
        Err(ApiError::bad_request("message to delete not found"))
    }
}

fn answer_callback_query(st: &mut State, p: &Params) -> Result<Value, ApiError> {
    let id = opt_str(p, "callback_query_id").unwrap_or_default();
    // Telegram gives one answer for an unknown query and for one answered before.
    let chat_id = st
        .answer_callback(&id)
        .map_err(|_| ApiError::bad_request("query is too old and response timeout expired or query ID is invalid"))?;
    let text = opt_str(p, "text");
    st.push_event(chat_id, BotEvent::CallbackAnswered { id, text });
    Ok(json!(true))
}

/// Key for commands storage: canonical scope JSON plus language code.
fn commands_key(p: &Params) -> (String, String) {
    let scope = json_param(p, "scope").unwrap_or_else(|| json!({"type": "default"}));
    let lang = opt_str(p, "language_code").unwrap_or_default();
    (scope_key(&scope), lang)
}

/// Canonical string form of a command scope (keys sorted whatever the map ordering).
pub fn scope_key(scope: &Value) -> String {
    fn canonical(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
            other => other.clone(),
        }
    }
    canonical(scope).to_string()
}

fn valid_command(command: &str) -> bool {
    (1..=32).contains(&command.chars().count())
        && command.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn set_my_commands(st: &mut State, p: &Params) -> Result<Value, ApiError> {
    let Some(Value::Array(list)) = json_param(p, "commands") else {
        return Err(ApiError::bad_request("parameter \"commands\" is required"));
    };
    if list.len() > 100 {
        return Err(ApiError::bad_request("too much commands"));
    }
    let mut commands = Vec::with_capacity(list.len());
    for item in &list {
        let command = item.get("command").and_then(Value::as_str).unwrap_or_default();
        // teloxide's BotCommands derive sends "/start"; Telegram accepts and strips it.
        let command = command.strip_prefix('/').unwrap_or(command);
        if !valid_command(command) {
            return Err(ApiError::bad_request("BOT_COMMAND_INVALID"));
        }
        let description = item.get("description").and_then(Value::as_str).unwrap_or_default();
        if !(1..=256).contains(&description.chars().count()) {
            return Err(ApiError::bad_request("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
        commands.push((command.to_owned(), description.to_owned()));
    }
    st.commands.insert(commands_key(p), commands);
    Ok(json!(true))
}

fn get_my_commands(st: &State, p: &Params) -> Value {
    let list = st.commands.get(&commands_key(p)).cloned().unwrap_or_default();
    Value::Array(
        list.into_iter()
            .map(|(command, description)| json!({"command": command, "description": description}))
            .collect(),
    )
}

/// The bot's two descriptions: what an empty chat shows, and the profile page's line.
#[derive(Debug, Clone, Copy)]
pub enum Description {
    /// `setMyDescription`: 0-512 characters.
    Long,
    /// `setMyShortDescription`: 0-120 characters.
    Short,
}

impl Description {
    /// The parameter and result field, and the most characters the Bot API allows.
    fn field_and_limit(self) -> (&'static str, usize) {
        match self {
            Description::Long => ("description", 512),
            Description::Short => ("short_description", 120),
        }
    }
}

/// A description's `language_code`: empty (every language without its own) or two letters.
fn description_language(p: &Params) -> Result<String, ApiError> {
    let lang = opt_str(p, "language_code").unwrap_or_default();
    let valid = lang.is_empty() || (lang.len() == 2 && lang.chars().all(|c| c.is_ascii_lowercase()));
    if valid { Ok(lang) } else { Err(ApiError::bad_request("LANGUAGE_CODE_INVALID")) }
}

fn set_description(st: &mut State, p: &Params, which: Description) -> Result<Value, ApiError> {
    let (field, limit) = which.field_and_limit();
    let lang = description_language(p)?;
    let text = opt_str(p, field).unwrap_or_default();
    if text.chars().count() > limit {
        return Err(ApiError::bad_request(format!("{} is too long", field.to_ascii_uppercase())));
    }
    let store = st.descriptions(which);
    // An empty text removes the dedicated description of that language.
    if text.is_empty() {
        store.remove(&lang);
    } else {
        store.insert(lang, text);
    }
    Ok(json!(true))
}

/// The description users of `language_code` see: their language's own, else the default.
fn get_description(st: &mut State, p: &Params, which: Description) -> Value {
    let (field, _) = which.field_and_limit();
    let lang = opt_str(p, "language_code").unwrap_or_default();
    let store = st.descriptions(which);
    let text = store.get(&lang).or_else(|| store.get("")).cloned().unwrap_or_default();
    let mut result = Map::new();
    result.insert(field.to_owned(), Value::String(text));
    Value::Object(result)
}

fn send_chat_action(st: &mut State, p: &Params) -> Result<Value, ApiError> {
    let chat_id = resolve_chat(st, p)?;
    check_forbidden(st, chat_id)?;
    if opt_str(p, "action").is_none_or(|a| a.is_empty()) {
        return Err(ApiError::bad_request("action is empty"));
    }
    Ok(json!(true))
}

fn menu_chat(st: &State, p: &Params) -> Result<Option<i64>, ApiError> {
    match param(p, "chat_id") {
        None => Ok(None),
        Some(_) => resolve_chat(st, p).map(Some),
    }
}

fn set_chat_menu_button(st: &mut State, p: &Params) -> Result<Value, ApiError> {
    let chat = menu_chat(st, p)?;
    let button = json_param(p, "menu_button").unwrap_or_else(|| json!({"type": "default"}));
    if button.get("type").and_then(Value::as_str).is_none() {
        return Err(ApiError::bad_request("can't parse menu button JSON object"));
    }
    st.menu_buttons.insert(chat, button);
    Ok(json!(true))
}

fn get_chat_menu_button(st: &State, p: &Params) -> Result<Value, ApiError> {
    let chat = menu_chat(st, p)?;
    Ok(st
        .menu_buttons
        .get(&chat)
        .or_else(|| st.menu_buttons.get(&None))
        .cloned()
        .unwrap_or_else(|| json!({"type": "default"})))
}

fn get_chat(st: &State, p: &Params) -> Result<Value, ApiError> {
    let chat_id = resolve_chat(st, p)?;
    let mut info = st.chat(chat_id).cloned().unwrap_or_else(|| json!({"id": chat_id, "type": "private"}));
    if let Some(obj) = info.as_object_mut() {
        obj.insert(
            "accepted_gift_types".to_owned(),
            json!({
                "unlimited_gifts": true,
                "limited_gifts": true,
                "unique_gifts": true,
                "premium_subscription": true,
            }),
        );
        obj.insert("max_reaction_count".to_owned(), json!(11));
        if obj.get("type").and_then(Value::as_str) != Some("private") {
            obj.insert("has_protected_content".to_owned(), json!(false));
        }
    }
    Ok(info)
}
