//! One entity: addressed by key (`people('O''Brien')`), as a singleton (`me`), or through a
//! single-valued navigation property (`people('x')/bestFriend`). From it, navigation leads on to
//! a related entity or collection.

use std::marker::PhantomData;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;
use url::Url;

use super::caps::Restrictions;
use super::expr::{Many, One, Prop, Selection, StreamProperty, Structured};
use super::options::{Expand, Options};
use super::{Entity, Query, Resource};
use crate::client::Client;
use crate::error::{DecodeError, Error};
use crate::transport::Request;

/// A request for one entity of type `E`, run with [`get`](Single::get).
pub struct Single<'c, E> {
    pub(crate) resource: Resource<'c>,
    pub(crate) options: Options,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Single<'_, E> {
    fn clone(&self) -> Self {
        Single { resource: self.resource.clone(), options: self.options.clone(), _entity: PhantomData }
    }
}

impl<E> std::fmt::Debug for Single<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Single").field("resource", &self.resource).field("options", &self.options).finish()
    }
}

impl<'c, E: Structured + DeserializeOwned + Send + 'static> Single<'c, E> {
    pub(crate) fn at(resource: Resource<'c>) -> Self {
        Single { resource, options: Options::default(), _entity: PhantomData }
    }

    /// The singleton `name` of the service (generated singleton accessors use it).
    pub fn singleton(client: &'c Client, api_version: Option<&'static str>, name: &'static str) -> Self {
        Single::at(Resource::root(client, api_version, name, &Restrictions::NONE))
    }

    /// Only these properties (`$select`): a property, a tuple of them, or a list of
    /// [`Selected`](super::Selected).
    pub fn select_with<S: Selection>(mut self, pick: impl FnOnce(E::Props) -> S) -> Self {
        pick(E::PROPS).paths(&mut self.options.select);
        self
    }

    /// Related entities to bring with it (`$expand`), decoded into its navigation fields.
    pub fn expand<X: IntoIterator<Item = Expand>>(mut self, expand: impl FnOnce(E::Props) -> X) -> Self {
        self.options.expand.extend(expand(E::PROPS));
        self
    }

    /// A request header (`Prefer`, `ConsistencyLevel`, `Accept-Language`, …).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.resource.add_header(name, value);
        self
    }

    /// The request URL.
    pub fn request_url(&self) -> Result<Url, Error> {
        let (filter, expand, order) = self.options.paths();
        let asked = self.options.asked(&filter, &expand, &order, false);
        self.resource.restrictions.check(&self.resource.name, &asked)?;
        self.resource.url(self.options.pairs(Vec::new())?)
    }

    /// The entity; `None` when the service answers 404 Not Found (no entity with that key, or no
    /// related entity).
    pub async fn get(&self) -> Result<Option<E>, Error> {
        self.get_as().await
    }

    /// Like [`get`](Single::get), decoding into `T` (e.g. after `select_with`).
    pub async fn get_as<T: DeserializeOwned>(&self) -> Result<Option<T>, Error> {
        let url = self.request_url()?;
        let body = match self.resource.client.get_json(&url, &header_map(&self.resource.headers)?).await {
            Ok(body) => body,
            Err(error) if error.status() == Some(StatusCode::NOT_FOUND) => return Ok(None),
            Err(error) => return Err(error),
        };
        // 204 No Content: a navigation property with no related entity.
        if is_blank(&body) {
            return Ok(None);
        }
        decode_entity(&body, &self.resource.name, &url).map(Some)
    }

    /// The entity with its ETag (the `ETag` header, else `@odata.etag`), for a later update,
    /// replace or delete; `None` on 404.
    pub async fn get_tagged(&self) -> Result<Option<super::Tagged<E>>, Error> {
        let url = self.request_url()?;
        let headers = header_map(&self.resource.headers)?;
        let answer = match self.resource.client.send(Request::get(&url, "application/json", &headers)).await {
            Ok(answer) => answer,
            Err(error) if error.status() == Some(StatusCode::NOT_FOUND) => return Ok(None),
            Err(error) => return Err(error),
        };
        if is_blank(&answer.body) {
            return Ok(None);
        }
        let header = answer.headers.get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut tagged: super::Tagged<E> = decode_entity(&answer.body, &self.resource.name, &url)?;
        tagged.etag = header.or(tagged.etag);
        Ok(Some(tagged))
    }

    /// The entity, or [`Error::NotFound`] when there is none.
    pub async fn require(&self) -> Result<E, Error> {
        self.get()
            .await?
            .ok_or_else(|| Error::NotFound { url: self.request_url().map(|u| u.to_string()).unwrap_or_default() })
    }

    /// Reads a stream property (`Edm.Stream`, e.g. a photo's content) that `pick` chooses:
    /// `GET …/property`, bounded by the client's response limit; `None` when the service has
    /// none (`404 Not Found`, `204 No Content`).
    pub async fn read_stream(
        &self,
        pick: impl FnOnce(E::Props) -> Prop<StreamProperty>,
    ) -> Result<Option<Media>, Error> {
        let mut resource = self.resource.clone();
        for segment in pick(E::PROPS).raw_path().segments() {
            resource.push_segment(segment);
        }
        read_media(&resource).await
    }

    /// Follows a navigation property: `pick` chooses it from the entity's properties. A
    /// single-valued one gives a [`Single`] of the related entity, a collection-valued one a
    /// [`Query`] of the related entities (a contained entity set included).
    pub fn nav<T: Navigation>(self, pick: impl FnOnce(E::Props) -> Prop<T>) -> T::Request<'c> {
        T::request(self.resource.navigate(pick(E::PROPS).raw_path()))
    }
}

