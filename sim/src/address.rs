//! The one e-mail address check of the sim, for both services: Graph's `POST /invitations`
//! (`invitedUserEmailAddress`,
//! https://learn.microsoft.com/en-us/graph/api/invitation-post?view=graph-rest-1.0) and Exchange's
//! `New-MailContact -ExternalEmailAddress`
//! (https://learn.microsoft.com/en-us/powershell/module/exchangepowershell/new-mailcontact).
//!
//! Neither page spells out the syntax it accepts, so the rule is the sim's plain reading of an SMTP
//! address: `local@domain`, a non-empty local part, a domain with a dot that neither starts nor ends
//! it, one `@`, and no white space, angle brackets or double quotes anywhere. Where the two services
//! differ it says so at the [`Dialect`]; what each caller does to the text first (Exchange strips an
//! `SMTP:` prefix, Graph trims) is commented at the call.

/// Which service's variant of the rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Graph (`POST /invitations`): the common rule.
    Graph,
    /// Exchange (`New-MailContact`): the common rule, and `,` and `;` refused too: they separate
    /// addresses in Exchange's multi-valued address parameters. The sim's Graph has always let
    /// them through; the difference is kept as it was (no test or page says Graph refuses them).
    Exchange,
}

/// Whether `address` is an e-mail address `dialect`'s service accepts.
pub fn valid_address(address: &str, dialect: Dialect) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let refused = |c: char| {
        c.is_whitespace()
            || matches!(c, '<' | '>' | '"')
            || (dialect == Dialect::Exchange && matches!(c, ',' | ';'))
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !address.chars().any(refused)
}

#[cfg(test)]
mod tests {
    use super::{valid_address, Dialect};

    #[test]
    fn both_services_take_plain_addresses_and_refuse_the_rest() {
        for d in [Dialect::Graph, Dialect::Exchange] {
            assert!(valid_address("dana.reyes@northwind.example", d));
            assert!(valid_address("a+tag@sub.b.example", d));
            for bad in [
                "not-an-address",
                "not an address",
                "@b.example",
                "a@b",
                "a@.b.example",
                "a@b.example.",
                "a@b@c.example",
                "<a@b.example>",
                "\"a\"@b.example",
            ] {
                assert!(!valid_address(bad, d), "{bad} with {d:?}");
            }
        }
    }

    #[test]
    fn only_exchange_refuses_list_separators() {
        for a in ["a,b@c.example", "a;b@c.example", "a@b.example;"] {
            assert!(valid_address(a, Dialect::Graph), "{a}");
            assert!(!valid_address(a, Dialect::Exchange), "{a}");
        }
    }
}
