//! Reading: physical lines with their numbers, and CSV records over them (RFC 4180, a quoted
//! field may span lines, an unclosed quote costs one line, not the rest of the file).

use std::collections::VecDeque;
use std::io::{self, BufRead};

/// A quoted CSV field may span lines, but a record longer than this is taken for an unclosed
/// quote: its first line is rejected and reading resumes on the next line.
const MAX_RECORD_LINES: usize = 50;
const MAX_RECORD_BYTES: usize = 64 * 1024;

pub(crate) fn utf8_error(bytes: &[u8], e: std::str::Utf8Error) -> String {
    let at = e.valid_up_to();
    format!(
        "is not valid UTF-8 (byte 0x{:02X} at position {}); save the file as UTF-8 (it may be Latin-1 or Windows-1252)",
        bytes[at],
        at + 1
    )
}

/// Physical lines with their numbers; lines can be pushed back to be read again.
pub(crate) struct Lines<R> {
    inner: R,
    next_number: u64,
    pending: VecDeque<(u64, Vec<u8>)>,
    /// Bytes read from the input so far.
    pub(crate) bytes: u64,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(inner: R) -> Self {
        Lines {
            inner,
            next_number: 1,
            pending: VecDeque::new(),
            bytes: 0,
        }
    }

    /// The next line with its terminator (the last one may lack it).
    pub(crate) fn next_line(&mut self) -> io::Result<Option<(u64, Vec<u8>)>> {
        if let Some(line) = self.pending.pop_front() {
            return Ok(Some(line));
        }
        let mut buf = Vec::new();
        let n = self.inner.read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.bytes += n as u64;
        let number = self.next_number;
        self.next_number += 1;
        Ok(Some((number, buf)))
    }

    pub(crate) fn push_back(&mut self, lines: Vec<(u64, Vec<u8>)>) {
        for line in lines.into_iter().rev() {
            self.pending.push_front(line);
        }
    }
}

pub(crate) fn strip_terminator(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    raw.strip_suffix(b"\r").unwrap_or(raw)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SplitError {
    /// A quoted field is still open at the end of the text.
    Unclosed,
    /// Text after the closing quote of the field with this 0-based index.
    AfterQuote(usize),
}

/// Splits one CSV record (without its final line terminator) into fields (RFC 4180: a field
/// that starts with `"` runs to the next lone `"`, `""` inside it is a quote; spaces around a
/// quoted field are ignored; a quote inside an unquoted field is kept as text). The unescaped
/// bytes go to `buf`, the end of each field in `ends`.
pub(crate) fn split_record(
    rec: &[u8],
    delim: u8,
    buf: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) -> std::result::Result<(), SplitError> {
    buf.clear();
    ends.clear();
    let blank = |b: u8| b == b' ' || (b == b'\t' && delim != b'\t');
    let n = rec.len();
    let mut i = 0;
    loop {
        let mut j = i;
        while j < n && blank(rec[j]) {
            j += 1;
        }
        if j < n && rec[j] == b'"' {
            j += 1;
            loop {
                let Some(p) = rec[j..].iter().position(|&b| b == b'"') else {
                    return Err(SplitError::Unclosed);
                };
                buf.extend_from_slice(&rec[j..j + p]);
                j += p + 1;
                if j < n && rec[j] == b'"' {
                    buf.push(b'"');
                    j += 1;
                } else {
                    break;
                }
            }
            while j < n && blank(rec[j]) {
                j += 1;
            }
            ends.push(buf.len());
            if j == n {
                return Ok(());
            }
            if rec[j] != delim {
                return Err(SplitError::AfterQuote(ends.len() - 1));
            }
            i = j + 1;
        } else {
            match rec[i..].iter().position(|&b| b == delim) {
                Some(p) => {
                    buf.extend_from_slice(&rec[i..i + p]);
                    ends.push(buf.len());
                    i += p + 1;
                }
                None => {
                    buf.extend_from_slice(&rec[i..]);
                    ends.push(buf.len());
                    return Ok(());
                }
            }
        }
    }
}

/// One CSV record: its first line, its raw bytes (all its lines) and how it split.
pub(crate) struct CsvRecord {
    pub(crate) line: u64,
    pub(crate) raw: Vec<u8>,
    pub(crate) split: std::result::Result<(), SplitError>,
}

/// CSV records over physical lines. A record whose quoted field is not closed within
/// [`MAX_RECORD_LINES`] lines (or at the end of the file) is returned as one bad line, and the
/// lines after it are read again as records of their own.
pub(crate) struct CsvReader<R> {
    pub(crate) lines: Lines<R>,
    pub(crate) delim: u8,
    /// The number of columns of the header, once read.
    pub(crate) expected: Option<usize>,
    pub(crate) buf: Vec<u8>,
    /// The end of each field of the last record in `buf`.
    pub(crate) ends: Vec<usize>,
}

impl<R: BufRead> CsvReader<R> {
    pub(crate) fn next_record(&mut self) -> io::Result<Option<CsvRecord>> {
        let Some((line, mut raw)) = self.lines.next_line()? else {
            return Ok(None);
        };
        let first_len = raw.len();
        let mut extra: Vec<(u64, usize)> = Vec::new();
        loop {
            let body = strip_terminator(&raw);
            let body = if line == 1 {
                body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
            } else {
                body
            };
            match split_record(body, self.delim, &mut self.buf, &mut self.ends) {
                Err(SplitError::Unclosed)
                    if extra.len() + 1 < MAX_RECORD_LINES && raw.len() < MAX_RECORD_BYTES =>
                {
                    match self.lines.next_line()? {
                        Some((number, more)) => {
                            extra.push((number, more.len()));
                            raw.extend_from_slice(&more);
                        }
                        None => return Ok(Some(self.unclosed(line, raw, first_len, extra))),
                    }
                }
                Err(SplitError::Unclosed) => {
                    return Ok(Some(self.unclosed(line, raw, first_len, extra)));
                }
                // A record over several lines that then fails (text after a quote, the wrong
                // number of fields) is a stray quote, not a field with line breaks.
                Err(SplitError::AfterQuote(_)) if !extra.is_empty() => {
                    return Ok(Some(self.unclosed(line, raw, first_len, extra)));
                }
                Ok(())
                    if !extra.is_empty() && self.expected.is_some_and(|n| n != self.ends.len()) =>
                {
                    return Ok(Some(self.unclosed(line, raw, first_len, extra)));
                }
                split => return Ok(Some(CsvRecord { line, raw, split })),
            }
        }
    }

    fn unclosed(
        &mut self,
        line: u64,
        mut raw: Vec<u8>,
        first_len: usize,
        extra: Vec<(u64, usize)>,
    ) -> CsvRecord {
        let mut rest = raw.split_off(first_len);
        let mut lines = Vec::with_capacity(extra.len());
        for (number, len) in extra {
            let tail = rest.split_off(len);
            lines.push((number, rest));
            rest = tail;
        }
        self.lines.push_back(lines);
        CsvRecord {
            line,
            raw,
            split: Err(SplitError::Unclosed),
        }
    }

    pub(crate) fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    pub(crate) fn is_blank(&self) -> bool {
        (0..self.ends.len()).all(|i| self.field(i).iter().all(u8::is_ascii_whitespace))
    }
}

/// The separator of a CSV file: whichever of `,` `;` and tab the header line has most of
/// (outside quotes); a comma when none.
pub(crate) fn sniff_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}
