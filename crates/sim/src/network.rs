//! The utility's seven territories (SOT) and its branch network, with the 2011 events of the seed.
//!
//! The network is NOT scaled: it is the same 86 rows at every scale, 84 of them open on
//! 2011-12-31 (the two temporary presence points closed in 2011 are the extra two).

use canali_domain::Day;
use canali_domain::network::{BranchEventKind, BranchKind, Host, Operator};
use canali_store::{Branch, BranchEvent, Sot};
use jiff::civil::{Date, date};

/// The seven territorial operating structures, with their share of the customers.
pub const SOTS: [(i64, &str, f64); 7] = [
    (1, "Bologna", 0.30),
    (2, "Ferrara", 0.10),
    (3, "Forlì-Cesena", 0.14),
    (4, "Imola-Faenza", 0.09),
    (5, "Modena", 0.16),
    (6, "Ravenna", 0.12),
    (7, "Rimini", 0.09),
];

pub fn sots() -> Vec<Sot> {
    SOTS.iter()
        .map(|&(code, name, _)| Sot {
            code,
            name: name.to_string(),
        })
        .collect()
}

/// The seed's homogeneous 33-hour week.
pub const HOMOGENEOUS_HOURS: &str = "mo-th 08:00-15:00; fr 08:00-13:00";
pub const HOMOGENEOUS_TEMPLATE: &str = "homogeneous_33h";
const PRIORITY_HOURS: &str = "mo-fr 08:00-16:00; sa 08:00-12:00";
const STANDARD_A: &str = "mo-fr 08:00-13:00; tu,th 14:30-16:30";
const STANDARD_B: &str = "mo-fr 08:30-12:30; we 14:30-17:00";
const PRESENCE_A: &str = "tu,th 08:30-12:30";
const PRESENCE_B: &str = "we 08:30-12:30";
const PRESENCE_C: &str = "mo,fr 09:00-12:00";
const TEMPORARY: &str = "we,sa 09:00-12:00";

const CONTRACTORS: [&str; 3] = [
    "Servizi Territoriali Emilia Soc. Coop.",
    "Punto Utenze Romagna S.r.l.",
    "Sportelli Riuniti S.c.a r.l.",
];

/// Which hours a row uses.
#[derive(Clone, Copy)]
enum H {
    Priority,
    Homogeneous,
    StdA,
    StdB,
    PpA,
    PpB,
    PpC,
    Temp,
}

impl H {
    fn text(self) -> &'static str {
        match self {
            H::Priority => PRIORITY_HOURS,
            H::Homogeneous => HOMOGENEOUS_HOURS,
            H::StdA => STANDARD_A,
            H::StdB => STANDARD_B,
            H::PpA => PRESENCE_A,
            H::PpB => PRESENCE_B,
            H::PpC => PRESENCE_C,
            H::Temp => TEMPORARY,
        }
    }
}

use BranchKind::{PresencePoint as Pp, Priority as P, Standard as S, TemporaryPresencePoint as T};

/// One row of the network: (sot, name suffix, municipality, address, kind, counters, hours,
/// host name if at a third party, outsourced?, latitude, longitude).
type Row = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    BranchKind,
    i64,
    H,
    Option<&'static str>,
    bool,
    f64,
    f64,
);

