//! What the generator is told besides the document: where the output goes, which runtime it
//! runs on, and the service profile (rules that are the service's, not OData's). Every value is
//! checked when it is made, so generation never meets a malformed path.

use std::fmt;

use serde::Deserialize;

/// A Rust path (`crate::v1_0`, `::odata_runtime`, `crate::query::Audited`), checked to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustPath(String);

impl RustPath {
    /// Parses `text` as a Rust path.
    pub fn parse(text: &str) -> Result<RustPath, OptionsError> {
        syn::parse_str::<syn::Path>(text)
            .map(|_| RustPath(text.trim().to_owned()))
            .map_err(|e| OptionsError(format!("`{text}` is not a Rust path: {e}")))
    }

    /// The path's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `self::segment`.
    pub(crate) fn join(&self, segment: &str) -> String {
        format!("{}::{segment}", self.0)
    }
}

impl fmt::Display for RustPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RustPath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        RustPath::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A bad generator option.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OptionsError(String);

/// Where the generated module tree sits in its crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// The generated tree is the whole crate: `src/lib.rs` and modules below it.
    Crate,
    /// The generated tree is the module `crate::{name}` of a crate with other, hand-written
    /// modules: `src/{name}/mod.rs` and modules below it.
    Module {
        /// The module's name, a Rust identifier (e.g. `v1_0`).
        name: String,
    },
}

impl Layout {
    /// A module layout; `name` must be a plain Rust identifier.
    pub fn module(name: &str) -> Result<Layout, OptionsError> {
        match syn::parse_str::<syn::Ident>(name) {
            Ok(_) => Ok(Layout::Module { name: name.to_owned() }),
            Err(_) => Err(OptionsError(format!("`{name}` is not a Rust module name"))),
        }
    }

    /// The directory of the generated files, relative to the crate root.
    pub(crate) fn out_dir(&self) -> String {
        match self {
            Layout::Crate => "src".to_owned(),
            Layout::Module { name } => format!("src/{name}"),
        }
    }

    /// The file of the generated root module.
    pub(crate) fn root_file(&self) -> &'static str {
        match self {
            Layout::Crate => "lib.rs",
            Layout::Module { .. } => "mod.rs",
        }
    }

    /// The Rust path of the generated root module.
    pub(crate) fn module_root(&self) -> RustPath {
        match self {
            Layout::Crate => RustPath("crate".to_owned()),
            Layout::Module { name } => RustPath(format!("crate::{name}")),
        }
    }
}

/// The `// @generated` header of every file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The command that regenerates the files (e.g. `cargo xtask codegen`).
    pub command: String,
    /// The metadata file's name as the header shows it: relative, never absolute.
    pub source_name: String,
}

/// How and where to generate one document's module tree.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the generated tree sits in its crate.
    pub layout: Layout,
    /// The path of the OData runtime crate (`::odata_runtime`), or of a crate re-exporting it.
    pub runtime: RustPath,
    /// The `api-version` query option sent with every request, for services that take one.
    pub api_version: Option<String>,
    /// A few words naming the service, for the module docs.
    pub title: String,
    /// The files' header.
    pub header: Header,
    /// The service's rules; [`Profile::default`] gives a plain OData client.
    pub profile: Profile,
    /// One cargo feature per entity set, named like its module: each compiles the set's module
    /// and the types its rows contain (navigation properties to types of features that are off
    /// are left out). Types no entity set contains come with the feature [`FULL_FEATURE`], which
    /// enables every set. Off: everything is always compiled.
    pub set_features: bool,
    /// The document itself as the root module's `METADATA` constant: the path of the metadata
    /// file relative to the root module's file, for `include_str!`. `None`: not embedded.
    pub embed_metadata: Option<String>,
}

/// The feature that enables every entity set's feature (see [`Options::set_features`]).
pub const FULL_FEATURE: &str = "full";

impl Options {
    /// Options for a plain OData client crate of its own on the runtime `::odata_runtime`.
    pub fn standalone(title: impl Into<String>, header: Header) -> Options {
        Options {
            layout: Layout::Crate,
            runtime: RustPath("::odata_runtime".to_owned()),
            api_version: None,
            title: title.into(),
            header,
            profile: Profile::default(),
            set_features: false,
            embed_metadata: None,
        }
    }

    /// The query type the entity-set accessors return.
    pub(crate) fn query_type(&self) -> String {
        match &self.profile.query {
            Some(path) => path.to_string(),
            None => self.runtime.join("query::Query"),
        }
    }
}

/// A service profile: the rules of one service that OData does not express, kept by the
/// maintainer beside the service's documents (e.g. `fixtures/profile.toml`) and read with serde.
///
/// ```toml
/// # The type of the entity-set queries: a service-specific wrapper of the runtime's `Query`
/// # with `new(client, api_version)`.
/// query = "crate::query::Query"
///
/// # Each entity set's kind, a value of the service's own enum: the constant `KIND` in the set's
/// # module and `entity_set_kind(name)` in the root module. The first rule naming a kind decides.
/// [kind]
/// type = "crate::rules::Kind"
/// default = "Plain"
///
/// [[rule]]
/// implement = "crate::query::Audited"    # a marker trait the row type gets
/// kind = "Audited"                       # a variant of the kind type
/// when = { key_includes = "auditDay" }
/// doc = "Audited: rows can be limited by audit day."
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The query type of every entity set (default: the runtime's `query::Query`).
    #[serde(default)]
    pub query: Option<RustPath>,
    /// The service only reads: no entity set gets the write methods (create, update, replace,
    /// delete), whatever its `Capabilities` annotations say.
    #[serde(default)]
    pub read_only: bool,
    /// Each entity set's kind (none when absent).
    #[serde(default)]
    pub kind: Option<KindSpec>,
    /// Traits implemented for the row types of the entity sets a condition selects.
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

/// How a profile classifies entity sets: a constant of an enum of the service's crate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindSpec {
    /// The enum (e.g. `crate::rules::Kind`).
    #[serde(rename = "type")]
    pub ty: RustPath,
    /// The variant of the sets no rule gives a kind.
    pub default: Variant,
}

/// A variant name of a profile's kind type, checked to be an identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant(String);

impl Variant {
    /// Parses `text` as a Rust identifier.
    pub fn parse(text: &str) -> Result<Variant, OptionsError> {
        syn::parse_str::<syn::Ident>(text)
            .map(|_| Variant(text.to_owned()))
            .map_err(|e| OptionsError(format!("`{text}` is not a variant name: {e}")))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Variant {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Variant::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// One profile rule: the row type of every entity set for which [`when`](Rule::when) holds
/// implements the marker trait [`implement`](Rule::implement), has the [`kind`](Rule::kind)
/// (unless an earlier rule gave it one), and its docs say [`doc`](Rule::doc).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The trait (with no items to implement) the row type gets.
    pub implement: RustPath,
    /// The entity set's kind, a variant of the profile's [`KindSpec::ty`].
    #[serde(default)]
    pub kind: Option<Variant>,
    /// Which entity sets it applies to.
    pub when: Condition,
    /// A paragraph added to the entity set's docs.
    #[serde(default)]
    pub doc: Option<String>,
}

/// Which entity sets a [`Rule`] applies to, by a property of their entity type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Condition {
    /// The effective key includes the property of this name.
    KeyIncludes(String),
    /// The entity type (with its base types) has a single-valued property of this name and,
    /// when given, of this type (e.g. `Edm.DateTimeOffset`).
    Property {
        /// The property name.
        name: String,
        /// Its type, as CSDL spells it.
        #[serde(default, rename = "type")]
        ty: Option<String>,
    },
}
