//! The agent desktop over HTTP: login with a password, the session cookie, the
//! CSRF check, the availability bar and Next.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::harness::Api;

struct Page {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
    html: String,
}

/// A browser-like request with these cookies and, for POST, this form.
async fn visit(api: &Api, method: Method, path: &str, cookies: &str, form: Option<&str>) -> Page {
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

fn encode(s: &str) -> String {
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
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(
            bad.html.contains("Focus needs availability"),
            "{}",
            bad.html
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

        // Close without a reply asks first; confirmed, it closes and goes home.
        let ask = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/act"),
            &cookies,
            Some(&format!("csrf={csrf}&action=CLOSE")),
        )
        .await;
        assert_eq!(ask.status, StatusCode::OK, "{}", ask.html);
        assert!(ask.html.contains("id=\"confirm-no-reply\""), "{}", ask.html);
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
            Some(&format!("csrf={csrf}&action=CLOSE&confirmNoReply=on")),
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
async fn sign_in(api: &Api, email: &str) -> (String, String) {
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
                "csrf={csrf}&mode=reply&replyTo={item}&kind=SMS&body=+"
            )),
        )
        .await;
        assert_eq!(blank.status, StatusCode::BAD_REQUEST);
        assert!(
            blank.html.contains("write something first"),
            "{}",
            blank.html
        );

        let sent = visit(
            &api,
            Method::POST,
            &format!("/ui/conversations/{conv}/compose"),
            &cookies,
            Some(&format!(
                "csrf={csrf}&mode=reply&replyTo={item}&kind=SMS&body=Yes%2C+until+six"
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

        let (items, _) = api.app.conversation_items(&conv).await.unwrap();
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
        assert!(desk.html.contains("Incoming PHONE_CALL"), "{}", desk.html);
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
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.html);
        assert!(again.html.contains("no longer open"), "{}", again.html);
        assert!(!again.html.contains("Incoming PHONE_CALL"));
    });
}
