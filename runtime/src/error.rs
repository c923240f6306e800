//! The crate's one error type, [`Error`], and the details it carries.
//!
//! Following the usual convention, an error's `Display` describes only its own level; the
//! underlying cause (a `reqwest` or `serde_json` error) is its [`std::error::Error::source`].

use std::fmt;

use reqwest::StatusCode;
use url::Url;

use crate::auth::AuthError;

/// Everything that can go wrong when talking to an OData service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with a status other than 2xx (after any retries).
    #[error(transparent)]
    Status(Box<StatusError>),
    /// The request could not be sent or its response not read (after any retries).
    #[error("{method} {url} failed after {attempts} attempt(s)")]
    Transport {
        /// The request's method.
        method: reqwest::Method,
        /// The URL requested (boxed, to keep the error small).
        url: Box<Url>,
        /// How many times the request was sent.
        attempts: u32,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// A response body, or one row of it, did not match the expected shape.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// No access token could be obtained.
    #[error("authentication failed")]
    Auth(#[from] AuthError),
    /// The service sent an `@odata.nextLink` (or the caller passed a cursor) that must not be
    /// followed: another scheme, host or port than the service root, or a page already read.
    #[error("refusing to follow next link {link}: {reason}")]
    InvalidNextLink {
        /// The offending link, as received.
        link: String,
        /// Why it is refused.
        reason: String,
    },
    /// A 2xx answer was longer than the client's cap
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)); it is
    /// not retried, since the same request would get the same answer.
    #[error("{url}: the response is longer than the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The URL requested.
        url: Url,
        /// The cap in force, in bytes.
        limit: u64,
    },
    /// The query cannot be sent as built (detected before anything is sent).
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// The entity asked for does not exist (`404 Not Found` to a request for one entity, from
    /// [`Single::require`](crate::query::Single::require)).
    #[error("not found: {url}")]
    NotFound {
        /// The URL requested.
        url: String,
    },
    /// `412 Precondition Failed`: the entity is no longer the version an `If-Match` named (it
    /// changed since it was read). Not retried. When `attempts` is more than 1, an earlier
    /// attempt may have made the change itself (the service applied it, its answer was lost).
    #[error("{method} {url}: the entity changed since it was read (412 Precondition Failed)")]
    PreconditionFailed {
        /// The request's method.
        method: reqwest::Method,
        /// The URL requested.
        url: Box<Url>,
        /// The entity's current ETag, when the service sent it.
        current_etag: Option<String>,
        /// The answer's body.
        body: ErrorBody,
        /// How many times the request was sent.
        attempts: u32,
    },
    /// The client configuration is unusable (missing service root or token provider, bad URL).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status, when the service answered with an error status.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Status(e) => Some(e.status),
            Error::PreconditionFailed { .. } => Some(StatusCode::PRECONDITION_FAILED),
            _ => None,
        }
    }
}

/// A non-success HTTP answer from the service.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StatusError {
    /// The request's method.
    pub method: reqwest::Method,
    /// The final status received.
    pub status: StatusCode,
    /// The URL requested.
    pub url: Url,
    /// The response body, parsed when it has a known error shape.
    pub body: ErrorBody,
    /// How many times the request was sent (retries and the 401 refresh included).
    pub attempts: u32,
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} returned HTTP {}", self.method, self.url, self.status)?;
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        match &self.body {
            ErrorBody::OData { code, message } => write!(f, ": {code}: {message}"),
            ErrorBody::Json(json) => match message_of(json) {
                Some(message) => write!(f, ": {message}"),
                None => write!(f, ": {json}"),
            },
            ErrorBody::Text(text) => write!(f, ": {text}"),
            ErrorBody::Empty => Ok(()),
        }
    }
}

impl std::error::Error for StatusError {}

/// The body of an error response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorBody {
    /// The OData v4 JSON error format: `{"error": {"code": "...", "message": "..."}}`.
    OData {
        /// `error.code`.
        code: String,
        /// `error.message`.
        message: String,
    },
    /// Another small JSON object with a top-level `message` or `Message` string (ASP.NET Web
    /// API's shape, `{"Message": "..."}`), kept whole for service-specific code to read.
    Json(serde_json::Value),
    /// Any other body, as text (cut to [`ErrorBody::MAX_TEXT`] bytes).
    Text(String),
    /// No body.
    Empty,
}

impl ErrorBody {
    /// Longest text kept from a body that is not a known error shape.
    pub const MAX_TEXT: usize = 2048;