#[rustfmt::skip]
const ROWS: [Row; 86] = [
    // Bologna
    (1, "Bologna Berti Pichat", "Bologna", "Viale Carlo Berti Pichat 2/4", P, 8, H::Priority, None, false, 44.5003, 11.3581),
    (1, "Bologna Borgo Panigale", "Bologna", "Via Marco Emilio Lepido 178", S, 4, H::StdA, None, false, 44.5121, 11.2832),
    (1, "Bologna San Donato", "Bologna", "Via del Frullo 5", S, 3, H::StdB, None, false, 44.5108, 11.3842),
    (1, "Casalecchio di Reno", "Casalecchio di Reno", "Via del Lavoro 19", S, 4, H::StdA, None, false, 44.4766, 11.2757),
    (1, "San Lazzaro di Savena", "San Lazzaro di Savena", "Via Emilia 251", S, 3, H::StdB, None, false, 44.4707, 11.4093),
    (1, "San Giovanni in Persiceto", "San Giovanni in Persiceto", "Via Castelfranco 16", S, 3, H::StdA, None, false, 44.6397, 11.1847),
    (1, "Budrio", "Budrio", "Via Mentana 6", S, 2, H::Homogeneous, None, false, 44.5379, 11.5346),
    (1, "Castel Maggiore", "Castel Maggiore", "Via Matteotti 10", S, 2, H::Homogeneous, None, false, 44.5770, 11.3591),
    (1, "Zola Predosa", "Zola Predosa", "Piazza della Repubblica 1", Pp, 1, H::PpA, Some("Comune di Zola Predosa"), false, 44.4889, 11.2183),
    (1, "Sasso Marconi", "Sasso Marconi", "Via Porrettana 314", S, 2, H::StdB, None, false, 44.3980, 11.2502),
    (1, "Porretta Terme", "Porretta Terme", "Piazza della Libertà 13", S, 2, H::StdB, None, false, 44.1556, 10.9757),
    (1, "Vergato", "Vergato", "Piazza Capitani della Montagna 1", Pp, 1, H::PpB, Some("Comune di Vergato"), true, 44.2826, 11.1110),
    (1, "Castiglione dei Pepoli", "Castiglione dei Pepoli", "Piazza Marconi 1", Pp, 1, H::PpC, Some("Comune di Castiglione dei Pepoli"), true, 44.1424, 11.1534),
    (1, "Pianoro", "Pianoro", "Piazza dei Martiri 1", Pp, 1, H::PpA, None, false, 44.3870, 11.3414),
    (1, "San Pietro in Casale", "San Pietro in Casale", "Via Matteotti 154", S, 2, H::StdA, None, false, 44.7003, 11.4053),
    (1, "Molinella", "Molinella", "Piazza Martiri Antifascisti 2", Pp, 1, H::PpB, None, true, 44.6180, 11.6680),
    (1, "Crevalcore", "Crevalcore", "Via Matteotti 191", Pp, 1, H::PpC, Some("Comune di Crevalcore"), false, 44.7206, 11.1473),
    (1, "Anzola dell'Emilia", "Anzola dell'Emilia", "Via Grimandi 1", Pp, 1, H::PpA, None, false, 44.5468, 11.1939),
    // Ferrara
    (2, "Ferrara Diana", "Ferrara", "Via Cesare Diana 40", P, 7, H::Priority, None, false, 44.8381, 11.6198),
    (2, "Ferrara Pontelagoscuro", "Ferrara", "Piazza Buozzi 14", Pp, 1, H::PpB, Some("Delegazione comunale di Pontelagoscuro"), false, 44.8780, 11.6100),
    (2, "Cento", "Cento", "Via Guercino 41", S, 3, H::StdA, None, false, 44.7276, 11.2888),
    (2, "Comacchio", "Comacchio", "Piazza Folegatti 15", S, 2, H::StdB, None, false, 44.6947, 12.1839),
    (2, "Copparo", "Copparo", "Via Roma 28", S, 2, H::Homogeneous, None, false, 44.8935, 11.8281),
    (2, "Argenta", "Argenta", "Piazza Garibaldi 1", S, 2, H::Homogeneous, None, false, 44.6144, 11.8361),
    (2, "Codigoro", "Codigoro", "Piazza Matteotti 60", Pp, 1, H::PpA, Some("Comune di Codigoro"), false, 44.8322, 12.1086),
    (2, "Bondeno", "Bondeno", "Piazza Garibaldi 7", Pp, 1, H::PpC, None, false, 44.8883, 11.4155),
    (2, "Portomaggiore", "Portomaggiore", "Piazza Umberto I 5", Pp, 1, H::PpB, None, true, 44.6977, 11.8051),
    (2, "Mesola", "Mesola", "Piazza Santo Spirito 1", Pp, 1, H::PpB, Some("Comune di Mesola"), true, 44.9208, 12.2301),
    // Forlì-Cesena
    (3, "Forlì Balzella", "Forlì", "Via Balzella 24", P, 7, H::Priority, None, false, 44.2227, 12.0407),
    (3, "Cesena Spinelli", "Cesena", "Via Spinelli 60", P, 6, H::Priority, None, false, 44.1391, 12.2431),
    (3, "Cesenatico", "Cesenatico", "Viale Roma 112", P, 4, H::Priority, None, false, 44.1996, 12.3944),
    (3, "Cesenatico punto temporaneo", "Cesenatico", "Viale Roma 112 (ufficio IAT)", T, 1, H::Temp, Some("Ufficio informazioni turistiche di Cesenatico"), true, 44.2010, 12.4030),
    (3, "Savignano sul Rubicone", "Savignano sul Rubicone", "Piazza Borghesi 9", S, 2, H::Homogeneous, None, false, 44.0927, 12.3985),
    (3, "Forlimpopoli", "Forlimpopoli", "Piazza Fratti 2", S, 2, H::StdB, None, false, 44.1887, 12.1281),
    (3, "Bertinoro", "Bertinoro", "Piazza della Libertà 1", Pp, 1, H::PpA, Some("Comune di Bertinoro"), false, 44.1486, 12.1345),
    (3, "Meldola", "Meldola", "Piazza Felice Orsini 29", Pp, 1, H::PpB, None, true, 44.1281, 12.0596),
    (3, "Santa Sofia", "Santa Sofia", "Piazza Matteotti 1", Pp, 1, H::PpC, Some("Comune di Santa Sofia"), true, 43.9466, 11.9083),
    (3, "Bagno di Romagna", "Bagno di Romagna", "Via Verdi 4, San Piero in Bagno", Pp, 1, H::PpB, None, true, 43.8340, 11.9590),
    (3, "Mercato Saraceno", "Mercato Saraceno", "Piazza Mazzini 50", Pp, 1, H::PpA, None, false, 43.9630, 12.1963),
    (3, "Predappio", "Predappio", "Piazza Sant'Antonio 3", Pp, 1, H::PpC, Some("Comune di Predappio"), false, 44.1015, 11.9812),
    (3, "Gambettola", "Gambettola", "Piazza II Risorgimento 5", Pp, 1, H::PpA, None, false, 44.1195, 12.3393),
    (3, "Castrocaro Terme", "Castrocaro Terme e Terra del Sole", "Viale Marconi 81", Pp, 1, H::PpB, None, false, 44.1786, 11.9500),
    // Imola-Faenza
    (4, "Imola Molino Rosso", "Imola", "Via Molino Rosso 8", P, 7, H::Priority, None, false, 44.3531, 11.7147),
    (4, "Faenza Ravegnana", "Faenza", "Via Ravegnana 106", P, 5, H::Priority, None, false, 44.2857, 11.8834),
    (4, "Lugo", "Lugo", "Piazza Martiri 1", S, 3, H::StdA, None, false, 44.4206, 11.9111),
    (4, "Castel San Pietro Terme", "Castel San Pietro Terme", "Via Matteotti 79", S, 2, H::Homogeneous, None, false, 44.3990, 11.5880),
    (4, "Medicina", "Medicina", "Via Libertà 103", S, 2, H::StdB, None, false, 44.4784, 11.6366),
    (4, "Massa Lombarda", "Massa Lombarda", "Piazza Matteotti 16", Pp, 1, H::PpA, None, false, 44.4480, 11.8230),
    (4, "Bagnacavallo", "Bagnacavallo", "Piazza della Libertà 12", Pp, 1, H::PpC, Some("Comune di Bagnacavallo"), false, 44.4164, 11.9770),
    (4, "Castel Bolognese", "Castel Bolognese", "Piazza Bernardi 1", Pp, 1, H::PpB, None, true, 44.3193, 11.7993),
    (4, "Brisighella", "Brisighella", "Via Naldi 2", Pp, 1, H::PpB, Some("Comune di Brisighella"), true, 44.2211, 11.7723),
    (4, "Alfonsine", "Alfonsine", "Piazza Gramsci 1", Pp, 1, H::PpA, None, false, 44.5060, 12.0420),
    (4, "Conselice", "Conselice", "Via Garibaldi 14", Pp, 1, H::PpC, None, true, 44.5147, 11.8287),
    // Modena
    (5, "Modena Razzaboni", "Modena", "Via Razzaboni 80", P, 8, H::Priority, None, false, 44.6471, 10.9252),
    (5, "Modena Gramsci", "Modena", "Viale Gramsci 122", S, 3, H::StdA, None, false, 44.6560, 10.9400),
    (5, "Sassuolo", "Sassuolo", "Via Adda 50", S, 3, H::StdB, None, false, 44.5428, 10.7838),
    (5, "Vignola", "Vignola", "Via Zenzano 28", S, 3, H::StdA, None, false, 44.4817, 11.0105),
    (5, "Formigine", "Formigine", "Via Unità d'Italia 26", S, 2, H::Homogeneous, None, false, 44.5738, 10.8471),
    (5, "Castelfranco Emilia", "Castelfranco Emilia", "Piazza Garibaldi 3", S, 2, H::StdB, None, false, 44.5953, 11.0530),
    (5, "Maranello", "Maranello", "Piazza Libertà 33", Pp, 1, H::PpA, Some("Comune di Maranello"), false, 44.5259, 10.8664),
    (5, "Pavullo nel Frignano", "Pavullo nel Frignano", "Piazza Montecuccoli 1", S, 2, H::StdB, None, false, 44.3340, 10.8330),
    (5, "Fiorano Modenese", "Fiorano Modenese", "Piazza Ciro Menotti 1", Pp, 1, H::PpB, None, true, 44.5367, 10.8160),
    (5, "Spilamberto", "Spilamberto", "Piazza Caduti Libertà 3", Pp, 1, H::PpC, None, false, 44.5332, 11.0186),
    (5, "Zocca", "Zocca", "Via del Mercato 104", Pp, 1, H::PpB, Some("Comune di Zocca"), true, 44.3448, 10.9926),
    (5, "Nonantola", "Nonantola", "Via Marconi 11", Pp, 1, H::PpA, None, false, 44.6779, 11.0418),
    // Ravenna
    (6, "Ravenna Romea", "Ravenna", "Via Romea Nord 180", P, 7, H::Priority, None, false, 44.4184, 12.2035),
    (6, "Ravenna Darsena", "Ravenna", "Via Trieste 90", S, 3, H::StdA, None, false, 44.4230, 12.2180),
    (6, "Cervia", "Cervia", "Via Circonvallazione Sacchetti 111", S, 3, H::StdB, None, false, 44.2587, 12.3560),
    (6, "Russi", "Russi", "Piazza Farini 1", S, 2, H::StdB, None, false, 44.3764, 12.0334),
    (6, "San Pietro in Vincoli", "Ravenna", "Via Fratelli Bandiera 2, San Pietro in Vincoli", Pp, 1, H::PpA, None, false, 44.3560, 12.1450),
    (6, "Marina di Ravenna", "Ravenna", "Viale delle Nazioni 30, Marina di Ravenna", Pp, 1, H::PpC, Some("Circoscrizione del Mare"), false, 44.4870, 12.2830),
    (6, "Castiglione di Ravenna", "Ravenna", "Via Turci 1, Castiglione di Ravenna", Pp, 1, H::PpB, None, false, 44.2680, 12.2380),
    (6, "Lido Adriano", "Ravenna", "Viale Virgilio 40, Lido Adriano", Pp, 1, H::PpB, None, false, 44.4170, 12.3050),
    (6, "Sant'Alberto", "Ravenna", "Via Cavedone 1, Sant'Alberto", Pp, 1, H::PpA, Some("Delegazione comunale di Sant'Alberto"), true, 44.5360, 12.1620),
    // Rimini
    (7, "Rimini Del Lavoro", "Rimini", "Via del Lavoro 22", P, 7, H::Priority, None, false, 44.0678, 12.5695),
    (7, "Rimini Marina Centro", "Rimini", "Viale Vespucci 6", S, 3, H::StdA, None, false, 44.0640, 12.5790),
    (7, "Riccione", "Riccione", "Viale Vittorio Emanuele II 2", S, 3, H::StdB, None, false, 44.0003, 12.6563),
    (7, "Cattolica", "Cattolica", "Piazza Roosevelt 5", S, 2, H::StdB, None, false, 43.9627, 12.7386),
    (7, "Cattolica punto temporaneo", "Cattolica", "Piazzale Primo Maggio (ufficio IAT)", T, 1, H::Temp, Some("Ufficio informazioni turistiche di Cattolica"), true, 43.9680, 12.7410),
    (7, "Santarcangelo di Romagna", "Santarcangelo di Romagna", "Piazza Ganganelli 1", S, 2, H::Homogeneous, None, false, 44.0625, 12.4466),
    (7, "Bellaria-Igea Marina", "Bellaria-Igea Marina", "Piazza del Popolo 1", S, 2, H::StdA, None, false, 44.1426, 12.4705),
    (7, "Misano Adriatico", "Misano Adriatico", "Via Repubblica 140", Pp, 1, H::PpA, None, false, 43.9781, 12.6973),
    (7, "Morciano di Romagna", "Morciano di Romagna", "Piazza del Popolo 1", Pp, 1, H::PpB, None, true, 43.9163, 12.6497),
    (7, "Coriano", "Coriano", "Piazza Mazzini 15", Pp, 1, H::PpC, Some("Comune di Coriano"), true, 43.9689, 12.6006),
    (7, "Verucchio", "Verucchio", "Piazza Malatesta 28", Pp, 1, H::PpA, None, false, 43.9835, 12.4218),
    (7, "Novafeltria", "Novafeltria", "Piazza Vittorio Emanuele 2", Pp, 1, H::PpB, Some("Comune di Novafeltria"), true, 43.8946, 12.2890),
];

