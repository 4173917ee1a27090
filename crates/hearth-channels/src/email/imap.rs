//! Polling the IMAP mailboxes of EMAIL entry points (async-imap). Each unseen
//! message is kept (`App::keep_raw`, its source naming the entry point, the
//! mailbox's UIDVALIDITY and the UID) and read into an item; only then is it flagged
//! `\Seen`. A restart between the two finds the source already kept and only flags
//! it: each message becomes one item. Where the server offers IDLE the poller waits
//! for news on an open connection, up to the poll interval; elsewhere it polls at
//! that interval.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_imap::Client;
use futures::TryStreamExt;
use hearth_app::App;
use hearth_app::service::{ImapMailbox, KeptMessage, RawMessage};
use hearth_domain::channel::Channel;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::ingest;

/// How often the list of mailboxes is read again (a changed configuration restarts
/// its poller).
const RECONFIGURE: Duration = Duration::from_secs(5);
/// Longest wait after a failed connection.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

type ImapError = Box<dyn std::error::Error + Send + Sync>;

/// Runs one poller per configured mailbox until `stop`.
pub async fn run(app: App, mut stop: watch::Receiver<bool>) {
    let mut running: HashMap<String, (ImapMailbox, watch::Sender<bool>, JoinHandle<()>)> =
        HashMap::new();
    loop {
        match app.imap_mailboxes().await {
            Ok(list) => {
                let wanted: HashMap<String, ImapMailbox> = list
                    .into_iter()
                    .map(|m| (m.entry_point_id.clone(), m))
                    .collect();
                let stale: Vec<String> = running
                    .iter()
                    .filter(|(id, (mb, _, _))| wanted.get(*id) != Some(mb))
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in stale {
                    if let Some((_, halt, task)) = running.remove(&id) {
                        let _ = halt.send(true);
                        let _ = task.await;
                    }
                }
                for (id, mb) in wanted {
                    if running.contains_key(&id) {
                        continue;
                    }
                    let (halt, halted) = watch::channel(false);
                    let task = tokio::spawn(poll(app.clone(), mb.clone(), halted));
                    running.insert(id, (mb, halt, task));
                }
            }
            Err(e) => tracing::warn!(error = %e.chain(), "reading the IMAP mailboxes failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(RECONFIGURE) => {}
            _ = stop.changed() => break,
        }
    }
    for (_, (_, halt, task)) in running {
        let _ = halt.send(true);
        let _ = task.await;
    }
}

/// Keeps one mailbox drained, reconnecting with backoff, until `stop`.
async fn poll(app: App, mb: ImapMailbox, mut stop: watch::Receiver<bool>) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let outcome = tokio::select! {
            r = connect_and_serve(&app, &mb, stop.clone()) => r,
            _ = stop.changed() => return,
        };
        if *stop.borrow() {
            return;
        }
        match outcome {
            Ok(()) => backoff = Duration::from_secs(1),
            Err(e) => {
                tracing::warn!(mailbox = ?mb, error = %e, "IMAP polling failed; trying again");
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => return,
        }
    }
}

/// `(tls, host, port)` of an `imap://` or `imaps://` URL.
fn endpoint(url: &str) -> Result<(bool, String, u16), ImapError> {
    let (scheme, rest) = url.split_once("://").ok_or("no scheme")?;
    let tls = match scheme {
        "imap" => false,
        "imaps" => true,
        other => return Err(format!("unknown scheme {other}").into()),
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host.to_owned(), port.parse()?),
        None => (rest.to_owned(), if tls { 993 } else { 143 }),
    };
    Ok((tls, host, port))
}

async fn connect_and_serve(
    app: &App,
    mb: &ImapMailbox,
    stop: watch::Receiver<bool>,
) -> Result<(), ImapError> {
    let (tls, host, port) = endpoint(&mb.url)?;
    let tcp = tokio::time::timeout(
        Duration::from_secs(30),
        TcpStream::connect((host.as_str(), port)),
    )
    .await??;
    if tls {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.clone())?;
        let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await?;
        serve(app, mb, stream, stop).await
    } else {
        serve(app, mb, tcp, stop).await
    }
}

