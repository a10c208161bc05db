//! Domain values in words, in one place: a group's kind, an operation of the add-person plan, a
//! person's field and what is wrong with it, a CSV row's problem, why a plan entry is skipped,
//! a plan outcome and a row's result, what is wrong with `config.json`, counts as sentences.
//!
//! A method sits on the area whose texts it uses (`t.finder.kind(kind)`,
//! `t.person().address_problem(&e)`, `t.import().outcome(k)`, `t.config().error(&e)`); what uses
//! texts of two areas is on [`Texts`] (`t.row_issue(&issue)`, `t.skip_reason(&r)`).

use super::{
    fill, plural, ConfigTexts, Count, FinderTexts, GroupTexts, ImportTexts, PersonTexts, Texts,
};
use crate::config::{ConfigError, UrlProblem};
use crate::ui::import::state::LoadProblem;
use guestlist_core::activity::{Action, Entry as ActivityEntry};
use guestlist_core::domain::csv_import::ImportError;
use guestlist_core::domain::csv_import::{CellChange, Delimiter, MapTarget, RowIssue, RowNote};
use guestlist_core::domain::delivery::SenderList;
use guestlist_core::domain::email::{AddressPart, EmailError};
use guestlist_core::domain::group::GroupKind;
use guestlist_core::domain::journal::{Failure, FailureKind, Service};
use guestlist_core::domain::person::{FieldError, FieldProblem, PersonField};
use guestlist_core::domain::plan::{Operation, OutcomeKind, Plan, SkipReason, Step};
use guestlist_core::domain::report::RowOutcome;

impl FinderTexts {
    /// The words for a group kind: the badge, the dialog's route, the import's group lists.
    pub fn kind(&self, kind: GroupKind) -> &'static str {
        match kind {
            GroupKind::Distribution => self.kind_distribution,
            GroupKind::MailEnabledSecurity => self.kind_mail_security,
            GroupKind::Microsoft365 => self.kind_m365,
            GroupKind::Security => self.kind_security,
            GroupKind::DynamicDistribution => self.kind_dynamic,
        }
    }

    /// A kind that may not be known (a search result whose kind could not be told).
    pub fn kind_or_unknown(&self, kind: Option<GroupKind>) -> &'static str {
        kind.map_or(self.kind_unknown, |k| self.kind(k))
    }
}

impl GroupTexts {
    /// What adding an external person to a group of `kind` does, in one sentence.
    pub fn add_route(&self, kind: GroupKind) -> &'static str {
        match kind {
            GroupKind::Microsoft365 => self.add_route_guest,
            GroupKind::Security => self.add_route_security,
            _ => self.add_route_contact,
        }
    }

    /// A reuse step in words (what exists and will be used); other steps have none.
    pub fn step(&self, step: &Step, address: &str) -> Option<String> {
        let address = [("address", address)];
        match step {
            Step::ReuseContact { .. } => Some(fill(self.step_reuse_contact, &address)),
            Step::ReuseGuest { .. } => Some(fill(self.step_reuse_guest, &address)),
            Step::ReuseUser { .. } => Some(fill(self.step_reuse_user, &address)),
            _ => None,
        }
    }
}

