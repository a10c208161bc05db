//! E-mail addresses as Exchange Online accepts them for a mail contact's `ExternalEmailAddress`
//! or a guest invitation's `invitedUserEmailAddress`.
//!
//! What is accepted, and why:
//! - exactly one `@`; surrounding whitespace is trimmed (pasted cells carry it), any whitespace
//!   inside is rejected;
//! - local part: RFC 5322 *dot-atom* in ASCII (letters, digits and ``!#$%&'*+-/=?^_`{|}~``,
//!   dots only between characters), at most 64 octets (RFC 5321 §4.5.3.1.1). Quoted local
//!   parts (`"jan de vries"@x.nl`) are valid RFC 5322 but rejected: Exchange recipients and
//!   Entra `mail`/`otherMails` don't take them, so they'd only fail later. Non-ASCII local parts
//!   (SMTPUTF8, RFC 6531) are rejected for the same reason: a contact's proxy address must be
//!   ASCII in the local part;
//! - domain: at least two labels; each label 1–63 octets, letters/digits/hyphen with no hyphen at
//!   either end; the top-level label not all digits; IP literals (`[1.2.3.4]`) rejected;
//!   at most 253 octets;
//! - IDN: Unicode labels (`bücher.de`, `例え.jp`) are accepted. Any non-ASCII letter, digit or
//!   mark is allowed; whitespace, control, invisible format characters and non-ASCII
//!   punctuation that looks like ASCII syntax (full-width `@`, `.`) are rejected. Label and
//!   domain lengths are checked on the ACE form (`xn--…`, RFC 3492 Punycode, computed here),
//!   which is what DNS and Exchange store. We don't apply the full UTS #46 mapping/NFC tables:
//!   they would add tens of kilobytes of Unicode tables to the WebAssembly bundle for the rare
//!   case of a decomposed or mixed-script domain; such a domain is passed on as typed and the
//!   service decides;
//! - total length at most 254 octets (RFC 5321 path limit minus the angle brackets).
//!
//! Normalisation: the domain is lower-cased, the local part kept as typed. Two addresses compare
//! equal ignoring case throughout, as Exchange and Entra treat proxy addresses.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Longest local part, RFC 5321 §4.5.3.1.1.
pub const MAX_LOCAL_LEN: usize = 64;
/// Longest address, RFC 5321 §4.5.3.1.3 (256 for the path, minus `<` and `>`).
pub const MAX_ADDRESS_LEN: usize = 254;
/// Longest domain, RFC 1035 §2.3.4 (255 on the wire = 253 as text).
pub const MAX_DOMAIN_LEN: usize = 253;
/// Longest DNS label, RFC 1035 §2.3.4.
pub const MAX_LABEL_LEN: usize = 63;

/// Which half of the address a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddressPart {
    Local,
    Domain,
}

impl fmt::Display for AddressPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressPart::Local => "the part before the @",
            AddressPart::Domain => "the domain",
        })
    }
}

/// Why a text is not a usable e-mail address. Positions are character indexes into the
/// trimmed input.
///
/// Serialized flat as `{"kind": "<Variant>", <fields>}` through [`EmailErrorRepr`]: one small
/// struct visitor instead of serde's per-variant visitors, which cost ~20 KB of WebAssembly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(into = "EmailErrorRepr", try_from = "EmailErrorRepr")]
pub enum EmailError {
    #[error("the address is empty")]
    Empty,
    #[error("the address contains a space or other whitespace at position {position}")]
    Whitespace { position: usize },
    #[error(
        "the address contains an invisible control character (U+{code:04X}) at position {position}"
    )]
    ControlCharacter { position: usize, code: u32 },
    #[error("the address contains angle brackets: enter only the address, e.g. jan@example.com, not a name with <address>")]
    AngleBrackets,
    #[error("remove the \"mailto:\" in front of the address")]
    MailtoPrefix,
    #[error("the cell holds {count} addresses; enter one address per row")]
    MultipleAddresses { count: usize },
    #[error("the address has no @")]
    MissingAt,
    #[error("the address has {count} @ signs; it must have exactly one")]
    MultipleAt { count: usize },
    #[error("there is nothing before the @")]
    EmptyLocalPart,
    #[error("there is nothing after the @")]
    EmptyDomain,
    #[error("quoted names before the @ (\"…\"@domain) are not accepted by Exchange")]
    QuotedLocalPart,
    #[error("the part before the @ has characters outside A–Z, 0–9 and ordinary punctuation (found '{ch}'); Exchange doesn't accept them there")]
    NonAsciiLocalPart { ch: char },
    #[error("the part before the @ contains '{ch}', which is not allowed in an address")]
    InvalidLocalCharacter { ch: char },
    #[error("{part} starts or ends with a dot")]
    EdgeDot { part: AddressPart },
    #[error("{part} has two dots in a row")]
    ConsecutiveDots { part: AddressPart },
    #[error("the address contains a comma; did you mean a dot? ({suggestion})")]
    CommaInsteadOfDot { suggestion: String },
    #[error("the address ends with a dot")]
    TrailingDot,
    #[error("the part before the @ is {len} characters long; at most {max} are allowed")]
    LocalPartTooLong { len: usize, max: usize },
    #[error("the address is {len} characters long; at most {max} are allowed")]
    TooLong { len: usize, max: usize },
    #[error("the domain is {len} characters long; at most {max} are allowed")]
    DomainTooLong { len: usize, max: usize },
    #[error("the domain \"{domain}\" has no dot; a full domain such as example.com is needed")]
    DomainWithoutDot { domain: String },
    #[error("IP addresses in brackets are not accepted as a domain")]
    IpLiteral,
    #[error("the domain contains '{ch}', which is not allowed in a domain name")]
    InvalidDomainCharacter { ch: char },
    #[error("the domain part \"{label}\" starts or ends with a hyphen")]
    LabelHyphenEdge { label: String },
    #[error("the domain part \"{label}\" is {len} characters long; at most {max} are allowed")]
    LabelTooLong {
        label: String,
        len: usize,
        max: usize,
    },
    #[error("the domain ends in \"{tld}\", which is a number, not a top-level domain")]
    NumericTopLevelDomain { tld: String },
}