impl<E: MediaEntity> Single<'_, E> {
    /// Reads the media resource of a media entity (`HasStream`): `GET …/$value`, bounded by the
    /// client's response limit; `None` when the service has none (`404`, `204`).
    pub async fn read_media(&self) -> Result<Option<Media>, Error> {
        let mut resource = self.resource.clone();
        resource.push_segment("$value");
        read_media(&resource).await
    }
}

/// An entity type with a media resource (`HasStream="true"`): its `$value` is read with
/// [`Single::read_media`].
pub trait MediaEntity: Entity {}

/// The bytes of a media resource or stream property, with their content type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Media {
    /// The `Content-Type` the service sent, if any.
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

async fn read_media(resource: &Resource<'_>) -> Result<Option<Media>, Error> {
    let url = resource.url(Vec::new())?;
    let headers = header_map(&resource.headers)?;
    let answer = match resource.client.send(Request::media(&url, &headers)).await {
        Ok(answer) => answer,
        Err(error) if error.status() == Some(StatusCode::NOT_FOUND) => return Ok(None),
        Err(error) => return Err(error),
    };
    if answer.status == StatusCode::NO_CONTENT {
        return Ok(None);
    }
    let content_type = answer.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    Ok(Some(Media { content_type, bytes: answer.body }))
}

/// Whether an answer body says nothing: `204 No Content`, or blanks.
pub(crate) fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// Decodes one entity (the body of a `GET` by key), naming the resource and the field on error.
pub(crate) fn decode_entity<T: DeserializeOwned>(body: &[u8], name: &str, url: &Url) -> Result<T, Error> {
    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(body)).map_err(|e| {
        Error::Decode(Box::new(DecodeError {
            collection: name.to_owned(),
            url: url.clone(),
            page: 0,
            row: None,
            path: e.path().to_string(),
            source: e.into_inner(),
        }))
    })
}

/// What following a navigation property gives: a [`Single`] for a single-valued one, a
/// [`Query`] for a collection-valued one.
pub trait Navigation {
    /// The request type.
    type Request<'c>;

    #[doc(hidden)]
    fn request(resource: Resource<'_>) -> Self::Request<'_>;
}

impl<E: Entity> Navigation for One<E> {
    type Request<'c> = Single<'c, E>;

    fn request(resource: Resource<'_>) -> Single<'_, E> {
        Single::at(resource)
    }
}

impl<E: Entity> Navigation for Many<E> {
    type Request<'c> = Query<'c, E>;

    fn request(resource: Resource<'_>) -> Query<'_, E> {
        Query::at(resource)
    }
}

/// Request headers, checked when the request is sent.
pub(crate) fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, Error> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::InvalidQuery(format!("{name:?} is not a header name")))?;
        let value = reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| Error::InvalidQuery(format!("{value:?} is not a header value")))?;
        map.append(name, value);
    }
    Ok(map)
}
