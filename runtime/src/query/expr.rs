//! Typed `$filter` and `$orderby` expressions.
//!
//! Every generated structured type has a `…Props` struct of [`Prop`]s, one per property, typed
//! by what the property holds, which [`Structured::PROPS`](super::Structured::PROPS) gives to the
//! closures of [`Query::filter`](super::Query::filter) and friends:
//!
//! | the property | its `Prop` | what it offers |
//! |---|---|---|
//! | primitive or enum, `Nullable="false"` / `"true"` | `Prop<T>` / `Prop<Option<T>>` | `eq`, `ne`, `is_in`; `lt` … `ge` for ordered types; string, date and time functions; `has` for flags; `is_null` when nullable; `asc`, `desc` |
//! | complex | `Prop<S>` / `Prop<Option<S>>` | [`then`](Prop::then) to a property of `S` |
//! | collection of complex | `Prop<Vec<S>>` | `any`, `all` over `S`'s props |
//! | collection of primitives or enums | `Prop<Values<T>>` | `any`, `all` over the item |
//! | single-valued navigation | `Prop<One<E>>` | `then`, `is_null`, `expand`, navigation |
//! | collection-valued navigation | `Prop<Many<E>>` | `any`, `all`, `expand`, navigation |
//!
//! So a filter is a Rust expression, checked by the compiler: comparing a date with a string, or
//! asking a non-nullable property whether it is null, does not compile. Literals are written by
//! [`Literal`](super::Literal), paths as OData writes them (`address/city`), lambda variables
//! numbered by depth (`x0`, `x1`).

use std::fmt::{self, Write as _};
use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use bigdecimal::BigDecimal;
use time::{Date, OffsetDateTime, Time};

use super::literal::Literal;
use crate::edm::{EnumMember, Flags};
use crate::error::Error;

/// How many segments a property path may have (`a/b/c/…`); a deeper path is an error when the
/// query is sent.
pub const MAX_PATH_DEPTH: usize = 8;

/// A property path: up to [`MAX_PATH_DEPTH`] names, `Copy` so that a `…Props` struct hands out
/// its paths by value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Path {
    segments: [&'static str; MAX_PATH_DEPTH],
    len: u8,
    /// A join went past the maximum depth.
    overflow: bool,
}

impl Path {
    /// The lambda variable itself (no segment).
    const IT: Path = Path { segments: [""; MAX_PATH_DEPTH], len: 0, overflow: false };

    pub(crate) const fn one(name: &'static str) -> Path {
        let mut segments = [""; MAX_PATH_DEPTH];
        segments[0] = name;
        Path { segments, len: 1, overflow: false }
    }

    fn join(self, rest: Path) -> Path {
        let mut out = self;
        for &segment in rest.segments() {
            match out.segments.get_mut(usize::from(out.len)) {
                Some(slot) => {
                    *slot = segment;
                    out.len += 1;
                }
                None => out.overflow = true,
            }
        }
        out.overflow |= rest.overflow;
        out
    }

    pub(crate) fn segments(&self) -> &[&'static str] {
        &self.segments[..usize::from(self.len)]
    }

    fn check(&self) -> Result<(), Error> {
        match self.overflow {
            true => Err(Error::InvalidQuery(format!(
                "a property path deeper than {MAX_PATH_DEPTH} segments ({}/…)",
                self.segments().join("/")
            ))),
            false => Ok(()),
        }
    }

    /// `prefix/a/b`, or `prefix` alone for the variable itself.
    fn render(&self, prefix: Option<&str>, out: &mut String) {
        let mut first = true;
        for part in prefix.into_iter().chain(self.segments().iter().copied()) {
            if !first {
                out.push('/');
            }
            out.push_str(part);
            first = false;
        }
    }
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments().join("/"))
    }
}

/// A property of a structured type, typed by what it holds (see the [module docs](self)).
pub struct Prop<T> {
    path: Path,
    _holds: PhantomData<fn() -> T>,
}

impl<T> Clone for Prop<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Prop<T> {}

impl<T> fmt::Debug for Prop<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Prop({:?})", self.path)
    }
}

