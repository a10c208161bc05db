//! The external person an admin wants in a group, validated against Exchange's limits.
//!
//! Field limits (counted in UTF-16 code units, as Exchange's .NET validation counts them; an
//! emoji counts 2):
//! - `Name` 64 and `DisplayName` 256: New-MailContact,
//!   <https://learn.microsoft.com/powershell/module/exchange/new-mailcontact> ("The maximum
//!   length is 64 characters" / "256 characters"). `Name` must be unique among recipients.
//! - `FirstName` 64, `LastName` 64, `Company` 64: the cmdlet pages (New-MailContact,
//!   Set-Contact) state no maximum for these, so the limits are those of the Active Directory
//!   attributes behind them (givenName, sn, company; `rangeUpper` 64) —
//!   <https://learn.microsoft.com/windows/win32/adschema/a-givenname>,
//!   <https://learn.microsoft.com/windows/win32/adschema/a-sn>,
//!   <https://learn.microsoft.com/windows/win32/adschema/a-company>; Set-Contact sets Company
//!   (<https://learn.microsoft.com/powershell/module/exchange/set-contact>).
//!
//! Display name when none is given: "first last" when either name is known, otherwise the
//! address itself. We don't guess a name from the local part ("jan.devries" → "Jan Devries"):
//! a wrong guess ends up in every recipient's address book, the address never is wrong.

use super::day::Day;
use super::email::{EmailAddress, EmailError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

pub const MAX_DISPLAY_NAME: usize = 256;
pub const MAX_NAME: usize = 64;
pub const MAX_FIRST_NAME: usize = 64;
pub const MAX_LAST_NAME: usize = 64;
pub const MAX_COMPANY: usize = 64;

/// A field of a person, for pointing at the one that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PersonField {
    Email,
    DisplayName,
    FirstName,
    LastName,
    Company,
    /// The last day of access (`YYYY-MM-DD`), kept in the tenant like the register's.
    AccessUntil,
}

impl PersonField {
    pub const ALL: [PersonField; 6] = [
        PersonField::Email,
        PersonField::DisplayName,
        PersonField::FirstName,
        PersonField::LastName,
        PersonField::Company,
        PersonField::AccessUntil,
    ];

    /// The longest value Exchange accepts (UTF-16 code units).
    pub fn max_len(self) -> usize {
        match self {
            PersonField::Email => super::email::MAX_ADDRESS_LEN,
            PersonField::DisplayName => MAX_DISPLAY_NAME,
            PersonField::FirstName => MAX_FIRST_NAME,
            PersonField::LastName => MAX_LAST_NAME,
            PersonField::Company => MAX_COMPANY,
            PersonField::AccessUntil => 10,
        }
    }
}

impl fmt::Display for PersonField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PersonField::Email => "e-mail address",
            PersonField::DisplayName => "display name",
            PersonField::FirstName => "first name",
            PersonField::LastName => "last name",
            PersonField::Company => "company",
            PersonField::AccessUntil => "access until",
        })
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum FieldProblem {
    #[error("missing")]
    Missing,
    #[error("{0}")]
    InvalidEmail(EmailError),
    #[error("too long: {len} characters, at most {max}")]
    TooLong { len: usize, max: usize },
    #[error("contains an invisible control character (U+{code:04X}) at position {position}")]
    ControlCharacter { position: usize, code: u32 },
    #[error("the same address is already on line {first_line}")]
    DuplicateOf { first_line: u64 },
    #[error("not a date (year-month-day, e.g. 2026-12-31): {value}")]
    NotADate { value: String },
}

/// A problem with a named field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{field}: {problem}")]
pub struct FieldError {
    pub field: PersonField,
    pub problem: FieldProblem,
}

/// What the admin typed or the CSV held, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonInput {
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    /// The last day of access, `YYYY-MM-DD` (empty: none).
    #[serde(default)]
    pub access_until: String,
}

/// A validated external person. Optional fields are `None` when empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub email: EmailAddress,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    /// The last day of access, written to the tenant with the person.
    #[serde(default)]
    pub access_until: Option<Day>,
}

/// Length as Exchange counts it.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn check_text(field: PersonField, value: &str, errors: &mut Vec<FieldError>) {
    if let Some((position, ch)) = value.chars().enumerate().find(|(_, c)| c.is_control()) {
        errors.push(FieldError {
            field,
            problem: FieldProblem::ControlCharacter {
                position,
                code: ch as u32,
            },
        });
        return;
    }
    let len = utf16_len(value);
    if len > field.max_len() {
        errors.push(FieldError {
            field,
            problem: FieldProblem::TooLong {
                len,
                max: field.max_len(),
            },
        });
    }
}

