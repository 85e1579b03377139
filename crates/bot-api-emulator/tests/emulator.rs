//! The emulator driven by teloxide's real `Bot` and `Dispatcher`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bot_api_emulator::{
    BotEvent, Emulator, EmulatorConfig, Fault, MAX_CAPTION_CHARS, MAX_TEXT_CHARS, Methods, RateLimits, TestUser,
};
use serde_json::{Value, json};
use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, ButtonRequest, CallbackQueryId, ChatAction, ChatMemberStatus, InlineKeyboardButton,
    InlineKeyboardMarkup, InputFile, KeyboardButton, KeyboardMarkup, KeyboardRemove, MenuButton, MessageId, ParseMode,
    UpdateKind, UserId,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(5);

async fn start_with(config: EmulatorConfig) -> (Emulator, Bot) {
    let emu = Emulator::start(config).await.expect("emulator starts");
    let url = emu.api_url().parse().expect("valid api url");
    let bot = Bot::new(emu.token()).set_api_url(url);
    (emu, bot)
}

async fn start() -> (Emulator, Bot) {
    start_with(EmulatorConfig::default()).await
}

/// A bot whose HTTP client gives up after 300 ms.
fn impatient_bot(emu: &Emulator) -> Bot {
    let client =
        teloxide::net::default_reqwest_settings().timeout(Duration::from_millis(300)).build().expect("reqwest client");
    Bot::with_client(emu.token(), client).set_api_url(emu.api_url().parse().expect("valid api url"))
}

fn status_fault(code: u16, description: &str, retry_after: Option<u32>) -> Fault {
    Fault::Status { code, description: description.to_owned(), retry_after }
}

fn api_error(res: Result<impl std::fmt::Debug, RequestError>) -> ApiError {
    match res {
        Err(RequestError::Api(err)) => err,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn keyboard(data: &str) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Press", data)]])
}

/// Sends a raw HTTP/1.1 request and returns the status and JSON body.
async fn raw_http(addr: SocketAddr, head: &str, body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "{head} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8(buf).expect("utf-8 response");
    let status = text[9..12].parse().expect("status code");
    let (_, body) = text.split_once("\r\n\r\n").expect("header/body split");
    (status, serde_json::from_str(body).expect("JSON body"))
}

#[tokio::test]
async fn get_me_and_service_methods_work() {
    let (emu, bot) = start().await;
    let me = bot.get_me().await.expect("getMe");
    assert_eq!(me.username(), "rezerv_test_bot");
    assert!(me.user.is_bot);
    assert_eq!(me.user.id, UserId(123_456));

    let info = bot.get_webhook_info().await.expect("getWebhookInfo");
    assert!(info.url.is_none());
    bot.delete_webhook().await.expect("deleteWebhook");

    bot.set_my_commands([BotCommand::new("/start", "Start"), BotCommand::new("help", "Help")])
        .language_code("ru")
        .await
        .expect("setMyCommands");
    assert_eq!(emu.commands(Some("ru")), vec![("start".into(), "Start".into()), ("help".into(), "Help".into())]);
    assert!(emu.commands(None).is_empty());
    let got = bot.get_my_commands().language_code("ru").await.expect("getMyCommands");
    assert_eq!(got.len(), 2);
    bot.delete_my_commands().language_code("ru").await.expect("deleteMyCommands");
    assert!(emu.commands(Some("ru")).is_empty());
    let bad = bot.set_my_commands([BotCommand::new("Bad-Command", "x")]).await;
    assert!(matches!(bad, Err(RequestError::Api(_))));

    let user = TestUser::new(42, "ru");
    emu.send_text(&user, "hi");
    let chat = bot.get_chat(ChatId(42)).await.expect("getChat");
    assert!(chat.is_private());
    bot.send_chat_action(ChatId(42), ChatAction::Typing).await.expect("sendChatAction");
    bot.set_chat_menu_button().chat_id(ChatId(42)).menu_button(MenuButton::Commands).await.expect("setChatMenuButton");
    bot.log_out().await.expect("logOut");
    assert_eq!(emu.limit_violations().len(), 1, "only the bad command");
}

#[tokio::test]
async fn descriptions_are_kept_per_language_within_their_limits() {
    let (emu, bot) = start().await;
    bot.set_my_description().description("Default").await.expect("setMyDescription");
    bot.set_my_description().description("\u{436}".repeat(512)).language_code("kk").await.expect("512 characters");
    bot.set_my_short_description().short_description("\u{436}".repeat(120)).language_code("ru").await.expect("120");
    assert_eq!(emu.description(None).as_deref(), Some("Default"));
    assert_eq!(emu.description(Some("kk")), Some("\u{436}".repeat(512)));
    assert_eq!(emu.short_description(Some("ru")), Some("\u{436}".repeat(120)));
    assert_eq!(emu.short_description(None), None);
    // A language without its own description is shown the default.
    let got = bot.get_my_description().language_code("en").await.expect("getMyDescription");
    assert_eq!(got.description, "Default");
    let got = bot.get_my_short_description().language_code("ru").await.expect("getMyShortDescription");
    assert_eq!(got.short_description, "\u{436}".repeat(120));

    // One character over, or a language code that is not two letters: refused, nothing kept.
    let long = bot.set_my_description().description("x".repeat(513)).language_code("ru").await;
    assert!(api_error(long).to_string().contains("Bad Request: DESCRIPTION is too long"));
    let short = bot.set_my_short_description().short_description("x".repeat(121)).await;
    assert!(api_error(short).to_string().contains("Bad Request: SHORT_DESCRIPTION is too long"));
    let lang = bot.set_my_description().description("x").language_code("rus").await;
    assert!(matches!(lang, Err(RequestError::Api(_))));
    assert_eq!(emu.description(Some("ru")), None);
    assert_eq!(emu.short_description(None), None);

    // An empty text removes the language's own description.
    bot.set_my_description().description("").language_code("kk").await.expect("remove");
    assert_eq!(emu.description(Some("kk")), None);
    assert_eq!(emu.limit_violations().len(), 3);
}

#[tokio::test]
async fn text_limits_are_enforced() {
    let (emu, bot) = start().await;
    let user = TestUser::new(42, None);
    emu.send_text(&user, "/start");

    let ok = "я".repeat(MAX_TEXT_CHARS);
    bot.send_message(ChatId(42), ok.clone()).await.expect("4096 chars fit");
    let err = api_error(bot.send_message(ChatId(42), format!("{ok}!")).await);
    assert_eq!(err, ApiError::MessageIsTooLong);
    let err = api_error(bot.send_message(ChatId(42), "").await);
    assert_eq!(err, ApiError::MessageTextIsEmpty);

    // HTML markup does not count towards the limit.
    bot.send_message(ChatId(42), format!("<b>{ok}</b>"))
        .parse_mode(ParseMode::Html)
        .await
        .expect("tags are not counted");
    let sent = bot.send_message(ChatId(42), "<b>a &lt; b</b>").parse_mode(ParseMode::Html).await.expect("html");
    assert_eq!(sent.text(), Some("a < b"));
    let last = emu.last_message(42).expect("stored");
    assert_eq!(last.text, "<b>a &lt; b</b>");
    assert_eq!(last.plain_text(), "a < b");
    let err = api_error(bot.send_message(ChatId(42), "<b>oops").parse_mode(ParseMode::Html).await);
    assert!(matches!(err, ApiError::CantParseEntities(_)), "{err:?}");

    let err = api_error(bot.send_message(ChatId(777), "hi").await);
    assert_eq!(err, ApiError::ChatNotFound);

    let violations = emu.limit_violations();
    assert_eq!(violations.len(), 4, "{violations:?}");
    assert!(violations.iter().all(|r| r.method == "sendmessage" && r.status == 400));
    assert_eq!(emu.delivered_count(42), 3);
}

/// The header of a PNG of `width` × `height`: all the emulator reads of a picture.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend(width.to_be_bytes());
    bytes.extend(height.to_be_bytes());
    bytes.extend([8, 2, 0, 0, 0]);
    bytes
}

