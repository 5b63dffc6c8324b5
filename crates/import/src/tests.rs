//! The reader, the validation and the whole import on both backends.

use crate::pipeline::read_contacts;
use crate::plan::{Plan, default_rejects, default_source, log_path, sniff_format};
use crate::reader::{SplitError, sniff_delimiter, split_record};
use crate::rejects::ReadStats;
use crate::source::Source;
use crate::*;
use anyhow::Result;
use canali_domain::lang::Lang;
use canali_store::contact_fields::{FIELD_COUNT, Field, Values, validate};
use canali_store::{NewContact, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A progress that counts what it was told.
#[derive(Default)]
struct Counted {
    total: AtomicU64,
    ends: AtomicU64,
}

impl Progress for Counted {
    fn start(&self, total_bytes: u64) {
        self.total.store(total_bytes, Ordering::SeqCst);
    }
    fn read_all(&self) {
        self.ends.fetch_add(1, Ordering::SeqCst);
    }
}
use canali_domain::{Channel, Outcome, Reason, Segment};
use canali_store::contact_fields::parse_time;
use std::fs;

fn micros(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_microsecond()
}

/// Reads a file as the import does, collecting the batches instead of ingesting them.
fn read(path: &Path, opts: &ImportOptions) -> Result<(Vec<NewContact>, ReadStats, Plan, usize)> {
    let plan = Plan::new(path, opts)?;
    let source = Source::open(&plan)?;
    let mut got = Vec::new();
    let mut batches = 0;
    let stats = read_contacts(source, &plan, opts.batch_size, &NoProgress, |b| {
        assert!(b.len() <= opts.batch_size);
        batches += 1;
        got.extend(b);
        Ok(())
    })?;
    assert_eq!(
        stats.read,
        got.len() as u64 + stats.rejected,
        "read = accepted + rejected"
    );
    Ok((got, stats, plan, batches))
}

fn lines_of(stats: &ReadStats) -> Vec<(u64, Option<&str>)> {
    stats
        .rejections
        .iter()
        .map(|r| (r.line, r.field.as_deref()))
        .collect()
}

#[test]
fn times_with_offset_or_local_in_rome() {
    let winter = micros("2011-03-01T08:15:00Z");
    for s in [
        "2011-03-01T09:15:00+01:00",
        "2011-03-01T08:15:00Z",
        "2011-03-01t08:15:00z",
        "2011-03-01 09:15:00+01:00",
        "2011-03-01 09:15:00",
        "2011-03-01T09:15:00",
        " 2011-03-01 09:15 ",
    ] {
        assert_eq!(parse_time(s), Ok(winter), "{s}");
    }
    // Summer time: Rome is two hours ahead of UTC.
    assert_eq!(
        parse_time("2011-07-01 09:15:00"),
        Ok(micros("2011-07-01T07:15:00Z"))
    );
    assert_eq!(parse_time("2011-03-01T08:15:00.25Z"), Ok(winter + 250_000));
    // The hour repeated on 30 October 2011 takes its first (summer time) occurrence; the
    // hour skipped on 27 March 2011 moves forward.
    assert_eq!(
        parse_time("2011-10-30 02:30:00"),
        Ok(micros("2011-10-30T00:30:00Z"))
    );
    assert_eq!(
        parse_time("2011-03-27 02:30:00"),
        Ok(micros("2011-03-27T01:30:00Z"))
    );

    assert_eq!(
        parse_time("2011-13-01 10:00").unwrap_err(),
        "'2011-13-01 10:00' is not a date and time (expected RFC 3339 like \
         2011-03-01T09:15:00+01:00 or local 2011-03-01 09:15:00)"
    );
    for bad in [
        "2011-03-01",
        "01/03/2011 09:15",
        "yesterday",
        "",
        "2011-03-01T25:00:00",
        "2011-02-30 10:00:00",
        "2011-03-01T09:15:00 CET",
    ] {
        assert!(parse_time(bad).is_err(), "{bad}");
    }
}

fn values<'a>(pairs: &[(&str, &'a str)]) -> Values<'a> {
    let mut v: Values<'a> = [None; FIELD_COUNT];
    for (k, val) in pairs {
        v[Field::from_name(k).unwrap() as usize] = Some(val);
    }
    v
}

