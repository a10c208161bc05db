//! The tenant clients, natively.
//!
//! 1. Decoding: Microsoft's documented answers and error bodies (tests/resources/) → the right model or
//!    `TenantError` variant.
//! 2. Requests and retries against a scripted transport: what goes on the wire, how long the clients
//!    ask to wait.
//! 3. Against the running simulated tenant over real HTTP (reqwest): paging through 2,500 groups,
//!    every documented error, 429/503 + `Retry-After` with the waits measured, 401 → one refresh,
//!    dropped connections, replication delay.
#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use guestlist_core::domain::retry::{ReplicationSchedule, RetryPolicy};
use guestlist_core::tenant::error::{exchange_error, graph_error};
use guestlist_core::tenant::graph::GRAPH_V1;
use guestlist_core::tenant::{
    AuthError, BatchRequest, ExchangeClient, GraphClient, GraphWrite, GraphWritten, GroupFilter,
    GroupId, GroupKind, HttpRequest, HttpResponse, Member, Method, NewInvitation, NewMailContact,
    ObjectId, ReplicationWait, Resource, Sleeper, TenantError, TokenSource, Transport,
    TransportError,
};
use serde_json::{json, Value};

// ====================================================================== support

fn fixture(path: &str) -> String {
    let full = format!("{}/tests/resources/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn response(status: u16, headers: &[(&str, &str)], body: String) -> HttpResponse {
    HttpResponse {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body,
    }
}

/// Answers from a queue and keeps every request it was handed.
#[derive(Default)]
struct Scripted {
    answers: RefCell<VecDeque<Result<HttpResponse, TransportError>>>,
    seen: RefCell<Vec<HttpRequest>>,
}

impl Scripted {
    fn new(answers: Vec<Result<HttpResponse, TransportError>>) -> Self {
        Self {
            answers: RefCell::new(answers.into()),
            seen: RefCell::default(),
        }
    }
    fn ok(status: u16, body: String) -> Result<HttpResponse, TransportError> {
        Ok(response(status, &[], body))
    }
    fn seen(&self) -> Vec<HttpRequest> {
        self.seen.borrow().clone()
    }
}

impl Transport for Scripted {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.seen.borrow_mut().push(req);
        self.answers
            .borrow_mut()
            .pop_front()
            .expect("the script ran out of answers")
    }
}

/// Tokens `t-0`, then `t-1`, `t-2`… after each forced refresh.
#[derive(Default)]
struct CountingTokens {
    forced: Cell<u32>,
}

impl TokenSource for CountingTokens {
    async fn token(&self, _resource: Resource, force_refresh: bool) -> Result<String, AuthError> {
        if force_refresh {
            self.forced.set(self.forced.get() + 1);
        }
        Ok(format!("t-{}", self.forced.get()))
    }
}

/// Records the waits asked for and returns at once (scripted tests check what was asked).
#[derive(Default)]
struct RecordingSleeper {
    asked: RefCell<Vec<Duration>>,
}

impl Sleeper for RecordingSleeper {
    async fn sleep(&self, d: Duration) {
        self.asked.borrow_mut().push(d);
    }
}

fn quick_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base: Duration::from_millis(200),
        cap: Duration::from_secs(2),
        replication: ReplicationSchedule {
            delays: vec![Duration::from_millis(500); 6],
        },
    }
}

fn no_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 1,
        ..quick_policy()
    }
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.header_value(name)
}

fn body_json(req: &HttpRequest) -> Value {
    serde_json::from_str(req.body.as_deref().expect("a body")).expect("JSON body")
}

// ====================================================================== 1. decoding

const RID: &str = "0b5a8a6e-2b3f-4b5e-9d0a-5e6f7a8b9c0d";

fn graph_fixture_error(file: &str, status: u16, headers: &[(&str, &str)]) -> TenantError {
    graph_error(&response(
        status,
        headers,
        fixture(&format!("graph/{file}")),
    ))
}

fn exchange_fixture_error(file: &str, status: u16, headers: &[(&str, &str)]) -> TenantError {
    exchange_error(&response(
        status,
        headers,
        fixture(&format!("exchange/{file}")),
    ))
}