impl<T> Prop<T> {
    /// The property with this wire name (generated `…Props` constants use it).
    pub const fn new(name: &'static str) -> Self {
        Prop { path: Path::one(name), _holds: PhantomData }
    }

    const fn at(path: Path) -> Self {
        Prop { path, _holds: PhantomData }
    }

    /// The path as OData writes it (`address/city`).
    pub fn path(&self) -> String {
        self.path.segments().join("/")
    }

    pub(crate) fn raw_path(&self) -> Path {
        self.path
    }

    fn node(self) -> Node {
        Node::Path(self.path)
    }
}

/// Marks a single-valued navigation property to entities of `E` (see [`Prop`]).
#[derive(Debug)]
pub struct One<E>(PhantomData<fn() -> E>);

/// Marks a collection-valued navigation property to entities of `E` (see [`Prop`]).
#[derive(Debug)]
pub struct Many<E>(PhantomData<fn() -> E>);

/// Marks a collection of primitive or enum values of `T` (see [`Prop`]).
#[derive(Debug)]
pub struct Values<T>(PhantomData<fn() -> T>);

/// Marks a stream property (`Edm.Stream`), read with
/// [`Single::read_stream`](super::Single::read_stream) (see [`Prop`]).
#[derive(Debug)]
pub enum StreamProperty {}

/// A property type whose values can be compared: `eq`, `ne`, `is_in` (primitive and enum types,
/// nullable or not).
pub trait Operand {
    /// The Rust value compared with (`String` for a nullable string property).
    type Value: Literal;
}

/// An [`Operand`] with an order: `lt`, `le`, `gt`, `ge`, `asc`, `desc`.
pub trait Ordered: Operand {}

/// A string property (`contains`, `starts_with`, `to_lower`, …).
pub trait Textual: Operand {}

/// A property with a date part (`year`, `month`, `day`).
pub trait HasDate: Operand {}

/// A property with a time part (`hour`, `minute`, `second`).
pub trait HasTime: Operand {}

macro_rules! operands {
    ($($ty:ty: $($marker:ident),*;)*) => {$(
        impl Operand for $ty {
            type Value = $ty;
        }
        $(impl $marker for $ty {})*
    )*};
}

operands! {
    bool: ;
    u8: Ordered;
    i8: Ordered;
    i16: Ordered;
    i32: Ordered;
    i64: Ordered;
    f32: Ordered;
    f64: Ordered;
    BigDecimal: Ordered;
    String: Ordered, Textual;
    uuid::Uuid: Ordered;
    Date: Ordered, HasDate;
    OffsetDateTime: Ordered, HasDate, HasTime;
    Time: Ordered, HasTime;
    time::Duration: Ordered;
    Vec<u8>: ;
}

impl<T: Operand> Operand for Option<T> {
    type Value = T::Value;
}

impl<T: Ordered> Ordered for Option<T> {}
impl<T: Textual> Textual for Option<T> {}
impl<T: HasDate> HasDate for Option<T> {}
impl<T: HasTime> HasTime for Option<T> {}

impl<E: EnumMember> Operand for E {
    type Value = E;
}

impl<E: EnumMember> Operand for Flags<E> {
    type Value = Flags<E>;
}

/// A structured type (implemented by the generated code for each entity and complex type): its
/// properties, for typed queries.
pub trait Structured: 'static {
    /// The generated `…Props` struct: one [`Prop`] per property.
    type Props;
    /// The properties.
    const PROPS: Self::Props;
    /// What writes leave out (generated where the type has navigation, computed or immutable
    /// properties).
    const WRITE_RULES: super::WriteRules = super::WriteRules::NONE;
}

/// A property that leads to the properties of a structured type: a complex property, nullable
/// or not, or a single-valued navigation property.
pub trait Leads {
    /// The structured type led to.
    type To: Structured;
}

impl<S: Structured> Leads for S {
    type To = S;
}

impl<S: Structured> Leads for Option<S> {
    type To = S;
}

impl<E: Structured> Leads for One<E> {
    type To = E;
}

