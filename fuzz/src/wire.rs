//! What the service sends: a page body → rows of a generated row type, and next links and
//! cursors. Included by `generated-client/tests/fuzz_regressions.rs` too, so it uses the
//! runtime, the generated client, `serde_json` and `url` only.

use intune_dw_client::v1_0::devices::Device;
use odata_runtime::paging::{Cursor, decode_page, resolve_next_link};
use url::Url;

const ROOT: &str = "https://fef.msua06.manage.microsoft.com/ReportingService/DataWarehouseFEService";

fn page_url() -> Url {
    Url::parse(&format!("{ROOT}/devices?api-version=v1.0")).expect("a valid URL")
}

/// Any body: decoding never panics, an error names the collection, and decoded rows survive a
/// round trip through their own serialization.
pub fn page(data: &[u8]) {
    match decode_page::<Device>(data, "devices", 0, &page_url()) {
        Ok((rows, _next)) => {
            let json = serde_json::to_vec(&rows).expect("rows serialize");
            let again: Vec<Device> = serde_json::from_slice(&json).expect("serialized rows decode");
            assert_eq!(rows, again, "rows change in a round trip");
        }
        Err(error) => assert!(error.to_string().contains("devices"), "{error}"),
    }
}

/// Any link text and any cursor JSON: an accepted link stays on the service root's origin and
/// resolves to itself; a cursor survives a round trip.
pub fn next_link(data: &[u8]) {
    let root = Url::parse(ROOT).expect("a valid URL");
    let link = String::from_utf8_lossy(data);
    if let Ok(url) = resolve_next_link(&page_url(), &link, &root) {
        assert_eq!((url.scheme(), url.host_str(), url.port_or_known_default()), ("https", root.host_str(), Some(443)));
        let again = resolve_next_link(&page_url(), url.as_str(), &root).expect("an accepted link is accepted again");
        assert_eq!(again, url);
    }
    if let Ok(cursor) = serde_json::from_slice::<Cursor>(data) {
        let json = serde_json::to_string(&cursor).expect("a cursor serializes");
        assert_eq!(serde_json::from_str::<Cursor>(&json).expect("a serialized cursor decodes"), cursor);
    }
}
