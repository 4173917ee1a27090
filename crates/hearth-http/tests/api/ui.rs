//! The agent desktop over HTTP: login with a password, the session cookie, the
//! CSRF check, the availability bar and Next.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::harness::Api;

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    location: Option<String>,
    pub(crate) set_cookies: Vec<String>,
    pub(crate) html: String,
}

/// A browser-like request with these cookies and, for POST, this form.
pub(crate) async fn visit(
    api: &Api,
    method: Method,
    path: &str,
    cookies: &str,
    form: Option<&str>,
) -> Page {
    let mut req = Request::builder().method(method).uri(path);
    if !cookies.is_empty() {
        req = req.header("cookie", cookies);
    }
    let body = match form {
        Some(f) => {
            req = req.header("content-type", "application/x-www-form-urlencoded");
            Body::from(f.to_owned())
        }
        None => Body::empty(),
    };
    let response = api
        .router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let set_cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        location,
        set_cookies,
        html: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Follows a form's redirect as a browser does, carrying the flash cookie it set.
pub(crate) async fn followed(api: &Api, cookies: &str, page: Page) -> Page {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let flash = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("hearth_flash="))
        .map(|c| c.split(';').next().unwrap().to_owned());
    let cookies = match flash {
        Some(f) => format!("{cookies}; {f}"),
        None => cookies.to_owned(),
    };
    let to = page.location.expect("a redirect names where");
    visit(api, Method::GET, &to, &cookies, None).await
}

/// `name=value` of the Set-Cookie for `name`.
fn cookie_pair(page: &Page, name: &str) -> String {
    page.set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", page.set_cookies))
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

pub(crate) fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn an_agent_logs_in_sets_availability_and_takes_the_next_customer() {
    crate::each_backend!(|api| {
        let password = api.app.reset_password("alice@example.com").await.unwrap();

        // No session: the desktop sends the browser to the login page.
        let root = visit(&api, Method::GET, "/", "", None).await;
        assert_eq!(root.status, StatusCode::SEE_OTHER);
        assert_eq!(root.location.as_deref(), Some("/login"));

        let login = visit(&api, Method::GET, "/login", "", None).await;
        assert_eq!(login.status, StatusCode::OK);
        let csrf_cookie = cookie_pair(&login, "hearth_csrf");
        let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
        assert!(
            login.html.contains(&format!("value=\"{csrf}\"")),
            "the form carries the token"
        );
        assert!(
            login.set_cookies[0].contains("HttpOnly")
                && login.set_cookies[0].contains("SameSite=Strict")
        );

        // A form without the CSRF value is refused, even with the right password.
        let forged = visit(
            &api,
            Method::POST,
            "/login",
            &csrf_cookie,
            Some(&format!(
                "email=alice%40example.com&password={}",
                encode(&password)
            )),
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        // A wrong password shows the error next to the form, keeps the email.
        let wrong = visit(
            &api,
            Method::POST,
            "/login",
            &csrf_cookie,
            Some(&format!(
                "csrf={csrf}&email=alice%40example.com&password=nope"
            )),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.html.contains("Wrong email or password."));
        assert!(wrong.html.contains("value=\"alice@example.com\""));

        let ok = visit(
            &api,
            Method::POST,
            "/login",
            &csrf_cookie,
            Some(&format!(
                "csrf={csrf}&email=alice%40example.com&password={}",
                encode(&password)
            )),
        )
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
        assert_eq!(ok.location.as_deref(), Some("/"));
        let session = cookie_pair(&ok, "hearth_session");
        let cookies = format!("{csrf_cookie}; {session}");

        let desk = visit(&api, Method::GET, "/", &cookies, None).await;
        assert_eq!(desk.status, StatusCode::OK);
        assert!(desk.html.contains("Alice"), "{}", desk.html);
        assert!(desk.html.contains("No customers assigned to you."));

        // An email waits; Alice turns on Mail & Tasks and the one mail item is pushed.
        let mail = api
            .email_from("jane@example.com", "where is my order")
            .await;
        let saved = visit(
            &api,
            Method::POST,
            "/ui/availability",
            &cookies,
            Some(&format!("csrf={csrf}&mail=on")),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        let desk = visit(&api, Method::GET, "/", &cookies, None).await;
        assert!(desk.html.contains("name=\"mail\" checked"), "{}", desk.html);
        assert!(
            desk.html.contains(mail["customerId"].as_str().unwrap()),
            "{}",
            desk.html
        );

        // Focus without any availability is refused with the reason on the page.
        let bad = visit(
            &api,
            Method::POST,
            "/ui/availability",
            &cookies,
            Some(&format!("csrf={csrf}&focus=on")),
        )
        .await;
        let bad = followed(&api, &cookies, bad).await;
        assert!(
            bad.html
                .contains("Focus needs availability in at least one channel group."),
            "{}",
            bad.html
        );
        assert!(
            !bad.html.contains("focus: Focus"),
            "no field paths in words"
        );

        // Next opens the customer: her own unseen mail comes first.
        let conv = mail["conversationId"].as_str().unwrap().to_owned();
        let next = visit(
            &api,
            Method::POST,
            "/ui/next",
            &cookies,
            Some(&format!("csrf={csrf}")),
        )
        .await;
        assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.html);
        assert_eq!(next.location, Some(format!("/ui/conversations/{conv}")));
        let page = visit(
            &api,
            Method::GET,
            &format!("/ui/conversations/{conv}"),
            &cookies,
            None,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html.contains("Where is my order?") && page.html.contains("where is my order"),
            "{}",
            page.html
        );
        assert!(page.html.contains("id=\"primary-action\""), "{}", page.html);
        let alice = api
            .app
            .session(session.split_once('=').unwrap().1)
            .await
            .unwrap();
        let menu = api.app.actions(&alice, &conv).await.unwrap();
        assert!(
            page.html.contains(&format!(
                ">{}</button>",
                menu.primary.action.label().replace('&', "&#38;")
            )),
            "primary label per the action table"
        );
        assert!(!menu.more.is_empty());
        for b in &menu.more {
            assert!(
                page.html.contains(&format!(
                    ">{}</button>",
                    b.action.label().replace('&', "&#38;")
                )),
                "{} in the dropdown",
                b.action.label()
            );
        }

        // A form that does not say which state it was made from acts on nothing.
        let blind = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/act"),
            &cookies,
            Some(&format!("csrf={csrf}&action=CLOSE&confirmNoReply=on")),
        )
        .await;
        let blind = followed(&api, &cookies, blind).await;
        assert!(
            blind
                .html
                .contains("did not say which state of the conversation"),
            "{}",
            blind.html
        );
        assert_eq!(
            api.app.conversation(&conv).await.unwrap().status.as_str(),
            "OPEN"
        );
        let v = version_of(&page);
        // Close without a reply asks first; confirmed, it closes and goes home.
        let ask = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/act"),
            &cookies,
            Some(&format!("csrf={csrf}&version={v}&action=CLOSE")),
        )
        .await;
        let ask = followed(&api, &cookies, ask).await;
        assert!(ask.html.contains("id=\"confirm-no-reply\""), "{}", ask.html);
        assert!(
            ask.html.contains("value=\"CLOSE\" autofocus"),
            "{}",
            ask.html
        );
        assert_eq!(
            api.app.conversation(&conv).await.unwrap().status.as_str(),
            "OPEN",
            "nothing changed yet"
        );
        let done = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/act"),
            &cookies,
            Some(&format!(
                "csrf={csrf}&version={v}&action=CLOSE&confirmNoReply=on"
            )),
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
        assert_eq!(done.location.as_deref(), Some("/"));
        assert_eq!(
            api.app.conversation(&conv).await.unwrap().status.as_str(),
            "CLOSED"
        );

        // Signing out ends this session: the old cookie no longer opens the desktop.
        let out = visit(
            &api,
            Method::POST,
            "/logout",
            &cookies,
            Some(&format!("csrf={csrf}")),
        )
        .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(cookie_pair(&out, "hearth_session").ends_with('='));
        let after = visit(&api, Method::GET, "/", &cookies, None).await;
        assert_eq!(after.location.as_deref(), Some("/login"));
    });
}

