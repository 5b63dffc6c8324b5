use super::*;
use proptest::prelude::*;
use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as DeError, StrDeserializer};

#[test]
fn codice_fiscale_of_a_man() {
    // By hand: odd positions R S R 8 T 0 5 2 weigh 8+12+8+19+14+1+13+5 = 80,
    // even positions S M A 5 1 A 6 weigh 18+12+0+5+1+0+6 = 42; 122 mod 26 = 18 = S.
    assert_eq!(CodiceFiscale::check_char("RSSMRA85T10A562"), 'S');
    let cf = CodiceFiscale::parse("  rssmra85t10a562s ").unwrap();
    assert_eq!(cf.as_str(), "RSSMRA85T10A562S");
    assert_eq!(cf.birth_date_parts(), (85, 12, 10, false));
    assert_eq!(cf.municipality(), "A562");
    assert!(!cf.is_omocodic());
    assert_eq!(
        CodiceFiscale::build("RSS", "MRA", 85, 12, 10, false, "A562"),
        cf
    );
}

#[test]
fn codice_fiscale_of_a_woman() {
    // By hand: odd positions B C R 9 E 5 2 5 weigh 0+5+8+21+9+13+5+13 = 74,
    // even positions N L A 0 4 F 0 weigh 13+11+0+0+4+5+0 = 33; 107 mod 26 = 3 = D.
    let cf = CodiceFiscale::build("bnc", "lra", 90, 5, 5, true, "f205");
    assert_eq!(cf.as_str(), "BNCLRA90E45F205D");
    assert_eq!(cf.birth_date_parts(), (90, 5, 5, true));
    assert_eq!(CodiceFiscale::parse("BNCLRA90E45F205D").unwrap(), cf);
}

#[test]
fn omocodic_codice_fiscale() {
    // The last digit 2 (odd weight 5) becomes N (odd weight 20): 122 + 15 = 137, mod 26 = 7 = H.
    let cf = CodiceFiscale::parse("RSSMRA85T10A56NH").unwrap();
    assert!(cf.is_omocodic());
    assert_eq!(cf.birth_date_parts(), (85, 12, 10, false));
    assert_eq!(cf.municipality(), "A562");
    assert_eq!(cf.without_omocodia().as_str(), "RSSMRA85T10A562S");
}

#[test]
fn codice_fiscale_errors_name_the_rule() {
    let err = |s: &str| CodiceFiscale::parse(s).unwrap_err().to_string();
    assert_eq!(
        err("RSSMRA85T10A562X"),
        "the codice fiscale 'RSSMRA85T10A562X' has check character X but its first 15 characters give S"
    );
    assert_eq!(
        err("RSSMRA85T10"),
        "a codice fiscale has 16 characters; 'RSSMRA85T10' has 11"
    );
    assert!(
        err("RSSMRA8AT10A562S").contains("'RSSMRA8AT10A562S' has A at position 8"),
        "{}",
        err("RSSMRA8AT10A562S")
    );
    assert!(err("RSSMRA85Z10A562S").contains("month letter Z"));
    assert!(err("RSSMRA85T32A562S").contains("birth day 32"));
    assert!(err("RSSMRA85T00A562S").contains("birth day 00"));
    assert!(err("RSSMRA85T10A562È").contains("has È at position 16"));
}

#[test]
fn partite_iva() {
    // By hand for 00488410010: odd positions 0 4 8 1 0 sum to 13, even positions 0 8 4 0 1
    // doubled (minus 9 above 9) give 0 7 8 0 2 = 17; 30 -> check 0.
    let p = PartitaIva::parse("00488410010").unwrap();
    assert_eq!((p.company_number(), p.office_code()), ("0048841", "001"));
    // 00811720580: odd 0 8 1 2 5 = 16, even 0 1 7 0 8 -> 0 2 5 0 7 = 14; 30 -> check 0.
    assert!(PartitaIva::parse(" 00811720580").is_ok());
    // 1234567001: odd 1 3 5 7 0 = 16, even 2 4 6 0 1 -> 4 8 3 0 2 = 17; 33 -> check 7.
    assert_eq!(PartitaIva::from_base("1234567001").as_str(), "12345670017");

    let err = |s: &str| PartitaIva::parse(s).unwrap_err().to_string();
    assert_eq!(err("123"), "a partita IVA has 11 digits; '123' has 3");
    assert_eq!(
        err("00811720581"),
        "the partita IVA '00811720581' has check digit 1 but its first 10 digits give 0"
    );
    assert!(err("00000000000").contains("company number 0000000"));
    assert!(err("12345672005").contains("office code 200"));
    assert!(err("1234567001A").contains("'1234567001A' has A at position 11"));
}

#[test]
fn pods_and_pdrs() {
    let pod = Pod::parse("it001e12345678").unwrap();
    assert_eq!((pod.as_str(), pod.distributor()), ("IT001E12345678", "001"));
    assert!(Pod::parse("IT012E123456789").is_ok());
    assert_eq!(
        Pod::parse("IT001X12345678").unwrap_err().to_string(),
        "a POD is IT + 3-digit distributor + E + 8 digits; 'IT001X12345678' has X at position 6"
    );
    assert!(Pod::parse("IT001E1234567").is_err());
    assert!(Pod::parse("FR001E12345678").is_err());

    let pdr = Pdr::parse("00881234567890").unwrap();
    assert_eq!(pdr.distributor(), "0088");
    assert!(
        Pdr::parse("0088123456789")
            .unwrap_err()
            .to_string()
            .contains("a PDR has 14 digits")
    );
    assert!(Pdr::parse("0088123456789A").is_err());
}

