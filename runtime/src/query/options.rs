//! The query options a request carries (`$select`, `$filter`, `$orderby`, `$expand`, `$top`,
//! `$skip`, `$count`), shared by collection queries, single-entity requests and the nested
//! options of an expanded navigation property (`$expand=books($select=title;$top=2)`).

use std::marker::PhantomData;

use super::caps::Asked;
use super::expr::{Expr, Many, One, OrderBy, Path, Prop, Selected, Selection, Structured};
use crate::error::Error;

/// The typed options of one request or expansion.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// `$select`, by typed property or by an entity set's `Field`.
    pub select: Vec<Selected>,
    pub filter: Vec<Expr>,
    pub order: Vec<OrderBy>,
    pub expand: Vec<Expand>,
    pub top: Option<u32>,
    pub skip: Option<u64>,
    pub count: bool,
}

impl Options {
    /// Whether no option is set.
    pub(crate) fn is_empty(&self) -> bool {
        self.select.is_empty()
            && self.filter.is_empty()
            && self.order.is_empty()
            && self.expand.is_empty()
            && self.top.is_none()
            && self.skip.is_none()
            && !self.count
    }

    /// `$select`'s value.
    fn select(&self) -> Result<Option<String>, Error> {
        if self.select.is_empty() {
            return Ok(None);
        }
        let mut names: Vec<String> = Vec::new();
        let mut push = |name: String| {
            if !names.contains(&name) {
                names.push(name);
            }
        };
        for selected in &self.select {
            let mut name = String::new();
            selected.render(&mut name)?;
            push(name);
        }
        Ok(Some(names.join(",")))
    }

    /// The typed filters, each parenthesized when it would bind weaker than `and`.
    pub(crate) fn filter_clauses(&self) -> Result<Vec<String>, Error> {
        self.filter
            .iter()
            .map(|expr| {
                let text = expr.to_odata()?;
                Ok(if expr.is_disjunction() && self.filter.len() > 1 { format!("({text})") } else { text })
            })
            .collect()
    }

    fn order(&self) -> Result<Option<String>, Error> {
        if self.order.is_empty() {
            return Ok(None);
        }
        let mut out = String::new();
        for (index, order) in self.order.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            order.render(&mut out)?;
        }
        Ok(Some(out))
    }

    fn expand(&self) -> Result<Option<String>, Error> {
        if self.expand.is_empty() {
            return Ok(None);
        }
        let items: Vec<String> = self.expand.iter().map(Expand::render).collect::<Result<_, _>>()?;
        Ok(Some(items.join(",")))
    }

    /// The options as query pairs, the `$filter` clauses `extra_filters` (the caller's raw and
    /// extension filters) joined after the typed ones.
    pub(crate) fn pairs(&self, extra_filters: Vec<String>) -> Result<Vec<(&'static str, String)>, Error> {
        let mut pairs = Vec::new();
        if let Some(select) = self.select()? {
            pairs.push(("$select", select));
        }
        let mut filters = self.filter_clauses()?;
        filters.extend(extra_filters);
        if !filters.is_empty() {
            pairs.push(("$filter", filters.join(" and ")));
        }
        if let Some(order) = self.order()? {
            pairs.push(("$orderby", order));
        }
        if let Some(expand) = self.expand()? {
            pairs.push(("$expand", expand));
        }
        if let Some(top) = self.top {
            pairs.push(("$top", top.to_string()));
        }
        if let Some(skip) = self.skip {
            pairs.push(("$skip", skip.to_string()));
        }
        if self.count {
            pairs.push(("$count", "true".to_owned()));
        }
        Ok(pairs)
    }

    /// What the options ask for, for the entity set's restrictions.
    pub(crate) fn asked<'a>(
        &'a self,
        filter_paths: &'a [Path],
        expand_paths: &'a [Path],
        order_paths: &'a [Path],
        unchecked_filter: bool,
    ) -> Asked<'a> {
        Asked {
            filter_paths,
            has_filter: !self.filter.is_empty() || unchecked_filter,
            unchecked_filter,
            order_paths,
            expand_paths,
            count: self.count,
            top: self.top.is_some(),
            skip: self.skip.is_some(),
            select: &self.select,
        }
    }

    /// The root paths of the typed filters, expansions and orderings.
    pub(crate) fn paths(&self) -> (Vec<Path>, Vec<Path>, Vec<Path>) {
        let filter = self.filter.iter().flat_map(Expr::root_paths).collect();
        let expand = self.expand.iter().map(|e| e.path).collect();
        let order = self.order.iter().map(|o| o.path).collect();
        (filter, expand, order)
    }
}

