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

/// Why a UserInfo answer is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UserInfoError {
    /// OIDC Core §5.3.2: its `sub` is not the ID token's, so it may describe another user.
    #[error("/userinfo answered for another user than the ID token names (its sub differs), so it is not used (OIDC Core §5.3.2)")]
    OtherSubject,
}

impl UserInfo {
    /// The answer, if it is about `subject` (the ID token's `sub`).
    pub fn for_subject(self, subject: &str) -> Result<Self, UserInfoError> {
        if self.sub == subject {
            Ok(self)
        } else {
            Err(UserInfoError::OtherSubject)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenID's RP test userinfo-invalid-sub.
    #[test]
    fn an_answer_about_another_user_is_not_used() {
        let info: UserInfo = serde_json::from_str(r#"{"sub": "auth0|bob", "name": "Bob"}"#).expect("parses");
        assert_eq!(info.clone().for_subject("auth0|alice"), Err(UserInfoError::OtherSubject));
        assert_eq!(info.clone().for_subject("auth0|bob"), Ok(info));
        assert!(serde_json::from_str::<UserInfo>(r#"{"name": "no subject"}"#).is_err(), "sub is required");
    }
}
