//! UTC date formatting for the signer. The time is always an input (seconds since the Unix
//! epoch): the core never reads a clock.

use crate::Str;

/// `YYYYMMDD` and `YYYYMMDDTHHMMSSZ` for a Unix time in seconds.
///
/// ```
/// let (day, stamp) = oss_symlink::time::oss_dates(1702743657);
/// assert_eq!(day, "20231216");
/// assert_eq!(stamp, "20231216T162057Z");
/// ```
pub fn oss_dates(unix_seconds: i64) -> (Str, Str) {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let day = format_date(y, m, d);
    let mut stamp = day.clone();
    stamp.push('T');
    push_two(&mut stamp, secs / 3600);
    push_two(&mut stamp, secs % 3600 / 60);
    push_two(&mut stamp, secs % 60);
    stamp.push('Z');
    (day, stamp)
}

/// Years 0..=9999 are what `x-oss-date` can express; callers validate against these bounds.
pub const MIN_UNIX_SECONDS: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
pub const MAX_UNIX_SECONDS: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

fn format_date(y: i64, m: i64, d: i64) -> Str {
    let mut s = Str::new();
    push_two(&mut s, y / 100);
    push_two(&mut s, y % 100);
    push_two(&mut s, m);
    push_two(&mut s, d);
    s
}

fn push_two(s: &mut Str, n: i64) {
    let n = n.rem_euclid(100) as u8;
    s.push(char::from(b'0' + n / 10));
    s.push(char::from(b'0' + n % 10));
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_leap_days() {
        assert_eq!(oss_dates(0).1, "19700101T000000Z");
        assert_eq!(oss_dates(951_782_400).0, "20000229");
        assert_eq!(oss_dates(MAX_UNIX_SECONDS).1, "99991231T235959Z");
        assert_eq!(oss_dates(MIN_UNIX_SECONDS).1, "00000101T000000Z");
    }
}
