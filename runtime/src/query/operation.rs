//! Functions and actions: a [`Call`] (built by generated methods) names the operation and carries
//! its parameters; it becomes an [`Operation`] sent with [`send`](Operation::send), or, for a
//! function returning entities, a [`Single`] or a [`Query`] with the options such a result takes.
//!
//! - A **function** is a `GET`: its primitive parameters are written inline as OData literals
//!   (`…/NS.priceWithTax(rate=7.5)`), complex and collection parameters as parameter aliases with
//!   a JSON value (`…/NS.sumAll(nums=@nums)?@nums=[1,2,3]`). It is retried like any read.
//! - An **action** is a `POST` with its parameters in a JSON body. It changes things, so it is
//!   only sent again when the service provably did nothing: when the connection failed before
//!   the request was written, or on a `429 Too Many Requests` or `503 Service Unavailable`
//!   answer (after `Retry-After`). Any other failure is returned as it is.
//!
//! Bound operations are methods of generated extension traits (one per entity type, implemented
//! for [`Single`] and [`Query`] of it, through [`Binding`]); unbound ones (function and action
//! imports) are methods of the generated `Collections`.

use std::marker::PhantomData;

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_with::de::DeserializeAsWrap;
use serde_with::ser::SerializeAsWrap;
use serde_with::{DeserializeAs, Same, SerializeAs};
use url::Url;

use super::caps::Restrictions;
use super::entity::{Media, Single, header_map, is_blank};
use super::literal::Literal;
use super::{Query, QueryExtension, Resource};
use crate::client::Client;
use crate::error::Error;
use crate::paging::{decode_collection, resolve_next_link};
use crate::transport::Request;

const JSON: &str = "application/json";

/// What an operation is bound to: one entity ([`Single`]) or a collection of them ([`Query`]).
/// The generated operation traits build on it.
pub trait Binding<'c>: Sized {
    /// The resource the operation is bound to.
    #[doc(hidden)]
    fn binding(self) -> Resource<'c>;
}

impl<'c, E> Binding<'c> for Single<'c, E> {
    fn binding(self) -> Resource<'c> {
        let mut resource = self.resource;
        if !self.options.is_empty() {
            resource.invalid.get_or_insert_with(|| {
                "query options ($select, $expand) apply to an operation's result, not to what it is bound to: \
                 set them on the result"
                    .to_owned()
            });
        }
        resource
    }
}

impl<'c, E, X: QueryExtension, C> Binding<'c> for Query<'c, E, X, C> {
    fn binding(self) -> Resource<'c> {
        let unchanged = self.options.is_empty() && self.raw_filter.is_none() && self.custom.is_empty();
        let mut resource = self.resource;
        if !unchanged || self.resume.is_some() {
            resource.invalid.get_or_insert_with(|| {
                "query options apply to an operation's result, not to the collection it is bound to: set them \
                 on the result"
                    .to_owned()
            });
        }
        resource
    }
}

/// A function or action call being built: the operation's path and its parameters. Generated
/// methods build it and turn it into their result type with [`finish`](Call::finish).
#[derive(Debug, Clone)]
pub struct Call<'c> {
    resource: Resource<'c>,
    /// `NS.name` (bound) or the import's name (unbound).
    name: &'static str,
    action: bool,
    /// A function's `name=value` pairs inside the parentheses.
    inline: Vec<String>,
    /// A function's parameter aliases (`@name`, JSON).
    aliases: Vec<(String, String)>,
    /// An action's body members.
    body: Vec<(&'static str, Box<RawValue>)>,
    invalid: Option<String>,
}

impl<'c> Call<'c> {
    fn new(resource: Resource<'c>, name: &'static str, action: bool) -> Self {
        Call { resource, name, action, inline: Vec::new(), aliases: Vec::new(), body: Vec::new(), invalid: None }
    }

    /// The bound function `name` (namespace-qualified) of `binding`.
    pub fn function(binding: Resource<'c>, name: &'static str) -> Self {
        Call::new(binding, name, false)
    }

