//! Writes of the generated client against the bookshop served by SAP CAP (a server of its own,
//! so no other test file sees them): create, update, replace, delete, the stored state read back
//! after each; ETags (`Orders` has one, from its managed `modifiedAt`); deep insert through a
//! composition; `$batch` in both formats, change sets and `Content-ID` references.

use std::sync::OnceLock;

use bigdecimal::BigDecimal;
use cap_client::Collections;
use cap_client::books::Books;
use cap_client::orders::Orders;
use cap_client::types::OrderItems;
use cap_tests::Bookshop;
use odata_runtime::{Client, Error};

fn bookshop() -> Option<&'static Bookshop> {
    static SHOP: OnceLock<Option<Bookshop>> = OnceLock::new();
    SHOP.get_or_init(|| Bookshop::start("cap-tests/tests/writes.rs")).as_ref()
}

fn client(shop: &Bookshop) -> Client {
    Client::builder().service_root(&shop.catalog()).anonymous().build().unwrap()
}

fn book(id: i32, title: &str) -> Books {
    let mut book = Books::new(id);
    book.title = Some(title.to_owned());
    book.price = Some("9.99".parse().unwrap());
    book.stock = Some(3);
    book.genre = Some("Poetry".to_owned());
    book
}

#[tokio::test]
async fn create_update_replace_and_delete_read_back() {
    let Some(shop) = bookshop() else { return };
    let client = client(shop);
    let catalog = Collections::new(&client);

    let created = catalog.books().create(&book(900, "Ariel")).send().await.unwrap();
    assert_eq!(created.value.title.as_deref(), Some("Ariel"));
    let stored = catalog.books().key(900).require().await.unwrap();
    assert_eq!((stored.title.as_deref(), stored.stock), (Some("Ariel"), Some(3)));

    // Only the chosen properties travel; the others keep their stored values.
    let mut change = stored.clone();
    change.price = Some("12.50".parse().unwrap());
    change.stock = Some(999); // not chosen: not sent
    let update = catalog.books().key(900).update(&change, |b| b.price);
    assert_eq!(update.body(), br#"{"price":12.50}"#);
    update.send().await.unwrap();
    let stored = catalog.books().key(900).require().await.unwrap();
    assert_eq!(stored.price, Some("12.50".parse::<BigDecimal>().unwrap()));
    assert_eq!(stored.stock, Some(3));

    // A chosen `None` sets the property to null; one not chosen stays.
    let mut cleared = stored.clone();
    cleared.genre = None;
    catalog.books().key(900).update(&cleared, |b| b.genre).send().await.unwrap();
    let stored = catalog.books().key(900).require().await.unwrap();
    assert_eq!((stored.genre, stored.title.as_deref()), (None, Some("Ariel")));

    // Replace: every property, what is left out back to its default.
    let mut replacement = Books::new(900);
    replacement.title = Some("Ariel (restored)".to_owned());
    catalog.books().key(900).replace(&replacement).send().await.unwrap();
    let stored = catalog.books().key(900).require().await.unwrap();
    assert_eq!((stored.title.as_deref(), stored.price, stored.stock), (Some("Ariel (restored)"), None, None));

    catalog.books().key(900).delete().send().await.unwrap();
    assert!(catalog.books().key(900).get().await.unwrap().is_none());
    let gone = catalog.books().key(900).delete().send().await.unwrap_err();
    assert_eq!(gone.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn a_minimal_create_gives_the_location() {
    let Some(shop) = bookshop() else { return };
    let client = client(shop);
    let catalog = Collections::new(&client);
    let location = catalog.books().create(&book(901, "Birthday Letters")).minimal().send().await.unwrap();
    assert!(location.url.as_deref().is_some_and(|url| url.ends_with("Books(901)")), "{location:?}");
    assert!(catalog.books().key(901).get().await.unwrap().is_some());
}

fn order(customer: &str) -> Orders {
    let mut order = Orders::new(uuid::Uuid::new_v4());
    order.customer = Some(customer.to_owned());
    order.total = Some("10.00".parse().unwrap());
    order
}

#[tokio::test]
async fn etags_guard_updates_and_deletes() {
    let Some(shop) = bookshop() else { return };
    let client = client(shop);
    let orders = || Collections::new(&client).orders();

    let mut new = order("Currer Bell");
    new.created_by = Some("not sent: computed".to_owned());
    let create = orders().create(&new);
    assert!(!String::from_utf8_lossy(create.body()).contains("createdBy"), "computed properties are left out");
    let created = create.send().await.unwrap();
    let first = created.etag.clone().expect("Orders has an ETag");
    let id = created.value.id;

    let read = orders().key(id).get_tagged().await.unwrap().unwrap();
    assert_eq!(read.etag.as_deref(), Some(first.as_str()));
    let mut change = read.value.clone();
    change.customer = Some("Charlotte Brontë".to_owned());
    let written = orders().key(id).update(&change, |o| o.customer).if_match_tagged(&read).send().await.unwrap();
    let second = written.etag.expect("a new ETag");
    assert_ne!(second, first);

    // The first version is stale now: a typed 412, and nothing changed.
    let mut stale = change.clone();
    stale.customer = Some("Acton Bell".to_owned());
    let refused = orders().key(id).update(&stale, |o| o.customer).if_match(first.clone()).send().await.unwrap_err();
    assert!(matches!(refused, Error::PreconditionFailed { .. }), "{refused:?}");
    let stored = orders().key(id).require().await.unwrap();
    assert_eq!(stored.customer.as_deref(), Some("Charlotte Brontë"));
    let refused = orders().key(id).delete().if_match(first).send().await.unwrap_err();
    assert!(matches!(refused, Error::PreconditionFailed { .. }), "{refused:?}");

    // CAP requires If-Match on an entity with an ETag (428); `*` is any version.
    let required = orders().key(id).delete().send().await.unwrap_err();
    assert_eq!(required.status().map(|s| s.as_u16()), Some(428));
    orders().key(id).delete().if_match_any().send().await.unwrap();
    assert!(orders().key(id).get().await.unwrap().is_none());
}

#[tokio::test]
async fn a_deep_insert_creates_the_contained_items() {
    let Some(shop) = bookshop() else { return };
    let client = client(shop);
    let orders = || Collections::new(&client).orders();
    let mut new = order("Ellis Bell");
    for (book, quantity) in [(201, 2), (207, 1)] {
        let mut item = OrderItems::new(uuid::Uuid::new_v4());
        item.book_id = Some(book);
        item.quantity = Some(quantity);
        new.items.push(item);
    }
    let created = orders().create(&new).send().await.unwrap();
    let id = created.value.id;
    let items = orders().key(id).nav(|o| o.items).order_by(|i| i.book_id.asc()).collect_all().await.unwrap();
    let got: Vec<(Option<i32>, Option<i32>)> = items.iter().map(|i| (i.book_id, i.quantity)).collect();
    assert_eq!(got, [(Some(201), Some(2)), (Some(207), Some(1))]);

    // A contained item is created through its container's navigation property.
    let mut more = OrderItems::new(uuid::Uuid::new_v4());
    more.book_id = Some(251);
    more.quantity = Some(4);
    orders().key(id).nav(|o| o.items).create(&more).send().await.unwrap();
    assert_eq!(orders().key(id).nav(|o| o.items).collect_all().await.unwrap().len(), 3);
}

/// One batch of each kind: a read, a change set of two writes, a write on its own; then a
/// change set with a failing request; then a `Content-ID` reference. `multipart` picks the
/// format.
async fn batches(client: &Client, multipart: bool, base: i32, restocked: i32) {
    use odata_runtime::query::Batch;
    let catalog = Collections::new(client);
    let new_batch = || {
        let batch = Batch::new(client, None);
        if multipart { batch.multipart() } else { batch }
    };

    let mut batch = new_batch();
    let read = batch.read(catalog.books().key(201));
    let before = catalog.books().key(restocked).require().await.unwrap();
    let mut restock = before.clone();
    restock.stock = Some(before.stock.unwrap() + 1);
    let (created, updated) = batch.change_set(|set| {
        let created = set.write(catalog.books().create(&book(base, "Crow")));
        let updated = set.write(catalog.books().key(restocked).update(&restock, |b| b.stock));
        (created, updated)
    });
    let deleted = batch.write(catalog.books().key(base + 1).delete());
    let results = batch.send().await.unwrap();
    assert_eq!(results.get(&read).unwrap().unwrap().title.as_deref(), Some("Wuthering Heights"));
    assert_eq!(results.get(&created).unwrap().value.title.as_deref(), Some("Crow"));
    results.get(&updated).unwrap();
    assert_eq!(results.get(&deleted).unwrap_err().status().map(|s| s.as_u16()), Some(404), "no such book");
    assert_eq!(catalog.books().key(base).require().await.unwrap().title.as_deref(), Some("Crow"));
    assert_eq!(catalog.books().key(restocked).require().await.unwrap().stock, restock.stock);

    // One request of a change set fails: none of its writes stays.
    let mut batch = new_batch();
    let (kept, missing) = batch.change_set(|set| {
        let kept = set.write(catalog.books().create(&book(base + 2, "Gaudete")));
        let missing = set.write(catalog.books().key(99_999).update(&restock, |b| b.stock));
        (kept, missing)
    });
    let results = batch.send().await.unwrap();
    assert!(results.get(&missing).is_err());
    assert!(results.get(&kept).is_err(), "the change set failed as a whole");
    assert!(catalog.books().key(base + 2).get().await.unwrap().is_none(), "nothing of the change set was stored");

    // A later request of a change set addresses what an earlier one created, by Content-ID.
    let mut batch = new_batch();
    let mut item = OrderItems::new(uuid::Uuid::new_v4());
    item.book_id = Some(201);
    item.quantity = Some(7);
    let order = batch.change_set(|set| {
        let order = set.write(catalog.orders().create(&order("Anne Brontë")));
        set.write(set.created::<Orders, _>(&order).nav(|o| o.items).create(&item));
        order
    });
    let results = batch.send().await.unwrap();
    let id = results.get(&order).unwrap().value.id;
    let items = catalog.orders().key(id).nav(|o| o.items).collect_all().await.unwrap();
    assert_eq!(items.iter().map(|i| i.quantity).collect::<Vec<_>>(), [Some(7)]);
}

#[tokio::test]
async fn batches_in_the_json_format() {
    let Some(shop) = bookshop() else { return };
    batches(&client(shop), false, 920, 251).await;
}

#[tokio::test]
async fn batches_in_the_multipart_format() {
    let Some(shop) = bookshop() else { return };
    batches(&client(shop), true, 930, 252).await;
}
