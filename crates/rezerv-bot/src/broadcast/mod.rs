//! Broadcasts: who they go to ([`Segment`]) and what they say ([`BroadcastText`]), shared by
//! the console in Telegram and the command line. Each recipient's row goes through the outbox
//! and is rendered in their language when it is sent.

mod segment;
mod text;

pub use segment::{Place, SEGMENT_STAGES, Segment, SegmentError};
pub use text::{BroadcastText, MAX_RENDERED_CHARS, TextError, visible_text};

use crate::config::Campaign;
use crate::storage::Audience;

/// The query's form of a segment: its place as city ids.
pub fn audience(segment: &Segment, campaign: &Campaign) -> Audience {
    Audience {
        way: segment.way,
        cities: segment.city_ids(campaign),
        stage: segment.stage,
        lang: segment.lang,
        has_code: segment.has_code,
        applied: segment.applied,
    }
}