#[tokio::test]
async fn photos_are_uploaded_as_multipart_checked_and_kept_for_the_test() {
    let (emu, bot) = start().await;
    let user = TestUser::new(42, None);
    emu.send_text(&user, "/start");
    let png = png_header(1200, 900);
    let picture = |bytes: Vec<u8>| InputFile::memory(bytes).file_name("chart.png");

    let sent = bot
        .send_photo(ChatId(42), picture(png.clone()))
        .caption("<b>Funnel</b> today")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard("refresh"))
        .await
        .expect("sendPhoto");
    let sizes = sent.photo().expect("a photo message");
    let largest = sizes.last().expect("sizes");
    assert_eq!((largest.width, largest.height), (1200, 900));
    assert_eq!(sizes.iter().map(|size| size.width).collect::<Vec<_>>(), [90, 320, 800, 1200]);
    assert_eq!(sent.caption(), Some("Funnel today"));
    let Some(BotEvent::Sent(message)) = emu.next_event(42, WAIT).await else { panic!("no Sent event") };
    assert_eq!(message.plain_text(), "Funnel today");
    let kept = emu.photo(42, message.message_id).expect("the picture is kept");
    assert_eq!((kept.width, kept.height, &kept.bytes), (1200, 900, &png));

    // Its keyboard can be edited, its (absent) text cannot.
    bot.edit_message_reply_markup(ChatId(42), sent.id).await.expect("keyboard retired");
    assert!(emu.messages(42)[0].inline_keyboard.is_empty());
    assert!(emu.photo(42, message.message_id).is_some(), "still a photo after the edit");
    let err = api_error(bot.edit_message_text(ChatId(42), sent.id, "text").await);
    assert!(err.to_string().contains("no text in the message"), "{err:?}");

    // As the Bot API says: sides at most 10000 in total, a ratio of at most 20, a caption of
    // at most 1024 characters; and a picture must be one.
    for (width, height) in [(6000, 4001), (2100, 100), (0, 10)] {
        let refused = bot.send_photo(ChatId(42), picture(png_header(width, height))).await;
        assert!(api_error(refused).to_string().contains("PHOTO_INVALID_DIMENSIONS"), "{width}x{height}");
    }
    let edge = bot.send_photo(ChatId(42), picture(png_header(5000, 5000))).await;
    assert!(edge.is_ok(), "10000 in total is allowed: {edge:?}");
    let gif = bot.send_photo(ChatId(42), picture(b"GIF89a....".to_vec())).await;
    assert!(api_error(gif).to_string().contains("IMAGE_PROCESS_FAILED"));
    let long = bot.send_photo(ChatId(42), picture(png.clone())).caption("я".repeat(MAX_CAPTION_CHARS + 1)).await;
    assert!(api_error(long).to_string().contains("caption is too long"));
    let exact = bot.send_photo(ChatId(42), picture(png.clone())).caption("я".repeat(MAX_CAPTION_CHARS)).await;
    assert!(exact.is_ok(), "1024 characters are allowed");
    assert_eq!(api_error(bot.send_photo(ChatId(777), picture(png.clone())).await), ApiError::ChatNotFound);
    emu.block_chat(42, true);
    assert_eq!(api_error(bot.send_photo(ChatId(42), picture(png.clone())).await), ApiError::BotBlocked);
    emu.block_chat(42, false);
    assert_eq!(emu.delivered_count(42), 3);

    // sendPhoto is one of the sending methods faults hit.
    emu.inject_faults(42, vec![Fault::too_many_requests(1)]);
    let faulted = bot.send_photo(ChatId(42), picture(png.clone())).await;
    assert!(matches!(faulted, Err(RequestError::RetryAfter(_))), "{faulted:?}");
    assert_eq!(emu.pending_faults(42), 0);

    let (status, body) =
        raw_http(emu.local_addr(), &format!("POST /bot{}/sendPhoto", emu.token()), r#"{"chat_id": 42}"#).await;
    assert_eq!(status, 400);
    assert_eq!(body["description"], json!("Bad Request: there is no photo in the request"));
}

#[tokio::test]
async fn documents_are_uploaded_as_multipart_and_kept_with_their_caption() {
    let (emu, bot) = start().await;
    let user = TestUser::new(42, None);
    emu.send_text(&user, "/start");
    let bytes = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec();
    let file = || InputFile::memory(bytes.clone()).file_name("dates.ics");

    let sent = bot
        .send_document(ChatId(42), file())
        .caption("<b>Your</b> dates")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard("a"))
        .await
        .expect("sendDocument");
    let document = sent.document().expect("a document message");
    assert_eq!(document.file_name.as_deref(), Some("dates.ics"));
    assert_eq!(document.file.size, bytes.len() as u32);
    assert_eq!(sent.caption(), Some("Your dates"));
    let Some(BotEvent::Sent(message)) = emu.next_event(42, WAIT).await else { panic!("no Sent event") };
    let kept = message.document.as_ref().expect("the upload is kept");
    assert_eq!((kept.file_name.as_str(), &kept.bytes), ("dates.ics", &bytes));
    assert_eq!((message.text.as_str(), message.plain_text()), ("<b>Your</b> dates", "Your dates".to_owned()));
    assert_eq!(message.buttons()[0].callback_data.as_deref(), Some("a"));
    // The recorded request names the upload without its bytes.
    let request = emu.requests().into_iter().find(|r| r.method == "senddocument").expect("recorded");
    let attach = request.body["document"].as_str().and_then(|v| v.strip_prefix("attach://")).expect("attach://");
    assert_eq!(request.body[attach]["file_name"], json!("dates.ics"));
    assert_eq!(request.body[attach]["size"], json!(bytes.len()));

    // A caption is optional; its keyboard can be edited, its (absent) text cannot.
    let bare = bot.send_document(ChatId(42), file()).await.expect("no caption");
    assert_eq!(bare.caption(), None);
    bot.edit_message_reply_markup(ChatId(42), sent.id).await.expect("keyboard retired");
    assert!(emu.messages(42).iter().all(|m| m.inline_keyboard.is_empty() && m.document.is_some()));
    let err = api_error(bot.edit_message_text(ChatId(42), sent.id, "text").await);
    assert!(err.to_string().contains("no text in the message"), "{err:?}");

    // Over 1024 characters of caption, an empty file, an unknown chat, a file_id: refused.
    let long = bot.send_document(ChatId(42), file()).caption("я".repeat(MAX_CAPTION_CHARS + 1)).await;
    assert!(api_error(long).to_string().contains("caption is too long"));
    let empty = bot.send_document(ChatId(42), InputFile::memory(Vec::new()).file_name("x.ics")).await;
    assert!(api_error(empty).to_string().contains("file must be non-empty"));
    assert_eq!(api_error(bot.send_document(ChatId(777), file()).await), ApiError::ChatNotFound);
    let by_id = bot.send_document(ChatId(42), InputFile::file_id("BQACAgIAAxkBAAID".into())).await;
    assert!(matches!(by_id, Err(RequestError::Api(_))));
    assert_eq!(emu.delivered_count(42), 2);
    assert_eq!(emu.limit_violations().len(), 5);

    // Without its file the request says what is missing, as Telegram does.
    let (status, body) =
        raw_http(emu.local_addr(), &format!("POST /bot{}/sendDocument", emu.token()), r#"{"chat_id": 42}"#).await;
    assert_eq!(status, 400);
    assert_eq!(body["description"], json!("Bad Request: there is no document in the request"));
}