#[test]
fn graph_error_bodies_decode_to_their_variants() {
    let e = graph_fixture_error("error-already-member.json", 400, &[]);
    assert!(matches!(e, TenantError::AlreadyMember(_)), "{e:?}");
    let d = e.detail().unwrap();
    assert_eq!((d.status, d.code.as_str()), (400, "Request_BadRequest"));
    assert_eq!(e.request_id(), Some(RID));
    assert_eq!(d.date.as_deref(), Some("2024-05-14T09:21:33"));

    for f in [
        "error-mail-enabled-group.json",
        "error-mail-enabled-group-older.json",
    ] {
        let e = graph_fixture_error(f, 400, &[]);
        assert!(
            matches!(e, TenantError::CannotUpdateMailEnabledGroup(_)),
            "{f}: {e:?}"
        );
    }

    let e = graph_fixture_error("error-forbidden.json", 403, &[]);
    assert!(matches!(e, TenantError::Forbidden(_)), "{e:?}");
    assert_eq!(e.detail().unwrap().code, "Authorization_RequestDenied");

    let e = graph_fixture_error("error-not-found.json", 404, &[]);
    assert!(matches!(e, TenantError::NotFound(_)), "{e:?}");
    assert!(!e.is_transient());

    let e = graph_fixture_error("error-throttled.json", 429, &[("Retry-After", "7")]);
    assert!(
        matches!(e, TenantError::Throttled { retry_after: Some(d), .. } if d == Duration::from_secs(7)),
        "{e:?}"
    );
    assert!(e.is_transient());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(e.request_id(), Some("94fb3b52-452a-4535-a601-69e0a90e3aa2"));
    let e = graph_fixture_error("error-throttled.json", 429, &[]);
    assert!(
        matches!(
            e,
            TenantError::Throttled {
                retry_after: None,
                ..
            }
        ),
        "{e:?}"
    );

    let e = graph_fixture_error("error-unavailable.json", 503, &[("retry-after", "3")]);
    assert!(matches!(e, TenantError::Unavailable { .. }), "{e:?}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));

    let e = graph_fixture_error("error-unauthorized.json", 401, &[]);
    assert!(matches!(e, TenantError::Unauthorized(_)), "{e:?}");

    let e = graph_fixture_error("error-unsupported-query.json", 400, &[]);
    assert!(matches!(e, TenantError::UnsupportedQuery(_)), "{e:?}");

    let e = graph_fixture_error("error-other.json", 400, &[]);
    match &e {
        TenantError::Other(d) => {
            assert_eq!(d.message, "Invalid object identifier 'not-a-guid'.");
            assert_eq!(d.code, "Request_BadRequest");
        }
        other => panic!("{other:?}"),
    }
    let shown = e.to_string();
    assert!(
        shown.contains("Invalid object identifier") && shown.contains(RID),
        "{shown}"
    );
}

#[test]
fn graph_error_without_body_takes_request_id_from_headers() {
    let e = graph_error(&response(500, &[("request-id", "abc-123")], String::new()));
    match &e {
        TenantError::Other(d) => {
            assert_eq!((d.status, d.request_id.as_deref()), (500, Some("abc-123")))
        }
        other => panic!("{other:?}"),
    }
    assert!(e.is_transient(), "a 500 is worth another try");
}

/// (fixture, HTTP status, expected variant, exception type suffix)
type ExchangeCase = (&'static str, u16, fn(&TenantError) -> bool, &'static str);

#[test]
fn exchange_error_bodies_decode_by_exception_type() {
    let cases: &[ExchangeCase] = &[
        (
            "error-member-already-exists.json",
            400,
            |e| matches!(e, TenantError::AlreadyMember(_)),
            "MemberAlreadyExistsException",
        ),
        (
            "error-member-already-exists-older.json",
            400,
            |e| matches!(e, TenantError::AlreadyMember(_)),
            "MemberAlreadyExistsException",
        ),
        (
            "error-member-not-found.json",
            400,
            |e| matches!(e, TenantError::NotMember(_)),
            "MemberNotFoundException",
        ),
        (
            "error-not-found.json",
            400,
            |e| matches!(e, TenantError::NotFound(_)),
            "ManagementObjectNotFoundException",
        ),
        (
            "error-not-found-older.json",
            400,
            |e| matches!(e, TenantError::NotFound(_)),
            "ManagementObjectNotFoundException",
        ),
        (
            "error-name-exists.json",
            400,
            |e| matches!(e, TenantError::AlreadyExists(_)),
            "ADObjectAlreadyExistsException",
        ),
        (
            "error-proxy-exists.json",
            400,
            |e| matches!(e, TenantError::AlreadyExists(_)),
            "ProxyAddressExistsException",
        ),
        (
            "error-ambiguous.json",
            400,
            |e| matches!(e, TenantError::Ambiguous(_)),
            "ManagementObjectAmbiguousException",
        ),
        (
            "error-access-denied.json",
            403,
            |e| matches!(e, TenantError::Forbidden(_)),
            "CmdletAccessDeniedException",
        ),
        (
            "error-group-manager.json",
            400,
            |e| matches!(e, TenantError::Forbidden(_)),
            "OperationRequiresGroupManagerException",
        ),
        (
            "error-command-not-found.json",
            400,
            |e| matches!(e, TenantError::UnknownCommand(_)),
            "CommandNotFoundException",
        ),
        (
            "error-parameter-binding.json",
            400,
            |e| matches!(e, TenantError::UnknownCommand(_)),
            "ParameterBindingException",
        ),
        (
            "error-other.json",
            400,
            |e| matches!(e, TenantError::Other(_)),
            "InvalidArgumentException",
        ),
    ];
    for (file, status, is_variant, ty) in cases {
        let e = exchange_fixture_error(file, *status, &[("request-id", "ex-req-1")]);
        assert!(is_variant(&e), "{file}: {e:?}");
        let d = e.detail().expect("detail");
        assert!(
            d.exception_type.as_deref().is_some_and(|t| t.ends_with(ty)),
            "{file}: {d:?}"
        );
        // The specific message, not the generic envelope.
        assert_ne!(d.message, "Error executing cmdlet", "{file}");
        assert!(!d.message.is_empty(), "{file}");
        assert_eq!(e.request_id(), Some("ex-req-1"), "{file}");
    }
    let e = exchange_fixture_error("error-not-found-older.json", 400, &[]);
    assert!(e
        .detail()
        .unwrap()
        .message
        .starts_with("The operation couldn't be performed because object 'ann@fabrikam.com'"));

    let e = exchange_fixture_error("error-throttled.json", 429, &[("Retry-After", "30")]);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(30)), "{e:?}");
    let e = exchange_fixture_error("error-unauthorized.json", 401, &[]);
    assert!(matches!(e, TenantError::Unauthorized(_)), "{e:?}");
}

fn graph_scripted(
    answers: Vec<Result<HttpResponse, TransportError>>,
) -> GraphClient<Scripted, CountingTokens, RecordingSleeper> {
    GraphClient::new(
        GRAPH_V1,
        Scripted::new(answers),
        CountingTokens::default(),
        RecordingSleeper::default(),
    )
    .with_policy(quick_policy())
}

// The clients only need a reference to their parts; these tests keep them to inspect afterwards.
struct Parts {
    transport: Scripted,
    tokens: CountingTokens,
    sleeper: RecordingSleeper,
}

impl Parts {
    fn new(answers: Vec<Result<HttpResponse, TransportError>>) -> Self {
        Self {
            transport: Scripted::new(answers),
            tokens: CountingTokens::default(),
            sleeper: RecordingSleeper::default(),
        }
    }
    fn graph(&self) -> GraphClient<&Scripted, &CountingTokens, &RecordingSleeper> {
        GraphClient::new(GRAPH_V1, &self.transport, &self.tokens, &self.sleeper)
            .with_policy(quick_policy())
    }
    fn exchange(&self) -> ExchangeClient<&Scripted, &CountingTokens, &RecordingSleeper> {
        ExchangeClient::new(
            "https://outlook.office365.com",
            "b6a2f1c4-3e5d-4f7a-9c8b-1d2e3f4a5b6c",
            "admin@contoso.onmicrosoft.com",
            &self.transport,
            &self.tokens,
            &self.sleeper,
        )
        .with_policy(quick_policy())
    }
    fn asked(&self) -> Vec<Duration> {
        self.sleeper.asked.borrow().clone()
    }
}

#[tokio::test]
async fn groups_page_decodes_kinds_and_next_link() {
    let p = Parts::new(vec![Scripted::ok(200, fixture("graph/groups-page.json"))]);
    let page = p.graph().list_groups().await.unwrap();
    let kinds: Vec<GroupKind> = page.items.iter().map(|g| g.kind().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            GroupKind::Microsoft365,
            GroupKind::Distribution,
            GroupKind::MailEnabledSecurity,
            GroupKind::Security
        ]
    );
    assert!(page.items[3].is_dynamic());
    assert!(page.next.as_deref().unwrap().contains("$skiptoken="));
    let req = &p.transport.seen()[0];
    assert_eq!(req.method, Method::Get);
    assert!(
        req.url
            .starts_with("https://graph.microsoft.com/v1.0/groups?$select=id,displayName"),
        "{}",
        req.url
    );
    assert!(req.url.contains("$top=999"));
    assert_eq!(header(req, "Authorization"), Some("Bearer t-0"));
}

#[tokio::test]
async fn next_link_outside_the_base_is_refused_without_sending_the_token() {
    let p = Parts::new(vec![]);
    let client = GraphClient::new(
        "http://127.0.0.1:9/v1.0",
        &p.transport,
        &p.tokens,
        &p.sleeper,
    );
    let err = client
        .next_page::<Value>("https://graph.microsoft.com/v1.0/groups?$skiptoken=x")
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::InvalidRequest(_)), "{err:?}");
    assert!(p.transport.seen().is_empty());
}