async fn serve<T>(
    app: &App,
    mb: &ImapMailbox,
    stream: T,
    mut stop: watch::Receiver<bool>,
) -> Result<(), ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let mut client = Client::new(stream);
    client
        .read_response()
        .await?
        .ok_or("the server closed the connection before its greeting")?;
    let mut session = client
        .login(&mb.username, &mb.password)
        .await
        .map_err(|(e, _)| e)?;
    let idle = session.capabilities().await?.has_str("IDLE");
    let wait = Duration::from_secs(u64::try_from(mb.poll_seconds).unwrap_or(60).max(1));
    loop {
        drain(app, mb, &mut session).await?;
        if idle {
            let mut handle = session.idle();
            handle.init().await?;
            let (news, interrupt) =
                handle.wait_with_timeout(wait.min(Duration::from_secs(25 * 60)));
            let stopped = tokio::select! {
                r = news => { r?; false }
                _ = stop.changed() => true,
            };
            drop(interrupt);
            session = handle.done().await?;
            if stopped {
                let _ = session.logout().await;
                return Ok(());
            }
        } else {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {
                    let _ = session.logout().await;
                    return Ok(());
                }
            }
        }
    }
}

/// Keeps, reads and flags every unseen message, oldest first; returns how many.
async fn drain<T>(
    app: &App,
    mb: &ImapMailbox,
    session: &mut async_imap::Session<T>,
) -> Result<usize, ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let mailbox = session.select(&mb.mailbox).await?;
    let validity = mailbox.uid_validity.unwrap_or(0);
    let mut uids: Vec<u32> = session.uid_search("UNSEEN").await?.into_iter().collect();
    uids.sort_unstable();
    for uid in &uids {
        let source = format!("imap:{}:{validity}:{uid}", mb.entry_point_id);
        if !app.kept_from(&source).await? {
            let fetched: Vec<_> = session
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .await?
                .try_collect()
                .await?;
            let Some(body) = fetched.iter().find_map(|f| f.body()) else {
                return Err(format!("UID {uid} came back without its body").into());
            };
            // The mailbox is the entry point's: its address leads, as an MTA's
            // local delivery would write it.
            let mut bytes = format!("Delivered-To: {}\r\n", mb.address).into_bytes();
            bytes.extend_from_slice(body);
            keep_and_read(app, &source, bytes).await?;
        }
        let flagged: Vec<_> = session
            .uid_store(uid.to_string(), "+FLAGS (\\Seen)")
            .await?
            .try_collect()
            .await?;
        drop(flagged);
    }
    Ok(uids.len())
}

async fn keep_and_read(app: &App, source: &str, bytes: Vec<u8>) -> Result<(), ImapError> {
    let id = match app
        .keep_raw(RawMessage {
            channel: Channel::Email,
            source: source.to_owned(),
            sender: None,
            bytes: bytes.clone(),
        })
        .await
    {
        Ok(id) => id,
        // Too large to keep: it stays on the server, flagged, and the log says so.
        Err(e) if e.is_client_error() => {
            tracing::warn!(%source, error = %e, "an IMAP message was not taken");
            return Ok(());
        }
        Err(e) => return Err(e.chain().into()),
    };
    let kept = KeptMessage {
        id,
        channel: Channel::Email.as_str().to_owned(),
        source: source.to_owned(),
        bytes,
        received_at: app.now(),
    };
    if let Err(e) = ingest::read_kept(app, &kept).await {
        // Kept: the reader of abandoned messages takes it up.
        tracing::warn!(raw = %kept.id, error = %e.chain(), "reading an IMAP message failed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_tls_host_and_port() {
        assert_eq!(
            endpoint("imap://127.0.0.1:10143").unwrap(),
            (false, "127.0.0.1".into(), 10143)
        );
        assert_eq!(
            endpoint("imaps://mail.example.com").unwrap(),
            (true, "mail.example.com".into(), 993)
        );
        assert!(endpoint("pop3://x").is_err());
    }
}