#[tokio::test]
async fn documents_users_send_are_fetched_with_get_file_and_the_file_server() {
    use teloxide::net::Download;
    let (emu, bot) = start().await;
    let user = TestUser::new(42, None);
    let bytes = "phone\n+77010000001\n".as_bytes().to_vec();
    emu.send_document(&user, "eligible.csv", &bytes, Some("eligible"));
    let updates = bot.get_updates().await.expect("poll");
    let UpdateKind::Message(message) = &updates[0].kind else { panic!("{:?}", updates[0]) };
    assert_eq!(message.caption(), Some("eligible"));
    let document = message.document().expect("a document");
    assert_eq!(document.file_name.as_deref(), Some("eligible.csv"));
    assert_eq!(document.mime_type.as_ref().map(ToString::to_string).as_deref(), Some("text/csv"));
    assert_eq!(document.file.size, bytes.len() as u32);

    let file = bot.get_file(document.file.id.clone()).await.expect("getFile");
    assert_eq!((file.meta.size, file.meta.unique_id.clone()), (bytes.len() as u32, document.file.unique_id.clone()));
    assert!(file.path.starts_with("documents/") && file.path.ends_with(".csv"), "{}", file.path);
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded).await.expect("download");
    assert_eq!(downloaded, bytes);

    // An unknown id, a missing one, a path never given, another token.
    let unknown = bot.get_file(teloxide::types::FileId("BQACAgIAAxkBAAIF999999".into())).await;
    assert!(api_error(unknown).to_string().contains("invalid file_id"));
    let (status, body) = raw_http(emu.local_addr(), &format!("POST /bot{}/getFile", emu.token()), "{}").await;
    assert_eq!((status, body["description"].as_str()), (400, Some("Bad Request: file_id is empty")));
    let (status, _) =
        raw_http(emu.local_addr(), &format!("GET /file/bot{}/documents/file_9.csv", emu.token()), "").await;
    assert_eq!(status, 404);
    let (status, _) = raw_http(emu.local_addr(), &format!("GET /file/bot1:WRONG/{}", file.path), "").await;
    assert_eq!(status, 401);

    // Faults reach getFile (a request with no chat) and the file server like any method.
    emu.inject_method_faults(None, Methods::Only("getFile".into()), vec![Fault::internal_server_error()]);
    emu.inject_method_faults(None, Methods::Only("downloadFile".into()), vec![Fault::too_many_requests(1)]);
    assert!(bot.get_file(document.file.id.clone()).await.is_err());
    assert!(bot.download_file(&file.path, &mut Vec::new()).await.is_err());
    let mut again = Vec::new();
    bot.download_file(&bot.get_file(document.file.id.clone()).await.expect("getFile").path, &mut again)
        .await
        .expect("download after the faults");
    assert_eq!(again, bytes);
    let downloads: Vec<u16> = emu.requests().iter().filter(|r| r.method == "downloadfile").map(|r| r.status).collect();
    assert_eq!(downloads, [200, 404, 401, 429, 200]);
}

#[tokio::test]
async fn callback_data_is_limited_to_64_bytes() {
    let (emu, bot) = start().await;
    let user = TestUser::new(7, "ru");
    emu.send_text(&user, "/start");

    let err = api_error(bot.send_message(ChatId(7), "menu").reply_markup(keyboard(&"ж".repeat(33))).await);
    assert_eq!(err, ApiError::ButtonDataInvalid);
    let sent = bot.send_message(ChatId(7), "menu").reply_markup(keyboard(&"ж".repeat(32))).await.expect("64 bytes fit");
    assert!(sent.reply_markup().is_some());
    let msg = emu.last_message(7).expect("stored");
    assert_eq!(msg.buttons().len(), 1);
    assert_eq!(msg.button("Press").and_then(|b| b.callback_data.clone()), Some("ж".repeat(32)));
    assert_eq!(emu.limit_violations().len(), 1);
}

#[tokio::test]
async fn reply_keyboards_are_recorded() {
    let (emu, bot) = start().await;
    let user = TestUser::new(8, "en");
    emu.send_text(&user, "/start");
    let markup =
        KeyboardMarkup::new([[KeyboardButton::new("Share phone").request(ButtonRequest::Contact)]]).resize_keyboard();
    let sent = bot.send_message(ChatId(8), "Please share").reply_markup(markup).await.expect("send");
    assert!(sent.reply_markup().is_none(), "only inline markup is echoed");
    let msg = emu.last_message(8).expect("stored");
    let buttons = msg.keyboard_buttons();
    assert_eq!(buttons.len(), 1);
    assert!(buttons[0].request_contact);
    assert_eq!(buttons[0].text, "Share phone");

    bot.send_message(ChatId(8), "Thanks").reply_markup(KeyboardRemove::new()).await.expect("remove keyboard");
    let msg = emu.last_message(8).expect("stored");
    assert!(msg.remove_keyboard && msg.reply_keyboard.is_none());
}

