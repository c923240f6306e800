//! When and how long to wait before sending a failed request again.
//!
//! Retried: HTTP 429, 500, 502, 503 and 504 and transport failures (connection refused or reset,
//! timeouts), for requests that cannot do anything twice (reads, `PUT`, `DELETE`, a `PATCH` with
//! `If-Match`, token requests); the others (a create, an action, a `PATCH` without `If-Match`)
//! only when the service provably did nothing ([`is_nothing_done_status`], or a connection that
//! failed before the request was written). A 401 is handled separately (one token refresh, see
//! [`crate::auth::TokenProvider::invalidate`]); other statuses are final.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderValue;

/// Exponential backoff with jitter, bounded by a number of attempts and a total time.
///
/// The n-th retry waits a random time between half and all of
/// `min(initial_backoff * 2^(n-1), max_backoff)`, or exactly the server's `Retry-After` when it
/// sent one. A retry whose wait would end after `max_elapsed` (counted from the first attempt) is
/// not made: the last error is returned at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, backoff from 500 ms up to 30 s, at most 2 minutes in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The default policy (see [`RetryPolicy::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// A policy that sends every request once.
    pub fn no_retries() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Sends a request at most `attempts` times in all (at least once).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry (doubled for each further one).
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest computed backoff (a server's `Retry-After` may be longer).
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest time from the first attempt to the end of the last wait.
    pub fn with_max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// How many times a request is sent at most.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff before the first retry.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest computed backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The total time budget.
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// The wait before attempt `attempts_made + 1` (the server's `Retry-After` when given, else
    /// the jittered exponential backoff), or `None` when no further attempt may be made.
    pub fn next_delay(&self, attempts_made: u32, elapsed: Duration, retry_after: Option<Duration>) -> Option<Duration> {
        if attempts_made >= self.max_attempts {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| self.backoff(attempts_made));
        (elapsed.saturating_add(delay) <= self.max_elapsed).then_some(delay)
    }

    /// The jittered backoff before retry number `retry` (1-based).
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let full = self.initial_backoff.saturating_mul(factor).min(self.max_backoff);
        // "Equal jitter": never less than half the backoff, so waits stay meaningful while
        // concurrent clients spread out.
        let half = full / 2;
        let jitter_nanos = u64::try_from((full - half).as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(fastrand::u64(0..=jitter_nanos))
    }
}

/// Whether a response with this status may be retried.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

/// Whether a status says that the service did nothing with the request (`429 Too Many
/// Requests`, `503 Service Unavailable`), so that even a request that is not idempotent (an
/// action, a create) may be sent again.
pub fn is_nothing_done_status(status: StatusCode) -> bool {
    matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
}

/// Whether a transport failure may be retried: anything but a request that could not be built.
pub fn is_retryable_transport(error: &reqwest::Error) -> bool {
    // A body that breaks off while read chunk by chunk surfaces as a decode error.
    error.is_connect() || error.is_timeout() || error.is_request() || error.is_body() || error.is_decode()
}

/// Reads a `Retry-After` header: delta-seconds or an HTTP-date (a date in the past means now).
pub fn parse_retry_after(value: &HeaderValue, now: SystemTime) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(text).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_with_bounded_jitter() {
        let policy = RetryPolicy::new()
            .with_max_attempts(10)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(350))
            .with_max_elapsed(Duration::from_secs(60));
        for _ in 0..50 {
            let first = policy.next_delay(1, Duration::ZERO, None).unwrap();
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let second = policy.next_delay(2, Duration::ZERO, None).unwrap();
            assert!((Duration::from_millis(100)..=Duration::from_millis(200)).contains(&second));
            let capped = policy.next_delay(6, Duration::ZERO, None).unwrap();
            assert!((Duration::from_millis(175)..=Duration::from_millis(350)).contains(&capped));
        }
    }

    #[test]
    fn stops_at_max_attempts_and_max_elapsed() {
        let policy = RetryPolicy::new().with_max_attempts(3).with_max_elapsed(Duration::from_secs(10));
        assert!(policy.next_delay(2, Duration::ZERO, None).is_some());
        assert_eq!(policy.next_delay(3, Duration::ZERO, None), None);
        let retry_after = Some(Duration::from_secs(4));
        assert_eq!(policy.next_delay(1, Duration::from_secs(5), retry_after), Some(Duration::from_secs(4)));
        assert_eq!(policy.next_delay(1, Duration::from_secs(7), retry_after), None);
        assert_eq!(RetryPolicy::no_retries().next_delay(1, Duration::ZERO, None), None);
        assert_eq!(RetryPolicy::new().with_max_attempts(0).max_attempts(), 1);
    }

    #[test]
    fn parses_retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let header = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(parse_retry_after(&header("7"), now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&header(&later), now), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&header(&earlier), now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(&header("soon"), now), None);
        assert_eq!(parse_retry_after(&header("-1"), now), None);
    }

    #[test]
    fn classifies_statuses() {
        for code in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [200, 400, 401, 403, 404, 501] {
            assert!(!is_retryable_status(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }
}
