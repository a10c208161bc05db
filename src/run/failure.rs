//! Tenant errors as sentences an admin understands, with what the service said kept alongside.

use crate::domain::journal::{Failure, Service};
use crate::tenant::{TenantError, TransportError};

/// The last part of an exception type (`…MemberAlreadyExistsException`).
fn short_type(t: &str) -> &str {
    t.rsplit('.').next().unwrap_or(t)
}

/// A failure in words an admin understands, with what the service said kept alongside.
pub fn failure(service: Service, e: &TenantError) -> Failure {
    let detail = e.detail();
    let said = detail
        .map(|d| d.message.trim())
        .filter(|m| !m.is_empty())
        .map(|m| format!(" The service said: {m}"))
        .unwrap_or_default();
    let service_name = match service {
        Service::Graph => "Microsoft Graph",
        Service::Exchange => "Exchange Online",
    };
    let message = match e {
        TenantError::NotFound(_) => {
            format!("The object couldn't be found: it may have been deleted, or isn't visible yet.{said}")
        }
        TenantError::AlreadyExists(_) => format!(
            "The name or address is already used by another recipient.{said}"
        ),
        TenantError::Ambiguous(_) => {
            format!("More than one object matches; choose it by its address.{said}")
        }
        TenantError::CannotUpdateMailEnabledGroup(_) => {
            "This group's members can only be changed through Exchange.".to_owned()
        }
        TenantError::Forbidden(_) => format!(
            "You aren't allowed to do this: your account lacks a permission or an admin role.{said}"
        ),
        TenantError::UnknownCommand(_) => format!(
            "Exchange refused the command: your admin role doesn't include it.{said}"
        ),
        TenantError::Throttled { .. } => format!(
            "{service_name} kept asking to slow down; try the failed rows again in a few minutes."
        ),
        TenantError::Unavailable { .. } => format!(
            "{service_name} was unavailable; try the failed rows again in a few minutes."
        ),
        TenantError::Transport(TransportError::Network(_)) => format!(
            "No answer from {service_name} (the connection was lost). It may or may not have happened; retrying the failed rows checks first."
        ),
        other => other.to_string(),
    };
    Failure {
        service,
        status: detail.map(|d| d.status),
        code: detail.and_then(|d| {
            d.exception_type
                .as_deref()
                .map(|t| short_type(t).to_owned())
                .or_else(|| (!d.code.is_empty()).then(|| d.code.clone()))
        }),
        message,
        request_id: e.request_id().map(str::to_owned),
    }
}
