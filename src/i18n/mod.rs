//! English and Dutch UI text through one typed catalogue, by area.
//!
//! Every area is a struct with a field per text and one value per language, English and Dutch
//! side by side in the area's file: [`common`] (the shell, navigation, sign-in, the mode panel,
//! about, a person's fields and their problems), [`finder`] (the first screen's), [`groups`],
//! [`import`], [`config`], [`signin`] (sign-in problems and their fixes), [`deploy`] (the
//! deployment check), [`externals`] (the External people page), plus the two the core defines because journals and exports keep their
//! English
//! ([`FailureTexts`]/[`FAILURES_EN`], [`ActivityTexts`]/[`ACTIVITY_EN`]; their Dutch is in
//! [`failures`] and [`activity`]). A missing translation is a compile error, and the strings are
//! plain `&'static str` in the wasm (no runtime parsing, no catalogue files). Texts with values
//! use `{name}` placeholders filled by [`fill`]; native tests check that both languages use the
//! same placeholders and that every `fill`/`plural` call passes exactly those names.
//!
//! Domain values (a group kind, an address problem, a skip reason…) become words in one place,
//! [`words`]. The reactive part ([`I18n`]) holds the current language in a signal provided as
//! context.

use guestlist_core::activity::{ActivityTexts, ACTIVITY_EN};
use guestlist_core::run::failure::{FailureTexts, FAILURES_EN};
use leptos::prelude::*;
use std::fmt;

/// Declares an area's struct and, for tests, a listing of its fields by name. A field is a
/// plain text unless marked `: Plural`, which makes it a [`Plural`] (a form for one and a form
/// for other counts).
macro_rules! area {
    (@ty) => { &'static str };
    (@ty Plural) => { $crate::i18n::Plural };
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident {
            $($(#[doc = $doc:literal])* $field:ident $(: $plural:ident)?,)*
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug)]
        pub struct $name {
            $($(#[doc = $doc])* pub $field: area!(@ty $($plural)?),)*
        }

        impl $name {
            /// `(field name, text)` for every text, in declaration order; a plural's forms are
            /// listed as `name.one` and `name.other`.
            #[cfg(test)]
            pub(crate) fn entries(&self) -> Vec<(String, &'static str)> {
                let mut out = Vec::new();
                $($crate::i18n::TextForms::list(&self.$field, stringify!($field), &mut out);)*
                out
            }
        }
    };
}

pub mod activity;
pub mod common;
pub mod config;
pub mod deploy;
pub mod externals;
pub mod failures;
pub mod finder;
pub mod groups;
pub mod import;
pub mod mode;
pub mod person;
pub mod signin;
mod words;

#[cfg(test)]
mod placeholders;
#[cfg(test)]
mod tests;

pub use activity::ACTIVITY_NL;
pub use common::CommonTexts;
pub use config::ConfigTexts;
pub use deploy::DeployTexts;
pub use externals::ExternalsTexts;
pub use failures::FAILURES_NL;
pub use finder::FinderTexts;
pub use groups::GroupTexts;
pub use guestlist_core::domain::template::fill;
pub use import::ImportTexts;
pub use mode::ModeTexts;
pub use person::PersonTexts;
pub use signin::SignInHelpTexts;

/// All UI text of one language, by area: `t.finder.search_label`, `t.groups().members_count`.
///
/// The areas the first screen needs are fields. The others are methods: a lazily loaded page is
/// the only caller of `groups()`, `import()` and `activity()`, so their texts (both languages) go
/// into that page's WebAssembly module with it instead of the first load (wasm-split moves a
/// static to the module of the only code that reads it).
#[derive(Debug)]
pub struct Texts {
    lang: Lang,
    /// The shell, navigation, sign-in, the mode panel, about, a person's fields and problems.
    pub common: &'static CommonTexts,
    /// The groups page's finder, group kinds, the failure view's labels.
    pub finder: &'static FinderTexts,
    /// A failure's sentence per kind (`FailureKind`), see `run::failure::FailureTexts`; the
    /// English ones are the core's `FAILURES_EN`, which journals and exports keep.
    pub failures: &'static FailureTexts,
}

pub static EN: Texts = Texts {
    lang: Lang::En,
    common: &common::EN,
    finder: &finder::EN,
    failures: &FAILURES_EN,
};

pub static NL: Texts = Texts {
    lang: Lang::Nl,
    common: &common::NL,
    finder: &finder::NL,
    failures: &FAILURES_NL,
};

impl Texts {
    /// The group page's, member list's, external senders' and add-person dialog's texts.
    pub fn groups(&self) -> &'static GroupTexts {
        self.lang.pick(&groups::EN, &groups::NL)
    }

    /// What is wrong with `config.json` and how to fix it (only the lazily loaded configuration
    /// help and the About page call this).
    pub fn config(&self) -> &'static ConfigTexts {
        self.lang.pick(&config::EN, &config::NL)
    }

    /// A person's fields and their problems (the add-person dialog, the import, External
    /// people: all lazily loaded).
    pub fn person(&self) -> &'static PersonTexts {
        self.lang.pick(&person::EN, &person::NL)
    }

    /// The mode verdict's texts (only the lazily loaded verdict panel calls this).
    pub fn mode(&self) -> &'static ModeTexts {
        self.lang.pick(&mode::EN, &mode::NL)
    }

    /// The bulk import's texts.
    pub fn import(&self) -> &'static ImportTexts {
        self.lang.pick(&import::EN, &import::NL)
    }

    /// What a sign-in problem means and what to change. Only the lazily loaded sign-in help
    /// (`ui::components::sign_in_problem`) and the About page call this, so the texts load with
    /// them.
    pub fn signin(&self) -> &'static SignInHelpTexts {
        self.lang.pick(&signin::EN, &signin::NL)
    }

    /// The About page's deployment check (only that lazily loaded page calls this).
    pub fn deploy(&self) -> &'static DeployTexts {
        self.lang.pick(&deploy::EN, &deploy::NL)
    }

    /// The External people page's texts (only that lazily loaded page calls this).
    pub fn externals(&self) -> &'static ExternalsTexts {
        self.lang.pick(&externals::EN, &externals::NL)
    }

    /// What a change was and why it was skipped (`activity::ActivityTexts`); the English ones
    /// are the core's `ACTIVITY_EN`, which the log and its exports keep.
    pub fn activity(&self) -> &'static ActivityTexts {
        self.lang.pick(&ACTIVITY_EN, &ACTIVITY_NL)
    }

    /// `n` as this language writes a count ([`Lang::count`]).
    pub fn count(&self, n: u64) -> Count {
        self.lang.count(n)
    }

    /// `(area.field name, text)` for every text of every area, in declaration order.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        let mut area = |name: &str, entries: Vec<(String, &'static str)>| {
            out.extend(entries.into_iter().map(|(f, t)| (format!("{name}.{f}"), t)));
        };
        area("common", self.common.entries());
        area("finder", self.finder.entries());
        area("person", self.person().entries());
        area("mode", self.mode().entries());
        area("groups", self.groups().entries());
        area("import", self.import().entries());
        area("config", self.config().entries());
        area("signin", self.signin().entries());
        area("deploy", self.deploy().entries());
        area("externals", self.externals().entries());
        let owned = |e: &[(&str, &'static str)]| -> Vec<(String, &'static str)> {
            e.iter().map(|(f, t)| ((*f).to_owned(), *t)).collect()
        };
        area("failures", owned(&self.failures.entries()));
        area("activity", owned(&self.activity().entries()));
        out
    }
}

