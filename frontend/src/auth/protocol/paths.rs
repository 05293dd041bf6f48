//! Which way a renewal goes, as a pure function of what happened. There are two paths:
//!
//! - **refresh token**: `grant_type=refresh_token` at the token endpoint, rotating;
//! - **silent frame**: `/authorize?prompt=none` in a hidden iframe (the tutorial's layout).
//!
//! The frame depends on the provider's cookie reaching a cross-site iframe, which Safari, Firefox
//! and Chrome's Incognito block. So the first renewal of a session with a refresh token asks the
//! frame once: if it answers `login_required` while the refresh token works, the browser blocks the
//! frame, the status says so, and the frame is not tried again in that session. Otherwise refresh
//! tokens come first and the frame is the fallback when the refresh token is gone or refused
//! (`invalid_grant`). When every path ends with "log in again", the session has ended.

use serde::{Deserialize, Serialize};

use super::config::Flow;
use super::error::AuthError;
use super::token::is_invalid_grant;

/// A way to renew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// `grant_type=refresh_token`.
    RefreshToken,
    /// `prompt=none` in the hidden iframe.
    SilentFrame,
}

impl Path {
    /// How the status line names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::RefreshToken => "refresh token",
            Self::SilentFrame => "silent frame",
        }
    }
}

/// What is known about the silent frame in this session. Its serde names (`unknown`, `works`,
/// `blocked`) are how it is stored and posted to other tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrameStatus {
    /// Not tried yet.
    #[default]
    Unknown,
    /// It renewed.
    Works,
    /// It answered `login_required` while a refresh token worked: the browser blocks the provider's
    /// cookie in the frame.
    Blocked,
}

/// What a renewal starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// The configured flow.
    pub flow: Flow,
    /// Whether the session holds a refresh token.
    pub refresh_token: bool,
    /// What this session learned about the frame.
    pub frame: FrameStatus,
}

/// The paths to try, in order.
pub fn paths(facts: Facts) -> Vec<Path> {
    use Path::{RefreshToken, SilentFrame};
    match (facts.flow, facts.refresh_token, facts.frame) {
        (Flow::Implicit, _, _) => vec![SilentFrame],
        (Flow::Code, false, FrameStatus::Blocked) => vec![],
        (Flow::Code, false, _) => vec![SilentFrame],
        (Flow::Code, true, FrameStatus::Unknown) => vec![SilentFrame, RefreshToken],
        (Flow::Code, true, FrameStatus::Works) => vec![RefreshToken, SilentFrame],
        (Flow::Code, true, FrameStatus::Blocked) => vec![RefreshToken],
    }
}

/// Whether a path's failure means "this path cannot renew this session" (so the next one may),
/// rather than a transient or a rejected answer, which stop the renewal as they are.
pub fn path_is_over(path: Path, error: &AuthError) -> bool {
    match path {
        Path::SilentFrame => error.ends_session(),
        Path::RefreshToken => is_invalid_grant(error),
    }
}

/// What the frame's status is after a renewal that succeeded on `succeeded`, having first failed
/// on `failed` (in order).
pub fn frame_after(before: FrameStatus, failed: &[(Path, AuthError)], succeeded: Path) -> FrameStatus {
    let frame_refused = failed.iter().any(|(p, e)| *p == Path::SilentFrame && e.ends_session());
    match succeeded {
        Path::SilentFrame => FrameStatus::Works,
        Path::RefreshToken if frame_refused => FrameStatus::Blocked,
        Path::RefreshToken => before,
    }
}

/// How a renewal whose every path failed ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conclusion {
    /// Every path says "log in again": the session has ended.
    Ended(AuthError),
    /// A transient or rejected failure: the session stays as it is (retried with backoff, or halted).
    Failed(AuthError),
}

/// The end of a renewal in which every path tried failed, in order.
pub fn conclude(failed: &[(Path, AuthError)]) -> Conclusion {
    // The failure that stopped the renewal: the last one that was not "this path is over".
    if let Some((_, stopped)) = failed.iter().rev().find(|(p, e)| !path_is_over(*p, e)) {
        return Conclusion::Failed(stopped.clone());
    }
    // Every path says "log in again". Say the most telling reason: the frame's, from the provider.
    let frame = failed.iter().find(|(p, _)| *p == Path::SilentFrame);
    Conclusion::Ended(frame.or(failed.last()).map_or_else(no_path, |(_, e)| e.clone()))
}