impl<T: Leads> Prop<T> {
    /// The property `pick` chooses of the structured type this property leads to, reached
    /// through it: `address/city`, `manager/displayName`.
    pub fn then<U>(self, pick: impl FnOnce(<T::To as Structured>::Props) -> Prop<U>) -> Prop<U> {
        Prop::at(self.path.join(pick(T::To::PROPS).path))
    }
}

/// A typed value inside an expression: a property, a function of one, or a literal.
pub struct Value<T> {
    node: Node,
    _holds: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value({:?})", self.node)
    }
}

impl<T> Clone for Value<T> {
    fn clone(&self) -> Self {
        Value { node: self.node.clone(), _holds: PhantomData }
    }
}

impl<T> Value<T> {
    fn of(node: Node) -> Self {
        Value { node, _holds: PhantomData }
    }
}

impl<T> From<Prop<T>> for Value<T> {
    fn from(prop: Prop<T>) -> Self {
        Value::of(prop.node())
    }
}

fn literal(value: &impl Literal) -> Node {
    match value.literal() {
        Ok(text) => Node::Literal(text),
        Err(error) => Node::Invalid(error.to_string()),
    }
}

fn compare(op: &'static str, left: Node, right: Node) -> Expr {
    Expr(Node::Binary(op, Box::new(left), Box::new(right)))
}

fn call(name: &'static str, args: Vec<Node>) -> Node {
    Node::Call(name, args)
}

/// The comparisons, written once for [`Prop`] and [`Value`].
macro_rules! comparisons {
    ($($ty:ident),*) => {$(
        impl<T: Operand> $ty<T> {
            /// `self eq value`.
            pub fn eq(self, value: impl Into<T::Value>) -> Expr {
                compare("eq", Value::from(self).node, literal(&value.into()))
            }

            /// `self ne value`.
            pub fn ne(self, value: impl Into<T::Value>) -> Expr {
                compare("ne", Value::from(self).node, literal(&value.into()))
            }

            /// `self in (a, b, …)`; an empty list matches nothing.
            pub fn is_in<V: Into<T::Value>>(self, values: impl IntoIterator<Item = V>) -> Expr {
                let values: Vec<Node> = values.into_iter().map(|v| literal(&v.into())).collect();
                if values.is_empty() {
                    return Expr(Node::Literal("false".to_owned()));
                }
                Expr(Node::In(Box::new(Value::from(self).node), values))
            }

            /// `self eq other` for two values of the same type (e.g. two properties).
            pub fn eq_value(self, other: impl Into<Value<T>>) -> Expr {
                compare("eq", Value::from(self).node, other.into().node)
            }
        }

        impl<T: Ordered> $ty<T> {
            /// `self lt value`.
            pub fn lt(self, value: impl Into<T::Value>) -> Expr {
                compare("lt", Value::from(self).node, literal(&value.into()))
            }

            /// `self le value`.
            pub fn le(self, value: impl Into<T::Value>) -> Expr {
                compare("le", Value::from(self).node, literal(&value.into()))
            }

            /// `self gt value`.
            pub fn gt(self, value: impl Into<T::Value>) -> Expr {
                compare("gt", Value::from(self).node, literal(&value.into()))
            }

            /// `self ge value`.
            pub fn ge(self, value: impl Into<T::Value>) -> Expr {
                compare("ge", Value::from(self).node, literal(&value.into()))
            }
        }

        impl<T: Textual> $ty<T> {
            /// `contains(self, text)` (case-sensitive on most services).
            pub fn contains(self, text: impl Into<String>) -> Expr {
                Expr(call("contains", vec![Value::from(self).node, literal(&text.into())]))
            }

            /// `startswith(self, text)`.
            pub fn starts_with(self, text: impl Into<String>) -> Expr {
                Expr(call("startswith", vec![Value::from(self).node, literal(&text.into())]))
            }

            /// `endswith(self, text)`.
            pub fn ends_with(self, text: impl Into<String>) -> Expr {
                Expr(call("endswith", vec![Value::from(self).node, literal(&text.into())]))
            }

            /// `tolower(self)`.
            pub fn to_lower(self) -> Value<T> {
                Value::of(call("tolower", vec![Value::from(self).node]))
            }

            /// `toupper(self)`.
            pub fn to_upper(self) -> Value<T> {
                Value::of(call("toupper", vec![Value::from(self).node]))
            }

            /// `length(self)`.
            pub fn length(self) -> Value<i32> {
                Value::of(call("length", vec![Value::from(self).node]))
            }
        }

        impl<T: HasDate> $ty<T> {
            /// `year(self)`.
            pub fn year(self) -> Value<i32> {
                Value::of(call("year", vec![Value::from(self).node]))
            }

            /// `month(self)`.
            pub fn month(self) -> Value<i32> {
                Value::of(call("month", vec![Value::from(self).node]))
            }

            /// `day(self)`.
            pub fn day(self) -> Value<i32> {
                Value::of(call("day", vec![Value::from(self).node]))
            }
        }

        impl<T: HasTime> $ty<T> {
            /// `hour(self)`.
            pub fn hour(self) -> Value<i32> {
                Value::of(call("hour", vec![Value::from(self).node]))
            }

            /// `minute(self)`.
            pub fn minute(self) -> Value<i32> {
                Value::of(call("minute", vec![Value::from(self).node]))
            }

            /// `second(self)`.
            pub fn second(self) -> Value<i32> {
                Value::of(call("second", vec![Value::from(self).node]))
            }
        }
    )*};
}

