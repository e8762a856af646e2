//! The Settings form of the admin console as the admin typed it, and its reading into a
//! whole `SettingsPatch` (topics one per line, each day's hours as `09:00-12:00, 13:30-17:30`).
//! Kept as text, so a refusal shows the form again unchanged.

use serde::Deserialize;

use super::i18n::Strings;
use crate::model::shop::{
    EmailLanguage, FieldRule, Prechat, Routing, SettingsPatch, ShopSettings, WeeklyHours,
};
use crate::model::text::Text;

/// The API's names of the days, Monday first, as the form's fields end.
pub(crate) const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The form as the admin typed it: kept as text, so a refusal shows it again unchanged.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) shop_name: String,
    #[serde(default)]
    pub(crate) welcome: String,
    #[serde(default)]
    pub(crate) topics: String,
    #[serde(default)]
    pub(crate) prechat_email: String,
    #[serde(default)]
    pub(crate) prechat_phone: String,
    #[serde(default)]
    pub(crate) timezone: String,
    #[serde(default)]
    pub(crate) hours_mon: String,
    #[serde(default)]
    pub(crate) hours_tue: String,
    #[serde(default)]
    pub(crate) hours_wed: String,
    #[serde(default)]
    pub(crate) hours_thu: String,
    #[serde(default)]
    pub(crate) hours_fri: String,
    #[serde(default)]
    pub(crate) hours_sat: String,
    #[serde(default)]
    pub(crate) hours_sun: String,
    #[serde(default)]
    pub(crate) offline_message: String,
    #[serde(default)]
    pub(crate) max_chats_per_staff: String,
    #[serde(default)]
    pub(crate) routing: String,
    #[serde(default)]
    pub(crate) auto_end_idle_minutes: String,
    #[serde(default)]
    pub(crate) first_reply_target_seconds: String,
    /// A checkbox: present (`1`) when ticked.
    #[serde(default)]
    pub(crate) ratings_enabled: Option<String>,
    /// Empty (or absent): left as stored.
    #[serde(default)]
    pub(crate) email_alert_wait_minutes: String,
    /// `vi` or `en`; empty (or absent): left as stored.
    #[serde(default)]
    pub(crate) email_language: String,
}

fn rule_code(rule: FieldRule) -> &'static str {
    match rule {
        FieldRule::Hidden => "hidden",
        FieldRule::Optional => "optional",
        FieldRule::Required => "required",
    }
}

fn routing_code(routing: Routing) -> &'static str {
    match routing {
        Routing::Manual => "manual",
        Routing::Auto => "auto",
    }
}

/// A day's intervals as the form shows them: `09:00-12:00, 13:30-17:30`, empty when closed.
pub(crate) fn hours_text(day: &[Vec<String>]) -> String {
    day.iter()
        .map(|i| i.join("-"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `H:MM` or `HH:MM` as `HH:MM`; whether the numbers are a time is the rules' to say.
fn clock(text: &str) -> Option<String> {
    let (h, m) = text.trim().split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(h) || !digits(m) || h.len() > 2 || m.len() != 2 {
        return None;
    }
    Some(format!("{h:0>2}:{m}"))
}

/// One day's text as intervals: entries split by commas (or semicolons), each `start-end`
/// (a dash or an en dash). Empty text is a closed day. `Err` carries the entry that is not one.
pub(crate) fn parse_day(text: &str) -> Result<Vec<Vec<String>>, String> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let (start, end) = entry
                .split_once(['-', '–'])
                .ok_or_else(|| entry.to_string())?;
            match (clock(start), clock(end)) {
                (Some(s), Some(e)) => Ok(vec![s, e]),
                _ => Err(entry.to_string()),
            }
        })
        .collect()
}

/// A day's name in the page's language.
pub(crate) fn day_name(t: &Strings, day: &str) -> &'static str {
    match day {
        "mon" => t.day_mon,
        "tue" => t.day_tue,
        "wed" => t.day_wed,
        "thu" => t.day_thu,
        "fri" => t.day_fri,
        "sat" => t.day_sat,
        _ => t.day_sun,
    }
}

