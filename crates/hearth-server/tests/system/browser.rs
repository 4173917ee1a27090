//! The agent desktop in a real headless Chromium driven over WebDriver
//! (chromium-driver), against the real binary.
//!
//! Needs `chromium` and `chromedriver` on the PATH; without them the test says so
//! and passes, unless `HEARTH_REQUIRE_BROWSER=1` (set by `.ci/run`, which installs
//! both). With `HEARTH_SCREENSHOTS=DIR` it saves the main screens there.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::server::{Server, temp_dir};

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

/// A chromedriver on a free port, killed on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn browser() -> Option<(Driver, Client)> {
    if !(on_path("chromium") && on_path("chromedriver")) {
        assert!(
            std::env::var("HEARTH_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "HEARTH_REQUIRE_BROWSER=1 but chromium or chromedriver is missing"
        );
        eprintln!("chromium/chromedriver not found: skipping the browser test");
        return None;
    }
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver { child, port };
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]}),
    );
    let url = format!("http://127.0.0.1:{}", driver.port);
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(client) = ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return Some((driver, client));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on {url}");
}

async fn shot(client: &Client, name: &str) {
    if let Ok(dir) = std::env::var("HEARTH_SCREENSHOTS") {
        let png = client.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), png).unwrap();
    }
}

async fn click(client: &Client, css: &str) {
    client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_agent_signs_in_takes_an_email_and_closes_it_after_confirming() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let dir = temp_dir();
    let server = Server::start(&dir, None, &[]).await;
    let password = server
        .banner
        .iter()
        .find(|l| l.trim_start().starts_with("alice@example.com"))
        .and_then(|l| l.split("password: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the banner prints Alice's password")
        .to_owned();

    // Unauthenticated: the desktop sends the browser to the login page.
    client.goto(&format!("{}/", server.base)).await.unwrap();
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/login")
    );
    shot(&client, "login.png").await;
    client
        .find(Locator::Css("#email"))
        .await
        .unwrap()
        .send_keys("alice@example.com")
        .await
        .unwrap();
    client
        .find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(&password)
        .await
        .unwrap();
    click(&client, "button[type=submit]").await;
    assert!(text_of(&client, "header .who").await.contains("Alice"));

    // An email waits; Alice turns on Mail & Tasks and the one mail item is pushed.
    let (status, created) = server
        .post(
            "/api/v1/contacts/inbound",
            json!({"channel": "EMAIL", "entryPoint": "support@example.com",
                   "from": {"address": "jane@example.com", "name": "Jane"},
                   "content": {"subject": "Where is my order?", "content": "It is late."}}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    click(&client, "input[name=mail]").await;
    click(&client, "#availability button[type=submit]").await;
    let customer = created["customerId"].as_str().unwrap();
    assert!(text_of(&client, "#my-customers").await.contains(customer));

    // Next opens the customer: timeline, composer and the action menu.
    click(&client, "#next").await;
    assert!(
        text_of(&client, "#timeline")
            .await
            .contains("Where is my order?")
    );
    let primary = text_of(&client, "#primary-action").await;
    click(&client, "#more-actions summary").await;
    let more = text_of(&client, "#more-actions").await;
    // An email with an unanswered customer: the table's mail row.
    let mut labels: Vec<String> = std::iter::once(primary.clone())
        .chain(
            more.lines()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty() && l != "▾"),
        )
        .collect();
    labels.sort();
    assert_eq!(
        labels,
        ["Close", "Close & Next", "Next", "No Reply Needed"],
        "primary {primary}, more {more}"
    );
    shot(&client, "conversation.png").await;

    // The `?` overlay lists the shortcuts; Alt+C closes, which first asks because
    // the customer has no reply. Confirmed, Alice is back on her desktop.
    let body = client.find(Locator::Css("body")).await.unwrap();
    body.send_keys("?").await.unwrap();
    assert!(
        text_of(&client, "#shortcuts")
            .await
            .contains("Close & Next")
    );
    shot(&client, "shortcuts.png").await;
    body.send_keys("?").await.unwrap();
    let alt_c = format!(
        "{}c{}",
        char::from(fantoccini::key::Key::Alt),
        char::from(fantoccini::key::Key::Null)
    );
    body.send_keys(&alt_c).await.unwrap();
    assert!(
        text_of(&client, "#confirm-no-reply")
            .await
            .contains("has not had a reply")
    );
    shot(&client, "confirm-no-reply.png").await;
    click(&client, "#confirm-no-reply button").await;
    assert!(
        text_of(&client, "#no-customers")
            .await
            .contains("No customers assigned")
    );
    let conv = created["conversationId"].as_str().unwrap();
    let (_, body) = server.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(body["status"], "CLOSED");

    // Alice adds Messaging; a chat that arrives now is pushed to her and shows up in
    // My Customers without a reload (the page follows her live stream).
    click(&client, "input[name=messaging]").await;
    click(&client, "#availability button[type=submit]").await;
    // The saved page renders the box checked in its HTML (a click only sets the
    // property), so this waits for the new page rather than the old one.
    text_of(&client, "input[name=messaging][checked]").await;
    assert!(
        text_of(&client, "#no-customers")
            .await
            .contains("No customers")
    );
    let loaded_at = client.current_url().await.unwrap();
    let (status, chat) = server
        .post(
            "/api/v1/contacts/inbound",
            json!({"channel": "CHAT", "entryPoint": "chat", "sessionId": "live-1",
                   "from": {"address": "visitor-9"}, "content": {"content": "anyone there?"}}),
        )
        .await;
    assert_eq!(status, 201, "{chat}");
    let row = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#my-customers"))
        .await
        .expect("the pushed chat appears without a reload");
    assert!(
        row.text()
            .await
            .unwrap()
            .contains(chat["customerId"].as_str().unwrap())
    );
    assert_eq!(
        client.current_url().await.unwrap(),
        loaded_at,
        "no navigation happened"
    );
    shot(&client, "desktop.png").await;
    client.close().await.unwrap();
}
