//! CSV issuing: the spreadsheet a registrar exports, read into batch items
//! and issued (or only checked, a dry run) through the batch use case
//! (`issuing::issue_batch`, `issuing::validate_batch`), so a row is judged
//! exactly as a JSON batch item is.
//!
//! The file: UTF-8 (a BOM is dropped), the separator the header line uses
//! (`,`, `;` as European Excel writes, or tab), quoted fields may hold
//! separators and newlines. The header row names the columns in any order
//! (trimmed, case-insensitive); an unknown or repeated column refuses the
//! whole file. Rows are numbered as a spreadsheet shows them: the header is
//! row 1, blank lines count, a quoted newline does not start a row.
//!
//! `name` is the recipient's name as the registrar wrote it: it is shown
//! beside the row's outcome (preview and result) so a person can tell the
//! rows apart, and it is not signed into the credential (a learner's name
//! is their profile's; an address's owner names themselves when claiming).

use std::collections::BTreeMap;

use cairn_domain::{AchievementId, Credits, Email, HttpUrl, OrgId, UserId};
use chrono::{DateTime, NaiveDate, Utc};

use crate::services::Context;
use crate::services::issuing::{self, EvidenceInput, IssueError, IssueRequest, IssuingError, Recipient};
use crate::services::records::CredentialView;
use crate::store::DbConn;

/// Most rows in one file (the JSON batch's item cap).
pub const MAX_ROWS: usize = 2_000;
/// The longest `name` cell.
pub const MAX_NAME_CHARS: usize = 200;

/// The columns a file may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Column {
    Email,
    Learner,
    Name,
    Achievement,
    AwardedAt,
    ValidUntil,
    CreditsEarned,
    EvidenceUrl,
}

impl Column {
    pub const ALL: [Column; 8] = [
        Column::Email,
        Column::Learner,
        Column::Name,
        Column::Achievement,
        Column::AwardedAt,
        Column::ValidUntil,
        Column::CreditsEarned,
        Column::EvidenceUrl,
    ];

    /// The header that names it.
    pub fn header(self) -> &'static str {
        match self {
            Column::Email => "email",
            Column::Learner => "learner",
            Column::Name => "name",
            Column::Achievement => "achievement",
            Column::AwardedAt => "awarded_at",
            Column::ValidUntil => "valid_until",
            Column::CreditsEarned => "credits_earned",
            Column::EvidenceUrl => "evidence_url",
        }
    }

    fn from_header(header: &str) -> Option<Self> {
        let header = header.trim();
        Self::ALL.into_iter().find(|c| c.header().eq_ignore_ascii_case(header))
    }

    /// The column holding the field a batch item's error names
    /// (`recipient.email` → `email`, `evidence[0]` → `evidence_url`).
    pub fn of_field(field: &str) -> Option<Self> {
        match field {
            "recipient.email" | "recipient" => Some(Column::Email),
            "recipient.learner" => Some(Column::Learner),
            "achievement" => Some(Column::Achievement),
            "awarded_at" => Some(Column::AwardedAt),
            "valid_until" => Some(Column::ValidUntil),
            "credits_earned" => Some(Column::CreditsEarned),
            f if f == "evidence" || f.starts_with("evidence[") => Some(Column::EvidenceUrl),
            f => Self::from_header(f),
        }
    }

    fn list() -> String {
        Self::ALL.iter().map(|c| format!("`{}`", c.header())).collect::<Vec<_>>().join(", ")
    }
}

/// What refuses a whole file.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("the file is not UTF-8 text (from row {row}); save it as \"CSV UTF-8\"")]
    NotUtf8 { row: usize },
    #[error("the file is empty; its first row names the columns")]
    Empty,
    #[error("unknown column `{0}`; the columns are {list}", list = Column::list())]
    UnknownColumn(String),
    #[error("the column `{0}` appears twice")]
    DuplicateColumn(String),
    #[error("give an `email` or a `learner` column for the recipients")]
    NoRecipientColumn,
    #[error("give an `achievement` column")]
    NoAchievementColumn,
    #[error("the file has no rows under its header")]
    NoRows,
    #[error("the file has more than {MAX_ROWS} rows; split it")]
    TooManyRows,
    #[error("row {row}: {message}")]
    Unreadable { row: usize, message: String },
}

/// A cell that could not be read, or a row that does not fit the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// `None` for the row as a whole (too many cells).
    pub column: Option<Column>,
    pub message: String,
}

impl CellError {
    fn at(column: Column, message: impl Into<String>) -> Self {
        Self { column: Some(column), message: message.into() }
    }
}