impl PersonTexts {
    /// A person's field by name, as the import's columns and row problems call it.
    pub fn person_field(&self, field: PersonField) -> &'static str {
        match field {
            PersonField::Email => self.field_email,
            PersonField::DisplayName => self.field_display,
            PersonField::FirstName => self.field_first,
            PersonField::LastName => self.field_last,
            PersonField::Company => self.field_company,
            PersonField::AccessUntil => self.field_until,
        }
    }

    /// A field's problem and the field: "E-mail address: the address has no @".
    pub fn field_error(&self, e: &FieldError) -> String {
        format!(
            "{}: {}",
            self.person_field(e.field),
            self.field_problem(&e.problem)
        )
    }

    /// A field's problem (the domain's `Display` is the English one).
    pub fn field_problem(&self, p: &FieldProblem) -> String {
        match p {
            FieldProblem::Missing => self.problem_missing.to_owned(),
            FieldProblem::NotADate { value } => fill(self.problem_not_a_date, &[("value", value)]),
            FieldProblem::InvalidEmail(e) => self.address_problem(e),
            FieldProblem::TooLong { len, max } => fill(
                self.problem_too_long,
                &[("len", &len.to_string()), ("max", &max.to_string())],
            ),
            FieldProblem::ControlCharacter { position, code } => fill(
                self.problem_control,
                &[
                    ("code", &format!("{code:04X}")),
                    ("position", &position.to_string()),
                ],
            ),
            FieldProblem::DuplicateOf { first_line } => {
                fill(self.problem_duplicate, &[("line", &first_line.to_string())])
            }
        }
    }

    /// What is wrong with an address.
    pub fn address_problem(&self, e: &EmailError) -> String {
        let part = |p: &AddressPart| match p {
            AddressPart::Local => self.addr_part_local,
            AddressPart::Domain => self.addr_part_domain,
        };
        let n = |n: &usize| n.to_string();
        match e {
            EmailError::Empty => self.addr_empty.to_owned(),
            EmailError::Whitespace { position } => {
                fill(self.addr_whitespace, &[("position", &n(position))])
            }
            EmailError::ControlCharacter { position, code } => fill(
                self.addr_control,
                &[("code", &format!("{code:04X}")), ("position", &n(position))],
            ),
            EmailError::AngleBrackets => self.addr_angle_brackets.to_owned(),
            EmailError::MailtoPrefix => self.addr_mailto.to_owned(),
            EmailError::MultipleAddresses { count } => {
                fill(self.addr_multiple, &[("count", &n(count))])
            }
            EmailError::MissingAt => self.addr_missing_at.to_owned(),
            EmailError::MultipleAt { count } => {
                fill(self.addr_multiple_at, &[("count", &n(count))])
            }
            EmailError::EmptyLocalPart => self.addr_empty_local.to_owned(),
            EmailError::EmptyDomain => self.addr_empty_domain.to_owned(),
            EmailError::QuotedLocalPart => self.addr_quoted_local.to_owned(),
            EmailError::NonAsciiLocalPart { ch } => {
                fill(self.addr_non_ascii_local, &[("ch", &ch.to_string())])
            }
            EmailError::InvalidLocalCharacter { ch } => {
                fill(self.addr_local_char, &[("ch", &ch.to_string())])
            }
            EmailError::EdgeDot { part: p } => fill(self.addr_edge_dot, &[("part", part(p))]),
            EmailError::ConsecutiveDots { part: p } => {
                fill(self.addr_double_dot, &[("part", part(p))])
            }
            EmailError::CommaInsteadOfDot { suggestion } => {
                fill(self.addr_comma, &[("suggestion", suggestion)])
            }
            EmailError::TrailingDot => self.addr_trailing_dot.to_owned(),
            EmailError::LocalPartTooLong { len, max } => fill(
                self.addr_local_too_long,
                &[("len", &n(len)), ("max", &n(max))],
            ),
            EmailError::TooLong { len, max } => {
                fill(self.addr_too_long, &[("len", &n(len)), ("max", &n(max))])
            }
            EmailError::DomainTooLong { len, max } => fill(
                self.addr_domain_too_long,
                &[("len", &n(len)), ("max", &n(max))],
            ),
            EmailError::DomainWithoutDot { domain } => {
                fill(self.addr_domain_no_dot, &[("domain", domain)])
            }
            EmailError::IpLiteral => self.addr_ip_literal.to_owned(),
            EmailError::InvalidDomainCharacter { ch } => {
                fill(self.addr_domain_char, &[("ch", &ch.to_string())])
            }
            EmailError::LabelHyphenEdge { label } => {
                fill(self.addr_label_hyphen, &[("label", label)])
            }
            EmailError::LabelTooLong { label, len, max } => fill(
                self.addr_label_too_long,
                &[("label", label), ("len", &n(len)), ("max", &n(max))],
            ),
            EmailError::NumericTopLevelDomain { tld } => {
                fill(self.addr_numeric_tld, &[("tld", tld)])
            }
        }
    }
}

