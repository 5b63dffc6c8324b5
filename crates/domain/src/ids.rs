//! Italian utility identifiers, parsed once into types that can only hold valid values.
//!
//! - [`CodiceFiscale`]: a person's tax code, with omocodia and its check letter;
//! - [`PartitaIva`]: a business's VAT number, with its office code and check digit;
//! - [`Pod`]: an electricity supply point, `IT001E12345678`;
//! - [`Pdr`]: a gas redelivery point, 14 digits;
//! - [`TaxId`]: either a codice fiscale or a partita IVA, told apart by shape.
//!
//! Every `parse` trims and uppercases its input, and every error names the rule that failed.
//! All of them serialize as their canonical string.

use std::fmt;
use std::str::FromStr;

/// Why a string is not a valid identifier. Positions count characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("a {what} has {expected}; '{given}' has {len}")]
    Length {
        what: &'static str,
        expected: &'static str,
        given: String,
        len: usize,
    },
    #[error("a {layout}; '{given}' has {found} at position {position}")]
    Layout {
        layout: &'static str,
        given: String,
        found: char,
        position: usize,
    },
    #[error(
        "the codice fiscale '{given}' has month letter {letter}, which is not one of A B C D E H L M P R S T"
    )]
    CfMonth { given: String, letter: char },
    #[error(
        "the codice fiscale '{given}' has birth day {day:02}, which is neither 01-31 (men) nor 41-71 (women)"
    )]
    CfDay { given: String, day: u8 },
    #[error(
        "the codice fiscale '{given}' has check character {found} but its first 15 characters give {expected}"
    )]
    CfCheck {
        given: String,
        found: char,
        expected: char,
    },
    #[error("the partita IVA '{given}' has company number 0000000 (its first 7 digits)")]
    PivaZeroCompany { given: String },
    #[error(
        "the partita IVA '{given}' has office code {office}, which is not 001-100, 120, 121, 888 or 999"
    )]
    PivaOffice { given: String, office: String },
    #[error(
        "the partita IVA '{given}' has check digit {found} but its first 10 digits give {expected}"
    )]
    PivaCheck {
        given: String,
        found: char,
        expected: char,
    },
    #[error(
        "a tax ID is a 16-character codice fiscale or an 11-digit partita IVA; '{given}' has {len} characters"
    )]
    TaxIdShape { given: String, len: usize },
}

fn normalize(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

/// The first character breaking `ok(index, char)`, as a layout error.
fn check_layout(
    given: &str,
    layout: &'static str,
    ok: impl Fn(usize, char) -> bool,
) -> Result<(), IdError> {
    match given.chars().enumerate().find(|&(i, c)| !ok(i, c)) {
        None => Ok(()),
        Some((i, found)) => Err(IdError::Layout {
            layout,
            given: given.to_string(),
            found,
            position: i + 1,
        }),
    }
}

/// The string plumbing shared by every identifier newtype.
macro_rules! string_id {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<$name, IdError> {
                $name::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<$name, IdError> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Codice fiscale
// ---------------------------------------------------------------------------------------------

/// A person's codice fiscale, e.g. `RSSMRA85T10A562S`.
///
/// Holds 16 uppercase characters with a valid layout, month letter, birth day and check letter.
/// It may be omocodic: to tell apart people whose data give the same code, the tax office
/// replaces digits (from the right) with letters, L=0 M=1 N=2 P=3 Q=4 R=5 S=6 T=7 U=8 V=9.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct CodiceFiscale(String);

string_id!(CodiceFiscale);

/// The indices that hold digits, or their omocodia letters.
const CF_DIGIT_INDICES: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// Omocodia letters, indexed by the digit they replace.
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";
/// Month letters, January first.
const CF_MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
/// Values of 0-9 / A-Z at odd positions (1st, 3rd, ...); digits count as A-J.
const CF_ODD: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];
const CF_LAYOUT: &str = "codice fiscale is 6 letters, 2 digits, a month letter, 2 digits, a letter, 3 digits and a check letter (digits may be omocodia letters L M N P Q R S T U V)";

/// The digit at a digit position, undoing omocodia.
fn cf_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        _ => OMOCODIA.iter().position(|&l| l == c).map(|d| d as u8),
    }
}