/// A row read from the file, before its achievement is looked up.
#[derive(Debug, Clone)]
pub struct Row {
    /// The spreadsheet's row number (the header is row 1).
    pub row: usize,
    pub name: Option<String>,
    cells: Result<Cells, CellError>,
}

#[derive(Debug, Clone)]
struct Cells {
    achievement: String,
    recipient: Recipient,
    awarded_at: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    credits_earned: Option<Credits>,
    evidence: Vec<EvidenceInput>,
}

/// Why a row was not issued (or would not be).
#[derive(Debug)]
pub enum RowError {
    Cell(CellError),
    Refused(IssuingError),
}

#[derive(Debug)]
pub enum RowOutcome {
    Issued(Box<CredentialView>),
    /// A dry run's: issuing would accept the row.
    Valid,
    Failed(RowError),
}

#[derive(Debug)]
pub struct RowResult {
    pub row: usize,
    pub name: Option<String>,
    pub outcome: RowOutcome,
}

/// The text of a file: UTF-8, its BOM dropped.
pub fn decode(bytes: &[u8]) -> Result<&str, CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let before = bytes.get(..e.valid_up_to()).unwrap_or_default();
        CsvError::NotUtf8 { row: 1 + before.iter().filter(|b| **b == b'\n').count() }
    })
}

/// The separator of a file: the one its header line uses most (`,` when none).
fn separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |sep: char| header.chars().filter(|c| *c == sep).count();
    [b',', b';', b'\t'].into_iter().max_by_key(|sep| (count(char::from(*sep)), *sep == b',')).unwrap_or(b',')
}

/// Reads a file into rows, refusing it whole when its header is wrong.
/// Cells are checked here (dates, ids, addresses, credits, URLs); whether
/// the achievement and the recipient exist is for `run`.
pub fn parse(text: &str) -> Result<Vec<Row>, CsvError> {
    let mut reader = csv::ReaderBuilder::new().delimiter(separator(text)).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let unreadable = |e: csv::Error| {
        let row = e.position().map_or(1, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        CsvError::Unreadable { row, message: e.to_string() }
    };
    let header = records.next().ok_or(CsvError::Empty)?.map_err(unreadable)?;
    let mut columns: Vec<Column> = Vec::with_capacity(header.len());
    for name in &header {
        let column = Column::from_header(name).ok_or_else(|| CsvError::UnknownColumn(name.trim().to_owned()))?;
        if columns.contains(&column) {
            return Err(CsvError::DuplicateColumn(column.header().to_owned()));
        }
        columns.push(column);
    }
    if !columns.iter().any(|c| matches!(c, Column::Email | Column::Learner)) {
        return Err(CsvError::NoRecipientColumn);
    }
    if !columns.contains(&Column::Achievement) {
        return Err(CsvError::NoAchievementColumn);
    }
    // A spreadsheet's row: 1 + the line ends before the record, less the
    // newlines quoted inside earlier records (blank lines count as rows).
    let mut quoted_newlines = newlines(&header);
    let (mut counted_to, mut line_ends) = (0, 0);
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(unreadable)?;
        // The reader's position is where the previous record's line end
        // began: the record itself starts past the line ends and blank lines.
        let after = record.position().map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX)).min(text.len());
        let start =
            text.as_bytes().get(after..).unwrap_or_default().iter().position(|b| !matches!(b, b'\r' | b'\n')).map_or(text.len(), |skip| after + skip);
        line_ends += text.as_bytes().get(counted_to..start).unwrap_or_default().iter().filter(|b| **b == b'\n').count();
        counted_to = counted_to.max(start);
        let row = (1 + line_ends).saturating_sub(quoted_newlines);
        quoted_newlines += newlines(&record);
        // Rows of empty cells are what spreadsheets leave under their data.
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(CsvError::TooManyRows);
        }
        let cells: BTreeMap<Column, &str> =
            columns.iter().zip(record.iter()).map(|(c, cell)| (*c, cell.trim())).filter(|(_, cell)| !cell.is_empty()).collect();
        let name = cells.get(&Column::Name).map(|n| (*n).to_owned());
        let cells = if record.len() > columns.len() {
            Err(CellError { column: None, message: format!("has {} cells, the header {}", record.len(), columns.len()) })
        } else {
            read_cells(&cells)
        };
        rows.push(Row { row, name, cells });
    }
    if rows.is_empty() {
        return Err(CsvError::NoRows);
    }
    Ok(rows)
}

fn newlines(record: &csv::StringRecord) -> usize {
    record.iter().map(|cell| cell.matches('\n').count()).sum()
}