#[test]
fn tax_ids_by_shape() {
    assert!(matches!(
        TaxId::parse("RSSMRA85T10A562S"),
        Ok(TaxId::Person(_))
    ));
    let business = TaxId::parse("00488410010").unwrap();
    assert!(business.is_business());
    assert_eq!(business.to_string(), "00488410010");
    assert!(
        TaxId::parse("12345")
            .unwrap_err()
            .to_string()
            .contains("'12345' has 5 characters")
    );
    // A wrong codice fiscale reports its own rule, not the shape.
    assert!(matches!(
        TaxId::parse("RSSMRA85T10A562X"),
        Err(IdError::CfCheck { .. })
    ));
}

#[test]
fn deserializing_parses() {
    let de: StrDeserializer<DeError> = "rssmra85t10a562s".into_deserializer();
    assert_eq!(
        CodiceFiscale::deserialize(de).unwrap().as_str(),
        "RSSMRA85T10A562S"
    );
    let de: StrDeserializer<DeError> = "IT001X12345678".into_deserializer();
    assert!(
        Pod::deserialize(de)
            .unwrap_err()
            .to_string()
            .contains("position 6")
    );
    let de: StrDeserializer<DeError> = "00488410010".into_deserializer();
    assert!(TaxId::deserialize(de).unwrap().is_business());
}

const ALPHANUMERICS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The `pick`-th character of [`ALPHANUMERICS`] other than `old`.
fn other_alphanumeric(old: u8, pick: usize) -> u8 {
    let others: Vec<u8> = ALPHANUMERICS
        .iter()
        .copied()
        .filter(|&c| c != old)
        .collect();
    others[pick % others.len()]
}

fn codice_fiscale() -> impl Strategy<Value = CodiceFiscale> {
    (
        "[A-Z]{3}",
        "[A-Z]{3}",
        0u8..100,
        1u8..=12,
        1u8..=31,
        any::<bool>(),
        "[A-Z][0-9]{3}",
    )
        .prop_map(|(s, n, yy, m, d, f, mun)| CodiceFiscale::build(&s, &n, yy, m, d, f, &mun))
}

fn partita_iva() -> impl Strategy<Value = PartitaIva> {
    let office = prop_oneof![1u16..=100, Just(120), Just(121), Just(888), Just(999)];
    ("[0-9]{7}", office)
        .prop_filter("company number 0000000", |(c, _)| c != "0000000")
        .prop_map(|(company, office)| PartitaIva::from_base(&format!("{company}{office:03}")))
}

proptest! {
    #[test]
    fn generated_codici_fiscali_parse_back(cf in codice_fiscale()) {
        prop_assert_eq!(CodiceFiscale::parse(cf.as_str()), Ok(cf.clone()));
        prop_assert_eq!(cf.to_string().parse::<CodiceFiscale>(), Ok(cf.clone()));
        prop_assert_eq!(TaxId::parse(cf.as_str()), Ok(TaxId::Person(cf)));
    }

    #[test]
    fn any_one_change_to_a_codice_fiscale_is_detected(
        cf in codice_fiscale(), index in 0usize..16, pick in 0usize..35,
    ) {
        let mut b = cf.as_str().as_bytes().to_vec();
        b[index] = other_alphanumeric(b[index], pick);
        let changed = String::from_utf8(b).unwrap();
        prop_assert!(CodiceFiscale::parse(&changed).is_err(), "{} accepted", changed);
    }

    #[test]
    fn omocodia_keeps_the_person(cf in codice_fiscale(), mask in 1u8..128) {
        let mut b = cf.as_str().as_bytes().to_vec();
        for (bit, &i) in CF_DIGIT_INDICES.iter().enumerate() {
            if mask & (1 << bit) != 0 {
                b[i] = OMOCODIA[usize::from(b[i] - b'0')];
            }
        }
        let first15 = String::from_utf8(b[..15].to_vec()).unwrap();
        let omocodic = format!("{first15}{}", CodiceFiscale::check_char(&first15));
        let parsed = CodiceFiscale::parse(&omocodic).unwrap();
        prop_assert!(parsed.is_omocodic());
        prop_assert_eq!(parsed.birth_date_parts(), cf.birth_date_parts());
        let restored = parsed.without_omocodia();
        prop_assert_eq!(&restored.as_str()[..15], &cf.as_str()[..15]);
        prop_assert_eq!(restored, cf);
    }

    #[test]
    fn generated_partite_iva_parse_back(p in partita_iva()) {
        prop_assert_eq!(PartitaIva::parse(p.as_str()), Ok(p.clone()));
        prop_assert_eq!(p.to_string().parse::<PartitaIva>(), Ok(p.clone()));
        prop_assert_eq!(TaxId::parse(p.as_str()), Ok(TaxId::Business(p)));
    }

    #[test]
    fn any_one_digit_change_to_a_partita_iva_is_detected(
        p in partita_iva(), index in 0usize..11, shift in 1u8..10,
    ) {
        let mut b = p.as_str().as_bytes().to_vec();
        b[index] = b'0' + (b[index] - b'0' + shift) % 10;
        let changed = String::from_utf8(b).unwrap();
        prop_assert!(PartitaIva::parse(&changed).is_err(), "{} accepted", changed);
    }

    #[test]
    fn pods_and_pdrs_parse_back(pod in "IT[0-9]{3}E[0-9]{8,9}", pdr in "[0-9]{14}") {
        let parsed = Pod::parse(&pod.to_lowercase()).unwrap();
        prop_assert_eq!(parsed.as_str(), pod.as_str());
        prop_assert_eq!(parsed.to_string().parse::<Pod>(), Ok(parsed.clone()));
        let parsed = Pdr::parse(&pdr).unwrap();
        prop_assert_eq!(parsed.distributor(), &pdr[..4]);
        prop_assert_eq!(parsed.to_string().parse::<Pdr>(), Ok(parsed.clone()));
    }
}