/// Signs `email` in through the login form; returns the cookies and the CSRF value.
pub(crate) async fn sign_in(api: &Api, email: &str) -> (String, String) {
    let password = api.app.reset_password(email).await.unwrap();
    let login = visit(api, Method::GET, "/login", "", None).await;
    let csrf_cookie = cookie_pair(&login, "hearth_csrf");
    let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let form = format!(
        "csrf={csrf}&email={}&password={}",
        encode(email),
        encode(&password)
    );
    let ok = visit(api, Method::POST, "/login", &csrf_cookie, Some(&form)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
    let session = cookie_pair(&ok, "hearth_session");
    (format!("{csrf_cookie}; {session}"), csrf)
}

#[tokio::test]
async fn the_composer_replies_on_the_customers_channel_and_adds_notes() {
    crate::each_backend!(|api| {
        let (cookies, csrf) = sign_in(&api, "bob@example.com").await;
        let sms = api
            .inbound(
                serde_json::json!({"channel": "SMS", "entryPoint": "+12065550100",
                "from": {"address": "+12065550177"}, "content": {"content": "is the shop open?"}}),
            )
            .await;
        let conv = sms["conversationId"].as_str().unwrap().to_owned();
        visit(
            &api,
            Method::POST,
            "/ui/availability",
            &cookies,
            Some(&format!("csrf={csrf}&messaging=on")),
        )
        .await;
        let next = visit(
            &api,
            Method::POST,
            "/ui/next",
            &cookies,
            Some(&format!("csrf={csrf}")),
        )
        .await;
        assert_eq!(
            next.location,
            Some(format!("/ui/conversations/{conv}")),
            "{}",
            next.html
        );
        let page = visit(
            &api,
            Method::GET,
            &format!("/ui/conversations/{conv}"),
            &cookies,
            None,
        )
        .await;
        assert!(page.html.contains("Send SMS reply"), "{}", page.html);
        let item = sms["itemId"].as_str().unwrap();
        assert!(
            page.html
                .contains(&format!("name=\"replyTo\" value=\"{item}\""))
        );

        let blank = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/compose"),
            &cookies,
            Some(&format!(
                "csrf={csrf}&mode=reply&channel=reply&replyTo={item}&body=+"
            )),
        )
        .await;
        let blank = followed(&api, &cookies, blank).await;
        assert!(
            blank
                .html
                .contains("id=\"body-error\" role=\"alert\">Write something first."),
            "{}",
            blank.html
        );

        let sent = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/compose"),
            &cookies,
            Some(&format!(
                "csrf={csrf}&mode=reply&channel=reply&replyTo={item}&body=Yes%2C+until+six"
            )),
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
        let noted = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/compose"),
            &cookies,
            Some(&format!("csrf={csrf}&mode=note&body=Asked+about+hours")),
        )
        .await;
        assert_eq!(noted.status, StatusCode::SEE_OTHER, "{}", noted.html);

        let items = api.app.conversation_items(&conv).await.unwrap().items;
        let kinds: Vec<&str> = items.iter().map(|i| i.content.type_name()).collect();
        assert_eq!(kinds, ["SMS", "SMS", "CONVERSATION_NOTE"]);
        assert_eq!(items[1].content.text(), Some("Yes, until six"));
        assert_eq!(items[1].initiator.kind.as_str(), "AGENT");
        let page = visit(
            &api,
            Method::GET,
            &format!("/ui/conversations/{conv}"),
            &cookies,
            None,
        )
        .await;
        assert!(page.html.contains("Yes, until six") && page.html.contains("Asked about hours"));
        // No SMS provider is configured: the reply waits in the outbox, and says so.
        assert!(
            page.html
                .contains("Waiting to be sent: no SMS provider is configured"),
            "{}",
            page.html
        );
    });
}