    /// The bound action `name` (namespace-qualified) of `binding`.
    pub fn action(binding: Resource<'c>, name: &'static str) -> Self {
        Call::new(binding, name, true)
    }

    /// The function import `name` of the service.
    pub fn function_import(client: &'c Client, api_version: Option<&'static str>, name: &'static str) -> Self {
        Call::new(Resource::service(client, api_version), name, false)
    }

    /// The action import `name` of the service.
    pub fn action_import(client: &'c Client, api_version: Option<&'static str>, name: &'static str) -> Self {
        Call::new(Resource::service(client, api_version), name, true)
    }

    fn fail(&mut self, parameter: &str, error: impl std::fmt::Display) {
        self.invalid.get_or_insert_with(|| format!("parameter {parameter} of {}: {error}", self.name));
    }

    /// A primitive parameter of a function, written inline as an OData literal; `None` leaves an
    /// optional parameter out.
    pub fn inline<T: Literal + ?Sized>(mut self, name: &'static str, value: Option<&T>) -> Self {
        if let Some(value) = value {
            match value.literal() {
                Ok(literal) => self.inline.push(format!("{name}={literal}")),
                Err(error) => self.fail(name, error),
            }
        }
        self
    }

    /// A complex or collection parameter of a function, sent as the parameter alias `@name`
    /// with the JSON form of `value`; `None` leaves an optional parameter out.
    pub fn alias<T: Serialize + ?Sized>(self, name: &'static str, value: Option<&T>) -> Self {
        self.alias_as::<Same, T>(name, value)
    }

    /// Like [`alias`](Call::alias), serialized through the adapter `A` (the Edm forms of dates,
    /// decimals, … in the runtime's [`edm`](crate::edm) module).
    pub fn alias_as<A: SerializeAs<T>, T: ?Sized>(mut self, name: &'static str, value: Option<&T>) -> Self {
        if let Some(value) = value {
            match serde_json::to_string(&SerializeAsWrap::<T, A>::new(value)) {
                Ok(json) => {
                    self.inline.push(format!("{name}=@{name}"));
                    self.aliases.push((format!("@{name}"), json));
                }
                Err(error) => self.fail(name, error),
            }
        }
        self
    }

    /// A parameter of an action, a member of the JSON body; `None` leaves an optional parameter
    /// out.
    pub fn json<T: Serialize + ?Sized>(self, name: &'static str, value: Option<&T>) -> Self {
        self.json_as::<Same, T>(name, value)
    }

    /// Like [`json`](Call::json), serialized through the adapter `A`.
    pub fn json_as<A: SerializeAs<T>, T: ?Sized>(mut self, name: &'static str, value: Option<&T>) -> Self {
        if let Some(value) = value {
            match serde_json::value::to_raw_value(&SerializeAsWrap::<T, A>::new(value)) {
                Ok(raw) => self.body.push((name, raw)),
                Err(error) => self.fail(name, error),
            }
        }
        self
    }

    /// The call as the generated method's result type: an [`Operation`], or for a function
    /// returning entities a [`Single`] or a [`Query`].
    pub fn finish<R: FromCall<'c>>(self) -> R {
        R::from_call(self)
    }

    /// The resource the call addresses: the binding's path with `NS.name(…)` added (a
    /// function's parentheses always, an action's never), and the aliases as query options.
    fn into_parts(self) -> (Resource<'c>, Option<Vec<u8>>) {
        let Call { mut resource, name, action, inline, aliases, body, invalid } = self;
        if let Some(invalid) = invalid {
            resource.invalid.get_or_insert(invalid);
        }
        let segment = match action {
            true => name.to_owned(),
            false => format!("{name}({})", inline.join(",")),
        };
        resource.push_segment(&segment);
        resource.aliases.extend(aliases);
        resource.restrictions = &Restrictions::NONE;
        let body = action.then(|| {
            let mut json = String::from("{");
            for (index, (name, value)) in body.iter().enumerate() {
                if index > 0 {
                    json.push(',');
                }
                // A parameter name is an identifier: it needs no escaping, but is escaped anyway.
                json.push_str(&serde_json::to_string(name).unwrap_or_default());
                json.push(':');
                json.push_str(value.get());
            }
            json.push('}');
            json.into_bytes()
        });
        (resource, body)
    }
}