comparisons!(Prop, Value);

impl<T: Operand> Prop<Option<T>> {
    /// `self eq null`.
    pub fn is_null(self) -> Expr {
        compare("eq", self.node(), Node::Literal("null".to_owned()))
    }

    /// `self ne null`.
    pub fn is_not_null(self) -> Expr {
        compare("ne", self.node(), Node::Literal("null".to_owned()))
    }
}

impl<S: Structured> Prop<One<S>> {
    /// `self eq null`: no related entity.
    pub fn is_null(self) -> Expr {
        compare("eq", self.node(), Node::Literal("null".to_owned()))
    }

    /// `self ne null`.
    pub fn is_not_null(self) -> Expr {
        compare("ne", self.node(), Node::Literal("null".to_owned()))
    }
}

/// `has` on flags enum properties.
impl<E: EnumMember> Prop<Flags<E>> {
    /// `self has NS.Type'Member'`.
    pub fn has(self, member: E) -> Expr {
        compare("has", self.node(), literal(&member))
    }
}

impl<E: EnumMember> Prop<Option<Flags<E>>> {
    /// `self has NS.Type'Member'`.
    pub fn has(self, member: E) -> Expr {
        compare("has", self.node(), literal(&member))
    }
}

/// `any` and `all` over a collection, whose items `body` sees as the lambda variable.
fn lambda(path: Path, kind: &'static str, body: Option<Expr>) -> Expr {
    Expr(Node::Lambda { path, kind, body: body.map(|b| Box::new(b.0)) })
}

impl<S: Structured> Prop<Vec<S>> {
    /// `self/any(x: …)`: some item matches; `body` gets the items' properties.
    pub fn any(self, body: impl FnOnce(S::Props) -> Expr) -> Expr {
        lambda(self.path, "any", Some(body(S::PROPS)))
    }

    /// `self/all(x: …)`: every item matches.
    pub fn all(self, body: impl FnOnce(S::Props) -> Expr) -> Expr {
        lambda(self.path, "all", Some(body(S::PROPS)))
    }

    /// `self/any()`: the collection is not empty.
    pub fn is_not_empty(self) -> Expr {
        lambda(self.path, "any", None)
    }
}

impl<S: Structured> Prop<Many<S>> {
    /// `self/any(x: …)`: some related entity matches; `body` gets its properties.
    pub fn any(self, body: impl FnOnce(S::Props) -> Expr) -> Expr {
        lambda(self.path, "any", Some(body(S::PROPS)))
    }

    /// `self/all(x: …)`: every related entity matches.
    pub fn all(self, body: impl FnOnce(S::Props) -> Expr) -> Expr {
        lambda(self.path, "all", Some(body(S::PROPS)))
    }

