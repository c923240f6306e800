//! `$batch`: several requests in one round trip, in the JSON format of OData 4.01 (the default)
//! or the multipart format of OData 4.0 ([`Batch::multipart`]). Writes may be grouped in change
//! sets, which the service applies together or not at all; a later request of a change set may
//! address an entity created earlier in it by its `Content-ID` ([`ChangeSet::created`]). Each
//! request's result is typed: [`Batch::read`] and [`Batch::write`] give a [`Handle`], which
//! [`BatchResults::get`] decodes.
//!
//! In the JSON format, the service may run requests that do not depend on each other in any
//! order, or at once (Microsoft Graph does): only a change set's writes and what follows a
//! `Content-ID` reference are ordered. Use the multipart format, or separate batches, where a
//! read must see an earlier write.
//!
//! The batch request is sent again only when sending it twice cannot do anything twice: when all
//! of its requests are reads or idempotent writes, on any retryable failure; else only when the
//! service provably did nothing (as for a single write).

use std::marker::PhantomData;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use url::Url;

use super::entity::{Single, header_map};
use super::write::{Reply, Write, WriteResult};
use super::{Resource, Structured};
use crate::client::Client;
use crate::error::{Error, ErrorBody, StatusError};
use crate::transport::Request;

/// One request of a batch.
#[derive(Debug, Clone)]
struct Part {
    id: String,
    method: Method,
    /// Relative to the service root (`Books(1)`, `$1/items`).
    url: String,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    /// The change set it belongs to.
    group: Option<String>,
    idempotent: bool,
}

/// A batch being built, sent with [`send`](Batch::send).
#[derive(Debug)]
pub struct Batch<'c> {
    client: &'c Client,
    api_version: Option<&'static str>,
    multipart: bool,
    parts: Vec<Part>,
    groups: usize,
    invalid: Option<String>,
}

/// The result of one request of a batch, decoded by [`BatchResults::get`].
pub struct Handle<T> {
    index: usize,
    name: String,
    decode: fn(Reply, &str, &Url) -> Result<T, Error>,
    _result: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").field("index", &self.index).field("name", &self.name).finish()
    }
}

/// A change set of a [`Batch`]: its writes are applied together or not at all.
#[derive(Debug)]
pub struct ChangeSet<'b, 'c> {
    batch: &'b mut Batch<'c>,
    group: String,
}

fn read_entity<E: DeserializeOwned>(reply: Reply, name: &str, url: &Url) -> Result<Option<E>, Error> {
    if super::entity::is_blank(&reply.body) {
        return Ok(None);
    }
    super::entity::decode_entity(&reply.body, name, url).map(Some)
}

impl<'c> Batch<'c> {
    /// An empty batch to the service of `client` (JSON format), with `api-version` when given.
    pub fn new(client: &'c Client, api_version: Option<&'static str>) -> Self {
        Batch { client, api_version, multipart: false, parts: Vec::new(), groups: 0, invalid: None }
    }

    /// Uses the multipart format of OData 4.0 (for services without the JSON format).
    pub fn multipart(mut self) -> Self {
        self.multipart = true;
        self
    }

    fn relative(&mut self, resource: &Resource<'_>, url: Result<Url, Error>) -> String {
        let url = match url {
            Ok(url) => url,
            Err(error) => {
                self.invalid.get_or_insert(error.to_string());
                return String::new();
            }
        };
        let root = resource.client.service_root().as_str().trim_end_matches('/').to_owned() + "/";
        url.as_str().strip_prefix(&root).unwrap_or(url.as_str()).to_owned()
    }

    fn push(&mut self, part: Part) -> usize {
        self.parts.push(part);
        self.parts.len() - 1
    }