/// What a generated operation method returns, made from its [`Call`].
pub trait FromCall<'c> {
    #[doc(hidden)]
    fn from_call(call: Call<'c>) -> Self;
}

impl<'c, R> FromCall<'c> for Operation<'c, R> {
    fn from_call(call: Call<'c>) -> Self {
        let (resource, body) = call.into_parts();
        Operation { resource, body, _result: PhantomData }
    }
}

/// A function returning one entity: a request for it that takes `$select` and `$expand`.
impl<'c, E: super::Structured + DeserializeOwned + Send + 'static> FromCall<'c> for Single<'c, E> {
    fn from_call(call: Call<'c>) -> Self {
        debug_assert!(!call.action, "an action's result is an Operation");
        Single::at(call.into_parts().0)
    }
}

/// A function returning entities: a query of them, with server-driven paging and the options
/// the result takes.
impl<'c, E, X: QueryExtension> FromCall<'c> for Query<'c, E, X> {
    fn from_call(call: Call<'c>) -> Self {
        debug_assert!(!call.action, "an action's result is an Operation");
        Query::at(call.into_parts().0)
    }
}

/// A call of a function or an action, sent with [`send`](Operation::send); `R` says what its
/// answer holds ([`Unit`], [`Scalar`], [`Object`] or [`List`]).
pub struct Operation<'c, R> {
    resource: Resource<'c>,
    /// An action's JSON body; `None` for a function.
    body: Option<Vec<u8>>,
    _result: PhantomData<fn() -> R>,
}

impl<R> Clone for Operation<'_, R> {
    fn clone(&self) -> Self {
        Operation { resource: self.resource.clone(), body: self.body.clone(), _result: PhantomData }
    }
}

impl<R> std::fmt::Debug for Operation<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operation")
            .field("resource", &self.resource.name)
            .field("method", &if self.body.is_some() { "POST" } else { "GET" })
            .field("body", &self.body.as_deref().map(String::from_utf8_lossy))
            .finish()
    }
}

impl<'c, R: Returns> Operation<'c, R> {
    /// A request header (`Prefer`, `Accept-Language`, …).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.resource.add_header(name, value);
        self
    }

    /// The request URL.
    pub fn request_url(&self) -> Result<Url, Error> {
        self.resource.url(Vec::new())
    }

    /// The JSON body of an action (`None` for a function).
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// Sends the call and decodes its result. An action is sent again only when the service
    /// did nothing (see the [module docs](self)); a collection result is read to its end,
    /// following `@odata.nextLink` with `GET`s.
    pub async fn send(&self) -> Result<R::Output, Error> {
        let url = self.request_url()?;
        let headers = header_map(&self.resource.headers)?;
        let client = self.resource.client;
        let request = match &self.body {
            Some(body) => Request {
                method: Method::POST,
                url: &url,
                accept: JSON,
                headers: &headers,
                body: Some((JSON, body.clone())),
                idempotent: false,
                follow_redirect: false,
            },
            None if R::MEDIA => Request::media(&url, &headers),
            None => Request::get(&url, JSON, &headers),
        };
        let answer = client.send(request).await?;
        let content_type = answer.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = if answer.status == StatusCode::NO_CONTENT { Vec::new() } else { answer.body };
        let answer = Answered { client, name: &self.resource.name, url: &url, headers: &headers, content_type };
        R::decode(answer, body).await
    }
}

/// What a result decoder knows of the answer.
#[doc(hidden)]
#[derive(Debug)]
pub struct Answered<'a> {
    client: &'a Client,
    name: &'a str,
    url: &'a Url,
    headers: &'a reqwest::header::HeaderMap,
    /// The answer's `Content-Type`.
    content_type: Option<String>,
}

impl Answered<'_> {
    fn decode<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, Error> {
        super::entity::decode_entity(body, self.name, self.url)
    }
}

