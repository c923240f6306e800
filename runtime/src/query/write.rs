//! Writes: create (`POST` to a collection), update (`PATCH` of the properties chosen), replace
//! (`PUT`) and delete, with ETags.
//!
//! Which entity types may be written is the generated code's to say, by implementing
//! [`Insertable`], [`Updatable`] and [`Deletable`] for the row types of the entity sets whose
//! `Capabilities` annotations (and service profile) allow it: a read-only service's client has
//! none of these methods. What a write sends follows the type's [`WriteRules`]: computed
//! properties never, immutable ones never in an update, navigation properties only in a create
//! (deep insert) and only when set.
//!
//! A write is sent again only when that cannot do it twice: `PUT` and `DELETE`, and `PATCH` with
//! `If-Match`, on any retryable failure; a create (`POST`) and a `PATCH` without `If-Match` only
//! when the service provably did nothing (the connection failed before the request was written,
//! or `429`/`503`). A `DELETE` sent again that finds the entity gone (`404`) has done its work;
//! a write with `If-Match` sent again that fails its precondition may have been applied by the
//! earlier attempt, which [`Error::PreconditionFailed`]'s `attempts` tells.

use std::marker::PhantomData;

use reqwest::header::{ETAG, HeaderMap, LOCATION};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use url::Url;

use super::entity::{Single, header_map};
use super::expr::Selection;
use super::{Entity, Query, QueryExtension, Resource};
use crate::error::Error;
use crate::transport::{Answer, Request};

/// A write's answer, from the service or from a part of a `$batch` answer.
#[doc(hidden)]
#[derive(Debug)]
pub struct Reply {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl From<Answer> for Reply {
    fn from(answer: Answer) -> Reply {
        Reply { headers: answer.headers, body: answer.body }
    }
}

const JSON: &str = "application/json";

/// Entities of this type may be created (`Capabilities.InsertRestrictions/Insertable` is not
/// false). Implemented by generated code.
pub trait Insertable: Entity {}

/// Entities of this type may be updated and replaced (`UpdateRestrictions/Updatable`).
pub trait Updatable: Entity {}

/// Entities of this type may be deleted (`DeleteRestrictions/Deletable`).
pub trait Deletable: Entity {}

/// What writes of a structured type leave out (generated from the schema, by wire name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteRules {
    /// Navigation properties: sent only in a create, and only when set (deep insert).
    pub navigation: &'static [&'static str],
    /// `Core.Computed` properties: the service sets them, a write never does.
    pub computed: &'static [&'static str],
    /// `Core.Immutable` properties: set when the entity is created, never by an update.
    pub immutable: &'static [&'static str],
}

impl WriteRules {
    /// Nothing left out.
    pub const NONE: WriteRules = WriteRules { navigation: &[], computed: &[], immutable: &[] };
}

/// An entity with its ETag (`@odata.etag` of the payload, or the `ETag` header of the answer),
/// which an update, replace or delete sends back as `If-Match`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tagged<E> {
    /// The ETag, when the service has one for the entity.
    pub etag: Option<String>,
    /// The entity.
    pub value: E,
}

impl<'de, E: DeserializeOwned> Deserialize<'de> for Tagged<E> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Etag {
            // `@etag` is OData 4.01's short form of the same annotation.
            #[serde(rename = "@odata.etag", alias = "@etag", default)]
            etag: Option<String>,
        }
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let etag = serde_json::from_str::<Etag>(raw.get()).map_err(serde::de::Error::custom)?.etag;
        let value = serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
        Ok(Tagged { etag, value })
    }
}

/// The members of a JSON object, in order, each value as written (so that decimals keep every
/// digit: a `serde_json::Value` would make them `f64`s).
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The entity's members (its `Serialize`, with the Edm forms of its values).
fn members<E: Serialize>(entity: &E) -> Result<Vec<(String, Box<RawValue>)>, Error> {
    let text =
        serde_json::to_string(entity).map_err(|e| Error::InvalidQuery(format!("the entity cannot be written: {e}")))?;
    serde_json::from_str::<Members>(&text)
        .map(|m| m.0)
        .map_err(|_| Error::InvalidQuery("an entity must serialize as a JSON object".into()))
}

/// `{"name":value,…}` of the members.
fn object(members: impl IntoIterator<Item = (String, String)>) -> String {
    let mut out = String::from("{");
    for (index, (name, value)) in members.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(&name).unwrap_or_default());
        out.push(':');
        out.push_str(&value);
    }
    out.push('}');
    out
}