    /// Reads one entity (`GET`); its result is `None` on 404.
    pub fn read<E: Structured + DeserializeOwned + Send + 'static>(
        &mut self,
        single: Single<'c, E>,
    ) -> Handle<Option<E>> {
        let url = single.request_url();
        let url = self.relative(&single.resource, url);
        let headers = header_map(&single.resource.headers).unwrap_or_default();
        let id = (self.parts.len() + 1).to_string();
        let index =
            self.push(Part { id, method: Method::GET, url, headers, body: None, group: None, idempotent: true });
        Handle { index, name: single.resource.name.clone(), decode: read_entity::<E>, _result: PhantomData }
    }

    /// A write on its own (outside any change set).
    pub fn write<R: WriteResult>(&mut self, write: Write<'c, R>) -> Handle<R::Output> {
        self.add_write(write, None)
    }

    fn add_write<R: WriteResult>(&mut self, write: Write<'c, R>, group: Option<String>) -> Handle<R::Output> {
        let url = write.request_url();
        let url = self.relative(&write.resource, url);
        let headers = write.headers().unwrap_or_else(|error| {
            self.invalid.get_or_insert(error.to_string());
            HeaderMap::new()
        });
        let (idempotent, body) = (write.idempotent(), write.sent_body());
        let id = (self.parts.len() + 1).to_string();
        let index = self.push(Part { id, method: write.method.clone(), url, headers, body, group, idempotent });
        Handle { index, name: write.resource.name.clone(), decode: R::read, _result: PhantomData }
    }

    /// A change set: the writes `build` adds are applied together or not at all.
    pub fn change_set<T>(&mut self, build: impl FnOnce(&mut ChangeSet<'_, 'c>) -> T) -> T {
        self.groups += 1;
        let group = format!("changeset{}", self.groups);
        build(&mut ChangeSet { batch: self, group })
    }

    /// The request: its URL, headers and body.
    fn encode(&self) -> Result<(Url, &'static str, String, Vec<u8>), Error> {
        if let Some(invalid) = &self.invalid {
            return Err(Error::InvalidQuery(invalid.clone()));
        }
        check_references(&self.parts)?;
        let mut url = self.client.url(&["$batch"]);
        if let Some(version) = self.api_version {
            super::set_query(&mut url, &[("api-version", version)]);
        }
        if self.multipart { Ok(multipart_request(url, &self.parts)) } else { json_request(url, &self.parts) }
    }

    /// Sends the batch and reads every answer.
    pub async fn send(self) -> Result<BatchResults, Error> {
        let (url, accept, content_type, body) = self.encode()?;
        let idempotent = self.parts.iter().all(|p| p.idempotent);
        let headers = HeaderMap::new();
        let request = Request {
            method: Method::POST,
            url: &url,
            accept,
            headers: &headers,
            body: Some((&content_type, body)),
            idempotent,
            follow_redirect: false,
        };
        let answer = self.client.send(request).await?;
        let replies = match self.multipart {
            false => json_replies(&answer.body, &self.parts, &url)?,
            true => {
                let content_type =
                    answer.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                multipart_replies(&answer.body, &content_type, &self.parts, &url)?
            }
        };
        Ok(BatchResults { url, replies })
    }
}

impl<'c> ChangeSet<'_, 'c> {
    /// A write of the change set.
    pub fn write<R: WriteResult>(&mut self, write: Write<'c, R>) -> Handle<R::Output> {
        let group = Some(self.group.clone());
        self.batch.add_write(write, group)
    }

    /// The entity that an earlier create of this change set makes, addressed by its
    /// `Content-ID` (`$1`): navigate from it, or write to it.
    pub fn created<E: Structured + DeserializeOwned + Send + 'static, T>(&self, create: &Handle<T>) -> Single<'c, E> {
        let id = &self.batch.parts[create.index].id;
        let resource = Resource {
            segments: vec![format!("${id}")],
            name: format!("${id}"),
            api_version: None,
            ..Resource::service(self.batch.client, None)
        };
        Single::at(resource)
    }
}

/// The answers of a batch, one per request.
#[derive(Debug)]
pub struct BatchResults {
    url: Url,
    replies: Vec<Result<Reply, Error>>,
}

impl BatchResults {
    /// The typed result of the request `handle` stands for: its value, or the error its answer
    /// says (in a change set that failed, every request's).
    pub fn get<T>(&self, handle: &Handle<T>) -> Result<T, Error> {
        let reply = self
            .replies
            .get(handle.index)
            .ok_or_else(|| Error::InvalidQuery(format!("{} is not a request of this batch", handle.name)))?;
        match reply {
            Ok(reply) => (handle.decode)(
                Reply { headers: reply.headers.clone(), body: reply.body.clone() },
                &handle.name,
                &self.url,
            ),
            Err(error) => Err(clone_error(error)),
        }
    }