/// SOT abbreviations used in the branch codes.
fn sot_tag(sot: i64) -> &'static str {
    ["BO", "FE", "FC", "IF", "MO", "RA", "RN"][(sot - 1) as usize]
}

/// The branch code of row `i` (0-based), e.g. `SP-BO-01`, numbered within each SOT.
fn code_of(i: usize) -> String {
    let sot = ROWS[i].0;
    let n = ROWS[..=i].iter().filter(|r| r.0 == sot).count();
    format!("SP-{}-{n:02}", sot_tag(sot))
}

/// All 86 branch rows.
pub fn branches() -> Vec<Branch> {
    let mut outsourced = 0usize;
    ROWS.iter()
        .enumerate()
        .map(|(i, r)| {
            let &(
                sot,
                name,
                municipality,
                address,
                kind,
                counters,
                hours,
                host_name,
                out,
                lat,
                lon,
            ) = r;
            let contractor = out.then(|| {
                outsourced += 1;
                CONTRACTORS[outsourced % CONTRACTORS.len()].to_string()
            });
            let homogeneous = matches!(hours, H::Homogeneous);
            Branch {
                code: code_of(i),
                name: format!("Sportello {name}"),
                municipality: municipality.to_string(),
                address: address.to_string(),
                sot,
                kind,
                operator: if out {
                    Operator::Outsourced
                } else {
                    Operator::Own
                },
                contractor,
                host: if host_name.is_some() {
                    Host::ThirdParty
                } else {
                    Host::Own
                },
                host_name: host_name.map(str::to_string),
                counters,
                hours: hours.text().to_string(),
                schedule_template: homogeneous.then(|| HOMOGENEOUS_TEMPLATE.to_string()),
                latitude: lat,
                longitude: lon,
            }
        })
        .collect()
}

