//! A client certificate and its RSA key, which sign client assertions (RFC 7523 JWTs) for the
//! client credentials grant, as Entra ID documents them: `PS256` (RSASSA-PSS with SHA-256), the
//! certificate named by `x5t#S256` (the base64url SHA-256 of its DER), audience the token URL,
//! valid for ten minutes.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PSS_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::AuthError;

/// How long an assertion is valid (Entra ID accepts up to ten minutes).
const ASSERTION_LIFETIME_SECS: u64 = 600;

/// A certificate with its private key (RSA). Its `Debug` output shows the thumbprint only.
pub struct Certificate {
    key: RsaKeyPair,
    /// `x5t#S256`: base64url (no padding) of the SHA-256 of the certificate's DER.
    thumbprint: String,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate").field("x5t#S256", &self.thumbprint).finish_non_exhaustive()
    }
}

impl Certificate {
    /// A PEM file holding the private key (`PRIVATE KEY` or `RSA PRIVATE KEY`) and the
    /// certificate (the first `CERTIFICATE` is the client's), as Azure's tools write it.
    pub fn from_pem(pem: &[u8]) -> Result<Self, AuthError> {
        let key = PrivateKeyDer::from_pem_slice(pem)
            .map_err(|e| AuthError::new(format!("no private key in the PEM certificate file: {e}")))?;
        let certificate = CertificateDer::pem_slice_iter(pem)
            .next()
            .ok_or_else(|| AuthError::new("no CERTIFICATE in the PEM certificate file"))?
            .map_err(|e| AuthError::new(format!("unreadable certificate in the PEM file: {e}")))?;
        let key = match &key {
            PrivateKeyDer::Pkcs8(key) => RsaKeyPair::from_pkcs8(key.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(key) => RsaKeyPair::from_der(key.secret_pkcs1_der()),
            _ => return Err(AuthError::new("the certificate's key is not an RSA key")),
        }
        .map_err(|e| AuthError::new(format!("the certificate's key is not a usable RSA key: {e}")))?;
        Self::new(key, &certificate)
    }

    /// A PKCS#12 (`.pfx`) file and its password (empty when it has none).
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, AuthError> {
        let store = p12_keystore::KeyStore::from_pkcs12(der, password, p12_keystore::Pkcs12ImportPolicy::Strict)
            .map_err(|e| AuthError::new(format!("cannot read the PKCS#12 file (wrong password?): {e}")))?;
        let (_, chain) =
            store.private_key_chain().ok_or_else(|| AuthError::new("the PKCS#12 file holds no private key"))?;
        let certificate =
            chain.certs().first().ok_or_else(|| AuthError::new("the PKCS#12 file holds no certificate"))?;
        let key = RsaKeyPair::from_pkcs8(chain.key().as_der())
            .map_err(|e| AuthError::new(format!("the certificate's key is not a usable RSA key: {e}")))?;
        Self::new(key, &CertificateDer::from(certificate.as_der()))
    }

    /// A certificate file: PEM when it starts like one, else PKCS#12 (with `password`).
    pub fn from_file(path: &Path, password: Option<&str>) -> Result<Self, AuthError> {
        let bytes = std::fs::read(path)
            .map_err(|e| AuthError::with_source(format!("cannot read the certificate {}", path.display()), e))?;
        let certificate = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            Self::from_pem(&bytes)
        } else {
            Self::from_pkcs12(&bytes, password.unwrap_or(""))
        };
        certificate.map_err(|e| AuthError::with_source(format!("the certificate {} is unusable", path.display()), e))
    }

    /// Checks that `key` is the certificate's (a probe signature verifies against it).
    fn new(key: RsaKeyPair, certificate: &CertificateDer<'_>) -> Result<Self, AuthError> {
        let parsed = webpki::EndEntityCert::try_from(certificate)
            .map_err(|e| AuthError::new(format!("the certificate does not parse: {e}")))?;
        let probe = b"does this key belong to the certificate?";
        let signature = sign(&key, probe)?;
        parsed
            .verify_signature(webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY, probe, &signature)
            .map_err(|_| AuthError::new("the private key does not belong to the certificate"))?;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, certificate.as_ref());
        Ok(Certificate { key, thumbprint: URL_SAFE_NO_PAD.encode(digest) })
    }

    /// The certificate's `x5t#S256` thumbprint.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A client assertion for `client_id` at the token endpoint `audience`, valid from now for
    /// ten minutes.
    pub fn assertion(&self, client_id: &str, audience: &str) -> Result<String, AuthError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let header = serde_json::json!({"alg": "PS256", "typ": "JWT", "x5t#S256": self.thumbprint});
        let claims = serde_json::json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let signed =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = sign(&self.key, signed.as_bytes())?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

fn sign(key: &RsaKeyPair, message: &[u8]) -> Result<Vec<u8>, AuthError> {
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(&RSA_PSS_SHA256, &SystemRandom::new(), message, &mut signature)
        .map_err(|_| AuthError::new("cannot sign the client assertion"))?;
    Ok(signature)
}