    /// How many requests answered with success.
    pub fn succeeded(&self) -> usize {
        self.replies.iter().filter(|r| r.is_ok()).count()
    }
}

fn clone_error(error: &Error) -> Error {
    match error {
        Error::Status(status) => Error::Status(status.clone()),
        Error::PreconditionFailed { method, url, current_etag, body, attempts } => Error::PreconditionFailed {
            method: method.clone(),
            url: url.clone(),
            current_etag: current_etag.clone(),
            body: body.clone(),
            attempts: *attempts,
        },
        other => Error::InvalidQuery(other.to_string()),
    }
}

/// A part's answer as the batch's result: a success, or the error its status says.
fn reply_of(part: &Part, batch_url: &Url, status: u16, headers: HeaderMap, body: Vec<u8>) -> Result<Reply, Error> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_success() {
        return Ok(Reply { headers, body });
    }
    let url = batch_url.join(&part.url).unwrap_or_else(|_| batch_url.clone());
    if status == StatusCode::PRECONDITION_FAILED {
        let current_etag = headers.get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
        return Err(Error::PreconditionFailed {
            method: part.method.clone(),
            url: Box::new(url),
            current_etag,
            body: ErrorBody::parse(&body),
            attempts: 1,
        });
    }
    // A read of a missing entity is a result (`None`), not an error.
    if status == StatusCode::NOT_FOUND && part.method == Method::GET {
        return Ok(Reply { headers, body: Vec::new() });
    }
    Err(Error::Status(Box::new(StatusError {
        method: part.method.clone(),
        status,
        url,
        body: ErrorBody::parse(&body),
        attempts: 1,
    })))
}

// ---- The JSON format (OData 4.01) ----

#[derive(Serialize)]
struct JsonRequest<'a> {
    id: &'a str,
    method: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_object")]
    headers: Vec<(&'a str, &'a str)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a RawValue>,
    #[serde(rename = "atomicityGroup", skip_serializing_if = "Option::is_none")]
    atomicity_group: Option<&'a str>,
    #[serde(rename = "dependsOn", skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<&'a str>,
}

fn as_object<S: serde::Serializer>(pairs: &[(&str, &str)], serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(pairs.len()))?;
    for (name, value) in pairs {
        map.serialize_entry(name, value)?;
    }
    map.end()
}

/// The `Content-ID` a URL refers to (`$1/items` → `1`).
fn referenced(url: &str) -> Option<&str> {
    url.strip_prefix('$')
        .map(|rest| rest.split(['/', '?']).next().unwrap_or(rest))
        .filter(|id| id.chars().all(|c| c.is_ascii_digit()))
}

/// Every `$n` names a create made earlier in the same change set ([`ChangeSet::created`] given
/// a handle of another change set, of a read, or of another batch would name nothing the
/// service can resolve).
fn check_references(parts: &[Part]) -> Result<(), Error> {
    for (index, part) in parts.iter().enumerate() {
        let Some(id) = referenced(&part.url) else { continue };
        let target = parts[..index].iter().find(|p| p.id == id);
        if !target.is_some_and(|t| t.method == Method::POST && t.group.is_some() && t.group == part.group) {
            return Err(Error::InvalidQuery(format!(
                "{} {} refers to ${id}, which is not a create earlier in its change set",
                part.method, part.url
            )));
        }
    }
    Ok(())
}