/// The check letter of 15 uppercase ASCII alphanumerics.
fn cf_check(first15: &[u8]) -> u8 {
    let sum: u32 = first15
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            // Digits weigh the same as the letters A-J in both tables.
            let idx = if c.is_ascii_digit() {
                c - b'0'
            } else {
                c - b'A'
            } as usize;
            if i % 2 == 0 { CF_ODD[idx] } else { idx as u32 }
        })
        .sum();
    b'A' + (sum % 26) as u8
}

impl CodiceFiscale {
    pub fn parse(s: &str) -> Result<CodiceFiscale, IdError> {
        let given = normalize(s);
        let len = given.chars().count();
        if len != 16 {
            return Err(IdError::Length {
                what: "codice fiscale",
                expected: "16 characters",
                given,
                len,
            });
        }
        check_layout(&given, CF_LAYOUT, |i, c| {
            if CF_DIGIT_INDICES.contains(&i) {
                c.is_ascii() && cf_digit(c as u8).is_some()
            } else {
                c.is_ascii_uppercase()
            }
        })?;
        // From here on the string is ASCII, so bytes are characters.
        let b = given.as_bytes();
        if !CF_MONTHS.contains(&b[8]) {
            let letter = char::from(b[8]);
            return Err(IdError::CfMonth { given, letter });
        }
        let day = cf_number(b, 9, 2) as u8;
        if !(1..=31).contains(&day) && !(41..=71).contains(&day) {
            return Err(IdError::CfDay { given, day });
        }
        let expected = cf_check(&b[..15]);
        if b[15] != expected {
            let found = char::from(b[15]);
            return Err(IdError::CfCheck {
                given,
                found,
                expected: char::from(expected),
            });
        }
        Ok(CodiceFiscale(given))
    }

    /// The check letter of the first 15 characters of a codice fiscale (any case).
    ///
    /// # Panics
    /// If `first15` is not 15 ASCII letters and digits.
    pub fn check_char(first15: &str) -> char {
        let upper = first15.to_ascii_uppercase();
        assert!(
            upper.len() == 15 && upper.bytes().all(|c| c.is_ascii_alphanumeric()),
            "a codice fiscale's first 15 characters are ASCII letters and digits, not '{first15}'"
        );
        char::from(cf_check(upper.as_bytes()))
    }

    /// Builds a codice fiscale from its parts and computes the check letter (for the simulator).
    ///
    /// `surname3` and `name3` are the three letters already derived from the names,
    /// `municipality` the cadastral code such as `H501` (Rome); `day` is 1-31 for either sex.
    ///
    /// # Panics
    /// If a part is out of range or has the wrong shape.
    pub fn build(
        surname3: &str,
        name3: &str,
        yy: u8,
        month: u8,
        day: u8,
        female: bool,
        municipality: &str,
    ) -> CodiceFiscale {
        assert!(yy < 100, "a codice fiscale's year has two digits, not {yy}");
        assert!((1..=12).contains(&month), "{month} is not a month");
        assert!((1..=31).contains(&day), "{day} is not a day of the month");
        let day = if female { day + 40 } else { day };
        let month = char::from(CF_MONTHS[usize::from(month - 1)]);
        let first15 =
            format!("{surname3}{name3}{yy:02}{month}{day:02}{municipality}").to_ascii_uppercase();
        // A malformed part yields '?', so that parse below names the broken rule.
        let check = if first15.len() == 15 && first15.bytes().all(|c| c.is_ascii_alphanumeric()) {
            char::from(cf_check(first15.as_bytes()))
        } else {
            '?'
        };
        CodiceFiscale::parse(&format!("{first15}{check}"))
            .unwrap_or_else(|e| panic!("CodiceFiscale::build: {e}"))
    }

