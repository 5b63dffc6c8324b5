//! A real SMTP server for the tests, in process: each accepted message lands in a folder as
//! `<n>.eml` (written under a temporary name, then renamed, so a reader never sees half a
//! message). Recipients steer failures:
//!
//! - `bounce@...`: 550 at RCPT, a permanent failure (a bad address);
//! - `tempfail<N>@...`: 451 at RCPT for the first N attempts of that address, then accepted.
//!
//! With a certificate and key it offers STARTTLS and refuses MAIL before it with 530.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// The SMTP sink: listening on 127.0.0.1:`port` until dropped.
pub struct Sink {
    pub port: u16,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What every connection shares.
struct Shared {
    dir: PathBuf,
    next: AtomicU64,
    /// Attempts so far per `tempfail` address, across connections.
    attempts: Mutex<HashMap<String, u32>>,
    tls: Option<TlsAcceptor>,
}

impl Sink {
    /// A plain SMTP server.
    pub fn start() -> Sink {
        Sink::start_with(None)
    }

    /// A server that requires STARTTLS with this certificate chain and key (PEM files).
    pub fn start_starttls(cert: &Path, key: &Path) -> Sink {
        Sink::start_with(Some(acceptor(cert, key)))
    }

    fn start_with(tls: Option<TlsAcceptor>) -> Sink {
        let dir = tempfile::tempdir().expect("a temporary folder");
        // Bound here, so the port is known and listening before start() returns.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            dir: dir.path().to_path_buf(),
            next: AtomicU64::new(0),
            attempts: Mutex::new(HashMap::new()),
            tls,
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        // A runtime of its own on its own thread: the sink serves whatever the test does with
        // its runtime (or without one), and a blocked test thread does not block it.
        let thread = std::thread::Builder::new()
            .name("smtp-sink".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()
                    .expect("a runtime for the SMTP sink");
                rt.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("a tokio listener");
                    let serve = async {
                        loop {
                            let Ok((socket, _)) = listener.accept().await else {
                                continue;
                            };
                            let shared = shared.clone();
                            tokio::spawn(async move {
                                // A client that hangs up mid-conversation is no error of ours.
                                let _ = session(Box::new(socket), &shared).await;
                            });
                        }
                    };
                    tokio::select! {
                        _ = serve => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime ends the open sessions.
            })
            .expect("the SMTP sink thread");
        Sink {
            port,
            dir,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
    }

    /// The messages received so far, in the order they arrived.
    pub fn messages(&self) -> Vec<String> {
        self.files()
            .iter()
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
            .collect()
    }

    /// How many messages arrived so far.
    pub fn count(&self) -> usize {
        self.files().len()
    }
}

fn acceptor(cert: &Path, key: &Path) -> TlsAcceptor {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .unwrap_or_else(|e| panic!("{}: {e}", cert.display()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", cert.display()));
    let key =
        PrivateKeyDer::from_pem_file(key).unwrap_or_else(|e| panic!("{}: {e}", key.display()));
    // ring explicitly: no process-wide default provider to agree on.
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("a usable certificate and key");
    TlsAcceptor::from(Arc::new(config))
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The envelope of the message being received.
#[derive(Default)]
struct Envelope {
    from: Option<String>,
    to: Vec<String>,
}

/// One SMTP conversation (RFC 5321, the part a mail client uses).
async fn session(io: Box<dyn Io>, shared: &Shared) -> std::io::Result<()> {
    let mut conn = BufReader::new(io);
    let mut tls_on = false;
    let mut env = Envelope::default();
    reply(&mut conn, "220 canali-sink ESMTP ready").await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if conn.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end();
        let (verb, arg) = text.split_once(' ').unwrap_or((text, ""));
        let verb = verb.to_ascii_uppercase();
        let must_tls = shared.tls.is_some() && !tls_on;
        match verb.as_str() {
            "EHLO" => {
                env = Envelope::default();
                let mut lines = vec!["250-canali-sink", "250-8BITMIME", "250-SMTPUTF8"];
                if must_tls {
                    lines.push("250-STARTTLS");
                }
                lines.push("250 HELP");
                reply(&mut conn, &lines.join("\r\n")).await?;
            }
            "HELO" => {
                env = Envelope::default();
                reply(&mut conn, "250 canali-sink").await?;
            }
            "STARTTLS" => match &shared.tls {
                Some(acceptor) if !tls_on => {
                    reply(&mut conn, "220 2.0.0 Ready to start TLS").await?;
                    let tls = acceptor.accept(conn.into_inner()).await?;
                    conn = BufReader::new(Box::new(tls));
                    tls_on = true;
                    // A new session starts over TLS: the client greets again.
                    env = Envelope::default();
                }
                _ => reply(&mut conn, "454 4.7.0 TLS not available").await?,
            },
            "NOOP" => reply(&mut conn, "250 OK").await?,
            "RSET" => {
                env = Envelope::default();
                reply(&mut conn, "250 OK").await?;
            }
            "QUIT" => {
                reply(&mut conn, "221 Bye").await?;
                return Ok(());
            }
            _ if must_tls => {
                reply(&mut conn, "530 5.7.0 Must issue a STARTTLS command first").await?;
            }
            "MAIL" => {
                env = Envelope {
                    from: Some(address(arg).to_string()),
                    to: Vec::new(),
                };
                reply(&mut conn, "250 OK").await?;
            }
            "RCPT" if env.from.is_none() => {
                reply(&mut conn, "503 5.5.1 Error: need MAIL command").await?;
            }
            "RCPT" => {
                let to = address(arg).to_string();
                let answer = rcpt_answer(&to, shared);
                if answer.starts_with("250") {
                    env.to.push(to);
                }
                reply(&mut conn, answer).await?;
            }
            "DATA" if env.to.is_empty() => {
                reply(&mut conn, "503 5.5.1 Error: need RCPT command").await?;
            }
            "DATA" => {
                reply(&mut conn, "354 End data with <CR><LF>.<CR><LF>").await?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if conn.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 4.5.2).
                    let body = line.strip_prefix(b".").unwrap_or(&line);
                    data.extend_from_slice(body);
                }
                store(shared, &data)?;
                env = Envelope::default();
                reply(&mut conn, "250 Message accepted for delivery").await?;
            }
            "VRFY" => reply(&mut conn, "252 Cannot VRFY user").await?,
            _ => reply(&mut conn, "500 Error: command not recognized").await?,
        }
    }
}

/// The answer to `RCPT TO:<to>`: the failures the recipient asks for, or 250.
fn rcpt_answer(to: &str, shared: &Shared) -> &'static str {
    let local = to.split('@').next().unwrap_or("").to_ascii_lowercase();
    if local == "bounce" {
        return "550 5.1.1 mailbox unavailable";
    }
    if let Some(rest) = local.strip_prefix("tempfail") {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let limit: u32 = digits.parse().unwrap_or(1);
        let mut attempts = shared.attempts.lock().unwrap();
        let n = attempts.entry(to.to_string()).or_insert(0);
        *n += 1;
        if *n <= limit {
            return "451 4.3.0 try again later";
        }
    }
    "250 OK"
}

/// The address in `FROM:<a@b> PARAMS` or `TO:<a@b>`.
fn address(arg: &str) -> &str {
    let arg = arg.split_once(':').map_or(arg, |(_, a)| a).trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(i), Some(j)) if i < j => &arg[i + 1..j],
        _ => arg.split_whitespace().next().unwrap_or(""),
    }
}

fn store(shared: &Shared, data: &[u8]) -> std::io::Result<()> {
    let n = shared.next.fetch_add(1, Ordering::Relaxed);
    let tmp = shared.dir.join(format!(".{n}.tmp"));
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, shared.dir.join(format!("{n:08}.eml")))
}

async fn reply(conn: &mut BufReader<Box<dyn Io>>, text: &str) -> std::io::Result<()> {
    let w = conn.get_mut();
    w.write_all(text.as_bytes()).await?;
    w.write_all(b"\r\n").await?;
    w.flush().await
}