impl ImportTexts {
    /// Why a file can't be loaded, in this language; what the CSV reader or the browser said
    /// about it stays as said.
    pub fn load_problem(&self, p: &LoadProblem) -> String {
        match p {
            LoadProblem::File(ImportError::Empty) => self.load_empty.to_owned(),
            LoadProblem::File(ImportError::NoRows) => self.load_no_rows.to_owned(),
            LoadProblem::File(ImportError::Spreadsheet) => self.load_spreadsheet.to_owned(),
            LoadProblem::File(ImportError::TooManyRows { max, found }) => fill(
                self.load_too_many_rows,
                &[("found", &found.to_string()), ("max", &max.to_string())],
            ),
            LoadProblem::File(ImportError::Malformed { line, message }) => fill(
                self.load_malformed,
                &[("line", &line.to_string()), ("detail", message)],
            ),
            LoadProblem::Browser(said) => fill(self.load_browser, &[("detail", said)]),
            LoadProblem::Download(said) => fill(self.load_download, &[("detail", said)]),
        }
    }

    /// The character that separates a file's columns.
    pub fn delimiter(&self, d: Delimiter) -> &'static str {
        match d {
            Delimiter::Comma => self.delim_comma,
            Delimiter::Semicolon => self.delim_semicolon,
            Delimiter::Tab => self.delim_tab,
        }
    }

    /// What the plan does with an entry.
    pub fn outcome(&self, k: OutcomeKind) -> &'static str {
        match k {
            OutcomeKind::CreateContact => self.out_create_contact,
            OutcomeKind::ReuseContact => self.out_reuse_contact,
            OutcomeKind::InviteGuest => self.out_invite_guest,
            OutcomeKind::ReuseGuest => self.out_reuse_guest,
            OutcomeKind::ReuseUser => self.out_reuse_user,
            OutcomeKind::AlreadyMember => self.out_already,
            OutcomeKind::Invalid => self.out_invalid,
            OutcomeKind::Duplicate => self.out_duplicate,
            OutcomeKind::NotPossible => self.out_not_possible,
        }
    }

    /// What became of a row in the run.
    pub fn row_status(&self, o: &RowOutcome) -> &'static str {
        match o {
            RowOutcome::Done => self.status_done,
            RowOutcome::Skipped(_) => self.status_skipped,
            RowOutcome::Failed(_) => self.status_failed,
            RowOutcome::Pending => self.status_pending,
        }
    }

    /// "190 rows can be imported; 10 rows have a problem and will be skipped."
    pub fn rows_summary(&self, valid: Count, invalid: Count) -> String {
        format!(
            "{}; {}",
            plural(&self.rows_valid, valid, &[]),
            plural(&self.rows_invalid, invalid, &[])
        )
    }

    /// "3 operations are in place; 1 is still missing."
    pub fn verify_result(&self, done: Count, missing: Count) -> String {
        format!(
            "{}; {}",
            plural(&self.verify_done, done, &[]),
            plural(&self.verify_missing, missing, &[])
        )
    }
}

impl ConfigTexts {
    /// The translated explanation of why the configuration can't be used.
    pub fn error(&self, error: &ConfigError) -> String {
        match error {
            ConfigError::NotFound => self.err_not_found.to_owned(),
            ConfigError::Http { status } => fill(self.err_http, &[("status", &status.to_string())]),
            ConfigError::Network { detail } => fill(self.err_network, &[("detail", detail)]),
            ConfigError::Html => self.err_html.to_owned(),
            ConfigError::Syntax {
                line,
                column,
                detail,
            } => fill(
                self.err_syntax,
                &[
                    ("line", &line.to_string()),
                    ("column", &column.to_string()),
                    ("detail", detail),
                ],
            ),
            ConfigError::Shape {
                line,
                column,
                detail,
            } => fill(
                self.err_shape,
                &[
                    ("line", &line.to_string()),
                    ("column", &column.to_string()),
                    ("detail", detail),
                ],
            ),
            ConfigError::MissingClientId => self.err_missing_client_id.to_owned(),
            ConfigError::ClientIdNotGuid { value } => {
                fill(self.err_client_id_not_guid, &[("value", value)])
            }
            ConfigError::MissingTenant => self.err_missing_tenant.to_owned(),
            ConfigError::InvalidTenant { value } => {
                fill(self.err_invalid_tenant, &[("value", value)])
            }
            ConfigError::BadAttribute { value } => {
                fill(self.err_bad_attribute, &[("value", value)])
            }
            ConfigError::BadUrl {
                key,
                value,
                problem,
            } => {
                let problem = match problem {
                    UrlProblem::NotAbsolute => self.url_not_absolute,
                    UrlProblem::NotHttps => self.url_not_https,
                    UrlProblem::Whitespace => self.url_whitespace,
                    UrlProblem::Credentials => self.url_credentials,
                    UrlProblem::QueryOrFragment => self.url_query_or_fragment,
                };
                fill(
                    self.err_bad_url,
                    &[
                        ("key", key.json_name()),
                        ("value", value),
                        ("problem", problem),
                    ],
                )
            }
        }
    }
}