    /// `self/any()`: there is a related entity.
    pub fn is_not_empty(self) -> Expr {
        lambda(self.path, "any", None)
    }
}

impl<T: Operand> Prop<Values<T>> {
    /// `self/any(x: …)`: some value matches; `body` gets the value.
    pub fn any(self, body: impl FnOnce(Prop<T>) -> Expr) -> Expr {
        lambda(self.path, "any", Some(body(Prop::at(Path::IT))))
    }

    /// `self/all(x: …)`: every value matches.
    pub fn all(self, body: impl FnOnce(Prop<T>) -> Expr) -> Expr {
        lambda(self.path, "all", Some(body(Prop::at(Path::IT))))
    }

    /// `self/any()`: the collection is not empty.
    pub fn is_not_empty(self) -> Expr {
        lambda(self.path, "any", None)
    }
}

/// A Boolean expression: a `$filter`, or a part of one. Combine with `&`, `|` and `!` (or
/// [`and`](Expr::and), [`or`](Expr::or), [`not`](Expr::not)).
#[derive(Clone)]
pub struct Expr(Node);

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_odata() {
            Ok(text) => write!(f, "Expr({text})"),
            Err(error) => write!(f, "Expr(invalid: {error})"),
        }
    }
}

impl Expr {
    /// **Escape hatch**: an unchecked expression, written as is (in parentheses).
    pub fn raw(text: impl Into<String>) -> Expr {
        Expr(Node::Raw(text.into()))
    }

    /// `self and other`.
    pub fn and(self, other: Expr) -> Expr {
        compare("and", self.0, other.0)
    }

    /// `self or other`.
    pub fn or(self, other: Expr) -> Expr {
        compare("or", self.0, other.0)
    }

    /// `not self`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr {
        Expr(Node::Not(Box::new(self.0)))
    }

    /// The expression as OData writes it, or why it cannot be written.
    pub fn to_odata(&self) -> Result<String, Error> {
        let mut out = String::new();
        self.0.render(None, 0, Precedence::Lowest, &mut out)?;
        Ok(out)
    }

    /// Whether the expression, written into a larger one joined by `and`, needs parentheses.
    pub(crate) fn is_disjunction(&self) -> bool {
        matches!(&self.0, Node::Binary("or", ..) | Node::Raw(_))
    }

    /// The property paths the expression uses at its root (not inside lambdas), for the
    /// service's filter restrictions.
    pub(crate) fn root_paths(&self) -> Vec<Path> {
        let mut paths = Vec::new();
        self.0.root_paths(&mut paths);
        paths
    }
}

impl BitAnd for Expr {
    type Output = Expr;

    fn bitand(self, other: Expr) -> Expr {
        self.and(other)
    }
}

impl BitOr for Expr {
    type Output = Expr;

    fn bitor(self, other: Expr) -> Expr {
        self.or(other)
    }
}

impl Not for Expr {
    type Output = Expr;

    fn not(self) -> Expr {
        Expr::not(self)
    }
}

