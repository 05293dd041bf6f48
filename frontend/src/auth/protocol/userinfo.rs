//! The provider's UserInfo answer (OIDC Core §5.3.2): who it says the user is, and the standard
//! claims the Profile page shows.

use serde::Deserialize;

/// A `/userinfo` answer; its other claims are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserInfo {
    /// The user: OIDC Core §5.3.2 says an answer whose `sub` is not the ID token's must not be used.
    pub sub: String,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Picture URL.
    #[serde(default)]
    pub picture: Option<String>,
}