#[tokio::test]
async fn members_are_typed_by_odata_type_and_bare_contacts_still_decode() {
    let p = Parts::new(vec![
        Scripted::ok(200, fixture("graph/members.json")),
        Scripted::ok(200, fixture("graph/members-bare-contact.json")),
    ]);
    let g = p.graph();
    let id = GroupId::from("45b7d2e7-b882-4a80-ba97-10b7a63b8fa4");
    let page = g.list_members(&id).await.unwrap();
    assert!(
        matches!(&page.items[0], Member::User(u) if u.mail.as_deref() == Some("AdeleV@contoso.com"))
    );
    assert!(
        matches!(&page.items[1], Member::Contact(c) if c.mail.as_deref() == Some("ann@fabrikam.com"))
    );
    assert!(
        matches!(&page.items[2], Member::Group(gr) if gr.kind() == Ok(GroupKind::Distribution))
    );
    assert!(
        matches!(&page.items[3], Member::Other { odata_type, .. } if odata_type == "#microsoft.graph.device")
    );
    assert_eq!(page.items[1].id(), "25caf7fd-e1e3-4a4c-9a2e-0b2f0d7b43a1");

    let bare = g.list_members(&id).await.unwrap();
    match &bare.items[1] {
        Member::Contact(c) => assert_eq!(
            (c.id.as_str(), c.mail.as_deref()),
            ("25caf7fd-e1e3-4a4c-9a2e-0b2f0d7b43a1", None)
        ),
        other => panic!("{other:?}"),
    }
    assert!(p.transport.seen()[0]
        .url
        .ends_with("/groups/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4/members?$top=999"));
}