fn json_request(url: Url, parts: &[Part]) -> Result<(Url, &'static str, String, Vec<u8>), Error> {
    let raws: Vec<Option<Box<RawValue>>> = parts
        .iter()
        .map(|p| {
            p.body
                .as_ref()
                .map(|b| RawValue::from_string(String::from_utf8_lossy(b).into_owned()))
                .transpose()
                .map_err(|e| Error::InvalidQuery(format!("a request body is not JSON: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let headers: Vec<Vec<(&str, &str)>> = parts
        .iter()
        .map(|p| {
            let mut pairs: Vec<(&str, &str)> =
                p.headers.iter().filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))).collect();
            if p.body.is_some() {
                pairs.push(("content-type", "application/json"));
            }
            pairs
        })
        .collect();
    let requests: Vec<JsonRequest<'_>> = parts
        .iter()
        .zip(&raws)
        .zip(headers)
        .map(|((p, raw), headers)| JsonRequest {
            id: &p.id,
            method: p.method.as_str(),
            url: &p.url,
            headers,
            body: raw.as_deref(),
            atomicity_group: p.group.as_deref(),
            depends_on: referenced(&p.url).into_iter().collect(),
        })
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({ "requests": requests }))
        .map_err(|e| Error::InvalidQuery(e.to_string()))?;
    Ok((url, "application/json", "application/json".to_owned(), body))
}

#[derive(Deserialize)]
struct JsonResponses {
    responses: Vec<JsonResponse>,
}

#[derive(Deserialize)]
struct JsonResponse {
    id: Option<String>,
    status: u16,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    body: Option<Box<RawValue>>,
}

fn json_replies(body: &[u8], parts: &[Part], url: &Url) -> Result<Vec<Result<Reply, Error>>, Error> {
    let answer: JsonResponses = super::entity::decode_entity(body, "$batch", url)?;
    let mut replies: Vec<Option<Result<Reply, Error>>> = (0..parts.len()).map(|_| None).collect();
    for (index, response) in answer.responses.into_iter().enumerate() {
        let position = match &response.id {
            Some(id) => parts.iter().position(|p| &p.id == id),
            None => Some(index).filter(|i| *i < parts.len()),
        };
        let Some(position) = position else { continue };
        let mut headers = HeaderMap::new();
        for (name, value) in &response.headers {
            if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
                headers.insert(name, value);
            }
        }
        let body = response.body.map(|raw| raw.get().as_bytes().to_vec()).unwrap_or_default();
        replies[position] = Some(reply_of(&parts[position], url, response.status, headers, body));
    }
    Ok(fill_unanswered(replies, parts, url))
}

/// Every request of a change set with a failed request gets the failure (the service applied
/// none of them, whatever it says of each: SAP CAP answers the others with their success
/// statuses); requests the answer does not mention, an error saying so.
fn fill_unanswered(replies: Vec<Option<Result<Reply, Error>>>, parts: &[Part], url: &Url) -> Vec<Result<Reply, Error>> {
    let failures: Vec<(Option<String>, Error)> = replies
        .iter()
        .zip(parts)
        .filter_map(|(reply, part)| match reply {
            Some(Err(error)) => Some((part.group.clone(), clone_error(error))),
            _ => None,
        })
        .collect();
    replies
        .into_iter()
        .zip(parts)
        .map(|(reply, part)| {
            let failed = failures.iter().find(|(group, _)| group.is_some() && *group == part.group);
            match (reply, failed) {
                (Some(Err(error)), _) => Err(error),
                (_, Some((_, error))) => Err(clone_error(error)),
                (Some(reply), None) => reply,
                (None, None) => {
                    Err(Error::InvalidQuery(format!("the $batch answer at {url} has no answer to request {}", part.id)))
                }
            }
        })
        .collect()
}

// ---- The multipart format (OData 4.0) ----

fn boundary(kind: &str) -> String {
    format!("{kind}_{}", uuid::Uuid::new_v4())
}

fn http_request(part: &Part, content_id: bool, out: &mut String) {
    out.push_str("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
    if content_id {
        out.push_str(&format!("Content-ID: {}\r\n", part.id));
    }
    out.push_str(&format!("\r\n{} {} HTTP/1.1\r\n", part.method, part.url));
    for (name, value) in &part.headers {
        out.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or_default()));
    }
    match &part.body {
        Some(body) => {
            out.push_str("Content-Type: application/json\r\n\r\n");
            out.push_str(&String::from_utf8_lossy(body));
            out.push_str("\r\n");
        }
        None => out.push_str("Accept: application/json\r\n\r\n"),
    }
}