#[test]
fn a_complete_contact_validates() {
    let v = values(&[
        ("external_id", " CC-1 "),
        ("channel", "call_center_business"),
        ("started_at", "2011-03-01 09:15:00"),
        ("ended_at", "2011-03-01T09:21:30+01:00"),
        ("segment", "Business"),
        ("customer", "C0001"),
        ("wait_seconds", "95"),
        ("handle_seconds", "300.0"),
        ("reason", "meter_reading"),
        ("outcome", "request_opened"),
        ("branch", ""),
        ("line", "800-123"),
        ("agent", "op17"),
        ("territory", "4"),
    ]);
    let c = validate(&v, Vec::new()).unwrap();
    assert_eq!(
        c,
        NewContact {
            external_id: "CC-1".into(),
            channel: Channel::CallCenterBusiness,
            started_at: micros("2011-03-01T08:15:00Z"),
            ended_at: Some(micros("2011-03-01T08:21:30Z")),
            segment: Some(Segment::Business),
            customer: Some("C0001".into()),
            territory: Some(4),
            wait_seconds: Some(95),
            handle_seconds: Some(300),
            reason: Some(Reason::MeterReading),
            outcome: Some(Outcome::RequestOpened),
            branch: None,
            line: Some("800-123".into()),
            agent: Some("op17".into()),
        }
    );
    // Only the required fields.
    let v = values(&[
        ("external_id", "7"),
        ("channel", "web"),
        ("started_at", "2011-03-01T09:15:00Z"),
    ]);
    let c = validate(&v, Vec::new()).unwrap();
    assert_eq!(
        (c.channel, c.segment, c.wait_seconds),
        (Channel::Web, None, None)
    );
}

#[test]
fn every_bad_field_is_reported_with_a_sentence() {
    let long = "x".repeat(201);
    let v = values(&[
        ("external_id", &long),
        ("channel", "fax"),
        ("started_at", "2011-03-01 10:00:00"),
        ("ended_at", "2011-03-01 09:00:00"),
        ("wait_seconds", "-5"),
        ("handle_seconds", "700000"),
        ("segment", "vip"),
        ("territory", "0"),
        ("reason", "bills"),
        ("outcome", "ok"),
    ]);
    let errors = validate(&v, Vec::new()).unwrap_err();
    let by: BTreeMap<&str, &str> = errors.iter().map(|(f, r)| (f.name(), r.as_str())).collect();
    assert_eq!(
        by["external_id"],
        "is 201 characters long; at most 200 are allowed"
    );
    assert!(
        by["channel"]
            .starts_with("'fax' is not a valid channel; expected one of: call_center_residential"),
        "{}",
        by["channel"]
    );
    assert!(by["segment"].contains("'vip' is not a valid segment"));
    assert!(by["reason"].contains("'bills' is not a valid reason"));
    assert!(by["outcome"].contains("'ok' is not a valid outcome"));
    assert_eq!(
        by["ended_at"],
        "'2011-03-01 09:00:00' is before started_at '2011-03-01 10:00:00'"
    );
    assert_eq!(
        by["wait_seconds"],
        "'-5' is negative: a number of seconds is 0 or more"
    );
    assert!(by["handle_seconds"].starts_with("'700000' is more than a week (604800 seconds)"));
    assert!(by["territory"].contains("codes start at 1"));
    assert_eq!(errors.len(), 9);

    let errors = validate(
        &values(&[
            ("channel", " "),
            ("wait_seconds", "1.5"),
            ("territory", "north"),
        ]),
        Vec::new(),
    )
    .unwrap_err();
    let by: BTreeMap<&str, &str> = errors.iter().map(|(f, r)| (f.name(), r.as_str())).collect();
    assert_eq!(by["external_id"], "is missing; it is required");
    assert_eq!(by["channel"], "is missing; it is required");
    assert_eq!(by["started_at"], "is missing; it is required");
    assert!(by["wait_seconds"].starts_with("'1.5' is not a number of seconds"));
    assert!(by["territory"].starts_with("'north' is not a territory (SOT) code"));
    // The limits themselves are fine.
    let v = values(&[
        ("external_id", &long[..200]),
        ("channel", "mail"),
        ("started_at", "2011-03-01 10:00:00"),
        ("ended_at", "2011-03-01 10:00:00"),
        ("wait_seconds", "604800"),
        ("handle_seconds", "0"),
    ]);
    assert!(validate(&v, Vec::new()).is_ok());
}