/// One `$expand` item: a navigation property with the options of its expansion.
#[derive(Debug, Clone)]
pub struct Expand {
    path: Path,
    options: Box<Options>,
}

impl Expand {
    /// `path($select=…;$filter=…;…)`.
    fn render(&self) -> Result<String, Error> {
        let mut out = String::new();
        Selected(self.path).render(&mut out)?;
        let nested = self.options.pairs(Vec::new())?;
        if !nested.is_empty() {
            let parts: Vec<String> = nested.into_iter().map(|(name, value)| format!("{name}={value}")).collect();
            out.push('(');
            out.push_str(&parts.join(";"));
            out.push(')');
        }
        Ok(out)
    }
}

impl IntoIterator for Expand {
    type Item = Expand;
    type IntoIter = std::iter::Once<Expand>;

    fn into_iter(self) -> Self::IntoIter {
        std::iter::once(self)
    }
}

/// The options of an expanded navigation property to entities of `E`.
pub struct ExpandOptions<E> {
    options: Options,
    _entity: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for ExpandOptions<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.options.fmt(f)
    }
}

impl<E: Structured> ExpandOptions<E> {
    /// Only these properties of the expanded entities (`$select`): a property, a tuple
    /// of them, or a list of [`Selected`].
    pub fn select_with<S: Selection>(mut self, pick: impl FnOnce(E::Props) -> S) -> Self {
        pick(E::PROPS).paths(&mut self.options.select);
        self
    }

    /// Only the expanded entities for which `condition` holds (`$filter`); joined with
    /// `and` to earlier filters.
    pub fn filter(mut self, condition: impl FnOnce(E::Props) -> Expr) -> Self {
        self.options.filter.push(condition(E::PROPS));
        self
    }

    /// The expanded entities in this order (`$orderby`).
    pub fn order_by<O: IntoIterator<Item = OrderBy>>(mut self, order: impl FnOnce(E::Props) -> O) -> Self {
        self.options.order.extend(order(E::PROPS));
        self
    }

    /// Expands navigation properties of the expanded entities too.
    pub fn expand<X: IntoIterator<Item = Expand>>(mut self, expand: impl FnOnce(E::Props) -> X) -> Self {
        self.options.expand.extend(expand(E::PROPS));
        self
    }

    /// At most `n` expanded entities (`$top`).
    pub fn top(mut self, n: u32) -> Self {
        self.options.top = Some(n);
        self
    }

    /// Skips the first `n` expanded entities (`$skip`).
    pub fn skip(mut self, n: u64) -> Self {
        self.options.skip = Some(n);
        self
    }

    /// Asks for the number of related entities (`$count=true`, read as
    /// `name@odata.count`).
    pub fn count(mut self) -> Self {
        self.options.count = true;
        self
    }
}

fn expand<E: Structured>(path: Path, options: impl FnOnce(ExpandOptions<E>) -> ExpandOptions<E>) -> Expand {
    let options = options(ExpandOptions { options: Options::default(), _entity: PhantomData }).options;
    Expand { path, options: Box::new(options) }
}

impl<E: Structured> Prop<One<E>> {
    /// `$expand` of this navigation property: the related entity comes in its row's field.
    pub fn expand(self) -> Expand {
        expand::<E>(self.raw_path(), |o| o)
    }

    /// `$expand` with options for the related entity (`select_with`, `expand`, …).
    pub fn expand_with(self, options: impl FnOnce(ExpandOptions<E>) -> ExpandOptions<E>) -> Expand {
        expand(self.raw_path(), options)
    }
}

impl<E: Structured> Prop<Many<E>> {
    /// `$expand` of this navigation property: the related entities come in their row's field.
    pub fn expand(self) -> Expand {
        expand::<E>(self.raw_path(), |o| o)
    }

    /// `$expand` with options for the related entities (`filter`, `order_by`, `top`, …).
    pub fn expand_with(self, options: impl FnOnce(ExpandOptions<E>) -> ExpandOptions<E>) -> Expand {
        expand(self.raw_path(), options)
    }
}