fn multipart_request(url: Url, parts: &[Part]) -> (Url, &'static str, String, Vec<u8>) {
    let batch = boundary("batch");
    let mut out = String::new();
    let mut index = 0;
    while index < parts.len() {
        out.push_str(&format!("--{batch}\r\n"));
        match &parts[index].group {
            None => {
                http_request(&parts[index], false, &mut out);
                index += 1;
            }
            Some(group) => {
                let changeset = boundary("changeset");
                out.push_str(&format!("Content-Type: multipart/mixed; boundary={changeset}\r\n\r\n"));
                while index < parts.len() && parts[index].group.as_ref() == Some(group) {
                    out.push_str(&format!("--{changeset}\r\n"));
                    http_request(&parts[index], true, &mut out);
                    index += 1;
                }
                out.push_str(&format!("--{changeset}--\r\n"));
            }
        }
    }
    out.push_str(&format!("--{batch}--\r\n"));
    (url, "multipart/mixed", format!("multipart/mixed; boundary={batch}"), out.into_bytes())
}

/// The `boundary` parameter of a `multipart/mixed` content type.
fn boundary_of(content_type: &str) -> Option<String> {
    content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
}

/// The parts of a multipart body: each part's headers (lower-case names) and content.
fn split_parts(body: &str, boundary: &str) -> Vec<(Vec<(String, String)>, String)> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    for chunk in body.split(&delimiter).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.strip_prefix("\r\n").or_else(|| chunk.strip_prefix('\n')).unwrap_or(chunk);
        let (head, content) = split_head(chunk);
        parts.push((head, content.trim_end_matches(['\r', '\n']).to_owned()));
    }
    parts
}

/// Headers and content of a MIME part or an HTTP message.
fn split_head(text: &str) -> (Vec<(String, String)>, &str) {
    let (head, content) = match text.find("\r\n\r\n") {
        Some(at) => (&text[..at], &text[at + 4..]),
        None => match text.find("\n\n") {
            Some(at) => (&text[..at], &text[at + 2..]),
            None => (text, ""),
        },
    };
    let headers = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (headers, content)
}

/// An HTTP response inside a part: status, headers and body.
fn http_response(content: &str) -> (u16, HeaderMap, Vec<u8>) {
    let (status_line, rest) = content.split_once('\n').unwrap_or((content, ""));
    let status = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(500);
    let (pairs, body) = if rest.trim().is_empty() {
        (Vec::new(), "")
    } else if let Some(body) = rest.strip_prefix("\r\n").or(rest.strip_prefix('\n')) {
        // No headers: the blank line follows the status line at once.
        (Vec::new(), body)
    } else {
        split_head(rest)
    };
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            headers.insert(name, value);
        }
    }
    (status, headers, body.as_bytes().to_vec())
}