#[tokio::test]
async fn offers_show_a_banner_with_accept_and_decline() {
    crate::each_backend!(|api| {
        let inbox = api.get("/api/v1/admin/inboxes").await.body[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = api
            .patch(
                &format!("/api/v1/admin/inboxes/{inbox}"),
                serde_json::json!({"routing": {"acceptDecline": true}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (cookies, csrf) = sign_in(&api, "alice@example.com").await;
        visit(
            &api,
            Method::POST,
            "/ui/availability",
            &cookies,
            Some(&format!("csrf={csrf}&voice=on")),
        )
        .await;

        let call = |from: &'static str| serde_json::json!({"channel": "PHONE_CALL", "entryPoint": "+12065550100", "from": {"address": from}});
        let first = api.inbound(call("+12065550181")).await;
        let desk = visit(&api, Method::GET, "/", &cookies, None).await;
        assert!(desk.html.contains("Incoming Call"), "{}", desk.html);
        assert!(desk.html.contains("data-expires=\""), "{}", desk.html);
        let credential = cookies.split("hearth_session=").nth(1).unwrap();
        let alice_caller = api.app.session(credential).await.unwrap();
        let offer = api.app.offers(&alice_caller).await.unwrap();
        assert_eq!(offer.len(), 1);
        let offer_id = offer[0].id.clone();
        assert!(desk.html.contains(&format!("/ui/offers/{offer_id}/accept")));

        // Accepting opens the call's conversation, now Alice's.
        let accepted = visit(
            &api,
            Method::POST,
            &format!("/ui/offers/{offer_id}/accept"),
            &cookies,
            Some(&format!("csrf={csrf}")),
        )
        .await;
        let conv = first["conversationId"].as_str().unwrap();
        assert_eq!(
            accepted.location,
            Some(format!("/ui/conversations/{conv}")),
            "{}",
            accepted.html
        );
        let alice = api.id_of("agent", "alice@example.com").await;
        assert_eq!(
            api.app
                .conversation(conv)
                .await
                .unwrap()
                .agent_id
                .map(|a| a.to_string()),
            Some(alice)
        );

        // An answered offer is gone; answering it again says so on the page.
        let again = visit(
            &api,
            Method::POST,
            &format!("/ui/offers/{offer_id}/decline"),
            &cookies,
            Some(&format!("csrf={csrf}")),
        )
        .await;
        let again = followed(&api, &cookies, again).await;
        assert!(again.html.contains("no longer open"), "{}", again.html);
        assert!(!again.html.contains("Incoming Call"));
    });
}

pub(crate) async fn get(api: &Api, cookies: &str, path: &str) -> Page {
    visit(api, Method::GET, path, cookies, None).await
}

pub(crate) async fn post(api: &Api, cookies: &str, path: &str, form: &str) -> Page {
    visit(api, Method::POST, path, cookies, Some(form)).await
}

/// Bob takes an SMS through the desktop; returns the conversation id.
async fn bob_takes_an_sms(api: &Api, cookies: &str, csrf: &str, from: &str) -> String {
    let sms = api
        .inbound(
            serde_json::json!({"channel": "SMS", "entryPoint": "+12065550100",
            "from": {"address": from}, "content": {"content": "hello?"}}),
        )
        .await;
    let conv = sms["conversationId"].as_str().unwrap().to_owned();
    post(
        api,
        cookies,
        "/ui/availability",
        &format!("csrf={csrf}&messaging=on"),
    )
    .await;
    let next = post(api, cookies, "/ui/next", &format!("csrf={csrf}")).await;
    assert_eq!(
        next.location,
        Some(format!("/ui/conversations/{conv}")),
        "{}",
        next.html
    );
    conv
}

/// The id of the demo inbox Support.
async fn support_inbox(api: &Api) -> String {
    let inboxes = api.get("/api/v1/inboxes").await.body;
    let support = inboxes
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "Support")
        .unwrap();
    support["id"].as_str().unwrap().to_owned()
}

/// The value of the hidden `version` field of the page's action form.
pub(crate) fn version_of(page: &Page) -> String {
    let at = page
        .html
        .find("name=\"version\" value=\"")
        .expect("a version field")
        + 22;
    page.html[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_search_box_finds_customers_and_opens_their_conversation() {
    crate::each_backend!(|api| {
        let (cookies, csrf) = sign_in(&api, "bob@example.com").await;
        let conv = bob_takes_an_sms(&api, &cookies, &csrf, "+12065550188").await;
        let customer = api
            .app
            .conversation(&conv)
            .await
            .unwrap()
            .customer_id
            .to_string();
        api.patch(
            &format!("/api/v1/customer-profiles/{customer}"),
            serde_json::json!({"name": "Imogen Vale"}),
        )
        .await;
        let desk = get(&api, &cookies, "/").await;
        assert!(
            desk.html.contains("name=\"q\""),
            "every page has the search box"
        );
        for q in ["imo", "Vale", "206555018"] {
            let found = get(&api, &cookies, &format!("/ui/search?q={q}")).await;
            assert_eq!(found.status, StatusCode::OK);
            assert!(
                found.html.contains(&format!("/ui/customers/{customer}")),
                "{q}: {}",
                found.html
            );
            assert!(found.html.contains("Imogen Vale"));
        }
        let none = get(&api, &cookies, "/ui/search?q=nobody").await;
        assert!(none.html.contains("id=\"no-hits\""));
        let blank = get(&api, &cookies, "/ui/search?q=+").await;
        assert_eq!(blank.status, StatusCode::BAD_REQUEST);
        assert!(blank.html.contains("id=\"search-error\""));
        let open = get(&api, &cookies, &format!("/ui/customers/{customer}")).await;
        assert_eq!(open.location, Some(format!("/ui/conversations/{conv}")));
        let page = get(&api, &cookies, &format!("/ui/conversations/{conv}")).await;
        assert!(
            page.html.contains("Imogen Vale") && page.html.contains("+12065550188"),
            "the profile card"
        );
        assert_eq!(
            get(&api, "", "/ui/search?q=imo").await.location.as_deref(),
            Some("/login")
        );
    });
}

#[tokio::test]
async fn a_stale_page_is_refused_with_the_fresh_state() {
    crate::each_backend!(|api| {
        let (cookies, csrf) = sign_in(&api, "bob@example.com").await;
        let conv = bob_takes_an_sms(&api, &cookies, &csrf, "+12065550189").await;
        let page = get(&api, &cookies, &format!("/ui/conversations/{conv}")).await;
        let seen = version_of(&page);
        // The customer writes again while Bob's page is open.
        api.inbound(
            serde_json::json!({"channel": "SMS", "entryPoint": "+12065550100",
            "from": {"address": "+12065550189"}, "content": {"content": "never mind, solved"}}),
        )
        .await;
        let stale = post(
            &api,
            &cookies,
            &format!("/ui/conversations/{conv}/act"),
            &format!("csrf={csrf}&version={seen}&action=CLOSE&confirmNoReply=on"),
        )
        .await;
        let stale = followed(&api, &cookies, stale).await;
        assert!(
            stale
                .html
                .contains("Someone else changed this conversation")
        );
        assert!(
            stale.html.contains("never mind, solved"),
            "the fresh timeline is shown"
        );
        assert_ne!(version_of(&stale), seen);
        assert_eq!(
            api.app.conversation(&conv).await.unwrap().status.as_str(),
            "OPEN"
        );
        // With the fresh page the same action goes through.
        let fresh = version_of(&stale);
        let done = post(
            &api,
            &cookies,
            &format!("/ui/conversations/{conv}/act"),
            &format!("csrf={csrf}&version={fresh}&action=CLOSE&confirmNoReply=on"),
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
        assert_eq!(
            api.app.conversation(&conv).await.unwrap().status.as_str(),
            "CLOSED"
        );
    });
}

#[tokio::test]
async fn topics_transfer_and_reopen_work_from_the_conversation_page() {
    crate::each_backend!(|api| {
        let (cookies, csrf) = sign_in(&api, "bob@example.com").await;
        let conv = bob_takes_an_sms(&api, &cookies, &csrf, "+12065550190").await;
        let path = format!("/ui/conversations/{conv}");
        api.call(
            Method::PATCH,
            "/api/v1/admin/settings",
            Some(serde_json::json!({"requireTopic": true})),
        )
        .await;
        let page = get(&api, &cookies, &path).await;
        assert!(
            page.html.contains("data-reason=\"topics_required\""),
            "close needs a topic: {}",
            page.html
        );
        let topic = api.app.topics().await.unwrap()[0].clone();
        let added = post(
            &api,
            &cookies,
            &format!("{path}/topics"),
            &format!("csrf={csrf}&add={}", topic.id),
        )
        .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
        let page = get(&api, &cookies, &path).await;
        assert!(
            !page.html.contains("data-reason=\"topics_required\""),
            "{}",
            page.html
        );
        assert!(page.html.contains(&format!("Remove topic {}", topic.name)));
        let removed = post(
            &api,
            &cookies,
            &format!("{path}/topics"),
            &format!("csrf={csrf}&remove={}", topic.id),
        )
        .await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER);
        assert!(
            api.app
                .conversation(&conv)
                .await
                .unwrap()
                .topic_ids
                .is_empty()
        );

        // Transfer to an agent outside the inbox is refused next to the agent field.
        let inbox = support_inbox(&api).await;
        let other = api
            .call(
                Method::POST,
                "/api/v1/admin/inboxes",
                Some(serde_json::json!({"name": "Billing", "slaSeconds": 600})),
            )
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let alice = api.id_of("agent", "alice@example.com").await;
        let page = get(&api, &cookies, &path).await;
        let refused = post(
            &api,
            &cookies,
            &format!("{path}/transfer"),
            &format!(
                "csrf={csrf}&version={}&inboxId={other}&agentId={alice}",
                version_of(&page)
            ),
        )
        .await;
        let refused = followed(&api, &cookies, refused).await;
        assert!(refused.html.contains("id=\"agent-error\""));
        let moved = post(
            &api,
            &cookies,
            &format!("{path}/transfer"),
            &format!(
                "csrf={csrf}&version={}&inboxId={inbox}&agentId={alice}",
                version_of(&page)
            ),
        )
        .await;
        assert_eq!(moved.location.as_deref(), Some("/"), "{}", moved.html);
        let after = api.app.conversation(&conv).await.unwrap();
        assert_eq!(after.agent_id.map(|a| a.to_string()), Some(alice.clone()));

        // Closed: the page offers Reopen and Create New instead of the actions.
        api.call(
            Method::PATCH,
            "/api/v1/admin/settings",
            Some(serde_json::json!({"requireTopic": false})),
        )
        .await;
        let closing = api
            .patch(
                &format!("/api/v1/conversations/{conv}"),
                serde_json::json!({"status": {"value": "CLOSED", "force": true}}),
            )
            .await;
        assert_eq!(closing.status, StatusCode::NO_CONTENT, "{:?}", closing.body);
        let closed = get(&api, &cookies, &path).await;
        assert!(
            closed.html.contains("id=\"reopen-this\"") && closed.html.contains("id=\"create-new\"")
        );
        assert!(!closed.html.contains("id=\"primary-action\""));
        let reopened = post(
            &api,
            &cookies,
            &format!("{path}/reopen"),
            &format!("csrf={csrf}&version={}&mode=REOPEN", version_of(&closed)),
        )
        .await;
        assert_eq!(reopened.location, Some(path.clone()), "{}", reopened.html);
        let conv_now = api.app.conversation(&conv).await.unwrap();
        assert_eq!(conv_now.status.as_str(), "OPEN");
        assert_eq!(
            conv_now.agent_id.map(|a| a.to_string()),
            Some(api.id_of("agent", "bob@example.com").await)
        );
    });
}

#[tokio::test]
async fn supervisor_and_admin_pages_are_for_their_roles_only() {
    crate::each_backend!(|api| {
        let (bob, bob_csrf) = sign_in(&api, "bob@example.com").await;
        for path in [
            "/ui/supervisor",
            "/ui/admin",
            "/ui/admin/agents",
            "/ui/admin/settings",
        ] {
            let page = get(&api, &bob, path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        }
        let forbidden = post(
            &api,
            &bob,
            "/ui/admin/topics",
            &format!("csrf={bob_csrf}&name=Sneaky"),
        )
        .await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        assert!(
            api.app
                .topics()
                .await
                .unwrap()
                .iter()
                .all(|t| t.name != "Sneaky")
        );
        let desk = get(&api, &bob, "/").await;
        assert!(!desk.html.contains("/ui/admin") && !desk.html.contains("/ui/supervisor"));

        let (admin, _) = sign_in(&api, "admin@example.com").await;
        let waiting = api.inbound(serde_json::json!({"channel": "EMAIL", "entryPoint": "support@example.com",
            "from": {"address": "wait@example.net"}, "content": {"subject": "hi", "content": "anyone?"}}))
            .await;
        let chat = api
            .inbound(
                serde_json::json!({"channel": "CHAT", "entryPoint": "chat", "sessionId": "s-why",
                "from": {"address": "visitor-why"}, "content": {"content": "hello"}}),
            )
            .await;
        assert!(waiting["conversationId"].is_string());
        let conv = chat["conversationId"].as_str().unwrap();
        let explained = get(&api, &admin, &format!("/ui/conversations/{conv}")).await;
        assert!(explained.html.contains("id=\"routing\""));
        assert!(
            explained.html.contains("Alice not eligible: NOT_AVAILABLE"),
            "{}",
            explained.html
        );
        let hidden = get(&api, &bob, &format!("/ui/conversations/{conv}")).await;
        assert!(
            !hidden.html.contains("id=\"routing\""),
            "agents do not see routing decisions"
        );
        let board = get(&api, &admin, "/ui/supervisor").await;
        assert_eq!(board.status, StatusCode::OK);
        assert!(
            board.html.contains("id=\"queue-summary\""),
            "{}",
            board.html
        );
        assert!(
            board
                .html
                .contains("<td>Support</td><td>Email</td><td>1</td>"),
            "{}",
            board.html
        );
        assert!(
            board
                .html
                .contains("<td>Support</td><td>Chat</td><td>1</td>"),
            "{}",
            board.html
        );
        assert!(board.html.contains("Alice") && board.html.contains("0 / 2 (max 3)"));
    });
}

#[tokio::test]
async fn admin_forms_validate_on_the_server_and_refuse_stale_edits() {
    crate::each_backend!(|api| {
        let (admin, csrf) = sign_in(&api, "admin@example.com").await;
        let list = get(&api, &admin, "/ui/admin/agents").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.html.contains("alice@example.com"));

        // A bad email and a capacity that is not a number: both shown by their fields,
        // what was typed is kept, nothing is created.
        let bad = post(
            &api,
            &admin,
            "/ui/admin/agents",
            &format!("csrf={csrf}&version=&name=Carol&emailAddress=carol&roles=AGENT&messagingCapacity.standard=two&messagingCapacity.maximum=3"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.html);
        assert!(bad.html.contains("must be a whole number"), "{}", bad.html);
        assert!(bad.html.contains("value=\"Carol\""));
        let bad = post(
            &api,
            &admin,
            "/ui/admin/agents",
            &format!("csrf={csrf}&version=&name=Carol&emailAddress=carol&roles=AGENT&invite=on&messagingCapacity.standard=2&messagingCapacity.maximum=3"),
        )
        .await;
        let field = bad.html.find("data-field=\"emailAddress\"").unwrap();
        let next_field = bad.html[field..].find("data-field=\"password\"").unwrap();
        assert!(
            bad.html[field..field + next_field].contains("field-error"),
            "{}",
            bad.html
        );
        let agents = api.get("/api/v1/admin/agents").await.body;
        assert_eq!(agents.as_array().unwrap().len(), 3);

        let ok = post(
            &api,
            &admin,
            "/ui/admin/agents",
            &format!("csrf={csrf}&version=&name=Carol&emailAddress=carol%40example.com&password=correct-horse-battery&roles=AGENT&roles=API_USER&inboxIds={}&messagingCapacity.standard=2&messagingCapacity.maximum=3", support_inbox(&api).await),
        )
        .await;
        assert_eq!(
            ok.location.as_deref(),
            Some("/ui/admin/agents"),
            "{}",
            ok.html
        );
        let listed = followed(&api, &admin, ok).await;
        assert!(listed.html.contains("Carol saved."), "a success notice");
        let carol = api.id_of("agent", "carol@example.com").await;

        // Two admins open Carol's page; the second save is refused with the fresh state.
        let first = get(&api, &admin, &format!("/ui/admin/agents/{carol}")).await;
        let v = version_of(&first);
        let form = |name: &str| {
            format!(
                "csrf={csrf}&version={v}&name={name}&emailAddress=carol%40example.com&roles=AGENT&roles=API_USER&messagingCapacity.standard=2&messagingCapacity.maximum=3"
            )
        };
        let saved = post(
            &api,
            &admin,
            &format!("/ui/admin/agents/{carol}"),
            &form("Carol+Ng"),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        let stale = post(
            &api,
            &admin,
            &format!("/ui/admin/agents/{carol}"),
            &form("Carol+Smith"),
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
        assert!(stale.html.contains("Someone else saved this"));
        assert!(
            stale.html.contains("value=\"Carol Ng\""),
            "the saved state is shown"
        );
        let name = api.get(&format!("/api/v1/admin/agents/{carol}")).await.body["name"].clone();
        assert_eq!(name, "Carol Ng");

        // Credentials: a token is shown once, works, and can be revoked.
        let made = post(
            &api,
            &admin,
            &format!("/ui/admin/agents/{carol}/tokens"),
            &format!("csrf={csrf}"),
        )
        .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.html);
        let at = made
            .html
            .find("id=\"new-token\"")
            .expect("the token is shown");
        let token = made.html[at..]
            .split("<code>")
            .nth(1)
            .unwrap()
            .split("</code>")
            .next()
            .unwrap()
            .to_owned();
        let carol_call = |token: String| {
            let api = &api;
            async move {
                use base64::Engine as _;
                let auth = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("carol@example.com:{token}"))
                );
                api.call_as(&auth, Method::GET, "/api/v1/me", None)
                    .await
                    .status
            }
        };
        assert_eq!(carol_call(token.clone()).await, StatusCode::OK);
        let again = get(&api, &admin, &format!("/ui/admin/agents/{carol}")).await;
        assert!(!again.html.contains(&token), "shown only once");
        let tokens = api
            .get(&format!("/api/v1/admin/agents/{carol}/api-tokens"))
            .await
            .body;
        let token_id = tokens[0]["id"].as_str().unwrap().to_owned();
        let revoked = post(
            &api,
            &admin,
            &format!("/ui/admin/agents/{carol}/tokens/{token_id}/revoke"),
            &format!("csrf={csrf}"),
        )
        .await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        assert_eq!(carol_call(token).await, StatusCode::UNAUTHORIZED);

        // Settings and topics.
        let settings = get(&api, &admin, "/ui/admin/settings").await;
        let v = version_of(&settings);
        let bad = post(&api, &admin, "/ui/admin/settings", &format!("csrf={csrf}&version={v}&eventRetentionDays=0&reopenWindowSeconds=1440&chatRejoinSeconds=1&timeUntilAwaySeconds=0&exportIntervalSeconds=1440&maxMessageBytes=1048576&rateLimitPerSecond=100")).await;
        assert!(
            bad.html.contains("must be between 1 and 365"),
            "{}",
            bad.html
        );
        let ok = post(&api, &admin, "/ui/admin/settings", &format!("csrf={csrf}&version={v}&requireTopic=on&eventRetentionDays=30&reopenWindowSeconds=1440&chatRejoinSeconds=1.5&timeUntilAwaySeconds=0&exportIntervalSeconds=1440&maxMessageBytes=1048576&rateLimitPerSecond=100&awayReasons=Break%0D%0ALunch%0D%0A%0D%0ADentist")).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
        let s = api.get("/api/v1/admin/settings").await.body;
        assert_eq!(
            (s["requireTopic"].clone(), s["eventRetentionDays"].clone()),
            (serde_json::json!(true), serde_json::json!(30))
        );
        assert_eq!(
            (
                s["reopenWindowSeconds"].clone(),
                s["chatRejoinSeconds"].clone()
            ),
            (serde_json::json!(86400), serde_json::json!(90)),
            "typed in minutes, kept in seconds"
        );
        assert_eq!(
            s["awayReasons"],
            serde_json::json!(["Break", "Lunch", "Dentist"])
        );
        let desk = get(&api, &admin, "/").await;
        assert!(
            desk.html
                .contains("<option value=\"Dentist\">Dentist</option>")
        );
        let topic = post(
            &api,
            &admin,
            "/ui/admin/topics",
            &format!("csrf={csrf}&version=&name=Refunds"),
        )
        .await;
        assert_eq!(topic.status, StatusCode::SEE_OTHER, "{}", topic.html);
        assert!(
            api.app
                .topics()
                .await
                .unwrap()
                .iter()
                .any(|t| t.name == "Refunds")
        );
        let dup = post(
            &api,
            &admin,
            "/ui/admin/topics",
            &format!("csrf={csrf}&version=&name=Refunds"),
        )
        .await;
        assert!(dup.html.contains("field-error"), "{}", dup.html);
    });
}

#[tokio::test]
async fn a_session_ends_after_twelve_hours_and_api_tokens_are_not_sessions() {
    crate::each_backend_with_clock!(|api, clock| {
        let (cookies, _) = sign_in(&api, "alice@example.com").await;
        assert_eq!(get(&api, &cookies, "/").await.status, StatusCode::OK);
        // Nor is a session's token an API credential.
        let session_token = cookies.rsplit('.').next().unwrap().to_owned();
        let basic = {
            use base64::Engine as _;
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("alice@example.com:{session_token}"))
            )
        };
        let refused = api.call_as(&basic, Method::GET, "/api/v1/me", None).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        clock.advance(time::Duration::hours(11));
        assert_eq!(get(&api, &cookies, "/").await.status, StatusCode::OK);
        clock.advance(time::Duration::hours(1));
        let expired = get(&api, &cookies, "/").await;
        assert_eq!(expired.location.as_deref(), Some("/login"));
        let login = get(&api, &cookies, "/login").await;
        assert!(
            login.html.contains("Your session has ended"),
            "{}",
            login.html
        );
        assert!(
            login
                .set_cookies
                .iter()
                .any(|c| c.starts_with("hearth_session=;") && c.contains("Max-Age=0"))
        );

        // The API token printed at start is no session cookie, whatever the prefix.
        let token = api.auth_header();
        let token = token.rsplit(':').next().unwrap().to_owned();
        for forged in [
            format!("hearth_session=x.{token}"),
            format!("hearth_session={token}"),
        ] {
            assert_eq!(
                get(&api, &forged, "/").await.location.as_deref(),
                Some("/login")
            );
        }
    });
}

#[tokio::test]
async fn repeated_wrong_passwords_are_held_off_and_cookies_are_secure_behind_tls() {
    crate::each_backend!(|api| {
        let password = api.app.reset_password("bob@example.com").await.unwrap();
        let login = get(&api, "", "/login").await;
        let csrf_cookie = cookie_pair(&login, "hearth_csrf");
        let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
        let attempt = |pw: &str| {
            format!(
                "csrf={csrf}&email=bob%40example.com&password={}",
                encode(pw)
            )
        };
        for _ in 0..5 {
            let wrong = post(&api, &csrf_cookie, "/login", &attempt("guess")).await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        }
        let held = post(&api, &csrf_cookie, "/login", &attempt(&password)).await;
        assert_eq!(
            held.status,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password waits"
        );
        assert!(held.html.contains("Too many wrong passwords"));
        // Another agent is not held.
        let alice = api.app.reset_password("alice@example.com").await.unwrap();
        let other = post(
            &api,
            &csrf_cookie,
            "/login",
            &format!(
                "csrf={csrf}&email=alice%40example.com&password={}",
                encode(&alice)
            ),
        )
        .await;
        assert_eq!(other.status, StatusCode::SEE_OTHER);

        let request = Request::builder()
            .uri("/login")
            .header("x-forwarded-proto", "https")
            .body(Body::empty())
            .unwrap();
        let response = api.router.clone().oneshot(request).await.unwrap();
        let set = response
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(set.contains("; Secure"), "{set}");
        let plain = get(&api, "", "/login").await;
        assert!(!plain.set_cookies[0].contains("Secure"));
    });
}

#[tokio::test]
async fn a_task_is_opened_commented_and_closed_from_the_desktop() {
    crate::each_backend!(|api| {
        let (cookies, csrf) = sign_in(&api, "bob@example.com").await;
        let inbox = support_inbox(&api).await;
        let due = hearth_app::codec::fmt_ts(api.app.now() + time::Duration::days(1));
        let created = api
            .post(
                "/api/v1/tasks",
                serde_json::json!({"id": "task-ui", "assignee": {"inboxId": inbox}, "body": "Call back about the refund",
                    "dueAt": due, "customer": {"emailAddress": "ann@example.com"}}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        post(
            &api,
            &cookies,
            "/ui/availability",
            &format!("csrf={csrf}&mail=on"),
        )
        .await;
        let desk = get(&api, &cookies, "/").await;
        assert!(
            desk.html.contains("href=\"/ui/tasks/task-ui\""),
            "{}",
            desk.html
        );
        let page = get(&api, &cookies, "/ui/tasks/task-ui").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html.contains("Call back about the refund")
                && page.html.contains("ann@example.com")
        );
        assert!(page.html.contains("Close &amp; Next"));
        let blank = post(
            &api,
            &cookies,
            "/ui/tasks/task-ui/comment",
            &format!("csrf={csrf}&comment=+"),
        )
        .await;
        let blank = followed(&api, &cookies, blank).await;
        assert!(
            blank.html.contains("Write the comment first."),
            "{}",
            blank.html
        );
        let said = post(
            &api,
            &cookies,
            "/ui/tasks/task-ui/comment",
            &format!("csrf={csrf}&comment=Left+a+voicemail"),
        )
        .await;
        assert_eq!(said.status, StatusCode::SEE_OTHER);
        assert!(
            get(&api, &cookies, "/ui/tasks/task-ui")
                .await
                .html
                .contains("Left a voicemail")
        );
        let done = post(
            &api,
            &cookies,
            "/ui/tasks/task-ui/act",
            &format!("csrf={csrf}&action=CLOSE_AND_NEXT"),
        )
        .await;
        assert_eq!(
            done.location.as_deref(),
            Some("/"),
            "nothing else waits: {}",
            done.html
        );
        let task = api.get("/api/v1/tasks/task-ui").await.body;
        assert_eq!(task["status"], "CLOSED");
        let closed = get(&api, &cookies, "/ui/tasks/task-ui").await;
        assert!(
            closed.html.contains("id=\"reopen-task\"")
                && !closed.html.contains("id=\"add-comment\"")
        );
    });
}

#[tokio::test]
async fn in_focus_only_close_is_open_and_the_page_says_why() {
    crate::each_backend!(|api| {
        let (cookies, csrf) = sign_in(&api, "bob@example.com").await;
        let conv = bob_takes_an_sms(&api, &cookies, &csrf, "+12065550191").await;
        let focused = post(
            &api,
            &cookies,
            "/ui/availability",
            &format!("csrf={csrf}&messaging=on&focus=on"),
        )
        .await;
        assert_eq!(focused.status, StatusCode::SEE_OTHER, "{}", focused.html);
        let page = get(&api, &cookies, &format!("/ui/conversations/{conv}")).await;
        // Close becomes the primary; the others stay in the menu, disabled, saying why.
        assert!(
            page.html.contains("value=\"CLOSE\" id=\"primary-action\""),
            "{}",
            page.html
        );
        for other in ["NEXT", "CLOSE_AND_NEXT", "NO_REPLY_NEEDED"] {
            let button = page
                .html
                .split("<button")
                .find(|b| b.contains(&format!("value=\"{other}\"")))
                .unwrap_or_else(|| panic!("{other} is listed"));
            assert!(
                button.contains("disabled title=\"you are in Focus: only Close is open\" data-reason=\"focus_mode\""),
                "{other}: {button}"
            );
        }
        let close_enabled = page
            .html
            .split("<button")
            .filter(|b| b.contains("value=\"CLOSE\""))
            .all(|b| !b.contains("disabled"));
        assert!(close_enabled, "{}", page.html);
        // The availability-bar Next is refused in Focus, with the reason on the desktop.
        let next = post(&api, &cookies, "/ui/next", &format!("csrf={csrf}")).await;
        let next = followed(&api, &cookies, next).await;
        assert!(
            next.html
                .contains("You are in Focus: only Close is open to you."),
            "{}",
            next.html
        );
    });
}

#[tokio::test]
async fn after_create_new_the_agent_writes_first_from_the_composer() {
    crate::each_backend!(|api| {
        let (cookies, csrf) = sign_in(&api, "bob@example.com").await;
        let conv = bob_takes_an_sms(&api, &cookies, &csrf, "+12065550192").await;
        api.patch(
            &format!("/api/v1/conversations/{conv}"),
            serde_json::json!({"status": {"value": "CLOSED", "force": true}}),
        )
        .await;
        let closed = get(&api, &cookies, &format!("/ui/conversations/{conv}")).await;
        let created = post(
            &api,
            &cookies,
            &format!("/ui/conversations/{conv}/reopen"),
            &format!(
                "csrf={csrf}&version={}&mode=CREATE_NEW",
                version_of(&closed)
            ),
        )
        .await;
        let to = created
            .location
            .clone()
            .expect("the new conversation opens");
        assert_ne!(to, format!("/ui/conversations/{conv}"));
        let fresh = to.rsplit('/').next().unwrap().to_owned();
        let page = get(&api, &cookies, &to).await;
        assert!(page.html.contains("id=\"send\""), "{}", page.html);
        assert!(page.html.contains("SMS to +12065550192"));
        assert!(
            page.html
                .contains("value=\"SMS\" data-kind=\"SMS\" data-send=\"Send SMS\" selected"),
            "the one way to reach the customer is chosen: {}",
            page.html
        );
        assert!(
            !page.html.contains("Email to"),
            "the customer has no email address"
        );
        let blank = post(
            &api,
            &cookies,
            &format!("{to}/compose"),
            &format!("csrf={csrf}&mode=reply&channel=SMS&body=+"),
        )
        .await;
        let blank = followed(&api, &cookies, blank).await;
        assert!(blank.html.contains("Write something first."));
        let sent = post(
            &api,
            &cookies,
            &format!("{to}/compose"),
            &format!(
                "csrf={csrf}&mode=reply&channel=SMS&subject=&body=Your+replacement+ships+today"
            ),
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
        let items = api.app.conversation_items(&fresh).await.unwrap().items;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].content.type_name(), "SMS");
        assert_eq!(
            items[0].content.text(),
            Some("Your replacement ships today")
        );
        let page = get(&api, &cookies, &to).await;
        assert!(page.html.contains("Your replacement ships today"));
    });
}

#[tokio::test]
async fn a_long_history_shows_the_latest_ten_conversations_and_links_the_rest() {
    crate::each_backend!(|api| {
        let (cookies, _) = sign_in(&api, "admin@example.com").await;
        let first = api
            .inbound(
                serde_json::json!({"channel": "SMS", "entryPoint": "+12065550100",
                "from": {"address": "+12065550193"}, "content": {"content": "first of many"}}),
            )
            .await;
        let mut ids = vec![first["conversationId"].as_str().unwrap().to_owned()];
        for _ in 0..11 {
            let last = ids.last().unwrap().clone();
            let closing = api
                .patch(
                    &format!("/api/v1/conversations/{last}"),
                    serde_json::json!({"status": {"value": "CLOSED", "force": true}}),
                )
                .await;
            assert_eq!(closing.status, StatusCode::NO_CONTENT, "{:?}", closing.body);
            let fresh = api
                .post(
                    &format!("/api/v1/conversations/{last}/reopen"),
                    serde_json::json!({"mode": "CREATE_NEW"}),
                )
                .await;
            assert_eq!(fresh.status, StatusCode::OK, "{:?}", fresh.body);
            ids.push(fresh.body["id"].as_str().unwrap().to_owned());
        }
        let latest = get(&api, &cookies, &format!("/ui/conversations/{}", ids[11])).await;
        assert!(
            latest.html.contains("2 earlier conversations"),
            "{}",
            latest.html
        );
        for old in &ids[..2] {
            assert!(
                latest
                    .html
                    .contains(&format!("<a href=\"/ui/conversations/{old}\">"))
            );
            assert!(
                !latest
                    .html
                    .contains(&format!("data-conversation=\"{old}\"")),
                "not read in full"
            );
        }
        for shown in &ids[2..] {
            assert!(
                latest
                    .html
                    .contains(&format!("data-conversation=\"{shown}\"")),
                "{shown}"
            );
        }
        // The oldest conversation's own page shows it in full, with the latest ten.
        let oldest = get(&api, &cookies, &format!("/ui/conversations/{}", ids[0])).await;
        assert!(oldest.html.contains("first of many"));
        assert!(
            oldest.html.contains("1 earlier conversation<"),
            "{}",
            oldest.html
        );
        assert!(
            oldest
                .html
                .contains(&format!("<a href=\"/ui/conversations/{}\">", ids[1]))
        );
    });
}

#[tokio::test]
async fn a_database_outage_is_an_error_page_not_a_trip_to_the_login_page() {
    crate::each_backend!(|api| {
        let (cookies, _) = sign_in(&api, "alice@example.com").await;
        assert_eq!(get(&api, &cookies, "/").await.status, StatusCode::OK);
        api.db.store.close().await;
        for path in ["/", "/login", "/ui/stream"] {
            let page = get(&api, &cookies, path).await;
            assert_eq!(
                (page.status, page.location.as_deref()),
                (StatusCode::SERVICE_UNAVAILABLE, None),
                "{path}: {}",
                page.html
            );
            assert!(
                page.html.contains("cannot reach its database"),
                "{path}: {}",
                page.html
            );
        }
    });
}

/// A received email's HTML shows as it was made safe, its inline image and its
/// attachment come from the item's files, for signed-in agents only.
#[tokio::test]
async fn an_emails_html_and_files_show_on_the_customer_page() {
    crate::each_backend!(|api| {
        use hearth_app::service::{File, InboundRequest, file_id};
        use hearth_domain::item::{Attachment, ItemContent};
        let pdf = b"%PDF-1.4".to_vec();
        let id = file_id(&pdf);
        let (received, _) = api
            .app
            .receive(InboundRequest {
                channel: hearth_domain::channel::Channel::Email,
                entry_point: "support@example.com".into(),
                from_address: "ola@customer.example".into(),
                from_name: Some("Ola".into()),
                content: ItemContent::Email {
                    from: "ola@customer.example".into(),
                    to: vec!["support@example.com".into()],
                    cc: Vec::new(),
                    bcc: Vec::new(),
                    subject: "Receipt".into(),
                    content: "See attached".into(),
                    html: Some(format!(
                        "<p>See <b>attached</b><img src=\"hearth-file:{id}\"></p>"
                    )),
                    attachments: vec![Attachment {
                        id: id.clone(),
                        content_type: "application/pdf".into(),
                        filename: "receipt.pdf".into(),
                        file_size: pdf.len() as u64,
                    }],
                },
                session_id: None,
                provider_message_id: None,
                automated: false,
                thread: None,
                raw_id: None,
                files: vec![File {
                    id: id.clone(),
                    content_type: "application/pdf".into(),
                    filename: "receipt.pdf".into(),
                    bytes: pdf.clone(),
                }],
            })
            .await
            .unwrap();
        let conv = received.conversation_id.unwrap();
        let item = received.item_id;
        let (cookies, _) = sign_in(&api, "alice@example.com").await;
        let page = visit(
            &api,
            Method::GET,
            &format!("/ui/conversations/{conv}"),
            &cookies,
            None,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        let href = format!("/ui/files/{item}/{id}");
        assert!(page.html.contains("<b>attached</b>"), "{}", page.html);
        assert!(
            page.html.contains(&format!("src=\"{href}\"")),
            "{}",
            page.html
        );
        assert!(
            page.html.contains(&format!("href=\"{href}\"")),
            "{}",
            page.html
        );
        assert!(
            page.html.contains("receipt.pdf (application/pdf, 8 bytes)"),
            "{}",
            page.html
        );
        let file = visit(&api, Method::GET, &href, &cookies, None).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.html.as_bytes(), pdf.as_slice());
        let anonymous = visit(&api, Method::GET, &href, "", None).await;
        assert_ne!(anonymous.status, StatusCode::OK, "signed-in agents only");
        let missing = visit(
            &api,
            Method::GET,
            &format!("/ui/files/{item}/{}", "0".repeat(64)),
            &cookies,
            None,
        )
        .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    });
}

/// An email reply's Cc starts as everyone else the customer wrote to; the agent
/// may change it, and a wrong address is refused beside the field.
#[tokio::test]
async fn the_email_composer_keeps_or_changes_the_cc() {
    crate::each_backend!(|api| {
        let got = api
            .inbound(
                serde_json::json!({"channel": "EMAIL", "entryPoint": "support@example.com",
                "from": {"address": "mo@customer.example", "name": "Mo"},
                "content": {"subject": "Refund", "content": "Please refund",
                    "to": ["support@example.com", "partner@customer.example"],
                    "cc": ["boss@customer.example"]}}),
            )
            .await;
        let conv = got["conversationId"].as_str().unwrap().to_owned();
        let item = got["itemId"].as_str().unwrap().to_owned();
        let (cookies, csrf) = sign_in(&api, "admin@example.com").await;
        let page = visit(
            &api,
            Method::GET,
            &format!("/ui/conversations/{conv}"),
            &cookies,
            None,
        )
        .await;
        assert!(
            page.html
                .contains("value=\"partner@customer.example, boss@customer.example\""),
            "{}",
            page.html
        );
        assert!(page.html.contains("Send email reply"), "words, not codes");
        let compose = |cc: &str| {
            format!(
                "csrf={csrf}&mode=reply&channel=reply&replyTo={item}&subject=Re%3A+Refund&cc={}&body=Done",
                encode(cc)
            )
        };
        let wrong = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/compose"),
            &cookies,
            Some(&compose("boss@customer.example, not an address")),
        )
        .await;
        let wrong = followed(&api, &cookies, wrong).await;
        assert!(wrong.html.contains("id=\"cc-error\""), "{}", wrong.html);
        assert!(
            wrong
                .html
                .contains("value=\"boss@customer.example, not an address\"")
                && wrong.html.contains(">Done</textarea>"),
            "what was typed is kept: {}",
            wrong.html
        );
        let sent = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/compose"),
            &cookies,
            Some(&compose("boss@customer.example; audit@example.com")),
        )
        .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
        let items = api.app.conversation_items(&conv).await.unwrap().items;
        let hearth_domain::item::ItemContent::Email { cc, to, .. } = &items[1].content else {
            panic!("not an email: {:?}", items[1]);
        };
        assert_eq!(to, &["mo@customer.example"]);
        assert_eq!(cc, &["boss@customer.example", "audit@example.com"]);
    });
}

/// Files chosen in the composer go with the email reply: kept with it, listed on
/// the page and served from it.
#[tokio::test]
async fn files_from_the_composer_go_with_an_email_reply() {
    crate::each_backend!(|api| {
        let got = api
            .email_from("li@customer.example", "Need the label")
            .await;
        let conv = got["conversationId"].as_str().unwrap().to_owned();
        let item = got["itemId"].as_str().unwrap().to_owned();
        let (cookies, csrf) = sign_in(&api, "admin@example.com").await;
        let boundary = "hearth-test-boundary";
        let field = |name: &str, value: &str| {
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
        };
        let mut body = String::new();
        for (name, value) in [
            ("csrf", csrf.as_str()),
            ("mode", "reply"),
            ("replyTo", item.as_str()),
            ("channel", "reply"),
            ("body", "Label attached"),
        ] {
            body.push_str(&field(name, value));
        }
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"label.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--{boundary}--\r\n"
        ));
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("/ui/conversations/{conv}/compose"))
            .header("cookie", &cookies)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        let response = api.router.clone().oneshot(req).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let items = api.app.conversation_items(&conv).await.unwrap().items;
        let reply = &items[1];
        let files = reply.content.attachments();
        assert_eq!(files.len(), 1, "{reply:?}");
        assert_eq!(
            (files[0].filename.as_str(), files[0].file_size),
            ("label.pdf", 8)
        );
        let file = api
            .app
            .item_file(reply.id.as_str(), &files[0].id)
            .await
            .unwrap();
        assert_eq!(file.bytes, b"%PDF-1.4");
        let page = visit(
            &api,
            Method::GET,
            &format!("/ui/conversations/{conv}"),
            &cookies,
            None,
        )
        .await;
        assert!(
            page.html.contains("label.pdf (application/pdf, 8 bytes)"),
            "{}",
            page.html
        );
        assert!(page.html.contains("enctype=\"multipart/form-data\""));
    });
}