#[cfg(any(test, feature = "fixtures"))]
impl EmailError {
    /// One of every variant, with values: for tests that go through all of them (wire form,
    /// the wording in each language). `every_variant_has_an_example` keeps it complete.
    pub fn examples() -> Vec<EmailError> {
        vec![
            EmailError::Empty,
            EmailError::Whitespace { position: 3 },
            EmailError::ControlCharacter {
                position: 2,
                code: 0x1f,
            },
            EmailError::AngleBrackets,
            EmailError::MailtoPrefix,
            EmailError::MultipleAddresses { count: 2 },
            EmailError::MissingAt,
            EmailError::MultipleAt { count: 3 },
            EmailError::EmptyLocalPart,
            EmailError::EmptyDomain,
            EmailError::QuotedLocalPart,
            EmailError::NonAsciiLocalPart { ch: 'ä' },
            EmailError::InvalidLocalCharacter { ch: '(' },
            EmailError::EdgeDot {
                part: AddressPart::Local,
            },
            EmailError::ConsecutiveDots {
                part: AddressPart::Domain,
            },
            EmailError::CommaInsteadOfDot {
                suggestion: "a@b.example".into(),
            },
            EmailError::TrailingDot,
            EmailError::LocalPartTooLong { len: 70, max: 64 },
            EmailError::TooLong { len: 300, max: 254 },
            EmailError::DomainTooLong { len: 300, max: 253 },
            EmailError::DomainWithoutDot {
                domain: "intranet".into(),
            },
            EmailError::IpLiteral,
            EmailError::InvalidDomainCharacter { ch: '_' },
            EmailError::LabelHyphenEdge { label: "-a".into() },
            EmailError::LabelTooLong {
                label: "x".repeat(70),
                len: 70,
                max: 63,
            },
            EmailError::NumericTopLevelDomain { tld: "123".into() },
        ]
    }
}

/// The flat wire form of [`EmailError`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EmailErrorRepr {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    position: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ch: Option<char>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    part: Option<AddressPart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    len: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<usize>,
    /// suggestion, domain, label or tld, by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

