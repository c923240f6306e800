//! Functions, actions, singletons, stream properties and authentication of the generated client
//! (`cap-client`) against the bookshop served by SAP CAP (`cap/srv/catalog-service.cds` declares
//! each operation, `cap/srv/*.js` implements it). The tests that change data (orders, stock)
//! each use a book no other test reads.

use std::sync::OnceLock;

use bigdecimal::BigDecimal;
use cap_client::Collections;
use cap_client::prelude::*;
use cap_client::types::BookshopAddress;
use cap_tests::Bookshop;
use futures::TryStreamExt;
use odata_runtime::error::ErrorBody;
use odata_runtime::query::{Call, Operation, Scalar};
use odata_runtime::{Client, Error};
use time::macros::{date, datetime};

fn bookshop() -> Option<&'static Bookshop> {
    static SHOP: OnceLock<Option<Bookshop>> = OnceLock::new();
    SHOP.get_or_init(|| Bookshop::start("cap-tests/tests/operations.rs")).as_ref()
}

fn client(shop: &Bookshop) -> Client {
    Client::builder().service_root(&shop.catalog()).anonymous().build().unwrap()
}

fn address(street: &str, city: &str) -> BookshopAddress {
    let mut address = BookshopAddress::new();
    address.street = Some(street.to_owned());
    address.city = Some(city.to_owned());
    address
}

#[tokio::test]
async fn unbound_functions_take_literals_and_aliases_and_return_values() {
    let Some(shop) = bookshop() else { return };
    let client = client(shop);
    let catalog = Collections::new(&client);

    let sum = catalog.add(Some(40), Some(2));
    assert_eq!(sum.request_url().unwrap().path(), "/catalog/add(a=40,b=2)");
    assert_eq!(sum.send().await.unwrap(), Some(42));

    let numbers = catalog.sum_all(Some(vec![1, 2, 3, 4]));
    assert_eq!(numbers.request_url().unwrap().query(), Some("@nums=%5B1,2,3,4%5D"));
    assert_eq!(numbers.send().await.unwrap(), Some(10));

    let echoed = catalog.echo_address(Some(address("1 Main St", "Haworth"))).send().await.unwrap().unwrap();
    assert_eq!(echoed.street.as_deref(), Some("1 Main St"));
    assert_eq!(echoed.city.as_deref(), Some("Haworth"));
    assert_eq!(echoed.zip, None);

    let genres = catalog.genres().send().await.unwrap();
    assert_eq!(genres, ["Fiction", "NF", "Poetry"]);

    let addresses = catalog.author_addresses().send().await.unwrap();
    assert!(addresses.iter().any(|a| a.city.as_deref() == Some("Haworth")), "{addresses:?}");
}

#[tokio::test]
async fn every_primitive_kind_travels_as_a_literal_and_back() {
    let Some(shop) = bookshop() else { return };
    let client = client(shop);
    let guid = uuid::Uuid::parse_str("4f2b5a8e-0c1d-4f6e-9a7b-3c2d1e0f9a8b").unwrap();
    let price: BigDecimal = "12.34".parse().unwrap();
    let echoed = Collections::new(&client)
        .echo_types(
            Some("O'Brien & Söhne / 100%"),
            Some(date!(1847 - 10 - 16)),
            Some(datetime!(2024-01-02 03:04:05 +01:00)),
            Some(datetime!(2024-01-02 03:04:05.123 UTC)),
            Some(guid),
            Some(price.clone()),
            Some(true),
            Some(9_007_199_254_740_993),
            Some(1.5),
            Some("Poetry"),
        )
        .send()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(echoed.s.as_deref(), Some("O'Brien & Söhne / 100%"));
    assert_eq!(echoed.d, Some(date!(1847 - 10 - 16)));
    assert_eq!(echoed.dt, Some(datetime!(2024-01-02 02:04:05 UTC)));
    assert_eq!(echoed.ts, Some(datetime!(2024-01-02 03:04:05.123 UTC)));
    assert_eq!(echoed.g, Some(guid));
    assert_eq!(echoed.dec, Some(price));
    assert_eq!(echoed.b, Some(true));
    assert_eq!(echoed.i64, Some(9_007_199_254_740_993), "Int64 beyond f64's integers");
    assert_eq!(echoed.dbl, Some(1.5));
    assert_eq!(echoed.genre.as_deref(), Some("Poetry"));
}

#[tokio::test]
async fn a_function_returning_entities_is_a_query_read_across_its_pages() {
    let Some(shop) = bookshop() else { return };
    let client = client(shop);
    let catalog = Collections::new(&client);
    // The bookshop pages topBooks 3 books at a time.
    let top = catalog.top_books(Some(7));
    let pages: Vec<_> = top.pages().try_collect().await.unwrap();
    assert_eq!(pages.iter().map(|p| p.rows().len()).collect::<Vec<_>>(), [3, 3, 1]);
    let books = top.collect_all().await.unwrap();
    let prices: Vec<BigDecimal> = books.iter().map(|b| b.price.clone().unwrap()).collect();
    assert_eq!(books.len(), 7);
    assert!(prices.windows(2).all(|w| w[0] >= w[1]), "most expensive first: {prices:?}");

    let one = catalog.book_by_id(Some(201));
    assert_eq!(one.get().await.unwrap().unwrap().title.as_deref(), Some("Wuthering Heights"));
    // The function's result takes `$select` (which CAP reads, and ignores, for functions).
    let title = one.select_with(|b| b.title);
    assert_eq!(title.request_url().unwrap().query(), Some("$select=title"));
    let title: serde_json::Value = title.get_as().await.unwrap().unwrap();
    assert_eq!(title["title"], "Wuthering Heights");
    assert!(catalog.book_by_id(Some(999)).get().await.unwrap().is_none());
}