#[test]
fn csv_fields_split_like_rfc_4180() {
    let split = |s: &str, d: u8| {
        let (mut buf, mut ends) = (Vec::new(), Vec::new());
        split_record(s.as_bytes(), d, &mut buf, &mut ends).map(|()| {
            let mut start = 0;
            ends.iter()
                .map(|&e| {
                    let f = String::from_utf8(buf[start..e].to_vec()).unwrap();
                    start = e;
                    f
                })
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(
        split("a,b,c", b','),
        Ok(vec!["a".into(), "b".into(), "c".into()])
    );
    assert_eq!(
        split("a,,", b','),
        Ok(vec!["a".into(), "".into(), "".into()])
    );
    assert_eq!(split("", b','), Ok(vec!["".into()]));
    assert_eq!(
        split(r#""a,b", "say ""hi""" ,c"#, b','),
        Ok(vec!["a,b".into(), "say \"hi\"".into(), "c".into()])
    );
    assert_eq!(
        split("\"two\nlines\";x", b';'),
        Ok(vec!["two\nlines".into(), "x".into()])
    );
    assert_eq!(
        split("5\" pipe,x", b','),
        Ok(vec!["5\" pipe".into(), "x".into()])
    );
    assert_eq!(split("a\tb c", b'\t'), Ok(vec!["a".into(), "b c".into()]));
    assert_eq!(split("a,\"open", b','), Err(SplitError::Unclosed));
    assert_eq!(split("a,\"b\"c,d", b','), Err(SplitError::AfterQuote(1)));
    assert_eq!(sniff_delimiter(b"external_id;channel;started_at,x"), b';');
    assert_eq!(sniff_delimiter(b"external_id\tchannel\tstarted_at"), b'\t');
    assert_eq!(sniff_delimiter(b"\"a;b\",channel,started_at"), b',');
    assert_eq!(sniff_delimiter(b"external_id"), b',');
}

const HEADER: &str = "external_id,channel,started_at,ended_at,wait_seconds,note,agent\n";

#[test]
fn csv_good_and_bad_lines_with_rejects_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contacts.csv");
    let mut text = String::from(HEADER); // line 1
    text += "A1,web,2011-03-01T09:15:00Z,,,free text,\n"; // 2
    text += "A2,branch,2011-03-01 09:15:00,2011-03-01 09:40:00,120,,\"Rossi, Mario\"\n"; // 3
    text += "A3,fax,2011-03-01 09:15:00,,,,\n"; // 4: bad channel
    text += "\n"; // 5: blank
    text += "A4,web,2011-13-01 10:00,,,,\n"; // 6: bad date
    text += "A5,mail,2011-03-02 08:00:00,,,\"a note\nover two lines\",op1\n"; // 7-8: one record
    text += "A6,web,2011-03-02 08:00:00\n"; // 9: too few fields
    text += ",,,,,,\n"; // 10: an empty row, skipped
    text += "A7,web,2011-03-02 08:00:00,2011-03-02 07:00:00,-3,,\n"; // 11: two bad fields
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"A8,web,2011-03-02 08:00:00,,,,Nicol\xF2\n"); // 12: Latin-1 agent
    bytes.extend_from_slice(b"A9,web,\"2011-03-02 08:00:00,,,,\n"); // 13: quote never closed
    bytes.extend_from_slice(b"A10,web,2011-03-02 08:00:00,,,,\n"); // 14
    bytes.extend_from_slice(b"A11,web,\"2011-03-02 08:00:00\"x,,,,\n"); // 15
    bytes.extend_from_slice(b"A12,web,2011-03-02 08:00:00,,5,,last"); // 16, no final newline
    fs::write(&path, &bytes).unwrap();

    let opts = ImportOptions {
        batch_size: 2,
        ..ImportOptions::default()
    };
    let (got, stats, plan, batches) = read(&path, &opts).unwrap();
    let ids: Vec<&str> = got.iter().map(|c| c.external_id.as_str()).collect();
    assert_eq!(ids, ["A1", "A2", "A5", "A10", "A12"]);
    assert_eq!(batches, 3);
    assert_eq!(got[1].agent.as_deref(), Some("Rossi, Mario"));
    assert_eq!(got[1].ended_at, Some(micros("2011-03-01T08:40:00Z")));
    assert_eq!(got[1].wait_seconds, Some(120));
    assert_eq!(got[2].agent.as_deref(), Some("op1"));
    assert_eq!(got[0].agent, None);
    assert_eq!(stats.read, 12);
    assert_eq!(stats.rejected, 7);
    assert_eq!(
        lines_of(&stats),
        [
            (4, Some("channel")),
            (6, Some("started_at")),
            (9, None),
            (11, Some("ended_at")),
            (11, Some("wait_seconds")),
            (12, Some("agent")),
            (13, None),
            (15, None),
        ]
    );
    assert_eq!(
        stats.rejections[1].to_string(),
        "line 6, field started_at: '2011-13-01 10:00' is not a date and time (expected RFC 3339 \
         like 2011-03-01T09:15:00+01:00 or local 2011-03-01 09:15:00)"
    );
    assert_eq!(
        stats.rejections[2].reason,
        "has 3 fields but the header has 7 (check the separator ',' and the quotes)"
    );
    assert!(
        stats.rejections[5]
            .reason
            .contains("byte 0xF2 at position 6"),
        "{}",
        stats.rejections[5].reason
    );
    assert!(
        stats.rejections[6]
            .reason
            .starts_with("a quote opened on this line is not closed on it")
    );
    assert!(stats.rejections[7].reason.contains("column 3 (started_at)"));
    assert_eq!(
        stats.warnings,
        ["column 'note' (column 6 of the header) is not a contact field; it was ignored."]
    );

    // The rejects file: the header, then the raw bad lines, ready to be fixed and imported.
    assert_eq!(plan.rejects, dir.path().join("contacts.rejects.csv"));
    let rejects = fs::read(&plan.rejects).unwrap();
    let mut expected = HEADER.as_bytes().to_vec();
    expected.extend_from_slice(b"A3,fax,2011-03-01 09:15:00,,,,\n");
    expected.extend_from_slice(b"A4,web,2011-13-01 10:00,,,,\n");
    expected.extend_from_slice(b"A6,web,2011-03-02 08:00:00\n");
    expected.extend_from_slice(b"A7,web,2011-03-02 08:00:00,2011-03-02 07:00:00,-3,,\n");
    expected.extend_from_slice(b"A8,web,2011-03-02 08:00:00,,,,Nicol\xF2\n");
    expected.extend_from_slice(b"A9,web,\"2011-03-02 08:00:00,,,,\n");
    expected.extend_from_slice(b"A11,web,\"2011-03-02 08:00:00\"x,,,,\n");
    assert_eq!(
        String::from_utf8_lossy(&rejects),
        String::from_utf8_lossy(&expected)
    );
    let log = fs::read_to_string(&plan.rejects_log).unwrap();
    assert_eq!(plan.rejects_log, dir.path().join("contacts.rejects.log"));
    assert_eq!(log.lines().count(), 8);
    assert!(
        log.starts_with("line 4, field channel: 'fax' is not a valid channel"),
        "{log}"
    );

    // Fixed and imported again: the source is the original file's, nothing is rejected and
    // the rejects of that import are not created.
    let fixed = String::from_utf8_lossy(&rejects)
        .replace("fax", "web")
        .replace("2011-13-01 10:00", "2011-01-13 10:00")
        .replace(
            "A6,web,2011-03-02 08:00:00\n",
            "A6,web,2011-03-02 08:00:00,,,,\n",
        )
        .replace(",2011-03-02 07:00:00,-3,", ",,3,")
        .replace("Nicol\u{FFFD}", "Nicolò")
        .replace("\"2011-03-02 08:00:00,", "2011-03-02 08:00:00,")
        .replace("\"2011-03-02 08:00:00\"x", "2011-03-02 08:00:00");
    fs::write(&plan.rejects, fixed).unwrap();
    let (got2, stats2, plan2, _) = read(&plan.rejects, &ImportOptions::default()).unwrap();
    assert_eq!(plan2.source, "contacts.csv");
    assert_eq!(
        (got2.len(), stats2.rejected),
        (7, 0),
        "{:?}",
        stats2.rejections
    );
    assert_eq!(got2[4].agent.as_deref(), Some("Nicolò"));
    assert!(!dir.path().join("contacts.rejects.rejects.csv").exists());

    // The original without its bad lines: the stale rejects of the first run disappear.
    fs::write(&path, format!("{HEADER}A1,web,2011-03-01T09:15:00Z,,,,\n")).unwrap();
    let (got3, stats3, _, _) = read(&path, &ImportOptions::default()).unwrap();
    assert_eq!((got3.len(), stats3.rejected), (1, 0));
    assert!(!plan.rejects.exists() && !plan.rejects_log.exists());
}

#[test]
fn csv_with_semicolons_crlf_bom_and_any_column_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export");
    fs::write(
        &path,
        "\u{FEFF}\"Started_At\";CHANNEL;external_id;territory\r\n\
         01/03/2011;web;X1;3\r\n\
         2011-03-01 09:15:00;web;X2;3\r\n",
    )
    .unwrap();
    let (got, stats, plan, _) = read(&path, &ImportOptions::default()).unwrap();
    assert_eq!(plan.format, Format::Csv);
    assert_eq!(plan.source, "export");
    assert_eq!(plan.rejects, dir.path().join("export.rejects.csv"));
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].external_id.as_str(), got[0].territory),
        ("X2", Some(3))
    );
    assert_eq!(lines_of(&stats), [(2, Some("started_at"))]);
    let rejects = fs::read_to_string(&plan.rejects).unwrap();
    assert_eq!(
        rejects,
        "\u{FEFF}\"Started_At\";CHANNEL;external_id;territory\r\n01/03/2011;web;X1;3\r\n"
    );
}

