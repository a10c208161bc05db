//! Graph and Exchange clients.
//!
//! Platform-neutral: the clients talk through [`Transport`], get tokens from [`TokenSource`] and wait
//! with [`Sleeper`]. In the browser those are the app crate's `FetchTransport` (gloo-net, cancellable
//! with an `AbortSignal`), the MSAL bridge and `TimeoutSleeper`; natively (tests) reqwest and tokio.
//!
//! - [`GraphClient`]: groups, members, contacts, users, invitations, `$batch`.
//! - [`ExchangeClient`]: cmdlets through the admin API's `InvokeCommand`.
//! - [`lookup`]: the bulk reads (contacts and users by address in `$batch`es, member ids,
//!   `allowExternalSenders`, Exchange's group lists) as typed methods of both clients.
//! - [`delivery`]: the delivery check's reads (a group's delivery restrictions, the sender, the
//!   groups it is in, nested membership) as typed methods of the Exchange client.
//! - [`TenantError`]: one error type, decoded from either service's error body.
//! - retries: `Retry-After` obeyed exactly on 429/503, jittered exponential backoff otherwise, one
//!   forced token refresh on 401, NotFound retried only where a caller passes a [`ReplicationWait`].

pub mod delivery;
pub mod error;
pub mod exchange;
pub mod graph;
pub mod http;
pub mod lookup;
pub mod models;
pub mod retry;

pub use delivery::{Applied, DeliveryCheck, GroupDelivery, Restrictions};
pub use error::{ErrorDetail, TenantError};
pub use exchange::{
    DistributionGroup, ExchangeClient, MailContact, NewMailContact, OrganizationConfig, Recipient,
};
pub use graph::{BatchRequest, BatchResponse, GraphClient, GraphWrite, GraphWritten, GroupFilter};
pub use http::{
    encode_query_value, AuthError, HttpRequest, HttpResponse, Method, Resource, Sleeper,
    TokenSource, Transport, TransportError,
};
pub use models::{
    DelegatedAdminCustomer, Group, GroupId, GroupKind, GroupKindError, Invitation, Member,
    NewInvitation, ObjectId, OrgContact, Page, TenantInformation, User,
};
pub use retry::{ReplicationWait, RetryPolicy};
