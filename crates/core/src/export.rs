//! Writing a load's items out: the seed's JSON list, JSON Lines, or CSV (one row per item, the
//! 14 fields as columns, `children` joined with spaces, times in RFC 3339).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::item::IntegrationItem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Jsonl,
    Csv,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            other => Err(Error::InvalidInput(format!("`{other}` is not an export format (json, jsonl, csv)"))),
        }
    }
}

pub const CSV_COLUMNS: [&str; 14] = [
    "id",
    "type",
    "directory",
    "parent_path_or_name",
    "parent_id",
    "name",
    "creation_time",
    "last_modified_time",
    "url",
    "children",
    "mime_type",
    "delta",
    "drive_id",
    "visibility",
];

pub fn write_items(items: &[IntegrationItem], format: Format, out: impl Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    match format {
        Format::Json => {
            serde_json::to_writer(&mut out, items)?;
            out.write_all(b"\n")?;
        }
        Format::Jsonl => {
            for item in items {
                serde_json::to_writer(&mut out, item)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            csv.write_record(CSV_COLUMNS)?;
            for i in items {
                let time = |t: &Option<chrono::DateTime<chrono::Utc>>| {
                    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)).unwrap_or_default()
                };
                let text = |v: &Option<String>| cell(v.as_deref().unwrap_or_default());
                csv.write_record([
                    cell(&i.id),
                    cell(&i.kind),
                    i.directory.to_string(),
                    text(&i.parent_path_or_name),
                    text(&i.parent_id),
                    cell(&i.name),
                    time(&i.creation_time),
                    time(&i.last_modified_time),
                    text(&i.url),
                    cell(&i.children.join(" ")),
                    text(&i.mime_type),
                    text(&i.delta),
                    text(&i.drive_id),
                    i.visibility.to_string(),
                ])?;
            }
            csv.flush()?;
        }
    }
    out.flush()
}

/// A file written beside its destination and renamed into place once complete, so a reader
/// never sees half a file. Created first, so a destination that cannot be written is known
/// before the work that fills it; removed again if that work does not complete. The app's
/// export and the CLI's `--output` both write through it.
pub struct AtomicFile {
    partial: PathBuf,
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let io = |message: String| Error::Io { path: path.to_path_buf(), message };
        if path.is_dir() {
            return Err(io("it is a folder".into()));
        }
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("out");
        let partial = path.with_extension(format!("{extension}.partial"));
        let file = std::fs::File::create(&partial).map_err(|e| io(e.to_string()))?;
        Ok(AtomicFile { partial, path: path.to_path_buf(), file: Some(file) })
    }

    /// Fills the file, flushes it to disk and moves it into place.
    pub fn write(mut self, write: impl FnOnce(&std::fs::File) -> std::io::Result<()>) -> Result<()> {
        let file = self.file.take().expect("written once");
        write(&file)
            .and_then(|()| file.sync_all())
            .and_then(|()| std::fs::rename(&self.partial, &self.path))
            .map_err(|e| Error::Io { path: self.path.clone(), message: e.to_string() })
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Still here: the rename did not happen, so nothing half-written is left behind.
        let _ = std::fs::remove_file(&self.partial);
    }
}

/// A CSV cell a spreadsheet will not run: text from a provider that starts like a formula
/// (`=`, `+`, `-`, `@`, a tab, a carriage return, OWASP's list, and NUL) gets a leading `'`,
/// which spreadsheets show as text. Quoting is the csv crate's.
fn cell(text: &str) -> String {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\0') => format!("'{text}"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<IntegrationItem> {
        vec![
            IntegrationItem {
                id: "b1".into(),
                kind: "base".into(),
                directory: true,
                name: "Sales, \"EU\"".into(),
                children: vec!["t1".into(), "t2".into()],
                creation_time: Some("2024-01-02T03:04:05Z".parse().unwrap()),
                visibility: true,
                ..Default::default()
            },
            IntegrationItem { id: "t1".into(), kind: "table".into(), parent_id: Some("b1".into()), ..Default::default() },
        ]
    }

    fn written(format: Format) -> String {
        let mut buf = Vec::new();
        write_items(&items(), format, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn json_and_json_lines_round_trip() {
        let back: Vec<IntegrationItem> = serde_json::from_str(&written(Format::Json)).unwrap();
        assert_eq!(back, items());
        let lines: Vec<IntegrationItem> =
            written(Format::Jsonl).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines, items());
    }

    #[test]
    fn csv_quotes_and_keeps_every_column() {
        let text = written(Format::Csv);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), CSV_COLUMNS);
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][5], "Sales, \"EU\"");
        assert_eq!(&rows[0][6], "2024-01-02T03:04:05Z");
        assert_eq!(&rows[0][9], "t1 t2");
        assert_eq!(&rows[1][4], "b1");
        assert!("tsv".parse::<Format>().is_err());
    }

    #[test]
    fn an_atomic_file_appears_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("tributary-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("items.json");
        AtomicFile::create(&path).unwrap().write(|f| write_items(&items(), Format::Json, f)).unwrap();
        assert!(path.exists() && !dir.join("items.json.partial").exists());
        let failed = AtomicFile::create(&dir.join("broken.json")).unwrap().write(|_| Err(std::io::Error::other("disk full")));
        assert!(matches!(&failed, Err(Error::Io { message, .. }) if message.contains("disk full")), "{failed:?}");
        assert!(!dir.join("broken.json").exists() && !dir.join("broken.json.partial").exists());
        drop(AtomicFile::create(&dir.join("abandoned.json")).unwrap());
        assert!(!dir.join("abandoned.json.partial").exists(), "an abandoned file leaves nothing");
        assert!(matches!(AtomicFile::create(&dir), Err(Error::Io { .. })), "a folder is not a file");
        assert!(matches!(AtomicFile::create(&dir.join("missing/x.json")), Err(Error::Io { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        let hostile = ["=HYPERLINK(\"https://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"];
        let items: Vec<IntegrationItem> = hostile
            .iter()
            .map(|h| IntegrationItem { id: h.to_string(), name: h.to_string(), parent_path_or_name: Some(h.to_string()), ..Default::default() })
            .collect();
        let mut buf = Vec::new();
        write_items(&items, Format::Csv, &mut buf).unwrap();
        let mut reader = csv::Reader::from_reader(buf.as_slice());
        for (row, h) in reader.records().map(|r| r.unwrap()).zip(hostile) {
            for column in [0, 3, 5] {
                assert_eq!(&row[column], format!("'{h}"), "column {column}");
            }
        }
        assert_eq!(cell("Sales = good"), "Sales = good", "only a leading formula character counts");
        assert_eq!(cell(""), "");
    }
}