/// An expression tree.
#[derive(Debug, Clone)]
enum Node {
    /// A property path, relative to the query's entity or to the lambda variable.
    Path(Path),
    /// A literal, already written.
    Literal(String),
    /// A value that has no literal (e.g. a date outside the years 1 to 9999): an error when the
    /// query is sent.
    Invalid(String),
    Call(&'static str, Vec<Node>),
    /// `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `has`, `and`, `or`.
    Binary(&'static str, Box<Node>, Box<Node>),
    Not(Box<Node>),
    In(Box<Node>, Vec<Node>),
    /// `path/any(x: body)`, `path/all(x: body)`, `path/any()`.
    Lambda {
        path: Path,
        kind: &'static str,
        body: Option<Box<Node>>,
    },
    Raw(String),
}

/// Binding strength, weakest first: what decides the parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Lowest,
    Or,
    And,
    Comparison,
    Unary,
}

fn precedence(op: &str) -> Precedence {
    match op {
        "or" => Precedence::Or,
        "and" => Precedence::And,
        _ => Precedence::Comparison,
    }
}

impl Node {
    /// Writes the node; `var` is the innermost lambda variable (paths are relative to it),
    /// `depth` the number of enclosing lambdas, `context` the binding strength around the node.
    fn render(&self, var: Option<&str>, depth: usize, context: Precedence, out: &mut String) -> Result<(), Error> {
        match self {
            Node::Path(path) => {
                path.check()?;
                path.render(var, out);
            }
            Node::Literal(text) => out.push_str(text),
            Node::Invalid(message) => return Err(Error::InvalidQuery(message.clone())),
            Node::Raw(text) => {
                out.push('(');
                out.push_str(text);
                out.push(')');
            }
            Node::Call(name, args) => {
                out.push_str(name);
                out.push('(');
                for (index, arg) in args.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    arg.render(var, depth, Precedence::Lowest, out)?;
                }
                out.push(')');
            }
            Node::Binary(op, left, right) => {
                let own = precedence(op);
                let parenthesize =
                    own < context || (own == Precedence::Comparison && context == Precedence::Comparison);
                if parenthesize {
                    out.push('(');
                }
                left.render(var, depth, own, out)?;
                let _ = write!(out, " {op} ");
                right.render(var, depth, own, out)?;
                if parenthesize {
                    out.push(')');
                }
            }
            Node::Not(inner) => {
                // Everything but a call, a lambda or raw text (already in parentheses) binds
                // weaker than `not`, and so parenthesizes itself.
                out.push_str("not ");
                inner.render(var, depth, Precedence::Unary, out)?;
            }
            Node::In(value, list) => {
                let parenthesize = context >= Precedence::Comparison;
                if parenthesize {
                    out.push('(');
                }
                value.render(var, depth, Precedence::Comparison, out)?;
                out.push_str(" in (");
                for (index, item) in list.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.render(var, depth, Precedence::Lowest, out)?;
                }
                out.push(')');
                if parenthesize {
                    out.push(')');
                }
            }
            Node::Lambda { path, kind, body } => {
                path.check()?;
                path.render(var, out);
                out.push('/');
                out.push_str(kind);
                out.push('(');
                if let Some(body) = body {
                    let name = format!("x{depth}");
                    let _ = write!(out, "{name}:");
                    body.render(Some(&name), depth + 1, Precedence::Lowest, out)?;
                }
                out.push(')');
            }
        }
        Ok(())
    }

    fn root_paths(&self, paths: &mut Vec<Path>) {
        match self {
            Node::Path(path) | Node::Lambda { path, .. } => paths.push(*path),
            Node::Call(_, args) => args.iter().for_each(|a| a.root_paths(paths)),
            Node::Binary(_, left, right) => {
                left.root_paths(paths);
                right.root_paths(paths);
            }
            Node::Not(inner) => inner.root_paths(paths),
            Node::In(value, list) => {
                value.root_paths(paths);
                list.iter().for_each(|a| a.root_paths(paths));
            }
            Node::Literal(_) | Node::Invalid(_) | Node::Raw(_) => {}
        }
    }
}

/// One `$orderby` item.
#[derive(Debug, Clone, Copy)]
pub struct OrderBy {
    pub(crate) path: Path,
    pub(crate) descending: bool,
}

impl OrderBy {
    pub(crate) fn render(&self, out: &mut String) -> Result<(), Error> {
        self.path.check()?;
        self.path.render(None, out);
        if self.descending {
            out.push_str(" desc");
        }
        Ok(())
    }
}

impl<T: Ordered> Prop<T> {
    /// Ascending order on this property.
    pub fn asc(self) -> OrderBy {
        OrderBy { path: self.path, descending: false }
    }

    /// Descending order on this property.
    pub fn desc(self) -> OrderBy {
        OrderBy { path: self.path, descending: true }
    }
}

impl IntoIterator for OrderBy {
    type Item = OrderBy;
    type IntoIter = std::iter::Once<OrderBy>;

    fn into_iter(self) -> Self::IntoIter {
        std::iter::once(self)
    }
}