/// A text with a count in it, in the two forms English and Dutch have: `one` for exactly 1 and
/// `other` for every other number, 0 included (CLDR plural rules for `en` and `nl`:
/// https://www.unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html). Both
/// forms hold the `{count}` placeholder; fill one with [`plural`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plural {
    pub one: &'static str,
    pub other: &'static str,
}

impl Plural {
    /// The form for `n`.
    pub fn form(&self, n: u64) -> &'static str {
        if n == 1 {
            self.one
        } else {
            self.other
        }
    }
}

/// `p`'s form for `n`, with `{count}` set to `n` as the language writes it and the other
/// placeholders from `args`: `plural(&t.groups().members_count, t.count(50_000), &[])` is
/// "50,000 members." in English and "50.000 leden." in Dutch.
pub fn plural(p: &Plural, n: Count, args: &[(&str, &str)]) -> String {
    let mut all = Vec::with_capacity(args.len() + 1);
    all.push(("count", n.text.as_str()));
    all.extend_from_slice(args);
    fill(p.form(n.n), &all)
}

/// A number as a language writes it, digits grouped by thousands: 50,000 in English, 50.000 in
/// Dutch (CLDR's number symbols for `en` and `nl`, both grouping from 1,000 on:
/// https://www.unicode.org/cldr/charts/latest/by_type/numbers.symbols.html). Made by
/// [`Lang::count`] or [`Texts::count`]; [`plural`] takes one, so a count on the page is always
/// written this way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    n: u64,
    text: String,
}

impl Count {
    /// The number itself.
    pub fn value(&self) -> u64 {
        self.n
    }