impl From<EmailError> for EmailErrorRepr {
    fn from(e: EmailError) -> Self {
        use EmailError::*;
        let r = |kind: &str| EmailErrorRepr {
            kind: kind.to_owned(),
            ..Default::default()
        };
        match e {
            Empty => r("Empty"),
            Whitespace { position } => EmailErrorRepr {
                position: Some(position),
                ..r("Whitespace")
            },
            ControlCharacter { position, code } => EmailErrorRepr {
                position: Some(position),
                code: Some(code),
                ..r("ControlCharacter")
            },
            AngleBrackets => r("AngleBrackets"),
            MailtoPrefix => r("MailtoPrefix"),
            MultipleAddresses { count } => EmailErrorRepr {
                count: Some(count),
                ..r("MultipleAddresses")
            },
            MissingAt => r("MissingAt"),
            MultipleAt { count } => EmailErrorRepr {
                count: Some(count),
                ..r("MultipleAt")
            },
            EmptyLocalPart => r("EmptyLocalPart"),
            EmptyDomain => r("EmptyDomain"),
            QuotedLocalPart => r("QuotedLocalPart"),
            NonAsciiLocalPart { ch } => EmailErrorRepr {
                ch: Some(ch),
                ..r("NonAsciiLocalPart")
            },
            InvalidLocalCharacter { ch } => EmailErrorRepr {
                ch: Some(ch),
                ..r("InvalidLocalCharacter")
            },
            EdgeDot { part } => EmailErrorRepr {
                part: Some(part),
                ..r("EdgeDot")
            },
            ConsecutiveDots { part } => EmailErrorRepr {
                part: Some(part),
                ..r("ConsecutiveDots")
            },
            CommaInsteadOfDot { suggestion } => EmailErrorRepr {
                text: Some(suggestion),
                ..r("CommaInsteadOfDot")
            },
            TrailingDot => r("TrailingDot"),
            LocalPartTooLong { len, max } => EmailErrorRepr {
                len: Some(len),
                max: Some(max),
                ..r("LocalPartTooLong")
            },
            TooLong { len, max } => EmailErrorRepr {
                len: Some(len),
                max: Some(max),
                ..r("TooLong")
            },
            DomainTooLong { len, max } => EmailErrorRepr {
                len: Some(len),
                max: Some(max),
                ..r("DomainTooLong")
            },
            DomainWithoutDot { domain } => EmailErrorRepr {
                text: Some(domain),
                ..r("DomainWithoutDot")
            },
            IpLiteral => r("IpLiteral"),
            InvalidDomainCharacter { ch } => EmailErrorRepr {
                ch: Some(ch),
                ..r("InvalidDomainCharacter")
            },
            LabelHyphenEdge { label } => EmailErrorRepr {
                text: Some(label),
                ..r("LabelHyphenEdge")
            },
            LabelTooLong { label, len, max } => EmailErrorRepr {
                text: Some(label),
                len: Some(len),
                max: Some(max),
                ..r("LabelTooLong")
            },
            NumericTopLevelDomain { tld } => EmailErrorRepr {
                text: Some(tld),
                ..r("NumericTopLevelDomain")
            },
        }
    }
}

impl TryFrom<EmailErrorRepr> for EmailError {
    type Error = String;
    fn try_from(r: EmailErrorRepr) -> Result<Self, String> {
        use EmailError::*;
        let need = |v: Option<usize>, f: &str| v.ok_or_else(|| format!("{}: missing {f}", r.kind));
        let ch = || r.ch.ok_or_else(|| format!("{}: missing ch", r.kind));
        let part = || r.part.ok_or_else(|| format!("{}: missing part", r.kind));
        let text = || {
            r.text
                .clone()
                .ok_or_else(|| format!("{}: missing text", r.kind))
        };
        Ok(match r.kind.as_str() {
            "Empty" => Empty,
            "Whitespace" => Whitespace {
                position: need(r.position, "position")?,
            },
            "ControlCharacter" => ControlCharacter {
                position: need(r.position, "position")?,
                code: r.code.ok_or("ControlCharacter: missing code")?,
            },
            "AngleBrackets" => AngleBrackets,
            "MailtoPrefix" => MailtoPrefix,
            "MultipleAddresses" => MultipleAddresses {
                count: need(r.count, "count")?,
            },
            "MissingAt" => MissingAt,
            "MultipleAt" => MultipleAt {
                count: need(r.count, "count")?,
            },
            "EmptyLocalPart" => EmptyLocalPart,
            "EmptyDomain" => EmptyDomain,
            "QuotedLocalPart" => QuotedLocalPart,
            "NonAsciiLocalPart" => NonAsciiLocalPart { ch: ch()? },
            "InvalidLocalCharacter" => InvalidLocalCharacter { ch: ch()? },
            "EdgeDot" => EdgeDot { part: part()? },
            "ConsecutiveDots" => ConsecutiveDots { part: part()? },
            "CommaInsteadOfDot" => CommaInsteadOfDot {
                suggestion: text()?,
            },
            "TrailingDot" => TrailingDot,
            "LocalPartTooLong" => LocalPartTooLong {
                len: need(r.len, "len")?,
                max: need(r.max, "max")?,
            },
            "TooLong" => TooLong {
                len: need(r.len, "len")?,
                max: need(r.max, "max")?,
            },
            "DomainTooLong" => DomainTooLong {
                len: need(r.len, "len")?,
                max: need(r.max, "max")?,
            },
            "DomainWithoutDot" => DomainWithoutDot { domain: text()? },
            "IpLiteral" => IpLiteral,
            "InvalidDomainCharacter" => InvalidDomainCharacter { ch: ch()? },
            "LabelHyphenEdge" => LabelHyphenEdge { label: text()? },
            "LabelTooLong" => LabelTooLong {
                label: text()?,
                len: need(r.len, "len")?,
                max: need(r.max, "max")?,
            },
            "NumericTopLevelDomain" => NumericTopLevelDomain { tld: text()? },
            other => return Err(format!("unknown e-mail error kind {other:?}")),
        })
    }
}

