//! The generator's golden outputs, one module per case in `../cases/`, compiled so that every
//! snapshot is checked by rustc and clippy. Regenerate with
//! `UPDATE_EXPECT=1 cargo test -p codegen --test goldens`.

#[rustfmt::skip]
pub mod annotations;
#[rustfmt::skip]
pub mod enums;
#[rustfmt::skip]
pub mod inheritance;
#[rustfmt::skip]
pub mod namespaces;
#[rustfmt::skip]
pub mod naming;
#[rustfmt::skip]
pub mod nullable;
#[rustfmt::skip]
pub mod recursive;
