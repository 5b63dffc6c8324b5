//! Customers and their supply points.
//!
//! The population is held as compact profiles (a few bytes each); the rows the store receives
//! (names, tax ids, identifiers) are built from them while streaming.

use crate::network::{SOTS, municipalities};
use crate::rng::{mix, stream};
use crate::targets::{BUSINESS_SHARE, ELECTRICITY_POINTS, GAS_POINTS, WATER_POINTS};
use canali_domain::ids::{CodiceFiscale, PartitaIva, Pdr, Pod};
use canali_domain::{Day, Segment, Service};
use canali_store::{Customer, SupplyPoint};
use jiff::civil::date;
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

pub const GAS: u8 = 1;
pub const ELECTRICITY: u8 = 2;
pub const WATER: u8 = 4;

/// A customer in a few bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// SOT code, 1-7.
    pub sot: u8,
    pub business: bool,
    /// Services held: [`GAS`] | [`ELECTRICITY`] | [`WATER`].
    pub services: u8,
    pub email: bool,
    /// Customer since (a [`Day`] number).
    pub since: i32,
    /// The id of the first supply point; the others follow.
    pub first_sp: u32,
    /// Index of the municipality in the SOT's list.
    pub muni: u16,
}

impl Profile {
    pub fn segment(&self) -> Segment {
        if self.business {
            Segment::Business
        } else {
            Segment::Residential
        }
    }
    pub fn n_services(&self) -> u32 {
        self.services.count_ones()
    }
    /// The supply points: (id, service), in service order.
    pub fn supply_points(&self) -> impl Iterator<Item = (u32, Service)> + '_ {
        [
            (GAS, Service::Gas),
            (ELECTRICITY, Service::Electricity),
            (WATER, Service::Water),
        ]
        .into_iter()
        .filter(|(bit, _)| self.services & bit != 0)
        .enumerate()
        .map(|(i, (_, s))| (self.first_sp + i as u32, s))
    }
}

/// The customer id of profile `index` (0-based).
pub fn customer_id(index: usize) -> i64 {
    index as i64 + 1
}

/// The customer code printed on the bill, 10 digits.
pub fn customer_code(index: usize) -> String {
    format!("{:010}", 4_000_000_000u64 + index as u64 * 7 + 3)
}

/// Supply points needed at the end of 2011, scaled: (gas, electricity, water).
pub fn supply_targets(scale: f64) -> (u64, u64, u64) {
    let r = |x: f64| (x * scale).round() as u64;
    (r(GAS_POINTS), r(ELECTRICITY_POINTS), r(WATER_POINTS))
}

/// How many customers hold each combination of services so that the totals are exact.
pub fn combos(scale: f64) -> Vec<(u8, u64)> {
    let (g, e, w) = supply_targets(scale);
    let r = |x: f64| x.round() as u64;
    let gew = r(0.45 * e as f64);
    let ge = r(0.12 * e as f64);
    let ew = r(0.08 * e as f64);
    let gw = r(0.50 * g as f64);
    let g1 = g.saturating_sub(gew + gw + ge);
    let e1 = e.saturating_sub(gew + ge + ew);
    let w1 = w.saturating_sub(gew + gw + ew);
    vec![
        (GAS | ELECTRICITY | WATER, gew),
        (GAS | WATER, gw),
        (GAS | ELECTRICITY, ge),
        (ELECTRICITY | WATER, ew),
        (GAS, g1),
        (ELECTRICITY, e1),
        (WATER, w1),
    ]
}

