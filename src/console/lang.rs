//! Which language a request is answered in: a `?lang=` link, the sticky `lang` cookie, then
//! `Accept-Language`, Vietnamese by default. The words themselves are in i18n.rs.

use poem::Request;

use super::session::cookie;

/// The languages the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Vi,
    En,
}

/// Cookie that keeps the language a person picked with the switch.
pub(crate) const LANG_COOKIE: &str = "lang";

impl Lang {
    /// The BCP 47 code, for `<html lang>` and the cookie.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// A language tag (`vi`, `en-US`, `vi_VN`) if it is one the pages speak.
    pub(crate) fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// What this request should be answered in. Vietnamese is the default: the shops this is
    /// made for are Vietnamese, and a browser that asks for neither language gets it.
    pub(crate) fn of(req: &Request) -> Lang {
        let query = req.uri().query().unwrap_or("");
        let asked = query
            .split('&')
            .find_map(|p| p.strip_prefix("lang="))
            .and_then(Lang::parse);
        asked
            .or_else(|| cookie(req, LANG_COOKIE).and_then(|v| Lang::parse(&v)))
            .or_else(|| {
                req.header("accept-language")
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or(Lang::Vi)
    }

    /// The supported language with the highest `q` in an `Accept-Language` header.
    pub(crate) fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Lang::parse) else {
                continue;
            };
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l)
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, vi;q=0.8"),
            Some(Lang::Vi)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(
            Lang::from_accept_language("vi;q=0, en;q=0.1"),
            Some(Lang::En)
        );
    }
}
