//! The client from the environment, like the client's export example:
//!
//! - `INTUNE_DW_SERVICE_ROOT` (full service root URL) or `INTUNE_DW_LOCATION` (e.g. `msua06`);
//! - `INTUNE_DW_TOKEN` (a bearer token), or else `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
//!   `AZURE_CLIENT_SECRET` and optionally `AZURE_AUTHORITY_HOST` (client credentials, refreshed
//!   by the client during long runs).

use intune_dw_client::{Client, auth};

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
}

/// The client the environment (read through `env`) configures.
pub fn client_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Client, ConfigError> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let builder = match (var("INTUNE_DW_SERVICE_ROOT"), var("INTUNE_DW_LOCATION")) {
        (Some(root), _) => Client::builder().service_root(&root),
        (None, Some(location)) => Client::builder().location(location.trim()),
        (None, None) => return Err(ConfigError::NoServiceRoot),
    };
    let tokens = auth::provider_from_env_with(env)?;
    let user_agent = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
    Ok(builder.token_provider(tokens).user_agent(user_agent).build()?)
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
}