fn find(name: &str) -> String {
    let i = ROWS
        .iter()
        .position(|r| r.1 == name)
        .unwrap_or_else(|| panic!("no branch {name}"));
    code_of(i)
}

/// The dated events of the network: the seed's 2011 events plus the older openings of the two
/// temporary presence points.
pub fn branch_events() -> Vec<BranchEvent> {
    let ev = |name: &str, d: Date, kind: BranchEventKind, note: &str| BranchEvent {
        branch: find(name),
        day: Day::from_date(d),
        kind,
        note: note.to_string(),
    };
    use BranchEventKind::*;
    vec![
        ev(
            "Cesenatico punto temporaneo",
            date(2009, 6, 1),
            Opened,
            "Punto di presenza temporaneo per la stagione estiva",
        ),
        ev(
            "Cattolica punto temporaneo",
            date(2009, 6, 1),
            Opened,
            "Punto di presenza temporaneo per la stagione estiva",
        ),
        ev(
            "Casalecchio di Reno",
            date(2011, 3, 14),
            Renovated,
            "Sportello rinnovato",
        ),
        ev(
            "Cesenatico punto temporaneo",
            date(2011, 5, 14),
            Closed,
            "Chiuso: sostituito dal nuovo sportello prioritario",
        ),
        ev(
            "Cesenatico",
            date(2011, 5, 16),
            Opened,
            "Inaugurato il nuovo sportello prioritario",
        ),
        ev(
            "San Giovanni in Persiceto",
            date(2011, 6, 20),
            Renovated,
            "Sportello rinnovato",
        ),
        ev(
            "San Pietro in Vincoli",
            date(2011, 9, 12),
            Opened,
            "Aperto il nuovo punto di presenza nella frazione",
        ),
        ev(
            "Cattolica punto temporaneo",
            date(2011, 9, 30),
            Closed,
            "Chiuso il punto di presenza temporaneo",
        ),
        ev(
            "Vignola",
            date(2011, 10, 17),
            Renovated,
            "Sportello rinnovato",
        ),
    ]
}