    /// Year (two digits), month (1-12), day of the month (1-31) and whether the person is a woman.
    pub fn birth_date_parts(&self) -> (u8, u8, u8, bool) {
        let b = self.0.as_bytes();
        let yy = cf_number(b, 6, 2) as u8;
        let month = CF_MONTHS
            .iter()
            .position(|&m| m == b[8])
            .expect("validated month") as u8
            + 1;
        let day = cf_number(b, 9, 2) as u8;
        let female = day > 40;
        (yy, month, if female { day - 40 } else { day }, female)
    }

    /// The cadastral code of the birth municipality (or foreign country), e.g. `H501`.
    pub fn municipality(&self) -> String {
        let b = self.0.as_bytes();
        format!("{}{:03}", char::from(b[11]), cf_number(b, 12, 3))
    }

    /// Whether the tax office replaced some digits with letters.
    pub fn is_omocodic(&self) -> bool {
        let b = self.0.as_bytes();
        CF_DIGIT_INDICES.iter().any(|&i| !b[i].is_ascii_digit())
    }

    /// The same code with omocodia letters turned back into digits and the check letter recomputed.
    pub fn without_omocodia(&self) -> CodiceFiscale {
        let mut b = self.0.as_bytes().to_vec();
        for i in CF_DIGIT_INDICES {
            b[i] = b'0' + cf_digit(b[i]).expect("validated digit position");
        }
        b[15] = cf_check(&b[..15]);
        CodiceFiscale(String::from_utf8(b).expect("ASCII"))
    }
}

/// The number spelled by `len` digit positions from `start`, undoing omocodia.
fn cf_number(b: &[u8], start: usize, len: usize) -> u32 {
    b[start..start + len].iter().fold(0, |n, &c| {
        n * 10 + u32::from(cf_digit(c).expect("validated digit position"))
    })
}

// ---------------------------------------------------------------------------------------------
// Partita IVA
// ---------------------------------------------------------------------------------------------

/// A business's partita IVA, e.g. `00488410010`: a 7-digit company number, a 3-digit office
/// code and a check digit.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct PartitaIva(String);

string_id!(PartitaIva);

/// The check digit of 10 ASCII digits (the Luhn scheme).
fn piva_check(first10: &[u8]) -> u8 {
    let sum: u32 = first10
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                d
            } else if d * 2 > 9 {
                d * 2 - 9
            } else {
                d * 2
            }
        })
        .sum();
    b'0' + ((10 - sum % 10) % 10) as u8
}

impl PartitaIva {
    pub fn parse(s: &str) -> Result<PartitaIva, IdError> {
        let given = normalize(s);
        let len = given.chars().count();
        if len != 11 {
            return Err(IdError::Length {
                what: "partita IVA",
                expected: "11 digits",
                given,
                len,
            });
        }
        check_layout(&given, "partita IVA is 11 digits", |_, c| {
            c.is_ascii_digit()
        })?;
        if &given[..7] == "0000000" {
            return Err(IdError::PivaZeroCompany { given });
        }
        let office: u16 = given[7..10].parse().expect("three digits");
        if !(1..=100).contains(&office) && ![120, 121, 888, 999].contains(&office) {
            let office = given[7..10].to_string();
            return Err(IdError::PivaOffice { given, office });
        }
        let b = given.as_bytes();
        let expected = piva_check(&b[..10]);
        if b[10] != expected {
            let found = char::from(b[10]);
            return Err(IdError::PivaCheck {
                given,
                found,
                expected: char::from(expected),
            });
        }
        Ok(PartitaIva(given))
    }

    /// Completes 10 digits with their check digit (for the simulator).
    ///
    /// # Panics
    /// If `first10` is not 10 digits with a non-zero company number and a valid office code.
    pub fn from_base(first10: &str) -> PartitaIva {
        let first10 = first10.trim();
        let check = if first10.len() == 10 && first10.bytes().all(|c| c.is_ascii_digit()) {
            char::from(piva_check(first10.as_bytes()))
        } else {
            '?'
        };
        PartitaIva::parse(&format!("{first10}{check}"))
            .unwrap_or_else(|e| panic!("PartitaIva::from_base: {e}"))
    }

