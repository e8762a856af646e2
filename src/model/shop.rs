//! The shop's own settings (contract §8): what the customer page says, when the shop is open,
//! and the desk's routing and capacity. Stored as one JSON document, so a save is all or nothing.

use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

use super::text::Text;

/// Whether the pre-chat form asks for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum, Default)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum FieldRule {
    #[default]
    Hidden,
    Optional,
    Required,
}

/// How a new session finds its staff member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum, Default)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Routing {
    /// Staff claim from the queue.
    #[default]
    Manual,
    /// Handed to the least busy staff member with room under the cap.
    Auto,
}

/// The language of the e-mails the shop sends (waiting alerts, transcripts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum, Default)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum EmailLanguage {
    /// Vietnamese, like the pages' default.
    #[default]
    Vi,
    En,
}

/// The guest form's optional fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Object, Default)]
pub struct Prechat {
    pub email: FieldRule,
    pub phone: FieldRule,
}

/// Opening intervals per weekday, each `["HH:MM", "HH:MM"]` in the shop's time zone (the end
/// may be `24:00`); an empty list is a closed day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Object)]
pub struct WeeklyHours {
    pub mon: Vec<Vec<String>>,
    pub tue: Vec<Vec<String>>,
    pub wed: Vec<Vec<String>>,
    pub thu: Vec<Vec<String>>,
    pub fri: Vec<Vec<String>>,
    pub sat: Vec<Vec<String>>,
    pub sun: Vec<Vec<String>>,
}

impl WeeklyHours {
    /// Open around the clock, every day: a new shop is never shown as closed.
    pub fn always() -> WeeklyHours {
        let day = || vec![vec!["00:00".to_string(), "24:00".to_string()]];
        WeeklyHours {
            mon: day(),
            tue: day(),
            wed: day(),
            thu: day(),
            fri: day(),
            sat: day(),
            sun: day(),
        }
    }

