//! The one rule for text that comes in, at every entry point (the importers, the API's bodies
//! and queries, the web forms): no control characters (C0, DEL, C1), except tab and line
//! breaks in a multi-line text, never NUL; and at most so many characters by kind of field.
//! PostgreSQL cannot store NUL in text at all, and a control character in a name or a code is
//! a mistake in the data either way, so both backends refuse the same text.
//!
//! The limits, in characters (docs/import.md has them in a table):
//!
//! | kind | what | at most | tab and line breaks |
//! |---|---|---|---|
//! | [`TextKind::Code`] | ids and codes: external ids, customer codes, sources, call ids, queues | 200 | no |
//! | [`TextKind::Name`] | names of people, companies and places, e-mail addresses, agents | 200 | no |
//! | [`TextKind::Line`] | one line of free text: a subject, a search, an address | 500 | no |
//! | [`TextKind::Body`] | several lines of free text: a request's text, an answer | 20,000 | yes |

use crate::refusal::Refusal;

/// The kind of a text field, which sets its length and whether it may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Identifiers and codes: external ids, customer codes, sources, call ids, queues.
    Code,
    /// Names of people, companies and places; e-mail addresses; an agent.
    Name,
    /// One line of free text: a subject, a search, an address.
    Line,
    /// Several lines of free text: a request's text, an answer (tab and line breaks allowed).
    Body,
}

impl TextKind {
    pub const ALL: [TextKind; 4] = [
        TextKind::Code,
        TextKind::Name,
        TextKind::Line,
        TextKind::Body,
    ];

    /// The most characters (Unicode scalar values) a field of this kind holds.
    pub const fn max_chars(self) -> usize {
        match self {
            TextKind::Code | TextKind::Name => 200,
            TextKind::Line => 500,
            TextKind::Body => 20_000,
        }
    }

    /// Whether tab, line feed and carriage return are allowed.
    pub const fn multiline(self) -> bool {
        matches!(self, TextKind::Body)
    }

    pub const fn name(self) -> &'static str {
        match self {
            TextKind::Code => "code",
            TextKind::Name => "name",
            TextKind::Line => "line",
            TextKind::Body => "body",
        }
    }
}

/// What is wrong with a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextFault {
    /// A control character: its code point and its position (from 1, in characters).
    Control { code: u32, position: usize },
    /// Longer than the kind allows.
    TooLong { chars: usize, max: usize },
}

impl TextFault {
    /// The sentence after the field's name: `agent` + ` is 300 characters long; ...`.
    pub fn reason(&self) -> String {
        match self {
            TextFault::Control { code, position } => format!(
                "holds the control character {} at character {position}; control characters are not allowed",
                code_point(*code)
            ),
            TextFault::TooLong { chars, max } => {
                format!("is {chars} characters long; at most {max} are allowed")
            }
        }
    }

    /// The refusal naming `field`.
    pub fn refusal(self, field: &str) -> Refusal {
        match self {
            TextFault::Control { code, position } => Refusal::TextControl {
                field: field.to_string(),
                code: code_point(code),
                position,
            },
            TextFault::TooLong { chars, max } => Refusal::TextTooLong {
                field: field.to_string(),
                chars,
                max,
            },
        }
    }
}

/// `U+0000`.
pub fn code_point(code: u32) -> String {
    format!("U+{code:04X}")
}

/// What is wrong with `value` as a field of `kind`, if anything: the length first, then the
/// first control character.
pub fn text_fault(value: &str, kind: TextKind) -> Option<TextFault> {
    let max = kind.max_chars();
    // A text of at most `max` bytes has at most `max` characters: count only longer ones.
    if value.len() > max {
        let chars = value.chars().count();
        if chars > max {
            return Some(TextFault::TooLong { chars, max });
        }
    }
    let at = first_control(value.as_bytes(), kind.multiline())?;
    let code = value[at..].chars().next().map_or(0, u32::from);
    Some(TextFault::Control {
        code,
        position: value[..at].chars().count() + 1,
    })
}

/// Checks `value` as the field `field` of `kind`: the refusal names the field and the limit.
pub fn check_text(field: &str, value: &str, kind: TextKind) -> Result<(), Refusal> {
    match text_fault(value, kind) {
        None => Ok(()),
        Some(f) => Err(f.refusal(field)),
    }
}

/// [`check_text`] of an optional value.
pub fn check_opt(field: &str, value: Option<&str>, kind: TextKind) -> Result<(), Refusal> {
    value.map_or(Ok(()), |v| check_text(field, v, kind))
}

/// The byte offset of the first control character: C0 (below 0x20; tab, LF and CR allowed when
/// `multiline`), DEL, or C1 (U+0080 to U+009F, `C2 80` to `C2 9F` in UTF-8). Scans bytes: in
/// UTF-8 no other character's encoding holds these bytes in these places.
fn first_control(bytes: &[u8], multiline: bool) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let bad = match b {
            b'\t' | b'\n' | b'\r' => !multiline,
            0x00..=0x1F | 0x7F => true,
            0xC2 => bytes.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)),
            _ => false,
        };
        if bad {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_with_their_place() {
        assert_eq!(text_fault("Mario Rossi", TextKind::Name), None);
        assert_eq!(text_fault("àèìòù €", TextKind::Name), None);
        assert_eq!(
            text_fault("a\0b", TextKind::Name),
            Some(TextFault::Control {
                code: 0,
                position: 2
            })
        );
        // Every C0 control, DEL and every C1 control, in every kind.
        for c in (0u32..0x20).chain([0x7F]).chain(0x80..0xA0) {
            let ch = char::from_u32(c).unwrap();
            let s = format!("ü{ch}x");
            for kind in TextKind::ALL {
                let allowed = kind.multiline() && matches!(ch, '\t' | '\n' | '\r');
                assert_eq!(
                    text_fault(&s, kind).is_none(),
                    allowed,
                    "{c:#x} in a {}",
                    kind.name()
                );
                if !allowed {
                    assert_eq!(
                        text_fault(&s, kind),
                        Some(TextFault::Control {
                            code: c,
                            position: 2
                        })
                    );
                }
            }
        }
        // Characters whose UTF-8 holds 0x80-0x9F after another lead byte are not controls.
        assert_eq!(text_fault("Ā€ሀ😀", TextKind::Code), None);
        assert_eq!(text_fault("riga 1\nriga 2\tfine", TextKind::Body), None);
        assert_eq!(
            check_text("agent", "a\0b", TextKind::Name)
                .unwrap_err()
                .to_string(),
            "agent holds the control character U+0000 at character 2; control characters are not allowed"
        );
    }

    #[test]
    fn each_kind_has_its_length_in_characters() {
        for kind in TextKind::ALL {
            let max = kind.max_chars();
            // Two bytes a character: the limit counts characters, not bytes.
            assert_eq!(text_fault(&"é".repeat(max), kind), None);
            assert_eq!(
                text_fault(&"é".repeat(max + 1), kind),
                Some(TextFault::TooLong {
                    chars: max + 1,
                    max
                })
            );
        }
        let r = check_text("agent", &"x".repeat(10_000_000), TextKind::Name).unwrap_err();
        assert_eq!(
            r.to_string(),
            "agent is 10000000 characters long; at most 200 are allowed"
        );
        assert_eq!(check_opt("agent", None, TextKind::Name), Ok(()));
    }
}
