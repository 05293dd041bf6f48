//! Times as a person reads them: clock times, ISO attributes for `<time>`, and "in 42 s".

/// `12:34:56` in the browser's locale.
pub fn clock_time(epoch_ms: f64) -> String {
    let date = js_sys::Date::new(&epoch_ms.into());
    String::from(date.to_locale_time_string("en-GB"))
}

/// ISO 8601, for `<time datetime>`.
pub fn iso_time(epoch_ms: f64) -> String {
    String::from(js_sys::Date::new(&epoch_ms.into()).to_iso_string())
}

/// Whole epoch milliseconds as text (integer formatting keeps float printing out of the bundle).
pub fn epoch_ms_text(epoch_ms: f64) -> String {
    (epoch_ms.round() as u64).to_string()
}

/// "in 1 h 02 min", "in 42 s", "3 s ago".
pub fn relative(ms: f64) -> String {
    let secs = (ms.abs() / 1000.0).round() as u64;
    let text = match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min {:02} s", secs / 60, secs % 60),
        _ => format!("{} h {:02} min", secs / 3600, (secs % 3600) / 60),
    };
    if ms >= 0.0 {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}