/// An admin invites an agent instead of choosing their password: the one-time
/// link is shown once, sets the password, and then no longer works.
#[tokio::test]
async fn an_invited_agent_chooses_their_password_by_a_one_time_link() {
    crate::each_backend!(|api| {
        let (admin, csrf) = sign_in(&api, "admin@example.com").await;
        let form = get(&api, &admin, "/ui/admin/agents").await;
        let support = support_inbox(&api).await;
        assert!(
            form.html.contains(&format!("value=\"{support}\" checked")),
            "a new agent works every inbox by default: {}",
            form.html
        );
        assert!(form.html.contains("id=\"invite\" checked"));
        // Neither a password nor an invitation: refused by the password field.
        let neither = post(
            &api,
            &admin,
            "/ui/admin/agents",
            &format!("csrf={csrf}&version=&name=Dana&emailAddress=dana%40example.com&roles=AGENT&inboxIds={support}&messagingCapacity.standard=2&messagingCapacity.maximum=3"),
        )
        .await;
        assert_eq!(neither.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            neither
                .html
                .contains("Give a password, or invite the agent")
        );
        let invited = post(
            &api,
            &admin,
            "/ui/admin/agents",
            &format!("csrf={csrf}&version=&name=Dana&emailAddress=dana%40example.com&roles=AGENT&invite=on&inboxIds={support}&messagingCapacity.standard=2&messagingCapacity.maximum=3"),
        )
        .await;
        assert_eq!(invited.status, StatusCode::OK, "{}", invited.html);
        let at = invited
            .html
            .find("id=\"invite-link\"")
            .expect("the link is shown");
        let link = invited.html[at..]
            .split("<code>")
            .nth(1)
            .unwrap()
            .split("</code>")
            .next()
            .unwrap()
            .to_owned();
        let path = format!("/invite/{}", link.rsplit('/').next().unwrap());
        // The invitee opens it without a session and chooses a password.
        let page = visit(&api, Method::GET, &path, "", None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("Welcome, Dana."));
        let csrf_cookie = cookie_pair(&page, "hearth_csrf");
        let their_csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
        let short = visit(
            &api,
            Method::POST,
            &path,
            &csrf_cookie,
            Some(&format!("csrf={their_csrf}&password=short&again=short")),
        )
        .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            short.html.contains("Choose at least 12 characters."),
            "{}",
            short.html
        );
        let set = visit(
            &api,
            Method::POST,
            &path,
            &csrf_cookie,
            Some(&format!(
                "csrf={their_csrf}&password=a+long+pass+phrase&again=a+long+pass+phrase"
            )),
        )
        .await;
        assert_eq!(set.location.as_deref(), Some("/login"), "{}", set.html);
        let login = followed(&api, &csrf_cookie, set).await;
        assert!(
            login
                .html
                .contains("Your password is set. Sign in as dana@example.com.")
        );
        assert!(
            api.app
                .login("dana@example.com", "a long pass phrase")
                .await
                .is_ok()
        );
        // Used once: the link is gone.
        let again = visit(&api, Method::GET, &path, "", None).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        assert!(again.html.contains("no longer works"));
    });
}