fn multipart_replies(
    body: &[u8],
    content_type: &str,
    parts: &[Part],
    url: &Url,
) -> Result<Vec<Result<Reply, Error>>, Error> {
    let text = String::from_utf8_lossy(body);
    let boundary = boundary_of(content_type)
        .ok_or_else(|| Error::InvalidQuery(format!("the $batch answer at {url} is not multipart: {content_type:?}")))?;
    let mut replies: Vec<Option<Result<Reply, Error>>> = (0..parts.len()).map(|_| None).collect();
    // Top-level parts answer the requests outside change sets and the change sets, in order.
    let mut next = 0;
    for (headers, content) in split_parts(&text, &boundary) {
        let Some(part) = parts.get(next) else { break };
        let part_type = headers.iter().find(|(n, _)| n == "content-type").map(|(_, v)| v.as_str()).unwrap_or_default();
        // The requests of the part's change set, if it is one.
        let members: Vec<usize> =
            (next..parts.len()).take_while(|&i| part.group.is_some() && parts[i].group == part.group).collect();
        match (&part.group, boundary_of(part_type)) {
            (Some(_), Some(inner)) if part_type.starts_with("multipart/mixed") => {
                for (position, (headers, content)) in split_parts(&content, &inner).into_iter().enumerate() {
                    let id = headers.iter().find(|(n, _)| n == "content-id").map(|(_, v)| v.clone());
                    let index = id
                        .and_then(|id| members.iter().copied().find(|&i| parts[i].id == id))
                        .or_else(|| members.get(position).copied());
                    if let Some(index) = index {
                        let (status, headers, body) = http_response(&content);
                        replies[index] = Some(reply_of(&parts[index], url, status, headers, body));
                    }
                }
                next += members.len();
            }
            (Some(_), _) => {
                // A change set that failed answers once, for all of its requests.
                let (status, headers, body) = http_response(&content);
                for &index in &members {
                    replies[index] = Some(reply_of(&parts[index], url, status, headers.clone(), body.clone()));
                }
                next += members.len();
            }
            (None, _) => {
                let (status, headers, body) = http_response(&content);
                replies[next] = Some(reply_of(part, url, status, headers, body));
                next += 1;
            }
        }
    }
    Ok(fill_unanswered(replies, parts, url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_answers_are_split_into_their_requests() {
        let body = "--b1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"ID\":1}\r\n\
                    --b1\r\nContent-Type: multipart/mixed; boundary=c1\r\n\r\n\
                    --c1\r\nContent-Type: application/http\r\nContent-ID: 2\r\n\r\nHTTP/1.1 201 Created\r\nETag: W/\"x\"\r\n\r\n{\"ID\":2}\r\n\
                    --c1\r\nContent-Type: application/http\r\nContent-ID: 3\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n\r\n--c1--\r\n--b1--\r\n";
        let part = |id: &str, method: Method, group: Option<&str>| Part {
            id: id.into(),
            method,
            url: "Books".into(),
            headers: HeaderMap::new(),
            body: None,
            group: group.map(str::to_owned),
            idempotent: false,
        };
        let parts =
            [part("1", Method::GET, None), part("2", Method::POST, Some("g")), part("3", Method::PATCH, Some("g"))];
        let url = Url::parse("https://example.com/svc/$batch").unwrap();
        let replies = multipart_replies(body.as_bytes(), "multipart/mixed; boundary=b1", &parts, &url).unwrap();
        let bodies: Vec<String> =
            replies.iter().map(|r| String::from_utf8_lossy(&r.as_ref().unwrap().body).into_owned()).collect();
        assert_eq!(bodies, ["{\"ID\":1}", "{\"ID\":2}", ""]);
        assert_eq!(replies[1].as_ref().unwrap().headers.get("etag").unwrap(), "W/\"x\"");

        // A failed change set answers once for all of its requests.
        let failed = "--b1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{}\r\n\
                      --b1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n\r\n{\"error\":{\"code\":\"X\",\"message\":\"no\"}}\r\n--b1--\r\n";
        let replies = multipart_replies(failed.as_bytes(), "multipart/mixed; boundary=b1", &parts, &url).unwrap();
        // An answer without headers keeps its body.
        assert_eq!(replies[0].as_ref().unwrap().body, b"{}");
        for reply in &replies[1..] {
            assert_eq!(reply.as_ref().unwrap_err().status().map(|s| s.as_u16()), Some(409));
        }
    }

    #[test]
    fn a_reference_must_name_a_create_earlier_in_its_change_set() {
        let part = |id: &str, method: Method, url: &str, group: Option<&str>| Part {
            id: id.into(),
            method,
            url: url.into(),
            headers: HeaderMap::new(),
            body: None,
            group: group.map(str::to_owned),
            idempotent: false,
        };
        let create = part("1", Method::POST, "Books", Some("a"));
        let read = part("1", Method::GET, "Books(1)", None);
        let patch = |group| part("2", Method::PATCH, "$1", group);
        assert!(check_references(&[create.clone(), patch(Some("a"))]).is_ok());
        assert!(check_references(&[create.clone(), patch(Some("b"))]).is_err());
        assert!(check_references(&[create, patch(None)]).is_err());
        assert!(check_references(&[read, patch(Some("a"))]).is_err());
        assert!(check_references(&[patch(Some("a"))]).is_err());
    }

    #[test]
    fn content_id_references_are_found_in_urls() {
        assert_eq!(referenced("$1/items"), Some("1"));
        assert_eq!(referenced("$12"), Some("12"));
        assert_eq!(referenced("Books(1)"), None);
        assert_eq!(referenced("$batch"), None);
    }
}
