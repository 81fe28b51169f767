//! The doctor's requests to the receiver: signed, forged or unsigned POSTs with redirects not
//! followed (Svix follows none), and what came back, in the terms the advice needs.

use std::time::Duration;

use crate::webhook::SigningSecret;
use crate::webhook::send::signed_headers;

/// How much of an answer's body is kept to quote back.
const QUOTED: usize = 300;

/// What the receiver did with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// It answered with a status.
    Status {
        status: u16,
        /// The start of its body, one line.
        body: String,
        /// Where a redirect points.
        location: Option<String>,
        /// It asked for credentials (`WWW-Authenticate`, Clerk's `x-clerk-auth-*` headers).
        asks_for_auth: bool,
    },
    /// Nothing listens there.
    Refused(String),
    /// The TLS handshake failed.
    Tls(String),
    /// No answer within the timeout.
    Timeout,
    /// Any other transport failure (a bad host name, a reset connection).
    Broken(String),
}

impl Answer {
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_success(&self) -> bool {
        self.status().is_some_and(|s| (200..300).contains(&s))
    }

    /// "answered 401: {body}", "refused the connection", … for a step's detail line.
    pub fn describe(&self) -> String {
        match self {
            Self::Status { status, body, .. } if body.is_empty() => format!("answered {status}"),
            Self::Status { status, body, .. } => format!("answered {status}: {body}"),
            Self::Refused(reason) => format!("refused the connection ({reason})"),
            Self::Tls(reason) => format!("failed the TLS handshake ({reason})"),
            Self::Timeout => "did not answer in time".into(),
            Self::Broken(reason) => format!("could not be reached ({reason})"),
        }
    }
}

/// How a request is signed.
#[derive(Debug, Clone, Copy)]
pub enum Signature<'a> {
    /// No svix headers at all.
    None,
    /// Correctly, with this secret, timestamped `at_secs`.
    With(&'a SigningSecret, i64),
    /// The seed report's hand-made header, which can never verify.
    Fake(i64),
}

/// Sends requests to one URL.
pub struct Receiver {
    url: String,
    http: reqwest::Client,
}

impl Receiver {
    pub fn new(url: &str, timeout: Duration) -> Result<Self, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Svix-Webhooks/1.0 (syncdesk doctor)")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            url: url.to_string(),
            http,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// POSTs `body` with message id `message_id`, signed as `signature` says.
    pub async fn post(&self, message_id: &str, body: &[u8], signature: Signature<'_>) -> Answer {
        let mut request = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        let headers = match signature {
            Signature::None => Vec::new(),
            Signature::With(secret, at) => signed_headers(secret, message_id, at, body).to_vec(),
            Signature::Fake(at) => vec![
                ("svix-id", message_id.to_string()),
                ("svix-timestamp", at.to_string()),
                ("svix-signature", "v1,test_signature".to_string()),
            ],
        };
        for (name, value) in headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let header = |name: &str| {
                    response
                        .headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                let location = header("location");
                let asks_for_auth = header("www-authenticate").is_some()
                    || header("x-clerk-auth-status").is_some()
                    || header("x-clerk-auth-reason").is_some();
                let text = response.text().await.unwrap_or_default();
                Answer::Status {
                    status,
                    body: one_line(&text),
                    location,
                    asks_for_auth,
                }
            }
            Err(err) => transport_failure(&self.url, &err),
        }
    }
}

fn one_line(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

fn transport_failure(url: &str, err: &reqwest::Error) -> Answer {
    if err.is_timeout() {
        return Answer::Timeout;
    }
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        chain.push(e.to_string());
        source = e.source();
    }
    let reason = chain.last().cloned().unwrap_or_default();
    let all = chain.join(": ").to_ascii_lowercase();
    if all.contains("connection refused") {
        Answer::Refused(reason)
    } else if url.starts_with("https://")
        && [
            "tls",
            "certificate",
            "handshake",
            "corrupt message",
            "invalidcontenttype",
        ]
        .iter()
        .any(|w| all.contains(w))
    {
        Answer::Tls(reason)
    } else {
        Answer::Broken(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_body_is_one_short_line() {
        assert_eq!(
            one_line("  {\"message\":\n  \"bad\"}\n"),
            "{\"message\": \"bad\"}"
        );
        let long = "é".repeat(QUOTED + 10);
        let quoted = one_line(&long);
        assert_eq!(
            quoted.chars().count(),
            QUOTED + 1,
            "cut on a character, with an ellipsis"
        );
    }
}
