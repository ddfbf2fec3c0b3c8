//! Integers written as decimal text, and floats in the three notations documents need: in JSON as
//! orjson writes them, like the Python sources' documents (`1e+16`, `0.00001`); as keyword text in
//! the form of Python's `str()`, which the Python sources' keywords have (`1e+16`, `1e-05`); and as
//! Java's `Double.toString` (`1.0E16`), which Elastic's string form of CloudTrail objects shows.
//! All three print the same shortest round-trip digits (zmij computes them); they differ only in
//! where the point and exponent go.

/// A finite float as its shortest round-trip digits: value = 0.DIGITS × 10^point.
struct Decimal {
    negative: bool,
    digits: String,
    point: i32,
}

impl Decimal {
    fn of(value: f64) -> Decimal {
        let mut buffer = zmij::Buffer::new();
        let text = buffer.format_finite(value);
        let negative = text.starts_with('-');
        let text = text.trim_start_matches('-');
        let (mantissa, exponent) = match text.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
            None => (text, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all: String = whole.chars().chain(fraction.chars()).collect();
        let leading = all.len() - all.trim_start_matches('0').len();
        let digits = all.trim_matches('0').to_string();
        let point = whole.len() as i32 - leading as i32 + exponent;
        if digits.is_empty() {
            return Decimal { negative, digits: "0".into(), point: 1 };
        }
        Decimal { negative, digits, point }
    }

    /// d.ddd (at least one digit after the point when `pad`) for scientific notation.
    fn mantissa(&self, pad: bool) -> String {
        let (first, rest) = self.digits.split_at(1);
        match (rest.is_empty(), pad) {
            (true, true) => format!("{first}.0"),
            (true, false) => first.to_string(),
            _ => format!("{first}.{rest}"),
        }
    }

    /// Positional notation, with ".0" on whole numbers.
    fn positional(&self) -> String {
        let digits = &self.digits;
        let point = self.point;
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (whole, fraction) = digits.split_at(point as usize);
            format!("{whole}.{fraction}")
        };
        self.signed(body)
    }

    fn signed(&self, body: String) -> String {
        if self.negative {
            format!("-{body}")
        } else {
            body
        }
    }
}

/// A float in a JSON document: positional from 1e-5 up to 1e16, else `1.5e-7`, `1e+16` (orjson's form).
pub fn write_float(out: &mut Vec<u8>, value: f64) {
    out.extend_from_slice(orjson_float(value).as_bytes());
}

fn orjson_float(value: f64) -> String {
    if !value.is_finite() {
        return "null".into(); // orjson writes NaN and infinities as null; JSON input has none
    }
    let d = Decimal::of(value);
    if -5 < d.point && d.point <= 16 {
        return d.positional();
    }
    let exponent = d.point - 1;
    d.signed(format!("{}e{}{exponent}", d.mantissa(false), if exponent > 0 { "+" } else { "" }))
}

/// A float as keyword text: positional from 1e-4 up to 1e16, else `1.5e-07`, `1e+16` (Python's `str()`).
pub fn python_str(value: f64) -> String {
    if value.is_nan() {
        return "nan".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let d = Decimal::of(value);
    if -4 < d.point && d.point <= 16 {
        return d.positional();
    }
    let exponent = d.point - 1;
    let sign = if exponent < 0 { '-' } else { '+' };
    d.signed(format!("{}e{sign}{:02}", d.mantissa(false), exponent.abs()))
}

/// Java's `Double.toString`: positional between 1e-3 and 1e7, else `1.0E7`, `-2.5E-10`.
pub fn java_double(value: f64) -> String {
    if value == 0.0 {
        return if value.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let magnitude = value.abs();
    if (1e-3..1e7).contains(&magnitude) {
        return python_str(value);
    }
    let d = Decimal::of(value);
    d.signed(format!("{}E{}", d.mantissa(true), d.point - 1))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orjson_forms() {
        for (value, text) in [
            (1e16, "1e+16"), (1e15, "1000000000000000.0"), (1.5e-7, "1.5e-7"), (1e-5, "0.00001"),
            (1e-6, "1e-6"), (0.1, "0.1"), (100.0, "100.0"), (-0.0, "-0.0"), (0.0, "0.0"),
            (1.8446744073709552e19, "1.8446744073709552e+19"), (-2.5e-10, "-2.5e-10"),
            (123456.789, "123456.789"),
        ] {
            assert_eq!(orjson_float(value), text, "{value:e}");
        }
    }

    #[test]
    fn python_forms() {
        for (value, text) in [
            (1e16, "1e+16"), (1e15, "1000000000000000.0"), (1.5e-7, "1.5e-07"), (1e-5, "1e-05"),
            (0.0001, "0.0001"), (100.0, "100.0"), (-0.0, "-0.0"), (1.2345678901234568e29, "1.2345678901234568e+29"),
            (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        ] {
            assert_eq!(python_str(value), text, "{value:e}");
        }
    }

    #[test]
    fn java_forms() {
        for (value, text) in [
            (1.5, "1.5"), (100.0, "100.0"), (1e7, "1.0E7"), (12345678.9, "1.23456789E7"), (0.0001, "1.0E-4"),
            (-2.5e-10, "-2.5E-10"), (0.0, "0.0"), (0.001, "0.001"), (-0.0, "-0.0"),
        ] {
            assert_eq!(java_double(value), text, "{value:e}");
        }
    }

    #[test]
    fn integers() {
        let mut out = Vec::new();
        write_int(&mut out, -1234567890123);
        write_int(&mut out, 0);
        assert_eq!(out, b"-12345678901230");
    }
}
