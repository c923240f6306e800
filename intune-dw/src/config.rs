//! The tenants to sync and their clients: from a tenants file (`--tenants FILE`), or one tenant
//! from the environment, like the client's export example:
//!
//! - `INTUNE_DW_SERVICE_ROOT` (full service root URL) or `INTUNE_DW_LOCATION` (e.g. `msua06`);
//! - `INTUNE_DW_TOKEN` (a bearer token), or else `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and one of
//!   `AZURE_CLIENT_SECRET`, `AZURE_CLIENT_CERTIFICATE_PATH` (with
//!   `AZURE_CLIENT_CERTIFICATE_PASSWORD`) or `AZURE_FEDERATED_TOKEN_FILE`, optionally
//!   `AZURE_AUTHORITY_HOST` (client credentials, refreshed during long runs).
//!
//! A tenants file lists tenants as TOML, each with exactly one credential, never a secret itself
//! (only where to read it):
//!
//! ```toml
//! [[tenant]]
//! name = "contoso"              # its PostgreSQL schema, lake partition, `{tenant}` and progress lines
//! tenant_id = "…"
//! client_id = "…"
//! location = "msua06"           # or service_root = "https://…"
//! authority_host = "https://login.microsoftonline.com"   # optional
//! client_secret_env = "CONTOSO_SECRET"   # or client_secret_file, certificate (+ password_env),
//!                                        # federated_token_file, managed_identity = true
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use intune_dw_client::auth::{self, TokenProvider, WAREHOUSE_SCOPE};
use intune_dw_client::{Client, ClientBuilder};
use odata_runtime::auth::{Certificate, ClientCredentials, ManagedIdentity};
use serde::Deserialize;

/// The name of the one tenant the environment configures.
pub const ENV_TENANT: &str = "intune_dw";

/// The configuration is unusable (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Neither variable of the service root is set.
    #[error("set INTUNE_DW_SERVICE_ROOT (the service root URL) or INTUNE_DW_LOCATION (e.g. msua06)")]
    NoServiceRoot,
    /// No usable credentials.
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    /// The client refused the configuration.
    #[error(transparent)]
    Client(#[from] intune_dw_client::Error),
    /// The tenants file is unreadable or wrong.
    #[error("{file}: {message}")]
    Tenants {
        /// The file.
        file: String,
        /// What is wrong (with the tenant's name when it is about one).
        message: String,
    },
}

/// One tenant to sync: its name and its client.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The name from the tenants file ([`ENV_TENANT`] from the environment).
    pub name: String,
    /// The client, with the tenant's credentials.
    pub client: Client,
}

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The client the environment (read through `env`) configures.
pub fn client_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Client, ConfigError> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let builder = match (var("INTUNE_DW_SERVICE_ROOT"), var("INTUNE_DW_LOCATION")) {
        (Some(root), _) => Client::builder().service_root(&root),
        (None, Some(location)) => Client::builder().location(location.trim()),
        (None, None) => return Err(ConfigError::NoServiceRoot),
    };
    let tokens = auth::provider_from_env_with(env)?;
    Ok(builder.token_provider(tokens).user_agent(USER_AGENT).build()?)
}

/// The one tenant of the environment, named [`ENV_TENANT`].
pub fn tenant_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Tenant, ConfigError> {
    Ok(Tenant { name: ENV_TENANT.to_owned(), client: client_from_env(env)? })
}

/// A tenants file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantsFile {
    #[serde(default)]
    tenant: Vec<TenantSpec>,
}

/// One `[[tenant]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantSpec {
    name: String,
    tenant_id: Option<String>,
    client_id: Option<String>,
    location: Option<String>,
    service_root: Option<String>,
    authority_host: Option<String>,
    client_secret_env: Option<String>,
    client_secret_file: Option<PathBuf>,
    certificate: Option<PathBuf>,
    password_env: Option<String>,
    federated_token_file: Option<PathBuf>,
    #[serde(default)]
    managed_identity: bool,
    /// Refused: a secret is never written in the file.
    client_secret: Option<toml::Value>,
    /// Refused, likewise.
    password: Option<toml::Value>,
}

