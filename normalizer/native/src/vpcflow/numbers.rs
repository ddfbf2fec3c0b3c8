//! Numbers and dates written as JSON.
use crate::timestamps::civil_from_days;

/// The decimal digits of `n`, written at the end of `buffer`.
pub fn decimal(mut n: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buffer[at..];
        }
    }
}

pub fn write_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(decimal(n.unsigned_abs(), &mut [0; 20]));
}

/// Epoch seconds (years 2000-2099) → "YYYY-MM-DDTHH:MM:SS.000Z", as timestamps.from_epoch writes.
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

    #[test]
    fn iso_dates() {
        let mut out = Vec::new();
        write_iso(&mut out, 1_763_596_860);
        assert_eq!(out, b"\"2025-11-20T00:01:00.000Z\"");
        out.clear();
        write_iso(&mut out, 951_782_400); // 2000-02-29
        assert_eq!(out, b"\"2000-02-29T00:00:00.000Z\"");
    }

    #[test]
    fn integers() {
        let mut out = Vec::new();
        write_int(&mut out, -1234567890123);
        write_int(&mut out, 0);
        assert_eq!(out, b"-12345678901230");
    }
}