fn read_cells(cells: &BTreeMap<Column, &str>) -> Result<Cells, CellError> {
    if let Some(column) = cells.iter().find(|(_, cell)| cell.contains('\0')).map(|(c, _)| *c) {
        return Err(CellError::at(column, "holds a NUL character"));
    }
    if cells.get(&Column::Name).is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
        return Err(CellError::at(Column::Name, format!("at most {MAX_NAME_CHARS} characters")));
    }
    let recipient = match (cells.get(&Column::Email), cells.get(&Column::Learner)) {
        (Some(email), None) => {
            Recipient { learner: None, email: Some(Email::parse(email).map_err(|e| CellError::at(Column::Email, e.to_string()))?) }
        }
        (None, Some(learner)) => Recipient {
            learner: Some(learner.parse::<UserId>().map_err(|_| CellError::at(Column::Learner, "not a learner id (a UUID)"))?),
            email: None,
        },
        (Some(_), Some(_)) => return Err(CellError::at(Column::Email, "give an email or a learner id, not both")),
        (None, None) => return Err(CellError::at(Column::Email, "give the recipient's email or learner id")),
    };
    let achievement = cells.get(&Column::Achievement).ok_or_else(|| CellError::at(Column::Achievement, "give the achievement"))?;
    let credits_earned = match cells.get(&Column::CreditsEarned) {
        None => None,
        Some(text) => Some(credits(text).map_err(|message| CellError::at(Column::CreditsEarned, message))?),
    };
    let evidence = match cells.get(&Column::EvidenceUrl) {
        None => Vec::new(),
        Some(url) => vec![EvidenceInput {
            id: Some(HttpUrl::parse(url).map_err(|e| CellError::at(Column::EvidenceUrl, e.to_string()))?),
            name: None,
            narrative: None,
            description: None,
        }],
    };
    Ok(Cells {
        achievement: (*achievement).to_owned(),
        recipient,
        awarded_at: date(cells, Column::AwardedAt)?,
        valid_until: date(cells, Column::ValidUntil)?,
        credits_earned,
        evidence,
    })
}

/// A date and time (RFC 3339), or a date alone (midnight UTC of that day).
fn date(cells: &BTreeMap<Column, &str>, column: Column) -> Result<Option<DateTime<Utc>>, CellError> {
    let Some(text) = cells.get(&column) else { return Ok(None) };
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(at.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|at| Some(at.and_utc()))
        .ok_or_else(|| CellError::at(column, "write the date as 2026-06-30 (or 2026-06-30T14:00:00Z)"))
}

/// An amount and a unit, `7.5 ECTS`; a decimal comma (`7,5 ECTS`) is read
/// as the point European spreadsheets mean.
fn credits(text: &str) -> Result<Credits, String> {
    let text = if text.contains('.') { text.to_owned() } else { text.replacen(',', ".", 1) };
    text.parse::<Credits>().map_err(|_| "write an amount and a unit, such as `7.5 ECTS`".to_owned())
}

/// The achievement a cell names, in `org`'s catalog: its id. (The one
/// place a cell becomes an achievement: an id, or else its key.)
fn resolve_achievement(conn: &mut DbConn, org: OrgId, cell: &str) -> Result<AchievementId, IssuingError> {
    if let Ok(id) = cell.parse::<AchievementId>() {
        return Ok(id);
    }
    let found = crate::store::achievements::by_key(conn, org, cell)?;
    found.map(|achievement| achievement.id).ok_or(IssuingError::Refused(IssueError::UnknownAchievement))
}

/// A row of cells given one by one (the console's "issue one" form is a
/// one-row sheet): read as a file's row is.
pub fn row_of(cells: &[(Column, &str)]) -> Row {
    let cells: BTreeMap<Column, &str> = cells.iter().map(|(c, cell)| (*c, cell.trim())).filter(|(_, cell)| !cell.is_empty()).collect();
    Row { row: 2, name: cells.get(&Column::Name).map(|n| (*n).to_owned()), cells: read_cells(&cells) }
}

/// A row's issue request, its achievement looked up in `org`'s catalog.
pub fn request_of(conn: &mut DbConn, org: OrgId, row: Row) -> Result<IssueRequest, RowError> {
    let cells = row.cells.map_err(RowError::Cell)?;
    let achievement = resolve_achievement(conn, org, &cells.achievement).map_err(RowError::Refused)?;
    Ok(IssueRequest {
        achievement,
        recipient: cells.recipient,
        awarded_at: cells.awarded_at,
        valid_until: cells.valid_until,
        evidence: cells.evidence,
        credits_earned: cells.credits_earned,
    })
}