/// The one credential a tenant names.
enum Credential<'a> {
    SecretEnv(&'a str),
    SecretFile(PathBuf),
    Certificate { path: PathBuf, password_env: Option<&'a str> },
    FederatedTokenFile(PathBuf),
    ManagedIdentity,
}

/// Whether `name` can name a schema, a partition and a file: letters, digits, `_` and `-`,
/// starting with a letter or `_`, at most 63 bytes (PostgreSQL's limit).
fn valid_name(name: &str) -> bool {
    name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether `name` is a PostgreSQL schema of its own (where a tenant's tables would mix with the
/// database's or a user's).
fn reserved_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "public" || lower == "information_schema" || lower.starts_with("pg_")
}

/// The tenants of a file, their names checked.
fn read_specs(path: &Path) -> Result<Vec<TenantSpec>, ConfigError> {
    let file_error = |message: String| ConfigError::Tenants { file: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|e| file_error(format!("cannot read it: {e}")))?;
    let file: TenantsFile = toml::from_str(&text).map_err(|e| file_error(e.to_string()))?;
    if file.tenant.is_empty() {
        return Err(file_error("no [[tenant]] in it".into()));
    }
    for (index, spec) in file.tenant.iter().enumerate() {
        let tenant_error = |message: &str| file_error(format!("tenant {:?}: {message}", spec.name));
        if !valid_name(&spec.name) {
            return Err(tenant_error(
                "a name is letters, digits, `_` and `-`, starting with a letter or `_`, at most 63 bytes",
            ));
        }
        if reserved_name(&spec.name) {
            return Err(tenant_error("`public`, `information_schema` and `pg_…` are PostgreSQL's own schemas"));
        }
        // Folders and files of case-insensitive file systems would be shared.
        if file.tenant[..index].iter().any(|t| t.name.eq_ignore_ascii_case(&spec.name)) {
            return Err(tenant_error("named twice (names differing only in case count as the same)"));
        }
    }
    Ok(file.tenant)
}

/// The names of the tenants of the file at `path` (exports need no credentials).
pub fn tenant_names_from_file(path: &Path) -> Result<Vec<String>, ConfigError> {
    Ok(read_specs(path)?.into_iter().map(|spec| spec.name).collect())
}

/// The tenants of the file at `path`; secrets and the managed-identity endpoint are read
/// through `env`, relative paths are relative to the file's folder.
pub fn tenants_from_file(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Tenant>, ConfigError> {
    let file_error = |message: String| ConfigError::Tenants { file: path.display().to_string(), message };
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut tenants: Vec<Tenant> = Vec::new();
    for spec in &read_specs(path)? {
        let tenant_error = |message: String| file_error(format!("tenant {:?}: {message}", spec.name));
        let client = client_for(spec, folder, env).map_err(|e| match e {
            ConfigError::Tenants { message, .. } => tenant_error(message),
            other => tenant_error(format!("{:#}", anyhow::Error::new(other))),
        })?;
        tenants.push(Tenant { name: spec.name.clone(), client });
    }
    Ok(tenants)
}

fn spec_error(message: impl Into<String>) -> ConfigError {
    ConfigError::Tenants { file: String::new(), message: message.into() }
}

fn client_for(spec: &TenantSpec, folder: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Client, ConfigError> {
    if spec.client_secret.is_some() || spec.password.is_some() {
        return Err(spec_error(
            "a secret is never written in the tenants file: name the environment variable that holds it \
             (client_secret_env, password_env) or a file (client_secret_file)",
        ));
    }
    let builder: ClientBuilder = match (&spec.service_root, &spec.location) {
        (Some(root), None) => Client::builder().service_root(root),
        (None, Some(location)) => Client::builder().location(location.trim()),
        _ => return Err(spec_error("give exactly one of location and service_root")),
    };
    let provider = token_provider(spec, &credential(spec, folder)?, env)?;
    Ok(builder.token_provider(provider).user_agent(USER_AGENT).build()?)
}

fn credential<'a>(spec: &'a TenantSpec, folder: &Path) -> Result<Credential<'a>, ConfigError> {
    let mut given = Vec::new();
    if let Some(var) = &spec.client_secret_env {
        given.push(Credential::SecretEnv(var));
    }
    if let Some(file) = &spec.client_secret_file {
        given.push(Credential::SecretFile(folder.join(file)));
    }
    if let Some(path) = &spec.certificate {
        given.push(Credential::Certificate { path: folder.join(path), password_env: spec.password_env.as_deref() });
    }
    if let Some(file) = &spec.federated_token_file {
        given.push(Credential::FederatedTokenFile(folder.join(file)));
    }
    if spec.managed_identity {
        given.push(Credential::ManagedIdentity);
    }
    if spec.password_env.is_some() && spec.certificate.is_none() {
        return Err(spec_error("password_env is the password of a certificate, and there is none"));
    }
    match given.len() {
        1 => Ok(given.remove(0)),
        0 => Err(spec_error(
            "no credential: give one of client_secret_env, client_secret_file, certificate, federated_token_file \
             and managed_identity = true",
        )),
        _ => Err(spec_error(
            "more than one credential: give only one of client_secret_env, client_secret_file, certificate, \
             federated_token_file and managed_identity",
        )),
    }
}

fn token_provider(
    spec: &TenantSpec,
    credential: &Credential<'_>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Arc<dyn TokenProvider>, ConfigError> {
    if let Credential::ManagedIdentity = credential {
        // A client id chooses a user-assigned identity; without one, the system-assigned one.
        let identity = ManagedIdentity::from_env_with(env, spec.client_id.clone(), WAREHOUSE_SCOPE)?;
        return Ok(Arc::new(identity));
    }
    let tenant_id = spec.tenant_id.as_deref().ok_or_else(|| spec_error("tenant_id is missing"))?;
    let client_id = spec.client_id.as_deref().ok_or_else(|| spec_error("client_id is missing"))?;
    let variable = |name: &str| {
        env(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| spec_error(format!("environment variable {name} is not set")))
    };
    let credentials = match credential {
        Credential::SecretEnv(name) => ClientCredentials::new(tenant_id, client_id, variable(name)?, WAREHOUSE_SCOPE)?,
        Credential::SecretFile(path) => {
            let secret = std::fs::read_to_string(path)
                .map_err(|e| spec_error(format!("cannot read the client secret file {}: {e}", path.display())))?;
            ClientCredentials::new(tenant_id, client_id, secret.trim(), WAREHOUSE_SCOPE)?
        }
        Credential::Certificate { path, password_env } => {
            let password = password_env.map(variable).transpose()?;
            let certificate = Certificate::from_file(path, password.as_deref())?;
            ClientCredentials::with_certificate(tenant_id, client_id, certificate, WAREHOUSE_SCOPE)?
        }
        Credential::FederatedTokenFile(path) => {
            ClientCredentials::with_federated_token_file(tenant_id, client_id, path.clone(), WAREHOUSE_SCOPE)?
        }
        Credential::ManagedIdentity => unreachable!("handled above"),
    };
    let credentials = match &spec.authority_host {
        Some(host) => credentials.with_authority_host(host)?,
        None => credentials,
    };
    Ok(Arc::new(credentials))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_a_service_root_and_credentials() {
        let none = |_: &str| None;
        assert!(matches!(client_from_env(&none), Err(ConfigError::NoServiceRoot)));
        let root_only = |name: &str| (name == "INTUNE_DW_LOCATION").then(|| "msua06".to_owned());
        assert!(matches!(client_from_env(&root_only), Err(ConfigError::Auth(_))));
        let both = |name: &str| match name {
            "INTUNE_DW_LOCATION" => Some("msua06".to_owned()),
            "INTUNE_DW_TOKEN" => Some("t".to_owned()),
            _ => None,
        };
        let client = client_from_env(&both).unwrap();
        assert_eq!(client.service_root().host_str(), Some("fef.msua06.manage.microsoft.com"));
    }

    fn tenants(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Tenant>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tenants.toml");
        std::fs::write(&path, text).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "file-secret\n").unwrap();
        tenants_from_file(&path, env).map_err(|e| e.to_string())
    }

    #[test]
    fn a_tenants_file_names_one_credential_per_tenant_and_no_secret() {
        let env = |name: &str| (name == "CONTOSO_SECRET").then(|| "s3cret".to_owned());
        let ok = tenants(
            r#"
            [[tenant]]
            name = "contoso"
            tenant_id = "contoso.onmicrosoft.com"
            client_id = "app"
            location = "msua06"
            client_secret_env = "CONTOSO_SECRET"

            [[tenant]]
            name = "fabrikam-eu"
            tenant_id = "fabrikam.onmicrosoft.com"
            client_id = "app"
            service_root = "https://fef.msub03.manage.microsoft.com/ReportingService/DataWarehouseFEService"
            client_secret_file = "secret.txt"
            authority_host = "https://login.microsoftonline.us"

            [[tenant]]
            name = "on_azure"
            location = "msua06"
            managed_identity = true
            "#,
            &env,
        )
        .unwrap();
        let names: Vec<&str> = ok.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["contoso", "fabrikam-eu", "on_azure"]);
        assert!(!format!("{ok:?}").contains("s3cret") && !format!("{ok:?}").contains("file-secret"));

        let base = "name = \"x\"\ntenant_id = \"t\"\nclient_id = \"c\"\nlocation = \"msua06\"\n";
        for (extra, expected) in [
            ("client_secret = \"literal\"", "never written in the tenants file"),
            ("", "no credential"),
            ("client_secret_env = \"A\"\nmanaged_identity = true", "more than one credential"),
            ("client_secret_env = \"UNSET\"", "UNSET is not set"),
            ("federated_token_file = \"f\"\npassword_env = \"P\"", "password_env is the password of a certificate"),
            ("client_secret_env = \"CONTOSO_SECRET\"\nsecret_color = \"red\"", "unknown field"),
        ] {
            let error = tenants(&format!("[[tenant]]\n{base}{extra}\n"), &env).unwrap_err();
            assert!(error.contains(expected), "{extra:?}: {error}");
        }
        let twice = format!("[[tenant]]\n{base}client_secret_env = \"CONTOSO_SECRET\"\n").repeat(2);
        assert!(tenants(&twice, &env).unwrap_err().contains("named twice"));
        let tenant = |name: &str| {
            format!("[[tenant]]\n{base}client_secret_env = \"CONTOSO_SECRET\"\n").replace("\"x\"", &format!("{name:?}"))
        };
        let cased = tenant("x") + &tenant("X");
        assert!(tenants(&cased, &env).unwrap_err().contains("named twice"), "{cased}");
        for reserved in ["public", "pg_catalog", "Information_Schema"] {
            assert!(tenants(&tenant(reserved), &env).unwrap_err().contains("PostgreSQL's own"), "{reserved}");
        }
        let bad_name = "[[tenant]]\nname = \"a b\"\nlocation = \"x\"\nmanaged_identity = true\n";
        assert!(tenants(bad_name, &env).unwrap_err().contains("a name is letters"));
    }
}
