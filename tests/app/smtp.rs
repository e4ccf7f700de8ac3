//! A real SMTP listener on loopback that records what it receives, and can be told to refuse.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone, Debug)]
pub struct Captured {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: String,
}

impl Captured {
    /// A header's value, with folded continuation lines joined (RFC 5322 2.2.3).
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut lines = head.lines().skip_while(|l| !l.to_ascii_lowercase().starts_with(&prefix));
        let first = lines.next()?;
        let mut value = first[prefix.len()..].trim().to_owned();
        for cont in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
            value.push(' ');
            value.push_str(cont.trim());
        }
        Some(value)
    }

    /// The message body with quoted-printable soft breaks and escapes undone (enough for tests).
    pub fn text(&self) -> String {
        let body = self.data.splitn(2, "\r\n\r\n").nth(1).unwrap_or("");
        let joined = body.replace("=\r\n", "");
        let mut out = String::new();
        let bytes = joined.as_bytes();
        let mut i = 0;
        let mut pending: Vec<u8> = vec![];
        while i < bytes.len() {
            if bytes[i] == b'='
                && i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit()
            {
                pending.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                if !pending.is_empty() {
                    out.push_str(&String::from_utf8_lossy(&pending));
                    pending.clear();
                }
                out.push(bytes[i] as char);
                i += 1;
            }
        }
        out.push_str(&String::from_utf8_lossy(&pending));
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// Greets with 421 and hangs up: the server is "down" (a transient failure).
    Unavailable,
    /// Refuses every recipient with 550 (a permanent failure).
    RejectRecipients,
}

#[derive(Clone)]
pub struct SmtpCapture {
    pub addr: SocketAddr,
    messages: Arc<Mutex<Vec<Captured>>>,
    mode: Arc<Mutex<Mode>>,
}

impl SmtpCapture {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let capture = Self { addr, messages: Default::default(), mode: Arc::new(Mutex::new(Mode::Accept)) };
        let c = capture.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let c = c.clone();
                tokio::spawn(async move {
                    let _ = c.session(stream).await;
                });
            }
        });
        capture
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn messages(&self) -> Vec<Captured> {
        self.messages.lock().unwrap().clone()
    }

    pub fn to(&self, address: &str) -> Vec<Captured> {
        self.messages().into_iter().filter(|m| m.rcpt_to.iter().any(|r| r == address)).collect()
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        let mode = *self.mode.lock().unwrap();
        if mode == Mode::Unavailable {
            write.write_all(b"421 capture.test Service not available, try later\r\n").await?;
            return Ok(());
        }
        write.write_all(b"220 capture.test ESMTP\r\n").await?;
        let mut current = Captured { mail_from: String::new(), rcpt_to: vec![], data: String::new() };
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                write.write_all(b"250-capture.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n").await?;
            } else if upper.starts_with("MAIL FROM:") {
                current.mail_from = address(&line[10..]);
                write.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("RCPT TO:") {
                if mode == Mode::RejectRecipients {
                    write.write_all(b"550 No such user here\r\n").await?;
                } else {
                    current.rcpt_to.push(address(&line[8..]));
                    write.write_all(b"250 OK\r\n").await?;
                }
            } else if upper.starts_with("DATA") {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let l = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(l);
                }
                current.data = data;
                self.messages.lock().unwrap().push(current.clone());
                current = Captured { mail_from: String::new(), rcpt_to: vec![], data: String::new() };
                write.write_all(b"250 OK queued\r\n").await?;
            } else if upper.starts_with("RSET") {
                current = Captured { mail_from: String::new(), rcpt_to: vec![], data: String::new() };
                write.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("NOOP") {
                write.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                write.write_all(b"502 Command not implemented\r\n").await?;
            }
        }
    }
}

fn address(s: &str) -> String {
    let s = s.trim();
    let start = s.find('<').map(|i| i + 1).unwrap_or(0);
    let end = s[start..].find('>').map(|i| start + i).unwrap_or(s.len());
    s[start..end].to_owned()
}