/// Days a renovated branch stays closed before its `renovated` event (the day it reopens).
pub const RENOVATION_CLOSED_DAYS: i32 = 14;

/// Whether a branch exists on `day`: no `opened` event or its first on or before the day, and
/// no `closed` event on or before the day.
pub fn exists_on(code: &str, events: &[BranchEvent], day: Day) -> bool {
    let mine = || events.iter().filter(|e| e.branch == code);
    let opened = mine()
        .filter(|e| e.kind == BranchEventKind::Opened)
        .map(|e| e.day)
        .min();
    let closed = mine().any(|e| e.kind == BranchEventKind::Closed && e.day <= day);
    opened.is_none_or(|o| o <= day) && !closed
}

/// Whether a branch serves customers on `day`: it exists and is not closed for renovation
/// (the [`RENOVATION_CLOSED_DAYS`] before a `renovated` event; a `closed` event's day itself
/// is already closed, an `opened` event's day is open).
pub fn serves_on(code: &str, events: &[BranchEvent], day: Day) -> bool {
    exists_on(code, events, day)
        && !events.iter().any(|e| {
            e.branch == code
                && e.kind == BranchEventKind::Renovated
                && day.0 < e.day.0
                && day.0 >= e.day.0 - RENOVATION_CLOSED_DAYS
        })
}

