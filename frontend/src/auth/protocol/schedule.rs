//! When to renew, as a pure function of the clock and the session — never a timer's memory. The
//! tutorial renewed exactly at expiry (leaving an expired token in use for the whole renewal) and
//! overflowed `setTimeout` for lifetimes past 24.8 days; both are fixed here.
//!
//! Policy: renew `lead` before expiry, where lead = min(60 s, a quarter of the token's lifetime)
//! (auth0-spa-js renews 60 s early; a quarter keeps short dev lifetimes sane). After a transient
//! failure, retry with exponential backoff (2 s doubling to 60 s, ±20 % jitter) while the token is
//! still valid. When the next retry would come after expiry, automatic renewal stops but the token
//! stays in use until it really expires ("retries exhausted, valid until …"); once it has expired,
//! the person chooses Retry or Log In. A response
//! that was *rejected* (not transient) is not retried on a timer — it would only be rejected again,
//! the silent retry loop users of other libraries hit — and renewal waits for the person.

/// `setTimeout` takes a signed 32-bit delay; longer ones fire at once.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;
/// Upper bound of the renewal lead.
pub const MAX_LEAD_MS: f64 = 60_000.0;
/// First retry delay after a failure.
pub const BACKOFF_BASE_MS: f64 = 2_000.0;
/// Retry delays stop growing here.
pub const BACKOFF_CAP_MS: f64 = 60_000.0;
/// Jitter: ± this fraction of the backoff delay.
pub const JITTER: f64 = 0.2;
/// Within this window before the due time the scheduler re-checks periodically…
pub const NEAR_WINDOW_MS: f64 = 120_000.0;
/// …this often, so a late or throttled timer costs at most one period.
pub const NEAR_CHECK_MS: f64 = 5_000.0;

/// The session times the decision needs (epoch milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lifetime {
    /// When the access token was issued.
    pub issued_at: f64,
    /// When it expires (the tutorial's `expires_at`).
    pub expires_at: f64,
}

/// Consecutive failed renewals since the last success.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Failures {
    /// How many.
    pub count: u32,
    /// When the last one ended (epoch ms).
    pub last_at: f64,
    /// A random number in [0, 1) drawn at that failure, for jitter.
    pub jitter: f64,
    /// Whether the last failure is worth retrying on a timer (network, timeout, provider down).
    pub transient: bool,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Plan {
    /// Renew at this time (epoch ms); may already be past, meaning now.
    RenewAt(f64),
    /// The access token has expired and automatic renewal has stopped.
    Expired,
    /// Transient failures, and the next retry would come after expiry: automatic renewal has stopped,
    /// and the token stays valid (and in use) until `valid_until`.
    Exhausted {
        /// The access token's expiry (epoch ms).
        valid_until: f64,
    },
    /// The last response was rejected; automatic renewal waits for the person (Renew Token).
    Halted,
}

/// How long before expiry to renew.
pub fn lead_ms(lifetime: Lifetime) -> f64 {
    let total = (lifetime.expires_at - lifetime.issued_at).max(0.0);
    (total / 4.0).min(MAX_LEAD_MS)
}

/// Delay before retry number `count` (1-based), with jitter applied.
pub fn backoff_ms(failures: Failures) -> f64 {
    let exponent = failures.count.saturating_sub(1).min(16);
    let base = (BACKOFF_BASE_MS * f64::from(1u32 << exponent)).min(BACKOFF_CAP_MS);
    base * (1.0 + JITTER * (2.0 * failures.jitter.clamp(0.0, 1.0) - 1.0))
}

/// Decides when the next renewal should happen.
pub fn plan(now: f64, lifetime: Lifetime, failures: Failures) -> Plan {
    let due = lifetime.expires_at - lead_ms(lifetime);
    if failures.count == 0 {
        return if now >= lifetime.expires_at { Plan::Expired } else { Plan::RenewAt(due) };
    }
    if now >= lifetime.expires_at {
        return Plan::Expired;
    }
    if !failures.transient {
        return Plan::Halted;
    }
    let retry = failures.last_at + backoff_ms(failures);
    if retry >= lifetime.expires_at {
        Plan::Exhausted { valid_until: lifetime.expires_at }
    } else {
        Plan::RenewAt(retry.max(due))
    }
}

