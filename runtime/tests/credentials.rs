//! Credentials beyond a secret against loopback token endpoints that check what Entra ID and the
//! managed-identity endpoints check: a client assertion signed with the certificate's key and
//! naming it (`x5t#S256`), a federated token read again for each request, and the request
//! shapes of the instance metadata service and of App Service's identity endpoint.

#![cfg(feature = "certificate")]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use odata_runtime::auth::{AccessToken, Certificate, ClientCredentials, ManagedIdentity, TokenProvider};
use rustls_pki_types::CertificateDer;
use serde::Deserialize;
use sha2::{Digest, Sha256};

const SCOPE: &str = "https://api.manage.microsoft.com//.default";
const TENANT: &str = "contoso.onmicrosoft.com";

/// A self-signed certificate with its RSA key: the PEM file (key first, as Azure's tools write
/// it), the certificate's DER, and the key's PKCS#8 DER.
fn certificate() -> (String, Vec<u8>, Vec<u8>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let certificate =
        rcgen::CertificateParams::new(vec!["intune-dw.test".to_owned()]).unwrap().self_signed(&key).unwrap();
    (format!("{}{}", key.serialize_pem(), certificate.pem()), certificate.der().to_vec(), key.serialize_der())
}

/// Checks a client assertion as Entra ID does: signed by the certificate's key, naming the
/// certificate by `x5t#S256`, for this token URL and client, valid for at most ten minutes.
fn check_assertion(certificate: &[u8], audience: &str, client_id: &str, assertion: &str) -> Result<(), String> {
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, claims, signature] = parts[..] else { return Err("not a JWT".into()) };
    let json = |part: &str| -> Result<serde_json::Value, String> {
        let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    };
    let (header, claims) = (json(header)?, json(claims)?);
    let der = CertificateDer::from(certificate);
    let parsed = webpki::EndEntityCert::try_from(&der).map_err(|e| e.to_string())?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|e| e.to_string())?;
    let signed = format!("{}.{}", parts[0], parts[1]);
    parsed
        .verify_signature(webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY, signed.as_bytes(), &signature)
        .map_err(|e| format!("bad signature: {e:?}"))?;
    let thumbprint = URL_SAFE_NO_PAD.encode(Sha256::digest(certificate));
    if header["alg"] != "PS256" || header["x5t#S256"] != thumbprint.as_str() {
        return Err(format!("header {header}"));
    }
    if claims["aud"] != audience || claims["sub"] != client_id || claims["iss"] != client_id {
        return Err(format!("claims {claims}"));
    }
    let (nbf, exp) = (claims["nbf"].as_u64().unwrap_or(0), claims["exp"].as_u64().unwrap_or(0));
    if exp <= nbf || exp - nbf > 600 || claims["jti"].as_str().is_none_or(str::is_empty) {
        return Err(format!("lifetime {claims}"));
    }
    Ok(())
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    client_id: String,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
    scope: String,
}

/// What the endpoint accepts, and the assertions it was sent.
#[derive(Clone, Default)]
struct Endpoint {
    certificate: Vec<u8>,
    audience: Arc<Mutex<String>>,
    federated: Arc<Mutex<Vec<String>>>,
}