/// Why there is no way to renew: no refresh token, and the browser blocks the frame.
pub fn no_path() -> AuthError {
    AuthError::OAuth {
        error: "login_required".into(),
        description: Some("the browser blocks the silent frame and there is no refresh token; log in again".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Path::{RefreshToken as Rt, SilentFrame as Frame};

    fn oauth(e: &str) -> AuthError {
        AuthError::OAuth { error: e.into(), description: None }
    }

    #[test]
    fn the_paths_follow_the_flow_the_refresh_token_and_the_frame() {
        let facts = |flow, refresh_token, frame| Facts { flow, refresh_token, frame };
        let cases = [
            (facts(Flow::Implicit, false, FrameStatus::Unknown), vec![Frame]),
            (facts(Flow::Implicit, true, FrameStatus::Blocked), vec![Frame]),
            (facts(Flow::Code, false, FrameStatus::Unknown), vec![Frame]),
            (facts(Flow::Code, false, FrameStatus::Works), vec![Frame]),
            (facts(Flow::Code, false, FrameStatus::Blocked), vec![]),
            (facts(Flow::Code, true, FrameStatus::Unknown), vec![Frame, Rt]),
            (facts(Flow::Code, true, FrameStatus::Works), vec![Rt, Frame]),
            (facts(Flow::Code, true, FrameStatus::Blocked), vec![Rt]),
        ];
        for (facts, expected) in cases {
            assert_eq!(paths(facts), expected, "{facts:?}");
        }
    }

    #[test]
    fn only_a_path_that_cannot_renew_hands_over_to_the_next() {
        assert!(path_is_over(Frame, &oauth("login_required")));
        assert!(path_is_over(Frame, &oauth("consent_required")));
        assert!(!path_is_over(Frame, &oauth("invalid_grant")));
        assert!(path_is_over(Rt, &oauth("invalid_grant")));
        assert!(!path_is_over(Rt, &oauth("login_required")));
        assert!(!path_is_over(Rt, &AuthError::Unreachable("down".into())), "transient: retried later, not handed over");
        assert!(!path_is_over(Frame, &AuthError::Token(crate::auth::protocol::error::TokenError::Nonce)));
    }

    #[test]
    fn the_frame_is_learned_blocked_only_when_it_refused_and_the_refresh_token_worked() {
        let refused = [(Frame, oauth("login_required"))];
        assert_eq!(frame_after(FrameStatus::Unknown, &refused, Rt), FrameStatus::Blocked);
        assert_eq!(frame_after(FrameStatus::Unknown, &[], Frame), FrameStatus::Works);
        assert_eq!(frame_after(FrameStatus::Works, &[], Rt), FrameStatus::Works);
        assert_eq!(frame_after(FrameStatus::Blocked, &[], Rt), FrameStatus::Blocked);
        assert_eq!(frame_after(FrameStatus::Works, &[(Rt, oauth("invalid_grant"))], Frame), FrameStatus::Works);
    }

    #[test]
    fn a_renewal_ends_the_session_only_when_every_path_says_so() {
        let both = [(Frame, oauth("login_required")), (Rt, oauth("invalid_grant"))];
        assert_eq!(conclude(&both), Conclusion::Ended(oauth("login_required")));
        assert_eq!(conclude(&[(Rt, oauth("invalid_grant"))]), Conclusion::Ended(oauth("invalid_grant")));
        assert_eq!(conclude(&[(Frame, oauth("login_required"))]), Conclusion::Ended(oauth("login_required")));
        assert_eq!(conclude(&[]), Conclusion::Ended(no_path()));
        let down = AuthError::Unreachable("down".into());
        assert_eq!(conclude(&[(Frame, oauth("login_required")), (Rt, down.clone())]), Conclusion::Failed(down.clone()));
        assert_eq!(conclude(&[(Rt, down.clone())]), Conclusion::Failed(down));
        assert!(no_path().ends_session());
    }
}