#[test]
fn csv_header_errors_come_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.csv");
    fs::write(
        &path,
        "external_id,start,channel\nA,web,2011-03-01 09:15:00\n",
    )
    .unwrap();
    let err = format!(
        "{:#}",
        read(&path, &ImportOptions::default()).err().unwrap()
    );
    assert!(
        err.contains("lacks the required column started_at; it has: external_id, start, channel"),
        "{err}"
    );
    fs::write(&path, "external_id,channel,started_at,channel\n").unwrap();
    let err = format!(
        "{:#}",
        read(&path, &ImportOptions::default()).err().unwrap()
    );
    assert!(
        err.contains("has the column channel twice (columns 2 and 4)"),
        "{err}"
    );
    fs::write(&path, "\n\n").unwrap();
    let err = format!(
        "{:#}",
        read(&path, &ImportOptions::default()).err().unwrap()
    );
    assert!(
        err.contains("is empty: a CSV file needs a header row"),
        "{err}"
    );
    // A header alone is a file without contacts.
    fs::write(&path, "external_id,channel,started_at\n").unwrap();
    let (got, stats, _, batches) = read(&path, &ImportOptions::default()).unwrap();
    assert_eq!((got.len(), stats.read, batches), (0, 0, 0));
}

#[test]
fn json_lines_good_and_bad() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.ndjson");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(br#"{"external_id": 1001, "channel": "web", "started_at": "2011-03-01T09:15:00+01:00", "wait_seconds": "12", "handle_seconds": 30.0, "territory": 2, "session": "x"}"#); // 1
    bytes.extend_from_slice(b"\n\n"); // 2 blank
    bytes.extend_from_slice(br#"{"external_id": "1002", "channel": "web", "started_at": "2011-03-01 09:15:00", "segment": null, "customer": ""}"#); // 3
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(
        br#"{"external_id": "1003", "channel": "web", "started_at": "2011-03-01 09:15:00""#,
    ); // 4: truncated
    bytes.extend_from_slice(b"\n[1, 2]\n"); // 5
    bytes.extend_from_slice(br#"{"external_id": "1006", "channel": true, "started_at": "2011-03-01 09:15:00", "wait_seconds": -1}"#); // 6
    bytes.extend_from_slice(b"\n{\"external_id\": \"Nicol\xF2\"}\n"); // 7
    bytes.extend_from_slice(
        br#"{"external_id": "1008", "channel": "mail", "started_at": "2011-03-01 09:15:00"}"#,
    ); // 8, no newline
    fs::write(&path, &bytes).unwrap();

    let (got, stats, plan, _) = read(&path, &ImportOptions::default()).unwrap();
    assert_eq!(plan.format, Format::JsonLines);
    assert_eq!(plan.rejects, dir.path().join("web.rejects.ndjson"));
    let ids: Vec<&str> = got.iter().map(|c| c.external_id.as_str()).collect();
    assert_eq!(ids, ["1001", "1002", "1008"]);
    assert_eq!(
        (got[0].wait_seconds, got[0].handle_seconds, got[0].territory),
        (Some(12), Some(30), Some(2))
    );
    assert_eq!(got[0].started_at, got[1].started_at);
    assert_eq!((got[1].segment, got[1].customer.as_deref()), (None, None));
    assert_eq!(stats.read, 7);
    assert_eq!(
        lines_of(&stats),
        [
            (4, None),
            (5, None),
            (6, Some("channel")),
            (6, Some("wait_seconds")),
            (7, None)
        ]
    );
    assert!(
        stats.rejections[0]
            .reason
            .starts_with("the line is not valid JSON: EOF while parsing an object (at column"),
        "{}",
        stats.rejections[0].reason
    );
    assert_eq!(
        stats.rejections[1].reason,
        "the line is an array, not a JSON object with the contact's fields"
    );
    assert_eq!(
        stats.rejections[2].reason,
        "is true; expected a string or a number"
    );
    assert!(
        stats.rejections[4]
            .reason
            .starts_with("the line is not valid UTF-8")
    );
    assert_eq!(
        stats.warnings,
        ["key 'session' (first on line 1) is not a contact field; it was ignored."]
    );
    let rejects = fs::read(&plan.rejects).unwrap();
    let raw: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let mut expected = Vec::new();
    for i in [3, 4, 5, 6] {
        expected.extend_from_slice(raw[i]);
        expected.push(b'\n');
    }
    assert_eq!(rejects, expected);
}

#[test]
fn format_source_and_rejects_paths() {
    let dir = tempfile::tempdir().unwrap();
    let sniffed = dir.path().join("dump.txt");
    fs::write(&sniffed, "\u{FEFF}\n  {\"external_id\":\"1\"}\n").unwrap();
    assert_eq!(sniff_format(&sniffed).unwrap(), Format::JsonLines);
    fs::write(&sniffed, "external_id,channel\n").unwrap();
    assert_eq!(sniff_format(&sniffed).unwrap(), Format::Csv);
    assert_eq!(
        Format::from_extension(Path::new("a/B.JSONL")),
        Some(Format::JsonLines)
    );
    assert_eq!(Format::from_extension(Path::new("a.json")), None);

    assert_eq!(default_source("contacts.csv"), "contacts.csv");
    assert_eq!(default_source("contacts.rejects.csv"), "contacts.csv");
    assert_eq!(default_source(".rejects.csv"), ".rejects.csv");
    assert_eq!(default_source("contacts"), "contacts");
    assert_eq!(
        default_rejects(Path::new("d/2011.web.jsonl"), Format::JsonLines),
        Path::new("d/2011.web.rejects.jsonl")
    );
    assert_eq!(
        default_rejects(Path::new("d/dump"), Format::JsonLines),
        Path::new("d/dump.rejects.jsonl")
    );
    assert_eq!(
        log_path(Path::new("d/c.rejects.csv")),
        Path::new("d/c.rejects.log")
    );
    assert_eq!(log_path(Path::new("d/bad")), Path::new("d/bad.log"));
    assert_eq!(
        log_path(Path::new("d/bad.log")),
        Path::new("d/bad.log.reasons.log")
    );

    let input = dir.path().join("c.csv");
    fs::write(&input, "external_id,channel,started_at\n").unwrap();
    let opts = ImportOptions {
        rejects: Some(input.clone()),
        ..ImportOptions::default()
    };
    assert!(
        Plan::new(&input, &opts)
            .unwrap_err()
            .to_string()
            .contains("would overwrite the input")
    );
    let opts = ImportOptions {
        source: Some(" billing-2011 ".into()),
        format: Some(Format::Csv),
        ..ImportOptions::default()
    };
    let plan = Plan::new(&input, &opts).unwrap();
    assert_eq!(plan.source, "billing-2011");
    assert!(
        Plan::new(&dir.path().join("missing.csv"), &opts)
            .unwrap_err()
            .to_string()
            .contains("cannot read")
    );
}

#[test]
fn summary_sentences_and_exit_codes() {
    let mut s = ImportSummary {
        input: PathBuf::from("/data/contacts.csv"),
        source: "contacts.csv".into(),
        format: Format::Csv,
        read: 1_234_567,
        inserted: 1_234_560,
        duplicates: 5,
        rejected: 2,
        rejects_file: Some(PathBuf::from("/data/contacts.rejects.csv")),
        rejects_log: Some(PathBuf::from("/data/contacts.rejects.log")),
        rejections: vec![Rejection {
            line: 17,
            field: Some("channel".into()),
            reason: "'fax' is not a valid channel".into(),
        }],
        rejection_count: 3,
        warnings: vec![
            "column 'note' (column 6 of the header) is not a contact field; it was ignored.".into(),
        ],
        elapsed: Duration::from_millis(2500),
    };
    assert_eq!(s.exit_code(), 3);
    let en = s.render(Lang::En);
    assert!(en.starts_with("Imported contacts.csv as source 'contacts.csv' (CSV): 1,234,567 lines read in 2.5 s (493,827 lines/s).\n"), "{en}");
    assert!(en.contains("1,234,560 new contacts were added to the ledger.\n"));
    assert!(en.contains(
        "5 were already in the ledger (same source and external_id) and were skipped.\n"
    ));
    assert!(en.contains("Warning: column 'note'"));
    assert!(en.contains("2 lines were rejected (nothing from them was imported):\n  line 17, field channel: 'fax' is not a valid channel\n"));
    assert!(en.contains("  ... and 2 more reasons in /data/contacts.rejects.log.\n"));
    assert!(en.contains("The rejected lines are in /data/contacts.rejects.csv"));
    let it = s.render(Lang::It);
    assert!(it.contains("1.234.567 righe lette in 2,5 s"), "{it}");

    // Imported again: everything is already there.
    s.inserted = 0;
    s.duplicates = 1_234_565;
    s.rejected = 0;
    s.rejection_count = 0;
    s.rejections.clear();
    s.rejects_file = None;
    s.rejects_log = None;
    s.warnings.clear();
    assert_eq!(s.exit_code(), 0);
    let en = s.render(Lang::En);
    assert!(en.contains("All 1,234,565 valid contacts were already in the ledger: nothing new was added (this file was imported before).\nNo line was rejected.\n"), "{en}");
    assert!(!en.contains("new contacts were added"));
    s.duplicates = 1;
    s.rejected = 1;
    s.rejection_count = 1;
    s.rejections = vec![Rejection {
        line: 2,
        field: None,
        reason: "the line is not valid JSON".into(),
    }];
    let en = s.render(Lang::En);
    assert!(
        en.contains("The one valid contact was already in the ledger"),
        "{en}"
    );
    assert!(en.contains("1 line was rejected (nothing from it was imported):\n  line 2: the line is not valid JSON\n"), "{en}");
    assert!(s.render(Lang::It).contains("1 riga scartata"));
    assert_eq!(s.exit_code(), 3);
    assert_eq!(group_digits(0, ','), "0");
    assert_eq!(group_digits(999, ','), "999");
    assert_eq!(group_digits(1000, '.'), "1.000");
}

/// The whole path on a real store: SQLite always, PostgreSQL when CANALI_TEST_POSTGRES is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_to_end_on_every_backend() {
    // Without CANALI_TEST_POSTGRES, fresh_stores says the PostgreSQL half is skipped.
    let stores = canali_store::testing::fresh_stores().await.unwrap();
    for t in &stores {
        end_to_end(&t.store)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:#}", t.name));
    }
}

