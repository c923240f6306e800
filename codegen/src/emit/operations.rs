//! Operations → methods: the extension traits of entity types (and their impls for the
//! runtime's `Single` and `Query`), the imports' methods of `Collections`, and the prelude that
//! brings the traits into scope. Each method only names its operation and passes its parameters
//! to the runtime's `Call`; the work is the runtime's generic code.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Emitter, deprecated_allow, feature_cfg, gate_cfg, ident, outer_docs, path_tokens};
use crate::plan::{Gate, ModulePath, OperationPlan, OperationsTrait, Passing, Plan, ResultPlan, RustType, TypePath};

/// Clippy's `too_many_arguments` threshold (`self` included).
const MAX_ARGUMENTS: usize = 7;

/// What an operation method is called on.
enum Receiver {
    /// A trait method of a `Single` or `Query` (`self.binding()`).
    Bound,
    /// A method of `Collections` (`self.client`).
    Import,
}

impl Emitter<'_> {
    pub(super) fn operations_trait(&self, plan: &OperationsTrait, module: &ModulePath) -> TokenStream {
        let runtime = self.runtime();
        let name = ident(&plan.name);
        let binding = self.type_path(&plan.binding, module);
        let cfg = gate_cfg(plan.gate.as_ref());
        let allow = deprecated_allow(plan.deprecated || plan.operations.iter().any(|op| op.uses_deprecated));
        let methods = plan.operations.iter().map(|op| self.operation(op, module, &Receiver::Bound));
        let (what, implementor) = match plan.collection {
            false => ("one entity", quote!(#runtime::query::Single<'c, #binding>)),
            true => ("collections", quote!(#runtime::query::Query<'c, #binding, X, C>)),
        };
        let doc = format!(
            " The functions and actions bound to {what} of [`{}`] (and of its base types); in scope with the \
             version's `prelude`.",
            plan.binding.name
        );
        let impl_generics = match plan.collection {
            false => quote!(<'c>),
            true => quote!(<'c, X: #runtime::query::QueryExtension, C>),
        };
        let wrappers = plan.wrappers.iter().map(|(row, feature)| {
            let row = self.type_path(row, module);
            let feature = feature_cfg(feature.as_ref());
            let implementor = match plan.collection {
                false => quote!(#runtime::query::Single<'c, #row>),
                true => quote!(#runtime::query::Query<'c, #row, X, C>),
            };
            quote!(#cfg #feature #allow impl #impl_generics #name<'c> for #implementor {})
        });
        quote! {
            #[doc = #doc]
            #cfg
            #allow
            pub trait #name<'c>: #runtime::query::Binding<'c> {
                #(#methods)*
            }

            #cfg
            #allow
            impl #impl_generics #name<'c> for #implementor {}

            #(#wrappers)*
        }
    }

    /// The imports' methods of `Collections`.
    pub(super) fn imports(&self, plan: &Plan) -> TokenStream {
        let root = Vec::new();
        let methods = plan.imports.iter().map(|op| self.operation(op, &root, &Receiver::Import));
        quote!(#(#methods)*)
    }

    /// `pub mod prelude`, re-exporting every operations trait anonymously.
    pub(super) fn prelude(&self, plan: &Plan) -> TokenStream {
        let traits: Vec<TokenStream> = plan
            .modules
            .iter()
            .flat_map(|(module, items)| items.operations.iter().map(move |t| (module, t)))
            .map(|(module, operations)| {
                let path = self.type_path(
                    &TypePath { module: module.clone(), name: operations.name.clone() },
                    &vec!["prelude".to_owned()],
                );
                let cfg = gate_cfg(operations.gate.as_ref());
                // A trait in an entity set's module is gated with the whole module.
                let set = plan.entity_sets.iter().find(|set| [set.module.clone()] == module.as_slice());
                let module_cfg = feature_cfg(set.and_then(|set| set.feature.as_ref()));
                let allow = deprecated_allow(operations.deprecated);
                quote!(#cfg #module_cfg #allow pub use #path as _;)
            })
            .collect();
        if traits.is_empty() {
            return TokenStream::new();
        }
        quote! {
            /// The traits whose methods call the functions and actions bound to entities and
            /// collections: `use …::prelude::*;` brings them into scope.
            pub mod prelude {
                #(#traits)*
            }
        }
    }

    fn operation(&self, op: &OperationPlan, module: &ModulePath, receiver: &Receiver) -> TokenStream {
        let runtime = self.runtime();
        let docs = outer_docs(&op.docs);
        let method = ident(&op.method);
        let cfg = gates_cfg(&op.gates);
        let allow_deprecated = deprecated_allow(op.uses_deprecated);
        let allow_arguments =
            (op.parameters.len() + 1 > MAX_ARGUMENTS).then(|| quote!(#[allow(clippy::too_many_arguments)]));
        // The schema names the operation; `self` is taken by value whatever the name suggests.
        let convention =
            ["as_", "from_", "is_", "to_"].iter().any(|p| op.method.starts_with(p)) || op.method.ends_with("_mut");
        let allow_convention = convention.then(|| quote!(#[allow(clippy::wrong_self_convention)]));
        let parameters = op.parameters.iter().map(|p| {
            let name = ident(&p.name);
            let ty = self.parameter_type(&p.ty, p.optional, module);
            quote!(#name: #ty)
        });
        let arguments = op.parameters.iter().map(|p| {
            let name = ident(&p.name);
            let wire = &p.wire_name;
            let by_str = p.ty == STRING;
            let value = match (p.optional, by_str) {
                (false, false) => quote!(Some(&#name)),
                (false, true) => quote!(Some(#name)),
                (true, false) => quote!(#name.as_ref()),
                (true, true) => quote!(#name),
            };
            let adapter = p.ty.has_adapter().then(|| self.adapter_type(&p.ty));
            let call = match (p.passing, adapter) {
                (Passing::Inline, _) => quote!(inline),
                (Passing::Alias, None) => quote!(alias),
                (Passing::Body, None) => quote!(json),
                (Passing::Alias, Some(adapter)) => {
                    let adapter = path_tokens(&adapter);
                    quote!(alias_as::<#adapter, _>)
                }
                (Passing::Body, Some(adapter)) => {
                    let adapter = path_tokens(&adapter);
                    quote!(json_as::<#adapter, _>)
                }
            };
            quote!(.#call(#wire, #value))
        });
        let returned = self.result_type(&op.result, module);
        let path_name = &op.path_name;
        let constructor = match (receiver, op.action) {
            (Receiver::Bound, false) => quote!(function(self.binding(), #path_name)),
            (Receiver::Bound, true) => quote!(action(self.binding(), #path_name)),
            (Receiver::Import, action) => {
                let api_version = &self.api_version;
                let constructor = if action { quote!(action_import) } else { quote!(function_import) };
                quote!(#constructor(self.client, #api_version, #path_name))
            }
        };
        let (receiver, visibility) = match receiver {
            Receiver::Bound => (quote!(self), quote!()),
            Receiver::Import => (quote!(&self), quote!(pub)),
        };
        quote! {
            #docs
            #cfg
            #allow_deprecated
            #allow_arguments
            #allow_convention
            #visibility fn #method(#receiver, #(#parameters),*) -> #returned {
                #runtime::query::Call::#constructor #(#arguments)* .finish()
            }
        }
    }

    /// A parameter's type in the signature: `&str` for a string, `Option<…>` when optional.
    fn parameter_type(&self, ty: &RustType, optional: bool, module: &ModulePath) -> TokenStream {
        let inner = if *ty == STRING { quote!(&str) } else { self.rust_type(ty, module) };
        if optional { quote!(Option<#inner>) } else { inner }
    }

    fn result_type(&self, result: &ResultPlan, module: &ModulePath) -> TokenStream {
        let runtime = self.runtime();
        let adapted = |marker: TokenStream, ty: &RustType| {
            let rust = self.rust_type(ty, module);
            match ty.has_adapter() {
                true => {
                    let adapter = path_tokens(&self.adapter_type(ty));
                    quote!(#runtime::query::#marker<#rust, #adapter>)
                }
                false => quote!(#runtime::query::#marker<#rust>),
            }
        };
        let returns = match result {
            ResultPlan::Unit => quote!(#runtime::query::Unit),
            ResultPlan::Media => quote!(#runtime::query::Media),
            ResultPlan::Scalar(ty) => adapted(quote!(Scalar), ty),
            ResultPlan::List(ty) => adapted(quote!(List), ty),
            ResultPlan::Object(ty) => {
                let ty = self.rust_type(ty, module);
                quote!(#runtime::query::Object<#ty>)
            }
            ResultPlan::Single(path) => {
                let ty = self.type_path(path, module);
                return quote!(#runtime::query::Single<'c, #ty>);
            }
            ResultPlan::Query(path) => {
                let ty = self.type_path(path, module);
                return quote!(#runtime::query::Query<'c, #ty>);
            }
        };
        quote!(#runtime::query::Operation<'c, #returns>)
    }
}

const STRING: RustType = RustType::Scalar { path: "String", adapter: None };

/// `#[cfg(all(…))]` of several gates (each `any` of its features).
fn gates_cfg(gates: &[Gate]) -> TokenStream {
    match gates {
        [] => quote!(),
        [one] => gate_cfg(Some(one)),
        many => {
            let each = many.iter().map(|gate| {
                let features = &gate.0;
                quote!(any(#(feature = #features),*))
            });
            quote!(#[cfg(all(#(#each),*))])
        }
    }
}
