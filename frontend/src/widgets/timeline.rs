//! A small picture of recent token lifetimes: one bar per access token from issue to expiry, the
//! part it was actually in use filled, a tick where it was renewed, and a line for now — so a
//! person sees renewals happen before expiry.

use yew::prelude::*;

use crate::auth::model::LifetimeRecord;
use crate::format::clock_time;

const WIDTH: f64 = 600.0;
const ROW: f64 = 18.0;

/// An SVG coordinate, to a tenth of a unit (the picture needs no more), written as whole tenths so
/// that no float formatting is needed.
fn coord(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let tenths = tenths.unsigned_abs();
    format!("{sign}{}.{}", tenths / 10, tenths % 10)
}

/// The picture's geometry as SVG path data, one path per kind of mark, a pure function with tests
/// of its own.
#[derive(Debug, PartialEq)]
struct Marks {
    /// Each token's bar from issue to expiry.
    spans: String,
    /// The part of each bar the token was in use.
    used: String,
    /// A tick where each renewed token was replaced.
    renewed: String,
    /// The line for now.
    now: String,
    /// The picture's height.
    height: f64,
}

/// The marks of `history` (oldest first) at `now` (epoch ms); `None` with no history.
fn marks(history: &[LifetimeRecord], now: f64) -> Option<Marks> {
    let start = history.first()?.issued_at;
    let end = history.iter().map(|l| l.expires_at).fold(now, f64::max);
    let span = (end - start).max(1.0);
    let x = |t: f64| ((t - start) / span * WIDTH).clamp(0.0, WIDTH);
    let height = ROW * history.len() as f64 + 4.0;
    // A bar of width `w` (at least 1) at (`left`, `top`), 12 high.
    let bar = |left: f64, top: f64, w: f64| {
        format!("M{} {}h{}v12H{}Z", coord(left), coord(top), coord(w.max(1.0)), coord(left))
    };
    let (mut spans, mut used, mut renewed) = (String::new(), String::new(), String::new());
    for (i, l) in history.iter().enumerate() {
        let (top, left) = (i as f64 * ROW + 2.0, x(l.issued_at));
        let used_until = l.replaced_at.unwrap_or(now).min(l.expires_at);
        spans += &bar(left, top, x(l.expires_at) - left);
        used += &bar(left, top, x(used_until) - left);
        if let Some(r) = l.replaced_at {
            renewed += &format!("M{} {}v16", coord(x(r)), coord(top - 2.0));
        }
    }
    let now = format!("M{} 0V{}", coord(x(now)), coord(height));
    Some(Marks { spans, used, renewed, now, height })
}

/// Props of [`Timeline`].
#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// Recent token lifetimes, oldest first.
    pub history: Vec<LifetimeRecord>,
    /// Now (epoch ms): where the red line goes.
    pub now: f64,
}

/// Token-lifetime timeline of `history` at `now`.
#[function_component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let TimelineProps { history, now } = props;
    let Some(marks) = marks(history, *now) else { return html! {} };
    let summary = history
        .iter()
        .map(|l| match l.replaced_at {
            Some(r) => format!(
                "issued {}, renewed {}, would expire {}",
                clock_time(l.issued_at),
                clock_time(r),
                clock_time(l.expires_at)
            ),
            None => format!("issued {}, expires {}", clock_time(l.issued_at), clock_time(l.expires_at)),
        })
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        <figure class="timeline">
            <svg viewBox={format!("0 0 {} {}", coord(WIDTH), coord(marks.height))} role="img" aria-label={format!("Token lifetimes: {summary}")} data-testid="timeline">
                <path class="span" d={marks.spans} />
                <path class="used" d={marks.used} />
                <path class="renewed" d={marks.renewed} />
                <path class="now" d={marks.now} />
            </svg>
            <figcaption class="hint">{ "Recent access tokens: bar = issue → expiry, filled = in use, tick = renewed, red line = now." }</figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::{marks, Marks};
    use crate::auth::model::LifetimeRecord;

    #[test]
    fn one_bar_per_token_a_tick_per_renewal_and_a_line_for_now() {
        // Two tokens of 100 s; the first renewed at 60 s; now is 150 s. The picture spans 0–200 s
        // over 600 units: 3 units a second.
        let history = [
            LifetimeRecord { issued_at: 0.0, expires_at: 100_000.0, replaced_at: Some(60_000.0) },
            LifetimeRecord { issued_at: 100_000.0, expires_at: 200_000.0, replaced_at: None },
        ];
        let expected = Marks {
            spans: "M0.0 2.0h300.0v12H0.0ZM300.0 20.0h300.0v12H300.0Z".into(),
            used: "M0.0 2.0h180.0v12H0.0ZM300.0 20.0h150.0v12H300.0Z".into(),
            renewed: "M180.0 0.0v16".into(),
            now: "M450.0 0V40.0".into(),
            height: 40.0,
        };
        assert_eq!(marks(&history, 150_000.0), Some(expected));
    }

    #[test]
    fn nothing_to_draw_without_history_and_no_bar_thinner_than_a_unit() {
        assert_eq!(marks(&[], 0.0), None);
        // Issued and expired at once: the bar and its used part are still one unit wide.
        let instant = [LifetimeRecord { issued_at: 5.0, expires_at: 5.0, replaced_at: None }];
        let drawn = marks(&instant, 5.0).expect("one token");
        assert_eq!((drawn.spans.as_str(), drawn.used.as_str()), ("M0.0 2.0h1.0v12H0.0Z", "M0.0 2.0h1.0v12H0.0Z"));
    }

    #[test]
    fn coordinates_are_written_in_tenths() {
        assert_eq!(super::coord(12.34), "12.3");
        assert_eq!(super::coord(600.0), "600.0");
        assert_eq!(super::coord(-2.05), "-2.1");
        assert_eq!(super::coord(0.04), "0.0");
    }
}