#[tokio::test]
async fn actions_send_a_json_body_and_return_what_the_service_says() {
    let Some(shop) = bookshop() else { return };
    let client = client(shop);
    let catalog = Collections::new(&client);
    catalog.noop().send().await.unwrap();

    let made = catalog.make_address(address("Top Withens", "Haworth"), vec!["moor".into(), "farm".into()]);
    assert_eq!(
        made.body(),
        Some(&br#"{"addr":{"street":"Top Withens","city":"Haworth","zip":null},"tags":["moor","farm"]}"#[..])
    );
    let made = made.send().await.unwrap().unwrap();
    assert_eq!(made.city.as_deref(), Some("Haworth|moor,farm"));

    // Book 252 belongs to this test.
    let stock = |book: cap_client::books::Books| book.stock.unwrap();
    let before = stock(catalog.books().key(252).require().await.unwrap());
    let order = catalog.submit_order(252, 5).send().await.unwrap().unwrap();
    assert_eq!(order.stock, Some(before - 5));
    assert_eq!(order.message.as_deref(), Some("ok"));
    let refused = catalog.submit_order(252, 1_000_000).send().await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(409));
    assert_eq!(stock(catalog.books().key(252).require().await.unwrap()), before - 5);

    let Error::Status(failure) = catalog.fail(418).send().await.unwrap_err() else { panic!("a status error") };
    assert_eq!(failure.status.as_u16(), 418);
    assert_eq!(failure.attempts, 1, "an action is not sent again after the service answered");
    match &failure.body {
        ErrorBody::OData { code, message } => {
            assert_eq!((code.as_str(), message.as_str()), ("MY_ERROR", "failed with 418"))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bound_operations_are_methods_of_entities_and_collections() {
    let Some(shop) = bookshop() else { return };
    let client = client(shop);
    let books = || Collections::new(&client).books();

    // Book 207 belongs to this test.
    let before = books().key(207).require().await.unwrap().stock.unwrap();
    let after = books().key(207).add_stock(3).send().await.unwrap().unwrap();
    assert_eq!(after.stock, Some(before + 3));
    assert_eq!(
        books().key(207).add_stock(3).request_url().unwrap().path(),
        "/catalog/Books(207)/CatalogService.addStock"
    );
    books().key(207).touch().send().await.unwrap();

    let price = books().key(201).price_with_tax(Some("10".parse().unwrap()));
    assert_eq!(price.request_url().unwrap().path(), "/catalog/Books(201)/CatalogService.priceWithTax(rate=10)");
    let list_price = books().key(201).require().await.unwrap().price.unwrap();
    let expected: BigDecimal = list_price * BigDecimal::from(11) / BigDecimal::from(10);
    assert_eq!(price.send().await.unwrap().unwrap(), expected.round(2));

    let available = books().filter(|b| b.available.eq(true)).count().await.unwrap();
    let counted = books().count_available().send().await.unwrap().unwrap();
    assert_eq!(u64::try_from(counted).unwrap(), available);

    let refused = books().top(1).count_available().send().await.unwrap_err();
    assert!(matches!(refused, Error::InvalidQuery(ref m) if m.contains("not to the collection")), "{refused}");
}

#[tokio::test]
async fn a_singleton_is_read_with_select_and_a_stream_property_as_bytes() {
    let Some(shop) = bookshop() else { return };
    let client = client(shop);
    let catalog = Collections::new(&client);
    let settings = catalog.settings().get().await.unwrap().unwrap();
    assert!(settings.site_name.is_some());
    let name: serde_json::Value = catalog.settings().select_with(|s| s.site_name).get_as().await.unwrap().unwrap();
    assert_eq!(name["siteName"].as_str(), settings.site_name.as_deref());

    let cover = catalog.covers().key(1).read_stream(|c| c.content).await.unwrap().unwrap();
    assert_eq!(cover.bytes, b"The cover of the first book.");
    assert_eq!(cover.content_type.as_deref(), Some("text/plain; charset=utf-8"));
    assert_eq!(catalog.covers().key(2).read_stream(|c| c.content).await.unwrap(), None, "no content: 204");
}

/// `whoami` of the admin service, through the runtime's generic call (no generated client).
async fn whoami(client: &Client) -> Result<Option<String>, Error> {
    let call: Operation<'_, Scalar<Option<String>>> = Call::function_import(client, None, "whoami").finish();
    call.send().await
}

#[tokio::test]
async fn basic_authentication_with_the_mocked_users() {
    let Some(shop) = bookshop() else { return };
    let as_user = |user: &str| Client::builder().service_root(&shop.admin()).basic_auth(user, user).build().unwrap();
    assert_eq!(whoami(&as_user("alice")).await.unwrap().as_deref(), Some("alice"));
    assert_eq!(whoami(&as_user("bob")).await.unwrap_err().status().map(|s| s.as_u16()), Some(403), "not an admin");
    let anonymous = Client::builder().service_root(&shop.admin()).anonymous().build().unwrap();
    assert_eq!(whoami(&anonymous).await.unwrap_err().status().map(|s| s.as_u16()), Some(401));
    let wrong = Client::builder().service_root(&shop.admin()).basic_auth("alice", "wrong").build().unwrap();
    assert_eq!(whoami(&wrong).await.unwrap_err().status().map(|s| s.as_u16()), Some(401));
}