    /// The days in order from Monday, with their names as the API spells them.
    pub fn days(&self) -> [(&'static str, &Vec<Vec<String>>); 7] {
        [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ]
    }
}

/// Everything an admin sets (`GET`/`PUT /api/admin/settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Object)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase", default)]
pub struct ShopSettings {
    /// Shown as the customer page's title; empty: the page's own.
    pub shop_name: String,
    /// The greeting above the topics; empty: the page's own.
    pub welcome: String,
    /// The topic chips a customer starts from; empty: the page's own.
    pub topics: Vec<String>,
    pub prechat: Prechat,
    /// IANA time zone of the hours, e.g. `Asia/Ho_Chi_Minh`.
    pub timezone: String,
    pub hours: WeeklyHours,
    /// Shown outside the hours; empty: the page's own.
    pub offline_message: String,
    /// Chats one staff member may hold at once; 0 = no cap.
    pub max_chats_per_staff: u32,
    pub routing: Routing,
    /// End a session after this many minutes without a message; 0 = never.
    pub auto_end_idle_minutes: u32,
    /// The first-reply time the dashboard measures against.
    pub first_reply_target_seconds: u32,
    /// Whether customers are asked to rate a session that ended.
    pub ratings_enabled: bool,
    /// E-mail the staff who opted in when a session has waited (`OPEN`, unclaimed) this many
    /// minutes, once per session; 0 = never. Needs the server's `--smtp-url`.
    pub email_alert_wait_minutes: u32,
    /// The language of the shop's e-mails.
    pub email_language: EmailLanguage,
}

impl Default for ShopSettings {
    fn default() -> ShopSettings {
        ShopSettings {
            shop_name: String::new(),
            welcome: String::new(),
            topics: Vec::new(),
            prechat: Prechat::default(),
            timezone: "UTC".into(),
            hours: WeeklyHours::always(),
            offline_message: String::new(),
            max_chats_per_staff: 0,
            routing: Routing::Manual,
            auto_end_idle_minutes: 0,
            first_reply_target_seconds: 120,
            ratings_enabled: true,
            email_alert_wait_minutes: 0,
            email_language: EmailLanguage::Vi,
        }
    }
}

fn text_or(given: Option<Text>, current: String) -> String {
    given.map_or(current, Text::into_string)
}

/// [`WeeklyHours`] as a request gives them: every time must be a JSON string.
#[derive(Debug, Clone, Object)]
pub struct HoursInput {
    pub mon: Vec<Vec<Text>>,
    pub tue: Vec<Vec<Text>>,
    pub wed: Vec<Vec<Text>>,
    pub thu: Vec<Vec<Text>>,
    pub fri: Vec<Vec<Text>>,
    pub sat: Vec<Vec<Text>>,
    pub sun: Vec<Vec<Text>>,
}

/// The console's form builds hours as text already checked to be text.
impl From<WeeklyHours> for HoursInput {
    fn from(h: WeeklyHours) -> HoursInput {
        let day = |d: Vec<Vec<String>>| -> Vec<Vec<Text>> {
            d.into_iter()
                .map(|i| i.into_iter().map(Text).collect())
                .collect()
        };
        HoursInput {
            mon: day(h.mon),
            tue: day(h.tue),
            wed: day(h.wed),
            thu: day(h.thu),
            fri: day(h.fri),
            sat: day(h.sat),
            sun: day(h.sun),
        }
    }
}

impl HoursInput {
    fn into_hours(self) -> WeeklyHours {
        let day = |d: Vec<Vec<Text>>| -> Vec<Vec<String>> {
            d.into_iter()
                .map(|i| i.into_iter().map(Text::into_string).collect())
                .collect()
        };
        WeeklyHours {
            mon: day(self.mon),
            tue: day(self.tue),
            wed: day(self.wed),
            thu: day(self.thu),
            fri: day(self.fri),
            sat: day(self.sat),
            sun: day(self.sun),
        }
    }
}

/// A partial update: each field given replaces the stored one; the result is checked whole.
#[derive(Debug, Clone, Default, Object)]
#[oai(rename_all = "camelCase")]
pub struct SettingsPatch {
    pub shop_name: Option<Text>,
    pub welcome: Option<Text>,
    pub topics: Option<Vec<Text>>,
    pub prechat: Option<Prechat>,
    pub timezone: Option<Text>,
    pub hours: Option<HoursInput>,
    pub offline_message: Option<Text>,
    pub max_chats_per_staff: Option<u32>,
    pub routing: Option<Routing>,
    pub auto_end_idle_minutes: Option<u32>,
    pub first_reply_target_seconds: Option<u32>,
    pub ratings_enabled: Option<bool>,
    pub email_alert_wait_minutes: Option<u32>,
    pub email_language: Option<EmailLanguage>,
}

impl SettingsPatch {
    /// `current` with this patch's fields put in.
    pub fn apply(self, current: ShopSettings) -> ShopSettings {
        ShopSettings {
            shop_name: text_or(self.shop_name, current.shop_name),
            welcome: text_or(self.welcome, current.welcome),
            topics: self.topics.map_or(current.topics, |t| {
                t.into_iter().map(Text::into_string).collect()
            }),
            prechat: self.prechat.unwrap_or(current.prechat),
            timezone: text_or(self.timezone, current.timezone),
            hours: self.hours.map_or(current.hours, HoursInput::into_hours),
            offline_message: text_or(self.offline_message, current.offline_message),
            max_chats_per_staff: self
                .max_chats_per_staff
                .unwrap_or(current.max_chats_per_staff),
            routing: self.routing.unwrap_or(current.routing),
            auto_end_idle_minutes: self
                .auto_end_idle_minutes
                .unwrap_or(current.auto_end_idle_minutes),
            first_reply_target_seconds: self
                .first_reply_target_seconds
                .unwrap_or(current.first_reply_target_seconds),
            ratings_enabled: self.ratings_enabled.unwrap_or(current.ratings_enabled),
            email_alert_wait_minutes: self
                .email_alert_wait_minutes
                .unwrap_or(current.email_alert_wait_minutes),
            email_language: self.email_language.unwrap_or(current.email_language),
        }
    }
}

/// What anyone may read (`GET /api/settings/public`): the customer page's texts and whether
/// the shop is open now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Object)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct PublicSettings {
    pub shop_name: String,
    pub welcome: String,
    pub topics: Vec<String>,
    pub prechat: Prechat,
    /// False outside the business hours; a session still opens and waits.
    pub open: bool,
    /// When closed: the next opening.
    #[oai(nullable)]
    pub next_open_at: Option<crate::time::Timestamp>,
    pub offline_message: String,
}
