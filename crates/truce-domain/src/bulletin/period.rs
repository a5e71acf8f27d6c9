//! A bulletin's period, parsed once: a UTC day, or the seven UTC days
//! ending on one. Its bounds are half-open, `[start, end)`, so consecutive
//! periods neither overlap nor leave a gap, and "the previous period" is
//! the same length immediately before.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Daily,
    Weekly,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Daily => "daily",
            PeriodKind::Weekly => "weekly",
        }
    }

    pub fn parse(text: &str) -> Option<PeriodKind> {
        match text {
            "daily" => Some(PeriodKind::Daily),
            "weekly" => Some(PeriodKind::Weekly),
            _ => None,
        }
    }

    fn days(self) -> i64 {
        match self {
            PeriodKind::Daily => 1,
            PeriodKind::Weekly => 7,
        }
    }
}

/// A valid period: its last day is neither in the future nor before the
/// agreement's first window (checked when parsed, so holding one means it is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BulletinPeriod {
    kind: PeriodKind,
    last_day: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("{0:?} is not a date of the form YYYY-MM-DD")]
    NotADate(String),
    #[error("{date} is in the future (today is {today}, UTC)")]
    InFuture { date: NaiveDate, today: NaiveDate },
    #[error("{date} is before the agreement's first window, which starts on {starts}")]
    BeforeAgreement { date: NaiveDate, starts: NaiveDate },
}

impl BulletinPeriod {
    /// The period ending on `date` (YYYY-MM-DD, UTC), refused when that day
    /// is after `now`'s or before the day `agreement_starts` falls on.
    pub fn parse(
        date: &str,
        kind: PeriodKind,
        agreement_starts: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<BulletinPeriod, PeriodError> {
        let last_day = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .ok()
            .filter(|_| date.trim().len() == 10)
            .ok_or_else(|| PeriodError::NotADate(date.to_string()))?;
        let today = now.date_naive();
        if last_day > today {
            return Err(PeriodError::InFuture { date: last_day, today });
        }
        let starts = agreement_starts.date_naive();
        if last_day < starts {
            return Err(PeriodError::BeforeAgreement { date: last_day, starts });
        }
        Ok(BulletinPeriod { kind, last_day })
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// The period's last day (the date it was asked for).
    pub fn last_day(&self) -> NaiveDate {
        self.last_day
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.end() - Duration::days(self.kind.days())
    }

    /// The first moment after the period.
    pub fn end(&self) -> DateTime<Utc> {
        let next = self.last_day.succ_opt().unwrap_or(self.last_day);
        next.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    /// The period of the same kind just before this one (not checked
    /// against the agreement: it is only compared with).
    pub fn previous(&self) -> BulletinPeriod {
        let back = self.last_day - Duration::days(self.kind.days());
        BulletinPeriod {
            kind: self.kind,
            last_day: back,
        }
    }

    /// "2025-10-24", or "2025-10-18 – 2025-10-24" for a week.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Daily => self.last_day.to_string(),
            PeriodKind::Weekly => format!("{} – {}", self.start().date_naive(), self.last_day),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_week_is_seven_days_ending_on_its_date_and_follows_the_previous() {
        let starts = time("2025-10-15T13:00:00Z");
        let now = time("2025-11-01T00:00:00Z");
        let week = BulletinPeriod::parse("2025-10-24", PeriodKind::Weekly, starts, now).unwrap();
        assert_eq!(week.start(), time("2025-10-18T00:00:00Z"));
        assert_eq!(week.end(), time("2025-10-25T00:00:00Z"));
        assert_eq!(week.previous().end(), week.start());
        assert_eq!(week.label(), "2025-10-18 – 2025-10-24");
        let day = BulletinPeriod::parse("2025-10-24", PeriodKind::Daily, starts, now).unwrap();
        assert_eq!((day.start(), day.end()), (time("2025-10-24T00:00:00Z"), week.end()));
    }

    #[test]
    fn bad_future_and_early_dates_are_refused_precisely() {
        let starts = time("2025-10-15T13:00:00Z");
        let now = time("2025-11-01T10:00:00Z");
        let parse = |d: &str| BulletinPeriod::parse(d, PeriodKind::Daily, starts, now);
        assert!(matches!(parse("2025-13-01"), Err(PeriodError::NotADate(_))));
        assert!(matches!(parse("2025-10-1"), Err(PeriodError::NotADate(_))));
        assert!(matches!(parse("yesterday"), Err(PeriodError::NotADate(_))));
        assert!(matches!(parse("2025-11-02"), Err(PeriodError::InFuture { .. })));
        assert!(matches!(parse("2025-10-14"), Err(PeriodError::BeforeAgreement { .. })));
        assert!(parse("2025-11-01").is_ok(), "today is allowed: the bulletin so far");
        assert!(parse("2025-10-15").is_ok(), "the agreement's first day");
    }
}
