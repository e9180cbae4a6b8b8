//! The DateTime component: a date and time Plain shows in the viewer's time zone.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use super::leaf::leaf;
use crate::proto::{self, component, container_content, row_content, Component, ContainerContent, RowContent};

/// A date and time. See [`date_time`].
#[derive(Clone, Debug, PartialEq)]
pub struct DateTime(proto::DateTime);
leaf!(DateTime);

/// The instant `at`, written as RFC 3339 in UTC (`2026-03-01T09:30:00Z`, with a fraction
/// only when `at` has one). Plain shows it in the viewer's time zone, so the offset `at`
/// carries does not matter.
///
/// RFC 3339 has four-digit years only: an instant outside the years 0000..=9999 leaves the
/// value empty, which [`super::problems`] and the gateway report (rule `dateTime`).
pub fn date_time(at: OffsetDateTime) -> DateTime {
    DateTime(proto::DateTime { date_time_iso8601: rfc3339(at) })
}

/// A date-time from its text, e.g. `"2026-03-01T09:30:00Z"` or
/// `"2026-03-01T10:30:00+01:00"`: an RFC 3339 date-time with a zone, as Plain requires (not
/// checked here; [`super::problems`] and the gateway check it). Prefer [`date_time`].
pub fn date_time_iso8601(text: impl Into<String>) -> DateTime {
    DateTime(proto::DateTime { date_time_iso8601: text.into() })
}

/// `at` in UTC as RFC 3339, or empty when RFC 3339 cannot write it.
pub(super) fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(unix: i64, nanos: u32, offset_hours: i8) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix)
            .expect("in range")
            .replace_nanosecond(nanos)
            .expect("nanos")
            .to_offset(UtcOffset::from_hms(offset_hours, 0, 0).expect("offset"))
    }

    #[test]
    fn writes_rfc3339_in_utc() {
        // 2026-03-01T09:30:00Z
        let built = date_time(at(1_772_357_400, 0, 1)).into_proto();
        assert_eq!(built.date_time_iso8601, "2026-03-01T09:30:00Z");
        let built = date_time(at(1_772_357_400, 820_000_000, -5)).into_proto();
        assert_eq!(built.date_time_iso8601, "2026-03-01T09:30:00.82Z");
        assert!(cardmesh_rules::validate::is_rfc3339_date_time(&built.date_time_iso8601));
    }

    #[test]
    fn years_rfc3339_cannot_write_are_left_empty() {
        let far = OffsetDateTime::from_unix_timestamp(0).expect("epoch").replace_year(-1).expect("year -1");
        assert_eq!(date_time(far).into_proto().date_time_iso8601, "");
    }

    #[test]
    fn converts_into_every_wrapper() {
        let message = proto::DateTime { date_time_iso8601: "2026-03-01T09:30:00Z".into() };
        let built = || date_time_iso8601("2026-03-01T09:30:00Z");
        assert_eq!(RowContent::from(built()).content, Some(row_content::Content::DateTime(message.clone())));
        assert_eq!(
            ContainerContent::from(built()).content,
            Some(container_content::Content::DateTime(message.clone()))
        );
        assert_eq!(Component::from(built()).component, Some(component::Component::DateTime(message)));
    }
}