    /// The first 7 digits, the company's number in the office's register.
    pub fn company_number(&self) -> &str {
        &self.0[..7]
    }

    /// Digits 8-10: the issuing office (mostly a province code).
    pub fn office_code(&self) -> &str {
        &self.0[7..10]
    }
}

// ---------------------------------------------------------------------------------------------
// POD and PDR
// ---------------------------------------------------------------------------------------------

/// An electricity point of delivery: `IT`, a 3-digit distributor, `E` and 8 digits
/// (some real ones have 9), e.g. `IT001E12345678`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Pod(String);

string_id!(Pod);

impl Pod {
    pub fn parse(s: &str) -> Result<Pod, IdError> {
        let given = normalize(s);
        let len = given.chars().count();
        let layout = match len {
            14 => "POD is IT + 3-digit distributor + E + 8 digits",
            15 => "POD is IT + 3-digit distributor + E + 9 digits",
            _ => {
                return Err(IdError::Length {
                    what: "POD",
                    expected: "14 or 15 characters (IT + 3-digit distributor + E + 8 or 9 digits)",
                    given,
                    len,
                });
            }
        };
        check_layout(&given, layout, |i, c| match i {
            0 => c == 'I',
            1 => c == 'T',
            5 => c == 'E',
            _ => c.is_ascii_digit(),
        })?;
        Ok(Pod(given))
    }

    /// The distributor's 3-digit code, e.g. `001`.
    pub fn distributor(&self) -> &str {
        &self.0[2..5]
    }
}

/// A gas redelivery point (punto di riconsegna): 14 digits, the first 4 naming the distributor.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Pdr(String);

string_id!(Pdr);

impl Pdr {
    pub fn parse(s: &str) -> Result<Pdr, IdError> {
        let given = normalize(s);
        let len = given.chars().count();
        if len != 14 {
            return Err(IdError::Length {
                what: "PDR",
                expected: "14 digits",
                given,
                len,
            });
        }
        check_layout(&given, "PDR is 14 digits", |_, c| c.is_ascii_digit())?;
        Ok(Pdr(given))
    }

    /// The distributor's 4-digit code.
    pub fn distributor(&self) -> &str {
        &self.0[..4]
    }
}

// ---------------------------------------------------------------------------------------------
// Tax ID
// ---------------------------------------------------------------------------------------------

/// A customer's tax identifier: a person's codice fiscale or a business's partita IVA.
///
/// Businesses' codice fiscale has 11 digits and equals their partita IVA, so 11 characters
/// always parse as [`TaxId::Business`].
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub enum TaxId {
    Person(CodiceFiscale),
    Business(PartitaIva),
}

impl TaxId {
    pub fn parse(s: &str) -> Result<TaxId, IdError> {
        let given = normalize(s);
        match given.chars().count() {
            16 => CodiceFiscale::parse(&given).map(TaxId::Person),
            11 => PartitaIva::parse(&given).map(TaxId::Business),
            len => Err(IdError::TaxIdShape { given, len }),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            TaxId::Person(cf) => cf.as_str(),
            TaxId::Business(piva) => piva.as_str(),
        }
    }

    pub fn is_business(&self) -> bool {
        matches!(self, TaxId::Business(_))
    }
}

impl fmt::Display for TaxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaxId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<TaxId, IdError> {
        TaxId::parse(s)
    }
}

impl TryFrom<String> for TaxId {
    type Error = IdError;
    fn try_from(s: String) -> Result<TaxId, IdError> {
        TaxId::parse(&s)
    }
}

impl From<TaxId> for String {
    fn from(id: TaxId) -> String {
        match id {
            TaxId::Person(cf) => cf.into(),
            TaxId::Business(piva) => piva.into(),
        }
    }
}

impl From<CodiceFiscale> for TaxId {
    fn from(cf: CodiceFiscale) -> TaxId {
        TaxId::Person(cf)
    }
}

impl From<PartitaIva> for TaxId {
    fn from(piva: PartitaIva) -> TaxId {
        TaxId::Business(piva)
    }
}

#[cfg(test)]
#[path = "ids_tests.rs"]
mod tests;