/// How long to sleep before re-planning for a renewal due at `at`: straight to the due time when it
/// is close, every `NEAR_CHECK_MS` inside the window before it, and far away until the window opens —
/// never negative, never past the 32-bit `setTimeout` limit (a longer wait wakes, re-plans, sleeps).
pub fn wake_delay_ms(now: f64, at: f64) -> u32 {
    let remaining = at - now;
    let wait = if remaining <= NEAR_CHECK_MS {
        remaining
    } else if remaining <= NEAR_WINDOW_MS {
        NEAR_CHECK_MS
    } else {
        remaining - NEAR_WINDOW_MS
    };
    wait.clamp(0.0, MAX_TIMER_MS).ceil() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: f64 = 1_800_000_000_000.0;
    const HOUR: f64 = 3_600_000.0;

    fn life(seconds: f64) -> Lifetime {
        Lifetime { issued_at: T0, expires_at: T0 + seconds * 1000.0 }
    }

    #[test]
    fn renews_before_expiry_with_the_lead() {
        assert_eq!(plan(T0, life(7200.0), Failures::default()), Plan::RenewAt(T0 + 2.0 * HOUR - 60_000.0));
        // Short lifetimes renew at three quarters.
        assert_eq!(plan(T0, life(20.0), Failures::default()), Plan::RenewAt(T0 + 15_000.0));
        assert_eq!(lead_ms(life(0.0)), 0.0);
    }

    #[test]
    fn an_overdue_renewal_is_due_now_and_an_expired_one_stops() {
        let l = life(7200.0);
        let overdue = T0 + 2.0 * HOUR - 1_000.0; // the laptop slept past the due time
        assert!(matches!(plan(overdue, l, Failures::default()), Plan::RenewAt(at) if at <= overdue));
        assert_eq!(plan(T0 + 3.0 * HOUR, l, Failures::default()), Plan::Expired);
    }

    #[test]
    fn long_lifetimes_clamp_the_timer_instead_of_overflowing() {
        let thirty_days = life(30.0 * 24.0 * 3600.0);
        let Plan::RenewAt(at) = plan(T0, thirty_days, Failures::default()) else { panic!("expected a renewal") };
        assert_eq!(wake_delay_ms(T0, at), 2_147_483_647);
        assert_eq!(wake_delay_ms(T0, T0 - 5.0), 0, "overdue: now");
        assert_eq!(wake_delay_ms(T0, T0 + 1.5), 2);
    }

    #[test]
    fn near_the_due_time_the_scheduler_checks_periodically() {
        assert_eq!(wake_delay_ms(T0, T0 + 3_000.0), 3_000, "close: straight to it");
        assert_eq!(wake_delay_ms(T0, T0 + 60_000.0), 5_000, "inside the window: every 5 s");
        assert_eq!(wake_delay_ms(T0, T0 + HOUR), (HOUR - NEAR_WINDOW_MS) as u32, "far: until the window opens");
    }

    #[test]
    fn backoff_grows_caps_and_jitters_within_bounds() {
        let f = |count, jitter| Failures { count, last_at: T0, jitter, transient: true };
        assert_eq!(backoff_ms(f(1, 0.5)), 2_000.0);
        assert_eq!(backoff_ms(f(2, 0.5)), 4_000.0);
        assert_eq!(backoff_ms(f(3, 0.5)), 8_000.0);
        assert_eq!(backoff_ms(f(10, 0.5)), 60_000.0);
        assert_eq!(backoff_ms(f(u32::MAX, 0.5)), 60_000.0);
        assert_eq!(backoff_ms(f(1, 0.0)), 1_600.0);
        assert_eq!(backoff_ms(f(1, 1.0)), 2_400.0);
        assert_eq!(backoff_ms(f(1, 7.0)), 2_400.0);
    }

    #[test]
    fn failures_retry_while_valid_and_expire_otherwise() {
        let l = life(7200.0);
        let due = T0 + 2.0 * HOUR - 60_000.0;
        let failed = Failures { count: 1, last_at: due + 100.0, jitter: 0.5, transient: true };
        assert_eq!(plan(due + 100.0, l, failed), Plan::RenewAt(due + 2_100.0));
        let late = Failures { count: 3, last_at: l.expires_at - 1_000.0, jitter: 0.5, transient: true };
        assert_eq!(
            plan(l.expires_at - 1_000.0, l, late),
            Plan::Exhausted { valid_until: l.expires_at },
            "a retry past expiry is pointless, but the token is still valid"
        );
        assert_eq!(plan(l.expires_at + 1.0, l, failed), Plan::Expired);
    }

    #[test]
    fn retries_exhausted_before_expiry_are_not_called_expired() {
        let l = life(7200.0);
        // A transient failure 1 s before expiry: the next retry (2 s) would land after expiry.
        let late = Failures { count: 1, last_at: l.expires_at - 1_000.0, jitter: 0.5, transient: true };
        assert_ne!(plan(l.expires_at - 1_000.0, l, late), Plan::Expired, "the token is still valid");
        assert_eq!(plan(l.expires_at - 1_000.0, l, late), Plan::Exhausted { valid_until: l.expires_at });
        assert_eq!(plan(l.expires_at, l, late), Plan::Expired, "at expiry it is expired");
    }

    #[test]
    fn a_rejected_response_is_not_retried_on_a_timer() {
        let l = life(7200.0);
        let rejected = Failures { count: 1, last_at: T0 + 100.0, jitter: 0.5, transient: false };
        assert_eq!(plan(T0 + 200.0, l, rejected), Plan::Halted);
        assert_eq!(plan(l.expires_at, l, rejected), Plan::Expired, "expiry still shows as expiry");
    }
}