/// How an operation's answer is decoded (see [`Operation::send`]).
pub trait Returns {
    /// The Rust result.
    type Output;

    /// The result is media (`Edm.Stream`), not JSON.
    #[doc(hidden)]
    const MEDIA: bool = false;

    #[doc(hidden)]
    fn decode(
        answer: Answered<'_>,
        body: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<Self::Output, Error>> + Send;
}

/// No result (an action without a return type): the answer, usually `204 No Content`, is not
/// read.
#[derive(Debug)]
pub enum Unit {}

impl Returns for Unit {
    type Output = ();

    async fn decode(_: Answered<'_>, _: Vec<u8>) -> Result<(), Error> {
        Ok(())
    }
}

/// A primitive or enum result, `{"value": …}`, decoded into `T` through the adapter `A`; `T` is
/// an `Option` when the result may be null (which the service may also send as
/// `204 No Content`).
#[derive(Debug)]
pub struct Scalar<T, A = Same>(PhantomData<fn() -> (T, A)>);

#[derive(serde::Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Wrapped<T> {
    value: T,
}

impl<T: Send, A> Returns for Scalar<T, A>
where
    A: for<'de> DeserializeAs<'de, T>,
{
    type Output = T;

    async fn decode(answer: Answered<'_>, body: Vec<u8>) -> Result<T, Error> {
        if is_blank(&body) {
            return answer.decode::<DeserializeAsWrap<T, A>>(b"null").map(DeserializeAsWrap::into_inner);
        }
        // Some services answer with the bare value rather than `{"value": …}`.
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return answer.decode::<DeserializeAsWrap<T, A>>(&body).map(DeserializeAsWrap::into_inner);
        }
        answer.decode::<Wrapped<DeserializeAsWrap<T, A>>>(&body).map(|w| w.value.into_inner())
    }
}

/// A complex or entity result, the JSON object itself, decoded into `T`; `T` is an `Option`
/// when the result may be null (`204 No Content`).
#[derive(Debug)]
pub struct Object<T>(PhantomData<fn() -> T>);

impl<T: DeserializeOwned + Send> Returns for Object<T> {
    type Output = T;

    async fn decode(answer: Answered<'_>, body: Vec<u8>) -> Result<T, Error> {
        answer.decode(if is_blank(&body) { b"null" } else { &body })
    }
}

/// A stream result (`Edm.Stream`, e.g. a report as CSV): the bytes and their content type,
/// within the client's response limit (a redirect to where the service keeps them is followed).
impl Returns for Media {
    type Output = Media;

    const MEDIA: bool = true;

    async fn decode(answer: Answered<'_>, body: Vec<u8>) -> Result<Media, Error> {
        Ok(Media { content_type: answer.content_type, bytes: body })
    }
}

/// A collection result, `{"value": […]}`, each item decoded into `T` through the adapter `A`;
/// read to its end, following `@odata.nextLink`.
#[derive(Debug)]
pub struct List<T, A = Same>(PhantomData<fn() -> (T, A)>);

impl<T: Send, A> Returns for List<T, A>
where
    A: for<'de> DeserializeAs<'de, T>,
{
    type Output = Vec<T>;

    async fn decode(answer: Answered<'_>, body: Vec<u8>) -> Result<Vec<T>, Error> {
        if is_blank(&body) {
            return Ok(Vec::new());
        }
        let mut items = Vec::new();
        let (mut body, mut url, mut seen) = (body, answer.url.clone(), Vec::new());
        for page in 0.. {
            let (rows, next, base) = decode_collection::<DeserializeAsWrap<T, A>>(&body, answer.name, page, &url)?;
            items.extend(rows.into_iter().map(DeserializeAsWrap::into_inner));
            let Some(link) = next else { break };
            let next = resolve_next_link(&base, &link, answer.client.service_root())?;
            if seen.contains(&next) || next == *answer.url {
                return Err(Error::InvalidNextLink { link, reason: "it repeats a page already requested".into() });
            }
            seen.push(next.clone());
            body = answer.client.get_json(&next, answer.headers).await?;
            url = next;
        }
        Ok(items)
    }
}
