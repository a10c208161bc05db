//! `POST /invitations`: B2B guest invitations.
//!
//! - Create invitation: https://learn.microsoft.com/en-us/graph/api/invitation-post?view=graph-rest-1.0

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{authorize, tenant, Ctx, Origin, INVITE};
use crate::address::{valid_address, Dialect};
use crate::contract::{Role, TENANT_ID};
use crate::state::AppState;
use crate::store::{Provenance, Side, UserType};

pub(super) async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    origin: Origin,
    body: Bytes,
) -> Response {
    let ctx = Ctx::new(origin);
    let caller = match authorize(&state, &headers, &ctx, INVITE) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    if !caller.has_role(Role::GuestInviter) {
        return ctx.denied();
    }
    let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(&body) else {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Empty Payload. JSON content expected.",
        );
    };
    let email = b
        .get("invitedUserEmailAddress")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default();
    let redirect = b
        .get("inviteRedirectUrl")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if email.is_empty() || redirect.is_empty() {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Required properties invitedUserEmailAddress and inviteRedirectUrl must be specified.",
        );
    }
    // Graph checks the address as sent, after trimming white space (above); the rule is shared
    // with Exchange's New-MailContact, see `address::Dialect` for where they differ.
    if !valid_address(email, Dialect::Graph) {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The specified email address is invalid.",
        );
    }
    let display = b
        .get("invitedUserDisplayName")
        .and_then(Value::as_str)
        .map(str::to_string);
    let send = b
        .get("sendInvitationMessage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut t = tenant(&state, &caller);
    // An existing guest for the address is reused (invitation-post page: re-inviting returns the same user).
    let existing = t
        .users()
        .iter()
        .find(|u| {
            // A guest in deleted items is not reused (it can only be restored).
            !u.provenance.is_removed()
                && u.user_type == UserType::Guest
                && (u
                    .mail
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(email))
                    || u.other_mails.iter().any(|m| m.eq_ignore_ascii_case(email)))
        })
        .map(|u| (u.id.clone(), u.external_user_state.clone()));
    if existing.is_none()
        && t.users().iter().any(|u| {
            !u.provenance.is_removed()
                && u.user_type == UserType::Member
                && u.mail
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(email))
        })
    {
        return ctx.error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The invited user already exists in the directory as a member of this organization.",
        );
    }
    let (user_id, status) = match existing {
        Some((id, state)) => {
            let s = if state.as_deref() == Some("Accepted") {
                "Completed"
            } else {
                "PendingAcceptance"
            };
            (id, s)
        }
        None => {
            let name = display
                .clone()
                .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_string());
            let guest =
                crate::seed::guest_user(&mut t, &name, email, false, Provenance::now(Side::Graph));
            (t.insert_user(guest), "PendingAcceptance")
        }
    };
    if send {
        t.send_invitation_mail(crate::store::InvitationMail {
            to: email.to_string(),
            user_id: user_id.clone(),
            message: b
                .get("invitedUserMessageInfo")
                .and_then(|i| i.get("customizedMessageBody"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    let invitation_id = t.new_guid();
    let redeem = format!(
        "https://login.microsoftonline.com/redeem?rd=https%3a%2f%2finvitations.microsoft.com%2fredeem%2f%3ftenant%3d{}%26user%3d{}%26ticket%3d{}",
        TENANT_ID,
        user_id,
        invitation_id
    );
    let msg_info = b.get("invitedUserMessageInfo").cloned().unwrap_or_else(|| {
        json!({"messageLanguage": null, "customizedMessageBody": null,
            "ccRecipients": [{"emailAddress": {"name": null, "address": null}}]})
    });
    let body = json!({
        "@odata.context": ctx.context("invitations/$entity"),
        "id": invitation_id,
        "inviteRedeemUrl": redeem,
        "invitedUserDisplayName": display,
        "invitedUserType": "Guest",
        "invitedUserEmailAddress": email,
        "sendInvitationMessage": send,
        "resetRedemption": false,
        "inviteRedirectUrl": redirect,
        "status": status,
        "invitedUserMessageInfo": msg_info,
        "invitedUser": { "id": user_id },
    });
    ctx.json(StatusCode::CREATED, body)
}