    /// As the language writes it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `n` with `sep` between groups of three digits.
fn grouped(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(d);
    }
    out
}

/// Lists a field's text(s) for the catalogue tests.
#[cfg(test)]
trait TextForms {
    fn list(&self, name: &str, out: &mut Vec<(String, &'static str)>);
}

#[cfg(test)]
impl TextForms for &'static str {
    fn list(&self, name: &str, out: &mut Vec<(String, &'static str)>) {
        out.push((name.to_owned(), self));
    }
}

#[cfg(test)]
impl TextForms for Plural {
    fn list(&self, name: &str, out: &mut Vec<(String, &'static str)>) {
        out.push((format!("{name}.one"), self.one));
        out.push((format!("{name}.other"), self.other));
    }
}

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Nl,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nl];

    /// This language's texts. Dutch's are English's until they have arrived ([`I18n`] switches
    /// to Dutch only then).
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Nl => dutch_now(),
        }
    }

    /// The one of a pair of per-language values that is this language's.
    pub fn pick<T: ?Sized>(self, en: &'static T, nl: &'static T) -> &'static T {
        match self {
            Lang::En => en,
            Lang::Nl => nl,
        }
    }

    /// BCP 47 tag for `<html lang>` and for storage.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    /// `n` as this language writes a count: "50,000" / "50.000".
    pub fn count(self, n: u64) -> Count {
        let sep = match self {
            Lang::En => ',',
            Lang::Nl => '.',
        };
        Count {
            n,
            text: grouped(n, sep),
        }
    }

    /// `x` with one decimal as this language writes it: "1,234.5" / "1.234,5" (negative and
    /// non-finite values are written as 0).
    pub fn decimal(self, x: f64) -> String {
        let tenths = if x.is_finite() && x > 0.0 {
            (x * 10.0).round() as u64
        } else {
            0
        };
        let (group, point) = match self {
            Lang::En => (',', '.'),
            Lang::Nl => ('.', ','),
        };
        format!("{}{point}{}", grouped(tenths / 10, group), tenths % 10)
    }

    /// The language's name in itself, as language pickers show it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Nl => "Nederlands",
        }
    }

    /// The language of a BCP 47 tag by its primary subtag (`nl-BE` → Dutch), if supported.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.trim();
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    /// The starting language: a stored choice wins, then the browser's language, then English.
    pub fn initial(stored: Option<&str>, browser: Option<&str>) -> Lang {
        stored
            .and_then(Lang::from_tag)
            .or_else(|| browser.and_then(Lang::from_tag))
            .unwrap_or_default()
    }
}

/// The Dutch texts, once they have been loaded ([`dutch`]).
static DUTCH: std::sync::OnceLock<&'static Texts> = std::sync::OnceLock::new();

/// The Dutch texts if they are here. With the `split` feature the first-screen Dutch texts are
/// a module of their own, fetched when Dutch is chosen ([`dutch`]), and English stands in
/// until then; without it (tests, clippy) they are always here.
fn dutch_now() -> &'static Texts {
    #[cfg(feature = "split")]
    let here = &EN;
    #[cfg(not(feature = "split"))]
    let here = &NL;
    DUTCH.get().copied().unwrap_or(here)
}

/// Fetches the Dutch texts. A split point with the `split` feature (see `lazy_view!` in
/// `ui/mod.rs`): an English visitor's first load doesn't carry the Dutch catalogue.
#[cfg_attr(feature = "split", leptos::lazy)]
async fn dutch() -> &'static Texts {
    &NL
}

/// The current language, provided as context at the root of the app.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    /// Starts in `initial`; for Dutch, in English until the Dutch texts have arrived.
    pub fn new(initial: Lang) -> Self {
        let i18n = Self {
            lang: RwSignal::new(Lang::En),
        };
        i18n.set(initial);
        i18n
    }

    /// The current language (tracked).
    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    /// The current texts (tracked): `move || i18n.t().common.nav_groups`.
    pub fn t(&self) -> &'static Texts {
        self.lang.get().texts()
    }

    /// Switches to `lang`, once its texts are here (Dutch may have to be fetched first).
    pub fn set(&self, lang: Lang) {
        if lang == Lang::En || cfg!(not(feature = "split")) || DUTCH.get().is_some() {
            self.lang.set(lang);
            return;
        }
        let this = *self;
        leptos::task::spawn_local(async move {
            let texts = dutch().await;
            DUTCH.get_or_init(|| texts);
            this.lang.try_set(lang);
        });
    }
}

/// The [`I18n`] provided by the app root.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}