async fn contacts_in(store: &Store) -> i64 {
    let counts = store.figures().table_counts().await.unwrap();
    counts
        .into_iter()
        .find(|(t, _)| *t == "contacts")
        .unwrap()
        .1
}

async fn end_to_end(store: &Store) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("contacts.csv");
    let channels = [
        "call_center_residential",
        "call_center_business",
        "branch",
        "web",
        "mail",
    ];
    let mut text = String::from(
        "external_id;channel;started_at;ended_at;wait_seconds;handle_seconds;segment;territory;reason;outcome;agent\n",
    );
    let mut line = 1;
    let mut bad = Vec::new();
    for i in 0..25 {
        line += 1;
        text += &format!(
            "E{i};{};2011-03-{:02} 09:{:02}:00;;{};{};residential;{};billing;resolved;op{}\n",
            channels[i % 5],
            1 + i % 28,
            i % 60,
            i * 10,
            60 + i,
            1 + i % 3,
            i % 4
        );
        if i % 10 == 4 {
            line += 1;
            bad.push(line);
            text += &format!("B{i};telegram;2011-03-01 09:00:00;;;;;;;;\n");
        }
    }
    line += 1;
    bad.push(line);
    text += "B99;web;2011-03-01T10:00:00+01:00;2011-03-01T09:00:00+01:00;;;;;;;\n";
    text += "E3;web;2011-03-05 10:00:00;;;;;;;;\n"; // the same external_id again: a duplicate
    fs::write(&path, &text)?;
    let opts = ImportOptions {
        batch_size: 4,
        ..ImportOptions::default()
    };

    let first = import_contacts(store, &path, &opts).await?;
    assert_eq!(
        (first.read, first.inserted, first.duplicates, first.rejected),
        (30, 25, 1, 4),
        "{first}"
    );
    assert_eq!(first.exit_code(), 3);
    let lines: Vec<u64> = first.rejections.iter().map(|r| r.line).collect();
    assert_eq!(lines, bad);
    assert_eq!(first.rejections[0].field.as_deref(), Some("channel"));
    assert_eq!(first.rejections[3].field.as_deref(), Some("ended_at"));
    let rejects = first.rejects_file.clone().expect("rejects file");
    let rejected = fs::read_to_string(&rejects)?;
    assert_eq!(rejected.lines().count(), 5, "{rejected}");
    assert!(rejected.starts_with("external_id;channel;started_at;"));
    assert!(
        rejected.contains("B4;telegram;")
            && rejected.contains("B14;telegram;")
            && rejected.contains("B24;telegram;")
            && rejected.contains("B99;web;")
    );
    assert_eq!(contacts_in(store).await, 25);
    let rollup = store.figures().monthly_rollup(201103, 201103).await?;
    assert_eq!(rollup.iter().map(|r| r.contacts).sum::<i64>(), 25);
    assert_eq!(
        rollup.iter().map(|r| r.wait_seconds).sum::<i64>(),
        (0..25).map(|i| i * 10).sum::<i64>()
    );

    // Again: nothing new; the same lines are rejected.
    let second = import_contacts(store, &path, &opts).await?;
    assert_eq!(
        (
            second.read,
            second.inserted,
            second.duplicates,
            second.rejected
        ),
        (30, 0, 26, 4)
    );
    assert!(
        second
            .to_string()
            .contains("were already in the ledger: nothing new was added"),
        "{second}"
    );
    assert_eq!(contacts_in(store).await, 25);

    // The rejects fixed and imported as is: filed under the original source.
    fs::write(
        &rejects,
        rejected
            .replace("telegram", "web")
            .replace("T09:00:00+01:00", "T11:00:00+01:00"),
    )?;
    let fixed = import_contacts(store, &rejects, &ImportOptions::default()).await?;
    assert_eq!(
        (fixed.source.as_str(), fixed.inserted, fixed.rejected),
        ("contacts.csv", 4, 0),
        "{fixed}"
    );
    assert_eq!(fixed.exit_code(), 0);
    assert!(fixed.rejects_file.is_none());
    assert_eq!(contacts_in(store).await, 29);

    // The fixed original: everything is already there, and the stale rejects are removed.
    let fixed_text = text
        .replace("telegram", "web")
        .replace("T09:00:00+01:00", "T11:00:00+01:00");
    fs::write(&path, fixed_text)?;
    let again = import_contacts(store, &path, &opts).await?;
    assert_eq!(
        (again.inserted, again.duplicates, again.rejected),
        (0, 30, 0)
    );
    assert!(!rejects.exists() && !dir.path().join("contacts.rejects.log").exists());

    // JSON lines under another source are other contacts.
    let json = dir.path().join("portal.jsonl");
    fs::write(
        &json,
        "{\"external_id\":\"E1\",\"channel\":\"web\",\"started_at\":\"2011-03-02T10:00:00Z\",\"wait_seconds\":0}\n\
         {\"external_id\":\"E2\",\"channel\":\"web\",\"started_at\":\"2011-03-02T10:00:00Z\",\"territory\":\"2\"}\n",
    )?;
    let progress = Arc::new(Counted::default());
    let portal =
        import_contacts_with(store, &json, &ImportOptions::default(), progress.clone()).await?;
    assert_eq!(
        (portal.format, portal.inserted, portal.duplicates),
        (Format::JsonLines, 2, 0)
    );
    // Told the size first and the end of reading once.
    let size = fs::metadata(&json)?.len();
    assert_eq!(progress.total.load(Ordering::SeqCst), size);
    assert_eq!(progress.ends.load(Ordering::SeqCst), 1);
    assert_eq!(contacts_in(store).await, 31);
    Ok(())
}