/// Issues the rows (or, `dry_run`, checks them as issuing would and issues
/// nothing). Every row gets its outcome, in file order.
pub fn run(conn: &mut DbConn, ctx: &Context, org: OrgId, rows: Vec<Row>, dry_run: bool) -> Result<Vec<RowResult>, IssueError> {
    let mut requests = Vec::with_capacity(rows.len());
    // Each row: Ok(()) when its request is in `requests`, or its error.
    let mut slots: Vec<(usize, Option<String>, Result<(), RowError>)> = Vec::with_capacity(rows.len());
    for row in rows {
        let (number, name) = (row.row, row.name.clone());
        let slot = request_of(conn, org, row).map(|request| requests.push(request));
        slots.push((number, name, slot));
    }
    let mut outcomes = if dry_run {
        issuing::validate_batch(conn, ctx, org, &requests)?.into_iter().map(|r| r.map(|()| RowOutcome::Valid)).collect::<Vec<_>>().into_iter()
    } else {
        issuing::issue_batch(conn, ctx, org, requests)?
            .into_iter()
            .map(|r| r.map(|view| RowOutcome::Issued(Box::new(view))))
            .collect::<Vec<_>>()
            .into_iter()
    };
    Ok(slots
        .into_iter()
        .map(|(row, name, slot)| {
            let outcome = match slot {
                Err(error) => RowOutcome::Failed(error),
                Ok(()) => match outcomes.next() {
                    Some(Ok(done)) => done,
                    Some(Err(error)) => RowOutcome::Failed(RowError::Refused(error)),
                    None => RowOutcome::Failed(RowError::Refused(IssuingError::Refused(IssueError::Store(crate::store::StoreError::Corrupt(
                        format!("no outcome for row {row}"),
                    ))))),
                },
            };
            RowResult { row, name, outcome }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use crate::services::csv_batch::{Column, CsvError, decode, parse, separator};

    const ID: &str = "0190f0a0-0000-7000-8000-000000000001";

    #[test]
    fn the_separator_is_the_header_lines() {
        assert_eq!(separator("email;achievement;name\n"), b';');
        assert_eq!(separator("email\tachievement\n"), b'\t');
        assert_eq!(separator("email,achievement\n"), b',');
        assert_eq!(separator("email\n"), b',');
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let text = format!("Email ; ACHIEVEMENT;name\na@example.org;{ID};\"Ada\nLovelace\"\n\nb@example.org;{ID};\"Bo; B\"\n");
        let rows = parse(&text).unwrap();
        assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(rows[0].name.as_deref(), Some("Ada\nLovelace"));
        assert_eq!(rows[1].name.as_deref(), Some("Bo; B"));
        assert!(rows.iter().all(|r| r.cells.is_ok()));
        let crlf = format!("email,achievement\r\na@example.org,{ID}\r\n\r\nb@example.org,{ID}\r\n");
        assert_eq!(parse(&crlf).unwrap().iter().map(|r| r.row).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn a_bad_header_refuses_the_file() {
        assert!(matches!(parse("email,achievement,grade\n"), Err(CsvError::UnknownColumn(c)) if c == "grade"));
        assert!(matches!(parse("email,achievement,EMAIL\n"), Err(CsvError::DuplicateColumn(c)) if c == "email"));
        assert!(matches!(parse("name,achievement\nx,y\n"), Err(CsvError::NoRecipientColumn)));
        assert!(matches!(parse("email,achievement\n"), Err(CsvError::NoRows)));
        assert!(matches!(decode(b"email\nJos\xe9\n"), Err(CsvError::NotUtf8 { row: 2 })));
        assert_eq!(decode(b"\xEF\xBB\xBFemail").unwrap(), "email");
    }

    #[test]
    fn cells_name_their_column() {
        let text = format!(
            "email,learner,achievement,awarded_at,credits_earned,evidence_url\n\
             a@example.org,,{ID},30/06/2026,,\n\
             ,not-an-id,{ID},,,\n\
             a@example.org,,{ID},2026-06-30,\"7,5 ECTS\",https://example.org/e\n\
             a@example.org,,{ID},,,ftp://x\n"
        );
        let rows = parse(&text).unwrap();
        let column = |i: usize| rows[i].cells.as_ref().err().and_then(|e| e.column);
        assert_eq!(column(0), Some(Column::AwardedAt));
        assert_eq!(column(1), Some(Column::Learner));
        assert_eq!(column(2), None, "{:?}", rows[2].cells);
        assert_eq!(rows[2].cells.as_ref().unwrap().credits_earned.as_ref().unwrap().to_string(), "7.5 ECTS");
        assert_eq!(column(3), Some(Column::EvidenceUrl));
    }
}
