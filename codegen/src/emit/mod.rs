//! Plan → Rust source: small `quote!` templates per item, assembled into one `syn::File` per
//! module and formatted with prettyplease. The templates make no decisions; the plan has made
//! them.

mod operations;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::plan::{
    Docs, EntitySetPlan, EnumPlan, FieldEnumPlan, FieldPlan, Gate, JSON, ModulePath, ModulePlan, NewtypePlan, Plan,
    RestrictionsPlan, RustType, StructPlan, TypePath, UNRECOGNIZED_VARIANT,
};

/// Where the emitted code finds things.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The path of the version module from the crate root, e.g. `crate::v1_0` (or `crate` when the
    /// version is the crate root).
    pub module_root: String,
    /// The path of the runtime crate, e.g. `::odata_runtime`.
    pub runtime: String,
    /// The query type of the entity-set accessors (the runtime's `query::Query`, or a
    /// service-specific wrapper named by the profile).
    pub query: String,
    /// The query type is the runtime's own (so a restricted set's type can name its `Caps`).
    pub plain_query: bool,
}

/// One emitted module: its path and its items (the header is added by the caller).
pub struct EmittedModule {
    pub path: ModulePath,
    pub children: Vec<String>,
    pub tokens: TokenStream,
}

pub fn emit(plan: &Plan, paths: &Paths) -> Vec<EmittedModule> {
    let api_version = match plan.api_version {
        Some(_) => {
            let root = path_tokens(&paths.module_root);
            quote!(Some(#root::API_VERSION))
        }
        None => quote!(None),
    };
    let emitter = Emitter { paths, api_version };
    // Intermediate modules (e.g. `types` above per-namespace modules) get a file too.
    let mut modules = plan.modules.clone();
    for path in plan.modules.keys() {
        for depth in 1..path.len() {
            modules.entry(path[..depth].to_vec()).or_default();
        }
    }
    let mut children: BTreeMap<ModulePath, Vec<String>> = BTreeMap::new();
    for path in modules.keys() {
        for depth in 0..path.len() {
            let parent = path[..depth].to_vec();
            let child = path[depth].clone();
            let list = children.entry(parent).or_default();
            if !list.contains(&child) {
                list.push(child);
            }
        }
    }
    let mut out = vec![EmittedModule {
        path: Vec::new(),
        children: children.get(&Vec::new()).cloned().unwrap_or_default(),
        tokens: emitter.root(plan, &children),
    }];
    let sets: BTreeMap<ModulePath, &EntitySetPlan> =
        plan.entity_sets.iter().map(|set| (vec![set.module.clone()], set)).collect();
    for (path, module) in &modules {
        let own_children = children.get(path).cloned().unwrap_or_default();
        let tokens = emitter.module(path, module, sets.get(path).copied(), &own_children);
        out.push(EmittedModule { path: path.clone(), children: own_children, tokens });
    }
    out
}

struct Emitter<'p> {
    paths: &'p Paths,
    /// The `api_version` argument of `Query::new`.
    api_version: TokenStream,
}

fn ident(name: &str) -> syn::Ident {
    format_ident!("{}", name)
}

/// A path the options checked (`RustPath`) or the plan built from identifiers.
fn path_tokens(path: &str) -> TokenStream {
    match syn::parse_str::<syn::Path>(path) {
        Ok(path) => quote!(#path),
        // Unreachable for checked paths; emitting the text makes the file fail to parse, which
        // `generate` reports as an internal error instead of writing wrong code.
        Err(_) => quote!(#path),
    }
}

impl Emitter<'_> {
    fn runtime(&self) -> TokenStream {
        path_tokens(&self.paths.runtime)
    }

    fn query(&self) -> TokenStream {
        path_tokens(&self.paths.query)
    }

    /// A generated type as seen from module `from`: its bare name in its own module, else the
    /// absolute path.
    fn type_path(&self, ty: &TypePath, from: &ModulePath) -> TokenStream {
        let name = ident(&ty.name);
        if &ty.module == from {
            return quote!(#name);
        }
        let root = path_tokens(&self.paths.module_root);
        let segments = ty.module.iter().map(|m| ident(m));
        quote!(#root #(:: #segments)* :: #name)
    }

    fn rust_type(&self, ty: &RustType, from: &ModulePath) -> TokenStream {
        match ty {
            RustType::Scalar { path, .. } => syn::parse_str::<syn::Type>(path).map(|t| quote!(#t)).unwrap_or_default(),
            RustType::Named(path) => self.type_path(path, from),
            RustType::Flags(path) => {
                let runtime = self.runtime();
                let member = self.type_path(path, from);
                quote!(#runtime::edm::Flags<#member>)
            }
            // Prelude names are safe bare: the naming module never gives a generated item one.
            RustType::Option(inner) => {
                let inner = self.rust_type(inner, from);
                quote!(Option<#inner>)
            }
            RustType::Vec(inner) => {
                let inner = self.rust_type(inner, from);
                quote!(Vec<#inner>)
            }
            RustType::Box(inner) => {
                let inner = self.rust_type(inner, from);
                quote!(Box<#inner>)
            }
            RustType::Marked { marker, inner } => {
                let runtime = self.runtime();
                let marker = ident(marker);
                let inner = self.rust_type(inner, from);
                quote!(#runtime::query::#marker<#inner>)
            }
            RustType::Runtime(name) => {
                let runtime = self.runtime();
                let name = ident(name);
                quote!(#runtime::query::#name)
            }
        }
    }

    /// The `serde(with = …)` module of a type that needs an adapter (a type definition's
    /// newtype): the runtime's `edm::with` alias for a value, an `Option` or a `Vec` of one, else
    /// serde_with's `As` of the adapter type mirroring `ty`.
    fn serde_with(&self, ty: &RustType) -> String {
        let runtime = &self.paths.runtime;
        let (shape, core) = match ty {
            RustType::Option(inner) => ("option::", &**inner),
            RustType::Vec(inner) => ("vec::", &**inner),
            other => ("", other),
        };
        match core {
            RustType::Scalar { adapter: Some(adapter), .. } => format!("{runtime}::edm::with::{shape}{adapter}"),
            _ => format!("{runtime}::record::As::<{}>", self.adapter_type(ty)),
        }
    }

    /// The serde_with adapter mirroring `ty` (for `#[odata(with = …)]`): the runtime's adapter at
    /// the core, `Same` wherever serde's own impl is right.
    fn adapter_type(&self, ty: &RustType) -> String {
        match ty {
            RustType::Scalar { adapter: Some(adapter), .. } => format!("{}::edm::{adapter}", self.paths.runtime),
            RustType::Scalar { adapter: None, .. }
            | RustType::Named(_)
            | RustType::Flags(_)
            | RustType::Marked { .. }
            | RustType::Runtime(_) => format!("{}::record::Same", self.paths.runtime),
            RustType::Option(inner) => format!("Option<{}>", self.adapter_type(inner)),
            RustType::Vec(inner) => format!("Vec<{}>", self.adapter_type(inner)),
            RustType::Box(inner) => format!("Box<{}>", self.adapter_type(inner)),
        }
    }

    fn root(&self, plan: &Plan, children: &BTreeMap<ModulePath, Vec<String>>) -> TokenStream {
        let docs = inner_docs(&plan.root_docs);
        let modules = children.get(&Vec::new()).cloned().unwrap_or_default();
        let module_decls = modules.iter().map(|m| {
            let feature = plan.entity_sets.iter().find(|set| &set.module == m).and_then(|set| set.feature.as_ref());
            let cfg = feature_cfg(feature);
            let m = ident(m);
            quote!(#cfg pub mod #m;)
        });
        let runtime = self.runtime();
        let query_type = self.query();
        let root = Vec::new();
        let api_version_item = plan.api_version.as_ref().map(|version| {
            quote! {
                /// The `api-version` every request of this module carries.
                pub const API_VERSION: &str = #version;
            }
        });
        let set_names = plan.entity_sets.iter().map(|s| &s.set_name);
        let accessors = plan.entity_sets.iter().map(|set| {
            let accessor = ident(&set.accessor);
            let row = self.type_path(&set.row, &root);
            let query = self.type_path(&TypePath { module: vec![set.module.clone()], name: "query".to_owned() }, &root);
            let doc = format!(" Query the `{}` entity set.", set.set_name);
            let allow = deprecated_allow(set.row_deprecated);
            let cfg = feature_cfg(set.feature.as_ref());
            let returned = match self.caps(set) {
                Some(caps) => quote!(#query_type<'c, #row, (), #caps>),
                None => quote!(#query_type<'c, #row>),
            };
            quote! {
                #[doc = #doc]
                #cfg
                #allow
                pub fn #accessor(&self) -> #returned {
                    #query(self.client)
                }
            }
        });
        let singletons = plan.singletons.iter().map(|singleton| {
            let accessor = ident(&singleton.accessor);
            let ty = self.type_path(&singleton.ty, &root);
            let name = &singleton.name;
            let doc = format!(" The `{name}` singleton.");
            let allow = deprecated_allow(singleton.deprecated);
            let cfg = gate_cfg(singleton.gate.as_ref());
            let api_version = &self.api_version;
            quote! {
                #[doc = #doc]
                #cfg
                #allow
                pub fn #accessor(&self) -> #runtime::query::Single<'c, #ty> {
                    #runtime::query::Single::singleton(self.client, #api_version, #name)
                }
            }
        });
        let visits = plan.entity_sets.iter().map(|set| {
            let name = &set.set_name;
            let row = self.type_path(&set.row, &root);
            let cfg = feature_cfg(set.feature.as_ref());
            quote!(#cfg #name => Some(visitor.visit::<#row>()),)
        });
        let metadata_item = plan.embedded_metadata.as_ref().map(|path| {
            quote! {
                /// The `$metadata` document this module was generated from.
                pub const METADATA: &str = include_str!(#path);
            }
        });
        let kind_item = plan.kind_type.as_ref().map(|kind| {
            let kind = path_tokens(kind);
            let arms = plan.entity_sets.iter().map(|set| {
                let name = &set.set_name;
                let module = ident(&set.module);
                let cfg = feature_cfg(set.feature.as_ref());
                quote!(#cfg #name => Some(#module::KIND),)
            });
            quote! {
                /// The kind of the entity set named `name`, as the service profile classifies it;
                /// `None` for an unknown name.
                pub fn entity_set_kind(name: &str) -> Option<#kind> {
                    match name {
                        #(#arms)*
                        _ => None,
                    }
                }
            }
        });
        let imports = self.imports(plan);
        let prelude = self.prelude(plan);
        let contained_writes = plan.contained_writes.iter().map(|c| {
            let ty = self.type_path(&c.ty, &root);
            let cfg = gate_cfg(c.gate.as_ref());
            let allow = deprecated_allow(c.deprecated);
            let traits = [("Insertable", c.insertable), ("Updatable", c.updatable), ("Deletable", c.deletable)]
                .into_iter()
                .filter(|(_, allowed)| *allowed)
                .map(|(name, _)| ident(name));
            quote!(#(#cfg #allow impl #runtime::query::#traits for #ty {})*)
        });
        let any_deprecated = plan.entity_sets.iter().any(|s| s.row_deprecated);
        let visit_allow = if any_deprecated { quote!(#[allow(deprecated)]) } else { quote!() };
        // A document without entity sets (only types, or only operations) has no arm to call
        // the visitor, and perhaps no method to read the client; so do the features that leave
        // every entity set out.
        let gated = !plan.features.is_empty();
        let (client_allow, visitor, visit_unused) = if plan.entity_sets.is_empty() {
            (quote!(#[allow(dead_code)]), quote!(_visitor), quote!())
        } else if gated {
            (quote!(#[allow(dead_code)]), quote!(visitor), quote!(#[allow(unused_variables)]))
        } else {
            (quote!(), quote!(visitor), quote!())
        };
        let set_names_doc = if gated {
            " The names of the entity sets, in schema order (those of features that are off included)."
        } else {
            " The names of the entity sets, in schema order."
        };
        quote! {
            #docs
            #(#module_decls)*

            #api_version_item

            #metadata_item

            #[doc = #set_names_doc]
            pub const ENTITY_SETS: &[&str] = &[#(#set_names),*];

            /// The entity sets of this module, as typed queries.
            #[derive(Debug, Clone, Copy)]
            pub struct Collections<'c> {
                #client_allow
                client: &'c #runtime::Client,
            }

            impl<'c> Collections<'c> {
                /// The entity sets, queried through `client`.
                pub fn new(client: &'c #runtime::Client) -> Self {
                    Collections { client }
                }

                #(#accessors)*

                #(#singletons)*

                #imports
            }

            #prelude

            #(#contained_writes)*

            /// Calls `visitor.visit::<Row>()` with the row type of the entity set named `name`, for code
            /// that picks the entity set at run time; `None` for an unknown name.
            #visit_allow
            #visit_unused
            pub fn visit_entity_set<V: #runtime::query::EntitySetVisitor>(name: &str, #visitor: V) -> Option<V::Output> {
                match name {
                    #(#visits)*
                    _ => None,
                }
            }

            #kind_item
        }
    }

    fn module(
        &self,
        path: &ModulePath,
        module: &ModulePlan,
        set: Option<&EntitySetPlan>,
        children: &[String],
    ) -> TokenStream {
        let docs = inner_docs(&module.docs);
        let child_decls = children.iter().map(|c| {
            let c = ident(c);
            quote!(pub mod #c;)
        });
        let structs = module.structs.iter().map(|s| self.structure(s, path));
        let field_enums = module.field_enums.iter().map(|f| self.field_enum(f));
        let entity_set = set.map(|set| self.entity_set(set, path));
        let enums = module.enums.iter().map(|e| self.enumeration(e));
        let newtypes = module.newtypes.iter().map(|n| self.newtype(n, path));
        let operations = module.operations.iter().map(|o| self.operations_trait(o, path));
        quote! {
            #docs
            #(#child_decls)*
            #(#structs)*
            #(#field_enums)*
            #entity_set
            #(#enums)*
            #(#newtypes)*
            #(#operations)*
        }
    }

    fn structure(&self, plan: &StructPlan, module: &ModulePath) -> TokenStream {
        let docs = outer_docs(&plan.docs);
        let name = ident(&plan.name);
        let fields = plan.fields.iter().map(|f| self.field(f, module));
        // rustc checks field names at the struct, so a field keeping its wire spelling needs the
        // allowance there.
        let allow_case = plan.fields.iter().any(|f| f.verbatim).then(|| quote!(#[allow(non_snake_case)]));
        let allow_deprecated = deprecated_allow(plan.uses_deprecated);
        let runtime = self.runtime();
        // The derive's own default path, written out only when the runtime is elsewhere.
        let crate_arg = (self.paths.runtime.as_str() != "::odata_runtime").then(|| {
            let path = self.paths.runtime.as_str();
            quote!(crate = #path)
        });
        let rename_all = plan.camel_case.then(|| quote!(rename_all = "camelCase"));
        let constructor = plan.constructor.then(|| quote!(constructor));
        let props = self.props(plan, module);
        let odata_attr = odata_attr(rename_all.into_iter().chain(crate_arg).chain(constructor));
        let cfg = gate_cfg(plan.gate.as_ref());
        quote! {
            #docs
            #cfg
            #[derive(Debug, Clone, PartialEq, #runtime::Record)]
            #odata_attr
            #[non_exhaustive]
            #allow_case
            #allow_deprecated
            pub struct #name {
                #(#fields)*
            }

            #props
        }
    }

    /// A structured type's `…Props` (one typed `Prop` per property, for queries), its
    /// `Structured` impl and, for an entity type with a key, its `Entity` impl.
    fn props(&self, plan: &StructPlan, module: &ModulePath) -> TokenStream {
        let Some(props) = &plan.props else { return TokenStream::new() };
        let runtime = self.runtime();
        let name = ident(&plan.name);
        let props = ident(props);
        let cfg = gate_cfg(plan.gate.as_ref());
        let allow_case = plan.fields.iter().any(|f| f.verbatim).then(|| quote!(#[allow(non_snake_case)]));
        // The impls name the struct itself.
        let allow_deprecated = deprecated_allow(plan.uses_deprecated || plan.docs.deprecated.is_some());
        let fields = plan.fields.iter().map(|f| {
            let field = ident(&f.name);
            let ty = self.rust_type(&f.prop, module);
            let cfg = gate_cfg(f.gate.as_ref());
            quote!(#cfg pub #field: #runtime::query::Prop<#ty>,)
        });
        let values = plan.fields.iter().map(|f| {
            let field = ident(&f.name);
            let wire = &f.wire_name;
            let cfg = gate_cfg(f.gate.as_ref());
            quote!(#cfg #field: #runtime::query::Prop::new(#wire),)
        });
        let doc = format!(" The properties of [`{}`], typed, for queries.", plan.name);
        let names = |keep: fn(&FieldPlan) -> bool| -> Vec<&str> {
            plan.fields.iter().filter(|f| keep(f)).map(|f| f.wire_name.as_str()).collect()
        };
        let (navigation, computed, immutable) =
            (names(|f| f.navigation), names(|f| f.computed), names(|f| f.immutable));
        let write_rules = (!navigation.is_empty() || !computed.is_empty() || !immutable.is_empty()).then(|| {
            quote! {
                const WRITE_RULES: #runtime::query::WriteRules = #runtime::query::WriteRules {
                    navigation: &[#(#navigation),*],
                    computed: &[#(#computed),*],
                    immutable: &[#(#immutable),*],
                };
            }
        });
        let entity = plan.key.as_ref().map(|key| {
            let names = &key.names;
            let types: Vec<TokenStream> = key.types.iter().map(|ty| self.rust_type(ty, module)).collect();
            let key_type = match types.as_slice() {
                [one] => one.clone(),
                many => quote!((#(#many),*)),
            };
            let media = plan.media.then(|| {
                quote! {
                    #cfg
                    #allow_deprecated
                    impl #runtime::query::MediaEntity for #name {}
                }
            });
            quote! {
                #cfg
                #allow_deprecated
                impl #runtime::query::Entity for #name {
                    const KEY: &'static [&'static str] = &[#(#names),*];
                    type Key = #key_type;
                }

                #media
            }
        });
        // No derives: a struct of paths needs none, and each derive would cost a big crate's
        // compile time per struct.
        quote! {
            #[doc = #doc]
            #cfg
            #[allow(missing_debug_implementations)]
            #allow_case
            #allow_deprecated
            pub struct #props {
                #(#fields)*
            }

            #cfg
            #allow_deprecated
            impl #runtime::query::Structured for #name {
                type Props = #props;
                const PROPS: #props = #props {
                    #(#values)*
                };
                #write_rules
            }

            #entity
        }
    }

    fn field(&self, field: &FieldPlan, module: &ModulePath) -> TokenStream {
        let docs = outer_docs(&field.docs);
        let name = ident(&field.name);
        let ty = self.rust_type(&field.ty, module);
        let rename = field.renamed.then(|| {
            let wire = &field.wire_name;
            quote!(rename = #wire)
        });
        // An absent field reads as `None` or empty by its type (see `odata_runtime::record`).
        let with = field.ty.has_adapter().then(|| {
            let with = self.adapter_type(&field.ty);
            quote!(with = #with)
        });
        let odata_attr = odata_attr(rename.into_iter().chain(with));
        let cfg = gate_cfg(field.gate.as_ref());
        quote! {
            #docs
            #cfg
            #odata_attr
            pub #name: #ty,
        }
    }

    fn field_enum(&self, plan: &FieldEnumPlan) -> TokenStream {
        let runtime = self.runtime();
        let name = ident(&plan.name);
        let doc = format!(" The properties of [`{}`], for `select`.", plan.row);
        let declarations = plan.variants.iter().map(|v| {
            let variant = ident(&v.name);
            let allow = v.verbatim.then(|| quote!(#[allow(non_camel_case_types)]));
            quote!(#allow #variant,)
        });
        let all = plan.variants.iter().map(|v| {
            let variant = ident(&v.name);
            let wire = &v.wire_name;
            quote!((Self::#variant, #wire))
        });
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#declarations)*
            }

            impl #runtime::query::Field for #name {
                const ALL: &'static [(Self, &'static str)] = &[#(#all),*];
            }
        }
    }

    fn entity_set(&self, set: &EntitySetPlan, module: &ModulePath) -> TokenStream {
        let runtime = self.runtime();
        let row = self.type_path(&set.row, module);
        let field_enum = self.type_path(&set.field_enum, module);
        let name = &set.set_name;
        let allow = deprecated_allow(set.row_deprecated);
        let wrapper = set.wrapped.as_ref().map(|inner| {
            let inner = self.type_path(inner, module);
            let row_name = ident(&set.row.name);
            let doc = format!(" A row of the `{name}` entity set, whose entity type other entity sets share.");
            quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq, ::serde::Deserialize, ::serde::Serialize)]
                #[serde(transparent)]
                #allow
                pub struct #row_name(pub #inner);

                #allow
                impl #runtime::query::Structured for #row_name {
                    type Props = <#inner as #runtime::query::Structured>::Props;
                    const PROPS: Self::Props = <#inner as #runtime::query::Structured>::PROPS;
                }

                #allow
                impl #runtime::query::Entity for #row_name {
                    const KEY: &'static [&'static str] = <#inner as #runtime::query::Entity>::KEY;
                    type Key = <#inner as #runtime::query::Entity>::Key;
                }
            }
        });
        let restrictions = set.restrictions.any().then(|| self.restrictions(&set.restrictions));
        let markers = set.markers.iter().map(|marker| {
            let marker = path_tokens(marker);
            quote!(#allow impl #marker for #row {})
        });
        let r = &set.restrictions;
        let writes = [("Insertable", r.insertable), ("Updatable", r.updatable), ("Deletable", r.deletable)]
            .into_iter()
            .filter(|(_, allowed)| *allowed)
            .map(|(name, _)| {
                let name = ident(name);
                quote!(#allow impl #runtime::query::#name for #row {})
            });
        let kind = set.kind.as_ref().map(|kind| {
            let (ty, value) = (path_tokens(&kind.ty), path_tokens(&kind.value));
            let doc = format!(" The kind of the `{name}` entity set, as the service profile classifies it.");
            quote! {
                #[doc = #doc]
                pub const KIND: #ty = #value;
            }
        });
        let query_type = self.query();
        let query_doc = format!(" A query of the `{name}` entity set (the same as the `Collections` accessor).");
        let api_version = &self.api_version;
        let (returned, narrowed) = match self.caps(set) {
            Some(caps) => (quote!(#query_type<'_, #row, (), #caps>), quote!(.with_caps())),
            None => (quote!(#query_type<'_, #row>), quote!()),
        };
        quote! {
            #wrapper

            #[doc = #query_doc]
            #allow
            pub fn query(client: &#runtime::Client) -> #returned {
                #query_type::new(client, #api_version) #narrowed
            }

            #allow
            impl #runtime::query::EntitySet for #row {
                const NAME: &'static str = #name;
                type Field = #field_enum;
                #restrictions
            }

            #kind

            #(#markers)*

            #(#writes)*
        }
    }

    /// The set's `Caps<…>`, when it refuses a static option and its query is the runtime's own
    /// (a service profile's query type has parameters of its own).
    fn caps(&self, set: &EntitySetPlan) -> Option<TokenStream> {
        let caps = set.restrictions.caps;
        if caps.all() || !self.paths.plain_query {
            return None;
        }
        let runtime = self.runtime();
        let flags = caps.flags();
        Some(quote!(#runtime::query::Caps<#(#flags),*>))
    }

    /// `const RESTRICTIONS` of a set's `EntitySet` impl.
    fn restrictions(&self, plan: &RestrictionsPlan) -> TokenStream {
        let runtime = self.runtime();
        let caps = plan.caps;
        let mut fields = Vec::new();
        let mut flag = |name: &str, value: bool, default: bool| {
            if value != default {
                let name = ident(name);
                fields.push(quote!(#name: #value,));
            }
        };
        flag("filterable", caps.filter, true);
        flag("sortable", caps.sort, true);
        flag("countable", caps.count, true);
        flag("expandable", caps.expand, true);
        flag("top", caps.top, true);
        flag("skip", caps.skip, true);
        flag("select", caps.select, true);
        flag("requires_filter", plan.requires_filter, false);
        flag("navigable", plan.navigable, true);
        for (name, list) in [
            ("required_properties", &plan.required_properties),
            ("non_filterable", &plan.non_filterable),
            ("non_sortable", &plan.non_sortable),
            ("non_expandable", &plan.non_expandable),
            ("non_navigable", &plan.non_navigable),
        ] {
            if !list.is_empty() {
                let name = ident(name);
                fields.push(quote!(#name: &[#(#list),*],));
            }
        }
        quote! {
            const RESTRICTIONS: &'static #runtime::query::Restrictions = &#runtime::query::Restrictions {
                #(#fields)*
                ..#runtime::query::Restrictions::NONE
            };
        }
    }

    fn enumeration(&self, plan: &EnumPlan) -> TokenStream {
        let runtime = self.runtime();
        let docs = outer_docs(&plan.docs);
        let name = ident(&plan.name);
        let qualified = &plan.qualified_name;
        let unrecognized = ident(UNRECOGNIZED_VARIANT);
        let declarations = plan.variants.iter().map(|v| {
            let docs = outer_docs(&v.docs);
            let variant = ident(&v.name);
            let allow = v.verbatim.then(|| quote!(#[allow(non_camel_case_types)]));
            quote!(#docs #allow #variant,)
        });
        // The members, once: variant, wire name and value, read by the runtime's generic code.
        let members = plan.variants.iter().map(|v| {
            let variant = ident(&v.name);
            let wire = &v.wire_name;
            let value = proc_macro2::Literal::i64_unsuffixed(v.value);
            quote!((Self::#variant, #wire, #value))
        });
        let allow = deprecated_allow(
            plan.variants.iter().any(|v| v.docs.deprecated.is_some()) || plan.docs.deprecated.is_some(),
        );
        let flags_note = plan.is_flags.then(|| {
            let doc = format!(" Values of this flags type are [`{}::edm::Flags<{}>`].", self.paths.runtime, plan.name);
            quote!(#[doc = ""] #[doc = #doc])
        });
        let cfg = gate_cfg(plan.gate.as_ref());
        quote! {
            #docs
            #flags_note
            #cfg
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#declarations)*
                /// A member this version of the client does not know, kept as the service sent it.
                #unrecognized(String),
            }

            #cfg
            #allow
            impl #runtime::edm::EnumMember for #name {
                const MEMBERS: &'static [(Self, &'static str, i64)] = &[#(#members),*];
                const TYPE_NAME: &'static str = #qualified;
            }

            #cfg
            #runtime::enum_impls!(#allow #name, #unrecognized);
        }
    }

    fn newtype(&self, plan: &NewtypePlan, module: &ModulePath) -> TokenStream {
        let docs = outer_docs(&plan.docs);
        let name = ident(&plan.name);
        let inner = self.rust_type(&plan.inner, module);
        let field_attr = plan.inner.has_adapter().then(|| {
            let with = self.serde_with(&plan.inner);
            quote!(#[serde(with = #with)])
        });
        let cfg = gate_cfg(plan.gate.as_ref());
        let runtime = self.runtime();
        // A value with a literal can be a key or compared in a filter (raw JSON cannot).
        let literal = (plan.inner != JSON).then(|| {
            quote! {
                #cfg
                impl #runtime::query::Literal for #name {
                    fn write_literal(&self, out: &mut String) -> Result<(), #runtime::Error> {
                        #runtime::query::Literal::write_literal(&self.0, out)
                    }
                }

                #cfg
                impl #runtime::query::Operand for #name {
                    type Value = #name;
                }
            }
        });
        quote! {
            #docs
            #cfg
            #[derive(Debug, Clone, PartialEq, ::serde::Deserialize, ::serde::Serialize)]
            #[serde(transparent)]
            pub struct #name(#field_attr pub #inner);

            #literal
        }
    }
}

/// `#[odata(…)]` of `#[derive(Record)]` with these arguments, none without any.
fn odata_attr(args: impl Iterator<Item = TokenStream>) -> Option<TokenStream> {
    let args: Vec<TokenStream> = args.collect();
    (!args.is_empty()).then(|| quote!(#[odata(#(#args),*)]))
}

/// `#[cfg(feature = "…")]` for an item of one entity set's feature.
fn feature_cfg(feature: Option<&String>) -> TokenStream {
    feature.map(|f| quote!(#[cfg(feature = #f)])).unwrap_or_default()
}

/// `#[cfg(feature = "a")]` or `#[cfg(any(feature = "a", feature = "b"))]` for a gated item.
fn gate_cfg(gate: Option<&Gate>) -> TokenStream {
    match gate.map(|g| g.0.as_slice()) {
        None | Some([]) => quote!(),
        Some([one]) => quote!(#[cfg(feature = #one)]),
        Some(many) => quote!(#[cfg(any(#(feature = #many),*))]),
    }
}

/// `#[allow(deprecated)]` for generated code that names a deprecated item itself.
fn deprecated_allow(deprecated: bool) -> TokenStream {
    if deprecated { quote!(#[allow(deprecated)]) } else { quote!() }
}

fn outer_docs(docs: &Docs) -> TokenStream {
    let lines = doc_lines(&docs.paragraphs);
    let deprecated = docs.deprecated.as_ref().map(|note| quote!(#[deprecated(note = #note)]));
    quote!(#(#[doc = #lines])* #deprecated)
}

fn inner_docs(paragraphs: &[String]) -> TokenStream {
    let lines = doc_lines(paragraphs);
    quote!(#(#![doc = #lines])*)
}

/// Paragraphs → doc lines (` text`) with blank lines between paragraphs.
fn doc_lines(paragraphs: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in paragraphs.iter().filter(|p| !p.trim().is_empty()) {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(paragraph.lines().map(|line| if line.is_empty() { String::new() } else { format!(" {line}") }));
    }
    lines
}

/// Puts blank lines between items, which prettyplease writes back to back: after the module
/// docs, between top-level items, and before each item (docs, attributes, `fn`, ...) that follows
/// a closing brace inside a block.
pub fn space_items(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + source.len() / 16);
    let mut previous: Option<&str> = None;
    for line in source.lines() {
        if previous.is_some_and(|prev| needs_blank_line(prev, line)) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

fn needs_blank_line(prev: &str, line: &str) -> bool {
    let indent = |s: &str| s.len() - s.trim_start().len();
    let (prev_text, text) = (prev.trim_start(), line.trim_start());
    if text.is_empty() || prev_text.is_empty() || indent(prev) != indent(line) {
        return false;
    }
    if prev.starts_with("//!") {
        return !line.starts_with("//!");
    }
    let starts_item = ["///", "#[", "pub ", "fn ", "impl", "const ", "type ", "struct ", "enum ", "mod ", "::"]
        .iter()
        .any(|p| text.starts_with(p));
    let closes_block = prev_text == "}" || prev_text == "];";
    let ends_top_level_item =
        indent(prev) == 0 && !prev.starts_with(['/', '#']) && (prev.ends_with("{}") || prev.ends_with(';'));
    starts_item && (closes_block || ends_top_level_item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_lines_join_paragraphs() {
        assert_eq!(doc_lines(&["One.".into(), "Two.\n\nThree.".into()]), vec![" One.", "", " Two.", "", " Three."]);
    }

    #[test]
    fn items_get_a_blank_line_between_them() {
        let source =
            "//! Docs.\npub mod a;\npub mod b;\nstruct A {\n    x: i32,\n}\nimpl T for A {}\n/// Doc\nenum B {}\n";
        let spaced = "//! Docs.\n\npub mod a;\n\npub mod b;\n\nstruct A {\n    x: i32,\n}\n\nimpl T for A {}\n\n/// Doc\nenum B {}\n";
        assert_eq!(space_items(source), spaced);
        let methods = "impl A {\n    fn a() {\n        x;\n        y;\n    }\n    /// B\n    fn b() {}\n}\n";
        assert_eq!(
            space_items(methods),
            "impl A {\n    fn a() {\n        x;\n        y;\n    }\n\n    /// B\n    fn b() {}\n}\n"
        );
        let arms = "match x {\n    A => {\n        a\n    }\n    B => b,\n}\n";
        assert_eq!(space_items(arms), arms);
    }
}
