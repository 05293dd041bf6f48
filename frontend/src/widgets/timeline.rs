//! A small picture of recent token lifetimes: one bar per access token from issue to expiry, the
//! part it was actually in use filled, a tick where it was renewed, and a line for now — so a
//! person sees renewals happen before expiry.

use yew::prelude::*;

use crate::auth::model::LifetimeRecord;
use crate::format::clock_time;

const WIDTH: f64 = 600.0;
const ROW: f64 = 18.0;

/// An SVG coordinate in tenths, written with integer formatting: float printing would add ~10 KB
/// of formatting code to the bundle for a picture that needs no more precision.
fn coord(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let tenths = tenths.unsigned_abs();
    format!("{sign}{}.{}", tenths / 10, tenths % 10)
}

/// Token-lifetime timeline of `history` (oldest first) at `now` (epoch ms). A function, not a
/// component: it is drawn again every second with the status around it anyway, and each component
/// type costs ~1 KB of wasm.
pub fn timeline(history: &[LifetimeRecord], now: f64) -> Html {
    let Some(first) = history.first() else { return html! {} };
    let start = first.issued_at;
    let end = history.iter().map(|l| l.expires_at).fold(now, f64::max);
    let span = (end - start).max(1.0);
    let x = |t: f64| ((t - start) / span * WIDTH).clamp(0.0, WIDTH);
    let height = ROW * history.len() as f64 + 4.0;
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
    let bars = history.iter().enumerate().map(|(i, l)| {
        let y = i as f64 * ROW + 2.0;
        let used_until = l.replaced_at.unwrap_or(now).min(l.expires_at);
        html! {
            <g class="lifetime">
                <rect class="span" x={coord(x(l.issued_at))} y={coord(y)} width={coord((x(l.expires_at) - x(l.issued_at)).max(1.0))} height="12" rx="3" />
                <rect class="used" x={coord(x(l.issued_at))} y={coord(y)} width={coord((x(used_until) - x(l.issued_at)).max(1.0))} height="12" rx="3" />
                if let Some(r) = l.replaced_at {
                    <line class="renewed" x1={coord(x(r))} x2={coord(x(r))} y1={coord(y - 2.0)} y2={coord(y + 14.0)} />
                }
            </g>
        }
    });
    html! {
        <figure class="timeline">
            <svg viewBox={format!("0 0 {} {}", coord(WIDTH), coord(height))} role="img" aria-label={format!("Token lifetimes: {summary}")} data-testid="timeline">
                { for bars }
                <line class="now" x1={coord(x(now))} x2={coord(x(now))} y1="0" y2={coord(height)} />
            </svg>
            <figcaption class="hint">{ "Recent access tokens: bar = issue → expiry, filled = in use, tick = renewed, red line = now." }</figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn coordinates_are_written_in_tenths() {
        assert_eq!(super::coord(12.34), "12.3");
        assert_eq!(super::coord(600.0), "600.0");
        assert_eq!(super::coord(-2.05), "-2.1");
        assert_eq!(super::coord(0.04), "0.0");
    }
}