impl Texts {
    /// One operation of the add-person plan in the admin's words.
    pub fn operation(&self, plan: &Plan, op: &Operation) -> String {
        match op {
            Operation::CreateContact {
                address,
                display_name,
                hidden,
                ..
            } => {
                let base = fill(
                    self.groups().op_create_contact,
                    &[("name", display_name), ("address", &address.to_string())],
                );
                if *hidden {
                    format!("{base} {}", self.groups().op_hidden)
                } else {
                    base
                }
            }
            Operation::InviteGuest {
                address,
                send_invitation: true,
                ..
            } => fill(
                self.groups().op_invite_mail,
                &[("address", &address.to_string())],
            ),
            Operation::InviteGuest { address, .. } => fill(
                self.groups().op_invite_quiet,
                &[("address", &address.to_string())],
            ),
            Operation::AddMember {
                group_name,
                member,
                group_id,
                ..
            } => {
                let kind = plan
                    .groups
                    .iter()
                    .find(|g| &g.id == group_id)
                    .map(|g| self.finder.kind(g.kind))
                    .unwrap_or_default();
                fill(
                    self.groups().op_add,
                    &[
                        ("address", &member.address.to_string()),
                        ("group", group_name),
                        ("kind", kind),
                    ],
                )
            }
            Operation::OpenExternalSenders { group_name, .. } => {
                fill(self.groups().op_open, &[("group", group_name)])
            }
            Operation::RemoveMember {
                group_name, member, ..
            } => fill(
                self.groups().op_remove,
                &[
                    ("address", &member.address.to_string()),
                    ("group", group_name),
                ],
            ),
            Operation::EditSenderList {
                group_name,
                kind,
                list,
                entry,
                add,
                ..
            } => {
                let g = self.groups();
                let param = list.parameter(*kind);
                match (list, add) {
                    (SenderList::AcceptMessagesOnlyFrom, true) => fill(
                        g.op_allow_sender,
                        &[("entry", entry), ("group", group_name)],
                    ),
                    (SenderList::AcceptMessagesOnlyFromDLMembers, true) => fill(
                        g.op_allow_members,
                        &[("entry", entry), ("group", group_name)],
                    ),
                    (SenderList::BypassModerationFromSendersOrMembers, true) => fill(
                        g.op_bypass_moderation,
                        &[("entry", entry), ("group", group_name)],
                    ),
                    (
                        SenderList::RejectMessagesFrom | SenderList::RejectMessagesFromDLMembers,
                        false,
                    ) => fill(
                        g.op_unblock,
                        &[("entry", entry), ("group", group_name), ("list", param)],
                    ),
                    (_, true) => fill(
                        g.op_list_add,
                        &[("entry", entry), ("group", group_name), ("list", param)],
                    ),
                    (_, false) => fill(
                        g.op_list_remove,
                        &[("entry", entry), ("group", group_name), ("list", param)],
                    ),
                }
            }
            // Worded as the Activity page words them.
            Operation::DeleteContact { .. }
            | Operation::DeleteGuest { .. }
            | Operation::RestoreGuest { .. }
            | Operation::ResendInvitation { .. }
            | Operation::EditContact { .. }
            | Operation::SetAccessUntil { .. } => self
                .activity()
                .action(&guestlist_core::activity::Action::from(op)),
        }
    }