async fn token(State(endpoint): State<Endpoint>, Form(form): Form<TokenForm>) -> impl IntoResponse {
    let refuse = |why: String| {
        (StatusCode::UNAUTHORIZED, format!(r#"{{"error":"invalid_client","error_description":"{why}"}}"#))
    };
    if form.grant_type != "client_credentials" || form.scope != SCOPE || form.client_id != "app" {
        return refuse("bad request".into());
    }
    if form.client_assertion_type.as_deref() != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
        return refuse("no assertion".into());
    }
    let assertion = form.client_assertion.unwrap_or_default();
    let audience = endpoint.audience.lock().unwrap().clone();
    if assertion.starts_with("federated-") {
        endpoint.federated.lock().unwrap().push(assertion.clone());
    } else if let Err(why) = check_assertion(&endpoint.certificate, &audience, &form.client_id, &assertion) {
        return refuse(why);
    }
    (
        StatusCode::OK,
        format!(r#"{{"token_type":"Bearer","expires_in":3600,"access_token":"for-{}"}}"#, &assertion[..12]),
    )
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

async fn entra(certificate: Vec<u8>) -> (String, Endpoint) {
    let endpoint = Endpoint { certificate, ..Endpoint::default() };
    let host =
        serve(Router::new().route("/{tenant}/oauth2/v2.0/token", post(token)).with_state(endpoint.clone())).await;
    *endpoint.audience.lock().unwrap() = format!("{host}/{TENANT}/oauth2/v2.0/token");
    (host, endpoint)
}

#[tokio::test]
async fn a_certificate_signs_assertions_that_the_token_endpoint_verifies() {
    let (pem, der, pkcs8) = certificate();
    let (host, _) = entra(der.clone()).await;
    let from_pem = Certificate::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(from_pem.thumbprint(), URL_SAFE_NO_PAD.encode(Sha256::digest(&der)));
    let credentials = ClientCredentials::with_certificate(TENANT, "app", from_pem, SCOPE)
        .unwrap()
        .with_authority_host(&host)
        .unwrap();
    assert!(credentials.token().await.unwrap().expose_secret().starts_with("for-ey"));
    assert!(!format!("{credentials:?}").contains("PRIVATE"));

    // The same certificate as PKCS#12, with a password.
    let key = p12_keystore::PrivateKeyChain::new(
        b"key1".to_vec(),
        p12_keystore::PrivateKey::from_der(&pkcs8).unwrap(),
        [p12_keystore::Certificate::from_der(&der).unwrap()],
    );
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry("intune-dw", p12_keystore::KeyStoreEntry::PrivateKeyChain(key));
    let pfx = store.writer("pa55").write().unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &pfx).unwrap();
    let from_pfx = Certificate::from_file(file.path(), Some("pa55")).unwrap();
    assert_eq!(from_pfx.thumbprint(), URL_SAFE_NO_PAD.encode(Sha256::digest(&der)));
    assert!(Certificate::from_pkcs12(&pfx, "wrong").is_err());
    let credentials = ClientCredentials::with_certificate(TENANT, "app", from_pfx, SCOPE)
        .unwrap()
        .with_authority_host(&host)
        .unwrap();
    assert!(credentials.token().await.is_ok());

    // A key that is not the certificate's is refused before anything is sent.
    let (other_pem, _, _) = certificate();
    let mixed = format!(
        "{}{}",
        other_pem.split("-----BEGIN CERTIFICATE").next().unwrap(),
        &pem[pem.find("-----BEGIN CERTIFICATE").unwrap()..]
    );
    let error = Certificate::from_pem(mixed.as_bytes()).unwrap_err();
    assert!(error.to_string().contains("does not belong"), "{error}");
}

#[tokio::test]
async fn a_federated_token_is_read_again_for_each_request() {
    let (host, endpoint) = entra(Vec::new()).await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "federated-one\n").unwrap();
    let credentials = ClientCredentials::with_federated_token_file(TENANT, "app", file.path(), SCOPE)
        .unwrap()
        .with_authority_host(&host)
        .unwrap();
    let first = credentials.token().await.unwrap();
    // The platform rotates the file; a rejected token makes the provider ask again.
    std::fs::write(file.path(), "federated-two").unwrap();
    assert!(credentials.invalidate(&first));
    credentials.token().await.unwrap();
    assert_eq!(*endpoint.federated.lock().unwrap(), ["federated-one", "federated-two"]);
}

/// What a managed-identity endpoint saw: its query and the header that proves where the caller runs.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

#[tokio::test]
async fn managed_identity_asks_the_endpoint_of_the_machine() {
    async fn imds(
        State(seen): State<Seen>,
        Query(query): Query<Vec<(String, String)>>,
        headers: HeaderMap,
    ) -> impl IntoResponse {
        let metadata = headers.get("metadata").and_then(|v| v.to_str().ok()).map(str::to_owned);
        seen.lock().unwrap().push((format!("{query:?}"), metadata.clone()));
        match metadata.as_deref() {
            Some("true") => {
                (StatusCode::OK, r#"{"access_token":"imds-token","expires_in":"3599","token_type":"Bearer"}"#)
            }
            _ => (
                StatusCode::BAD_REQUEST,
                r#"{"error":"invalid_request","error_description":"Required metadata header not specified"}"#,
            ),
        }
    }
    async fn app_service(
        State(seen): State<Seen>,
        Query(query): Query<Vec<(String, String)>>,
        headers: HeaderMap,
    ) -> impl IntoResponse {
        let header = headers.get("x-identity-header").and_then(|v| v.to_str().ok()).map(str::to_owned);
        seen.lock().unwrap().push((format!("{query:?}"), header));
        (
            StatusCode::OK,
            r#"{"access_token":"app-token","expires_on":"4102444800","token_type":"Bearer","resource":"x"}"#,
        )
    }
    let seen = Seen::default();
    let host = serve(
        Router::new()
            .route("/metadata/identity/oauth2/token", get(imds))
            .route("/msi/token", get(app_service))
            .with_state(Arc::clone(&seen)),
    )
    .await;

    let vm = |name: &str| (name == "AZURE_POD_IDENTITY_AUTHORITY_HOST").then(|| host.clone());
    let system = ManagedIdentity::from_env_with(vm, None, SCOPE).unwrap();
    assert_eq!(system.token().await.unwrap().expose_secret(), "imds-token");
    let user = ManagedIdentity::from_env_with(vm, Some("user-assigned-id".into()), SCOPE).unwrap();
    user.token().await.unwrap();

    let app = |name: &str| match name {
        "IDENTITY_ENDPOINT" => Some(format!("{host}/msi/token")),
        "IDENTITY_HEADER" => Some("h3ader".to_owned()),
        _ => None,
    };
    let on_app_service = ManagedIdentity::from_env_with(app, None, SCOPE).unwrap();
    let token: AccessToken = on_app_service.token().await.unwrap();
    assert_eq!(token.expose_secret(), "app-token");

    let resource = "https://api.manage.microsoft.com/";
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (format!(r#"[("api-version", "2018-02-01"), ("resource", "{resource}")]"#), Some("true".into())),
            (
                format!(
                    r#"[("api-version", "2018-02-01"), ("resource", "{resource}"), ("client_id", "user-assigned-id")]"#
                ),
                Some("true".into())
            ),
            (format!(r#"[("api-version", "2019-08-01"), ("resource", "{resource}")]"#), Some("h3ader".into())),
        ]
    );
}
