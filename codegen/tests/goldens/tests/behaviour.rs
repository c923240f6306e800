//! The golden output does what the generator promises when JSON goes through it: unknown enum
//! members are kept, flags round-trip, base types are flattened, recursion terminates, every Edm
//! type decodes, and hostile wire names map to their fields.

use codegen_goldens::{enums, inheritance, naming, nullable, recursive};
use odata_runtime::edm::EnumMember;
use odata_runtime::query::{EntitySet, Field};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Decodes `json`, checks that encoding and decoding again gives the same value, and returns it.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(json: &str) -> T {
    let value: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    let again: T = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
    assert_eq!(again, value);
    value
}

#[test]
fn enums_keep_unknown_members_and_flags_round_trip() {
    use enums::types::{Color, Permission, Priority};
    let item: enums::items::Item = round_trip(
        r#"{"Id": "9007199254740993", "Color": "purple", "Permissions": "Read,Write,Execute",
            "History": ["red", "unknownFutureValue"], "Nothing": "anything", "Priority": "High"}"#,
    );
    assert_eq!(item.id, 9_007_199_254_740_993);
    assert_eq!(item.color, Color::UnrecognizedValue("purple".to_owned()));
    assert_eq!(item.history, [Color::Red, Color::UnknownFutureValue]);
    let permissions = item.permissions.unwrap();
    assert_eq!(
        permissions.members(),
        [Permission::Read, Permission::Write, Permission::UnrecognizedValue("Execute".into())]
    );
    assert_eq!(permissions.bits(), None, "an unknown member has no value");
    assert_eq!(permissions.to_string(), "Read,Write,Execute");
    assert_eq!(item.priority, Some(Priority::High));
    assert_eq!(Priority::High.value(), Some(200));
    assert_eq!(Color::from_name("blue"), Color::Blue);
    assert_eq!(Color::Blue.to_string(), "blue");
    assert_eq!(enums::types::Empty::from_name("x").as_str(), "x");
}

#[test]
fn base_types_are_flattened_and_shared_entity_types_wrapped() {
    let user: inheritance::users::User = round_trip(
        r#"{"id": "u1", "deletedDateTime": null, "displayName": "Ada",
            "address": {"street": "Main", "city": "Basel", "postalCode": "4051"}}"#,
    );
    assert_eq!(user.id, "u1");
    let address = user.address.unwrap();
    assert_eq!((address.city.as_deref(), address.postal_code.as_deref()), (Some("Basel"), Some("4051")));
    // `directoryObject` backs two entity sets: each gets its own row wrapper and `EntitySet`.
    let row: inheritance::deleted_objects::DeletedObjectsRow = round_trip(r#"{"id": "d1"}"#);
    assert_eq!(row.0.id, "d1");
    assert_eq!(inheritance::deleted_objects::DeletedObjectsRow::NAME, "deletedObjects");
    assert_eq!(inheritance::directory_objects::DirectoryObjectsRow::NAME, "directoryObjects");
    assert_eq!(<inheritance::users::User as odata_runtime::Entity>::KEY, ["id"], "the key is inherited");
}

#[test]
fn recursive_types_decode_to_any_depth() {
    let node: recursive::types::Node = round_trip(
        r#"{"label": "a", "parent": {"label": "root"}, "children": [{"label": "b", "children": [{"label": "c"}]}]}"#,
    );
    assert_eq!(node.parent.unwrap().label.as_deref(), Some("root"));
    assert_eq!(node.children[0].children[0].label.as_deref(), Some("c"));
    let employee: recursive::employees::Employee = round_trip(
        r#"{"id": 1, "manager": {"id": 2}, "reports": [{"id": 3}], "department": {"id": 7, "head": {"id": 2}}}"#,
    );
    assert_eq!(employee.manager.unwrap().id, 2);
    assert_eq!(employee.department.unwrap().head.unwrap().id, 2);
}