    /// A column mapping's target: a person's field, or the Dutch last-name prefix column.
    pub fn map_target(&self, target: MapTarget) -> &'static str {
        match target {
            MapTarget::Email => self.person().field_email,
            MapTarget::DisplayName => self.person().field_display,
            MapTarget::FirstName => self.person().field_first,
            MapTarget::LastNamePrefix => self.import().field_prefix,
            MapTarget::LastName => self.person().field_last,
            MapTarget::Company => self.person().field_company,
            MapTarget::AccessUntil => self.person().field_until,
            MapTarget::Tenant => self.import().field_tenant,
        }
    }

    /// A CSV row's problem with its place: "Line 4, column 2 · E-mail address: …".
    pub fn row_issue(&self, i: &RowIssue) -> String {
        format!(
            "{} · {}",
            self.cell_place(i.line, i.column),
            self.person().field_error(&i.error)
        )
    }

    /// What reading changed in a CSV cell, with its place: "Line 4, column 2 · Display name: the
    /// line breaks became spaces …".
    pub fn row_note(&self, n: &RowNote) -> String {
        let change = match n.change {
            CellChange::LineBreaksJoined => fill(
                self.import().note_line_breaks,
                &[("field", self.person().person_field(n.field))],
            ),
        };
        format!("{} · {change}", self.cell_place(n.line, n.column))
    }

    /// "Line 4" or "Line 4, column 2" (`column` 0-based).
    fn cell_place(&self, line: u64, column: Option<usize>) -> String {
        let line = line.to_string();
        match column {
            Some(c) => fill(
                self.import().issue_place_column,
                &[("line", &line), ("column", &(c + 1).to_string())],
            ),
            None => fill(self.import().issue_place, &[("line", &line)]),
        }
    }

    /// Why the import skips a plan entry (the domain's `Display` is the English one).
    pub fn skip_reason(&self, r: &SkipReason) -> String {
        match r {
            SkipReason::AlreadyMember => self.import().skip_already_member.to_owned(),
            SkipReason::Invalid(problems) => {
                let parts: Vec<String> = problems
                    .iter()
                    .map(|p| self.person().field_error(p))
                    .collect();
                fill(
                    self.import().skip_invalid,
                    &[("problems", &parts.join("; "))],
                )
            }
            SkipReason::Duplicate { first_row } => fill(
                self.person().problem_duplicate,
                &[("line", &first_row.to_string())],
            ),
            SkipReason::DynamicGroup => self.import().skip_dynamic.to_owned(),
            SkipReason::OnPremisesSynced => self.import().skip_synced.to_owned(),
            SkipReason::ContactIntoM365 => self.import().skip_contact_m365.to_owned(),
        }
    }

    /// Why the add-person dialog adds nothing to `group`, as a sentence about the person.
    pub fn skip_in_group(&self, reason: &SkipReason, group: &str, address: &str) -> String {
        let args = [("group", group), ("address", address)];
        match reason {
            SkipReason::AlreadyMember => fill(self.groups().skip_already_member, &args),
            SkipReason::DynamicGroup => fill(self.groups().skip_dynamic, &args),
            SkipReason::OnPremisesSynced => fill(self.groups().skip_onprem, &args),
            SkipReason::ContactIntoM365 => fill(self.groups().skip_contact_m365, &args),
            other => self.skip_reason(other),
        }
    }

    /// The sentence for a kind of failure at `service`, without what the service said.
    pub fn failure_sentence(&self, kind: FailureKind, service: Service) -> String {
        self.failures.sentence(kind, service)
    }

    /// A failure's sentence in this language, with what the service said appended verbatim.
    pub fn compose_failure(
        &self,
        kind: FailureKind,
        service: Service,
        said: Option<&str>,
    ) -> String {
        self.failures.compose(kind, service, said)
    }

    /// A failure in this language (a message stored without a kind is shown as stored).
    pub fn failure(&self, f: &Failure) -> String {
        self.failures.render(f)
    }

    /// A change in this language.
    pub fn activity_action(&self, action: &Action) -> String {
        self.activity().action(action)
    }

    /// An entry's "what" in this language (as stored for entries from before typed actions).
    pub fn activity_what(&self, entry: &ActivityEntry) -> String {
        self.activity().what(entry)
    }

    /// An entry's detail in this language, or as stored where it isn't typed.
    pub fn activity_detail(&self, entry: &ActivityEntry) -> String {
        self.activity().detail(entry)
    }
}
