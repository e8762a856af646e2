//! What kind of file an upload is, from its bytes alone (contract §9): the name and the
//! browser's `Content-Type` are whatever the sender says, the bytes are what a viewer's browser
//! would act on. Images and PDFs are told by their magic numbers (the `infer` crate's table);
//! anything else must be plain UTF-8 text, checked chunk by chunk as it arrives. Markup is
//! refused even as text: HTML and SVG can carry scripts, and a shop has no need to receive
//! them in a chat.

/// The kinds accepted, as `infer` names them.
const BINARY: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
];

/// The type stored and served for plain text.
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";

/// Why a file was refused.
#[derive(Debug, PartialEq)]
pub(crate) enum Refused {
    /// A kind outside the list (or markup, or bytes that are not text).
    Kind,
}

/// The check of one file's bytes, fed in order.
#[derive(Debug)]
pub(crate) struct Sniffer {
    kind: Option<&'static str>,
    /// Bytes of a UTF-8 sequence cut by a chunk boundary, carried to the next chunk.
    carry: Vec<u8>,
}

impl Sniffer {
    /// Decides the kind from the first chunk (which should be at least a few KiB, or the
    /// whole file if it is smaller).
    pub(crate) fn start(first: &[u8]) -> Result<Sniffer, Refused> {
        if let Some(found) = infer::get(first) {
            return match BINARY.iter().find(|k| **k == found.mime_type()) {
                Some(kind) => Ok(Sniffer {
                    kind: Some(kind),
                    carry: Vec::new(),
                }),
                None => Err(Refused::Kind),
            };
        }
        let head = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first);
        if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
            return Err(Refused::Kind);
        }
        Ok(Sniffer {
            kind: None,
            carry: Vec::new(),
        })
    }

    /// The type to store: one of the binary kinds, or [`TEXT`].
    pub(crate) fn content_type(&self) -> &'static str {
        self.kind.unwrap_or(TEXT)
    }

    /// Whether the kind is an image (shown inline; everything else is a download).
    pub(crate) fn is_image(content_type: &str) -> bool {
        content_type.starts_with("image/")
    }

    /// Checks the next chunk (the first one too); text must stay UTF-8 without NUL bytes.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Result<(), Refused> {
        if self.kind.is_some() {
            return Ok(());
        }
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(chunk);
        if bytes.contains(&0) {
            return Err(Refused::Kind);
        }
        match std::str::from_utf8(&bytes) {
            Ok(_) => Ok(()),
            // Cut mid-character at the end: the rest comes with the next chunk.
            Err(e) if e.error_len().is_none() => {
                self.carry = bytes[e.valid_up_to()..].to_vec();
                Ok(())
            }
            Err(_) => Err(Refused::Kind),
        }
    }

    /// After the last chunk: text must not end mid-character.
    pub(crate) fn finish(&self) -> Result<(), Refused> {
        if self.carry.is_empty() {
            Ok(())
        } else {
            Err(Refused::Kind)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn kind_of(bytes: &[u8]) -> Result<&'static str, Refused> {
        let mut s = Sniffer::start(bytes)?;
        s.feed(bytes)?;
        s.finish()?;
        Ok(s.content_type())
    }

    #[test]
    fn kinds_come_from_the_bytes() {
        assert_eq!(kind_of(PNG), Ok("image/png"));
        assert_eq!(kind_of(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"), Ok("image/jpeg"));
        assert_eq!(kind_of(b"GIF89a\x01\0\x01\0"), Ok("image/gif"));
        assert_eq!(kind_of(b"RIFF\x24\0\0\0WEBPVP8 "), Ok("image/webp"));
        assert_eq!(kind_of(b"%PDF-1.7\n"), Ok("application/pdf"));
        assert_eq!(kind_of("Đơn hàng #12 bị lỗi\n".as_bytes()), Ok(TEXT));
    }

    #[test]
    fn markup_executables_and_binary_junk_are_refused() {
        assert_eq!(
            kind_of(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Err(Refused::Kind)
        );
        assert_eq!(
            kind_of(b"\xEF\xBB\xBF  <!doctype html><script>"),
            Err(Refused::Kind)
        );
        assert_eq!(kind_of(b"<?xml version='1.0'?>"), Err(Refused::Kind));
        assert_eq!(kind_of(b"MZ\x90\0\x03\0\0\0\x04\0"), Err(Refused::Kind));
        assert_eq!(kind_of(b"PK\x03\x04\x14\0\0\0"), Err(Refused::Kind), "zip");
        assert_eq!(kind_of(b"abc\0def"), Err(Refused::Kind));
        assert_eq!(kind_of(b"abc\xFFdef"), Err(Refused::Kind));
    }

    #[test]
    fn text_may_be_cut_mid_character_between_chunks() {
        let text = "chăm sóc khách hàng".as_bytes();
        let cut = text.iter().position(|b| *b >= 0x80).unwrap() + 1;
        let mut s = Sniffer::start(text).unwrap();
        s.feed(&text[..cut]).unwrap();
        s.feed(&text[cut..]).unwrap();
        assert!(s.finish().is_ok());
        let mut s = Sniffer::start(text).unwrap();
        s.feed(&text[..cut]).unwrap();
        assert!(s.finish().is_err(), "ends mid-character");
    }
}
