//! The inbound SMTP listener (RFC 5321). smtp-proto parses commands and un-stuffs
//! DATA; the session loop around it is ours, because no maintained crate offers a
//! permissively licensed async SMTP server to build on (Stalwart's server crates
//! are AGPL; the others are blocking or unmaintained).
//!
//! Recipients are checked against the EMAIL entry points before DATA (550 for any
//! other address); a message larger than the limit is refused with 552; a message
//! is answered 250 only once its bytes are stored, with the envelope recipient
//! added as `Delivered-To`, and read into an item right after; a crash after the
//! 250 loses nothing: `ingest::read_abandoned` reads it from the store.

use std::sync::Arc;
use std::time::Duration;

use hearth_app::App;
use hearth_app::service::{KeptMessage, RawMessage};
use hearth_domain::channel::Channel;
use smtp_proto::request::receiver::{DataReceiver, RequestReceiver};
use smtp_proto::{
    EXT_8BIT_MIME, EXT_ENHANCED_STATUS_CODES, EXT_PIPELINING, EXT_SIZE, EXT_START_TLS,
};
use smtp_proto::{EhloResponse, Error as SmtpError, Request};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::address;
use super::ingest;

/// Most recipients of one message.
const MAX_RECIPIENTS: usize = 100;
/// A client silent this long is disconnected (RFC 5321 4.5.3.2 suggests 5 minutes).
const IDLE: Duration = Duration::from_secs(300);

/// How the listener behaves.
#[derive(Clone)]
pub struct SmtpSettings {
    /// The name it greets with.
    pub hostname: String,
    /// Largest message accepted, in bytes.
    pub max_bytes: usize,
    /// STARTTLS, offered when a certificate and key are configured.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("hostname", &self.hostname)
            .field("max_bytes", &self.max_bytes)
            .field("starttls", &self.tls.is_some())
            .finish()
    }
}

/// Why a certificate and key could not be used.
#[derive(Debug, thiserror::Error)]
#[error("SMTP TLS: {0}")]
pub struct BadTls(String);