/// `json` without its null members, at every depth (a create sends what is set; nested
/// entities of a deep insert included).
fn without_nulls(json: &str) -> String {
    let trimmed = json.trim_start();
    if trimmed.starts_with('{') {
        let Ok(Members(members)) = serde_json::from_str(json) else { return json.to_owned() };
        object(members.into_iter().filter(|(_, v)| v.get() != "null").map(|(k, v)| (k, without_nulls(v.get()))))
    } else if trimmed.starts_with('[') {
        let Ok(items) = serde_json::from_str::<Vec<Box<RawValue>>>(json) else { return json.to_owned() };
        let items: Vec<String> = items.iter().map(|item| without_nulls(item.get())).collect();
        format!("[{}]", items.join(","))
    } else {
        json.to_owned()
    }
}

/// The body of a create: every property but the computed ones, and no nulls at any depth
/// (absent means the service's default); navigation properties only when set (a deep insert).
fn create_body<E: Entity>(entity: &E) -> Result<Vec<u8>, Error> {
    let rules = E::WRITE_RULES;
    let kept = members(entity)?.into_iter().filter(|(name, value)| {
        let unset = value.get() == "null" || (rules.navigation.contains(&name.as_str()) && value.get().trim() == "[]");
        !unset && !rules.computed.contains(&name.as_str())
    });
    Ok(object(kept.map(|(name, value)| (name, without_nulls(value.get())))).into_bytes())
}

/// The body of a replace: every structural property but the computed ones (nulls included: a
/// replace sets what it leaves out to its default).
fn replace_body<E: Entity>(entity: &E) -> Result<Vec<u8>, Error> {
    let rules = E::WRITE_RULES;
    let kept = members(entity)?
        .into_iter()
        .filter(|(name, _)| !rules.navigation.contains(&name.as_str()) && !rules.computed.contains(&name.as_str()));
    Ok(object(kept.map(|(name, value)| (name, value.get().to_owned()))).into_bytes())
}

/// The body of an update: the chosen properties of `entity` only, a `None` among them sent as
/// `null` (which sets a nullable property to null; leaving it out of the choice leaves it as it
/// is).
fn update_body<E: Entity>(entity: &E, chosen: &[&'static str]) -> Result<Vec<u8>, Error> {
    let rules = E::WRITE_RULES;
    for name in chosen {
        let refused =
            [(rules.computed, "computed"), (rules.immutable, "immutable"), (rules.navigation, "a navigation property")]
                .into_iter()
                .find(|(list, _)| list.contains(name));
        if let Some((_, why)) = refused {
            return Err(Error::InvalidQuery(format!("{name} is {why}: an update cannot set it")));
        }
    }
    let kept = members(entity)?.into_iter().filter(|(name, _)| chosen.contains(&name.as_str()));
    Ok(object(kept.map(|(name, value)| (name, value.get().to_owned()))).into_bytes())
}

impl<'c, E: Insertable, X: QueryExtension, C> Query<'c, E, X, C> {
    /// Creates `entity` in this collection (`POST`; an entity set, or a collection-valued
    /// navigation property, contained or not): its computed properties are left out, its
    /// navigation properties sent when set (a deep insert). The answer is the created row with
    /// its ETag (`Prefer: return=representation`); see [`Write::minimal`] for its location only.
    pub fn create(self, entity: &E) -> Write<'c, Created<E>> {
        let mut resource = super::operation::Binding::binding(self);
        let body = create_body(entity);
        Write::new(&mut resource, Method::POST, body, Some("return=representation"))
    }
}

impl<'c, E: Updatable> Single<'c, E> {
    /// Updates the properties of `entity` that `pick` chooses, and only those (`PATCH`): one,
    /// a tuple of them, or a list of [`Selected`](super::Selected); a chosen property whose value
    /// is `None` is set to null. Computed, immutable and navigation properties are refused, and
    /// so is a member of a complex property: an update sets whole properties.
    pub fn update<S: Selection>(self, entity: &E, pick: impl FnOnce(E::Props) -> S) -> Write<'c, Written<E>> {
        let mut paths = Vec::new();
        pick(E::PROPS).paths(&mut paths);
        let mut chosen = Vec::new();
        let mut nested = None;
        for path in &paths {
            match path.0.segments() {
                [name] => chosen.push(*name),
                // A PATCH of `address/city` would send the whole `address` of `entity`, so its
                // other members as they are here (perhaps unset), not as the service has them.
                segments => nested = Some(segments.join("/")),
            }
        }
        let body = match nested {
            Some(path) => Err(Error::InvalidQuery(format!(
                "{path} is inside a complex property: an update sets a whole property, choose its first segment"
            ))),
            None => update_body(entity, &chosen),
        };
        let mut resource = super::operation::Binding::binding(self);
        Write::new(&mut resource, Method::PATCH, body, None)
    }

    /// Replaces the entity by `entity` (`PUT`): every structural property but the computed ones.
    pub fn replace(self, entity: &E) -> Write<'c, Written<E>> {
        let mut resource = super::operation::Binding::binding(self);
        Write::new(&mut resource, Method::PUT, replace_body(entity), None)
    }
}