fn optional(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl PersonInput {
    /// Validates every field and reports all problems at once, so a CSV row shows each bad cell.
    pub fn validate(&self) -> Result<Person, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = match EmailAddress::parse(&self.email) {
            Ok(e) => Some(e),
            Err(EmailError::Empty) => {
                errors.push(FieldError {
                    field: PersonField::Email,
                    problem: FieldProblem::Missing,
                });
                None
            }
            Err(e) => {
                errors.push(FieldError {
                    field: PersonField::Email,
                    problem: FieldProblem::InvalidEmail(e),
                });
                None
            }
        };
        let first_name = optional(&self.first_name);
        let last_name = optional(&self.last_name);
        let company = optional(&self.company);
        let access_until = optional(&self.access_until).and_then(|v| match Day::parse(&v) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldError {
                    field: PersonField::AccessUntil,
                    problem: FieldProblem::NotADate { value: v },
                });
                None
            }
        });
        let display_input = self.display_name.trim();
        check_text(PersonField::DisplayName, display_input, &mut errors);
        for (field, value) in [
            (PersonField::FirstName, &first_name),
            (PersonField::LastName, &last_name),
            (PersonField::Company, &company),
        ] {
            if let Some(v) = value {
                check_text(field, v, &mut errors);
            }
        }
        match email {
            Some(email) if errors.is_empty() => {
                let display_name = if display_input.is_empty() {
                    default_display_name(&email, first_name.as_deref(), last_name.as_deref())
                } else {
                    display_input.to_owned()
                };
                Ok(Person {
                    email,
                    display_name,
                    first_name,
                    last_name,
                    company,
                    access_until,
                })
            }
            _ => Err(errors),
        }
    }
}

/// "First Last" when known, else the address (see the module documentation).
pub fn default_display_name(
    email: &EmailAddress,
    first: Option<&str>,
    last: Option<&str>,
) -> String {
    let joined = [first, last]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if joined.is_empty() {
        email.to_string()
    } else {
        truncate_utf16(&joined, MAX_DISPLAY_NAME).to_owned()
    }
}

/// The longest prefix of `s` within `max` UTF-16 units, never splitting a character.
pub fn truncate_utf16(s: &str, max: usize) -> &str {
    let mut used = 0;
    for (i, ch) in s.char_indices() {
        used += ch.len_utf16();
        if used > max {
            return &s[..i];
        }
    }
    s
}

/// Names already in use among recipients, compared case-insensitively as Exchange does.
#[derive(Debug, Clone, Default)]
pub struct TakenNames(HashSet<String>);

impl TakenNames {
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(names: I) -> Self {
        TakenNames(
            names
                .into_iter()
                .map(|n| n.as_ref().to_lowercase())
                .collect(),
        )
    }
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains(&name.to_lowercase())
    }
    pub fn insert(&mut self, name: &str) {
        self.0.insert(name.to_lowercase());
    }
}