#[test]
fn every_edm_type_decodes() {
    let sample: nullable::samples::Sample = round_trip(
        r#"{"id": "5f1c8f3e-2d6a-4b8e-9c1a-3e4f5a6b7c8d", "required": "x", "flag": true, "byte": 255, "sbyte": -128,
            "int16": -32768, "int32": 7, "int64": "-9223372036854775808", "single": "INF", "double": 0.5,
            "amount": 123456789012345678901234567890.1234567890, "date": "2025-03-10",
            "timestamp": "2018-02-21T23:18:51.3277273Z", "timeOfDay": "13:45:30.5", "duration": "P1DT2H",
            "payload": "AQID", "photo": null, "location": {"type": "Point", "coordinates": [7.6, 47.5]},
            "anything": [1, "two"], "tag": "blue", "counter": 42, "origin": {"x": 1, "y": 2},
            "corners": [{"x": 0, "y": 0}], "tags": ["a"], "readings": [1, "2"], "moments": ["2025-03-10T00:00:00Z"]}"#,
    );
    assert_eq!(sample.int64, i64::MIN);
    assert_eq!(sample.single, Some(f32::INFINITY));
    assert_eq!(sample.amount.unwrap().to_string(), "123456789012345678901234567890.1234567890");
    assert_eq!(sample.timestamp.nanosecond(), 327_727_300);
    assert_eq!(sample.payload.as_deref(), Some(&[1u8, 2, 3][..]));
    assert_eq!(sample.counter.0, 42);
    assert_eq!(sample.readings, [1, 2]);
    // Absent collections are empty; absent nullable values are None.
    let minimal: nullable::samples::Sample = round_trip(
        r#"{"id": "5f1c8f3e-2d6a-4b8e-9c1a-3e4f5a6b7c8d", "required": "x", "flag": false, "int64": 1,
            "timestamp": "2025-01-01T00:00:00Z", "counter": 0}"#,
    );
    assert!(minimal.corners.is_empty() && minimal.optional.is_none());
    // A required property that is missing is an error naming it.
    let error = serde_json::from_str::<nullable::samples::Sample>(r#"{"id": "5f1c8f3e-2d6a-4b8e-9c1a-3e4f5a6b7c8d"}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("missing field `required`"), "{error}");
}

#[test]
fn hostile_wire_names_map_to_their_fields() {
    let row: naming::all_types::AllTypesRow = round_trip(
        r#"{"self": 1, "type": "t", "crate": "c", "1stPlace": true, "odata.etag": "W/1", "$filter": "f",
            "Größe": 1.5, "String": {"Vec": "v", "Box": "b", "Result": "r"}, "Option": "Self",
            "deviceKey": 1, "DeviceKey": 2, "remote_Control": 3, "remoteControl": 4}"#,
    );
    let ty = row.0;
    assert_eq!((ty.self_, ty.type_.as_deref(), ty.filter.as_deref()), (1, Some("t"), Some("f")));
    assert_eq!(
        (ty.deviceKey, ty.DeviceKey, ty.remote_Control, ty.remote_control),
        (Some(1), Some(2), Some(3), Some(4))
    );
    assert_eq!(ty.option, Some(naming::types::Option_::Self_));
    assert_eq!(naming::all_types::TypeField::Filter.wire_name(), "$filter");
    assert_eq!(naming::types::Option_::remote_Control_Software.as_str(), "remote_Control_Software");
    assert_eq!(naming::types::Option_::RemoteControlSoftware.as_str(), "remoteControlSoftware");
}

#[test]
fn profile_markers_gate_service_specific_query_methods() {
    use codegen_goldens::profile;
    let client = odata_runtime::Client::builder()
        .service_root("https://books.example.com/odata")
        .bearer_token("t")
        .build()
        .unwrap();
    // Only `ledgerEntries` has the rule's marker, so only its query takes `stamped_since`.
    let since = time::macros::datetime!(2025-03-01 0:00 UTC);
    let query = codegen_goldens::stamped_since(profile::ledger_entries::query(&client), since);
    assert_eq!(
        query.request_url().unwrap().as_str(),
        "https://books.example.com/odata/ledgerEntries?$filter=stamp%20ge%202025-03-01T00:00:00.0000000Z"
    );
    let accounts = profile::Collections::new(&client).accounts();
    assert_eq!(accounts.request_url().unwrap().as_str(), "https://books.example.com/odata/accounts");
}

/// The generated `…Props` type every property, so that filters write typed literals: enums with
/// their qualified type name, flags with `has`, type definitions like their underlying type,
/// complex properties as paths, primitive collections with lambdas; keys as key predicates.
#[test]
fn typed_filters_and_keys_of_generated_types() {
    use enums::types::{Color, Permission};
    use odata_runtime::query::{Query, Structured};

    let client =
        odata_runtime::Client::builder().service_root("https://services.example.com/svc").anonymous().build().unwrap();
    let filter_of = |url: url::Url| url.query_pairs().find(|(k, _)| k == "$filter").map(|(_, v)| v.into_owned());
    let items = Query::<enums::items::Item>::new(&client, None)
        .filter(|i| i.color.eq(Color::Red) & i.permissions.has(Permission::Write))
        .filter(|i| i.history.any(|c| c.ne(Color::Blue)));
    assert_eq!(
        filter_of(items.request_url().unwrap()).as_deref(),
        Some(
            "Color eq Enums.color'red' and Permissions has Enums.Permission'Write' and History/any(x0:x0 ne Enums.color'blue')"
        )
    );

    let props = <nullable::samples::Sample as Structured>::PROPS;
    let origin_x = props.origin.then(|p| p.x).gt(1.5).to_odata().unwrap();
    assert_eq!(origin_x, "origin/x gt 1.5");
    let corners = props.corners.any(|p| p.y.lt(0.0)).to_odata().unwrap();
    assert_eq!(corners, "corners/any(x0:x0/y lt 0)");
    let tagged = props.tag.eq(nullable::types::Tag("x'y".to_owned())).to_odata().unwrap();
    assert_eq!(tagged, "tag eq 'x''y'", "a type definition is written as its underlying type");

    let sample = Query::<nullable::samples::Sample>::new(&client, None).key(uuid::Uuid::nil()).request_url().unwrap();
    assert_eq!(sample.path(), "/svc/samples(00000000-0000-0000-0000-000000000000)");
}