impl<'c, E: Deletable> Single<'c, E> {
    /// Deletes the entity (`DELETE`).
    pub fn delete(self) -> Write<'c, Deleted> {
        let mut resource = super::operation::Binding::binding(self);
        Write::new(&mut resource, Method::DELETE, Ok(Vec::new()), None)
    }
}

/// A write, sent with [`send`](Write::send); `R` says what its answer gives.
pub struct Write<'c, R> {
    pub(crate) resource: Resource<'c>,
    pub(crate) method: Method,
    /// The JSON body (empty for a delete).
    pub(crate) body: Vec<u8>,
    pub(crate) if_match: Option<String>,
    pub(crate) prefer: Option<&'static str>,
    _result: PhantomData<fn() -> R>,
}

impl<R> Clone for Write<'_, R> {
    fn clone(&self) -> Self {
        Write {
            resource: self.resource.clone(),
            method: self.method.clone(),
            body: self.body.clone(),
            if_match: self.if_match.clone(),
            prefer: self.prefer,
            _result: PhantomData,
        }
    }
}

impl<R> std::fmt::Debug for Write<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Write")
            .field("method", &self.method)
            .field("resource", &self.resource.name)
            .field("if_match", &self.if_match)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl<'c, R: WriteResult> Write<'c, R> {
    fn new(
        resource: &mut Resource<'c>,
        method: Method,
        body: Result<Vec<u8>, Error>,
        prefer: Option<&'static str>,
    ) -> Self {
        let body = body.unwrap_or_else(|error| {
            resource.invalid.get_or_insert(error.to_string());
            Vec::new()
        });
        Write { resource: resource.clone(), method, body, if_match: None, prefer, _result: PhantomData }
    }

    /// Sends `If-Match: {etag}`: the write happens only if the entity is still that version
    /// (else [`Error::PreconditionFailed`]); a `PATCH` with it may be retried.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// Sends the ETag of `tagged`, when it has one (see [`if_match`](Write::if_match)).
    pub fn if_match_tagged<E>(self, tagged: &Tagged<E>) -> Self {
        match &tagged.etag {
            Some(etag) => self.if_match(etag.clone()),
            None => self,
        }
    }

    /// Sends `If-Match: *`: whatever the entity's version, but only if it exists.
    pub fn if_match_any(self) -> Self {
        self.if_match("*")
    }

    /// A request header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.resource.add_header(name, value);
        self
    }

    /// The request URL.
    pub fn request_url(&self) -> Result<Url, Error> {
        self.resource.url(Vec::new())
    }

    /// The JSON body sent.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The request headers: the caller's, `If-Match` and `Prefer`.
    pub(crate) fn headers(&self) -> Result<HeaderMap, Error> {
        let mut headers = header_map(&self.resource.headers)?;
        if let Some(etag) = &self.if_match {
            let value = etag.parse().map_err(|_| Error::InvalidQuery(format!("{etag:?} is not an ETag")))?;
            headers.insert(reqwest::header::IF_MATCH, value);
        }
        if let Some(prefer) = self.prefer {
            // Beside the caller's preferences (`odata.include-annotations`, …), not instead.
            let joined = match headers.get("prefer").and_then(|v| v.to_str().ok()) {
                Some(theirs) => format!("{theirs}, {prefer}"),
                None => prefer.to_owned(),
            };
            let value =
                joined.parse().map_err(|_| Error::InvalidQuery(format!("{joined:?} is not a Prefer header")))?;
            headers.insert("prefer", value);
        }
        Ok(headers)
    }

    /// Whether sending the write twice does what sending it once does (see the module docs).
    pub(crate) fn idempotent(&self) -> bool {
        match self.method {
            Method::PUT | Method::DELETE => true,
            Method::PATCH => self.if_match.is_some(),
            _ => false,
        }
    }

    /// The body sent: none for a `DELETE`.
    pub(crate) fn sent_body(&self) -> Option<Vec<u8>> {
        (self.method != Method::DELETE).then(|| self.body.clone())
    }

    /// Sends the write once, or again under the rules of the [module docs](self).
    pub async fn send(&self) -> Result<R::Output, Error> {
        let url = self.request_url()?;
        let headers = self.headers()?;
        let idempotent = self.idempotent();
        let body = self.sent_body().map(|body| (JSON, body));
        let request = Request {
            method: self.method.clone(),
            url: &url,
            accept: JSON,
            headers: &headers,
            body,
            idempotent,
            follow_redirect: false,
        };
        let answer = match self.resource.client.send(request).await {
            // A delete sent again after its answer was lost finds the entity gone: done.
            Err(Error::Status(status))
                if self.method == Method::DELETE && status.status == StatusCode::NOT_FOUND && status.attempts > 1 =>
            {
                return R::read(Reply { headers: HeaderMap::new(), body: Vec::new() }, &self.resource.name, &url);
            }
            answer => answer?,
        };
        let reply = Reply::from(answer);
        if let Some(location) = R::read_from(&reply) {
            let target = url
                .join(&location)
                .map_err(|e| Error::InvalidNextLink { link: location.clone(), reason: format!("not a URL: {e}") })?;
            let fetched = self.resource.client.send(Request::get(&target, JSON, &HeaderMap::new())).await?;
            return R::read(fetched.into(), &self.resource.name, &target);
        }
        R::read(reply, &self.resource.name, &url)
    }
}