/// Derives the contact's `Name` (unique, at most 64) and marks it taken.
///
/// Tried in order: the display name; "display name (address)"; the address; the display name
/// with " 2", " 3", …. Each candidate is cut to 64 units; surrounding spaces and dots are trimmed
/// because a directory name (RDN) can't end in a space.
pub fn derive_contact_name(person: &Person, taken: &mut TakenNames) -> String {
    let clean = |s: &str| -> String {
        truncate_utf16(s.trim(), MAX_NAME)
            .trim_end_matches([' ', '.'])
            .to_owned()
    };
    let display = clean(&person.display_name);
    let address = person.email.to_string();
    let mut candidates = vec![display.clone()];
    let with_address = format!("{} ({})", person.display_name.trim(), address);
    if utf16_len(&with_address) <= MAX_NAME {
        candidates.push(with_address);
    }
    if utf16_len(&address) <= MAX_NAME {
        candidates.push(address);
    }
    for candidate in candidates {
        if !candidate.is_empty() && !taken.contains(&candidate) {
            taken.insert(&candidate);
            return candidate;
        }
    }
    for n in 2u32.. {
        let suffix = format!(" {n}");
        let base = truncate_utf16(&display, MAX_NAME - suffix.len()).trim_end();
        let candidate = format!("{base}{suffix}");
        if !taken.contains(&candidate) {
            taken.insert(&candidate);
            return candidate;
        }
    }
    unreachable!("some numbered name is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(email: &str, display: &str) -> PersonInput {
        PersonInput {
            email: email.into(),
            display_name: display.into(),
            ..Default::default()
        }
    }

    #[test]
    fn validates_and_trims() {
        let p = PersonInput {
            email: " jan@partner.nl ".into(),
            display_name: " Jan de Vries ".into(),
            first_name: "Jan".into(),
            last_name: "de Vries".into(),
            company: "  ".into(),
            access_until: String::new(),
        }
        .validate()
        .unwrap();
        assert_eq!(p.email.to_string(), "jan@partner.nl");
        assert_eq!(p.display_name, "Jan de Vries");
        assert_eq!(p.first_name.as_deref(), Some("Jan"));
        assert_eq!(p.company, None);
    }

    #[test]
    fn default_display_name_from_names_then_address() {
        let p = PersonInput {
            email: "jan@partner.nl".into(),
            first_name: "Jan".into(),
            last_name: "de Vries".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(p.display_name, "Jan de Vries");
        let p = PersonInput {
            email: "jan@partner.nl".into(),
            last_name: "de Vries".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(p.display_name, "de Vries");
        let p = input("Jan@Partner.nl", "").validate().unwrap();
        assert_eq!(p.display_name, "Jan@partner.nl");
    }

    #[test]
    fn reports_every_bad_field() {
        let errs = PersonInput {
            email: "jan@partner,nl".into(),
            display_name: "x".repeat(257),
            first_name: "J\u{0000}an".into(),
            last_name: "y".repeat(65),
            company: "z".repeat(64),
            access_until: String::new(),
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            errs,
            vec![
                FieldError {
                    field: PersonField::Email,
                    problem: FieldProblem::InvalidEmail(EmailError::CommaInsteadOfDot {
                        suggestion: "jan@partner.nl".into()
                    })
                },
                FieldError {
                    field: PersonField::DisplayName,
                    problem: FieldProblem::TooLong { len: 257, max: 256 }
                },
                FieldError {
                    field: PersonField::FirstName,
                    problem: FieldProblem::ControlCharacter {
                        position: 1,
                        code: 0
                    }
                },
                FieldError {
                    field: PersonField::LastName,
                    problem: FieldProblem::TooLong { len: 65, max: 64 }
                },
            ]
        );
        assert_eq!(
            errs[1].to_string(),
            "display name: too long: 257 characters, at most 256"
        );
    }

    #[test]
    fn missing_email_is_missing_not_invalid() {
        let errs = input("  ", "Jan").validate().unwrap_err();
        assert_eq!(
            errs,
            vec![FieldError {
                field: PersonField::Email,
                problem: FieldProblem::Missing
            }]
        );
    }

    #[test]
    fn lengths_count_utf16_units() {
        // 32 emoji = 64 UTF-16 units: fits; 33 don't.
        let ok = PersonInput {
            email: "a@b.nl".into(),
            company: "😀".repeat(32),
            ..Default::default()
        };
        assert!(ok.validate().is_ok());
        let bad = PersonInput {
            company: "😀".repeat(33),
            ..ok
        };
        assert_eq!(
            bad.validate().unwrap_err()[0].problem,
            FieldProblem::TooLong { len: 66, max: 64 }
        );
        assert_eq!(truncate_utf16("a😀b", 2), "a");
        assert_eq!(truncate_utf16("a😀b", 3), "a😀");
    }

    #[test]
    fn contact_names_are_unique_and_short() {
        let mut taken = TakenNames::new(["jan de vries"]);
        let p = input("jan@partner.nl", "Jan de Vries").validate().unwrap();
        assert_eq!(
            derive_contact_name(&p, &mut taken),
            "Jan de Vries (jan@partner.nl)"
        );
        let p2 = input("jan@other.nl", "Jan de Vries").validate().unwrap();
        assert_eq!(
            derive_contact_name(&p2, &mut taken),
            "Jan de Vries (jan@other.nl)"
        );
        let p3 = input("jan@other.nl", "Jan de Vries").validate().unwrap();
        assert_eq!(derive_contact_name(&p3, &mut taken), "jan@other.nl");
        let p4 = input("jan@other.nl", "Jan de Vries").validate().unwrap();
        assert_eq!(derive_contact_name(&p4, &mut taken), "Jan de Vries 2");
        assert!(taken.contains("JAN DE VRIES 2"));
    }

    #[test]
    fn long_display_names_are_cut_for_the_name() {
        let long = format!("{} Ltd.", "A".repeat(59)); // 59 + " Ltd." = 64 → fits
        let mut taken = TakenNames::default();
        let p = input("x@y.nl", &long).validate().unwrap();
        let name = derive_contact_name(&p, &mut taken);
        assert_eq!(name, format!("{} Ltd", "A".repeat(59)));
        let longer = "B".repeat(100);
        let p = input("x@y.nl", &longer).validate().unwrap();
        let name = derive_contact_name(&p, &mut taken);
        assert_eq!(utf16_len(&name), 64);
        let again = derive_contact_name(&p, &mut taken);
        assert_eq!(again, "x@y.nl");
        let third = derive_contact_name(&p, &mut taken);
        assert_eq!(third, format!("{} 2", "B".repeat(62)));
    }
}