/// A validated e-mail address. Equality and hashing ignore case.
#[derive(Debug, Clone)]
pub struct EmailAddress {
    local: String,
    domain: String,
    /// The whole address lower-cased: the identity Exchange and Entra compare on.
    key: String,
}

impl EmailAddress {
    /// Parses and validates `input` (see the module documentation for the rules).
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        // A pasted list ("a@x.nl; b@y.nl") or an Outlook-style "Name <address>" first: their
        // specific messages help more than "contains a space".
        let addresses = s
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|part| part.contains('@'))
            .count();
        if addresses > 1 {
            return Err(EmailError::MultipleAddresses { count: addresses });
        }
        if s.contains('<') || s.contains('>') {
            return Err(EmailError::AngleBrackets);
        }
        for (position, ch) in s.chars().enumerate() {
            if is_control(ch) {
                return Err(EmailError::ControlCharacter {
                    position,
                    code: ch as u32,
                });
            }
            if ch.is_whitespace() || is_invisible(ch) {
                return Err(EmailError::Whitespace { position });
            }
        }
        if s.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
        {
            return Err(EmailError::MailtoPrefix);
        }
        if s.contains(',') {
            return Err(EmailError::CommaInsteadOfDot {
                suggestion: s.replace(',', "."),
            });
        }
        let at_count = s.matches('@').count();
        if at_count == 0 {
            return Err(EmailError::MissingAt);
        }
        if at_count > 1 {
            // `"a@b"@x.nl` is a quoted local part, not two addresses: say the specific thing.
            if s.starts_with('"') {
                return Err(EmailError::QuotedLocalPart);
            }
            return Err(EmailError::MultipleAt { count: at_count });
        }
        let (local, domain) = s.split_once('@').expect("one @ checked above");
        check_local(local)?;
        let domain = check_domain(domain)?;
        let total = local.len() + 1 + domain.ascii_len;
        if total > MAX_ADDRESS_LEN {
            return Err(EmailError::TooLong {
                len: total,
                max: MAX_ADDRESS_LEN,
            });
        }
        // The key uses the ASCII (ACE) domain, so "bücher.de" typed in a CSV matches
        // "xn--bcher-kva.de" stored in the tenant, and the other way round.
        let key = if domain.text.is_ascii() {
            format!("{}@{}", local.to_ascii_lowercase(), domain.text)
        } else {
            let ace: Vec<String> = domain.text.split('.').map(label_to_ascii).collect();
            format!("{}@{}", local.to_ascii_lowercase(), ace.join("."))
        };
        Ok(EmailAddress {
            local: local.to_owned(),
            domain: domain.text,
            key,
        })
    }

    /// The part before the `@`, as typed.
    pub fn local_part(&self) -> &str {
        &self.local
    }

    /// The domain, lower-cased; Unicode labels stay Unicode.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The lower-cased address: use it as a map key when matching tenant data.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether the domain has non-ASCII labels.
    pub fn is_internationalized(&self) -> bool {
        !self.domain.is_ascii()
    }

    /// The address with its domain in ASCII (ACE, `xn--…`) form, as DNS and Exchange store it.
    pub fn to_ascii(&self) -> String {
        let labels: Vec<String> = self.domain.split('.').map(label_to_ascii).collect();
        format!("{}@{}", self.local, labels.join("."))
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for EmailAddress {}
impl Hash for EmailAddress {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}
impl PartialOrd for EmailAddress {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for EmailAddress {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

impl FromStr for EmailAddress {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmailAddress::parse(s)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        EmailAddress::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// C0, DEL and C1 controls.
pub(crate) fn is_control(ch: char) -> bool {
    ch.is_control()
}

/// Zero-width and other format characters that make two addresses look identical.
fn is_invisible(ch: char) -> bool {
    matches!(ch, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

const ATEXT_PUNCT: &str = "!#$%&'*+-/=?^_`{|}~";

fn check_local(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    if local.starts_with('"') {
        return Err(EmailError::QuotedLocalPart);
    }
    if local.starts_with('.') || local.ends_with('.') {
        return Err(EmailError::EdgeDot {
            part: AddressPart::Local,
        });
    }
    if local.contains("..") {
        return Err(EmailError::ConsecutiveDots {
            part: AddressPart::Local,
        });
    }
    for ch in local.chars() {
        if !ch.is_ascii() {
            return Err(EmailError::NonAsciiLocalPart { ch });
        }
        if !(ch.is_ascii_alphanumeric() || ch == '.' || ATEXT_PUNCT.contains(ch)) {
            return Err(EmailError::InvalidLocalCharacter { ch });
        }
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(EmailError::LocalPartTooLong {
            len: local.len(),
            max: MAX_LOCAL_LEN,
        });
    }
    Ok(())
}

struct CheckedDomain {
    text: String,
    ascii_len: usize,
}

fn check_domain(domain: &str) -> Result<CheckedDomain, EmailError> {
    if domain.is_empty() {
        return Err(EmailError::EmptyDomain);
    }
    if domain.starts_with('[') {
        return Err(EmailError::IpLiteral);
    }
    if domain.ends_with('.') {
        return Err(EmailError::TrailingDot);
    }
    if domain.starts_with('.') {
        return Err(EmailError::EdgeDot {
            part: AddressPart::Domain,
        });
    }
    if domain.contains("..") {
        return Err(EmailError::ConsecutiveDots {
            part: AddressPart::Domain,
        });
    }
    let text = domain.to_lowercase();
    let labels: Vec<&str> = text.split('.').collect();
    if labels.len() < 2 {
        return Err(EmailError::DomainWithoutDot { domain: text });
    }
    let mut ascii_len = labels.len() - 1;
    for label in &labels {
        for ch in label.chars() {
            let ok = if ch.is_ascii() {
                ch.is_ascii_alphanumeric() || ch == '-'
            } else {
                // Non-ASCII: letters, digits and combining marks (needed by e.g. Hindi and Thai
                // names) pass; punctuation, symbols and look-alikes of `.`/`@` don't.
                ch.is_alphanumeric() || is_combining_mark(ch)
            };
            if !ok {
                return Err(EmailError::InvalidDomainCharacter { ch });
            }
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(EmailError::LabelHyphenEdge {
                label: (*label).to_owned(),
            });
        }
        // ASCII labels are their own ACE form: no allocation on the common path.
        let ace_len = if label.is_ascii() {
            label.len()
        } else {
            label_to_ascii(label).len()
        };
        if ace_len > MAX_LABEL_LEN {
            return Err(EmailError::LabelTooLong {
                label: (*label).to_owned(),
                len: ace_len,
                max: MAX_LABEL_LEN,
            });
        }
        ascii_len += ace_len;
    }
    let tld = labels.last().expect("two labels checked above");
    if tld.chars().all(|c| c.is_ascii_digit()) {
        return Err(EmailError::NumericTopLevelDomain {
            tld: (*tld).to_owned(),
        });
    }
    if ascii_len > MAX_DOMAIN_LEN {
        return Err(EmailError::DomainTooLong {
            len: ascii_len,
            max: MAX_DOMAIN_LEN,
        });
    }
    Ok(CheckedDomain { text, ascii_len })
}

/// The main combining-mark blocks (Unicode general category M). A full table would be large;
/// these ranges cover the scripts seen in real domain names.
fn is_combining_mark(ch: char) -> bool {
    matches!(ch as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x0670 | 0x06D6..=0x06ED | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0951..=0x0957
        | 0x0962..=0x0963 | 0x0981..=0x0983 | 0x09BC..=0x09D7 | 0x0A01..=0x0A03 | 0x0A3C..=0x0A51
        | 0x0A81..=0x0A83 | 0x0ABC..=0x0ACD | 0x0B01..=0x0B03 | 0x0B3C..=0x0B57 | 0x0BBE..=0x0BCD
        | 0x0C00..=0x0C04 | 0x0C3E..=0x0C56 | 0x0C81..=0x0C83 | 0x0CBC..=0x0CD6 | 0x0D00..=0x0D03
        | 0x0D3B..=0x0D57 | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x0EB1 | 0x0EB4..=0x0EBC
        | 0x0EC8..=0x0ECD | 0x0F18..=0x0F19 | 0x0F35 | 0x0F37 | 0x0F39 | 0x0F71..=0x0F84
        | 0x1000..=0x103F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C..=0x200D | 0x20D0..=0x20FF
        | 0x302A..=0x302F | 0x3099..=0x309A | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F)
}

/// A label's ASCII form: itself when ASCII, otherwise `xn--` + Punycode (RFC 3492).
fn label_to_ascii(label: &str) -> String {
    if label.is_ascii() {
        return label.to_owned();
    }
    format!("xn--{}", punycode_encode(label))
}

/// RFC 3492 §6.3 encoding, written from the specification. The input is a lower-cased label
/// of at most a few hundred characters, so overflow (§6.4) cannot happen with u64 arithmetic.
fn punycode_encode(input: &str) -> String {
    const BASE: u64 = 36;
    const TMIN: u64 = 1;
    const TMAX: u64 = 26;
    const SKEW: u64 = 38;
    const DAMP: u64 = 700;
    const INITIAL_BIAS: u64 = 72;
    const INITIAL_N: u64 = 128;

    fn digit(d: u64) -> char {
        let d = d as u8;
        (if d < 26 { b'a' + d } else { b'0' + d - 26 }) as char
    }
    fn adapt(mut delta: u64, numpoints: u64, first: bool) -> u64 {
        delta = if first { delta / DAMP } else { delta / 2 };
        delta += delta / numpoints;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + SKEW)
    }

    let code_points: Vec<u64> = input.chars().map(|c| c as u64).collect();
    let mut output: String = input.chars().filter(|c| c.is_ascii()).collect();
    let basic = output.len() as u64;
    let mut handled = basic;
    if basic > 0 {
        output.push('-');
    }
    let mut n = INITIAL_N;
    let mut delta: u64 = 0;
    let mut bias = INITIAL_BIAS;
    let total = code_points.len() as u64;
    while handled < total {
        let m = code_points
            .iter()
            .copied()
            .filter(|&c| c >= n)
            .min()
            .expect("an unhandled code point exists");
        delta += (m - n) * (handled + 1);
        n = m;
        for &c in &code_points {
            if c < n {
                delta += 1;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    output.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                output.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }
    fn err(s: &str) -> EmailError {
        EmailAddress::parse(s).expect_err(s)
    }

    #[test]
    fn accepts_ordinary_addresses() {
        for s in [
            "jan@partner.nl",
            "jan.de.vries@partner.co.uk",
            "o'brien@example.ie",
            "first+tag@example.com",
            "a_b-c=d?e^f{g}h|i~j!k#l$m%n&o*p/q`r@example.com",
            "x@a-b.example",
            "1234@123.example",
        ] {
            ok(s);
        }
    }

    #[test]
    fn trims_surrounding_whitespace_but_rejects_inner() {
        assert_eq!(ok("  jan@partner.nl\t").to_string(), "jan@partner.nl");
        assert_eq!(
            err("jan @partner.nl"),
            EmailError::Whitespace { position: 3 }
        );
        assert_eq!(
            err("jan\u{00A0}x@partner.nl"),
            EmailError::Whitespace { position: 3 }
        );
        assert_eq!(
            err("jan\u{200B}@partner.nl"),
            EmailError::Whitespace { position: 3 }
        );
    }

    #[test]
    fn normalises_domain_case_and_keeps_local_case() {
        let a = ok("Jan.DeVries@Partner.NL");
        assert_eq!(a.to_string(), "Jan.DeVries@partner.nl");
        assert_eq!(a.local_part(), "Jan.DeVries");
        assert_eq!(a.domain(), "partner.nl");
        assert_eq!(a.key(), "jan.devries@partner.nl");
    }

    #[test]
    fn unicode_and_ace_forms_of_a_domain_are_the_same_address() {
        let unicode = ok("Info@Bücher.de");
        let ace = ok("info@XN--BCHER-KVA.DE");
        assert_eq!(unicode, ace);
        assert_eq!(unicode.key(), "info@xn--bcher-kva.de");
        assert_eq!(ace.to_string(), "info@xn--bcher-kva.de");
        assert_eq!(unicode.to_string(), "Info@bücher.de");
    }

    #[test]
    fn compares_case_insensitively() {
        use std::collections::HashSet;
        let a = ok("JAN@partner.nl");
        let b = ok("jan@PARTNER.nl");
        assert_eq!(a, b);
        let set: HashSet<_> = [a, b].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_ne!(ok("jan@partner.nl"), ok("jan2@partner.nl"));
    }

    #[test]
    fn rejects_structure_errors_with_specific_reasons() {
        assert_eq!(err(""), EmailError::Empty);
        assert_eq!(err("   "), EmailError::Empty);
        assert_eq!(err("jan.partner.nl"), EmailError::MissingAt);
        assert_eq!(err("jan@@partner.nl"), EmailError::MultipleAt { count: 2 });
        assert_eq!(err("a@b@partner.nl"), EmailError::MultipleAt { count: 2 });
        assert_eq!(err("@partner.nl"), EmailError::EmptyLocalPart);
        assert_eq!(err("jan@"), EmailError::EmptyDomain);
        assert_eq!(err("Jan <jan@partner.nl>"), EmailError::AngleBrackets);
        assert_eq!(
            err("jan@partner.nl; piet@partner.nl"),
            EmailError::MultipleAddresses { count: 2 }
        );
        assert_eq!(
            err("a@x.nl,b@y.nl c@z.nl"),
            EmailError::MultipleAddresses { count: 3 }
        );
        assert_eq!(err("<jan@partner.nl>"), EmailError::AngleBrackets);
        assert_eq!(err("mailto:jan@partner.nl"), EmailError::MailtoPrefix);
        assert_eq!(err("jan@[192.168.1.1]"), EmailError::IpLiteral);
    }

    #[test]
    fn rejects_quoted_local_parts_clearly() {
        assert_eq!(err("\"jan\"@partner.nl"), EmailError::QuotedLocalPart);
        assert_eq!(err("\"a@b\"@partner.nl"), EmailError::QuotedLocalPart);
    }

    #[test]
    fn flags_common_typos() {
        assert_eq!(err("jan@partner.nl."), EmailError::TrailingDot);
        assert_eq!(
            err("jan@partner..nl"),
            EmailError::ConsecutiveDots {
                part: AddressPart::Domain
            }
        );
        assert_eq!(
            err("jan..de@partner.nl"),
            EmailError::ConsecutiveDots {
                part: AddressPart::Local
            }
        );
        assert_eq!(
            err("jan@partner,nl"),
            EmailError::CommaInsteadOfDot {
                suggestion: "jan@partner.nl".into()
            }
        );
        assert_eq!(
            err(".jan@partner.nl"),
            EmailError::EdgeDot {
                part: AddressPart::Local
            }
        );
        assert_eq!(
            err("jan.@partner.nl"),
            EmailError::EdgeDot {
                part: AddressPart::Local
            }
        );
        assert_eq!(
            err("jan@.partner.nl"),
            EmailError::EdgeDot {
                part: AddressPart::Domain
            }
        );
        assert_eq!(
            err("jan@partner"),
            EmailError::DomainWithoutDot {
                domain: "partner".into()
            }
        );
    }

    #[test]
    fn rejects_bad_characters() {
        assert_eq!(
            err("ja(n)@partner.nl"),
            EmailError::InvalidLocalCharacter { ch: '(' }
        );
        assert_eq!(
            err("jan;x@partner.nl"),
            EmailError::InvalidLocalCharacter { ch: ';' }
        );
        assert_eq!(
            err("jän@partner.nl"),
            EmailError::NonAsciiLocalPart { ch: 'ä' }
        );
        assert_eq!(
            err("jan@part_ner.nl"),
            EmailError::InvalidDomainCharacter { ch: '_' }
        );
        assert_eq!(
            err("jan@partner\u{FF0E}nl"),
            EmailError::DomainWithoutDot {
                domain: "partner\u{FF0E}nl".into()
            }
        );
        assert_eq!(
            err("jan@partner.n\u{FF0E}l"),
            EmailError::InvalidDomainCharacter { ch: '\u{FF0E}' }
        );
        assert_eq!(
            err("jan\u{0007}@partner.nl"),
            EmailError::ControlCharacter {
                position: 3,
                code: 7
            }
        );
        assert_eq!(
            err("jan@partner.nl\u{0085}x"),
            EmailError::ControlCharacter {
                position: 14,
                code: 0x85
            }
        );
    }

    #[test]
    fn checks_domain_labels() {
        assert_eq!(
            err("jan@-partner.nl"),
            EmailError::LabelHyphenEdge {
                label: "-partner".into()
            }
        );
        assert_eq!(
            err("jan@partner-.nl"),
            EmailError::LabelHyphenEdge {
                label: "partner-".into()
            }
        );
        assert_eq!(
            err("jan@10.0.0.1"),
            EmailError::NumericTopLevelDomain { tld: "1".into() }
        );
        let label63 = "a".repeat(63);
        ok(&format!("jan@{label63}.nl"));
        let label64 = "a".repeat(64);
        assert_eq!(
            err(&format!("jan@{label64}.nl")),
            EmailError::LabelTooLong {
                label: label64,
                len: 64,
                max: 63
            }
        );
    }

    #[test]
    fn enforces_length_limits() {
        let local64 = "a".repeat(64);
        ok(&format!("{local64}@partner.nl"));
        assert_eq!(
            err(&format!("{}@partner.nl", "a".repeat(65))),
            EmailError::LocalPartTooLong { len: 65, max: 64 }
        );
        // 4 labels of 63 + 3 dots = 255 > 253
        let long_domain = vec!["b".repeat(63); 4].join(".");
        assert_eq!(
            err(&format!("a@{long_domain}")),
            EmailError::DomainTooLong { len: 255, max: 253 }
        );
        // domain of 253: 63+1+63+1+63+1+61; with a 64-octet local part the total is 318.
        let d253 = format!(
            "{}.{}.{}.{}",
            "c".repeat(63),
            "c".repeat(63),
            "c".repeat(63),
            "c".repeat(61)
        );
        assert_eq!(d253.len(), 253);
        assert_eq!(
            err(&format!("{local64}@{d253}")),
            EmailError::TooLong { len: 318, max: 254 }
        );
        // exactly 254 passes
        let d = format!("{}.{}.{}", "c".repeat(63), "c".repeat(63), "c".repeat(63));
        let addr = format!("{}@{d}", "a".repeat(254 - 1 - d.len()));
        assert_eq!(addr.len(), 254);
        ok(&addr);
    }

    #[test]
    fn accepts_idn_domains_and_computes_ace_form() {
        // Examples from RFC 3492 §7.1 and common IDN test domains.
        let a = ok("info@Bücher.de");
        assert_eq!(a.domain(), "bücher.de");
        assert!(a.is_internationalized());
        assert_eq!(a.to_ascii(), "info@xn--bcher-kva.de");
        assert_eq!(ok("a@münchen.de").to_ascii(), "a@xn--mnchen-3ya.de");
        assert_eq!(ok("a@例え.jp").to_ascii(), "a@xn--r8jz45g.jp");
        assert_eq!(
            ok("a@правительство.рф").to_ascii(),
            "a@xn--80aealotwbjpid2k.xn--p1ai"
        );
        assert_eq!(ok("a@हिन्दी.भारत").domain(), "हिन्दी.भारत");
        assert!(!ok("a@partner.nl").is_internationalized());
        assert_eq!(ok("a@partner.nl").to_ascii(), "a@partner.nl");
        // RFC 3492 sample (L) "3<nen>B<gumi><kinpachi><sensei>" has ASCII mixed in.
        assert_eq!(
            punycode_encode("3年b組金八先生"),
            "3b-ww4c5e180e575a65lsy2b"
        );
        // RFC 3492 sample (A) Arabic (Egyptian).
        assert_eq!(
            punycode_encode("ليهمابتكلموشعربي؟"),
            "egbpdaj6bu4bxfgehfvwxn"
        );
    }

    #[test]
    fn idn_label_length_is_measured_in_ace_form() {
        // 30 different CJK characters are 30 chars but far more than 63 octets of ACE.
        let label: String = (0..30u32)
            .map(|i| char::from_u32(0x4E00 + i * 97).unwrap())
            .collect();
        match err(&format!("a@{label}.jp")) {
            EmailError::LabelTooLong { len, max: 63, .. } => assert!(len > 63),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn rejects_symbols_in_unicode_domains() {
        assert_eq!(
            err("a@part❤ner.nl"),
            EmailError::InvalidDomainCharacter { ch: '❤' }
        );
    }

    #[test]
    fn serde_round_trip_validates() {
        let a = ok("Jan@Partner.nl");
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "\"Jan@partner.nl\"");
        let back: EmailAddress = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        assert!(serde_json::from_str::<EmailAddress>("\"not an address\"").is_err());
    }

    #[test]
    fn every_error_round_trips_through_its_flat_form() {
        for e in EmailError::examples() {
            let json = serde_json::to_string(&e).unwrap();
            let back: EmailError = serde_json::from_str(&json).unwrap();
            assert_eq!(back, e, "{json}");
        }
        assert_eq!(
            serde_json::to_string(&EmailError::MultipleAt { count: 2 }).unwrap(),
            r#"{"kind":"MultipleAt","count":2}"#
        );
        assert!(serde_json::from_str::<EmailError>(r#"{"kind":"MultipleAt"}"#).is_err());
        assert!(serde_json::from_str::<EmailError>(r#"{"kind":"Nope"}"#).is_err());
    }

    /// Position of a variant in the enum. The match has no wildcard, so a new variant can't
    /// compile without a number here, and then the test below asks for its example.
    fn variant_number(e: &EmailError) -> usize {
        use EmailError::*;
        match e {
            Empty => 0,
            Whitespace { .. } => 1,
            ControlCharacter { .. } => 2,
            AngleBrackets => 3,
            MailtoPrefix => 4,
            MultipleAddresses { .. } => 5,
            MissingAt => 6,
            MultipleAt { .. } => 7,
            EmptyLocalPart => 8,
            EmptyDomain => 9,
            QuotedLocalPart => 10,
            NonAsciiLocalPart { .. } => 11,
            InvalidLocalCharacter { .. } => 12,
            EdgeDot { .. } => 13,
            ConsecutiveDots { .. } => 14,
            CommaInsteadOfDot { .. } => 15,
            TrailingDot => 16,
            LocalPartTooLong { .. } => 17,
            TooLong { .. } => 18,
            DomainTooLong { .. } => 19,
            DomainWithoutDot { .. } => 20,
            IpLiteral => 21,
            InvalidDomainCharacter { .. } => 22,
            LabelHyphenEdge { .. } => 23,
            LabelTooLong { .. } => 24,
            NumericTopLevelDomain { .. } => 25,
        }
    }

    #[test]
    fn every_variant_has_an_example() {
        let numbers: Vec<usize> = EmailError::examples().iter().map(variant_number).collect();
        assert_eq!(numbers, (0..=25).collect::<Vec<_>>());
    }

    #[test]
    fn error_messages_are_plain() {
        assert_eq!(
            err("jan@partner,nl").to_string(),
            "the address contains a comma; did you mean a dot? (jan@partner.nl)"
        );
        assert_eq!(
            err(&format!("{}@x.nl", "a".repeat(70))).to_string(),
            "the part before the @ is 70 characters long; at most 64 are allowed"
        );
    }
}