/// Municipalities where the customers of each SOT live: the branch towns, weighted by a rough
/// number of inhabitants (thousands). Index = SOT code - 1.
pub fn municipalities() -> [Vec<(&'static str, f64)>; 7] {
    let pop = |m: &str| -> f64 {
        match m {
            "Bologna" => 380.0,
            "Modena" => 184.0,
            "Ravenna" => 158.0,
            "Rimini" => 143.0,
            "Ferrara" => 135.0,
            "Forlì" => 118.0,
            "Cesena" => 97.0,
            "Imola" => 69.0,
            "Faenza" => 58.0,
            "Carpi" | "Sassuolo" => 41.0,
            "Casalecchio di Reno" | "Riccione" | "Cento" => 35.0,
            "San Lazzaro di Savena" | "Formigine" | "Lugo" | "Castelfranco Emilia" => 32.0,
            "San Giovanni in Persiceto" | "Cervia" | "Vignola" | "Cesenatico" => 27.0,
            _ => 12.0,
        }
    };
    let mut out: [Vec<(&'static str, f64)>; 7] = Default::default();
    for r in ROWS.iter() {
        let list = &mut out[(r.0 - 1) as usize];
        if !list.iter().any(|(m, _)| *m == r.2) {
            list.push((r.2, pop(r.2)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i16, m: i8, dd: i8) -> Day {
        Day::from_date(date(y, m, dd))
    }

    #[test]
    fn the_seed_network_at_the_end_of_2011() {
        let rows = branches();
        let events = branch_events();
        assert_eq!(rows.len(), 86);
        let end = d(2011, 12, 31);
        let open: Vec<&Branch> = rows
            .iter()
            .filter(|b| exists_on(&b.code, &events, end))
            .collect();
        assert_eq!(open.len(), 84);
        assert_eq!(
            open.iter().filter(|b| b.host == Host::ThirdParty).count(),
            18
        );
        let homogeneous: Vec<&&Branch> = open
            .iter()
            .filter(|b| b.schedule_template.as_deref() == Some(HOMOGENEOUS_TEMPLATE))
            .collect();
        assert_eq!(homogeneous.len(), 8);
        for b in &homogeneous {
            assert_eq!(b.hours, HOMOGENEOUS_HOURS);
            let week: canali_domain::schedule::WeeklyHours = b.hours.parse().unwrap();
            assert_eq!(week.hours_per_week(), 33.0);
        }
        // Every SOT has branches, codes are unique, counters 1-8, hours parse, coordinates in
        // Emilia-Romagna, contractors and hosts named where they must be.
        let mut codes: Vec<&str> = rows.iter().map(|b| b.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 86);
        for b in &rows {
            assert!((1..=8).contains(&b.counters), "{}", b.code);
            b.hours
                .parse::<canali_domain::schedule::WeeklyHours>()
                .unwrap();
            assert!(
                (43.7..45.0).contains(&b.latitude) && (10.5..12.9).contains(&b.longitude),
                "{}",
                b.code
            );
            assert_eq!(b.contractor.is_some(), b.operator == Operator::Outsourced);
            assert_eq!(b.host_name.is_some(), b.host == Host::ThirdParty);
        }
        for sot in 1..=7 {
            assert!(open.iter().any(|b| b.sot == sot));
        }
        // 84 at the end of 2010 too: the two openings replace the two closures.
        assert_eq!(
            rows.iter()
                .filter(|b| exists_on(&b.code, &events, d(2010, 12, 31)))
                .count(),
            84
        );
    }

    #[test]
    fn the_seed_events_of_2011() {
        let rows = branches();
        let events = branch_events();
        let by = |code: &str| rows.iter().find(|b| b.code == code).unwrap();
        let in_2011: Vec<&BranchEvent> = events.iter().filter(|e| e.day.year() == 2011).collect();
        let of = |kind: BranchEventKind| {
            in_2011
                .iter()
                .filter(move |e| e.kind == kind)
                .map(|e| by(&e.branch))
        };
        let opened: Vec<&Branch> = of(BranchEventKind::Opened).collect();
        assert_eq!(opened.len(), 2);
        assert!(
            opened
                .iter()
                .any(|b| b.municipality == "Cesenatico" && b.kind == BranchKind::Priority)
        );
        assert!(
            opened
                .iter()
                .any(|b| b.address.contains("San Pietro in Vincoli")
                    && b.municipality == "Ravenna"
                    && b.kind == BranchKind::PresencePoint)
        );
        let mut renovated: Vec<&str> = of(BranchEventKind::Renovated)
            .map(|b| b.municipality.as_str())
            .collect();
        renovated.sort();
        assert_eq!(
            renovated,
            [
                "Casalecchio di Reno",
                "San Giovanni in Persiceto",
                "Vignola"
            ]
        );
        let closed: Vec<&Branch> = of(BranchEventKind::Closed).collect();
        assert_eq!(closed.len(), 2);
        assert!(
            closed
                .iter()
                .all(|b| b.kind == BranchKind::TemporaryPresencePoint)
        );
        let mut towns: Vec<&str> = closed.iter().map(|b| b.municipality.as_str()).collect();
        towns.sort();
        assert_eq!(towns, ["Cattolica", "Cesenatico"]);
        // The new ones did not exist before their opening day.
        let cesenatico = &opened
            .iter()
            .find(|b| b.municipality == "Cesenatico")
            .unwrap()
            .code;
        assert!(!exists_on(cesenatico, &events, d(2011, 5, 15)));
        assert!(exists_on(cesenatico, &events, d(2011, 5, 16)));
        // A renovated branch is closed in the two weeks before it reopens.
        let vignola = &rows
            .iter()
            .find(|b| b.municipality == "Vignola")
            .unwrap()
            .code;
        assert!(!serves_on(vignola, &events, d(2011, 10, 10)));
        assert!(serves_on(vignola, &events, d(2011, 10, 17)));
        assert!(exists_on(vignola, &events, d(2011, 10, 10)));
    }
}