/// The customer pane edits the profile and makes tasks; the agent's own settings
/// choose a time zone; a form's address opened as a page, an unknown page and a
/// missing conversation all answer with pages in the desktop's layout.
#[tokio::test]
async fn the_profile_tasks_settings_and_error_pages_work_from_the_desktop() {
    crate::each_backend!(|api| {
        let (cookies, csrf) = sign_in(&api, "alice@example.com").await;
        let mail = api.email_from("lee@example.com", "a question").await;
        let customer = mail["customerId"].as_str().unwrap().to_owned();
        let conv = mail["conversationId"].as_str().unwrap().to_owned();
        let back = format!("/ui/conversations/{conv}");

        // A bad phone is refused next to its field, in words.
        let bad = post(
            &api,
            &cookies,
            &format!("/ui/customers/{customer}/profile"),
            &format!(
                "csrf={csrf}&back={}&name=Lee+Park&emails=lee%40example.com&phones=call+me",
                encode(&back)
            ),
        )
        .await;
        let bad = followed(&api, &cookies, bad).await;
        assert!(
            bad.html.contains("“call me” is not a phone number"),
            "{}",
            bad.html
        );
        let saved = post(
            &api,
            &cookies,
            &format!("/ui/customers/{customer}/profile"),
            &format!(
                "csrf={csrf}&back={}&name=Lee+Park&emails=lee%40example.com&phones=%2B1+206+555+0133&attributes=Plan%3A+Gold%0ACity%3A+Seattle",
                encode(&back)
            ),
        )
        .await;
        assert_eq!(saved.location.as_deref(), Some(back.as_str()));
        let page = followed(&api, &cookies, saved).await;
        assert!(page.html.contains("Profile saved."));
        let c = api.app.customer(&customer).await.unwrap();
        assert_eq!(c.name.as_deref(), Some("Lee Park"));
        assert_eq!(c.phones[0].number.e164(), "+12065550133");
        assert_eq!(
            c.custom_attributes.get("Plan").map(String::as_str),
            Some("Gold")
        );
        assert!(
            page.html.contains("<dt>City</dt><dd>Seattle</dd>"),
            "{}",
            page.html
        );
        // The composer now also offers SMS to the new number.
        assert!(page.html.contains("SMS to +12065550133"));

        // A task from the pane, due tomorrow 09:30 in the browser's zone (UTC+2).
        let inbox = support_inbox(&api).await;
        let made = post(
            &api,
            &cookies,
            &format!("/ui/customers/{customer}/tasks"),
            &format!(
                "csrf={csrf}&back={}&body=Send+the+contract&due=2099-03-01T09%3A30&tzOffset=120&inboxId={inbox}&agentId=",
                encode(&back)
            ),
        )
        .await;
        let page = followed(&api, &cookies, made).await;
        assert!(page.html.contains("Task created"), "{}", page.html);
        assert!(page.html.contains("Send the contract"));
        let in_timeline = page
            .html
            .split("id=\"timeline\"")
            .nth(1)
            .unwrap_or_default();
        assert!(
            in_timeline.contains("data-type=\"TASK\"")
                && in_timeline.contains(">Send the contract</a>"),
            "the task stands in the timeline too"
        );
        let (tasks, _) = api.app.customer_tasks(&customer, None).await.unwrap();
        assert_eq!(tasks.len(), 1);
        assert_eq!(
            tasks[0]
                .due_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
            "2099-03-01T07:30:00Z"
        );
        let no_due = post(
            &api,
            &cookies,
            &format!("/ui/customers/{customer}/tasks"),
            &format!(
                "csrf={csrf}&back={}&body=x&due=&inboxId={inbox}",
                encode(&back)
            ),
        )
        .await;
        let page = followed(&api, &cookies, no_due).await;
        assert!(page.html.contains("Choose a due date and time."));

        // The agent's own time zone: checked, kept, and handed to every page.
        let wrong = post(
            &api,
            &cookies,
            "/ui/me",
            &format!("csrf={csrf}&timeZone=Europe%2FAtlantis"),
        )
        .await;
        let page = followed(&api, &cookies, wrong).await;
        assert!(
            page.html.contains("is not a time zone name"),
            "{}",
            page.html
        );
        let right = post(
            &api,
            &cookies,
            "/ui/me",
            &format!("csrf={csrf}&timeZone=Europe%2FOslo"),
        )
        .await;
        let page = followed(&api, &cookies, right).await;
        assert!(page.html.contains("Times now show in Europe/Oslo."));
        let desk = get(&api, &cookies, "/").await;
        assert!(desk.html.contains("data-tz=\"Europe/Oslo\""));

        // Reloading a form's address lands on its page; unknown pages are pages.
        let reload = get(&api, &cookies, &format!("/ui/conversations/{conv}/act")).await;
        assert_eq!(reload.status, StatusCode::SEE_OTHER);
        assert_eq!(reload.location.as_deref(), Some(back.as_str()));
        let nowhere = get(&api, &cookies, "/ui/no-such-page").await;
        assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
        assert!(nowhere.html.contains("There is no page at this address"));
        assert!(
            nowhere.html.contains("id=\"customers-card\""),
            "in the layout"
        );
        let missing = get(&api, &cookies, "/ui/conversations/nothing").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.html.contains("That conversation does not exist"));
        assert!(!missing.html.contains("\"errors\""), "no raw JSON");
    });
}

