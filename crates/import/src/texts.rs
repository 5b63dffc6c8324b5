//! The import summary's texts in Italian and English, looked up by key through the domain's
//! catalogue (the web's key test checks the `import.` keys the crate's code uses). Counts have a
//! `_one` and a `_many` text; `{n}` is the count written the language's way.

use canali_domain::lang::{Catalogue, Texts};

/// Every text of the import summary.
pub static TEXTS: Catalogue = Catalogue::new(&[TABLE]);

const TABLE: Texts = &[
    (
        "import.imported",
        "Importato {name} come sorgente '{source}' ({format}): {read} in {secs} s ({rate} righe/s).",
        "Imported {name} as source '{source}' ({format}): {read} in {secs} s ({rate} lines/s).",
    ),
    ("import.lines_read_one", "{n} riga letta", "{n} line read"),
    (
        "import.lines_read_many",
        "{n} righe lette",
        "{n} lines read",
    ),
    (
        "import.empty",
        "Il file non contiene contatti.",
        "The file holds no contacts.",
    ),
    (
        "import.all_known_one",
        "L'unico contatto valido era già nel registro: nulla di nuovo è stato aggiunto (il file era già stato importato).",
        "The one valid contact was already in the ledger: nothing new was added (this file was imported before).",
    ),
    (
        "import.all_known_many",
        "Tutti i {n} contatti validi erano già nel registro: nulla di nuovo è stato aggiunto (il file era già stato importato).",
        "All {n} valid contacts were already in the ledger: nothing new was added (this file was imported before).",
    ),
    (
        "import.none_added",
        "Nessun contatto aggiunto al registro.",
        "No contact was added to the ledger.",
    ),
    (
        "import.added_one",
        "{n} nuovo contatto aggiunto al registro.",
        "{n} new contact was added to the ledger.",
    ),
    (
        "import.added_many",
        "{n} nuovi contatti aggiunti al registro.",
        "{n} new contacts were added to the ledger.",
    ),
    (
        "import.skipped_one",
        "{n} era già nel registro (stessa sorgente e external_id) ed è stato saltato.",
        "{n} was already in the ledger (same source and external_id) and was skipped.",
    ),
    (
        "import.skipped_many",
        "{n} erano già nel registro (stessa sorgente e external_id) e sono stati saltati.",
        "{n} were already in the ledger (same source and external_id) and were skipped.",
    ),
    ("import.warning", "Avviso: {warning}", "Warning: {warning}"),
    (
        "import.none_rejected",
        "Nessuna riga scartata.",
        "No line was rejected.",
    ),
    (
        "import.rejected_one",
        "{n} riga scartata (nulla di essa è stato importato):",
        "{n} line was rejected (nothing from it was imported):",
    ),
    (
        "import.rejected_many",
        "{n} righe scartate (nulla di esse è stato importato):",
        "{n} lines were rejected (nothing from them was imported):",
    ),
    (
        "import.more_reasons_one",
        "{n} altro motivo",
        "{n} more reason",
    ),
    (
        "import.more_reasons_many",
        "{n} altri motivi",
        "{n} more reasons",
    ),
    (
        "import.more_in_log",
        "  ... e {more} in {log}.",
        "  ... and {more} in {log}.",
    ),
    (
        "import.fix_and_retry",
        "Le righe scartate sono in {rejects} e i motivi in {log}: correggile e importa di nuovo quel file (i contatti già presenti vengono saltati).",
        "The rejected lines are in {rejects} and the reasons in {log}: fix them and import that file again (contacts already in the ledger are skipped).",
    ),
];