#[tokio::test]
async fn event_helpers_wait_and_skip() {
    let (emu, bot) = start().await;
    let user = TestUser::new(15, None);
    emu.send_text(&user, "hi");
    let started = Instant::now();
    emu.wait_quiet(15, Duration::from_millis(300)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(emu.next_event(15, Duration::from_millis(50)).await, None);

    let sent = bot.send_message(ChatId(15), "one").await.expect("send");
    bot.delete_message(ChatId(15), sent.id).await.expect("delete");
    let delayed = bot.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        delayed.send_message(ChatId(15), "two").await
    });
    // The second call skips the Deleted event and waits for the delayed Sent.
    assert_eq!(emu.next_sent(15, WAIT).await.map(|m| m.text).as_deref(), Some("one"));
    assert_eq!(emu.next_sent(15, WAIT).await.map(|m| m.text).as_deref(), Some("two"));
    assert!(emu.drain_events(15).is_empty());

    // Buttons in groups.
    emu.send_group_text(&user, -500, "hi group");
    let group_msg = bot.send_message(ChatId(-500), "vote").reply_markup(keyboard("v")).await.expect("group send");
    let cb = emu.press_button_in_chat(&user, -500, group_msg.id.0, "v");
    let updates = bot.get_updates().await.expect("poll");
    match &updates.last().expect("callback").kind {
        UpdateKind::CallbackQuery(q) => {
            assert_eq!(q.id.0, cb);
            assert!(q.regular_message().is_some_and(|m| m.chat.is_group()));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn edits_and_deletes_behave_like_telegram() {
    let (emu, bot) = start().await;
    let user = TestUser::new(9, None);
    emu.send_text(&user, "/start");
    let sent = bot.send_message(ChatId(9), "v1").reply_markup(keyboard("a")).await.expect("send");
    assert!(matches!(emu.next_event(9, WAIT).await, Some(BotEvent::Sent(m)) if m.text == "v1"));

    let edited = bot.edit_message_text(ChatId(9), sent.id, "v2").reply_markup(keyboard("a")).await.expect("edit");
    assert_eq!(edited.text(), Some("v2"));
    assert!(edited.edit_date().is_some());
    assert!(matches!(emu.next_event(9, WAIT).await, Some(BotEvent::Edited(m)) if m.text == "v2"));

    let err = api_error(bot.edit_message_text(ChatId(9), sent.id, "v2").reply_markup(keyboard("a")).await);
    assert_eq!(err, ApiError::MessageNotModified);
    let err = api_error(bot.edit_message_text(ChatId(9), MessageId(999), "x").await);
    assert_eq!(err, ApiError::MessageToEditNotFound);

    bot.edit_message_reply_markup(ChatId(9), sent.id).reply_markup(keyboard("b")).await.expect("markup edit");
    let msg = emu.messages(9).pop().expect("still there");
    assert_eq!(msg.buttons()[0].callback_data.as_deref(), Some("b"));
    assert_eq!(msg.text, "v2");

    bot.delete_message(ChatId(9), sent.id).await.expect("delete");
    assert!(emu.messages(9).is_empty());
    let events = emu.drain_events(9);
    assert!(matches!(events.last(), Some(BotEvent::Deleted(id)) if *id == sent.id.0));
    let err = api_error(bot.delete_message(ChatId(9), sent.id).await);
    assert_eq!(err, ApiError::MessageToDeleteNotFound);
}

#[tokio::test]
async fn raw_http_routing_and_errors() {
    let (emu, _bot) = start().await;
    let addr = emu.local_addr();
    for name in ["getMe", "GETME", "getme", "GetMe"] {
        let (status, body) = raw_http(addr, &format!("POST /bot123456:TEST/{name}"), "").await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(body["result"]["username"], "rezerv_test_bot");
    }
    let (status, body) = raw_http(addr, "GET /bot123456:TEST/getMe", "").await;
    assert_eq!((status, body["ok"].clone()), (200, json!(true)));

    let (status, body) = raw_http(addr, "POST /bot1:WRONG/getMe", "").await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"ok": false, "error_code": 401, "description": "Unauthorized"}));
    let (status, body) = raw_http(addr, "POST /bot123456:TEST/noSuchMethod", "{}").await;
    assert_eq!((status, body["error_code"].clone()), (404, json!(404)));
    let (status, body) = raw_http(addr, "POST /bot123456:TEST/sendMessage", "{not json").await;
    assert_eq!((status, body["ok"].clone()), (400, json!(false)));
    let (status, _) = raw_http(addr, "POST /bot123456:TEST/sendMessage", "[1]").await;
    assert_eq!(status, 400);
    let (status, _) = raw_http(addr, "POST /nothing", "").await;
    assert_eq!(status, 404);

    // Query-string parameters work for GET.
    emu.send_text(&TestUser::new(5, None), "hi");
    let (status, body) = raw_http(addr, "GET /bot123456:TEST/sendMessage?chat_id=5&text=hello%20there", "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["text"], "hello there");

    let methods: Vec<String> = emu.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(&methods[..4], ["getme"; 4]);
}

#[tokio::test]
async fn user_side_updates_deserialize_in_teloxide() {
    let (emu, bot) = start().await;
    let user = TestUser::new(100, "ru");
    let cmd_id = emu.send_text(&user, "/start ref_ёж");
    emu.send_sticker(&user);
    emu.send_photo(&user);
    emu.send_voice(&user);
    emu.share_own_contact(&user, "+79001234567");
    emu.share_forged_contact(&user, "+79007654321", Some(555));
    emu.share_forged_contact(&user, "+79000000000", None);
    emu.edit_text(&user, cmd_id, "/start other");
    emu.send_group_text(&user, -1001, "hello group");
    emu.set_member_status(&user, "kicked");
    emu.set_member_status(&user, "member");
    emu.press_button(&user, 999, "stale");

    let updates = bot.get_updates().await.expect("getUpdates");
    assert_eq!(updates.len(), 12);
    for upd in &updates {
        assert!(!matches!(upd.kind, UpdateKind::Error(_)), "{upd:?}");
    }
    let msg = |i: usize| match &updates[i].kind {
        UpdateKind::Message(m) => m.clone(),
        other => panic!("update {i} is not a message: {other:?}"),
    };
    let start = msg(0);
    assert_eq!(start.id, MessageId(cmd_id));
    let entities = start.parse_entities().expect("entities");
    assert_eq!(entities[0].text(), "/start");
    assert!(msg(1).sticker().is_some());
    assert_eq!(msg(2).photo().map(<[_]>::len), Some(3));
    assert!(msg(3).voice().is_some());
    let own = msg(4);
    assert_eq!(own.contact().and_then(|c| c.user_id), Some(UserId(100)));
    assert_eq!(own.from.as_ref().map(|u| u.id), Some(UserId(100)));
    assert_eq!(msg(5).contact().and_then(|c| c.user_id), Some(UserId(555)));
    assert_eq!(msg(6).contact().and_then(|c| c.user_id), None);
    match &updates[7].kind {
        UpdateKind::EditedMessage(m) => assert_eq!(m.text(), Some("/start other")),
        other => panic!("{other:?}"),
    }
    assert!(msg(8).chat.is_group());
    match &updates[9].kind {
        UpdateKind::MyChatMember(m) => {
            assert_eq!(m.new_chat_member.status(), ChatMemberStatus::Banned);
            assert_eq!(m.old_chat_member.status(), ChatMemberStatus::Member);
        }
        other => panic!("{other:?}"),
    }
    match &updates[11].kind {
        UpdateKind::CallbackQuery(q) => {
            assert!(q.regular_message().is_none(), "unknown message is inaccessible");
            assert_eq!(q.data.as_deref(), Some("stale"));
        }
        other => panic!("{other:?}"),
    }

    // The bot may now talk to the group and the user.
    bot.send_message(ChatId(-1001), "hi all").await.expect("group send");
    let last = updates.last().map(|u| u.id.as_offset()).unwrap_or_default();
    assert_eq!(emu.unconfirmed_updates(), 12);
    bot.get_updates().offset(last + 1).await.expect("confirm");
    assert_eq!(emu.unconfirmed_updates(), 0);
    assert_eq!(emu.unanswered_callbacks().len(), 1);
}

#[tokio::test]
async fn long_poll_is_held_until_timeout_or_update() {
    let (emu, bot) = start().await;
    let started = Instant::now();
    let updates = bot.get_updates().timeout(2).await.expect("poll");
    assert!(updates.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(1900), "{:?}", started.elapsed());

    let pusher = emu.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        pusher.send_text(&TestUser::new(1, None), "wake up");
    });
    let started = Instant::now();
    let updates = bot.get_updates().timeout(8).await.expect("poll");
    assert_eq!(updates.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    // allowed_updates filters (and drops) other update types like Telegram.
    emu.set_member_status(&TestUser::new(1, None), "kicked");
    emu.send_text(&TestUser::new(1, None), "after");
    let offset = updates[0].id.as_offset() + 1;
    let updates = bot
        .get_updates()
        .offset(offset)
        .allowed_updates([teloxide::types::AllowedUpdate::Message])
        .await
        .expect("poll");
    assert_eq!(updates.len(), 1);
    assert!(matches!(updates[0].kind, UpdateKind::Message(_)));
}