#[test]
fn operations_are_methods_that_address_their_call() {
    use codegen_goldens::operations::Collections;
    use codegen_goldens::operations::prelude::*;
    use codegen_goldens::operations::types::{Format, Shelf};
    use time::macros::date;

    let client =
        odata_runtime::Client::builder().service_root("https://lib.example.com/svc").anonymous().build().unwrap();
    let lib = Collections::new(&client);
    let path_and_query = |url: url::Url| url.as_str().trim_start_matches("https://lib.example.com/svc").to_owned();

    // Bound to an entity: inline literals, an optional one left out; the enum with its type.
    let excerpt = lib.books().key(7).excerpt_with_page_format(3, Some(Format::Ebook));
    assert_eq!(
        path_and_query(excerpt.request_url().unwrap()),
        "/books(7)/Lib.excerpt(page=3,format=Lib.Format'Ebook')"
    );
    let plain = lib.books().key(7).excerpt_with_page_format(3, None);
    assert_eq!(path_and_query(plain.request_url().unwrap()), "/books(7)/Lib.excerpt(page=3)");
    assert_eq!(path_and_query(lib.books().key(7).excerpt().request_url().unwrap()), "/books(7)/Lib.excerpt()");

    // Inherited from the base type, and rebound by the derived one.
    assert_eq!(path_and_query(lib.books().key(7).age().request_url().unwrap()), "/books(7)/Lib.age()");
    let mut shelf = Shelf::new("A".to_owned());
    shelf.tags = vec!["new".to_owned()];
    let relocated = lib.books().key(7).relocate(shelf.clone());
    assert_eq!(relocated.body(), Some(&br#"{"to":{"room":"A","row":null,"tags":["new"]}}"#[..]));
    assert!(lib.items().key(7).relocate(shelf).body().is_some());

    // Bound to a collection: aliases for collections; a composable function's result is a query.
    let search = lib.books().search(vec!["war & peace".to_owned()]).filter(|b| b.title.is_not_null()).top(5);
    assert_eq!(
        path_and_query(search.request_url().unwrap()),
        "/books/Lib.search(terms=@terms)?@terms=%5B%22war%20%26%20peace%22%5D&$filter=title%20ne%20null&$top=5"
    );
    assert_eq!(path_and_query(lib.books().count_function().request_url().unwrap()), "/books/Lib.count()");

    // Imports: named apart from the entity sets' accessors; decimals keep their digits.
    let report = lib.report(date!(2024 - 01 - 02), vec![Format::Print]);
    assert_eq!(
        path_and_query(report.request_url().unwrap()),
        "/report(since=2024-01-02,formats=@formats)?@formats=%5B%22Print%22%5D"
    );
    let reset = lib.reset(None, "12.50".parse().unwrap());
    assert_eq!(reset.body(), Some(&br#"{"amount":12.50}"#[..]));
    assert_eq!(path_and_query(reset.request_url().unwrap()), "/Reset");
    assert_eq!(path_and_query(lib.books_function().request_url().unwrap()), "/Books()");
}

#[test]
fn an_update_sends_the_whole_properties_chosen_and_refuses_a_member_of_one() {
    use odata_runtime::query::Query;

    let client =
        odata_runtime::Client::builder().service_root("https://services.example.com/svc").anonymous().build().unwrap();
    let sample: nullable::samples::Sample = round_trip(
        r#"{"id": "5f1c8f3e-2d6a-4b8e-9c1a-3e4f5a6b7c8d", "required": "x", "flag": false, "int64": 1,
            "timestamp": "2025-01-01T00:00:00Z", "counter": 0, "origin": {"x": 1, "y": 2}}"#,
    );
    let one = || Query::<nullable::samples::Sample>::new(&client, None).key(uuid::Uuid::nil());
    let whole = one().update(&sample, |s| (s.origin, s.optional));
    assert_eq!(String::from_utf8_lossy(whole.body()), r#"{"optional":null,"origin":{"x":1.0,"y":2.0}}"#);
    // `origin/x` alone would send `origin/y` as this row has it, not as the service does.
    let member = one().update(&sample, |s| s.origin.then(|p| p.x)).request_url().unwrap_err().to_string();
    assert!(member.contains("origin/x is inside a complex property"), "{member}");
}