/// A STARTTLS acceptor from a PEM certificate chain and a PEM private key.
pub fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, BadTls> {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| BadTls(format!("reading {}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(BadTls(format!("{} holds no certificate", cert.display())));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| BadTls(format!("reading {}: {e}", key.display())))?;
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| BadTls(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| BadTls(e.to_string()))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Accepts connections until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    app: App,
    settings: SmtpSettings,
    mut stop: watch::Receiver<bool>,
) {
    let settings = Arc::new(settings);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let (app, settings) = (app.clone(), settings.clone());
                    tokio::spawn(async move {
                        if let Err(e) = connection(app, settings, stream).await {
                            tracing::debug!(%peer, error = %e, "SMTP session ended with an error");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting an SMTP connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = stop.changed() => return,
        }
    }
}

/// One client's connection: a session in the clear, and after STARTTLS a fresh
/// one over TLS (RFC 3207: everything said before is forgotten).
async fn connection(
    app: App,
    settings: Arc<SmtpSettings>,
    stream: tokio::net::TcpStream,
) -> std::io::Result<()> {
    let plain = Session::new(app.clone(), settings.clone(), false);
    let Some(stream) = plain.run(stream, true).await? else {
        return Ok(());
    };
    let Some(acceptor) = settings.tls.clone() else {
        return Ok(());
    };
    let tls = acceptor.accept(stream).await?;
    Session::new(app, settings, true).run(tls, false).await?;
    Ok(())
}

/// One client's session.
struct Session {
    app: App,
    settings: Arc<SmtpSettings>,
    /// Whether the session runs over TLS already.
    secure: bool,
    greeted: bool,
    from: Option<String>,
    recipients: Vec<String>,
}

enum Step {
    Continue,
    Data,
    Quit,
    StartTls,
}

impl Session {
    fn new(app: App, settings: Arc<SmtpSettings>, secure: bool) -> Session {
        Session {
            app,
            settings,
            secure,
            greeted: false,
            from: None,
            recipients: Vec::new(),
        }
    }

    /// Runs the session; returns the stream when the client asked for STARTTLS.
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        mut self,
        mut stream: S,
        greet: bool,
    ) -> std::io::Result<Option<S>> {
        if greet {
            let greeting = format!("220 {} Hearth ESMTP ready\r\n", self.settings.hostname);
            stream.write_all(greeting.as_bytes()).await?;
        }
        let mut commands = RequestReceiver::default();
        let mut data: Option<(DataReceiver, Vec<u8>, bool)> = None;
        let mut chunk = vec![0u8; 16 * 1024];
        loop {
            let n = match tokio::time::timeout(IDLE, stream.read(&mut chunk)).await {
                Ok(read) => read?,
                Err(_) => {
                    stream
                        .write_all(b"421 4.4.2 Idle too long, closing\r\n")
                        .await?;
                    return Ok(None);
                }
            };
            if n == 0 {
                return Ok(None);
            }
            let mut bytes = chunk[..n].iter();
            let mut out = Vec::new();
            loop {
                if let Some((receiver, body, too_big)) = &mut data {
                    let done = receiver.ingest(&mut bytes, body);
                    if body.len() > self.settings.max_bytes {
                        // Keep reading to the final dot, but keep nothing.
                        *too_big = true;
                        body.clear();
                    }
                    if !done {
                        break;
                    }
                    if let Some((_, body, too_big)) = data.take() {
                        out.extend(self.finish_data(body, too_big).await.as_bytes());
                    }
                    continue;
                }
                let request = match commands.ingest(&mut bytes) {
                    Ok(request) => request.into_owned(),
                    Err(SmtpError::NeedsMoreData { .. }) => break,
                    Err(e) => {
                        out.extend(refusal(&e).as_bytes());
                        continue;
                    }
                };
                match self.handle(request, &mut out).await {
                    Step::Continue => {}
                    Step::Data => data = Some((DataReceiver::new(), Vec::new(), false)),
                    Step::Quit => {
                        stream.write_all(&out).await?;
                        return Ok(None);
                    }
                    // Whatever the client sent after STARTTLS is dropped unread
                    // (RFC 3207 section 4.2: no command injection into TLS).
                    Step::StartTls => {
                        stream.write_all(&out).await?;
                        stream.flush().await?;
                        return Ok(Some(stream));
                    }
                }
            }
            if !out.is_empty() {
                stream.write_all(&out).await?;
            }
        }
    }

    async fn handle(&mut self, request: Request<String>, out: &mut Vec<u8>) -> Step {
        let reply = match request {
            Request::Ehlo { host } => {
                self.greeted = true;
                self.reset();
                let mut ehlo = EhloResponse::new(self.settings.hostname.as_str());
                ehlo.capabilities =
                    EXT_8BIT_MIME | EXT_ENHANCED_STATUS_CODES | EXT_PIPELINING | EXT_SIZE;
                if self.settings.tls.is_some() && !self.secure {
                    ehlo.capabilities |= EXT_START_TLS;
                }
                ehlo.size = self.settings.max_bytes;
                let _ = ehlo.write(&mut *out);
                tracing::debug!(%host, "EHLO");
                return Step::Continue;
            }
            Request::Helo { .. } | Request::Lhlo { .. } => {
                self.greeted = true;
                self.reset();
                format!("250 {}\r\n", self.settings.hostname)
            }
            Request::Mail { from } => {
                if !self.greeted {
                    "503 5.5.1 Say EHLO first\r\n".into()
                } else if self.from.is_some() {
                    "503 5.5.1 A sender is already given\r\n".into()
                } else if from.size > self.settings.max_bytes {
                    format!(
                        "552 5.3.4 Messages may have at most {} bytes\r\n",
                        self.settings.max_bytes
                    )
                } else {
                    self.from = Some(from.address);
                    "250 2.1.0 OK\r\n".into()
                }
            }
            Request::Rcpt { to } => self.recipient(&to.address).await,
            Request::Data => {
                if self.from.is_none() {
                    "503 5.5.1 MAIL first\r\n".into()
                } else if self.recipients.is_empty() {
                    "554 5.5.1 No valid recipients\r\n".into()
                } else {
                    out.extend(b"354 Start mail input; end with <CRLF>.<CRLF>\r\n");
                    return Step::Data;
                }
            }
            Request::Rset => {
                self.reset();
                "250 2.0.0 OK\r\n".into()
            }
            Request::Noop { .. } => "250 2.0.0 OK\r\n".into(),
            Request::Quit => {
                out.extend(b"221 2.0.0 Bye\r\n");
                return Step::Quit;
            }
            Request::Vrfy { .. } => "252 2.5.0 Cannot verify, but will try delivery\r\n".into(),
            Request::StartTls if self.secure => "503 5.5.1 TLS is on already\r\n".into(),
            Request::StartTls if self.settings.tls.is_some() => {
                out.extend(b"220 2.0.0 Ready to start TLS\r\n");
                return Step::StartTls;
            }
            Request::StartTls => "502 5.5.1 STARTTLS is not configured\r\n".into(),
            Request::Auth { .. } => "502 5.5.1 No authentication here\r\n".into(),
            other => format!("502 5.5.1 {} is not implemented\r\n", other.name()),
        };
        out.extend(reply.as_bytes());
        Step::Continue
    }

    async fn recipient(&mut self, to: &str) -> String {
        if self.from.is_none() {
            return "503 5.5.1 MAIL first\r\n".into();
        }
        if self.recipients.len() >= MAX_RECIPIENTS {
            return "452 4.5.3 Too many recipients\r\n".into();
        }
        let (base, _) = address::split_plus(to);
        match self.app.has_entry_point(Channel::Email, &base).await {
            Ok(true) => {
                self.recipients.push(to.trim().to_owned());
                "250 2.1.5 OK\r\n".into()
            }
            Ok(false) => format!("550 5.1.1 <{base}>: no such mailbox here\r\n"),
            Err(e) => {
                tracing::warn!(error = %e.chain(), "checking an SMTP recipient failed");
                "451 4.3.0 Temporary failure, try again later\r\n".into()
            }
        }
    }

    async fn finish_data(&mut self, body: Vec<u8>, too_big: bool) -> String {
        let recipients = std::mem::take(&mut self.recipients);
        let from = self.from.take();
        if too_big {
            return format!(
                "552 5.3.4 Messages may have at most {} bytes\r\n",
                self.settings.max_bytes
            );
        }
        // The envelope recipients head the message, as an MTA's local delivery
        // would write them: the reader takes the entry point from them.
        let mut bytes = Vec::with_capacity(body.len() + 64 * recipients.len());
        for r in &recipients {
            bytes.extend(format!("Delivered-To: {r}\r\n").as_bytes());
        }
        bytes.extend(&body);
        let sender = from.filter(|f| !f.is_empty());
        let kept = self
            .app
            .keep_raw(RawMessage {
                channel: Channel::Email,
                source: "smtp".into(),
                sender,
                bytes: bytes.clone(),
            })
            .await;
        match kept {
            Ok(id) => {
                let message = KeptMessage {
                    id: id.clone(),
                    channel: Channel::Email.as_str().to_owned(),
                    source: "smtp".into(),
                    bytes,
                    received_at: self.app.now(),
                };
                let app = self.app.clone();
                tokio::spawn(async move {
                    if let Err(e) = ingest::read_kept(&app, &message).await {
                        tracing::warn!(raw = %message.id, error = %e.chain(), "reading an email failed; it is read again later");
                    }
                });
                format!("250 2.0.0 OK: queued as {id}\r\n")
            }
            Err(e) if e.is_client_error() => format!("552 5.3.4 {e}\r\n"),
            Err(e) => {
                tracing::warn!(error = %e.chain(), "storing an SMTP message failed");
                "451 4.3.0 Temporary failure, try again later\r\n".into()
            }
        }
    }

    fn reset(&mut self) {
        self.from = None;
        self.recipients.clear();
    }
}

fn refusal(e: &SmtpError) -> String {
    match e {
        SmtpError::UnknownCommand => "500 5.5.1 Command not recognised\r\n".into(),
        SmtpError::ResponseTooLong => "500 5.5.6 Line too long\r\n".into(),
        SmtpError::InvalidSenderAddress => "501 5.1.7 Bad sender address\r\n".into(),
        SmtpError::InvalidRecipientAddress => "501 5.1.3 Bad recipient address\r\n".into(),
        SmtpError::SyntaxError { syntax } => format!("501 5.5.4 Syntax: {syntax}\r\n"),
        SmtpError::InvalidParameter { param } => format!("501 5.5.4 Invalid parameter {param}\r\n"),
        SmtpError::UnsupportedParameter { param } => {
            format!("504 5.5.4 Unsupported parameter {param}\r\n")
        }
        SmtpError::NeedsMoreData { .. } | SmtpError::InvalidResponse { .. } => {
            "500 5.5.2 Syntax error\r\n".into()
        }
    }
}