/// A store failure stops the import with an error that says re-running is safe, and the
/// reader thread stops too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_failure_is_an_error() {
    let t = canali_store::testing::fresh_sqlite().await.unwrap();
    t.store.close().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.csv");
    let mut text = String::from("external_id,channel,started_at\n");
    for i in 0..100 {
        text += &format!("{i},web,2011-03-01 09:15:00\n");
    }
    fs::write(&path, text).unwrap();
    let opts = ImportOptions {
        batch_size: 3,
        ..ImportOptions::default()
    };
    let err = import_contacts(&t.store, &path, &opts).await.unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.starts_with("writing contacts to the ledger failed after 0 had been written"),
        "{msg}"
    );
    assert!(
        msg.contains("importing") && msg.contains("again completes the import"),
        "{msg}"
    );
}

/// The record the API reads a posted contact with: keys without regard to case or spaces, numbers
/// as text in their shortest form, other keys kept, faults named per field.
#[test]
fn a_json_record_reads_a_contact_as_the_api_does() {
    use crate::validation::{JsonRecord, JsonText};
    let record: JsonRecord = serde_json::from_str(
        r#"{"External_ID": 17.0, " channel ": "web", "started_at": "2011-03-01 09:15:00",
            "handle_seconds": 30.0, "source": "crm", "segment": null}"#,
    )
    .unwrap();
    let contact = record.validate().unwrap();
    assert_eq!(contact.external_id, "17");
    assert_eq!(contact.handle_seconds, Some(30));
    assert_eq!(contact.segment, None);
    assert_eq!(
        record.others,
        [("source".to_string(), JsonText::Text("crm".into()))]
    );
    let record: JsonRecord =
        serde_json::from_str(r#"{"channel": true, "wait_seconds": [1], "territory": {}}"#).unwrap();
    let errors = record.validate().unwrap_err();
    let faults: Vec<(&str, &str)> = errors.iter().map(|(f, m)| (f.name(), m.as_str())).collect();
    assert_eq!(
        faults,
        [
            ("external_id", "is missing; it is required"),
            ("channel", "is true; expected a string or a number"),
            ("started_at", "is missing; it is required"),
            ("wait_seconds", "is an array; expected a string or a number"),
            ("territory", "is an object; expected a string or a number"),
        ]
    );
    let record: JsonRecord = serde_json::from_str("[1]").unwrap();
    assert_eq!(record.not_object, Some("an array"));
}
