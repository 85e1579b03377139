//! `sendPhoto`: a picture uploaded as multipart/form-data, checked as the Bot API says, and kept
//! (bytes and size) so that tests can decode what the bot drew.

use serde_json::{Value, json};

use super::ApiError;
use super::limits::{Markup, check_caption, parse_markup};
use super::methods::{Params, bare_message_json, check_forbidden, opt_str, param, resolve_chat, uploaded};
use super::state::{State, StoredBotMessage, unix_now};
use super::types::{BotMessage, Photo};

/// "The photo's width and height must not exceed 10000 in total" (Bot API, sendPhoto).
const MAX_PHOTO_SIDES: u32 = 10_000;
/// "Width and height ratio must be at most 20."
const MAX_PHOTO_RATIO: u32 = 20;
/// Telegram keeps a photo at most this many pixels on its long side, and makes smaller copies
/// at 90, 320 and 800 (the sizes a `Message.photo` lists).
const PHOTO_SIDES: [u32; 4] = [90, 320, 800, 1280];

pub fn send_photo(st: &mut State, p: &Params) -> Result<Value, ApiError> {
    let chat_id = resolve_chat(st, p)?;
    let bytes = uploaded(p, "photo")?.bytes;
    let (width, height) = image_size(&bytes).ok_or_else(|| ApiError::bad_request("IMAGE_PROCESS_FAILED"))?;
    let (long, short) = (width.max(height), width.min(height));
    if short == 0 || width + height > MAX_PHOTO_SIDES || long > short * MAX_PHOTO_RATIO {
        return Err(ApiError::bad_request("PHOTO_INVALID_DIMENSIONS"));
    }
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
    json["photo"] = photo_sizes(chat_id, message_id, width, height, bytes.len());
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
        document: None,
    };
    st.add_photo(Photo { chat_id, message_id, width, height, bytes });
    st.add_bot_message(StoredBotMessage { msg, json: json.clone(), inline_json });
    Ok(json)
}

/// The `PhotoSize`s Telegram lists for a photo: copies scaled to each of `PHOTO_SIDES` below
/// the original's long side, then the original (at most 1280 on its long side).
fn photo_sizes(chat_id: i64, message_id: i32, width: u32, height: u32, bytes: usize) -> Value {
    let long = width.max(height);
    let scaled = |side: u32| {
        let side = side.min(long);
        let scale = |v: u32| u32::try_from(u64::from(v) * u64::from(side) / u64::from(long)).unwrap_or(v).max(1);
        (scale(width), scale(height))
    };
    let kept = long.min(PHOTO_SIDES[PHOTO_SIDES.len() - 1]);
    let mut sides: Vec<u32> = PHOTO_SIDES.iter().copied().filter(|side| *side < kept).collect();
    sides.push(kept);
    let last = sides.len() - 1;
    let sizes = sides.into_iter().enumerate().map(|(index, side)| {
        let (w, h) = scaled(side);
        // The emulator does not scale the bytes; the largest copy carries the upload's size.
        let file_size = if index == last { bytes } else { bytes * (w * h) as usize / (width * height).max(1) as usize };
        json!({
            "file_id": format!("AgACAgIAAxkBAAIB{chat_id}x{message_id}x{side}"),
            "file_unique_id": format!("AQADB{chat_id}x{message_id}x{side}"),
            "file_size": file_size,
            "width": w,
            "height": h,
        })
    });
    Value::Array(sizes.collect())
}

/// Width and height of a PNG or JPEG, read from its header; `None` for anything else (Telegram
/// answers such an upload `IMAGE_PROCESS_FAILED`).
pub fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    png_size(bytes).or_else(|| jpeg_size(bytes))
}

fn be_u32(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?))
}

fn be_u16(bytes: &[u8]) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(bytes.get(..2)?.try_into().ok()?)))
}

/// The signature, then the IHDR chunk first: its width and height.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    let rest = bytes.strip_prefix(SIGNATURE)?;
    (rest.get(4..8)? == b"IHDR").then_some(())?;
    Some((be_u32(rest.get(8..)?)?, be_u32(rest.get(12..)?)?))
}

/// SOI, then segments up to a start-of-frame marker, which holds height and width.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    (bytes.get(..2)? == [0xFF, 0xD8]).then_some(())?;
    loop {
        let (&marker_start, &marker) = (bytes.get(at)?, bytes.get(at + 1)?);
        (marker_start == 0xFF).then_some(())?;
        let length = be_u16(bytes.get(at + 2..)?)? as usize;
        // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let frame = bytes.get(at + 4..)?;
            return Some((be_u16(frame.get(3..)?)?, be_u16(frame.get(1..)?)?));
        }
        at += 2 + length;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend(width.to_be_bytes());
        bytes.extend(height.to_be_bytes());
        bytes.extend([8, 2, 0, 0, 0]);
        bytes
    }

    #[test]
    fn png_and_jpeg_sizes_are_read_from_their_headers() {
        assert_eq!(image_size(&png_header(1280, 900)), Some((1280, 900)));
        // SOI, an APP0 segment of 16 bytes, then SOF0: precision 8, height 480, width 640.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        jpeg.extend([0; 14]);
        jpeg.extend([0xFF, 0xC0, 0, 17, 8, 0x01, 0xE0, 0x02, 0x80, 3]);
        assert_eq!(image_size(&jpeg), Some((640, 480)));
        for bad in [&b"GIF89a"[..], b"\x89PNG\r\n\x1a\n", b"\xFF\xD8\xFF", b""] {
            assert_eq!(image_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_photo_lists_its_scaled_copies_up_to_1280() {
        let sizes = photo_sizes(1, 2, 2000, 1000, 50_000);
        let sides: Vec<(u64, u64)> = sizes
            .as_array()
            .unwrap()
            .iter()
            .map(|size| (size["width"].as_u64().unwrap(), size["height"].as_u64().unwrap()))
            .collect();
        assert_eq!(sides, [(90, 45), (320, 160), (800, 400), (1280, 640)]);
        let small = photo_sizes(1, 2, 100, 60, 500);
        assert_eq!(small.as_array().unwrap().len(), 2, "{small}");
        assert_eq!(small[1]["width"], json!(100));
        assert_eq!(small[1]["file_size"], json!(500));
    }
}
