//! Reading response bodies under a size cap, so a hostile or broken server cannot make the
//! client buffer without bound.

use reqwest::Response;

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// The body is (or announces itself as) longer than the cap.
    TooLarge,
    /// The connection failed, timed out or broke off mid-body.
    Read(reqwest::Error),
}

/// Reads the whole body of `response`, refusing one longer than `limit` bytes as soon as that is
/// known: from `Content-Length` before reading anything, else once the chunks read exceed it.
/// `received` is told the number of bytes read so far after each chunk.
pub(crate) async fn read_capped(
    mut response: Response,
    limit: u64,
    received: &mut (dyn FnMut(u64) + Send),
) -> Result<Vec<u8>, BodyError> {
    let announced = response.content_length();
    if announced.is_some_and(|length| length > limit) {
        return Err(BodyError::TooLarge);
    }
    // Trust the announced length only as far as a modest first allocation.
    let initial = announced.unwrap_or(0).min(1 << 20);
    let mut body = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
        received(body.len() as u64);
    }
    Ok(body)
}
