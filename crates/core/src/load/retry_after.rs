//! `Retry-After` as HTTP defines it (RFC 9110 §10.2.3): either delay-seconds (`1*DIGIT`) or an
//! HTTP-date. Anything else (a negative number, a fraction, `inf`, words) is not a Retry-After
//! at all and is ignored, so a provider's header can never panic or stall a load.

use std::time::{Duration, SystemTime};

/// What a `Retry-After` header asks for, read against `now` (for the HTTP-date form).
/// `None` when the value is not one HTTP allows. A date in the past means "now".
pub(crate) fn parse(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Saturates instead of overflowing: "wait 10^30 seconds" is simply longer than any cap.
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(value: &str) -> Option<Duration> {
        // Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's own example.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        parse(value, now)
    }

    #[test]
    fn reads_both_forms_http_defines() {
        assert_eq!(at("0"), Some(Duration::ZERO));
        assert_eq!(at(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(at("Sun, 06 Nov 1994 08:50:07 GMT"), Some(Duration::from_secs(30)));
        // The obsolete forms HTTP still asks recipients to accept.
        assert_eq!(at("Sunday, 06-Nov-94 08:50:37 GMT"), Some(Duration::from_secs(60)));
        assert_eq!(at("Sun Nov  6 08:49:47 1994"), Some(Duration::from_secs(10)));
        assert_eq!(at("Sat, 05 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO), "a date in the past means now");
    }

    #[test]
    fn ignores_what_http_does_not_allow_and_never_panics() {
        for v in ["", "-1", "1.5", "inf", "NaN", "1e9", "+5", "soon", "0x10", "١٢"] {
            assert_eq!(at(v), None, "{v:?}");
        }
        assert_eq!(at("99999999999999999999999999999999"), Some(Duration::from_secs(u64::MAX)));
    }
}
