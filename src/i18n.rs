//! English and Dutch UI text through one typed catalogue.
//!
//! Every language is a `Texts` value: a struct literal with a field per text, so a missing
//! translation is a compile error, and the strings are plain `&'static str` in the wasm (no
//! runtime parsing, no catalogue files). Texts with values use `{name}` placeholders filled by
//! [`fill`]; a native test checks that both languages use the same placeholders.
//!
//! The reactive part ([`I18n`]) holds the current language in a signal provided as context.

use crate::config::{ConfigError, UrlProblem};
use guestlist_core::activity::{Action, ActivityTexts, Entry as ActivityEntry, ACTIVITY_EN};
use guestlist_core::domain::journal::{Failure, FailureKind, Service};
use guestlist_core::run::failure::{FailureTexts, FAILURES_EN};
use leptos::prelude::*;

/// Declares `Texts` and, for tests, a listing of its fields by name. A field is a plain text
/// unless marked `: Plural`, which makes it a [`Plural`] (a form for one and a form for other
/// counts).
macro_rules! texts {
    (@ty) => { &'static str };
    (@ty Plural) => { Plural };
    (@ty Failures) => { &'static FailureTexts };
    (@ty Activity) => { &'static ActivityTexts };
    ($($(#[doc = $doc:literal])* $field:ident $(: $plural:ident)?,)*) => {
        /// All UI text of one language.
        #[derive(Debug)]
        pub struct Texts {
            $($(#[doc = $doc])* pub $field: texts!(@ty $($plural)?),)*
        }

        impl Texts {
            /// `(field name, text)` for every text, in declaration order; a plural's forms are
            /// listed as `name.one` and `name.other`.
            #[cfg(test)]
            pub(crate) fn entries(&self) -> Vec<(String, &'static str)> {
                let mut out = Vec::new();
                $(TextForms::list(&self.$field, stringify!($field), &mut out);)*
                out
            }
        }
    };
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

/// `p`'s form for `n`, with `{count}` set to `n` and the other placeholders from `args`:
/// `plural(&t.gr_members_count, 1, &[])` is "1 member.".
pub fn plural(p: &Plural, n: u64, args: &[(&str, &str)]) -> String {
    let count = n.to_string();
    let mut all = Vec::with_capacity(args.len() + 1);
    all.push(("count", count.as_str()));
    all.extend_from_slice(args);
    fill(p.form(n), &all)
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
impl TextForms for &'static FailureTexts {
    fn list(&self, name: &str, out: &mut Vec<(String, &'static str)>) {
        for (field, text) in self.entries() {
            out.push((format!("{name}.{field}"), text));
        }
    }
}

#[cfg(test)]
impl TextForms for &'static ActivityTexts {
    fn list(&self, name: &str, out: &mut Vec<(String, &'static str)>) {
        for (field, text) in self.entries() {
            out.push((format!("{name}.{field}"), text));
        }
    }
}

#[cfg(test)]
impl TextForms for Plural {
    fn list(&self, name: &str, out: &mut Vec<(String, &'static str)>) {
        out.push((format!("{name}.one"), self.one));
        out.push((format!("{name}.other"), self.other));
    }
}

texts! {
    app_name,
    tagline,
    skip_to_content,
    /// Accessible name of the primary `<nav>`.
    nav_label,
    nav_groups,
    nav_import,
    nav_activity,
    nav_about,
    language_label,
    /// Shown in the sign-in slot while nobody is signed in.
    sign_in_status,
    sign_in,
    sign_in_popup,
    sign_out,
    /// While MSAL starts (and completes a redirect sign-in).
    auth_starting,
    signing_in,
    sign_in_failed,
    /// Accessible name of the signed-in account group in the header.
    account_label,
    account_tenant,
    simulated_tenant,
    simulated_tenant_hint,
    mode_heading_checking,
    mode_checking,
    mode_direct,
    mode_direct_body,
    mode_script,
    mode_unreachable,
    mode_unreachable_fix,
    mode_no_role,
    mode_no_role_fix,
    mode_exchange_failed,
    mode_exchange_failed_fix,
    graph_ready,
    graph_missing,
    graph_failed,
    mode_recheck,
    sign_in_again,
    loading,
    /// Document title suffix pattern: `{page} – Guestlist`.
    document_title,
    coming_heading,
    groups_title,
    groups_intro,
    groups_coming,
    import_title,
    import_intro,
    import_coming,
    // --- bulk import ---
    imp_file_heading,
    imp_file_label,
    imp_paste_label,
    imp_paste_button,
    imp_example_download,
    imp_example_hint,
    imp_pasted,
    imp_detected: Plural,
    imp_delim_comma,
    imp_delim_semicolon,
    imp_delim_tab,
    imp_no_header,
    imp_map_heading,
    imp_map_intro,
    imp_map_none,
    imp_map_need_email,
    imp_field_email,
    imp_field_display,
    imp_field_first,
    imp_field_prefix,
    imp_field_last,
    imp_field_company,
    imp_rows_heading,
    /// The rows summary is these two joined: "190 rows can be imported; 10 rows have a problem…".
    imp_rows_valid: Plural,
    imp_rows_invalid: Plural,
    imp_filter_label,
    imp_filter_all,
    imp_filter_every_row,
    imp_issues_label,
    imp_issue_place,
    imp_issue_place_column,
    imp_shown_of,
    imp_groups_heading,
    imp_sign_in_first,
    imp_group_search,
    imp_group_search_button,
    imp_group_results,
    imp_group_add,
    imp_group_remove,
    imp_add,
    imp_remove,
    imp_groups_chosen,
    imp_groups_none,
    imp_kind_dg,
    imp_kind_mesg,
    imp_kind_m365,
    imp_kind_security,
    imp_kind_dynamic,
    imp_kind_unknown,
    imp_plan_heading,
    imp_plan_button,
    imp_planning,
    imp_plan_intro,
    imp_totals_label,
    imp_warnings_label,
    imp_plan_caption,
    imp_out_create_contact,
    imp_out_reuse_contact,
    imp_out_invite_guest,
    imp_out_reuse_guest,
    imp_out_reuse_user,
    imp_out_already,
    imp_out_invalid,
    imp_out_duplicate,
    imp_out_not_possible,
    imp_warn_rejects,
    imp_warn_open_now,
    imp_warn_fix,
    imp_warn_unknown,
    imp_warn_dynamic,
    imp_warn_synced,
    imp_warn_guest_contact,
    imp_start,
    imp_start_script,
    imp_col_line,
    imp_col_address,
    imp_col_group,
    imp_col_action,
    imp_col_why,
    imp_col_status,
    imp_col_request,
    imp_run_heading,
    imp_progress_label,
    /// `{done} of {count} operations done`: the noun follows the total.
    imp_progress: Plural,
    imp_rate,
    imp_failed_count,
    imp_pause,
    imp_resume,
    imp_cancel,
    imp_resume_run,
    imp_new_import,
    imp_retry_failed,
    imp_state_interrupted,
    imp_state_starting,
    imp_state_running,
    imp_state_paused,
    imp_state_pausing: Plural,
    /// Row problems and skip reasons (typed in the domain, worded here).
    imp_problem_missing,
    imp_problem_too_long,
    imp_problem_control,
    imp_problem_duplicate,
    imp_addr_empty,
    imp_addr_whitespace,
    imp_addr_control,
    imp_addr_angle_brackets,
    imp_addr_mailto,
    imp_addr_multiple,
    imp_addr_missing_at,
    imp_addr_multiple_at,
    imp_addr_empty_local,
    imp_addr_empty_domain,
    imp_addr_quoted_local,
    imp_addr_non_ascii_local,
    imp_addr_local_char,
    imp_addr_part_local,
    imp_addr_part_domain,
    imp_addr_edge_dot,
    imp_addr_double_dot,
    imp_addr_comma,
    imp_addr_trailing_dot,
    imp_addr_local_too_long,
    imp_addr_too_long,
    imp_addr_domain_too_long,
    imp_addr_domain_no_dot,
    imp_addr_ip_literal,
    imp_addr_domain_char,
    imp_addr_label_hyphen,
    imp_addr_label_too_long,
    imp_addr_numeric_tld,
    imp_skip_already_member,
    imp_skip_invalid,
    imp_skip_dynamic,
    imp_skip_synced,
    imp_skip_contact_m365,
    imp_state_sign_in,
    imp_state_cancelling,
    imp_state_cancelled,
    imp_state_finished,
    imp_report_heading,
    imp_report_caption,
    imp_report_totals,
    imp_status_done,
    imp_status_skipped,
    imp_status_failed,
    imp_status_pending,
    imp_download_csv,
    imp_download_json,
    imp_script_heading,
    imp_script_intro,
    imp_script_label,
    imp_script_download,
    imp_verify,
    /// The verify result is these two joined: "3 operations are in place; 1 is still missing."
    imp_verify_done: Plural,
    imp_verify_missing: Plural,
    imp_error,
    /// The run's journal (IndexedDB) can't be kept; `{detail}` is the browser's words.
    imp_journal_failed,
    /// The script can't be written; `{detail}` says which value.
    imp_script_failed,
    // --- end bulk import ---
    activity_title,
    activity_intro,
    /// Above the table: how many of the log's changes are shown (`{shown}` of `{count}`).
    activity_showing: Plural,
    /// Shows the next page of older changes.
    activity_show_more,
    activity_coming,
    about_title,
    about_intro,
    about_privacy,
    about_installation,
    about_client_id,
    about_tenant,
    about_authority,
    about_graph,
    about_exchange,
    about_redirect,
    not_found_title,
    not_found_body,
    not_found_home,
    footer_note,
    config_title,
    config_problem,
    config_fix,
    config_fix_intro,
    config_keys_intro,
    config_example_label,
    key_client_id,
    key_tenant_id,
    key_authority,
    key_redirect_uri,
    key_graph_base_url,
    key_exchange_base_url,
    config_reload_hint,
    config_reload,
    err_not_found,
    err_http,
    err_network,
    err_html,
    err_syntax,
    err_shape,
    err_missing_client_id,
    err_client_id_not_guid,
    err_missing_tenant,
    err_invalid_tenant,
    err_bad_url,
    url_not_absolute,
    url_not_https,
    url_whitespace,
    url_credentials,
    url_query_or_fragment,
    // --- groups workflow ---
    gr_sign_in_first,
    gr_kind_distribution,
    gr_kind_mail_security,
    gr_kind_m365,
    gr_kind_security,
    gr_kind_dynamic,
    gr_request_id,
    gr_raw_detail,
    gr_script_label,
    gr_copy,
    gr_download,
    gr_open_cloud_shell,
    gr_copied,
    gr_copy_failed,
    gr_finder_heading,
    gr_search_label,
    gr_search_placeholder,
    gr_searching,
    gr_search_failed,
    gr_found_none,
    gr_found_count: Plural,
    gr_found_all: Plural,
    gr_exchange_part_failed,
    gr_results_label,
    gr_ext_allowed_short,
    gr_ext_rejected_short,
    gr_ext_heading,
    gr_ext_allowed,
    gr_ext_rejected,
    gr_ext_rejected_dynamic,
    gr_ext_unknown_exchange,
    gr_ext_unknown_m365,
    gr_ext_not_applicable,
    gr_ext_fix,
    gr_ext_fix_script,
    gr_ext_fixed,
    gr_ext_needs_group_rw,
    gr_ext_consent,
    gr_working,
    gr_member_user,
    gr_member_guest,
    gr_member_contact,
    gr_member_group,
    gr_member_other,
    gr_members_heading,
    gr_members_count: Plural,
    /// `{shown} of {count} members match`: the form follows the total.
    gr_members_filtered: Plural,
    gr_members_loading_more,
    gr_filter_label,
    gr_export_csv,
    gr_export_json,
    gr_remove,
    gr_remove_named,
    gr_remove_title,
    gr_remove_body,
    gr_remove_confirm,
    gr_remove_script_intro,
    /// A member with no address (a device, a group without mail) can't be named in a change.
    gr_remove_unnamed,
    gr_removed,
    gr_cancel,
    gr_close,
    gr_back,
    gr_add_title,
    gr_add_route_contact,
    gr_add_route_guest,
    gr_add_route_security,
    gr_field_email,
    gr_field_display,
    gr_field_first,
    gr_field_last,
    gr_field_company,
    gr_field_hide,
    gr_field_hide_why,
    gr_field_send_invitation,
    gr_review_plan,
    gr_planning,
    gr_plan_heading,
    gr_plan_direct,
    gr_plan_script,
    gr_make_changes,
    gr_make_changes_script,
    gr_running,
    gr_op_create_contact,
    gr_op_hidden,
    gr_op_invite_mail,
    gr_op_invite_quiet,
    gr_op_add,
    gr_op_open,
    gr_step_reuse_contact,
    gr_step_reuse_guest,
    gr_step_reuse_user,
    gr_skip_already_member,
    gr_skip_dynamic,
    gr_skip_onprem,
    gr_skip_contact_m365,
    gr_warn_rejects,
    gr_warn_unknown,
    gr_warn_contact_holds_address,
    gr_offer_open,
    gr_result_heading,
    gr_result_done,
    gr_result_failed,
    gr_result_script,
    gr_status_done,
    gr_status_already,
    gr_status_failed,
    gr_status_script,
    gr_status_missing,
    gr_status_cannot_check,
    gr_script_heading,
    gr_script_intro,
    gr_verify,
    gr_verifying,
    gr_verify_heading,
    gr_verify_all_done,
    gr_verify_some_missing,
    gr_back_to_groups,
    gr_group_loading,
    gr_group_failed,
    gr_details_heading,
    gr_dynamic_explain,
    gr_dynamic_rule,
    gr_onprem_explain,
    gr_mode_script,
    gr_mode_no_role,
    gr_add_person,
    gr_add_person_as,
    gr_activity_clear,
    gr_activity_empty,
    gr_col_when,
    gr_col_what,
    gr_col_group,
    gr_col_result,
    /// Member count in a finder result: "1 member", "12 members".
    gr_result_members: Plural,
    // --- end groups workflow ---
    // --- failures ---
    /// A failure's sentence per kind (`FailureKind`), see `run::failure::FailureTexts`; the
    /// English ones are the core's `FAILURES_EN`, which journals and exports keep.
    failures: Failures,
    // --- end failures ---
    // --- activity log ---
    /// What a change was and why it was skipped (`activity::ActivityTexts`); the English ones
    /// are the core's `ACTIVITY_EN`, which the log and its exports keep.
    activity: Activity,
    // --- end activity log ---
}

pub static EN: Texts = Texts {
    app_name: "Guestlist",
    tagline: "External people in Microsoft 365 mail groups",
    skip_to_content: "Skip to main content",
    nav_label: "Main navigation",
    nav_groups: "Groups",
    nav_import: "Import",
    nav_activity: "Activity",
    nav_about: "About",
    language_label: "Language",
    sign_in_status: "Not signed in",
    sign_in: "Sign in",
    sign_in_popup: "Sign in in a popup window",
    sign_out: "Sign out",
    auth_starting: "Checking sign-in…",
    signing_in: "Signing in…",
    sign_in_failed: "Sign-in failed: {detail}",
    account_label: "Signed-in account",
    account_tenant: "Tenant {tenant}",
    simulated_tenant: "Simulated tenant (demo)",
    simulated_tenant_hint: "You sign in to a simulated Microsoft 365 tenant running on this computer over plain HTTP. Nothing here reaches Microsoft.",
    mode_heading_checking: "Checking what Guestlist can do",
    mode_checking: "Checking Microsoft Graph and Exchange Online from this browser…",
    mode_direct: "Direct mode",
    mode_direct_body: "Guestlist makes the Exchange changes itself.",
    mode_script: "Script mode",
    mode_unreachable: "Exchange can't be reached from this browser ({detail}). Guestlist does the Microsoft Graph steps itself and gives you a PowerShell script for the Exchange steps.",
    mode_unreachable_fix: "To let Guestlist make the Exchange changes itself, put a CORS-enabled gateway in front of Exchange Online and set exchangeBaseUrl in config.json to its address. Until then, run the generated script in Azure Cloud Shell or in PowerShell with the ExchangeOnlineManagement module.",
    mode_no_role: "Exchange writes unavailable: your account has no Exchange Recipient Management role.",
    mode_no_role_fix: "Guestlist can read Exchange with this account but can't create mail contacts or change distribution group members. Ask an Exchange administrator to add you to the Recipient Management role group, or give the generated PowerShell script to someone who is in it.",
    mode_exchange_failed: "Exchange answered with an error, so Guestlist can't tell whether it may make changes there: {detail}",
    mode_exchange_failed_fix: "Guestlist does the Microsoft Graph steps itself and gives you a PowerShell script for the Exchange steps. Check again later, or quote the request ID above to Microsoft support.",
    graph_ready: "Microsoft Graph: connected, all permissions granted.",
    graph_missing: "Microsoft Graph: these permissions were not granted: {scopes}. Ask a Global Administrator to grant admin consent for Guestlist in Microsoft Entra ID.",
    graph_failed: "Microsoft Graph can't be used: {detail}",
    mode_recheck: "Check again",
    sign_in_again: "Sign in again",
    loading: "Loading configuration…",
    document_title: "{page} – Guestlist",
    coming_heading: "Coming here",
    groups_title: "Groups",
    groups_intro: "Find a distribution list, mail-enabled security group or Microsoft 365 group and see who is in it.",
    groups_coming: "Search your tenant's mail groups, see their external members, and add people as mail contacts or guests, with a plan shown before anything changes.",
    import_title: "Import",
    import_intro: "Add many external people at once from a CSV file.",
    import_coming: "Upload a CSV file of names and addresses, review the plan row by row, run it, and retry only the rows that failed.",
    // --- bulk import ---
    imp_file_heading: "1. The file",
    imp_file_label: "CSV file (comma, semicolon or tab separated)",
    imp_paste_label: "Or paste rows (with a header line, or only addresses)",
    imp_paste_button: "Read the pasted rows",
    imp_example_download: "Download an example file",
    imp_example_hint: "Fill it in Excel and save it as CSV; the column names are recognised.",
    imp_pasted: "pasted rows",
    imp_detected: Plural {
        one: "{name}: {count} row, {encoding}, separated by {delimiter}.",
        other: "{name}: {count} rows, {encoding}, separated by {delimiter}.",
    },
    imp_delim_comma: "commas",
    imp_delim_semicolon: "semicolons",
    imp_delim_tab: "tabs",
    imp_no_header: "The file has no header line, so its columns are numbered.",
    imp_map_heading: "2. Columns",
    imp_map_intro: "Choose the column for each field. Recognised English and Dutch column names are filled in already.",
    imp_map_none: "(not in the file)",
    imp_map_need_email: "Choose the column that holds the e-mail address.",
    imp_field_email: "E-mail address",
    imp_field_display: "Display name",
    imp_field_first: "First name",
    imp_field_prefix: "Last name prefix",
    imp_field_last: "Last name",
    imp_field_company: "Company",
    imp_rows_heading: "3. Rows",
    imp_rows_valid: Plural {
        one: "{count} row can be imported",
        other: "{count} rows can be imported",
    },
    imp_rows_invalid: Plural {
        one: "{count} row has a problem and will be skipped.",
        other: "{count} rows have a problem and will be skipped.",
    },
    imp_filter_label: "Show",
    imp_filter_all: "problems in any field",
    imp_filter_every_row: "every row",
    imp_issues_label: "Problems per row",
    imp_issue_place: "Line {line}",
    imp_issue_place_column: "Line {line}, column {column}",
    imp_shown_of: "Showing {shown} of {total}; the downloads hold all of them.",
    imp_groups_heading: "4. Groups",
    imp_sign_in_first: "Sign in to choose groups and run the import.",
    imp_group_search: "Find a group",
    imp_group_search_button: "Search",
    imp_group_results: "Groups found",
    imp_group_add: "Add {name} as a target",
    imp_group_remove: "Remove {name} from the targets",
    imp_add: "Add",
    imp_remove: "Remove",
    imp_groups_chosen: "Chosen groups",
    imp_groups_none: "No group chosen yet.",
    imp_kind_dg: "distribution group",
    imp_kind_mesg: "mail-enabled security group",
    imp_kind_m365: "Microsoft 365 group",
    imp_kind_security: "security group",
    imp_kind_dynamic: "dynamic distribution group",
    imp_kind_unknown: "unknown kind",
    imp_plan_heading: "5. Plan",
    imp_plan_button: "Prepare the plan",
    imp_planning: "Reading contacts, guests and members…",
    imp_plan_intro: "Nothing has changed yet. This is what the run will do:",
    imp_totals_label: "Totals",
    imp_warnings_label: "Warnings",
    imp_plan_caption: "The plan, row by row",
    imp_out_create_contact: "create contact",
    imp_out_reuse_contact: "reuse contact",
    imp_out_invite_guest: "invite guest",
    imp_out_reuse_guest: "reuse guest",
    imp_out_reuse_user: "existing user",
    imp_out_already: "already a member (skip)",
    imp_out_invalid: "invalid",
    imp_out_duplicate: "duplicate",
    imp_out_not_possible: "not possible",
    imp_warn_rejects: "{group} rejects mail from outside the organisation: external people would get bounce 5.7.133.",
    imp_warn_open_now: "Open {group} to external senders now",
    imp_warn_fix: "Open {group} to external senders in this run",
    imp_warn_unknown: "Whether {group} accepts external senders can't be read from here; the script checks it.",
    imp_warn_dynamic: "{group} chooses its members by a rule; its rows are skipped.",
    imp_warn_synced: "{group} is synchronised from on-premises Active Directory; its rows are skipped.",
    imp_warn_guest_contact: "Line {line}: a guest is invited for an address a mail contact already holds.",
    imp_start: "Start the run",
    imp_start_script: "Run the Graph steps and make the script",
    imp_col_line: "Line",
    imp_col_address: "Address",
    imp_col_group: "Group",
    imp_col_action: "Action",
    imp_col_why: "Why",
    imp_col_status: "Result",
    imp_col_request: "Request id",
    imp_run_heading: "Run",
    imp_progress_label: "Progress of the run",
    imp_progress: Plural {
        one: "{done} of {count} operation done",
        other: "{done} of {count} operations done",
    },
    imp_rate: "{rate} per second, about {eta} left.",
    imp_failed_count: "{failed} failed.",
    imp_pause: "Pause",
    imp_resume: "Resume",
    imp_cancel: "Cancel",
    imp_resume_run: "Resume the import",
    imp_new_import: "New import",
    imp_retry_failed: "Retry failed rows",
    imp_state_interrupted: "This import stopped before it finished (the page was closed or reloaded). Resume it: whatever was under way is checked first, nothing is done twice.",
    imp_state_starting: "Starting…",
    imp_state_running: "Running",
    imp_state_paused: "Paused",
    imp_state_pausing: Plural {
        one: "Pausing: {count} operation already under way finishes first…",
        other: "Pausing: {count} operations already under way finish first…",
    },
    imp_problem_missing: "missing",
    imp_problem_too_long: "too long: {len} characters, at most {max}",
    imp_problem_control: "contains an invisible control character (U+{code}) at position {position}",
    imp_problem_duplicate: "the same address is already on line {line}",
    imp_addr_empty: "the address is empty",
    imp_addr_whitespace: "the address contains a space or other whitespace at position {position}",
    imp_addr_control: "the address contains an invisible control character (U+{code}) at position {position}",
    imp_addr_angle_brackets: "the address contains angle brackets: enter only the address, e.g. jan@example.com, not a name with <address>",
    imp_addr_mailto: "remove the \"mailto:\" in front of the address",
    imp_addr_multiple: "the cell holds {count} addresses; enter one address per row",
    imp_addr_missing_at: "the address has no @",
    imp_addr_multiple_at: "the address has {count} @ signs; it must have exactly one",
    imp_addr_empty_local: "there is nothing before the @",
    imp_addr_empty_domain: "there is nothing after the @",
    imp_addr_quoted_local: "quoted names before the @ (\"…\"@domain) are not accepted by Exchange",
    imp_addr_non_ascii_local: "the part before the @ has characters outside A–Z, 0–9 and ordinary punctuation (found '{ch}'); Exchange doesn't accept them there",
    imp_addr_local_char: "the part before the @ contains '{ch}', which is not allowed in an address",
    imp_addr_part_local: "the part before the @",
    imp_addr_part_domain: "the domain",
    imp_addr_edge_dot: "{part} starts or ends with a dot",
    imp_addr_double_dot: "{part} has two dots in a row",
    imp_addr_comma: "the address contains a comma; did you mean a dot? ({suggestion})",
    imp_addr_trailing_dot: "the address ends with a dot",
    imp_addr_local_too_long: "the part before the @ is {len} characters long; at most {max} are allowed",
    imp_addr_too_long: "the address is {len} characters long; at most {max} are allowed",
    imp_addr_domain_too_long: "the domain is {len} characters long; at most {max} are allowed",
    imp_addr_domain_no_dot: "the domain \"{domain}\" has no dot; a full domain such as example.com is needed",
    imp_addr_ip_literal: "IP addresses in brackets are not accepted as a domain",
    imp_addr_domain_char: "the domain contains '{ch}', which is not allowed in a domain name",
    imp_addr_label_hyphen: "the domain part \"{label}\" starts or ends with a hyphen",
    imp_addr_label_too_long: "the domain part \"{label}\" is {len} characters long; at most {max} are allowed",
    imp_addr_numeric_tld: "the domain ends in \"{tld}\", which is a number, not a top-level domain",
    imp_skip_already_member: "already a member",
    imp_skip_invalid: "invalid: {problems}",
    imp_skip_dynamic: "dynamic distribution groups choose their members by a rule; members can't be added by hand",
    imp_skip_synced: "this group is synchronised from on-premises Active Directory; change its members there",
    imp_skip_contact_m365: "Microsoft 365 groups can't contain mail contacts, and inviting guests is switched off",
    imp_state_sign_in: "Paused: sign in again, then resume.",
    imp_state_cancelling: "Cancelling: waiting for requests already sent…",
    imp_state_cancelled: "Cancelled",
    imp_state_finished: "Finished",
    imp_report_heading: "Report",
    imp_report_caption: "Every row and what happened",
    imp_report_totals: "{done} done, {skipped} skipped, {failed} failed, {pending} pending.",
    imp_status_done: "done",
    imp_status_skipped: "skipped",
    imp_status_failed: "failed",
    imp_status_pending: "pending",
    imp_download_csv: "Download the report (CSV)",
    imp_download_json: "Download the audit file (JSON)",
    imp_script_heading: "PowerShell for the Exchange steps",
    imp_script_intro: "Exchange can't be reached from this browser. Run this script in Azure Cloud Shell (or PowerShell with the ExchangeOnlineManagement module), then choose Verify.",
    imp_script_label: "Script",
    imp_script_download: "Download the script",
    imp_verify: "Verify",
    imp_verify_done: Plural {
        one: "{count} operation is in place",
        other: "{count} operations are in place",
    },
    imp_verify_missing: Plural {
        one: "{count} is still missing.",
        other: "{count} are still missing.",
    },
    imp_error: "Something went wrong: {detail}",
    imp_journal_failed: "This browser could not keep the run's record ({detail}), so the run stopped rather than change anything unrecorded. Free some storage or leave private browsing, then resume.",
    imp_script_failed: "The script could not be written: {detail}",
    // --- end bulk import ---
    activity_title: "Activity",
    activity_intro: "What Guestlist did from this browser, row by row.",
    activity_showing: Plural {
        one: "{shown} of {count} change, newest first.",
        other: "{shown} of {count} changes, newest first.",
    },
    activity_show_more: "Show older changes",
    activity_coming: "Every run with each row marked done, skipped or failed, with the reason and the service's request ID, and an export of the report.",
    about_title: "About Guestlist",
    about_intro: "Guestlist helps Microsoft 365 admins let external people receive a group's mail: as a mail contact in a distribution list, or as a guest in a Microsoft 365 group.",
    about_privacy: "It runs entirely in your browser and talks to Microsoft Graph and Exchange Online directly, with your own sign-in. There is no server of ours in between.",
    about_installation: "This installation",
    about_client_id: "Application (client) ID",
    about_tenant: "Tenant",
    about_authority: "Sign-in authority",
    about_graph: "Microsoft Graph",
    about_exchange: "Exchange Online",
    about_redirect: "Redirect URI",
    not_found_title: "Page not found",
    not_found_body: "There is nothing at this address.",
    not_found_home: "Go to Groups",
    footer_note: "Runs in your browser and talks to Microsoft 365 directly.",
    config_title: "Guestlist can't start: check config.json",
    config_problem: "What is wrong",
    config_fix: "What to put there",
    config_fix_intro: "Place a file named config.json next to index.html on the web server, for example:",
    config_keys_intro: "The keys (names are case-sensitive):",
    config_example_label: "Example config.json",
    key_client_id: "required: the Application (client) ID of your app registration in Microsoft Entra ID.",
    key_tenant_id: "required: your tenant's directory ID (a GUID), one of its domains, or organizations.",
    key_authority: "optional, default https://login.microsoftonline.com.",
    key_redirect_uri: "optional, default redirect.html next to index.html (the sign-in page returns there); register it as a single-page application redirect URI.",
    key_graph_base_url: "optional, default https://graph.microsoft.com.",
    key_exchange_base_url: "optional, default https://outlook.office365.com; point it at your gateway if one stands in front of Exchange Online.",
    config_reload_hint: "Save the file, then reload this page.",
    config_reload: "Reload",
    err_not_found: "There is no config.json next to index.html (the server answered 404 Not Found).",
    err_http: "The server answered HTTP {status} when asked for config.json.",
    err_network: "config.json could not be fetched: {detail}",
    err_html: "The server sent a web page instead of config.json. The file is probably missing and the server answered with the app's page in its place.",
    err_syntax: "config.json is not valid JSON: line {line}, column {column} ({detail}).",
    err_shape: "config.json must be one JSON object whose values are texts in quotes; line {line}, column {column}: {detail}.",
    err_missing_client_id: "clientId is missing. Copy the Application (client) ID from your app registration in Microsoft Entra ID.",
    err_client_id_not_guid: "clientId \"{value}\" is not an Application (client) ID, which looks like 00000000-0000-0000-0000-000000000000.",
    err_missing_tenant: "tenantId is missing. Use your tenant's directory ID, one of its domains (such as contoso.onmicrosoft.com) or organizations.",
    err_invalid_tenant: "tenantId \"{value}\" is not a directory ID, a domain name or organizations. (common and consumers are refused: personal Microsoft accounts can't manage a tenant.)",
    err_bad_url: "{key} \"{value}\" can't be used: {problem}",
    url_not_absolute: "it must be a full address starting with https://, such as https://graph.microsoft.com.",
    url_not_https: "it must start with https:// (plain http:// is only accepted for this computer: localhost or 127.0.0.1).",
    url_whitespace: "it contains spaces or invisible characters.",
    url_credentials: "it contains a user name or password; remove the part up to and including @.",
    url_query_or_fragment: "remove the part from ? or # onwards.",
    // --- groups workflow ---
    gr_sign_in_first: "Sign in to find groups and see their members.",
    gr_kind_distribution: "Distribution group",
    gr_kind_mail_security: "Mail-enabled security group",
    gr_kind_m365: "Microsoft 365 group",
    gr_kind_security: "Security group",
    gr_kind_dynamic: "Dynamic distribution group",
    gr_request_id: "Request id:",
    gr_raw_detail: "Technical detail",
    gr_script_label: "PowerShell script",
    gr_copy: "Copy",
    gr_download: "Download",
    gr_open_cloud_shell: "Open Azure Cloud Shell",
    gr_copied: "Copied to the clipboard.",
    gr_copy_failed: "Could not copy:",
    gr_finder_heading: "Find a group",
    gr_search_label: "Search groups by name",
    gr_search_placeholder: "e.g. Sales",
    gr_searching: "Searching…",
    gr_search_failed: "The search failed.",
    gr_found_none: "No groups found for “{query}”.",
    gr_found_count: Plural {
        one: "{count} group found for “{query}”.",
        other: "{count} groups found for “{query}”.",
    },
    gr_found_all: Plural {
        one: "{count} group.",
        other: "{count} groups.",
    },
    gr_exchange_part_failed: "Exchange could not add dynamic groups and sender settings:",
    gr_results_label: "Groups found",
    gr_ext_allowed_short: "accepts external mail",
    gr_ext_rejected_short: "internal senders only",
    gr_ext_heading: "Mail from outside the organisation",
    gr_ext_allowed: "{group} accepts mail from outside the organisation.",
    gr_ext_rejected: "{group} accepts mail only from inside the organisation: external people who write to it get bounce 5.7.133 (\"the group only accepts messages from people in its own organization\").",
    gr_ext_rejected_dynamic: "{group} accepts mail only from inside the organisation (external senders get bounce 5.7.133); dynamic groups are read-only here.",
    gr_ext_unknown_exchange: "Exchange keeps whether {group} accepts outside mail, and it can't be read from this browser. If external senders get bounce 5.7.133, open it with the script below (harmless if already open).",
    gr_ext_unknown_m365: "Could not read whether {group} accepts outside mail. If external senders get bounce 5.7.133, open it.",
    gr_ext_not_applicable: "Security groups have no mail address, so outside mail doesn't apply.",
    gr_ext_fix: "Open to external senders",
    gr_ext_fix_script: "Show the script that opens it",
    gr_ext_fixed: "Done: the group now accepts mail from outside the organisation.",
    gr_ext_needs_group_rw: "Opening a Microsoft 365 group needs one more permission, Group.ReadWrite.All, which Guestlist asks only when it is needed. Microsoft will ask you to consent in a new window; then the group is opened.",
    gr_ext_consent: "Consent and open the group",
    gr_working: "Working…",
    gr_member_user: "User",
    gr_member_guest: "Guest",
    gr_member_contact: "Mail contact",
    gr_member_group: "Group",
    gr_member_other: "Other",
    gr_members_heading: "Members",
    gr_members_count: Plural {
        one: "{count} member.",
        other: "{count} members.",
    },
    gr_members_filtered: Plural {
        one: "{shown} of {count} member matches the filter.",
        other: "{shown} of {count} members match the filter.",
    },
    gr_members_loading_more: "Loading more…",
    gr_filter_label: "Filter members",
    gr_export_csv: "Export CSV",
    gr_export_json: "Export JSON",
    gr_remove: "Remove",
    gr_remove_named: "Remove {name}",
    gr_remove_title: "Remove {name} from {group}?",
    gr_remove_body: "They stop receiving the group's mail. Their contact or guest account itself is kept.",
    gr_remove_confirm: "Remove member",
    gr_remove_script_intro: "Exchange can't be reached from this browser. Run this in PowerShell to remove the member:",
    gr_remove_unnamed: "{name} has no mail address or user name, so Guestlist can't name it in a change. Remove it in the Microsoft Entra admin center.",
    gr_removed: "Removed {name} from {group}.",
    gr_cancel: "Cancel",
    gr_close: "Close",
    gr_back: "Back",
    gr_add_title: "Add an external person to {group}",
    gr_add_route_contact: "The person becomes a mail contact (an address without an account) and a member of this group.",
    gr_add_route_guest: "Microsoft 365 groups can't hold mail contacts: the person is invited as a guest and added as a member.",
    gr_add_route_security: "The person becomes a mail contact and is added to this security group through Microsoft Graph.",
    gr_field_email: "E-mail address",
    gr_field_display: "Display name",
    gr_field_first: "First name (optional)",
    gr_field_last: "Last name (optional)",
    gr_field_company: "Company (optional)",
    gr_field_hide: "Hide from address lists",
    gr_field_hide_why: "On by default: the contact exists so that the group's mail reaches this person, not to appear in every employee's address book.",
    gr_field_send_invitation: "Let Microsoft send its invitation mail",
    gr_review_plan: "Review the plan",
    gr_planning: "Looking up this address in the tenant…",
    gr_plan_heading: "What will happen",
    gr_plan_direct: "Nothing has changed yet. Guestlist makes these changes when you confirm.",
    gr_plan_script: "Nothing has changed yet. The Microsoft Graph steps run from here; the Exchange steps become a PowerShell script for you to run.",
    gr_make_changes: "Make these changes",
    gr_make_changes_script: "Run the Graph steps and create the script",
    gr_running: "Making the changes…",
    gr_op_create_contact: "Create mail contact {name} <{address}>.",
    gr_op_hidden: "(hidden from address lists)",
    gr_op_invite_mail: "Invite {address} as a guest, with Microsoft's invitation mail.",
    gr_op_invite_quiet: "Invite {address} as a guest (no invitation mail).",
    gr_op_add: "Add {address} to {group} ({kind}).",
    gr_op_open: "Let {group} receive mail from outside the organisation.",
    gr_step_reuse_contact: "Use the existing mail contact for {address} (no duplicate is created).",
    gr_step_reuse_guest: "Use the existing guest {address} (no new invitation).",
    gr_step_reuse_user: "Use the existing user {address}.",
    gr_skip_already_member: "{address} is already a member of {group}: nothing to do.",
    gr_skip_dynamic: "{group} is a dynamic group: a rule chooses its members, so people can't be added by hand.",
    gr_skip_onprem: "{group} is synchronised from on-premises Active Directory: change its members there.",
    gr_skip_contact_m365: "Microsoft 365 groups can't contain mail contacts, and inviting guests is switched off.",
    gr_warn_rejects: "Warning: {group} rejects mail from external senders (they get bounce 5.7.133).",
    gr_warn_unknown: "Whether {group} accepts outside mail can't be read from this browser.",
    gr_warn_contact_holds_address: "A mail contact already holds this address; the new guest may not get it as its mail address while the contact exists.",
    gr_offer_open: "Also open {group} to external senders",
    gr_result_heading: "Result",
    gr_result_done: "Done: {address} is a member of {group}.",
    gr_result_failed: "Not everything worked for {address}; see below.",
    gr_result_script: "The Graph steps are done. Run the script below for the Exchange steps, then press Verify.",
    gr_status_done: "Done:",
    gr_status_already: "Already so:",
    gr_status_failed: "Failed:",
    gr_status_script: "In the script:",
    gr_status_missing: "Still missing:",
    gr_status_cannot_check: "Can't check:",
    gr_script_heading: "PowerShell for the Exchange steps",
    gr_script_intro: "Run it in PowerShell with the ExchangeOnlineManagement module, e.g. in Azure Cloud Shell. It checks before it changes anything, so running it twice is harmless.",
    gr_verify: "Verify",
    gr_verifying: "Checking the tenant…",
    gr_verify_heading: "Verification",
    gr_verify_all_done: "Every step is done.",
    gr_verify_some_missing: "Some steps are still missing; run the script, then verify again.",
    gr_back_to_groups: "← All groups",
    gr_group_loading: "Loading the group…",
    gr_group_failed: "The group could not be loaded",
    gr_details_heading: "Details",
    gr_dynamic_explain: "A rule chooses this group's members, so members can't be added or removed by hand. To include an external person, change the rule in Exchange, or use a regular distribution group.",
    gr_dynamic_rule: "Rule:",
    gr_onprem_explain: "This group is synchronised from on-premises Active Directory: change its members there.",
    gr_mode_script: "Script mode: Exchange can't be reached from this browser, so Exchange changes come as a PowerShell script for you to run.",
    gr_mode_no_role: "Your account has no Exchange Recipient Management role, so Guestlist can't make Exchange changes for you: they come as a PowerShell script for someone with that role to run.",
    gr_add_person: "Add an external person",
    gr_add_person_as: "Routed for a {kind}.",
    gr_activity_clear: "Clear the log",
    gr_activity_empty: "No changes made from this browser yet.",
    gr_col_when: "When",
    gr_col_what: "What",
    gr_col_group: "Group",
    gr_col_result: "Result",
    gr_result_members: Plural {
        one: "{count} member",
        other: "{count} members",
    },
    // --- end groups workflow ---
    // --- failures ---
    failures: &FAILURES_EN,
    // --- end failures ---
    // --- activity log ---
    activity: &ACTIVITY_EN,
    // --- end activity log ---
};

static FAILURES_NL: FailureTexts = FailureTexts {
    not_found: "Het object is niet gevonden: het is misschien verwijderd, of nog niet zichtbaar.",
    already_member: "Al lid van de groep: er hoeft niets te veranderen.",
    not_member: "Geen lid (meer) van de groep: er valt niets te verwijderen.",
    already_exists: "De naam of het adres is al in gebruik bij een andere ontvanger.",
    ambiguous: "Er komt meer dan één object overeen; kies het aan de hand van het adres.",
    mail_enabled_group: "De leden van deze groep kunnen alleen via Exchange worden gewijzigd.",
    forbidden: "U heeft hier geen rechten voor: uw account mist een machtiging of beheerdersrol.",
    unknown_command: "Exchange weigerde de opdracht: uw beheerdersrol omvat deze niet.",
    throttled: "{service} bleef vragen om het rustiger aan te doen; probeer de mislukte rijen over een paar minuten opnieuw.",
    unavailable: "{service} was niet beschikbaar; probeer de mislukte rijen over een paar minuten opnieuw.",
    connection_lost: "Geen antwoord van {service} (de verbinding is verbroken). Misschien is het wel gebeurd, misschien niet; bij het opnieuw proberen van de mislukte rijen wordt dat eerst gecontroleerd.",
    sign_in_again: "Uw aanmelding is verlopen of geweigerd: meld u opnieuw aan en probeer het dan nog eens.",
    refused: "{service} kon het verzoek niet uitvoeren.",
    unexpected: "Het verzoek aan {service} is op een onverwachte manier mislukt.",
    service_said: "De service meldde: {said}",
    detail: "Details: {detail}",
};

static ACTIVITY_NL: ActivityTexts = ActivityTexts {
    create_contact: "E-mailcontact {name} <{address}> aanmaken",
    invite_guest: "{address} als gast uitnodigen",
    add_member: "{member} toevoegen aan {group}",
    remove_member: "{member} uit {group} verwijderen",
    open_to_external_senders: "{group} mail van buiten de organisatie laten ontvangen",
    already_done: "was al zo",
    in_script: "overgedragen als PowerShell-script",
    confirmed_by_verify: "bevestigd door Controleren nadat het script was uitgevoerd",
    failures: &FAILURES_NL,
};

pub static NL: Texts = Texts {
    app_name: "Guestlist",
    tagline: "Externe personen in Microsoft 365-e-mailgroepen",
    skip_to_content: "Direct naar de hoofdinhoud",
    nav_label: "Hoofdnavigatie",
    nav_groups: "Groepen",
    nav_import: "Importeren",
    nav_activity: "Activiteit",
    nav_about: "Over",
    language_label: "Taal",
    sign_in_status: "Niet aangemeld",
    sign_in: "Aanmelden",
    sign_in_popup: "Aanmelden in een pop-upvenster",
    sign_out: "Afmelden",
    auth_starting: "Aanmelding wordt gecontroleerd…",
    signing_in: "Bezig met aanmelden…",
    sign_in_failed: "Aanmelden is mislukt: {detail}",
    account_label: "Aangemeld account",
    account_tenant: "Tenant {tenant}",
    simulated_tenant: "Gesimuleerde tenant (demo)",
    simulated_tenant_hint: "U meldt zich aan bij een gesimuleerde Microsoft 365-tenant die op deze computer draait, via gewoon HTTP. Niets hiervan bereikt Microsoft.",
    mode_heading_checking: "Nagaan wat Guestlist kan doen",
    mode_checking: "Microsoft Graph en Exchange Online worden vanuit deze browser gecontroleerd…",
    mode_direct: "Directe modus",
    mode_direct_body: "Guestlist voert de wijzigingen in Exchange zelf uit.",
    mode_script: "Scriptmodus",
    mode_unreachable: "Exchange is vanuit deze browser niet bereikbaar ({detail}). Guestlist voert de stappen in Microsoft Graph zelf uit en geeft u een PowerShell-script voor de stappen in Exchange.",
    mode_unreachable_fix: "Wilt u dat Guestlist de wijzigingen in Exchange zelf uitvoert, zet dan een gateway met CORS vóór Exchange Online en vul het adres ervan in bij exchangeBaseUrl in config.json. Voer tot die tijd het gegenereerde script uit in Azure Cloud Shell of in PowerShell met de module ExchangeOnlineManagement.",
    mode_no_role: "Schrijven in Exchange is niet mogelijk: uw account heeft geen Exchange-rol Recipient Management.",
    mode_no_role_fix: "Guestlist kan Exchange met dit account lezen, maar geen e-mailcontacten maken of leden van distributiegroepen wijzigen. Vraag een Exchange-beheerder u toe te voegen aan de rolgroep Recipient Management, of geef het gegenereerde PowerShell-script aan iemand die erin zit.",
    mode_exchange_failed: "Exchange antwoordde met een fout, dus Guestlist kan niet nagaan of het daar wijzigingen mag doen: {detail}",
    mode_exchange_failed_fix: "Guestlist voert de stappen in Microsoft Graph zelf uit en geeft u een PowerShell-script voor de stappen in Exchange. Controleer het later opnieuw, of noem de aanvraag-ID hierboven aan Microsoft-ondersteuning.",
    graph_ready: "Microsoft Graph: verbonden, alle machtigingen verleend.",
    graph_missing: "Microsoft Graph: deze machtigingen zijn niet verleend: {scopes}. Vraag een globale beheerder om beheerderstoestemming voor Guestlist te geven in Microsoft Entra ID.",
    graph_failed: "Microsoft Graph kan niet worden gebruikt: {detail}",
    mode_recheck: "Opnieuw controleren",
    sign_in_again: "Opnieuw aanmelden",
    loading: "Configuratie wordt geladen…",
    document_title: "{page} – Guestlist",
    coming_heading: "Wat hier komt",
    groups_title: "Groepen",
    groups_intro: "Zoek een distributielijst, beveiligingsgroep met e-mail of Microsoft 365-groep en bekijk wie erin zit.",
    groups_coming: "De e-mailgroepen van uw tenant doorzoeken, hun externe leden bekijken en personen toevoegen als e-mailcontact of gast, met een plan dat u ziet voordat er iets verandert.",
    import_title: "Importeren",
    import_intro: "Voeg in één keer veel externe personen toe vanuit een CSV-bestand.",
    import_coming: "Een CSV-bestand met namen en adressen uploaden, het plan per rij nakijken, uitvoeren en alleen de mislukte rijen opnieuw proberen.",
    // --- bulk import ---
    imp_file_heading: "1. Het bestand",
    imp_file_label: "CSV-bestand (gescheiden door komma's, puntkomma's of tabs)",
    imp_paste_label: "Of plak rijen (met een kopregel, of alleen adressen)",
    imp_paste_button: "Geplakte rijen inlezen",
    imp_example_download: "Voorbeeldbestand downloaden",
    imp_example_hint: "Vul het in Excel in en sla het op als CSV; de kolomnamen worden herkend.",
    imp_pasted: "geplakte rijen",
    imp_detected: Plural {
        one: "{name}: {count} rij, {encoding}, gescheiden door {delimiter}.",
        other: "{name}: {count} rijen, {encoding}, gescheiden door {delimiter}.",
    },
    imp_delim_comma: "komma's",
    imp_delim_semicolon: "puntkomma's",
    imp_delim_tab: "tabtekens",
    imp_no_header: "Het bestand heeft geen kopregel; de kolommen zijn genummerd.",
    imp_map_heading: "2. Kolommen",
    imp_map_intro: "Kies de kolom voor elk veld. Herkende Engelse en Nederlandse kolomnamen zijn al ingevuld.",
    imp_map_none: "(niet in het bestand)",
    imp_map_need_email: "Kies de kolom met het e-mailadres.",
    imp_field_email: "E-mailadres",
    imp_field_display: "Weergavenaam",
    imp_field_first: "Voornaam",
    imp_field_prefix: "Tussenvoegsel",
    imp_field_last: "Achternaam",
    imp_field_company: "Bedrijf",
    imp_rows_heading: "3. Rijen",
    imp_rows_valid: Plural {
        one: "{count} rij kan worden geïmporteerd",
        other: "{count} rijen kunnen worden geïmporteerd",
    },
    imp_rows_invalid: Plural {
        one: "{count} rij heeft een probleem en wordt overgeslagen.",
        other: "{count} rijen hebben een probleem en worden overgeslagen.",
    },
    imp_filter_label: "Toon",
    imp_filter_all: "problemen in elk veld",
    imp_filter_every_row: "elke rij",
    imp_issues_label: "Problemen per rij",
    imp_issue_place: "Regel {line}",
    imp_issue_place_column: "Regel {line}, kolom {column}",
    imp_shown_of: "{shown} van {total} getoond; de downloads bevatten ze allemaal.",
    imp_groups_heading: "4. Groepen",
    imp_sign_in_first: "Meld je aan om groepen te kiezen en de import uit te voeren.",
    imp_group_search: "Zoek een groep",
    imp_group_search_button: "Zoeken",
    imp_group_results: "Gevonden groepen",
    imp_group_add: "{name} als doel toevoegen",
    imp_group_remove: "{name} uit de doelen verwijderen",
    imp_add: "Toevoegen",
    imp_remove: "Verwijderen",
    imp_groups_chosen: "Gekozen groepen",
    imp_groups_none: "Nog geen groep gekozen.",
    imp_kind_dg: "distributiegroep",
    imp_kind_mesg: "beveiligingsgroep met e-mail",
    imp_kind_m365: "Microsoft 365-groep",
    imp_kind_security: "beveiligingsgroep",
    imp_kind_dynamic: "dynamische distributiegroep",
    imp_kind_unknown: "onbekend soort",
    imp_plan_heading: "5. Het plan",
    imp_plan_button: "Plan maken",
    imp_planning: "Contactpersonen, gasten en leden worden gelezen…",
    imp_plan_intro: "Er is nog niets veranderd. Dit gaat de uitvoering doen:",
    imp_totals_label: "Totalen",
    imp_warnings_label: "Waarschuwingen",
    imp_plan_caption: "Het plan, per rij",
    imp_out_create_contact: "contactpersoon maken",
    imp_out_reuse_contact: "bestaande contactpersoon",
    imp_out_invite_guest: "gast uitnodigen",
    imp_out_reuse_guest: "bestaande gast",
    imp_out_reuse_user: "bestaande gebruiker",
    imp_out_already: "al lid (overslaan)",
    imp_out_invalid: "ongeldig",
    imp_out_duplicate: "dubbel",
    imp_out_not_possible: "niet mogelijk",
    imp_warn_rejects: "{group} weigert e-mail van buiten de organisatie: externe personen krijgen bounce 5.7.133.",
    imp_warn_open_now: "{group} nu openstellen voor externe afzenders",
    imp_warn_fix: "{group} in deze uitvoering openstellen voor externe afzenders",
    imp_warn_unknown: "Of {group} externe afzenders accepteert, is hier niet te lezen; het script controleert het.",
    imp_warn_dynamic: "{group} kiest zijn leden met een regel; de rijen ervoor worden overgeslagen.",
    imp_warn_synced: "{group} wordt gesynchroniseerd vanuit on-premises Active Directory; de rijen ervoor worden overgeslagen.",
    imp_warn_guest_contact: "Regel {line}: er wordt een gast uitgenodigd voor een adres dat al bij een e-mailcontact hoort.",
    imp_start: "Uitvoeren",
    imp_start_script: "Graph-stappen uitvoeren en het script maken",
    imp_col_line: "Regel",
    imp_col_address: "Adres",
    imp_col_group: "Groep",
    imp_col_action: "Actie",
    imp_col_why: "Waarom",
    imp_col_status: "Resultaat",
    imp_col_request: "Request-id",
    imp_run_heading: "Uitvoering",
    imp_progress_label: "Voortgang van de uitvoering",
    imp_progress: Plural {
        one: "{done} van {count} bewerking klaar",
        other: "{done} van {count} bewerkingen klaar",
    },
    imp_rate: "{rate} per seconde, nog ongeveer {eta}.",
    imp_failed_count: "{failed} mislukt.",
    imp_pause: "Pauzeren",
    imp_resume: "Hervatten",
    imp_cancel: "Annuleren",
    imp_resume_run: "Import hervatten",
    imp_new_import: "Nieuwe import",
    imp_retry_failed: "Mislukte rijen opnieuw proberen",
    imp_state_interrupted: "Deze import is gestopt voordat hij klaar was (de pagina is gesloten of herladen). Hervat hem: wat bezig was wordt eerst gecontroleerd, niets gebeurt twee keer.",
    imp_state_starting: "Bezig met starten…",
    imp_state_running: "Bezig",
    imp_state_paused: "Gepauzeerd",
    imp_state_pausing: Plural {
        one: "Pauzeren: {count} bewerking die al bezig is wordt eerst afgemaakt…",
        other: "Pauzeren: {count} bewerkingen die al bezig zijn worden eerst afgemaakt…",
    },
    imp_problem_missing: "ontbreekt",
    imp_problem_too_long: "te lang: {len} tekens, hoogstens {max}",
    imp_problem_control: "bevat een onzichtbaar stuurteken (U+{code}) op positie {position}",
    imp_problem_duplicate: "hetzelfde adres staat al op regel {line}",
    imp_addr_empty: "het adres is leeg",
    imp_addr_whitespace: "het adres bevat een spatie of andere witruimte op positie {position}",
    imp_addr_control: "het adres bevat een onzichtbaar stuurteken (U+{code}) op positie {position}",
    imp_addr_angle_brackets: "het adres bevat punthaken: vul alleen het adres in, bijvoorbeeld jan@example.com, geen naam met <adres>",
    imp_addr_mailto: "haal de \"mailto:\" voor het adres weg",
    imp_addr_multiple: "de cel bevat {count} adressen; zet één adres per rij",
    imp_addr_missing_at: "het adres heeft geen @",
    imp_addr_multiple_at: "het adres heeft {count} @-tekens; het moet er precies één hebben",
    imp_addr_empty_local: "er staat niets voor de @",
    imp_addr_empty_domain: "er staat niets na de @",
    imp_addr_quoted_local: "namen tussen aanhalingstekens voor de @ (\"…\"@domein) accepteert Exchange niet",
    imp_addr_non_ascii_local: "het deel voor de @ bevat tekens buiten A–Z, 0–9 en gewone leestekens ('{ch}'); Exchange accepteert die daar niet",
    imp_addr_local_char: "het deel voor de @ bevat '{ch}', dat niet in een adres mag",
    imp_addr_part_local: "het deel voor de @",
    imp_addr_part_domain: "het domein",
    imp_addr_edge_dot: "{part} begint of eindigt met een punt",
    imp_addr_double_dot: "{part} heeft twee punten achter elkaar",
    imp_addr_comma: "het adres bevat een komma; bedoel je een punt? ({suggestion})",
    imp_addr_trailing_dot: "het adres eindigt met een punt",
    imp_addr_local_too_long: "het deel voor de @ is {len} tekens lang; hoogstens {max} mag",
    imp_addr_too_long: "het adres is {len} tekens lang; hoogstens {max} mag",
    imp_addr_domain_too_long: "het domein is {len} tekens lang; hoogstens {max} mag",
    imp_addr_domain_no_dot: "het domein \"{domain}\" heeft geen punt; een volledig domein zoals example.com is nodig",
    imp_addr_ip_literal: "IP-adressen tussen haken worden niet als domein geaccepteerd",
    imp_addr_domain_char: "het domein bevat '{ch}', dat niet in een domeinnaam mag",
    imp_addr_label_hyphen: "het domeindeel \"{label}\" begint of eindigt met een koppelteken",
    imp_addr_label_too_long: "het domeindeel \"{label}\" is {len} tekens lang; hoogstens {max} mag",
    imp_addr_numeric_tld: "het domein eindigt op \"{tld}\": een getal, geen topleveldomein",
    imp_skip_already_member: "al lid",
    imp_skip_invalid: "ongeldig: {problems}",
    imp_skip_dynamic: "dynamische distributiegroepen kiezen hun leden met een regel; leden kun je niet met de hand toevoegen",
    imp_skip_synced: "deze groep wordt gesynchroniseerd vanuit de on-premises Active Directory; wijzig de leden daar",
    imp_skip_contact_m365: "Microsoft 365-groepen kunnen geen e-mailcontactpersonen bevatten, en gasten uitnodigen staat uit",
    imp_state_sign_in: "Gepauzeerd: meld je opnieuw aan en hervat dan.",
    imp_state_cancelling: "Annuleren: wachten op verzoeken die al verstuurd zijn…",
    imp_state_cancelled: "Geannuleerd",
    imp_state_finished: "Klaar",
    imp_report_heading: "Verslag",
    imp_report_caption: "Elke rij en wat er gebeurde",
    imp_report_totals: "{done} klaar, {skipped} overgeslagen, {failed} mislukt, {pending} nog te doen.",
    imp_status_done: "klaar",
    imp_status_skipped: "overgeslagen",
    imp_status_failed: "mislukt",
    imp_status_pending: "nog te doen",
    imp_download_csv: "Verslag downloaden (CSV)",
    imp_download_json: "Auditbestand downloaden (JSON)",
    imp_script_heading: "PowerShell voor de Exchange-stappen",
    imp_script_intro: "Exchange is vanuit deze browser niet bereikbaar. Voer dit script uit in Azure Cloud Shell (of PowerShell met de module ExchangeOnlineManagement) en kies daarna Controleren.",
    imp_script_label: "PowerShell-script",
    imp_script_download: "Script downloaden",
    imp_verify: "Controleren",
    imp_verify_done: Plural {
        one: "{count} bewerking is uitgevoerd",
        other: "{count} bewerkingen zijn uitgevoerd",
    },
    imp_verify_missing: Plural {
        one: "{count} ontbreekt nog.",
        other: "{count} ontbreken nog.",
    },
    imp_error: "Er ging iets mis: {detail}",
    imp_journal_failed: "Deze browser kon het verslag van de uitvoering niet bewaren ({detail}), dus is de uitvoering gestopt in plaats van iets te veranderen zonder verslag. Maak opslagruimte vrij of verlaat privé-browsen en ga dan verder.",
    imp_script_failed: "Het script kon niet worden gemaakt: {detail}",
    // --- end bulk import ---
    activity_title: "Activiteit",
    activity_intro: "Wat Guestlist vanuit deze browser heeft gedaan, rij voor rij.",
    activity_showing: Plural {
        one: "{shown} van {count} wijziging, nieuwste eerst.",
        other: "{shown} van {count} wijzigingen, nieuwste eerst.",
    },
    activity_show_more: "Oudere wijzigingen tonen",
    activity_coming: "Elke uitvoering met per rij gedaan, overgeslagen of mislukt, met de reden en de aanvraag-ID van de dienst, en een export van het rapport.",
    about_title: "Over Guestlist",
    about_intro: "Guestlist helpt Microsoft 365-beheerders om externe personen de e-mail van een groep te laten ontvangen: als e-mailcontact in een distributielijst, of als gast in een Microsoft 365-groep.",
    about_privacy: "Het draait volledig in uw browser en praat rechtstreeks met Microsoft Graph en Exchange Online, met uw eigen aanmelding. Er zit geen server van ons tussen.",
    about_installation: "Deze installatie",
    about_client_id: "Toepassings-ID (client)",
    about_tenant: "Tenant",
    about_authority: "Aanmeldautoriteit",
    about_graph: "Microsoft Graph",
    about_exchange: "Exchange Online",
    about_redirect: "Omleidings-URI",
    not_found_title: "Pagina niet gevonden",
    not_found_body: "Op dit adres staat niets.",
    not_found_home: "Naar Groepen",
    footer_note: "Draait in uw browser en praat rechtstreeks met Microsoft 365.",
    config_title: "Guestlist kan niet starten: controleer config.json",
    config_problem: "Wat er mis is",
    config_fix: "Wat erin moet",
    config_fix_intro: "Zet een bestand met de naam config.json naast index.html op de webserver, bijvoorbeeld:",
    config_keys_intro: "De sleutels (let op hoofdletters):",
    config_example_label: "Voorbeeld van config.json",
    key_client_id: "verplicht: de toepassings-ID (client) van uw app-registratie in Microsoft Entra ID.",
    key_tenant_id: "verplicht: de directory-ID van uw tenant (een GUID), een van de domeinen, of organizations.",
    key_authority: "optioneel, standaard https://login.microsoftonline.com.",
    key_redirect_uri: "optioneel, standaard redirect.html naast index.html (daar keert de aanmeldpagina naar terug); registreer het als omleidings-URI voor een single-page application.",
    key_graph_base_url: "optioneel, standaard https://graph.microsoft.com.",
    key_exchange_base_url: "optioneel, standaard https://outlook.office365.com; laat het naar uw gateway wijzen als die vóór Exchange Online staat.",
    config_reload_hint: "Sla het bestand op en laad deze pagina opnieuw.",
    config_reload: "Opnieuw laden",
    err_not_found: "Er staat geen config.json naast index.html (de server antwoordde 404 Not Found).",
    err_http: "De server antwoordde HTTP {status} op de vraag naar config.json.",
    err_network: "config.json kon niet worden opgehaald: {detail}",
    err_html: "De server stuurde een webpagina in plaats van config.json. Het bestand ontbreekt waarschijnlijk en de server stuurde de pagina van de app in de plaats.",
    err_syntax: "config.json is geen geldige JSON: regel {line}, kolom {column} ({detail}).",
    err_shape: "config.json moet één JSON-object zijn met teksten tussen aanhalingstekens als waarden; regel {line}, kolom {column}: {detail}.",
    err_missing_client_id: "clientId ontbreekt. Neem de toepassings-ID (client) over uit uw app-registratie in Microsoft Entra ID.",
    err_client_id_not_guid: "clientId \"{value}\" is geen toepassings-ID (client); die ziet eruit als 00000000-0000-0000-0000-000000000000.",
    err_missing_tenant: "tenantId ontbreekt. Gebruik de directory-ID van uw tenant, een van de domeinen (zoals contoso.onmicrosoft.com) of organizations.",
    err_invalid_tenant: "tenantId \"{value}\" is geen directory-ID, domeinnaam of organizations. (common en consumers worden geweigerd: persoonlijke Microsoft-accounts kunnen geen tenant beheren.)",
    err_bad_url: "{key} \"{value}\" is niet bruikbaar: {problem}",
    url_not_absolute: "het moet een volledig adres zijn dat begint met https://, zoals https://graph.microsoft.com.",
    url_not_https: "het moet beginnen met https:// (gewoon http:// mag alleen voor deze computer: localhost of 127.0.0.1).",
    url_whitespace: "het bevat spaties of onzichtbare tekens.",
    url_credentials: "het bevat een gebruikersnaam of wachtwoord; verwijder het deel tot en met @.",
    url_query_or_fragment: "verwijder het deel vanaf ? of #.",
    // --- groups workflow ---
    gr_sign_in_first: "Meld je aan om groepen te zoeken en hun leden te zien.",
    gr_kind_distribution: "Distributiegroep",
    gr_kind_mail_security: "E-mailbeveiligingsgroep",
    gr_kind_m365: "Microsoft 365-groep",
    gr_kind_security: "Beveiligingsgroep",
    gr_kind_dynamic: "Dynamische distributiegroep",
    gr_request_id: "Aanvraag-id:",
    gr_raw_detail: "Technische details",
    gr_script_label: "PowerShell-script",
    gr_copy: "Kopiëren",
    gr_download: "Downloaden",
    gr_open_cloud_shell: "Azure Cloud Shell openen",
    gr_copied: "Gekopieerd naar het klembord.",
    gr_copy_failed: "Kopiëren mislukt:",
    gr_finder_heading: "Groep zoeken",
    gr_search_label: "Groepen zoeken op naam",
    gr_search_placeholder: "bijv. Verkoop",
    gr_searching: "Bezig met zoeken…",
    gr_search_failed: "Het zoeken is mislukt.",
    gr_found_none: "Geen groepen gevonden voor “{query}”.",
    gr_found_count: Plural {
        one: "{count} groep gevonden voor “{query}”.",
        other: "{count} groepen gevonden voor “{query}”.",
    },
    gr_found_all: Plural {
        one: "{count} groep.",
        other: "{count} groepen.",
    },
    gr_exchange_part_failed: "Exchange kon geen dynamische groepen en afzenderinstellingen toevoegen:",
    gr_results_label: "Gevonden groepen",
    gr_ext_allowed_short: "accepteert externe mail",
    gr_ext_rejected_short: "alleen interne afzenders",
    gr_ext_heading: "Mail van buiten de organisatie",
    gr_ext_allowed: "{group} accepteert mail van buiten de organisatie.",
    gr_ext_rejected: "{group} accepteert alleen mail van binnen de organisatie: externen die ernaar schrijven krijgen bounce 5.7.133 (\"the group only accepts messages from people in its own organization\").",
    gr_ext_rejected_dynamic: "{group} accepteert alleen mail van binnen de organisatie (externe afzenders krijgen bounce 5.7.133); dynamische groepen zijn hier alleen-lezen.",
    gr_ext_unknown_exchange: "Exchange bewaart of {group} mail van buiten accepteert, en dat is vanuit deze browser niet te lezen. Krijgen externe afzenders bounce 5.7.133, open de groep dan met het script hieronder (onschadelijk als hij al open is).",
    gr_ext_unknown_m365: "Kon niet lezen of {group} mail van buiten accepteert. Krijgen externe afzenders bounce 5.7.133, open de groep dan.",
    gr_ext_not_applicable: "Beveiligingsgroepen hebben geen mailadres; mail van buiten is dus niet van toepassing.",
    gr_ext_fix: "Openen voor externe afzenders",
    gr_ext_fix_script: "Script tonen dat de groep opent",
    gr_ext_fixed: "Klaar: de groep accepteert nu mail van buiten de organisatie.",
    gr_ext_needs_group_rw: "Een Microsoft 365-groep openen vereist nog één machtiging, Group.ReadWrite.All, die Guestlist pas vraagt als die nodig is. Microsoft vraagt je in een nieuw venster om toestemming; daarna wordt de groep geopend.",
    gr_ext_consent: "Toestemming geven en de groep openen",
    gr_working: "Bezig…",
    gr_member_user: "Gebruiker",
    gr_member_guest: "Gast",
    gr_member_contact: "E-mailcontact",
    gr_member_group: "Groep",
    gr_member_other: "Overig",
    gr_members_heading: "Leden",
    gr_members_count: Plural {
        one: "{count} lid.",
        other: "{count} leden.",
    },
    gr_members_filtered: Plural {
        one: "{shown} van {count} lid past bij het filter.",
        other: "{shown} van {count} leden passen bij het filter.",
    },
    gr_members_loading_more: "Meer laden…",
    gr_filter_label: "Leden filteren",
    gr_export_csv: "CSV exporteren",
    gr_export_json: "JSON exporteren",
    gr_remove: "Verwijderen",
    gr_remove_named: "{name} verwijderen",
    gr_remove_title: "{name} uit {group} verwijderen?",
    gr_remove_body: "Die persoon ontvangt de mail van de groep niet meer. Het contact of gastaccount zelf blijft bestaan.",
    gr_remove_confirm: "Lid verwijderen",
    gr_remove_script_intro: "Exchange is vanuit deze browser niet bereikbaar. Voer dit uit in PowerShell om het lid te verwijderen:",
    gr_remove_unnamed: "{name} heeft geen mailadres of gebruikersnaam, dus Guestlist kan het niet benoemen in een wijziging. Verwijder het in het Microsoft Entra-beheercentrum.",
    gr_removed: "{name} is uit {group} verwijderd.",
    gr_cancel: "Annuleren",
    gr_close: "Sluiten",
    gr_back: "Terug",
    gr_add_title: "Externe persoon toevoegen aan {group}",
    gr_add_route_contact: "De persoon wordt een e-mailcontact (een adres zonder account) en lid van deze groep.",
    gr_add_route_guest: "Microsoft 365-groepen kunnen geen e-mailcontacten bevatten: de persoon wordt als gast uitgenodigd en als lid toegevoegd.",
    gr_add_route_security: "De persoon wordt een e-mailcontact en wordt via Microsoft Graph aan deze beveiligingsgroep toegevoegd.",
    gr_field_email: "E-mailadres",
    gr_field_display: "Weergavenaam",
    gr_field_first: "Voornaam (optioneel)",
    gr_field_last: "Achternaam (optioneel)",
    gr_field_company: "Bedrijf (optioneel)",
    gr_field_hide: "Verbergen in adreslijsten",
    gr_field_hide_why: "Standaard aan: het contact bestaat zodat de mail van de groep deze persoon bereikt, niet om in het adresboek van elke medewerker te staan.",
    gr_field_send_invitation: "Microsoft de uitnodigingsmail laten sturen",
    gr_review_plan: "Plan bekijken",
    gr_planning: "Dit adres opzoeken in de tenant…",
    gr_plan_heading: "Wat er gaat gebeuren",
    gr_plan_direct: "Er is nog niets veranderd. Guestlist voert deze wijzigingen uit als je bevestigt.",
    gr_plan_script: "Er is nog niets veranderd. De Microsoft Graph-stappen worden hier uitgevoerd; de Exchange-stappen worden een PowerShell-script dat je zelf uitvoert.",
    gr_make_changes: "Wijzigingen uitvoeren",
    gr_make_changes_script: "Graph-stappen uitvoeren en script maken",
    gr_running: "Wijzigingen worden uitgevoerd…",
    gr_op_create_contact: "E-mailcontact {name} <{address}> aanmaken.",
    gr_op_hidden: "(verborgen in adreslijsten)",
    gr_op_invite_mail: "{address} als gast uitnodigen, met de uitnodigingsmail van Microsoft.",
    gr_op_invite_quiet: "{address} als gast uitnodigen (zonder uitnodigingsmail).",
    gr_op_add: "{address} toevoegen aan {group} ({kind}).",
    gr_op_open: "{group} mail van buiten de organisatie laten ontvangen.",
    gr_step_reuse_contact: "Het bestaande e-mailcontact voor {address} gebruiken (er komt geen dubbele).",
    gr_step_reuse_guest: "De bestaande gast {address} gebruiken (geen nieuwe uitnodiging).",
    gr_step_reuse_user: "De bestaande gebruiker {address} gebruiken.",
    gr_skip_already_member: "{address} is al lid van {group}: niets te doen.",
    gr_skip_dynamic: "{group} is een dynamische groep: een regel kiest de leden, dus mensen kunnen niet met de hand worden toegevoegd.",
    gr_skip_onprem: "{group} wordt gesynchroniseerd vanuit de on-premises Active Directory: wijzig de leden daar.",
    gr_skip_contact_m365: "Microsoft 365-groepen kunnen geen e-mailcontacten bevatten, en gasten uitnodigen staat uit.",
    gr_warn_rejects: "Let op: {group} weigert mail van externe afzenders (die krijgen bounce 5.7.133).",
    gr_warn_unknown: "Of {group} mail van buiten accepteert, is vanuit deze browser niet te lezen.",
    gr_warn_contact_holds_address: "Een e-mailcontact heeft dit adres al; de nieuwe gast krijgt het mogelijk niet als mailadres zolang het contact bestaat.",
    gr_offer_open: "{group} ook openen voor externe afzenders",
    gr_result_heading: "Resultaat",
    gr_result_done: "Klaar: {address} is lid van {group}.",
    gr_result_failed: "Niet alles is gelukt voor {address}; zie hieronder.",
    gr_result_script: "De Graph-stappen zijn klaar. Voer het script hieronder uit voor de Exchange-stappen en druk daarna op Controleren.",
    gr_status_done: "Klaar:",
    gr_status_already: "Was al zo:",
    gr_status_failed: "Mislukt:",
    gr_status_script: "In het script:",
    gr_status_missing: "Ontbreekt nog:",
    gr_status_cannot_check: "Niet te controleren:",
    gr_script_heading: "PowerShell voor de Exchange-stappen",
    gr_script_intro: "Voer het uit in PowerShell met de module ExchangeOnlineManagement, bijvoorbeeld in Azure Cloud Shell. Het controleert eerst voordat het iets wijzigt, dus twee keer uitvoeren kan geen kwaad.",
    gr_verify: "Controleren",
    gr_verifying: "De tenant controleren…",
    gr_verify_heading: "Controle",
    gr_verify_all_done: "Alle stappen zijn klaar.",
    gr_verify_some_missing: "Sommige stappen ontbreken nog; voer het script uit en controleer opnieuw.",
    gr_back_to_groups: "← Alle groepen",
    gr_group_loading: "Groep laden…",
    gr_group_failed: "De groep kon niet worden geladen",
    gr_details_heading: "Details en gegevens",
    gr_dynamic_explain: "Een regel kiest de leden van deze groep, dus leden kunnen niet met de hand worden toegevoegd of verwijderd. Om een externe persoon op te nemen, pas je de regel aan in Exchange of gebruik je een gewone distributiegroep.",
    gr_dynamic_rule: "Regel:",
    gr_onprem_explain: "Deze groep wordt gesynchroniseerd vanuit de on-premises Active Directory: wijzig de leden daar.",
    gr_mode_script: "Scriptmodus: Exchange is vanuit deze browser niet bereikbaar, dus Exchange-wijzigingen komen als PowerShell-script dat je zelf uitvoert.",
    gr_mode_no_role: "Je account heeft geen Exchange-rol Recipient Management, dus Guestlist kan geen Exchange-wijzigingen voor je doen: die komen als PowerShell-script voor iemand met die rol.",
    gr_add_person: "Externe persoon toevoegen",
    gr_add_person_as: "Afgestemd op een {kind}.",
    gr_activity_clear: "Logboek wissen",
    gr_activity_empty: "Nog geen wijzigingen vanuit deze browser.",
    gr_col_when: "Wanneer",
    gr_col_what: "Wat",
    gr_col_group: "Groep",
    gr_col_result: "Resultaat",
    gr_result_members: Plural {
        one: "{count} lid",
        other: "{count} leden",
    },
    // --- end groups workflow ---
    // --- failures ---
    failures: &FAILURES_NL,
    // --- end failures ---
    // --- activity log ---
    activity: &ACTIVITY_NL,
    // --- end activity log ---
};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Nl,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nl];

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Nl => &NL,
        }
    }

    /// BCP 47 tag for `<html lang>` and for storage.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
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

pub use guestlist_core::domain::template::fill;

impl Texts {
    /// The translated explanation of why the configuration can't be used.
    pub fn config_error(&self, error: &ConfigError) -> String {
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
    /// "190 rows can be imported; 10 rows have a problem and will be skipped."
    pub fn rows_summary(&self, valid: u64, invalid: u64) -> String {
        format!(
            "{}; {}",
            plural(&self.imp_rows_valid, valid, &[]),
            plural(&self.imp_rows_invalid, invalid, &[])
        )
    }

    /// "3 operations are in place; 1 is still missing."
    pub fn verify_result(&self, done: u64, missing: u64) -> String {
        format!(
            "{}; {}",
            plural(&self.imp_verify_done, done, &[]),
            plural(&self.imp_verify_missing, missing, &[])
        )
    }
}

/// The current language, provided as context at the root of the app.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    pub fn new(initial: Lang) -> Self {
        Self {
            lang: RwSignal::new(initial),
        }
    }

    /// The current language (tracked).
    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    /// The current texts (tracked): `move || i18n.t().nav_groups`.
    pub fn t(&self) -> &'static Texts {
        self.lang.get().texts()
    }

    pub fn set(&self, lang: Lang) {
        self.lang.set(lang);
    }
}

/// The [`I18n`] provided by the app root.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

// --- failures ---
impl Texts {
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
}
// --- end failures ---

// --- activity log ---
impl Texts {
    /// A change in this language.
    pub fn activity_action(&self, action: &Action) -> String {
        self.activity.action(action)
    }

    /// An entry's "what" in this language (as stored for entries from before typed actions).
    pub fn activity_what(&self, entry: &ActivityEntry) -> String {
        self.activity.what(entry)
    }

    /// An entry's detail in this language, or as stored where it isn't typed.
    pub fn activity_detail(&self, entry: &ActivityEntry) -> String {
        self.activity.detail(entry)
    }
}
// --- end activity log ---

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigKey;

    /// Texts that are rightly the same in English and Dutch: names and loanwords.
    const SAME_IN_BOTH: &[&str] = &[
        "app_name",
        "document_title",
        "about_tenant",
        "about_graph",
        "about_exchange",
        "account_tenant",
    ];

    fn placeholders(s: &str) -> Vec<&str> {
        let mut names: Vec<&str> = s
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n))
            .collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn no_text_is_empty() {
        for lang in Lang::ALL {
            for (name, text) in lang.texts().entries() {
                assert!(!text.trim().is_empty(), "{lang:?}.{name} is empty");
            }
        }
    }

    #[test]
    fn dutch_is_translated() {
        for ((name, en), (_, nl)) in EN.entries().into_iter().zip(NL.entries()) {
            if SAME_IN_BOTH.contains(&name.as_str()) {
                assert_eq!(en, nl, "{name} is listed as identical but differs");
            } else {
                assert_ne!(en, nl, "{name} is not translated");
            }
        }
    }

    #[test]
    fn both_languages_use_the_same_placeholders() {
        for ((name, en), (_, nl)) in EN.entries().into_iter().zip(NL.entries()) {
            assert_eq!(placeholders(en), placeholders(nl), "{name}");
        }
    }

    /// Every plural form shows its number, so `plural` never drops the count.
    fn plural_fields(t: &Texts) -> Vec<(String, &'static str)> {
        t.entries()
            .into_iter()
            .filter(|(name, _)| name.ends_with(".one") || name.ends_with(".other"))
            .collect()
    }

    #[test]
    fn plural_forms_hold_their_count() {
        let forms = plural_fields(&EN);
        assert!(forms.len() >= 20, "{forms:?}");
        for lang in Lang::ALL {
            for (name, text) in plural_fields(lang.texts()) {
                assert!(text.contains("{count}"), "{lang:?}.{name}: {text}");
            }
        }
    }

    #[test]
    fn plural_picks_one_only_for_exactly_one() {
        let p = Plural {
            one: "{count} row in {name}",
            other: "{count} rows in {name}",
        };
        assert_eq!(plural(&p, 1, &[("name", "a.csv")]), "1 row in a.csv");
        assert_eq!(plural(&p, 2, &[("name", "a.csv")]), "2 rows in a.csv");
        assert_eq!(plural(&p, 0, &[("name", "a.csv")]), "0 rows in a.csv");
        assert_eq!(plural(&p, 11, &[]), "11 rows in {name}");
        assert_eq!(plural(&p, 21, &[]), "21 rows in {name}");
    }

    #[test]
    fn counts_meet_their_nouns_in_both_languages() {
        assert_eq!(plural(&EN.gr_members_count, 1, &[]), "1 member.");
        assert_eq!(plural(&EN.gr_members_count, 2, &[]), "2 members.");
        assert_eq!(plural(&NL.gr_members_count, 1, &[]), "1 lid.");
        assert_eq!(plural(&NL.gr_members_count, 0, &[]), "0 leden.");
        assert_eq!(
            EN.rows_summary(1, 2),
            "1 row can be imported; 2 rows have a problem and will be skipped."
        );
        assert_eq!(
            EN.rows_summary(190, 1),
            "190 rows can be imported; 1 row has a problem and will be skipped."
        );
        assert_eq!(
            NL.rows_summary(1, 0),
            "1 rij kan worden geïmporteerd; 0 rijen hebben een probleem en worden overgeslagen."
        );
        assert_eq!(
            EN.verify_result(1, 3),
            "1 operation is in place; 3 are still missing."
        );
        assert_eq!(
            NL.verify_result(2, 1),
            "2 bewerkingen zijn uitgevoerd; 1 ontbreekt nog."
        );
        assert_eq!(
            plural(&EN.imp_progress, 1, &[("done", "0")]),
            "0 of 1 operation done"
        );
        assert_eq!(
            plural(&NL.gr_found_count, 1, &[("query", "Sales")]),
            "1 groep gevonden voor “Sales”."
        );
    }

    #[test]
    fn every_failure_kind_has_an_english_and_a_dutch_sentence_that_differ() {
        for kind in FailureKind::ALL {
            for service in [Service::Graph, Service::Exchange] {
                let en = EN.failure_sentence(kind, service);
                let nl = NL.failure_sentence(kind, service);
                assert!(!en.trim().is_empty() && !nl.trim().is_empty(), "{kind:?}");
                assert_ne!(en, nl, "{kind:?} is not translated");
                assert!(!en.contains('{') && !nl.contains('{'), "{en} / {nl}");
            }
        }
    }

    #[test]
    fn failure_sentences_are_distinct_in_each_language() {
        // Admins act differently on each kind: two kinds mustn't read the same.
        for service in [Service::Graph, Service::Exchange] {
            for lang in Lang::ALL {
                let t = lang.texts();
                let mut seen: Vec<String> = FailureKind::ALL
                    .iter()
                    .map(|k| t.failure_sentence(*k, service))
                    .collect();
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), FailureKind::ALL.len(), "{lang:?}");
            }
        }
    }

    #[test]
    fn stored_failures_are_shown_in_dutch_with_the_services_words_verbatim() {
        use guestlist_core::run::failure;
        use guestlist_core::tenant::{ErrorDetail, TenantError};
        let detail = |status: u16, message: &str| {
            Box::new(ErrorDetail {
                status,
                code: "Request_BadRequest".into(),
                message: message.into(),
                exception_type: None,
                request_id: Some("rid-1".into()),
                date: None,
            })
        };
        let f = failure(
            Service::Graph,
            &TenantError::Forbidden(detail(
                403,
                "Insufficient privileges to complete the operation.",
            )),
        );
        assert_eq!(
            NL.failure(&f),
            "U heeft hier geen rechten voor: uw account mist een machtiging of beheerdersrol. \
             De service meldde: Insufficient privileges to complete the operation."
        );
        assert_eq!(EN.failure(&f), f.message);
        let throttled = failure(
            Service::Exchange,
            &TenantError::Throttled {
                retry_after: None,
                detail: detail(429, ""),
            },
        );
        assert!(NL
            .failure(&throttled)
            .starts_with("Exchange Online bleef vragen"));
        // Words that look like our own lead-in, or like a placeholder, stay as they are.
        let words = "The service said: {said} — Réessayez plus tard.";
        let other = failure(Service::Exchange, &TenantError::Other(detail(400, words)));
        assert_eq!(
            NL.failure(&other),
            format!("Exchange Online kon het verzoek niet uitvoeren. De service meldde: {words}")
        );
        let decode = TenantError::Decode {
            what: "group".into(),
            path: "value[0].id".into(),
            message: "invalid type: null".into(),
        };
        let nl = NL.failure(&failure(Service::Graph, &decode));
        assert!(nl.starts_with("Het verzoek aan Microsoft Graph is op een onverwachte manier mislukt. Details: unexpected answer from group"), "{nl}");
        // Another screen's own words (or an older journal's): shown as stored.
        let plain = Failure::new(
            Service::Graph,
            "the journal could not be written: quota exceeded",
        );
        assert_eq!(NL.failure(&plain), plain.message);
    }

    #[test]
    fn config_errors_are_explained_in_both_languages() {
        let cases = [
            (ConfigError::Http { status: 503 }, "503"),
            (
                ConfigError::Syntax {
                    line: 7,
                    column: 12,
                    detail: "trailing comma".into(),
                },
                "7",
            ),
            (
                ConfigError::ClientIdNotGuid {
                    value: "my-app".into(),
                },
                "\"my-app\"",
            ),
            (
                ConfigError::BadUrl {
                    key: ConfigKey::GraphBaseUrl,
                    value: "graph".into(),
                    problem: UrlProblem::NotAbsolute,
                },
                "graphBaseUrl \"graph\"",
            ),
        ];
        for (error, needle) in cases {
            let en = EN.config_error(&error);
            let nl = NL.config_error(&error);
            assert!(en.contains(needle) && nl.contains(needle), "{en} / {nl}");
            assert!(!en.contains('{') && !nl.contains('{'), "{en} / {nl}");
            assert_ne!(en, nl);
        }
        let syntax = EN.config_error(&ConfigError::Syntax {
            line: 7,
            column: 12,
            detail: "trailing comma".into(),
        });
        assert_eq!(
            syntax,
            "config.json is not valid JSON: line 7, column 12 (trailing comma)."
        );
        assert!(NL
            .config_error(&ConfigError::NotFound)
            .contains("404 Not Found"));
    }

    #[test]
    fn language_tags() {
        assert_eq!(Lang::from_tag("nl"), Some(Lang::Nl));
        assert_eq!(Lang::from_tag("nl-BE"), Some(Lang::Nl));
        assert_eq!(Lang::from_tag("NL_nl"), Some(Lang::Nl));
        assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("de-DE"), None);
        assert_eq!(Lang::from_tag("nld"), None);
        assert_eq!(Lang::from_tag(""), None);
    }

    #[test]
    fn initial_language() {
        assert_eq!(Lang::initial(None, Some("nl-NL")), Lang::Nl);
        assert_eq!(Lang::initial(None, Some("fr-FR")), Lang::En);
        assert_eq!(Lang::initial(None, None), Lang::En);
        assert_eq!(Lang::initial(Some("en"), Some("nl-NL")), Lang::En);
        assert_eq!(Lang::initial(Some("nl"), Some("en-US")), Lang::Nl);
        // A stored value we don't understand (older version, hand-edited) is ignored.
        assert_eq!(Lang::initial(Some("klingon"), Some("nl")), Lang::Nl);
    }
}