pub struct Population {
    pub profiles: Vec<Profile>,
    pub supply_points: u32,
    /// Customer indices by segment (0 residential, 1 business).
    pub by_segment: [Vec<u32>; 2],
    /// Customer indices by SOT (index = code - 1).
    pub by_sot: [Vec<u32>; 7],
    pub municipalities: [Vec<(&'static str, f64)>; 7],
}

fn pick_weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

pub fn build_population(seed: u64, scale: f64) -> Population {
    let mut rng = stream(seed, "population", 0);
    let mut services: Vec<u8> = Vec::new();
    for (combo, n) in combos(scale) {
        services.extend(std::iter::repeat_n(combo, n as usize));
    }
    services.shuffle(&mut rng);
    let munis = municipalities();
    let sot_w: Vec<f64> = SOTS.iter().map(|s| s.2).collect();
    let muni_w: Vec<Vec<f64>> = munis
        .iter()
        .map(|l| l.iter().map(|m| m.1).collect())
        .collect();
    let old_from = Day::from_date(date(1985, 1, 1)).0;
    let old_to = Day::from_date(date(2009, 12, 31)).0;
    let y2010 = Day::from_date(date(2010, 1, 1)).0;
    let mut profiles = Vec::with_capacity(services.len());
    let mut next_sp = 1u32;
    let mut by_segment: [Vec<u32>; 2] = Default::default();
    let mut by_sot: [Vec<u32>; 7] = Default::default();
    for (i, &svc) in services.iter().enumerate() {
        let business = rng.random_bool(BUSINESS_SHARE);
        let sot = pick_weighted(&mut rng, &sot_w);
        let muni = pick_weighted(&mut rng, &muni_w[sot]) as u16;
        let email = rng.random_bool(if business { 0.75 } else { 0.33 });
        let x: f64 = rng.random();
        let since = if x < 0.88 {
            rng.random_range(old_from..=old_to)
        } else {
            // New contracts: about 6% of the customers in each of 2010 and 2011.
            y2010 + rng.random_range(0..730)
        };
        profiles.push(Profile {
            sot: sot as u8 + 1,
            business,
            services: svc,
            email,
            since,
            first_sp: next_sp,
            muni,
        });
        next_sp += svc.count_ones();
        by_segment[usize::from(business)].push(i as u32);
        by_sot[sot].push(i as u32);
    }
    Population {
        profiles,
        supply_points: next_sp - 1,
        by_segment,
        by_sot,
        municipalities: munis,
    }
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

const MALE: [&str; 40] = [
    "Marco",
    "Giuseppe",
    "Giovanni",
    "Luca",
    "Andrea",
    "Francesco",
    "Alessandro",
    "Paolo",
    "Roberto",
    "Stefano",
    "Antonio",
    "Massimo",
    "Mario",
    "Davide",
    "Matteo",
    "Fabio",
    "Simone",
    "Claudio",
    "Lorenzo",
    "Riccardo",
    "Maurizio",
    "Franco",
    "Gianluca",
    "Daniele",
    "Federico",
    "Enrico",
    "Sergio",
    "Alberto",
    "Luigi",
    "Giorgio",
    "Pietro",
    "Carlo",
    "Bruno",
    "Mauro",
    "Emanuele",
    "Nicola",
    "Filippo",
    "Tommaso",
    "Vittorio",
    "Gabriele",
];
const FEMALE: [&str; 40] = [
    "Maria",
    "Anna",
    "Giulia",
    "Francesca",
    "Laura",
    "Sara",
    "Elena",
    "Chiara",
    "Paola",
    "Silvia",
    "Valentina",
    "Federica",
    "Roberta",
    "Alessandra",
    "Giovanna",
    "Barbara",
    "Cristina",
    "Monica",
    "Elisa",
    "Martina",
    "Daniela",
    "Patrizia",
    "Rita",
    "Lucia",
    "Marta",
    "Simona",
    "Claudia",
    "Angela",
    "Giorgia",
    "Beatrice",
    "Rosa",
    "Franca",
    "Teresa",
    "Luisa",
    "Carla",
    "Michela",
    "Ilaria",
    "Serena",
    "Stefania",
    "Antonella",
];
const SURNAMES: [&str; 110] = [
    "Rossi",
    "Bianchi",
    "Ferrari",
    "Russo",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Costa",
    "Giordano",
    "Mancini",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Lombardo",
    "Serra",
    "Coppola",
    "De Santis",
    "D'Angelo",
    "Marchetti",
    "Parisi",
    "Villa",
    "Conte",
    "Ferraro",
    "Ferri",
    "Fabbri",
    "Bianco",
    "Marini",
    "Grasso",
    "Valentini",
    "Messina",
    "Sala",
    "De Angelis",
    "Gatti",
    "Pellegrini",
    "Palumbo",
    "Sanna",
    "Farina",
    "Rizzi",
    "Monti",
    "Cattaneo",
    "Morelli",
    "Amato",
    "Silvestri",
    "Mazza",
    "Testa",
    "Grassi",
    "Pellegrino",
    "Carbone",
    "Giuliani",
    "Benedetti",
    "Barone",
    "Rossetti",
    "Caputo",
    "Montanari",
    "Guerra",
    "Palmieri",
    "Bernardi",
    "Martino",
    "Fiore",
    "De Rosa",
    "Ferretti",
    "Bellini",
    "Basile",
    "Riva",
    "Donati",
    "Piras",
    "Vitali",
    "Battaglia",
    "Sartori",
    "Neri",
    "Casadei",
    "Zanetti",
    "Bassi",
    "Righi",
    "Zanardi",
    "Tassinari",
    "Zaccarini",
    "Bertozzi",
    "Pasini",
    "Gardini",
    "Baldini",
    "Melandri",
    "Mazzotti",
    "Babini",
    "Montanari",
    "Golinelli",
    "Bonfiglioli",
    "Malaguti",
    "Stanzani",
    "Guidi",
];
const ACTIVITIES: [&str; 15] = [
    "Impianti",
    "Costruzioni",
    "Trasporti",
    "Alimentari",
    "Servizi",
    "Ceramiche",
    "Meccanica",
    "Agricola",
    "Immobiliare",
    "Elettronica",
    "Arredamenti",
    "Ristorazione",
    "Hotel",
    "Autofficina",
    "Tipografia",
];
const FORMS: [&str; 4] = ["S.r.l.", "S.p.A.", "S.n.c.", "S.a.s."];
const MAIL_DOMAINS: [&str; 8] = [
    "libero.it",
    "gmail.com",
    "alice.it",
    "hotmail.it",
    "yahoo.it",
    "tiscali.it",
    "virgilio.it",
    "fastwebnet.it",
];
const STREETS: [&str; 24] = [
    "Via Roma",
    "Via Emilia",
    "Via Garibaldi",
    "Via Mazzini",
    "Via Matteotti",
    "Via Dante Alighieri",
    "Via Verdi",
    "Corso Cavour",
    "Via Marconi",
    "Via Gramsci",
    "Viale della Repubblica",
    "Via XX Settembre",
    "Via Aldo Moro",
    "Via dei Mille",
    "Via Kennedy",
    "Via Leopardi",
    "Via Carducci",
    "Via Pascoli",
    "Via Togliatti",
    "Via Saffi",
    "Via San Vitale",
    "Via Castiglione",
    "Via Cesare Battisti",
    "Via Fratelli Cervi",
];
/// Cadastral codes of birth municipalities: the SOT's main town first, then others.
const SOT_BIRTH: [&str; 7] = ["A944", "D548", "D704", "E289", "F257", "H199", "H294"];
const OTHER_BIRTH: [&str; 12] = [
    "C573", "D458", "H223", "G337", "F205", "H501", "F839", "G273", "L219", "D612", "A944", "F257",
];
/// Partita IVA office codes (provinces) of each SOT.
const SOT_OFFICE: [u32; 7] = [37, 38, 40, 37, 36, 39, 99];

fn ascii_letters(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'A' | b'E' | b'I' | b'O' | b'U')
}

/// The three letters a codice fiscale takes from a surname.
pub fn surname_code(surname: &str) -> String {
    let l = ascii_letters(surname);
    let cons = l.iter().copied().filter(|c| !is_vowel(*c));
    let vow = l.iter().copied().filter(|c| is_vowel(*c));
    cons.chain(vow)
        .chain(*b"XXX")
        .take(3)
        .map(char::from)
        .collect()
}

/// The three letters a codice fiscale takes from a first name (1st, 3rd and 4th consonant when
/// there are four or more).
pub fn name_code(name: &str) -> String {
    let l = ascii_letters(name);
    let cons: Vec<u8> = l.iter().copied().filter(|c| !is_vowel(*c)).collect();
    if cons.len() >= 4 {
        return [cons[0], cons[2], cons[3]]
            .iter()
            .map(|&c| char::from(c))
            .collect();
    }
    let vow = l.iter().copied().filter(|c| is_vowel(*c));
    cons.iter()
        .copied()
        .chain(vow)
        .chain(*b"XXX")
        .take(3)
        .map(char::from)
        .collect()
}

/// A bijective scramble of an id within `0..modulus` (the multiplier is coprime to the
/// moduli used: powers of 2, 3 and 5).
fn scramble(id: u64, modulus: u64) -> u64 {
    id.wrapping_mul(2_654_435_761) % modulus
}

/// Builds the store rows of customers, keeping track of the tax codes already given.
pub struct CustomerRows {
    seed: u64,
    given_cf: HashSet<u64>,
}

/// The letters that replace digits in an omocodic codice fiscale, L=0 ... V=9.
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";

impl CustomerRows {
    pub fn new(seed: u64) -> CustomerRows {
        CustomerRows {
            seed,
            given_cf: HashSet::new(),
        }
    }

    /// A codice fiscale not given before: two people with the same data get an omocodic one,
    /// as the tax office does.
    fn unique_cf(&mut self, cf: CodiceFiscale) -> String {
        let key = |s: &str| mix(s.bytes().take(15).fold(0u64, |h, b| mix(h ^ u64::from(b))));
        if self.given_cf.insert(key(cf.as_str())) {
            return cf.as_str().to_string();
        }
        let mut b = cf.as_str().as_bytes()[..15].to_vec();
        for pos in [14usize, 13, 12, 10, 9, 7, 6] {
            b[pos] = OMOCODIA[usize::from(b[pos] - b'0')];
            let first15 = String::from_utf8(b.clone()).expect("ASCII");
            if self.given_cf.insert(key(&first15)) {
                let full = format!("{first15}{}", CodiceFiscale::check_char(&first15));
                return CodiceFiscale::parse(&full)
                    .expect("a valid omocodic code")
                    .as_str()
                    .to_string();
            }
        }
        cf.as_str().to_string()
    }

    pub fn customer(&mut self, index: usize, p: &Profile, pop: &Population) -> Customer {
        let mut rng = stream(self.seed, "customer", index as u64);
        let id = customer_id(index);
        let surname = SURNAMES[rng.random_range(0..SURNAMES.len())];
        let female = rng.random_bool(0.5);
        let first = if female {
            FEMALE[rng.random_range(0..40)]
        } else {
            MALE[rng.random_range(0..40)]
        };
        let since = Day(p.since);
        let (name, tax_id, mailbox) = if p.business {
            let activity = ACTIVITIES[rng.random_range(0..ACTIVITIES.len())];
            let form = FORMS[rng.random_range(0..FORMS.len())];
            let company = 1_000_000 + scramble(id as u64, 9_000_000);
            let piva = PartitaIva::from_base(&format!(
                "{company:07}{:03}",
                SOT_OFFICE[usize::from(p.sot - 1)]
            ));
            let name = format!("{surname} {activity} {form}");
            let slug: String = format!("{surname}{activity}")
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            (
                name,
                piva.as_str().to_string(),
                format!("info.{}{}", slug.to_lowercase(), id),
            )
        } else {
            // Adults when they became customers.
            let since_year = i64::from(since.year());
            let year = rng.random_range(1925..=(since_year - 19).min(1992));
            let month = rng.random_range(1..=12u8);
            let day = rng.random_range(1..=28u8);
            let birth = if rng.random_bool(0.7) {
                SOT_BIRTH[usize::from(p.sot - 1)]
            } else {
                OTHER_BIRTH[rng.random_range(0..OTHER_BIRTH.len())]
            };
            let cf = CodiceFiscale::build(
                &surname_code(surname),
                &name_code(first),
                (year % 100) as u8,
                month,
                day,
                female,
                birth,
            );
            let tax = self.unique_cf(cf);
            let local = |s: &str| {
                s.chars()
                    .filter(char::is_ascii_alphabetic)
                    .collect::<String>()
                    .to_lowercase()
            };
            (
                format!("{first} {surname}"),
                tax,
                format!("{}.{}{}", local(first), local(surname), id),
            )
        };
        let email = p.email.then(|| {
            format!(
                "{mailbox}@{}",
                MAIL_DOMAINS[rng.random_range(0..MAIL_DOMAINS.len())]
            )
        });
        let phone = rng.random_bool(0.75).then(|| {
            let prefix =
                [328, 333, 335, 338, 339, 340, 347, 348, 349, 320, 393][rng.random_range(0..11)];
            format!("+39 {prefix} {:07}", rng.random_range(0..10_000_000))
        });
        let _ = pop;
        Customer {
            id,
            code: customer_code(index),
            segment: p.segment(),
            tax_id,
            name,
            sot: i64::from(p.sot),
            email,
            phone,
            since,
        }
    }
}

/// Bills a year of a supply point.
pub fn bills_per_year(seed: u64, sp: u32, service: Service, business: bool) -> i64 {
    let h = mix(crate::rng::derive(seed, "sp", u64::from(sp)));
    match (service, business) {
        (Service::Water, false) => 4,
        (Service::Water, true) => 6,
        (_, true) => 12,
        // Low-consumption gas customers are billed every four months.
        (Service::Gas, false) if h % 100 < 15 => 3,
        _ => 6,
    }
}

pub fn supply_point_rows(
    seed: u64,
    index: usize,
    p: &Profile,
    pop: &Population,
) -> impl Iterator<Item = SupplyPoint> {
    let muni = pop.municipalities[usize::from(p.sot - 1)][usize::from(p.muni)]
        .0
        .to_string();
    let h = mix(crate::rng::derive(seed, "address", index as u64));
    let address = format!(
        "{} {}",
        STREETS[(h % STREETS.len() as u64) as usize],
        1 + (h >> 20) % 180
    );
    let customer = customer_id(index);
    let business = p.business;
    let sot = p.sot;
    p.supply_points().map(move |(sp, service)| {
        let identifier = match service {
            Service::Electricity => {
                let dist = if matches!(sot, 4 | 5) { "012" } else { "001" };
                let pod = format!("IT{dist}E{:08}", scramble(u64::from(sp), 100_000_000));
                Pod::parse(&pod).expect("a valid POD").as_str().to_string()
            }
            Service::Gas => {
                let pdr = format!(
                    "{:04}{:010}",
                    1200 + u32::from(sot),
                    scramble(u64::from(sp), 10_000_000_000)
                );
                Pdr::parse(&pdr).expect("a valid PDR").as_str().to_string()
            }
            _ => {
                let brands = ["SE", "MD", "IT", "ZN"];
                format!(
                    "{}{:02}{:07}",
                    brands[sp as usize % 4],
                    (95 + sp % 17) % 100,
                    scramble(u64::from(sp), 10_000_000)
                )
            }
        };
        SupplyPoint {
            id: i64::from(sp),
            customer_id: customer,
            service,
            identifier,
            municipality: muni.clone(),
            address: address.clone(),
            bills_per_year: bills_per_year(seed, sp, service, business),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use canali_domain::ids::TaxId;

    #[test]
    fn name_codes_follow_the_rules() {
        assert_eq!(surname_code("Rossi"), "RSS");
        assert_eq!(surname_code("Fo"), "FOX");
        assert_eq!(surname_code("D'Angelo"), "DNG");
        assert_eq!(name_code("Mario"), "MRA");
        assert_eq!(name_code("Gianluca"), "GLC");
        assert_eq!(name_code("Alessandro"), "LSN");
    }

    #[test]
    fn supply_points_hit_the_targets_exactly() {
        for scale in [0.01, 0.05, 1.0] {
            let (g, e, w) = supply_targets(scale);
            let c = combos(scale);
            let count = |bit: u8| {
                c.iter()
                    .filter(|(s, _)| s & bit != 0)
                    .map(|(_, n)| n)
                    .sum::<u64>()
            };
            assert_eq!((count(GAS), count(ELECTRICITY), count(WATER)), (g, e, w));
        }
    }

    #[test]
    fn generated_ids_are_valid_and_unique() {
        let pop = build_population(11, 0.01);
        let mut rows = CustomerRows::new(11);
        let mut tax = HashSet::new();
        let mut codes = HashSet::new();
        let mut identifiers = HashSet::new();
        let mut business = 0;
        let mut multi = 0;
        for (i, p) in pop.profiles.iter().enumerate() {
            let c = rows.customer(i, p, &pop);
            let parsed = TaxId::parse(&c.tax_id).unwrap_or_else(|e| panic!("{}: {e}", c.tax_id));
            assert_eq!(parsed.is_business(), p.business);
            assert!(tax.insert(c.tax_id.clone()), "duplicate {}", c.tax_id);
            assert!(codes.insert(c.code.clone()));
            business += usize::from(p.business);
            multi += usize::from(p.n_services() > 1);
            for sp in supply_point_rows(11, i, p, &pop) {
                match sp.service {
                    Service::Electricity => {
                        Pod::parse(&sp.identifier).unwrap();
                    }
                    Service::Gas => {
                        Pdr::parse(&sp.identifier).unwrap();
                    }
                    _ => assert_eq!(sp.identifier.len(), 11),
                }
                assert!(
                    identifiers.insert(sp.identifier.clone()),
                    "duplicate {}",
                    sp.identifier
                );
            }
        }
        let n = pop.profiles.len() as f64;
        assert!(
            (0.08..=0.10).contains(&(business as f64 / n)),
            "{}",
            business as f64 / n
        );
        assert!(multi as f64 / n > 0.4);
    }
}
