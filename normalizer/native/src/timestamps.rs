//! Timestamps → ECS dates: UTC with milliseconds (`2024-01-02T03:04:05.000Z`).
//!
//! `iso_utc` reads the shape AWS writes (`2024-01-02T03:04:05Z`: a date, 'T', a time, an optional
//! fraction whose first three digits are kept, then 'Z', a `±hh:mm` offset or nothing for UTC).
//! The whole ISO 8601 rule belongs to normalizer/timestamps.py's `from_iso`: the native sources hand
//! it every other string. `write_iso` writes epoch seconds. A timestamp outside the plausible range
//! the Python side passes in (timestamps.py MIN_EPOCH..MAX_EPOCH) is refused. tests/cases/
//! timestamps.json holds the cases both sides run.
use std::ops::Range;

/// `value` in UTC with milliseconds, or None when it is not AWS's shape or its time is not within
/// `plausible` (epoch seconds).
pub fn iso_utc(value: &str, plausible: &Range<i64>) -> Option<String> {
    let b = value.as_bytes();
    // No ISO 8601 timestamp is longer than 40 characters (from_iso refuses them too).
    if b.len() < 19 || b.len() > 40 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59
    {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if count == 0 {
            return None;
        }
        // Milliseconds: the first three digits, the rest dropped (not rounded).
        let kept = &fraction[..count.min(3)];
        millis = digits(kept)? * 10_i64.pow(3 - kept.len() as u32);
        rest = &fraction[count..];
    }
    let offset = match rest {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    let epoch = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    if !plausible.contains(&epoch) {
        return None;
    }
    let (days, seconds) = (epoch.div_euclid(86_400), epoch.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    // Written by hand: format! costs more than the parsing above.
    let mut out = String::with_capacity(24);
    for (value, width, separator) in [
        (year, 4, '-'), (month, 2, '-'), (day, 2, 'T'), (seconds / 3600, 2, ':'), (seconds / 60 % 60, 2, ':'),
        (seconds % 60, 2, '.'), (millis, 3, 'Z'),
    ] {
        for power in (0..width).rev() {
            out.push(char::from(b'0' + (value / 10_i64.pow(power) % 10) as u8));
        }
        out.push(separator);
    }
    Some(out)
}

fn digits(bytes: &[u8]) -> Option<i64> {
    bytes.iter().try_fold(0, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Epoch seconds of a four-digit year → "YYYY-MM-DDTHH:MM:SS.000Z" (quoted, as JSON).
pub fn write_iso(out: &mut Vec<u8>, seconds: i64) {
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let mut text = *b"\"0000-00-00T00:00:00.000Z\"";
    for (at, n) in [
        (1, year / 100),
        (3, year % 100),
        (6, month),
        (9, day),
        (12, secs / 3600),
        (15, secs / 60 % 60),
        (18, secs % 60),
    ] {
        text[at] = b'0' + (n / 10) as u8;
        text[at + 1] = b'0' + (n % 10) as u8;
    }
    out.extend_from_slice(&text);
}

/// The current time as "YYYY-MM-DDTHH:MM:SS.mmmZ" (a document's ingest time).
pub fn write_now(out: &mut Vec<u8>) {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    write_iso(out, since.as_secs() as i64);
    let millis = since.subsec_millis();
    let at = out.len() - 5; // the three digits before `Z"`
    for (n, digit) in [millis / 100, millis / 10 % 10, millis % 10].into_iter().enumerate() {
        out[at + n] = b'0' + digit as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// tests/cases/timestamps.json, the cases normalizer/timestamps.py runs too.
    fn cases() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/cases/timestamps.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("tests/cases/timestamps.json")).expect("valid JSON")
    }

    fn plausible(cases: &Value) -> Range<i64> {
        cases["range"]["first"].as_i64().unwrap()..cases["range"]["end"].as_i64().unwrap()
    }

    #[test]
    fn iso_cases_are_converted_here_or_left_to_from_iso() {
        let cases = cases();
        let range = plausible(&cases);
        for case in cases["iso"].as_array().unwrap() {
            let got = iso_utc(case["value"].as_str().unwrap(), &range);
            match (case["utc"].as_str(), case["native"].as_bool()) {
                (Some(utc), Some(true)) => assert_eq!(got.as_deref(), Some(utc), "{case}"),
                // Refused, or another shape: from_iso decides, never this fast path.
                _ => assert_eq!(got, None, "{case}"),
            }
        }
    }

    #[test]
    fn epoch_cases_are_written_as_from_epoch_writes_them() {
        let cases = cases();
        let range = plausible(&cases);
        for case in cases["epoch"].as_array().unwrap() {
            let seconds = case["seconds"].as_i64().unwrap();
            match case["utc"].as_str() {
                Some(utc) => {
                    assert!(range.contains(&seconds), "{case}");
                    let mut out = Vec::new();
                    write_iso(&mut out, seconds);
                    assert_eq!(out, format!("\"{utc}\"").into_bytes(), "{case}");
                }
                None => assert!(!range.contains(&seconds), "{case}"),
            }
        }
    }
}