/// Properties to `$select`: a [`Prop`], a tuple of them, or an array or `Vec` of
/// [`Selected`] (`prop.into()`).
pub trait Selection {
    /// Appends the selected paths.
    fn paths(self, out: &mut Vec<Selected>);
}

/// One selected property (any type), for lists of them.
#[derive(Debug, Clone, Copy)]
pub struct Selected(pub(crate) Path);

impl<T> From<Prop<T>> for Selected {
    fn from(prop: Prop<T>) -> Self {
        Selected(prop.path)
    }
}

impl<T> Selection for Prop<T> {
    fn paths(self, out: &mut Vec<Selected>) {
        out.push(Selected(self.path));
    }
}

impl Selection for Selected {
    fn paths(self, out: &mut Vec<Selected>) {
        out.push(self);
    }
}

impl<const N: usize> Selection for [Selected; N] {
    fn paths(self, out: &mut Vec<Selected>) {
        out.extend(self);
    }
}

impl Selection for Vec<Selected> {
    fn paths(self, out: &mut Vec<Selected>) {
        out.extend(self);
    }
}

macro_rules! tuple_selections {
    ($(($($part:ident $index:tt),+)),*) => {$(
        impl<$($part: Selection),+> Selection for ($($part,)+) {
            fn paths(self, out: &mut Vec<Selected>) {
                $(self.$index.paths(out);)+
            }
        }
    )*};
}

tuple_selections!(
    (A 0),
    (A 0, B 1),
    (A 0, B 1, C 2),
    (A 0, B 1, C 2, D 3),
    (A 0, B 1, C 2, D 3, E 4),
    (A 0, B 1, C 2, D 3, E 4, F 5),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
);