/// An administrator without the AGENT role takes no work, yet every page opens
/// for them, with the left pane saying why it is empty.
#[tokio::test]
async fn an_administrator_who_takes_no_work_still_opens_every_page() {
    crate::each_backend!(|api| {
        let made = api
            .post(
                "/api/v1/admin/agents",
                serde_json::json!({"name": "Ida", "emailAddress": "ida@example.com",
                    "roles": ["ADMIN"], "inboxIds": [],
                    "messagingCapacity": {"standard": 1, "maximum": 1}}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let (cookies, _) = sign_in(&api, "ida@example.com").await;
        for path in ["/", "/ui/admin/agents", "/ui/admin/settings", "/ui/me"] {
            let page = get(&api, &cookies, path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.html);
            assert!(page.html.contains("has no AGENT role"), "{path}");
        }
        let board = get(&api, &cookies, "/ui/supervisor").await;
        assert_eq!(board.status, StatusCode::FORBIDDEN);
        assert!(board.html.contains("Supervisors only"));
    });
}

/// The login brake counts an attempt before the password is checked and keys on
/// the account as the lookup reads it: neither whitespace around the email nor 40
/// guesses at once get more than five passwords checked.
#[tokio::test]
async fn the_login_brake_holds_against_variants_and_parallel_guesses() {
    crate::each_backend!(|api| {
        let password = api.app.reset_password("bob@example.com").await.unwrap();
        let login = get(&api, "", "/login").await;
        let csrf_cookie = cookie_pair(&login, "hearth_csrf");
        let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
        let guesses: Vec<_> = (0..40)
            .map(|i| {
                let router = api.router.clone();
                let cookie = csrf_cookie.clone();
                // Every other guess wraps the email in spaces or changes its case.
                let email = match i % 3 {
                    0 => "bob%40example.com".to_owned(),
                    1 => "+%20bob%40example.com%20".to_owned(),
                    _ => "BOB%40Example.com".to_owned(),
                };
                let form = format!("csrf={csrf}&email={email}&password=guess{i}");
                tokio::spawn(async move {
                    let req = Request::builder()
                        .method(Method::POST)
                        .uri("/login")
                        .header("cookie", cookie)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(Body::from(form))
                        .unwrap();
                    router.oneshot(req).await.unwrap().status()
                })
            })
            .collect();
        let mut checked = 0;
        let mut held = 0;
        for g in guesses {
            match g.await.unwrap() {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => held += 1,
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!(
            (checked, held),
            (5, 35),
            "five passwords checked, the rest held"
        );
        let right = post(
            &api,
            &csrf_cookie,
            "/login",
            &format!(
                "csrf={csrf}&email=+bob%40example.com&password={}",
                encode(&password)
            ),
        )
        .await;
        assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS, "held");
    });
}

/// Business hours from the week grid, and a rule from rows of conditions and
/// actions in names: saved through the admin API's readers, refusals on their row,
/// reordered, tried with a sample message, added from a template.
#[tokio::test]
async fn admins_keep_business_hours_and_rules_in_their_own_words() {
    crate::each_backend!(|api| {
        let (admin, csrf) = sign_in(&api, "admin@example.com").await;
        let grid = get(&api, &admin, "/ui/admin/business-hours").await;
        assert_eq!(grid.status, StatusCode::OK);
        assert!(grid.html.contains("weekly.MONDAY"), "the week grid");
        let saved = post(
            &api,
            &admin,
            "/ui/admin/business-hours",
            &format!(
                "csrf={csrf}&name=Office&timeZone=Europe%2FBerlin&weekly.MONDAY={}&weekly.TUESDAY=09%3A00-17%3A00&weekly.SATURDAY={}&holidays=2030-12-25&exceptions={}",
                encode("09:00-12:00, 13:00-17:00"),
                encode("22:00-02:00"),
                encode("2030-12-24 09:00-12:00")
            ),
        )
        .await;
        let shown = followed(&api, &admin, saved).await;
        assert!(shown.html.contains("Office saved."), "{}", shown.html);
        let hours = api.get("/api/v1/admin/business-hours").await.body;
        let office = &hours[0];
        assert_eq!(office["timeZone"], "Europe/Berlin");
        assert_eq!(office["weekly"].as_array().unwrap().len(), 4, "{office}");
        assert_eq!(office["exceptions"][0]["hours"][0]["end"], "12:00");
        let bad = post(
            &api,
            &admin,
            "/ui/admin/business-hours",
            &format!("csrf={csrf}&name=Moon&timeZone=Moon%2FBase&weekly.MONDAY=09%3A00-17%3A00"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.html.contains("data-field=\"timeZone\""),
            "the zone is refused next to its field"
        );

        // A rule in rows: "Message text contains unsubscribe" or "Subject ...", then close.
        let billing = api.id_of("topic", "billing").await;
        let form = format!(
            "csrf={csrf}&version=&name=Spam&enabled=on&trigger=COMMUNICATION_RECEIVED&offset=\
             &c0.field=content&c0.operator=CONTAINS&c0.value=unsubscribe&c0.any=on\
             &c1.field=subject&c1.operator=CONTAINS&c1.value=lottery&c1.any=on\
             &c2.field=inboxId&c2.operator=EQUALS&c2.value=Support\
             &c3.field=&c3.operator=EQUALS&c3.value=\
             &a0.type=ADD_TOPICS&a0.topics={billing}&a0.inbox=&a0.agent=&a0.score=&a0.channel=&a0.subject=&a0.body=\
             &a1.type=CLOSE_CONVERSATION&a1.inbox=&a1.agent=&a1.score=&a1.channel=&a1.subject=&a1.body=\
             &a2.type=&a2.inbox=&a2.agent=&a2.score=&a2.channel=&a2.subject=&a2.body="
        );
        let saved = post(&api, &admin, "/ui/admin/rules", &form).await;
        let page = followed(&api, &admin, saved).await;
        assert!(page.html.contains("Spam saved."), "{}", page.html);
        let rules = api.get("/api/v1/admin/rules").await.body;
        let rule = &rules[0];
        assert_eq!(
            rule["conditions"][0]["anyOf"].as_array().unwrap().len(),
            2,
            "{rule}"
        );
        let support = support_inbox(&api).await;
        assert_eq!(
            rule["conditions"][1]["value"],
            serde_json::json!(support),
            "the inbox by its name"
        );
        assert_eq!(rule["actions"][0]["topicIds"], serde_json::json!([billing]));
        assert!(
            page.html.contains("value=\"Support\""),
            "shown by name again"
        );

        // A refusal lands on its row, with what was typed kept.
        let broken = form.replace("name=Spam", "name=Broken").replace(
            "c1.operator=CONTAINS&c1.value=lottery",
            "c1.operator=MATCHES&c1.value=%28unclosed",
        );
        let refused = post(&api, &admin, "/ui/admin/rules", &broken).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let row = refused.html.find("data-condition=\"1\"").unwrap();
        let next = refused.html.find("data-condition=\"2\"").unwrap();
        assert!(
            refused.html[row..next].contains("field-error"),
            "the error is on the second row"
        );
        assert!(refused.html.contains("value=\"(unclosed\""));

        // Tried with a sample, without acting.
        let id = rule["id"].as_str().unwrap();
        let tried = get(
            &api,
            &admin,
            &format!(
                "/ui/admin/rules/{id}?try=1&channel=EMAIL&subject=Hi&content=Please+unsubscribe+me"
            ),
        )
        .await;
        assert!(tried.html.contains("It matches."), "{}", tried.html);
        assert!(tried.html.contains("close the conversation"));
        assert!(tried.html.contains("✓ Message text contains unsubscribe"));
        assert!(tried.html.contains("✓ Inbox is Support"));

        // From the library, disabled; then moved up and enabled.
        let added = post(
            &api,
            &admin,
            "/ui/admin/rules/from-template",
            &format!("csrf={csrf}&key=out-of-hours"),
        )
        .await;
        let page = followed(&api, &admin, added).await;
        assert!(page.html.contains("disabled: adjust it"), "{}", page.html);
        let rules = api.get("/api/v1/admin/rules").await.body;
        let template = rules
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "Auto-reply out of hours")
            .unwrap()
            .clone();
        assert_eq!(template["enabled"], serde_json::json!(false));
        let tid = template["id"].as_str().unwrap();
        let moved = post(
            &api,
            &admin,
            &format!("/ui/admin/rules/{tid}/move"),
            &format!("csrf={csrf}&dir=up"),
        )
        .await;
        let list = followed(&api, &admin, moved).await;
        let first = list.html.find("Auto-reply out of hours").unwrap();
        let second = list.html.find(">Spam<").unwrap();
        assert!(first < second, "moved above");
        let on = post(
            &api,
            &admin,
            &format!("/ui/admin/rules/{tid}/toggle"),
            &format!("csrf={csrf}&enabled=true"),
        )
        .await;
        let list = followed(&api, &admin, on).await;
        assert!(list.html.contains("Auto-reply out of hours enabled."));
        assert_eq!(
            api.get(&format!("/api/v1/admin/rules/{tid}")).await.body["enabled"],
            serde_json::json!(true)
        );
    });
}

/// Due soon and overdue, in words, where agents and supervisors look: My
/// Customers, the conversation's header and the board's per-inbox counts.
#[tokio::test]
async fn due_soon_and_overdue_show_on_my_customers_the_conversation_and_the_board() {
    crate::each_backend_with_clock!(|api, clock| {
        let inbox = support_inbox(&api).await;
        let set = api
            .patch(
                &format!("/api/v1/admin/inboxes/{inbox}"),
                serde_json::json!({"slaSeconds": 3600, "warnBeforeSeconds": 900}),
            )
            .await;
        assert!(set.status.is_success(), "{}", set.body);
        let created = api.email_from("ann@example.com", "where is it?").await;
        let conv = created["conversationId"].as_str().unwrap().to_owned();
        let (admin, _) = sign_in(&api, "admin@example.com").await;
        let assigned = api
            .patch(
                &format!("/api/v1/conversations/{conv}"),
                serde_json::json!({"assignee": {"inboxId": inbox, "agentId": api.id_of("agent", "admin@example.com").await}}),
            )
            .await;
        assert!(assigned.status.is_success(), "{}", assigned.body);
        let page = get(&api, &admin, &format!("/ui/conversations/{conv}")).await;
        assert!(!page.html.contains("id=\"due-state\""), "not yet due soon");
        let board = get(&api, &admin, "/ui/supervisor").await;
        assert!(board.html.contains("id=\"due-summary\""));

        clock.advance(time::Duration::minutes(50));
        let page = get(&api, &admin, &format!("/ui/conversations/{conv}")).await;
        assert!(
            page.html
                .contains("<span class=\"badge due-soon\" id=\"due-state\">Due soon</span>"),
            "{}",
            page.html
        );
        assert!(
            page.html
                .contains("<span class=\"badge due-soon\">Due soon</span>"),
            "My Customers"
        );
        let board = get(&api, &admin, "/ui/supervisor").await;
        let summary = &board.html[board.html.find("id=\"due-summary\"").unwrap()..];
        let summary = &summary[..summary.find("</table>").unwrap()];
        assert!(summary.contains("<td>Support</td><td><span class=\"badge due-soon\">1</span></td><td><span class=\"muted\">0</span></td>"), "{summary}");

        clock.advance(time::Duration::minutes(11));
        let page = get(&api, &admin, &format!("/ui/conversations/{conv}")).await;
        assert!(
            page.html.contains("id=\"due-state\">Overdue</span>"),
            "{}",
            page.html
        );
        let board = get(&api, &admin, "/ui/supervisor").await;
        assert!(
            board
                .html
                .contains("<span class=\"badge overdue\">1</span>")
        );
    });
}