#[tokio::test]
async fn shutdown_releases_held_polls() {
    let (emu, bot) = start().await;
    let poll = tokio::spawn(async move { bot.get_updates().timeout(9).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    emu.shutdown();
    let res = tokio::time::timeout(Duration::from_secs(3), poll).await.expect("poll released promptly").expect("task");
    assert!(res.is_ok_and(|u| u.is_empty()));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let config = EmulatorConfig {
        rate_limits: Some(RateLimits { global_per_sec: 30, per_chat_per_sec: 1, burst: 2 }),
        ..EmulatorConfig::default()
    };
    let (emu, bot) = start_with(config).await;
    emu.send_text(&TestUser::new(11, None), "hi");
    emu.send_text(&TestUser::new(12, None), "hi");
    bot.send_message(ChatId(11), "1").await.expect("burst 1");
    bot.send_message(ChatId(11), "2").await.expect("burst 2");
    match bot.send_message(ChatId(11), "3").await {
        Err(RequestError::RetryAfter(secs)) => assert!(secs.seconds() >= 1),
        other => panic!("expected 429, got {other:?}"),
    }
    bot.send_message(ChatId(12), "other chat").await.expect("other chat unaffected");
    assert_eq!(emu.too_many_requests_count(), 1);
    let violation = emu.limit_violations().pop().expect("429 recorded");
    assert_eq!(violation.status, 429);
    assert_eq!(violation.response["parameters"]["retry_after"], json!(1));
    assert_eq!(violation.description(), Some("Too Many Requests: retry after 1"));
    assert_eq!(emu.delivered_count(11), 2);
}

#[tokio::test]
async fn blocked_chats_get_403() {
    let (emu, bot) = start().await;
    let user = TestUser::new(13, None);
    emu.send_text(&user, "hi");
    emu.block_chat(13, true);
    let err = api_error(bot.send_message(ChatId(13), "x").await);
    assert_eq!(err, ApiError::BotBlocked);
    let req = emu.requests().pop().expect("recorded");
    assert_eq!(req.status, 403);
    assert_eq!(req.description(), Some("Forbidden: bot was blocked by the user"));
    emu.block_chat(13, false);
    bot.send_message(ChatId(13), "x").await.expect("unblocked");

    emu.set_member_status(&user, "kicked");
    assert_eq!(api_error(bot.send_message(ChatId(13), "x").await), ApiError::BotBlocked);
    emu.set_member_status(&user, "member");
    bot.send_message(ChatId(13), "x").await.expect("restarted");
    assert!(emu.limit_violations().is_empty(), "403 is not a limit violation");
    assert_eq!(emu.delivered_count(13), 2);
}

#[tokio::test]
async fn answering_unknown_or_repeated_callbacks_fails() {
    let (emu, bot) = start().await;
    let user = TestUser::new(14, None);
    emu.send_text(&user, "hi");
    let sent = bot.send_message(ChatId(14), "menu").reply_markup(keyboard("x")).await.expect("send");
    let id = emu.press_button(&user, sent.id.0, "x");
    assert_eq!(emu.unanswered_callbacks(), vec![id.clone()]);
    bot.answer_callback_query(id.clone().into()).await.expect("answer");
    assert!(emu.unanswered_callbacks().is_empty());
    for bad in [id, "nope".to_owned()] {
        let err = api_error(bot.answer_callback_query(bad.into()).await);
        assert!(err.to_string().contains("query is too old"), "{err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatcher_with_polling_round_trip() {
    let (emu, bot) = start().await;
    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
            if let Some(text) = msg.text() {
                bot.send_message(msg.chat.id, format!("echo: {text}")).reply_markup(keyboard("ack")).await?;
            }
            respond(())
        }))
        .branch(Update::filter_callback_query().endpoint(|bot: Bot, q: CallbackQuery| async move {
            // Leaves "ignore" unanswered on purpose.
            if q.data.as_deref() == Some("ack") {
                bot.answer_callback_query(q.id.clone()).text("done").await?;
                if let Some(msg) = q.regular_message() {
                    bot.edit_message_text(msg.chat.id, msg.id, "acknowledged").await?;
                }
            }
            respond(())
        }));
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let stop = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    let user = TestUser::new(77, "ru");
    emu.send_text(&user, "hello");
    let echo = match emu.next_event(77, WAIT).await {
        Some(BotEvent::Sent(m)) => m,
        other => panic!("expected echo, got {other:?}"),
    };
    assert_eq!(echo.text, "echo: hello");

    let cb = emu.press_button(&user, echo.message_id, "ack");
    assert_eq!(emu.next_event(77, WAIT).await, Some(BotEvent::CallbackAnswered { id: cb, text: Some("done".into()) }));
    match emu.next_event(77, WAIT).await {
        Some(BotEvent::Edited(m)) => {
            assert_eq!(m.text, "acknowledged");
            assert!(m.buttons().is_empty(), "edit without markup drops the keyboard");
        }
        other => panic!("expected edit, got {other:?}"),
    }

    let ignored = emu.press_button(&user, echo.message_id, "ignore");
    emu.wait_quiet(77, Duration::from_millis(400)).await;
    assert_eq!(emu.unanswered_callbacks(), vec![ignored]);

    // Everything handed out gets confirmed by the next poll.
    let deadline = Instant::now() + WAIT;
    while emu.unconfirmed_updates() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(emu.unconfirmed_updates(), 0);
    assert!(emu.limit_violations().is_empty(), "{:?}", emu.limit_violations());

    match stop.shutdown() {
        Ok(fut) => fut.await,
        Err(err) => panic!("dispatcher was idle: {err:?}"),
    }
    tokio::time::timeout(WAIT, running).await.expect("dispatcher stops promptly").expect("dispatcher task");
}

#[tokio::test]
async fn injected_drop_and_status_faults() {
    let (emu, _) = start().await;
    let bot = impatient_bot(&emu);
    let user = TestUser::new(21, None);
    emu.send_text(&user, "hi");
    emu.send_text(&TestUser::new(22, None), "hi");
    emu.inject_faults(
        21,
        vec![
            Fault::Drop,
            status_fault(400, "Bad Request: chat not found", None),
            status_fault(429, "Too Many Requests: retry after 7", Some(7)),
        ],
    );
    assert_eq!((emu.pending_faults(21), emu.pending_faults(22), emu.pending_global_faults()), (3, 0, 0));

    // Other methods and other chats don't consume them.
    bot.get_me().await.expect("sending faults do not hit getMe");
    bot.send_chat_action(ChatId(21), ChatAction::Typing).await.expect("chat actions are not faulted");
    bot.send_message(ChatId(22), "other chat").await.expect("other chat");
    assert_eq!(emu.pending_faults(21), 3);

    match bot.send_message(ChatId(21), "dropped").await {
        Err(RequestError::Network(err)) => assert!(!err.is_timeout(), "{err}"),
        other => panic!("expected a network error, got {other:?}"),
    }
    assert_eq!(emu.pending_faults(21), 2, "reqwest did not retry the dropped request");
    assert_eq!(api_error(bot.send_message(ChatId(21), "status").await), ApiError::ChatNotFound);
    match bot.edit_message_text(ChatId(21), MessageId(1), "edit").await {
        Err(RequestError::RetryAfter(secs)) => assert_eq!(secs.seconds(), 7),
        other => panic!("expected 429, got {other:?}"),
    }
    assert_eq!(emu.pending_faults(21), 0);
    assert_eq!(emu.delivered_count(21), 0, "faulted sends deliver nothing");
    bot.send_message(ChatId(21), "after").await.expect("faults used up");
    assert_eq!(emu.delivered_count(21), 1);
    assert_eq!(emu.too_many_requests_count(), 1, "an injected 429 counts as a 429 answer");

    let faulted: Vec<(String, u16)> =
        emu.requests().into_iter().filter(|r| r.body["chat_id"] == json!(21)).map(|r| (r.method, r.status)).collect();
    let expected = [("sendchataction", 200), ("sendmessage", 0), ("sendmessage", 400)]
        .into_iter()
        .chain([("editmessagetext", 429), ("sendmessage", 200)])
        .map(|(m, s)| (m.to_owned(), s))
        .collect::<Vec<_>>();
    assert_eq!(faulted, expected);

    // At the TCP level a dropped request gets no byte of answer, just the end of the stream.
    emu.inject_faults(21, vec![Fault::Drop]);
    let mut stream = TcpStream::connect(emu.local_addr()).await.expect("connect");
    let body = r#"{"chat_id":21,"text":"raw"}"#;
    let request = format!(
        "POST /bot{}/sendMessage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        emu.token(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(WAIT, stream.read_to_end(&mut buf)).await.expect("closed promptly");
    assert!(read.is_err() || buf.is_empty(), "got {:?}", String::from_utf8_lossy(&buf));
    assert_eq!(emu.delivered_count(21), 1);
}

#[tokio::test]
async fn injected_timeouts_hold_then_deliver() {
    let (emu, _) = start().await;
    let bot = impatient_bot(&emu);
    emu.send_text(&TestUser::new(23, None), "hi");
    emu.inject_faults(23, vec![Fault::Timeout(Duration::from_secs(1)), Fault::Timeout(Duration::from_millis(150))]);

    let started = Instant::now();
    match bot.send_message(ChatId(23), "late").await {
        Err(RequestError::Network(err)) => assert!(err.is_timeout(), "{err}"),
        other => panic!("expected a client timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_millis(900), "{:?}", started.elapsed());
    assert_eq!(emu.delivered_count(23), 0, "still held");
    // The held request still goes through when the hold ends, though the client gave up:
    // a bot that retries on timeouts sends the message twice.
    let late = emu.next_sent(23, WAIT).await.expect("delivered after the hold");
    assert_eq!(late.text, "late");
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());

    // A hold shorter than the client's timeout only slows the answer down.
    let started = Instant::now();
    let sent = bot.send_message(ChatId(23), "slow").await.expect("answered after the hold");
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(sent.text(), Some("slow"));
    assert_eq!(emu.delivered_count(23), 2);
    assert_eq!(emu.pending_faults(23), 0);
}

#[tokio::test]
async fn global_faults_hit_the_next_sends_to_any_chat() {
    let (emu, bot) = start().await;
    emu.send_text(&TestUser::new(31, None), "hi");
    emu.send_text(&TestUser::new(32, None), "hi");
    let sent = bot.send_message(ChatId(32), "menu").reply_markup(keyboard("a")).await.expect("send");
    emu.inject_global_faults(vec![
        status_fault(403, "Forbidden: bot was blocked by the user", None),
        status_fault(400, "Bad Request: message to edit not found", None),
    ]);
    emu.inject_faults(32, vec![status_fault(400, "Bad Request: message is too long", None)]);
    assert_eq!(emu.pending_global_faults(), 2);

    bot.get_updates().await.expect("sending faults do not hit getUpdates");
    bot.delete_message(ChatId(31), MessageId(1)).await.expect("deletes are not faulted");
    // The chat's own fault goes first, then the global ones, whatever the chat.
    assert_eq!(api_error(bot.send_message(ChatId(32), "x").await), ApiError::MessageIsTooLong);
    assert_eq!(emu.pending_global_faults(), 2);
    assert_eq!(api_error(bot.send_message(ChatId(31), "x").await), ApiError::BotBlocked);
    let err = api_error(bot.edit_message_reply_markup(ChatId(32), sent.id).reply_markup(keyboard("b")).await);
    assert_eq!(err, ApiError::MessageToEditNotFound);
    assert_eq!(emu.pending_global_faults(), 0);

    bot.send_message(ChatId(31), "ok").await.expect("faults used up");
    assert_eq!(emu.total_delivered(), 2);
    assert_eq!(emu.delivered_counts(), [(31, 1), (32, 1)].into_iter().collect());
}

#[tokio::test]
#[should_panic(expected = "must be 4xx or 5xx")]
async fn status_faults_must_be_errors_telegram_answers() {
    let (emu, _) = start().await;
    emu.inject_faults(1, vec![status_fault(302, "Found", None)]);
}

#[tokio::test]
async fn method_faults_hit_the_named_method_in_the_named_chat() {
    let (emu, bot) = start().await;
    let user = TestUser::new(41, None);
    emu.send_text(&user, "hi");
    let sent = bot.send_message(ChatId(41), "menu").reply_markup(keyboard("a")).await.expect("send");
    let query = emu.press_button(&user, sent.id.0, "a");
    emu.inject_method_faults(Some(41), Methods::Only("answerCallbackQuery".into()), vec![Fault::too_many_requests(3)]);
    emu.inject_method_faults(None, Methods::Only("getUpdates".into()), vec![Fault::too_many_requests(4)]);
    emu.inject_method_faults(Some(41), Methods::Sending, vec![Fault::internal_server_error()]);

    // getUpdates has no chat: a global fault hits it.
    match bot.get_updates().await {
        Err(RequestError::RetryAfter(secs)) => assert_eq!(secs.seconds(), 4),
        other => panic!("expected 429 on getUpdates, got {other:?}"),
    }
    // answerCallbackQuery's chat is where the button was pressed.
    match bot.answer_callback_query(CallbackQueryId(query.clone())).await {
        Err(RequestError::RetryAfter(secs)) => assert_eq!(secs.seconds(), 3),
        other => panic!("expected 429 on answerCallbackQuery, got {other:?}"),
    }
    assert_eq!(emu.unanswered_callbacks(), vec![query.clone()], "a faulted answer answers nothing");
    bot.answer_callback_query(CallbackQueryId(query)).await.expect("faults used up");
    // A 5xx is Telegram's JSON error with its status (raw, since teloxide waits 10 s on a 5xx).
    let body = r#"{"chat_id":41,"text":"x"}"#;
    let (status, answer) = raw_http(emu.local_addr(), &format!("POST /bot{}/sendMessage", emu.token()), body).await;
    assert_eq!(
        (status, answer),
        (500, json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}))
    );
    assert_eq!(emu.delivered_count(41), 1, "only the menu");
    assert_eq!((emu.pending_faults(41), emu.pending_global_faults()), (0, 0));
}

#[tokio::test]
async fn paid_broadcasts_pass_the_global_limit_and_are_counted() {
    let config = EmulatorConfig {
        rate_limits: Some(RateLimits { global_per_sec: 30, per_chat_per_sec: 1, burst: 1 }),
        ..EmulatorConfig::default()
    };
    let (emu, bot) = start_with(config).await;
    let users: Vec<TestUser> = (3_000..3_100).map(|id| TestUser::new(id, None)).collect();
    for user in &users {
        emu.register_user(user);
    }
    // 100 paid sends at once: within the 1,000 a second of paid broadcasts.
    for user in &users {
        bot.send_message(ChatId(user.id), "paid").allow_paid_broadcast(true).await.expect("a paid send");
    }
    assert_eq!(emu.paid_broadcast_delivered(), 100);
    assert_eq!(emu.too_many_requests_count(), 0);
    // The per-chat limit holds for paid sends too.
    let again = bot.send_message(ChatId(users[99].id), "paid").allow_paid_broadcast(true).await;
    assert!(matches!(again, Err(RequestError::RetryAfter(_))), "{again:?}");
    // Free sends keep their 30 a second; the same chats' per-chat limit still holds.
    let free: Vec<TestUser> = (4_000..4_031).map(|id| TestUser::new(id, None)).collect();
    for user in &free {
        emu.register_user(user);
    }
    for user in &free[..30] {
        bot.send_message(ChatId(user.id), "free").await.expect("a free send");
    }
    let refused = bot.send_message(ChatId(free[30].id), "free").await;
    assert!(matches!(refused, Err(RequestError::RetryAfter(_))), "{refused:?}");
    assert_eq!(emu.paid_broadcast_delivered(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_mode_counts_without_keeping_bodies() {
    let config = EmulatorConfig {
        record_requests: false,
        keep_messages: false,
        rate_limits: Some(RateLimits { global_per_sec: 10_000, per_chat_per_sec: 1, burst: 2 }),
        ..EmulatorConfig::default()
    };
    let (emu, bot) = start_with(config).await;
    let users: Vec<TestUser> = (1_000..1_200).map(|id| TestUser::new(id, None)).collect();
    for user in &users {
        emu.send_text(user, "/start");
    }
    let mut tasks = Vec::new();
    for chunk in users.chunks(50) {
        let (bot, ids) = (bot.clone(), chunk.iter().map(|u| u.id).collect::<Vec<_>>());
        tasks.push(tokio::spawn(async move {
            for id in ids {
                for n in 0..2 {
                    bot.send_message(ChatId(id), format!("msg {n}")).await.expect("send");
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("sender task");
    }
    assert_eq!(emu.total_delivered(), 400);
    let counts = emu.delivered_counts();
    assert_eq!(counts.len(), 200);
    assert!(counts.values().all(|&n| n == 2));

    // Limits still apply and are counted, but nothing is recorded or stored.
    let err = bot.send_message(ChatId(1_000), "third").await;
    assert!(matches!(err, Err(RequestError::RetryAfter(_))), "{err:?}");
    assert_eq!(
        api_error(bot.send_message(ChatId(1_001), "я".repeat(MAX_TEXT_CHARS + 1)).await),
        ApiError::MessageIsTooLong
    );
    assert_eq!(emu.too_many_requests_count(), 1);
    assert_eq!(emu.limit_violation_count(), 2);
    assert!(emu.requests().is_empty() && emu.limit_violations().is_empty());
    assert!(emu.messages(1_000).is_empty() && emu.last_message(1_000).is_none());
    assert!(emu.drain_events(1_000).is_empty());
    assert_eq!(emu.next_event(1_000, Duration::from_millis(10)).await, None);
    assert_eq!(emu.total_delivered(), 400);

    // Edits, deletes and button presses work on message ids the chat has used.
    let user = &users[5];
    let edited = bot.edit_message_text(ChatId(user.id), MessageId(2), "edited").await.expect("edit");
    assert_eq!(edited.text(), Some("edited"));
    let err = api_error(bot.edit_message_text(ChatId(user.id), MessageId(99), "x").await);
    assert_eq!(err, ApiError::MessageToEditNotFound);
    bot.delete_message(ChatId(user.id), MessageId(3)).await.expect("delete");
    emu.press_button(user, 2, "x");
    let updates = bot.get_updates().offset(-1).await.expect("poll");
    match &updates.last().expect("callback").kind {
        UpdateKind::CallbackQuery(q) => assert!(q.regular_message().is_some_and(|m| m.id == MessageId(2))),
        other => panic!("{other:?}"),
    }
    assert_eq!(emu.limit_violation_count(), 3, "only the bad edit was added");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_thirty_per_second_and_one_per_chat() {
    let config = EmulatorConfig {
        rate_limits: Some(RateLimits { global_per_sec: 30, per_chat_per_sec: 1, burst: 1 }),
        ..EmulatorConfig::default()
    };
    let (emu, bot) = start_with(config).await;
    for id in 2_000..2_100 {
        emu.send_text(&TestUser::new(id, None), "hi");
    }

    // One message per chat per second.
    let started = Instant::now();
    bot.send_message(ChatId(2_000), "a").await.expect("first into the chat");
    match bot.send_message(ChatId(2_000), "b").await {
        Err(RequestError::RetryAfter(secs)) => assert_eq!(secs.seconds(), 1),
        other => panic!("expected 429, got {other:?}"),
    }

    // 30 per second overall: of 40 sends into fresh chats fired at once, 29 more fit.
    let tasks: Vec<_> = (2_001..2_041)
        .map(|id| {
            let bot = bot.clone();
            tokio::spawn(async move { bot.send_message(ChatId(id), "burst").await })
        })
        .collect();
    let (mut passed, mut limited) = (0, 0);
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => passed += 1,
            Err(RequestError::RetryAfter(secs)) => {
                assert_eq!(secs.seconds(), 1);
                limited += 1;
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(passed + limited, 40);
    if started.elapsed() < Duration::from_millis(900) {
        assert_eq!((passed, limited), (29, 11));
    } else {
        assert!(passed >= 29, "slow machine: {passed}");
    }
    assert_eq!(emu.too_many_requests_count(), 1 + limited);
    for req in emu.limit_violations() {
        assert_eq!(req.status, 429);
        assert_eq!(req.response["parameters"]["retry_after"], json!(1), "{:?}", req.response);
    }

    // A client that keeps to 30 per 1-second window and 1 per chat per second never gets a 429.
    tokio::time::sleep_until((started + Duration::from_millis(1_100)).into()).await;
    let before = emu.too_many_requests_count();
    let mut ticker = tokio::time::interval(Duration::from_millis(36));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for tick in 0..60 {
        ticker.tick().await;
        let chat = if tick % 30 == 0 { 2_000 } else { 2_040 + tick };
        bot.send_message(ChatId(chat), "paced").await.expect("paced sends are never limited");
    }
    assert_eq!(emu.too_many_requests_count(), before);
    assert_eq!(emu.delivered_count(2_000), 3);
    assert_eq!(emu.total_delivered(), 1 + passed + 60);
}

#[tokio::test]
async fn deactivated_users_get_403() {
    let (emu, bot) = start().await;
    let user = TestUser::new(41, None);
    emu.send_text(&user, "hi");
    let sent = bot.send_message(ChatId(41), "hello").await.expect("send");
    emu.deactivate_chat(41);
    assert_eq!(api_error(bot.send_message(ChatId(41), "x").await), ApiError::UserDeactivated);
    let req = emu.requests().pop().expect("recorded");
    assert_eq!((req.status, req.description()), (403, Some("Forbidden: user is deactivated")));
    assert_eq!(api_error(bot.edit_message_text(ChatId(41), sent.id, "y").await), ApiError::UserDeactivated);
    assert_eq!(api_error(bot.send_chat_action(ChatId(41), ChatAction::Typing).await), ApiError::UserDeactivated);

    // Deactivation is permanent and wins over blocking.
    emu.block_chat(41, true);
    emu.block_chat(41, false);
    assert_eq!(api_error(bot.send_message(ChatId(41), "x").await), ApiError::UserDeactivated);
    // A blocked or deactivated chat answers 403 even if no user ever wrote from it.
    emu.deactivate_chat(4_242);
    assert_eq!(api_error(bot.send_message(ChatId(4_242), "x").await), ApiError::UserDeactivated);
    emu.block_chat(4_243, true);
    assert_eq!(api_error(bot.send_message(ChatId(4_243), "x").await), ApiError::BotBlocked);
    assert_eq!(emu.delivered_count(41), 1);
    assert!(emu.limit_violations().is_empty(), "403 is not a limit violation");
}

#[tokio::test]
async fn injected_faults_are_not_limit_violations() {
    let config = EmulatorConfig {
        rate_limits: Some(RateLimits { global_per_sec: 30, per_chat_per_sec: 1, burst: 1 }),
        ..EmulatorConfig::default()
    };
    let (emu, _) = start_with(config).await;
    let bot = impatient_bot(&emu);
    let user = TestUser::new(51, None);
    emu.send_text(&user, "hi");
    let sent = bot.send_message(ChatId(51), "menu").reply_markup(keyboard("a")).await.expect("send");
    let query = emu.press_button(&user, sent.id.0, "a");
    emu.inject_faults(
        51,
        vec![
            Fault::too_many_requests(1),
            status_fault(400, "Bad Request: chat not found", None),
            Fault::internal_server_error(),
            Fault::Drop,
        ],
    );
    emu.inject_method_faults(Some(51), Methods::Only("answerCallbackQuery".into()), vec![Fault::too_many_requests(2)]);
    assert!(matches!(bot.send_message(ChatId(51), "x").await, Err(RequestError::RetryAfter(_))));
    assert_eq!(api_error(bot.send_message(ChatId(51), "x").await), ApiError::ChatNotFound);
    // teloxide holds a 5xx for 10 s before it reports it.
    let held = tokio::time::timeout(Duration::from_millis(300), bot.send_message(ChatId(51), "x")).await;
    assert!(held.is_err(), "{held:?}");
    assert!(bot.send_message(ChatId(51), "x").await.is_err());
    assert!(matches!(bot.answer_callback_query(CallbackQueryId(query)).await, Err(RequestError::RetryAfter(_))));
    assert_eq!((emu.pending_faults(51), emu.delivered_count(51)), (0, 1));

    assert!(emu.limit_violations().is_empty(), "{:?}", emu.limit_violations());
    assert_eq!(emu.limit_violation_count(), 0);
    assert_eq!(emu.too_many_requests_count(), 2, "injected 429s are still 429 answers");
    let injected: Vec<(String, u16)> =
        emu.requests().into_iter().filter(|r| r.injected).map(|r| (r.method, r.status)).collect();
    let expected: Vec<(String, u16)> = [
        ("sendmessage", 429),
        ("sendmessage", 400),
        ("sendmessage", 500),
        ("sendmessage", 0),
        ("answercallbackquery", 429),
    ]
    .into_iter()
    .map(|(method, status)| (method.to_owned(), status))
    .collect();
    assert_eq!(injected, expected);

    // What the bot breaks itself still counts: flood control's own 429, and a 400.
    tokio::time::sleep(Duration::from_secs(1)).await;
    bot.send_message(ChatId(51), "paced").await.expect("a second after the menu");
    assert!(matches!(bot.send_message(ChatId(51), "too soon").await, Err(RequestError::RetryAfter(_))));
    let long = "x".repeat(MAX_TEXT_CHARS + 1);
    assert_eq!(api_error(bot.send_message(ChatId(51), long).await), ApiError::MessageIsTooLong);
    let own: Vec<u16> = emu.limit_violations().into_iter().map(|r| r.status).collect();
    assert_eq!(own, [429, 400]);
    assert_eq!(emu.limit_violation_count(), 2);
    assert_eq!(emu.too_many_requests_count(), 3);
    assert_eq!(emu.delivered_count(51), 2);
}

#[tokio::test]
async fn a_second_answer_to_a_callback_is_refused_with_400_and_counted() {
    for keep_messages in [true, false] {
        let config = EmulatorConfig { keep_messages, record_requests: keep_messages, ..EmulatorConfig::default() };
        let (emu, bot) = start_with(config).await;
        let user = TestUser::new(61, None);
        emu.send_text(&user, "hi");
        let sent = bot.send_message(ChatId(61), "menu").reply_markup(keyboard("a")).await.expect("send");
        let first = emu.press_button(&user, sent.id.0, "a");
        let second = emu.press_button(&user, sent.id.0, "a");
        // A faulted answer answers nothing: the retry is the first answer.
        emu.inject_method_faults(Some(61), Methods::Only("answerCallbackQuery".into()), vec![Fault::Drop]);
        assert!(bot.answer_callback_query(CallbackQueryId(first.clone())).await.is_err());
        bot.answer_callback_query(CallbackQueryId(first.clone())).await.expect("the first answer");
        assert_eq!(emu.callbacks_answered_twice(), 0);

        let err = api_error(bot.answer_callback_query(CallbackQueryId(first.clone())).await);
        assert!(err.to_string().contains("query is too old"), "{err:?}");
        assert_eq!(emu.callbacks_answered_twice(), 1, "keep_messages {keep_messages}");
        // An id never pressed is refused the same way, but it is no second answer.
        assert!(bot.answer_callback_query(CallbackQueryId("42".into())).await.is_err());
        assert_eq!(emu.callbacks_answered_twice(), 1);
        // Another press of the same button is a query of its own.
        bot.answer_callback_query(CallbackQueryId(second.clone())).await.expect("the other query");
        assert!(bot.answer_callback_query(CallbackQueryId(second)).await.is_err());
        assert_eq!(emu.callbacks_answered_twice(), 2);
        assert_eq!(emu.limit_violation_count(), 3, "every refusal is a 400");
        assert!(emu.unanswered_callbacks().is_empty());
    }
}

#[tokio::test]
async fn a_query_id_from_a_raw_update_is_answered_once_too() {
    let (emu, bot) = start().await;
    let user = TestUser::new(62, None);
    emu.send_text(&user, "hi");
    emu.push_raw_update(json!({"callback_query": {
        "id": "raw-1",
        "from": user.to_json(),
        "chat_instance": "1",
        "data": "x",
    }}));
    bot.answer_callback_query(CallbackQueryId("raw-1".into())).await.expect("the first answer");
    assert!(bot.answer_callback_query(CallbackQueryId("raw-1".into())).await.is_err());
    assert_eq!(emu.callbacks_answered_twice(), 1);
}

#[tokio::test]
async fn watched_texts_are_counted_per_chat_even_in_load_mode() {
    for keep_messages in [true, false] {
        let config = EmulatorConfig { keep_messages, record_requests: keep_messages, ..EmulatorConfig::default() };
        let (emu, bot) = start_with(config).await;
        for id in [71, 72] {
            emu.send_text(&TestUser::new(id, None), "hi");
        }
        emu.watch_text("<b>Sorry</b>");
        for (chat, text) in [(71, "<b>Sorry</b>"), (71, "Sorry"), (71, "<b>Sorry</b>"), (72, "hello")] {
            bot.send_message(ChatId(chat), text).parse_mode(ParseMode::Html).await.expect("send");
        }
        emu.inject_faults(72, vec![Fault::Drop]);
        assert!(bot.send_message(ChatId(72), "<b>Sorry</b>").await.is_err(), "dropped: not delivered");
        assert_eq!((emu.watched_delivered(71), emu.watched_delivered(72)), (2, 0), "keep_messages {keep_messages}");
    }
}