impl<'c, E> Write<'c, Created<E>> {
    /// Asks only for the created entity's location (`Prefer: return=minimal`), not the row.
    pub fn minimal(self) -> Write<'c, Location> {
        Write {
            resource: self.resource,
            method: self.method,
            body: self.body,
            if_match: self.if_match,
            prefer: Some("return=minimal"),
            _result: PhantomData,
        }
    }
}

impl<'c, E> Write<'c, Written<E>> {
    /// Asks for the written entity in the answer (`Prefer: return=representation`).
    pub fn return_representation(mut self) -> Self {
        self.prefer = Some("return=representation");
        self
    }
}

/// How a write's answer is read (see [`Write::send`]).
pub trait WriteResult {
    /// The Rust result.
    type Output;

    #[doc(hidden)]
    fn read(answer: Reply, name: &str, url: &Url) -> Result<Self::Output, Error>;

    /// Where to read the result from when the answer does not carry it (a service that ignored
    /// `Prefer: return=representation`).
    #[doc(hidden)]
    fn read_from(answer: &Reply) -> Option<String> {
        let _ = answer;
        None
    }
}

/// The answer's `ETag` header.
fn etag(answer: &Reply) -> Option<String> {
    answer.headers.get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// A create's answer: the created row with its ETag.
#[derive(Debug)]
pub struct Created<E>(PhantomData<fn() -> E>);

impl<E: DeserializeOwned> WriteResult for Created<E> {
    type Output = Tagged<E>;

    fn read(answer: Reply, name: &str, url: &Url) -> Result<Tagged<E>, Error> {
        let header = etag(&answer);
        let mut tagged: Tagged<E> = super::entity::decode_entity(&answer.body, name, url)?;
        tagged.etag = header.or(tagged.etag);
        Ok(tagged)
    }

    /// A created entity answered without its representation is read from its location: the
    /// create happened, and failing here would invite a caller to create it again.
    fn read_from(answer: &Reply) -> Option<String> {
        if !super::entity::is_blank(&answer.body) {
            return None;
        }
        location_of(answer)
    }
}

/// Where a created entity is (`Prefer: return=minimal`): its `Location` (or `OData-EntityId`)
/// and ETag.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Location {
    /// The entity's URL, e.g. `…/Books(42)`.
    pub url: Option<String>,
    /// Its ETag, when the service sent one.
    pub etag: Option<String>,
}

impl WriteResult for Location {
    type Output = Location;

    fn read(answer: Reply, _: &str, _: &Url) -> Result<Location, Error> {
        Ok(Location { url: location_of(&answer), etag: etag(&answer) })
    }
}

/// The created entity's URL: the `Location` header, else `OData-EntityId`.
fn location_of(answer: &Reply) -> Option<String> {
    let header = |name: &str| answer.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    header(LOCATION.as_str()).or_else(|| header("odata-entityid"))
}

/// An update's or replace's answer: the entity's new ETag, and the entity when the service
/// returned it (`200 OK`; `204 No Content` returns none).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Written<E> {
    /// The entity's new ETag.
    pub etag: Option<String>,
    /// The entity as written, when the service returned it.
    pub row: Option<E>,
}

impl<E: DeserializeOwned> WriteResult for Written<E> {
    type Output = Written<E>;

    fn read(answer: Reply, name: &str, url: &Url) -> Result<Written<E>, Error> {
        let header = etag(&answer);
        if super::entity::is_blank(&answer.body) {
            return Ok(Written { etag: header, row: None });
        }
        let tagged: Tagged<E> = super::entity::decode_entity(&answer.body, name, url)?;
        Ok(Written { etag: header.or(tagged.etag), row: Some(tagged.value) })
    }
}

/// A delete's answer: nothing.
#[derive(Debug)]
pub enum Deleted {}

impl WriteResult for Deleted {
    type Output = ();

    fn read(_: Reply, _: &str, _: &Url) -> Result<(), Error> {
        Ok(())
    }
}