impl Selected {
    pub(crate) fn render(&self, out: &mut String) -> Result<(), Error> {
        self.0.check()?;
        self.0.render(None, out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    /// A hand-written structured type, as the generator writes them.
    struct Book;
    struct BookProps {
        id: Prop<i32>,
        title: Prop<Option<String>>,
        published: Prop<Option<Date>>,
        sold: Prop<OffsetDateTime>,
        author: Prop<One<Author>>,
        chapters: Prop<Many<Chapter>>,
        tags: Prop<Values<String>>,
        address: Prop<Option<Address>>,
    }
    impl Structured for Book {
        type Props = BookProps;
        const PROPS: BookProps = BookProps {
            id: Prop::new("ID"),
            title: Prop::new("title"),
            published: Prop::new("published"),
            sold: Prop::new("soldAt"),
            author: Prop::new("author"),
            chapters: Prop::new("chapters"),
            tags: Prop::new("tags"),
            address: Prop::new("address"),
        };
    }
    struct Author;
    struct AuthorProps {
        name: Prop<String>,
        books: Prop<Many<Book>>,
    }
    impl Structured for Author {
        type Props = AuthorProps;
        const PROPS: AuthorProps = AuthorProps { name: Prop::new("name"), books: Prop::new("books") };
    }
    struct Chapter;
    struct ChapterProps {
        pages: Prop<i32>,
    }
    impl Structured for Chapter {
        type Props = ChapterProps;
        const PROPS: ChapterProps = ChapterProps { pages: Prop::new("pages") };
    }
    struct Address;
    struct AddressProps {
        city: Prop<Option<String>>,
    }
    impl Structured for Address {
        type Props = AddressProps;
        const PROPS: AddressProps = AddressProps { city: Prop::new("city") };
    }

    fn text(expr: Expr) -> String {
        expr.to_odata().unwrap()
    }

    #[test]
    fn comparisons_write_typed_literals() {
        let b = Book::PROPS;
        assert_eq!(text(b.id.eq(201)), "ID eq 201");
        assert_eq!(text(b.title.eq("O'Brien")), "title eq 'O''Brien'");
        assert_eq!(text(b.published.ge(date!(2024 - 01 - 01))), "published ge 2024-01-01");
        assert_eq!(text(b.sold.lt(datetime!(2024-01-01 0:00 UTC))), "soldAt lt 2024-01-01T00:00:00Z");
        assert_eq!(text(b.title.is_null()), "title eq null");
        assert_eq!(text(b.id.is_in([1, 2, 3])), "ID in (1,2,3)");
        assert_eq!(text(b.id.is_in(Vec::<i32>::new())), "false");
        assert_eq!(text(b.title.to_lower().eq("x")), "tolower(title) eq 'x'");
        assert_eq!(text(b.title.length().gt(3)), "length(title) gt 3");
        assert_eq!(text(b.published.year().eq(2024)), "year(published) eq 2024");
        assert_eq!(text(b.sold.hour().le(12)), "hour(soldAt) le 12");
        assert_eq!(text(b.title.contains("a").not()), "not contains(title,'a')");
    }

    #[test]
    fn boolean_operators_parenthesize_by_precedence() {
        let b = Book::PROPS;
        assert_eq!(
            text(b.id.eq(1) & b.title.starts_with("A") | b.id.eq(2)),
            "ID eq 1 and startswith(title,'A') or ID eq 2"
        );
        assert_eq!(text(b.id.eq(1) & (b.id.eq(2) | b.id.eq(3))), "ID eq 1 and (ID eq 2 or ID eq 3)");
        assert_eq!(text(!(b.id.eq(1) | b.id.eq(2))), "not (ID eq 1 or ID eq 2)");
        assert_eq!(text(b.id.is_in([1]) & Expr::raw("x eq 1 or y eq 2")), "ID in (1) and (x eq 1 or y eq 2)");
    }

    #[test]
    fn paths_lead_through_complex_and_navigation_properties() {
        let b = Book::PROPS;
        assert_eq!(text(b.author.then(|a| a.name).eq("Emily")), "author/name eq 'Emily'");
        assert_eq!(text(b.address.then(|a| a.city).is_not_null()), "address/city ne null");
        assert_eq!(text(b.author.is_null()), "author eq null");
        assert_eq!(b.author.then(|a| a.name).path(), "author/name");
    }

    #[test]
    fn lambdas_number_their_variables() {
        let b = Book::PROPS;
        assert_eq!(text(b.chapters.any(|c| c.pages.gt(14))), "chapters/any(x0:x0/pages gt 14)");
        assert_eq!(text(b.tags.any(|t| t.eq("horror"))), "tags/any(x0:x0 eq 'horror')");
        assert_eq!(text(b.chapters.is_not_empty()), "chapters/any()");
        let nested = Author::PROPS.books.any(|book| book.chapters.all(|c| c.pages.lt(100)) & book.id.gt(1));
        assert_eq!(text(nested), "books/any(x0:x0/chapters/all(x1:x1/pages lt 100) and x0/ID gt 1)");
    }

    #[test]
    fn values_without_a_literal_and_deep_paths_are_errors_when_written() {
        let b = Book::PROPS;
        assert!(b.published.eq(date!(-0001 - 01 - 01)).to_odata().is_err());
        let mut deep = Book::PROPS.author.then(|a| a.books);
        for _ in 0..MAX_PATH_DEPTH {
            deep = Prop::at(deep.raw_path().join(Path::one("books")));
        }
        assert!(deep.is_not_empty().to_odata().is_err());
    }

    #[test]
    fn orderby_and_selection() {
        let b = Book::PROPS;
        let mut out = String::new();
        b.author.then(|a| a.name).desc().render(&mut out).unwrap();
        assert_eq!(out, "author/name desc");
        let mut selected = Vec::new();
        (b.id, b.title).paths(&mut selected);
        [b.id.into(), b.tags.into()].paths(&mut selected);
        let names: Vec<String> = selected.iter().map(|s| s.0.segments().join("/")).collect();
        assert_eq!(names, ["ID", "title", "ID", "tags"]);
        let roots: Vec<String> = (b.id.eq(1) & b.chapters.any(|c| c.pages.gt(1)))
            .root_paths()
            .iter()
            .map(|p| p.segments().join("/"))
            .collect();
        assert_eq!(roots, ["ID", "chapters"]);
    }
}