#[tokio::test]
async fn decode_errors_name_the_field_that_broke() {
    let p = Parts::new(vec![Scripted::ok(
        200,
        r#"{"value":[{"id":"g1","mailEnabled":"yes"}]}"#.into(),
    )]);
    let err = p.graph().list_groups().await.unwrap_err();
    match err {
        TenantError::Decode { path, .. } => assert_eq!(path, "value[0].mailEnabled"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn invitation_is_posted_and_its_guest_decoded() {
    let p = Parts::new(vec![Scripted::ok(201, fixture("graph/invitation.json"))]);
    let inv = p
        .graph()
        .invite_guest(&NewInvitation {
            email: "ann@fabrikam.com".into(),
            display_name: Some("Ann Partner".into()),
            redirect_url: "https://myapplications.microsoft.com".into(),
            send_invitation_message: false,
            message: None,
        })
        .await
        .unwrap();
    assert_eq!(
        inv.invited_user.unwrap().id,
        ObjectId::from("243b1de4-ad9f-421c-a933-d55305fb165d")
    );
    assert_eq!(inv.status.as_deref(), Some("PendingAcceptance"));
    let req = &p.transport.seen()[0];
    assert_eq!(
        (req.method, req.url.as_str()),
        (Method::Post, "https://graph.microsoft.com/v1.0/invitations")
    );
    assert_eq!(
        body_json(req),
        json!({"invitedUserEmailAddress":"ann@fabrikam.com","inviteRedirectUrl":"https://myapplications.microsoft.com",
               "sendInvitationMessage":false,"invitedUserDisplayName":"Ann Partner"})
    );
    assert_eq!(header(req, "Content-Type"), Some("application/json"));
}

#[tokio::test]
async fn search_and_filters_are_encoded_with_consistency_level() {
    let p = Parts::new(vec![
        Scripted::ok(200, r#"{"@odata.count":1,"value":[{"id":"g1"}]}"#.into()),
        Scripted::ok(200, r#"{"value":[]}"#.into()),
        Scripted::ok(200, r#"{"value":[]}"#.into()),
    ]);
    let g = p.graph();
    let page = g
        .search_groups("Sales \"EU\"", GroupFilter::MailEnabled)
        .await
        .unwrap();
    assert_eq!(page.count, Some(1));
    g.find_users_by_mail("dana.o'neil@fabrikam.com")
        .await
        .unwrap();
    g.find_contacts_by_mail("ann@fabrikam.com").await.unwrap();
    let seen = p.transport.seen();
    let search = &seen[0];
    assert_eq!(header(search, "ConsistencyLevel"), Some("eventual"));
    assert!(search.url.contains("$count=true"));
    // $search="displayName:Sales \"EU\"" percent-encoded
    assert!(
        search
            .url
            .contains("$search=%22displayName%3ASales%20%5C%22EU%5C%22%22"),
        "{}",
        search.url
    );
    assert!(
        search.url.contains("$filter=mailEnabled%20eq%20true"),
        "{}",
        search.url
    );
    let users = &seen[1];
    assert_eq!(header(users, "ConsistencyLevel"), Some("eventual"));
    assert!(
        users.url.contains("dana.o%27%27neil%40fabrikam.com"),
        "quote doubled: {}",
        users.url
    );
    assert!(users.url.contains("otherMails%2Fany"), "{}", users.url);
    assert!(
        seen[2]
            .url
            .ends_with("/contacts?$filter=mail%20eq%20%27ann%40fabrikam.com%27"),
        "{}",
        seen[2].url
    );
}

#[tokio::test]
async fn member_refs_always_use_ref_and_external_senders_is_patched_alone() {
    let p = Parts::new(vec![
        Scripted::ok(204, String::new()),
        Scripted::ok(204, String::new()),
        Scripted::ok(204, String::new()),
    ]);
    let g = p.graph();
    let group = GroupId::from("g-1");
    let member = ObjectId::from("u-1");
    g.add_member_ref(&group, &member, ReplicationWait::None)
        .await
        .unwrap();
    g.remove_member_ref(&group, &member).await.unwrap();
    g.set_allow_external_senders(&group, true).await.unwrap();
    let seen = p.transport.seen();
    assert_eq!(
        (seen[0].method, seen[0].url.as_str()),
        (
            Method::Post,
            "https://graph.microsoft.com/v1.0/groups/g-1/members/$ref"
        )
    );
    assert_eq!(
        body_json(&seen[0]),
        json!({"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/u-1"})
    );
    assert_eq!(
        (seen[1].method, seen[1].url.as_str()),
        (
            Method::Delete,
            "https://graph.microsoft.com/v1.0/groups/g-1/members/u-1/$ref"
        )
    );
    assert_eq!(
        (seen[2].method, seen[2].url.as_str()),
        (Method::Patch, "https://graph.microsoft.com/v1.0/groups/g-1")
    );
    assert_eq!(body_json(&seen[2]), json!({"allowExternalSenders": true}));
}

#[tokio::test]
async fn batch_retries_inner_429_after_its_retry_after_with_its_dependents() {
    let second = json!({"responses":[{"id":"3","status":204,"body":null},{"id":"2","status":204}]})
        .to_string();
    let p = Parts::new(vec![
        Scripted::ok(200, fixture("graph/batch-throttled.json")),
        Scripted::ok(200, second),
    ]);
    let reqs = vec![
        BatchRequest::new("1", Method::Delete, "/groups/g/members/a/$ref"),
        BatchRequest::new("2", Method::Post, "/groups/g/members/$ref")
            .body(json!({"@odata.id":"x"})),
        BatchRequest::new("3", Method::Get, "/groups/g/members").depends_on("2"),
        BatchRequest::new("4", Method::Post, "/groups/g/members/$ref")
            .body(json!({"@odata.id":"y"})),
    ];
    let out = p.graph().batch(reqs).await.unwrap();
    let statuses: Vec<(String, u16)> = out.iter().map(|r| (r.id.clone(), r.status)).collect();
    assert_eq!(
        statuses,
        [
            ("1".into(), 204),
            ("2".into(), 204),
            ("3".into(), 204),
            ("4".into(), 400)
        ]
    );
    assert!(matches!(
        out[3].error(),
        Some(TenantError::AlreadyMember(_))
    ));
    assert_eq!(p.asked(), [Duration::from_secs(5)], "the inner Retry-After");
    let again = body_json(&p.transport.seen()[1]);
    let ids: Vec<&str> = again["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["2", "3"]);
    assert_eq!(again["requests"][1]["dependsOn"], json!(["2"]));
    let first = body_json(&p.transport.seen()[0]);
    assert_eq!(first["requests"].as_array().unwrap().len(), 4);
    assert_eq!(
        first["requests"][1]["headers"]["Content-Type"],
        "application/json"
    );
}

#[tokio::test]
async fn write_batch_answers_each_write_and_sends_a_throttled_one_again_after_its_retry_after() {
    let invitation: Value = serde_json::from_str(&fixture("graph/invitation.json")).unwrap();
    let throttled: Value = serde_json::from_str(&fixture("graph/batch-throttled.json")).unwrap();
    let [_, inner_429, _, already_member] = throttled["responses"].as_array().unwrap().as_slice()
    else {
        panic!("fixture shape")
    };
    let with_id = |id: &str, v: &Value| {
        let mut v = v.clone();
        v["id"] = json!(id);
        v
    };
    let first = json!({"responses": [
        with_id("2", already_member),
        {"id": "0", "status": 201, "headers": {"Content-Type": "application/json"}, "body": invitation},
        with_id("1", inner_429),
    ]});
    let second = json!({"responses": [{"id": "1", "status": 204, "body": null}]});
    let p = Parts::new(vec![
        Scripted::ok(200, first.to_string()),
        Scripted::ok(200, second.to_string()),
    ]);
    let writes = [
        GraphWrite::Invite(NewInvitation {
            email: "ann@fabrikam.com".into(),
            display_name: Some("Ann Partner".into()),
            redirect_url: "https://myapplications.microsoft.com".into(),
            send_invitation_message: false,
            message: None,
        }),
        GraphWrite::AddMember {
            group: GroupId("g/1".into()),
            member: ObjectId("u-1".into()),
        },
        GraphWrite::AddMember {
            group: GroupId("g/1".into()),
            member: ObjectId("u-2".into()),
        },
    ];
    let out = p.graph().write_batch(&writes).await.unwrap();
    // In request order, whatever order the answers came in.
    assert!(
        matches!(&out[0], Ok(GraphWritten::Invited(i))
            if i.invited_user.as_ref().unwrap().id.0 == "243b1de4-ad9f-421c-a933-d55305fb165d"),
        "{:?}",
        out[0]
    );
    assert_eq!(out[1], Ok(GraphWritten::Added));
    assert!(
        matches!(out[2], Err(TenantError::AlreadyMember(_))),
        "{:?}",
        out[2]
    );
    assert_eq!(p.asked(), [Duration::from_secs(5)], "the inner Retry-After");
    let seen = p.transport.seen();
    let sent = body_json(&seen[0]);
    assert_eq!(
        sent["requests"][0],
        json!({"id": "0", "method": "POST", "url": "/invitations",
               "headers": {"Content-Type": "application/json"},
               "body": {"invitedUserEmailAddress": "ann@fabrikam.com",
                        "inviteRedirectUrl": "https://myapplications.microsoft.com",
                        "sendInvitationMessage": false,
                        "invitedUserDisplayName": "Ann Partner"}})
    );
    assert_eq!(sent["requests"][1]["url"], "/groups/g%2F1/members/$ref");
    assert_eq!(
        sent["requests"][1]["body"],
        json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/u-1"})
    );
    assert!(sent["requests"][1].get("dependsOn").is_none());
    let again = body_json(&seen[1]);
    assert_eq!(again["requests"].as_array().unwrap().len(), 1);
    assert_eq!(again["requests"][0]["id"], "1");
}

#[tokio::test]
async fn batch_of_more_than_20_is_refused_before_sending() {
    let p = Parts::new(vec![]);
    let reqs: Vec<BatchRequest> = (0..21)
        .map(|i| BatchRequest::new(i.to_string(), Method::Get, "/me"))
        .collect();
    let err = p.graph().batch(reqs).await.unwrap_err();
    assert!(matches!(err, TenantError::InvalidRequest(_)), "{err:?}");
    assert!(p.transport.seen().is_empty());
}

#[tokio::test]
async fn retry_after_is_asked_exactly_and_backoff_only_without_it() {
    let me = r#"{"id":"u1","displayName":"Admin"}"#.to_string();
    let p = Parts::new(vec![
        Ok(response(
            429,
            &[("Retry-After", "2")],
            fixture("graph/error-throttled.json"),
        )),
        Ok(response(503, &[], fixture("graph/error-unavailable.json"))),
        Err(TransportError::Network("connection reset".into())),
        Scripted::ok(200, me),
    ]);
    let user = p.graph().me().await.unwrap();
    assert_eq!(user.display_name.as_deref(), Some("Admin"));
    let asked = p.asked();
    assert_eq!(asked.len(), 3, "{asked:?}");
    assert_eq!(asked[0], Duration::from_secs(2));
    // Without Retry-After: full-jitter backoff under the policy's growing ceiling.
    assert!(asked[1] <= Duration::from_millis(400), "{asked:?}");
    assert!(asked[2] <= Duration::from_millis(800), "{asked:?}");
}

#[tokio::test]
async fn attempts_are_bounded() {
    let throttled = || {
        Ok(response(
            429,
            &[("Retry-After", "1")],
            fixture("graph/error-throttled.json"),
        ))
    };
    let p = Parts::new(vec![throttled(), throttled(), throttled(), throttled()]);
    let err = p.graph().me().await.unwrap_err();
    assert!(matches!(err, TenantError::Throttled { .. }), "{err:?}");
    assert_eq!(p.transport.seen().len(), 4);
    assert_eq!(p.asked(), vec![Duration::from_secs(1); 3]);
}

#[tokio::test]
async fn the_mode_probe_asks_graph_for_the_signed_in_users_id_only() {
    let p = Parts::new(vec![
        Scripted::ok(200, r#"{"id":"u1","displayName":"Admin"}"#.into()),
        Ok(response(403, &[], fixture("graph/error-forbidden.json"))),
    ]);
    p.graph().me_answers().await.unwrap();
    let seen = p.transport.seen();
    assert!(seen[0].url.ends_with("/me?$select=id"), "{}", seen[0].url);
    let err = p.graph().me_answers().await.unwrap_err();
    assert!(matches!(err, TenantError::Forbidden(_)), "{err:?}");
}

#[tokio::test]
async fn unauthorized_refreshes_once_then_asks_to_sign_in_again() {
    let unauthorized = || Ok(response(401, &[], fixture("graph/error-unauthorized.json")));
    let p = Parts::new(vec![
        unauthorized(),
        Scripted::ok(200, r#"{"id":"u1"}"#.into()),
    ]);
    p.graph().me().await.unwrap();
    let seen = p.transport.seen();
    assert_eq!(header(&seen[0], "Authorization"), Some("Bearer t-0"));
    assert_eq!(header(&seen[1], "Authorization"), Some("Bearer t-1"));
    assert_eq!(p.tokens.forced.get(), 1);

    let p = Parts::new(vec![unauthorized(), unauthorized()]);
    let err = p.graph().me().await.unwrap_err();
    assert!(matches!(err, TenantError::SignInAgain(_)), "{err:?}");
    assert_eq!(p.transport.seen().len(), 2);
    assert_eq!(p.tokens.forced.get(), 1, "exactly one forced refresh");
}

#[tokio::test]
async fn not_found_is_retried_only_when_the_caller_says_the_object_is_new() {
    let nf = || Ok(response(404, &[], fixture("graph/error-not-found.json")));
    let p = Parts::new(vec![nf(), nf(), Scripted::ok(204, String::new())]);
    p.graph()
        .add_member_ref(
            &GroupId::from("g"),
            &ObjectId::from("u"),
            ReplicationWait::JustCreated,
        )
        .await
        .unwrap();
    assert_eq!(p.asked(), vec![Duration::from_millis(500); 2]);

    let p = Parts::new(vec![nf()]);
    let err = p
        .graph()
        .add_member_ref(
            &GroupId::from("g"),
            &ObjectId::from("u"),
            ReplicationWait::None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::NotFound(_)), "{err:?}");
    assert_eq!(p.transport.seen().len(), 1);

    // The schedule is bounded too: six waits, then the NotFound stands.
    let p = Parts::new((0..7).map(|_| nf()).collect());
    let err = p
        .graph()
        .add_member_ref(
            &GroupId::from("g"),
            &ObjectId::from("u"),
            ReplicationWait::JustCreated,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::NotFound(_)), "{err:?}");
    assert_eq!(p.transport.seen().len(), 7);
}

#[tokio::test]
async fn exchange_invoke_posts_the_cmdlet_with_anchor_and_follows_next_links() {
    let p = Parts::new(vec![
        Scripted::ok(200, fixture("exchange/members-page-1.json")),
        Scripted::ok(200, fixture("exchange/members-page-2.json")),
        Scripted::ok(200, fixture("exchange/get-distribution-group.json")),
    ]);
    let x = p.exchange();
    let members = x
        .get_distribution_group_member("Sales and Marketing")
        .await
        .unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(
        members[1].recipient_type_details.as_deref(),
        Some("MailContact")
    );
    let dg = x
        .get_distribution_group("Sales and Marketing")
        .await
        .unwrap();
    assert_eq!(dg.require_sender_authentication_enabled, Some(true));
    assert_eq!(
        dg.recipient_type_details.as_deref(),
        Some("MailUniversalDistributionGroup")
    );
    assert_eq!(dg.kind(), Some(Ok(GroupKind::Distribution)));

    let seen = p.transport.seen();
    let first = &seen[0];
    assert_eq!(first.method, Method::Post);
    assert_eq!(first.url, "https://outlook.office365.com/adminapi/beta/b6a2f1c4-3e5d-4f7a-9c8b-1d2e3f4a5b6c/InvokeCommand");
    assert_eq!(
        header(first, "X-AnchorMailbox"),
        Some("UPN:admin@contoso.onmicrosoft.com")
    );
    assert_eq!(header(first, "Prefer"), Some("odata.maxpagesize=1000"));
    assert_eq!(
        body_json(first),
        json!({"CmdletInput":{"CmdletName":"Get-DistributionGroupMember","Parameters":{"Identity":"Sales and Marketing","ResultSize":"Unlimited"}}})
    );
    // Page 2: the same body, re-posted to the next link.
    assert!(
        seen[1].url.ends_with("/InvokeCommand?%24skiptoken=1000"),
        "{}",
        seen[1].url
    );
    assert_eq!(seen[1].body, first.body);
}

#[tokio::test]
async fn exchange_writes_carry_their_parameters() {
    let ok = || {
        Scripted::ok(200, r#"{"value":[{"Identity":"Ann Partner","Name":"Ann Partner","ExternalEmailAddress":"SMTP:ann@fabrikam.com"}]}"#.into())
    };
    let p = Parts::new(vec![
        ok(),
        Scripted::ok(200, r#"{"value":[]}"#.into()),
        Scripted::ok(200, r#"{"value":[]}"#.into()),
    ]);
    let x = p.exchange();
    let c = x
        .new_mail_contact(&NewMailContact {
            name: "Ann Partner".into(),
            external_email_address: "ann@fabrikam.com".into(),
            display_name: Some("Ann Partner".into()),
            first_name: Some("Ann".into()),
            last_name: None,
        })
        .await
        .unwrap();
    assert_eq!(
        c.external_email_address.as_deref(),
        Some("SMTP:ann@fabrikam.com")
    );
    x.set_require_sender_authentication("Sales", false)
        .await
        .unwrap();
    x.add_distribution_group_member("Sales", "ann@fabrikam.com", ReplicationWait::None)
        .await
        .unwrap();
    let seen = p.transport.seen();
    assert_eq!(
        body_json(&seen[0])["CmdletInput"]["Parameters"],
        json!({"Name":"Ann Partner","ExternalEmailAddress":"ann@fabrikam.com","DisplayName":"Ann Partner","FirstName":"Ann"})
    );
    assert_eq!(
        body_json(&seen[1])["CmdletInput"],
        json!({"CmdletName":"Set-DistributionGroup","Parameters":{"Identity":"Sales","RequireSenderAuthenticationEnabled":false,"BypassSecurityGroupManagerCheck":true}})
    );
    assert_eq!(
        body_json(&seen[2])["CmdletInput"]["Parameters"],
        json!({"Identity":"Sales","Member":"ann@fabrikam.com","BypassSecurityGroupManagerCheck":true})
    );
}

// Compile-time check that a client can own its parts too (the browser's usual shape).
#[allow(dead_code)]
fn owned_parts_compile() -> GraphClient<Scripted, CountingTokens, RecordingSleeper> {
    graph_scripted(vec![])
}

// ====================================================================== 3. against the sim

use guestlist_sim::client::{SimTokens, SimTransport, TokioSleeper, Wire};
use guestlist_sim::state::TENANT_ID;
use guestlist_sim::store::{GroupKind as SimKind, ADMIN_UPN, HELPDESK_UPN};
use guestlist_sim::{Knobs, RunningSim, SimConfig};

struct Env {
    sim: RunningSim,
    transport: SimTransport,
    tokens: SimTokens,
    sleeper: TokioSleeper,
}

impl Env {
    async fn start(user: &str) -> Env {
        Self::with_knobs(user, Knobs::default()).await
    }

    async fn with_knobs(user: &str, knobs: Knobs) -> Env {
        let sim = guestlist_sim::start(SimConfig {
            knobs,
            ..SimConfig::default()
        })
        .await
        .expect("sim starts");
        let tokens = SimTokens::new(&sim, user);
        Env {
            sim,
            transport: SimTransport::new(),
            tokens,
            sleeper: TokioSleeper::default(),
        }
    }

    fn graph(&self) -> GraphClient<&SimTransport, &SimTokens, &TokioSleeper> {
        GraphClient::new(
            format!("{}/v1.0", self.sim.base_url()),
            &self.transport,
            &self.tokens,
            &self.sleeper,
        )
        .with_policy(quick_policy())
    }

    fn exchange(&self) -> ExchangeClient<&SimTransport, &SimTokens, &TokioSleeper> {
        ExchangeClient::new(
            self.sim.base_url(),
            TENANT_ID,
            self.tokens.username(),
            &self.transport,
            &self.tokens,
            &self.sleeper,
        )
        .with_policy(quick_policy())
    }

    fn set_knobs(&self, f: impl FnOnce(&mut Knobs)) {
        let mut k = self.sim.state.knobs();
        f(&mut k);
        self.sim.set_knobs(k).expect("valid knobs");
    }

    /// (Graph id, Exchange name) of the first seeded group of `kind`.
    fn group(&self, kind: SimKind) -> (String, String) {
        let t = self.sim.state.tenant.lock().unwrap();
        let g = t
            .groups()
            .iter()
            .find(|g| g.kind == kind && g.members().len() < 1000)
            .expect("a seeded group of that kind");
        (g.id.clone(), g.name.clone())
    }

    fn graph_group_count(&self) -> usize {
        self.sim
            .state
            .tenant
            .lock()
            .unwrap()
            .groups()
            .iter()
            .filter(|g| g.kind.in_graph())
            .count()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_pages_through_2500_groups() {
    let env = Env::start(ADMIN_UPN).await;
    let seeded = env.graph_group_count();
    env.sim.state.tenant.lock().unwrap().add_bulk_groups(2500);
    let expected = seeded + 2500;
    assert!(expected >= 2500);

    let g = env.graph();
    let first = g.list_groups().await.unwrap();
    assert_eq!(first.items.len(), 999, "Graph's largest page");
    env.transport.log().clear();
    let all = g.all_pages(first, usize::MAX).await.unwrap();
    assert!(all.next.is_none());
    assert_eq!(all.items.len(), expected);
    let ids: HashSet<&str> = all.items.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids.len(), expected, "no group twice");
    let follow_ups = env.transport.log().all().len();
    assert_eq!(
        follow_ups,
        expected.div_ceil(999) - 1,
        "next links followed"
    );
    let kinds: HashSet<GroupKind> = all.items.iter().filter_map(|g| g.kind().ok()).collect();
    assert!(kinds.contains(&GroupKind::Microsoft365) && kinds.contains(&GroupKind::Distribution));

    // With a cap, it stops early and says where to go on.
    let first = g.list_groups().await.unwrap();
    let capped = g.all_pages(first, 1000).await.unwrap();
    assert_eq!(capped.items.len(), 1998);
    assert!(capped.next.is_some());
    println!(
        "paging: {expected} groups in {} pages of ≤ 999",
        follow_ups + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_search_finds_groups_by_name_and_kind() {
    let env = Env::start(ADMIN_UPN).await;
    let (_, name) = env.group(SimKind::Distribution);
    let g = env.graph();
    let page = g
        .search_groups(&name, GroupFilter::MailEnabled)
        .await
        .unwrap();
    assert!(
        page.items
            .iter()
            .any(|x| x.display_name.as_deref() == Some(name.as_str())),
        "{name}: {page:?}"
    );
    let unified = g
        .search_groups("", GroupFilter::Microsoft365)
        .await
        .unwrap();
    assert!(!unified.items.is_empty());
    assert!(unified
        .items
        .iter()
        .all(|x| x.kind() == Ok(GroupKind::Microsoft365)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_graph_errors_decode_to_their_variants() {
    let env = Env::start(ADMIN_UPN).await;
    let g = env.graph();
    let me = g.me().await.unwrap();
    assert_eq!(me.user_principal_name.as_deref(), Some(ADMIN_UPN));

    let err = g
        .get_group(&GroupId::from("00000000-0000-0000-0000-000000000000"))
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::NotFound(_)), "{err:?}");
    assert!(err.request_id().is_some(), "{err:?}");

    // A distribution list's members belong to Exchange.
    let (dl, _) = env.group(SimKind::Distribution);
    let err = g
        .add_member_ref(
            &GroupId::from(dl.as_str()),
            &ObjectId(me.id.0.clone()),
            ReplicationWait::None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, TenantError::CannotUpdateMailEnabledGroup(_)),
        "{err:?}"
    );

    // Already a member of a Microsoft 365 group.
    let (m365, _) = env.group(SimKind::Unified);
    let _ = g
        .add_member_ref(&GroupId::from(m365.as_str()), &me.id, ReplicationWait::None)
        .await;
    let err = g
        .add_member_ref(&GroupId::from(m365.as_str()), &me.id, ReplicationWait::None)
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::AlreadyMember(_)), "{err:?}");
    g.remove_member_ref(&GroupId::from(m365.as_str()), &me.id)
        .await
        .unwrap();

    // $search without ConsistencyLevel, sent raw inside a batch: the inner answer decodes too.
    let out = g
        .batch(vec![BatchRequest::new(
            "1",
            Method::Get,
            "/groups?$search=%22displayName%3ASales%22",
        )])
        .await
        .unwrap();
    assert!(
        matches!(out[0].error(), Some(TenantError::UnsupportedQuery(_))),
        "{:?}",
        out[0]
    );

    // allowExternalSenders round trip on a Microsoft 365 group.
    let id = GroupId::from(m365.as_str());
    g.set_allow_external_senders(&id, true).await.unwrap();
    assert_eq!(g.allow_external_senders(&id).await.unwrap(), Some(true));
    g.set_allow_external_senders(&id, false).await.unwrap();
    assert_eq!(g.allow_external_senders(&id).await.unwrap(), Some(false));

    // The helpdesk account holds no role that may change memberships.
    let helpdesk = Env::start(HELPDESK_UPN).await;
    let hg = helpdesk.graph();
    let hme = hg.me().await.unwrap();
    let (m365, _) = helpdesk.group(SimKind::Unified);
    let err = hg
        .add_member_ref(
            &GroupId::from(m365.as_str()),
            &hme.id,
            ReplicationWait::None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::Forbidden(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_exchange_errors_decode_by_exception_type() {
    let env = Env::start(ADMIN_UPN).await;
    let x = env.exchange();
    x.get_organization_config().await.unwrap();
    let (dl_id, dl) = env.group(SimKind::Distribution);

    let err = x
        .get_mail_contact("nobody@nowhere.example")
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::NotFound(_)), "{err:?}");
    assert!(err.request_id().is_some(), "{err:?}");

    let new = NewMailContact {
        name: "Ann Partner (Fabrikam)".into(),
        external_email_address: "ann.partner@fabrikam.example".into(),
        display_name: Some("Ann Partner".into()),
        first_name: Some("Ann".into()),
        last_name: Some("Partner".into()),
    };
    let c = x.new_mail_contact(&new).await.unwrap();
    assert!(
        c.external_email_address
            .as_deref()
            .unwrap()
            .ends_with("ann.partner@fabrikam.example"),
        "{c:?}"
    );
    let err = x.new_mail_contact(&new).await.unwrap_err();
    assert!(
        matches!(err, TenantError::AlreadyExists(_)),
        "name taken: {err:?}"
    );
    let err = x
        .new_mail_contact(&NewMailContact {
            name: "Another Name".into(),
            ..new.clone()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, TenantError::AlreadyExists(_)),
        "address taken: {err:?}"
    );
    x.set_mail_contact_hidden(&new.name, true, ReplicationWait::JustCreated)
        .await
        .unwrap();
    assert_eq!(
        x.get_mail_contact(&new.name)
            .await
            .unwrap()
            .hidden_from_address_lists_enabled,
        Some(true)
    );

    x.add_distribution_group_member(
        &dl,
        "ann.partner@fabrikam.example",
        ReplicationWait::JustCreated,
    )
    .await
    .unwrap();
    let err = x
        .add_distribution_group_member(&dl, "ann.partner@fabrikam.example", ReplicationWait::None)
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::AlreadyMember(_)), "{err:?}");
    let members = x.get_distribution_group_member(&dl).await.unwrap();
    assert!(
        members
            .iter()
            .any(|m| m.recipient_type_details.as_deref() == Some("MailContact")),
        "{members:?}"
    );
    // Script mode's check: Graph sees the contact Exchange added (no replication delay here).
    let contacts = env
        .graph()
        .list_contact_members(&GroupId::from(dl_id.as_str()))
        .await
        .unwrap();
    assert!(
        contacts
            .items
            .iter()
            .any(|c| c.mail.as_deref() == Some("ann.partner@fabrikam.example")),
        "{contacts:?}"
    );
    x.remove_distribution_group_member(&dl, "ann.partner@fabrikam.example")
        .await
        .unwrap();
    let err = x
        .remove_distribution_group_member(&dl, "ann.partner@fabrikam.example")
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::NotMember(_)), "{err:?}");

    let group = x.get_distribution_group(&dl).await.unwrap();
    assert!(group.require_sender_authentication_enabled.is_some());
    x.set_require_sender_authentication(&dl, false)
        .await
        .unwrap();
    assert_eq!(
        x.get_distribution_group(&dl)
            .await
            .unwrap()
            .require_sender_authentication_enabled,
        Some(false)
    );
    let r = x.get_recipient(&dl).await.unwrap();
    assert!(r.recipient_type_details.is_some());

    let err = x.invoke("Get-Nothing", json!({})).await.unwrap_err();
    assert!(matches!(err, TenantError::UnknownCommand(_)), "{err:?}");
    let err = x
        .invoke("Get-Recipient", json!({"Bogus": 1}))
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::UnknownCommand(_)), "{err:?}");

    let helpdesk = Env::start(HELPDESK_UPN).await;
    let err = helpdesk
        .exchange()
        .new_mail_contact(&new)
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::Forbidden(_)), "{err:?}");
    assert!(err
        .detail()
        .unwrap()
        .exception_type
        .as_deref()
        .unwrap()
        .ends_with("CmdletAccessDeniedException"));
}

/// For each 429/503 answer: the wait it asked for, and the time until the client's next request.
fn waits(log: &[Wire], status: u16) -> Vec<(u64, Duration)> {
    log.windows(2)
        .filter(|w| w[0].status == Some(status))
        .map(|w| {
            (
                w[0].retry_after.expect("Retry-After sent"),
                w[1].sent.duration_since(w[0].received),
            )
        })
        .collect()
}

fn check_waits(label: &str, measured: &[(u64, Duration)]) {
    assert!(!measured.is_empty(), "{label}: no throttled answer seen");
    for (asked, observed) in measured {
        let asked_d = Duration::from_secs(*asked);
        println!(
            "{label}: Retry-After {asked} s asked, next request after {:.3} s",
            observed.as_secs_f64()
        );
        assert!(
            *observed >= asked_d,
            "{label}: retried early: {observed:?} < {asked_d:?}"
        );
        assert!(
            *observed < asked_d + Duration::from_secs(1),
            "{label}: waited too long: {observed:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_429_retry_after_is_obeyed_and_measured() {
    let env = Env::start(ADMIN_UPN).await;
    let g = env.graph();
    g.me().await.unwrap(); // token in cache, so the log below holds service requests only

    for secs in [1u64, 2, 3] {
        // More than one request a second → 429 with Retry-After `secs`.
        env.set_knobs(|k| {
            k.throttle_rate_per_sec = 1;
            k.retry_after_secs = secs;
        });
        env.transport.log().clear();
        g.me().await.unwrap();
        g.me().await.unwrap();
        let measured = waits(&env.transport.log().all(), 429);
        assert!(measured.iter().all(|(a, _)| *a == secs));
        check_waits("Graph 429", &measured);
    }

    // Exchange, same knob.
    let x = env.exchange();
    env.set_knobs(|k| {
        k.throttle_rate_per_sec = 0;
    });
    x.get_organization_config().await.unwrap();
    env.set_knobs(|k| {
        k.throttle_rate_per_sec = 1;
        k.retry_after_secs = 2;
    });
    env.transport.log().clear();
    x.get_organization_config().await.unwrap();
    x.get_organization_config().await.unwrap();
    check_waits("Exchange 429", &waits(&env.transport.log().all(), 429));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_503_retry_after_is_obeyed_and_measured() {
    let env = Env::with_knobs(
        ADMIN_UPN,
        Knobs {
            unavailable_fraction: 0.5,
            retry_after_secs: 1,
            ..Knobs::default()
        },
    )
    .await;
    let g = env.graph().with_policy(RetryPolicy {
        max_attempts: 10,
        ..quick_policy()
    });
    for _ in 0..6 {
        g.me().await.unwrap();
    }
    check_waits("Graph 503", &waits(&env.transport.log().all(), 503));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_throttled_error_surfaces_when_attempts_run_out() {
    let env = Env::with_knobs(
        ADMIN_UPN,
        Knobs {
            throttle_fraction: 1.0,
            retry_after_secs: 1,
            ..Knobs::default()
        },
    )
    .await;
    let err = env.graph().with_policy(no_retry()).me().await.unwrap_err();
    assert!(
        matches!(err, TenantError::Throttled { retry_after: Some(d), .. } if d == Duration::from_secs(1)),
        "{err:?}"
    );
    env.set_knobs(|k| {
        k.throttle_fraction = 0.0;
        k.unavailable_fraction = 1.0;
    });
    let err = env.graph().with_policy(no_retry()).me().await.unwrap_err();
    assert!(
        matches!(
            err,
            TenantError::Unavailable {
                retry_after: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    let err = env
        .exchange()
        .with_policy(no_retry())
        .get_organization_config()
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::Unavailable { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_refused_token_is_refreshed_once() {
    let env = Env::start(ADMIN_UPN).await;
    env.tokens.poison(Resource::Graph);
    env.tokens.poison(Resource::Exchange);
    env.graph().me().await.unwrap();
    env.exchange().get_organization_config().await.unwrap();
    assert_eq!(env.tokens.forced(), 2, "one forced refresh per resource");
    let statuses: Vec<Option<u16>> = env.transport.log().all().iter().map(|w| w.status).collect();
    assert_eq!(statuses, [Some(401), Some(200), Some(401), Some(200)]);
}

/// Always hands out a token the service refuses.
struct RefusedTokens {
    forced: Cell<u32>,
}

impl TokenSource for RefusedTokens {
    async fn token(&self, _r: Resource, force_refresh: bool) -> Result<String, AuthError> {
        if force_refresh {
            self.forced.set(self.forced.get() + 1);
        }
        Ok("not-a-jwt".into())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_token_refused_twice_means_sign_in_again() {
    let env = Env::start(ADMIN_UPN).await;
    let tokens = RefusedTokens {
        forced: Cell::new(0),
    };
    let g = GraphClient::new(
        format!("{}/v1.0", env.sim.base_url()),
        &env.transport,
        &tokens,
        &env.sleeper,
    );
    let err = g.me().await.unwrap_err();
    assert!(matches!(err, TenantError::SignInAgain(_)), "{err:?}");
    assert_eq!(tokens.forced.get(), 1);
    assert_eq!(env.transport.log().all().len(), 2);
    let x = ExchangeClient::new(
        env.sim.base_url(),
        TENANT_ID,
        ADMIN_UPN,
        &env.transport,
        &tokens,
        &env.sleeper,
    );
    let err = x.get_organization_config().await.unwrap_err();
    assert!(matches!(err, TenantError::SignInAgain(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_dropped_connections_are_retried() {
    let env = Env::start(ADMIN_UPN).await;
    let g = env.graph().with_policy(RetryPolicy {
        max_attempts: 10,
        ..quick_policy()
    });
    g.me().await.unwrap();
    env.set_knobs(|k| k.drop_fraction = 0.3);
    env.transport.log().clear();
    for _ in 0..10 {
        g.me().await.unwrap();
    }
    let x = env.exchange().with_policy(RetryPolicy {
        max_attempts: 10,
        ..quick_policy()
    });
    for _ in 0..5 {
        x.get_organization_config().await.unwrap();
    }
    let log = env.transport.log().all();
    let dropped = log.iter().filter(|w| w.status.is_none()).count();
    println!(
        "dropped connections: {dropped} of {} requests, all calls succeeded",
        log.len()
    );
    assert!(dropped > 0, "the knob dropped no connection");
    assert_eq!(
        log.len() - dropped,
        15,
        "every call ended in one answered request"
    );
    let backoffs = env.sleeper.asked();
    assert_eq!(backoffs.len(), dropped);
    assert!(
        backoffs.iter().all(|d| *d <= Duration::from_secs(2)),
        "{backoffs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_replication_delay_not_found_is_retried_until_visible() {
    let env = Env::with_knobs(
        ADMIN_UPN,
        Knobs {
            replication_delay_ms: 1500,
            ..Knobs::default()
        },
    )
    .await;
    let x = env.exchange();
    let (_, dl) = env.group(SimKind::Distribution);

    let new = NewMailContact {
        name: "Replication Test".into(),
        external_email_address: "replication@fabrikam.example".into(),
        ..NewMailContact::default()
    };
    x.new_mail_contact(&new).await.unwrap();
    // Asked not to wait: the fresh contact isn't there yet.
    let err = x
        .add_distribution_group_member(&dl, "replication@fabrikam.example", ReplicationWait::None)
        .await
        .unwrap_err();
    assert!(matches!(err, TenantError::NotFound(_)), "{err:?}");
    env.transport.log().clear();
    let started = Instant::now();
    x.add_distribution_group_member(
        &dl,
        "replication@fabrikam.example",
        ReplicationWait::JustCreated,
    )
    .await
    .unwrap();
    let statuses: Vec<Option<u16>> = env.transport.log().all().iter().map(|w| w.status).collect();
    println!(
        "Exchange replication: {statuses:?} in {:.3} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        statuses.len() >= 2 && statuses[0] == Some(400) && statuses.last() == Some(&Some(200)),
        "{statuses:?}"
    );

    // A fresh guest, added to a Microsoft 365 group through Graph.
    let g = env.graph();
    let inv = g
        .invite_guest(&NewInvitation {
            email: "guest.replication@fabrikam.example".into(),
            display_name: Some("Guest Replication".into()),
            redirect_url: "https://myapplications.microsoft.com".into(),
            send_invitation_message: false,
            message: None,
        })
        .await
        .unwrap();
    let guest = inv.invited_user.expect("invited user").id;
    let (m365, _) = env.group(SimKind::Unified);
    env.transport.log().clear();
    g.add_member_ref(
        &GroupId::from(m365.as_str()),
        &guest,
        ReplicationWait::JustCreated,
    )
    .await
    .unwrap();
    let statuses: Vec<Option<u16>> = env.transport.log().all().iter().map(|w| w.status).collect();
    println!("Graph replication: {statuses:?}");
    assert!(
        statuses.len() >= 2 && statuses[0] == Some(404) && statuses.last() == Some(&Some(204)),
        "{statuses:?}"
    );
    let found = g
        .find_users_by_mail("guest.replication@fabrikam.example")
        .await
        .unwrap();
    assert!(
        found.iter().any(|u| u.id == guest && u.is_guest()),
        "{found:?}"
    );
}