    /// Parses an error response body.
    pub fn parse(body: &[u8]) -> Self {
        if body.iter().all(u8::is_ascii_whitespace) {
            return ErrorBody::Empty;
        }
        // Bounded like text: JSON is only kept whole when it is small.
        if body.len() <= Self::MAX_TEXT
            && let Ok(json) = serde_json::from_slice::<serde_json::Value>(body)
            && let Some(parsed) = Self::from_json(&json)
        {
            return parsed;
        }
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let mut end = text.len().min(Self::MAX_TEXT);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        ErrorBody::Text(text[..end].to_owned())
    }

    fn from_json(json: &serde_json::Value) -> Option<Self> {
        if let Some(error) = json.get("error").filter(|e| e.is_object()) {
            let code = error.get("code").and_then(|c| c.as_str()).unwrap_or("");
            // OData v4 has a string; v3 (and some servers) an object {"lang", "value"}.
            let message =
                error.get("message").and_then(|m| m.as_str().or_else(|| m.get("value").and_then(|v| v.as_str())));
            return Some(ErrorBody::OData { code: code.to_owned(), message: message.unwrap_or("").to_owned() });
        }
        message_of(json).is_some().then(|| ErrorBody::Json(json.clone()))
    }

    /// The human-readable message, when the body has a known error shape.
    pub fn message(&self) -> Option<&str> {
        match self {
            ErrorBody::OData { message, .. } => Some(message),
            ErrorBody::Json(json) => message_of(json),
            ErrorBody::Text(_) | ErrorBody::Empty => None,
        }
    }
}

/// The top-level `message` (or `Message`) string of a JSON error body: the shape of ASP.NET Web
/// API and many other non-OData error answers.
fn message_of(json: &serde_json::Value) -> Option<&str> {
    json.get("Message").or_else(|| json.get("message")).and_then(serde_json::Value::as_str)
}

/// A response that did not match the expected shape.
#[derive(Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The entity set (collection) read, or `$metadata` / the service document.
    pub collection: String,
    /// The URL of the response.
    pub url: Url,
    /// The page number within the stream (0 for the first page read).
    pub page: usize,
    /// The row's index within the page's `value` array; `None` when the page itself is malformed.
    pub row: Option<usize>,
    /// The JSON path of the offending value within the row (or page), e.g. `deviceKey`.
    pub path: String,
    /// The JSON error.
    pub source: serde_json::Error,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot decode {} page {}", self.collection, self.page)?;
        match self.row {
            Some(row) => write!(f, " row {row} at `{}`", self.path)?,
            None => write!(f, " at `{}`", self.path)?,
        }
        write!(f, " ({})", self.url)
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_message_shaped_json_bodies() {
        let body = br#"{"_version":3,"Message":"An error has occurred - Activity ID: 1111"}"#;
        let parsed = ErrorBody::parse(body);
        assert_eq!(parsed, ErrorBody::Json(serde_json::from_slice(body).unwrap()));
        assert_eq!(parsed.message(), Some("An error has occurred - Activity ID: 1111"));
        let legacy = br#"{"Message":"An internal server error has occurred"}"#;
        assert_eq!(ErrorBody::parse(legacy).message(), Some("An internal server error has occurred"));
    }

    #[test]
    fn parses_odata_error_body() {
        let body = br#"{"error":{"code":"BadRequest","message":"Invalid $filter","details":[]}}"#;
        assert_eq!(
            ErrorBody::parse(body),
            ErrorBody::OData { code: "BadRequest".into(), message: "Invalid $filter".into() }
        );
        let v3 = br#"{"error":{"code":"X","message":{"lang":"en-US","value":"old style"}}}"#;
        assert_eq!(ErrorBody::parse(v3).message(), Some("old style"));
    }

    #[test]
    fn keeps_other_bodies_as_bounded_text() {
        assert_eq!(ErrorBody::parse(b"  \n"), ErrorBody::Empty);
        assert_eq!(ErrorBody::parse(b"<html>Bad gateway</html>"), ErrorBody::Text("<html>Bad gateway</html>".into()));
        assert_eq!(ErrorBody::parse(br#"{"unexpected":true}"#), ErrorBody::Text(r#"{"unexpected":true}"#.into()));
        let long = "é".repeat(ErrorBody::MAX_TEXT);
        match ErrorBody::parse(long.as_bytes()) {
            ErrorBody::Text(text) => assert!(text.len() <= ErrorBody::MAX_TEXT && !text.is_empty()),
            other => panic!("unexpected {other:?}"),
        }
    }
}