impl SettingsForm {
    pub(crate) fn from_settings(s: &ShopSettings) -> SettingsForm {
        let h = &s.hours;
        SettingsForm {
            csrf: String::new(),
            shop_name: s.shop_name.clone(),
            welcome: s.welcome.clone(),
            topics: s.topics.join("\n"),
            prechat_email: rule_code(s.prechat.email).into(),
            prechat_phone: rule_code(s.prechat.phone).into(),
            timezone: s.timezone.clone(),
            hours_mon: hours_text(&h.mon),
            hours_tue: hours_text(&h.tue),
            hours_wed: hours_text(&h.wed),
            hours_thu: hours_text(&h.thu),
            hours_fri: hours_text(&h.fri),
            hours_sat: hours_text(&h.sat),
            hours_sun: hours_text(&h.sun),
            offline_message: s.offline_message.clone(),
            max_chats_per_staff: s.max_chats_per_staff.to_string(),
            routing: routing_code(s.routing).into(),
            auto_end_idle_minutes: s.auto_end_idle_minutes.to_string(),
            first_reply_target_seconds: s.first_reply_target_seconds.to_string(),
            ratings_enabled: s.ratings_enabled.then(|| "1".into()),
            email_alert_wait_minutes: s.email_alert_wait_minutes.to_string(),
            email_language: match s.email_language {
                EmailLanguage::Vi => "vi".into(),
                EmailLanguage::En => "en".into(),
            },
        }
    }

    /// The text typed for a day.
    pub(crate) fn day(&self, day: &str) -> &str {
        match day {
            "mon" => &self.hours_mon,
            "tue" => &self.hours_tue,
            "wed" => &self.hours_wed,
            "thu" => &self.hours_thu,
            "fri" => &self.hours_fri,
            "sat" => &self.hours_sat,
            _ => &self.hours_sun,
        }
    }

    /// The whole patch, or a refusal (in the page's words) naming the field that is not one.
    pub(crate) fn patch(&self, t: &Strings) -> Result<SettingsPatch, Refusal> {
        let rule = |field: &'static str, v: &str| match v {
            "hidden" => Ok(FieldRule::Hidden),
            "optional" => Ok(FieldRule::Optional),
            "required" => Ok(FieldRule::Required),
            _ => Err(Refusal::new(field, t.err_choice)),
        };
        let number = |field: &'static str, v: &str| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| Refusal::new(field, t.err_whole_number))
        };
        let mut days = Vec::with_capacity(7);
        for day in DAYS {
            days.push(parse_day(self.day(day)).map_err(|entry| {
                Refusal::new(
                    &format!("hours.{day}"),
                    &t.err_hours_entry.replace("{entry}", &entry),
                )
            })?);
        }
        let [mon, tue, wed, thu, fri, sat, sun]: [Vec<Vec<String>>; 7] = days
            .try_into()
            .unwrap_or_else(|_| unreachable!("seven days"));
        Ok(SettingsPatch {
            shop_name: Some(Text(self.shop_name.clone())),
            welcome: Some(Text(self.welcome.clone())),
            topics: Some(
                self.topics
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Text(l.to_string()))
                    .collect(),
            ),
            prechat: Some(Prechat {
                email: rule("prechat", &self.prechat_email)?,
                phone: rule("prechat", &self.prechat_phone)?,
            }),
            timezone: Some(Text(self.timezone.trim().to_string())),
            hours: Some(
                WeeklyHours {
                    mon,
                    tue,
                    wed,
                    thu,
                    fri,
                    sat,
                    sun,
                }
                .into(),
            ),
            offline_message: Some(Text(self.offline_message.clone())),
            max_chats_per_staff: Some(number("maxChatsPerStaff", &self.max_chats_per_staff)?),
            routing: Some(match self.routing.as_str() {
                "manual" => Routing::Manual,
                "auto" => Routing::Auto,
                _ => return Err(Refusal::new("routing", t.err_choice)),
            }),
            auto_end_idle_minutes: Some(number("autoEndIdleMinutes", &self.auto_end_idle_minutes)?),
            first_reply_target_seconds: Some(number(
                "firstReplyTargetSeconds",
                &self.first_reply_target_seconds,
            )?),
            ratings_enabled: Some(self.ratings_enabled.is_some()),
            email_alert_wait_minutes: match self.email_alert_wait_minutes.trim() {
                "" => None,
                n => Some(number("emailAlertWaitMinutes", n)?),
            },
            email_language: match self.email_language.as_str() {
                "" => None,
                "vi" => Some(EmailLanguage::Vi),
                "en" => Some(EmailLanguage::En),
                _ => return Err(Refusal::new("emailLanguage", t.err_choice)),
            },
        })
    }
}

/// A refused save: the field (the API's name, e.g. `hours.mon` or `timezone`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) field: String,
    pub(crate) text: String,
}

impl Refusal {
    pub(crate) fn new(field: &str, text: &str) -> Refusal {
        Refusal {
            field: field.to_string(),
            text: text.to_string(),
        }
    }

    /// The rules' refusal: its message starts with the field it names (`hours.mon[0] must …`).
    pub(crate) fn of_rules(message: &str) -> Refusal {
        let name = message.split([' ', '[']).next().unwrap_or("");
        let field = match name.split_once('.') {
            Some(("hours", day)) => format!("hours.{day}"),
            _ => name.to_string(),
        };
        Refusal::new(&field, message)
    }

    /// The field's label in the page's words, to put before the reason.
    pub(crate) fn label(&self, t: &Strings) -> &'static str {
        match self.field.as_str() {
            "shopName" => t.set_shop_name,
            "welcome" => t.set_welcome,
            "topics" => t.set_topics,
            "prechat" => t.set_prechat,
            "timezone" => t.set_timezone,
            "offlineMessage" => t.set_offline_message,
            "maxChatsPerStaff" => t.set_max_chats,
            "routing" => t.set_routing,
            "autoEndIdleMinutes" => t.set_auto_end,
            "firstReplyTargetSeconds" => t.set_first_reply,
            "emailAlertWaitMinutes" => t.set_mail_wait,
            "emailLanguage" => t.set_mail_language,
            f => match f.strip_prefix("hours.") {
                Some(day) => day_name(t, day),
                None => "",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Refusal, hours_text, parse_day};

    fn day(intervals: &[(&str, &str)]) -> Vec<Vec<String>> {
        intervals
            .iter()
            .map(|(s, e)| vec![s.to_string(), e.to_string()])
            .collect()
    }

    #[test]
    fn a_day_reads_as_its_intervals() {
        assert_eq!(parse_day(""), Ok(vec![]));
        assert_eq!(parse_day("  ,  "), Ok(vec![]));
        assert_eq!(
            parse_day("09:00-12:00, 13:30-17:30"),
            Ok(day(&[("09:00", "12:00"), ("13:30", "17:30")]))
        );
        assert_eq!(
            parse_day("9:00 – 12:00; 13:00 - 24:00"),
            Ok(day(&[("09:00", "12:00"), ("13:00", "24:00")]))
        );
        // Numbers that are no time are the rules' to refuse, with the day and the interval.
        assert_eq!(parse_day("25:00-26:00"), Ok(day(&[("25:00", "26:00")])));
    }

    #[test]
    fn an_entry_that_is_no_interval_is_named() {
        assert_eq!(parse_day("09:00"), Err("09:00".into()));
        assert_eq!(
            parse_day("09:00-12:00, noon-17:00"),
            Err("noon-17:00".into())
        );
        assert_eq!(parse_day("9-17"), Err("9-17".into()));
        assert_eq!(parse_day("09:0-17:00"), Err("09:0-17:00".into()));
        assert_eq!(parse_day("123:00-17:00"), Err("123:00-17:00".into()));
    }

    #[test]
    fn a_day_shows_as_it_is_typed() {
        let d = day(&[("09:00", "12:00"), ("13:30", "17:30")]);
        assert_eq!(hours_text(&d), "09:00-12:00, 13:30-17:30");
        assert_eq!(parse_day(&hours_text(&d)), Ok(d));
        assert_eq!(hours_text(&[]), "");
    }

    #[test]
    fn the_rules_refusal_names_its_field() {
        let r = Refusal::of_rules("hours.tue[1] must be times from 00:00 to 24:00");
        assert_eq!(r.field, "hours.tue");
        assert_eq!(
            Refusal::of_rules("topics[3] must not be empty").field,
            "topics"
        );
        assert_eq!(
            Refusal::of_rules("timezone must be an IANA time zone").field,
            "timezone"
        );
    }
}
