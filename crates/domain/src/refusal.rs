//! The user's own mistakes that canali refuses: one enum, each case with the key of its message
//! in the catalogue and the values that message names. The store, the channel crates and the
//! rules here return them inside their errors; the web translates a refusal by its key (and
//! answers 400 or 422), the CLI prints its English sentence.
//!
//! Adding a case: a variant with an English `#[error]` sentence, its key in [`Refusal::key`],
//! its values in [`Refusal::args`], and the key's Italian and English texts in the catalogue
//! (crates/web/src/i18n.rs); a test there checks every key of [`Refusal::EXAMPLES`].

use crate::Day;
use crate::contact::Service;
use crate::service::RequestStatus;
use crate::ticket::TicketState;

/// A refusal: what the user asked for cannot be done as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A database URL that is neither `sqlite://` nor `postgres://`.
    #[error("unsupported database URL '{url}': use sqlite://FILE or postgres://...")]
    UnsupportedUrl { url: String },
    // Tickets, branches, accounts, requests and readings (the store's areas of store-a).
    #[error("service category code '{code}' must be capital letters")]
    CategoryCode { code: String },
    #[error("branch {branch} has no service category '{category}'")]
    UnknownCategory { branch: String, category: String },
    #[error("the appointment {slot} is before the booking {booked}: book a later slot")]
    SlotBeforeBooking { slot: String, booked: String },
    #[error("ticket {ticket} was taken at the kiosk: only booked tickets check in")]
    TicketNotBooked { ticket: String },
    #[error("counter {counter} is serving ticket {ticket}: close it before calling the next one")]
    CounterBusy { counter: String, ticket: String },
    #[error("ticket {ticket} has already checked in")]
    TicketCheckedIn { ticket: String },
    #[error("ticket {ticket} is for {}, not for the day of {at}", .day.date())]
    TicketOtherDay {
        ticket: String,
        day: Day,
        at: String,
    },
    #[error(
        "nobody was waiting at {branch} at {at}: the first ticket waiting joined the queue at {first}, and a ticket cannot be called before it is taken"
    )]
    CallBeforeTaken {
        branch: String,
        at: String,
        first: String,
    },
    #[error("ticket {ticket} is {}, not {}", .state.label(crate::lang::Lang::En), .expected.label(crate::lang::Lang::En))]
    TicketState {
        ticket: String,
        state: TicketState,
        expected: TicketState,
    },
    #[error("ticket {ticket} cannot move on at {at}: it was {} at {when}, later (ticket times must not go backwards)", moment(.step, "en"))]
    TicketTimeBackwards {
        ticket: String,
        at: String,
        step: TicketState,
        when: String,
    },
    #[error("campaign {campaign} was already sent")]
    CampaignSent { campaign: i64 },
    #[error("campaign {campaign} has no branches: target it first")]
    CampaignUntargeted { campaign: i64 },
    #[error("campaign {campaign} was not sent yet")]
    CampaignNotSent { campaign: i64 },
    #[error("branch {branch} is not a target of campaign {campaign}")]
    NotCampaignTarget { branch: String, campaign: i64 },
    #[error("a kiosk key is stored as its SHA-256 in hex (64 digits), never in the clear")]
    KioskKeyInClear,
    #[error("pairing a kiosk needs the name of who pairs it")]
    KioskPairedByNobody,
    #[error("'{operator}' is not an operator (own, outsourced)")]
    BranchOperator { operator: String },
    #[error("an outsourced branch needs its contractor")]
    BranchContractor,
    #[error("'{host}' is not a host (own, third_party)")]
    BranchHost { host: String },
    #[error("a branch hosted at a third party needs host_name")]
    BranchHostName,
    #[error("a branch has 1 to 99 counters, not {counters}")]
    BranchCounters { counters: i64 },
    #[error("latitude or longitude out of range")]
    BranchCoordinates,
    #[error(
        "this customer is already registered to the online branch: sign in, or reset the password"
    )]
    AlreadyRegistered,
    #[error("the address {email} is already used by another online-branch account")]
    EmailTaken { email: String },
    #[error("a call-center agent needs a line: residential or business")]
    AgentWithoutLine,
    #[error("a branch clerk needs the code of the branch")]
    ClerkWithoutBranch,
    #[error("an operator with the address {email} already exists")]
    OperatorExists { email: String },
    #[error("an API token needs a name that says who uses it")]
    TokenWithoutName,
    #[error("the {} has no file name", attachment_what(.scan, "en"))]
    AttachmentUnnamed { scan: bool },
    #[error("the {} '{filename}' is {mib} MiB; the limit is 5 MiB", attachment_what(.scan, "en"))]
    AttachmentTooLarge {
        scan: bool,
        filename: String,
        mib: String,
    },
    #[error("the subject is empty: say in a few words what the {} is about", subject_what(.letter, "en"))]
    SubjectEmpty { letter: bool },
    #[error("the text of the request is empty: describe the request")]
    RequestBodyEmpty,
    #[error(
        "a complaint from someone not identified needs a name and a phone or an e-mail address to answer to"
    )]
    ComplainantUnknown,
    #[error("the supply point {supply_point} is not one of customer {customer}'s supplies")]
    SupplyPointNotCustomers { supply_point: i64, customer: i64 },
    #[error("the answer is empty: write the reply to the customer")]
    AnswerEmpty,
    #[error("request {request} is {}, not open: it cannot be answered again", .status.label(crate::lang::Lang::En).to_lowercase())]
    RequestNotOpen { request: i64, status: RequestStatus },
    #[error("the answer to request {request} cannot be dated before the request was opened")]
    AnswerBeforeOpening { request: i64 },
    #[error("the sender is empty: write who sent the letter")]
    LetterWithoutSender,
    #[error("there is no request {request} to link the letter to")]
    NoRequestToLink { request: i64 },
    #[error("request {request} belongs to another customer than the letter's")]
    LetterOtherCustomer { request: i64 },
    #[error("a letter that opens a request needs the customer")]
    LetterWithoutCustomer,
    #[error("the supply point {supply_point} is not one of your supplies")]
    SupplyPointNotYours { supply_point: i64 },
    #[error("readings are taken for gas and water meters; supply point {supply_point} is {}", .service.label(crate::lang::Lang::En).to_lowercase())]
    ReadingNotMetered { supply_point: i64, service: Service },
    #[error("a meter reading cannot be negative")]
    ReadingNegative,
    #[error("the reading is dated {}, after the day it was sent", .day.date())]
    ReadingAfterSent { day: Day },
    #[error("the reading is dated {}, before the last reading of {}", .day.date(), .last_day.date())]
    ReadingBeforeLast { day: Day, last_day: Day },
    #[error("the reading {value} is below the last one, {last} of {}; if the meter was replaced, say so", .last_day.date())]
    ReadingBelowLast {
        value: i64,
        last: i64,
        last_day: Day,
    },
    #[error("the reading {value} means about {per_day} a day since {}, more than three times the usual {usual} a day: check it and confirm it if it is right", .since.date())]
    ReadingHigh {
        value: i64,
        per_day: String,
        since: Day,
        usual: String,
    },
    /// A SQLite file in a folder that does not exist (canali creates the file, not folders).
    #[error("cannot create the SQLite file {file}: the folder {folder} does not exist")]
    SqliteFolderMissing { file: String, folder: String },
    /// A database migrated by a newer canali than this one.
    #[error(
        "the database has schema version {found}, newer than this canali knows ({known}): \
         use a newer canali"
    )]
    SchemaTooNew { found: i64, known: i64 },
    /// `canali backup` of a PostgreSQL database: its own tools do that.
    #[error(
        "canali backup copies SQLite databases only: back up PostgreSQL with pg_dump \
         (a logical copy) or pg_basebackup (the whole cluster), as docs/operations.md shows"
    )]
    BackupNeedsSqlite,
    /// A backup onto a file that exists: backups are never overwritten.
    #[error("{path} exists already: name a new file, so that no backup is overwritten by mistake")]
    BackupExists { path: String },
    /// A control character in a text field (crate::text): never NUL, tab and line breaks only
    /// in a multi-line text.
    #[error(
        "{field} holds the control character {code} at character {position}; control characters are not allowed"
    )]
    TextControl {
        field: String,
        code: String,
        position: usize,
    },
    /// A NUL in a text the database was given (a lookup the entry points did not check).
    #[error("the text holds the character U+0000 (NUL), which is never allowed: remove it")]
    TextNul,
    /// A text field longer than its kind allows (crate::text).
    #[error("{field} is {chars} characters long; at most {max} are allowed")]
    TextTooLong {
        field: String,
        chars: usize,
        max: usize,
    },
}

impl Refusal {
    /// One value of every case, for the test that the catalogue knows every key.
    pub const EXAMPLES: &'static [fn() -> Refusal] = &[
        || Refusal::UnsupportedUrl {
            url: "mysql://x".into(),
        },
        || Refusal::CategoryCode { code: "a1".into() },
        || Refusal::UnknownCategory {
            branch: "BO01".into(),
            category: "Z".into(),
        },
        || Refusal::SlotBeforeBooking {
            slot: "2011-03-01 09:00:00".into(),
            booked: "2011-03-01 10:00:00".into(),
        },
        || Refusal::TicketNotBooked {
            ticket: "A001".into(),
        },
        || Refusal::CounterBusy {
            counter: "1".into(),
            ticket: "A001".into(),
        },
        || Refusal::TicketCheckedIn {
            ticket: "A001".into(),
        },
        || Refusal::TicketOtherDay {
            ticket: "A001".into(),
            day: Day(15034),
            at: "2011-03-02 09:00:00".into(),
        },
        || Refusal::CallBeforeTaken {
            branch: "BO01".into(),
            at: "2011-03-01 09:00:00".into(),
            first: "2011-03-01 09:05:00".into(),
        },
        || Refusal::TicketState {
            ticket: "A001".into(),
            state: TicketState::Closed,
            expected: TicketState::Called,
        },
        || Refusal::TicketTimeBackwards {
            ticket: "A001".into(),
            at: "2011-03-01 09:00:00".into(),
            step: TicketState::Called,
            when: "2011-03-01 09:01:00".into(),
        },
        || Refusal::CampaignSent { campaign: 1 },
        || Refusal::CampaignUntargeted { campaign: 1 },
        || Refusal::CampaignNotSent { campaign: 1 },
        || Refusal::NotCampaignTarget {
            branch: "BO01".into(),
            campaign: 1,
        },
        || Refusal::KioskKeyInClear,
        || Refusal::KioskPairedByNobody,
        || Refusal::BranchOperator {
            operator: "franchise".into(),
        },
        || Refusal::BranchContractor,
        || Refusal::BranchHost {
            host: "tent".into(),
        },
        || Refusal::BranchHostName,
        || Refusal::BranchCounters { counters: 0 },
        || Refusal::BranchCoordinates,
        || Refusal::AlreadyRegistered,
        || Refusal::EmailTaken {
            email: "a@b.it".into(),
        },
        || Refusal::AgentWithoutLine,
        || Refusal::ClerkWithoutBranch,
        || Refusal::OperatorExists {
            email: "a@b.it".into(),
        },
        || Refusal::TokenWithoutName,
        || Refusal::AttachmentUnnamed { scan: false },
        || Refusal::AttachmentTooLarge {
            scan: true,
            filename: "a.pdf".into(),
            mib: "6.0".into(),
        },
        || Refusal::SubjectEmpty { letter: false },
        || Refusal::RequestBodyEmpty,
        || Refusal::ComplainantUnknown,
        || Refusal::SupplyPointNotCustomers {
            supply_point: 1,
            customer: 2,
        },
        || Refusal::AnswerEmpty,
        || Refusal::RequestNotOpen {
            request: 1,
            status: RequestStatus::Answered,
        },
        || Refusal::AnswerBeforeOpening { request: 1 },
        || Refusal::LetterWithoutSender,
        || Refusal::NoRequestToLink { request: 1 },
        || Refusal::LetterOtherCustomer { request: 1 },
        || Refusal::LetterWithoutCustomer,
        || Refusal::SupplyPointNotYours { supply_point: 1 },
        || Refusal::ReadingNotMetered {
            supply_point: 1,
            service: Service::Electricity,
        },
        || Refusal::ReadingNegative,
        || Refusal::ReadingAfterSent { day: Day(15034) },
        || Refusal::ReadingBeforeLast {
            day: Day(15034),
            last_day: Day(15035),
        },
        || Refusal::ReadingBelowLast {
            value: 1,
            last: 2,
            last_day: Day(15034),
        },
        || Refusal::ReadingHigh {
            value: 9000,
            per_day: "50.0".into(),
            since: Day(15034),
            usual: "10.0".into(),
        },
        || Refusal::SqliteFolderMissing {
            file: "nowhere/canali.db".into(),
            folder: "nowhere".into(),
        },
        || Refusal::SchemaTooNew { found: 9, known: 8 },
        || Refusal::BackupNeedsSqlite,
        || Refusal::BackupExists {
            path: "backup.db".into(),
        },
        || Refusal::TextControl {
            field: "agent".into(),
            code: "U+0000".into(),
            position: 2,
        },
        || Refusal::TextTooLong {
            field: "agent".into(),
            chars: 201,
            max: 200,
        },
        || Refusal::TextNul,
    ];

    /// The field a refusal of a text names, for the API's `errors` and a form's field.
    pub fn field(&self) -> Option<&str> {
        match self {
            Refusal::TextControl { field, .. } | Refusal::TextTooLong { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The key of the message in the catalogue (`refusal.` and the case in snake case).
    pub fn key(&self) -> &'static str {
        match self {
            Refusal::UnsupportedUrl { .. } => "refusal.unsupported_url",
            Refusal::CategoryCode { .. } => "refusal.category_code",
            Refusal::UnknownCategory { .. } => "refusal.unknown_category",
            Refusal::SlotBeforeBooking { .. } => "refusal.slot_before_booking",
            Refusal::TicketNotBooked { .. } => "refusal.ticket_not_booked",
            Refusal::CounterBusy { .. } => "refusal.counter_busy",
            Refusal::TicketCheckedIn { .. } => "refusal.ticket_checked_in",
            Refusal::TicketOtherDay { .. } => "refusal.ticket_other_day",
            Refusal::CallBeforeTaken { .. } => "refusal.call_before_taken",
            Refusal::TicketState { .. } => "refusal.ticket_state",
            Refusal::TicketTimeBackwards { .. } => "refusal.ticket_time_backwards",
            Refusal::CampaignSent { .. } => "refusal.campaign_sent",
            Refusal::CampaignUntargeted { .. } => "refusal.campaign_untargeted",
            Refusal::CampaignNotSent { .. } => "refusal.campaign_not_sent",
            Refusal::NotCampaignTarget { .. } => "refusal.not_campaign_target",
            Refusal::KioskKeyInClear => "refusal.kiosk_key_in_clear",
            Refusal::KioskPairedByNobody => "refusal.kiosk_paired_by_nobody",
            Refusal::BranchOperator { .. } => "refusal.branch_operator",
            Refusal::BranchContractor => "refusal.branch_contractor",
            Refusal::BranchHost { .. } => "refusal.branch_host",
            Refusal::BranchHostName => "refusal.branch_host_name",
            Refusal::BranchCounters { .. } => "refusal.branch_counters",
            Refusal::BranchCoordinates => "refusal.branch_coordinates",
            Refusal::AlreadyRegistered => "refusal.already_registered",
            Refusal::EmailTaken { .. } => "refusal.email_taken",
            Refusal::AgentWithoutLine => "refusal.agent_without_line",
            Refusal::ClerkWithoutBranch => "refusal.clerk_without_branch",
            Refusal::OperatorExists { .. } => "refusal.operator_exists",
            Refusal::TokenWithoutName => "refusal.token_without_name",
            Refusal::AttachmentUnnamed { .. } => "refusal.attachment_unnamed",
            Refusal::AttachmentTooLarge { .. } => "refusal.attachment_too_large",
            Refusal::SubjectEmpty { .. } => "refusal.subject_empty",
            Refusal::RequestBodyEmpty => "refusal.request_body_empty",
            Refusal::ComplainantUnknown => "refusal.complainant_unknown",
            Refusal::SupplyPointNotCustomers { .. } => "refusal.supply_point_not_customers",
            Refusal::AnswerEmpty => "refusal.answer_empty",
            Refusal::RequestNotOpen { .. } => "refusal.request_not_open",
            Refusal::AnswerBeforeOpening { .. } => "refusal.answer_before_opening",
            Refusal::LetterWithoutSender => "refusal.letter_without_sender",
            Refusal::NoRequestToLink { .. } => "refusal.no_request_to_link",
            Refusal::LetterOtherCustomer { .. } => "refusal.letter_other_customer",
            Refusal::LetterWithoutCustomer => "refusal.letter_without_customer",
            Refusal::SupplyPointNotYours { .. } => "refusal.supply_point_not_yours",
            Refusal::ReadingNotMetered { .. } => "refusal.reading_not_metered",
            Refusal::ReadingNegative => "refusal.reading_negative",
            Refusal::ReadingAfterSent { .. } => "refusal.reading_after_sent",
            Refusal::ReadingBeforeLast { .. } => "refusal.reading_before_last",
            Refusal::ReadingBelowLast { .. } => "refusal.reading_below_last",
            Refusal::ReadingHigh { .. } => "refusal.reading_high",
            Refusal::SqliteFolderMissing { .. } => "refusal.sqlite_folder_missing",
            Refusal::SchemaTooNew { .. } => "refusal.schema_too_new",
            Refusal::BackupNeedsSqlite => "refusal.backup_needs_sqlite",
            Refusal::BackupExists { .. } => "refusal.backup_exists",
            Refusal::TextControl { .. } => "refusal.text_control",
            Refusal::TextTooLong { .. } => "refusal.text_too_long",
            Refusal::TextNul => "refusal.text_nul",
        }
    }

    /// The values the message names, by placeholder (`{url}` in the catalogue's texts).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Refusal::UnsupportedUrl { url } => vec![("url", url.clone())],
            Refusal::CategoryCode { code, .. } => vec![("code", code.to_string())],
            Refusal::UnknownCategory {
                branch, category, ..
            } => vec![
                ("branch", branch.to_string()),
                ("category", category.to_string()),
            ],
            Refusal::SlotBeforeBooking { booked, slot, .. } => {
                vec![("slot", slot.to_string()), ("booked", booked.to_string())]
            }
            Refusal::TicketNotBooked { ticket, .. } => vec![("ticket", ticket.to_string())],
            Refusal::CounterBusy { counter, ticket } => {
                vec![("counter", counter.clone()), ("ticket", ticket.clone())]
            }
            Refusal::TicketCheckedIn { ticket, .. } => vec![("ticket", ticket.to_string())],
            Refusal::TicketOtherDay {
                at, day, ticket, ..
            } => vec![
                ("ticket", ticket.to_string()),
                ("day", day.date().to_string()),
                ("at", at.to_string()),
            ],
            Refusal::CallBeforeTaken {
                at, branch, first, ..
            } => vec![
                ("branch", branch.to_string()),
                ("at", at.to_string()),
                ("first", first.to_string()),
            ],
            Refusal::TicketState {
                expected,
                state,
                ticket,
                ..
            } => vec![
                ("ticket", ticket.to_string()),
                ("state_it", state.label(crate::lang::Lang::It).to_string()),
                ("state_en", state.label(crate::lang::Lang::En).to_string()),
                (
                    "expected_it",
                    expected.label(crate::lang::Lang::It).to_string(),
                ),
                (
                    "expected_en",
                    expected.label(crate::lang::Lang::En).to_string(),
                ),
            ],
            Refusal::TicketTimeBackwards {
                at,
                step,
                ticket,
                when,
                ..
            } => vec![
                ("ticket", ticket.to_string()),
                ("at", at.to_string()),
                ("step_it", moment(step, "it").to_string()),
                ("step_en", moment(step, "en").to_string()),
                ("when", when.to_string()),
            ],
            Refusal::CampaignSent { campaign, .. } => vec![("campaign", campaign.to_string())],
            Refusal::CampaignUntargeted { campaign, .. } => {
                vec![("campaign", campaign.to_string())]
            }
            Refusal::CampaignNotSent { campaign, .. } => vec![("campaign", campaign.to_string())],
            Refusal::NotCampaignTarget {
                branch, campaign, ..
            } => vec![
                ("branch", branch.to_string()),
                ("campaign", campaign.to_string()),
            ],
            Refusal::KioskKeyInClear => Vec::new(),
            Refusal::KioskPairedByNobody => Vec::new(),
            Refusal::BranchOperator { operator, .. } => vec![("operator", operator.to_string())],
            Refusal::BranchContractor => Vec::new(),
            Refusal::BranchHost { host, .. } => vec![("host", host.to_string())],
            Refusal::BranchHostName => Vec::new(),
            Refusal::BranchCounters { counters, .. } => vec![("counters", counters.to_string())],
            Refusal::BranchCoordinates => Vec::new(),
            Refusal::AlreadyRegistered => Vec::new(),
            Refusal::EmailTaken { email, .. } => vec![("email", email.to_string())],
            Refusal::AgentWithoutLine => Vec::new(),
            Refusal::ClerkWithoutBranch => Vec::new(),
            Refusal::OperatorExists { email, .. } => vec![("email", email.to_string())],
            Refusal::TokenWithoutName => Vec::new(),
            Refusal::AttachmentUnnamed { scan, .. } => vec![
                ("what_it", attachment_what(scan, "it").to_string()),
                ("what_en", attachment_what(scan, "en").to_string()),
            ],
            Refusal::AttachmentTooLarge {
                filename,
                mib,
                scan,
                ..
            } => vec![
                ("what_it", attachment_what(scan, "it").to_string()),
                ("what_en", attachment_what(scan, "en").to_string()),
                ("filename", filename.to_string()),
                ("mib", mib.to_string()),
            ],
            Refusal::SubjectEmpty { letter, .. } => vec![
                ("what_it", subject_what(letter, "it").to_string()),
                ("what_en", subject_what(letter, "en").to_string()),
            ],
            Refusal::RequestBodyEmpty | Refusal::ComplainantUnknown => Vec::new(),
            Refusal::SupplyPointNotCustomers {
                customer,
                supply_point,
                ..
            } => vec![
                ("supply_point", supply_point.to_string()),
                ("customer", customer.to_string()),
            ],
            Refusal::AnswerEmpty => Vec::new(),
            Refusal::RequestNotOpen {
                request, status, ..
            } => vec![
                ("request", request.to_string()),
                (
                    "status_it",
                    status.label(crate::lang::Lang::It).to_lowercase(),
                ),
                (
                    "status_en",
                    status.label(crate::lang::Lang::En).to_lowercase(),
                ),
            ],
            Refusal::AnswerBeforeOpening { request, .. } => vec![("request", request.to_string())],
            Refusal::LetterWithoutSender => Vec::new(),
            Refusal::NoRequestToLink { request, .. } => vec![("request", request.to_string())],
            Refusal::LetterOtherCustomer { request, .. } => vec![("request", request.to_string())],
            Refusal::LetterWithoutCustomer => Vec::new(),
            Refusal::SupplyPointNotYours { supply_point, .. } => {
                vec![("supply_point", supply_point.to_string())]
            }
            Refusal::ReadingNotMetered {
                service,
                supply_point,
                ..
            } => vec![
                ("supply_point", supply_point.to_string()),
                (
                    "service_it",
                    service.label(crate::lang::Lang::It).to_lowercase(),
                ),
                (
                    "service_en",
                    service.label(crate::lang::Lang::En).to_lowercase(),
                ),
            ],
            Refusal::ReadingNegative => Vec::new(),
            Refusal::ReadingAfterSent { day, .. } => vec![("day", day.date().to_string())],
            Refusal::ReadingBeforeLast { day, last_day, .. } => vec![
                ("day", day.date().to_string()),
                ("last_day", last_day.date().to_string()),
            ],
            Refusal::ReadingBelowLast {
                last,
                last_day,
                value,
                ..
            } => vec![
                ("value", value.to_string()),
                ("last", last.to_string()),
                ("last_day", last_day.date().to_string()),
            ],
            Refusal::ReadingHigh {
                per_day,
                since,
                usual,
                value,
                ..
            } => vec![
                ("value", value.to_string()),
                ("per_day", per_day.to_string()),
                ("since", since.date().to_string()),
                ("usual", usual.to_string()),
            ],
            Refusal::SqliteFolderMissing { file, folder } => {
                vec![("file", file.clone()), ("folder", folder.clone())]
            }
            Refusal::SchemaTooNew { found, known } => {
                vec![("found", found.to_string()), ("known", known.to_string())]
            }
            Refusal::BackupNeedsSqlite => Vec::new(),
            Refusal::BackupExists { path } => vec![("path", path.clone())],
            Refusal::TextControl {
                field,
                code,
                position,
            } => vec![
                ("field", field.clone()),
                ("code", code.clone()),
                ("position", position.to_string()),
            ],
            Refusal::TextNul => Vec::new(),
            Refusal::TextTooLong { field, chars, max } => vec![
                ("field", field.clone()),
                ("chars", chars.to_string()),
                ("max", max.to_string()),
            ],
        }
    }
}

/// What a ticket had done at the time a later step may not precede.
fn moment(step: &TicketState, lang: &str) -> &'static str {
    match (step, lang) {
        (TicketState::Waiting, "it") => "preso",
        (TicketState::Waiting, _) => "taken",
        (TicketState::Serving, "it") => "servito allo sportello",
        (TicketState::Serving, _) => "at the counter",
        (_, "it") => "chiamato",
        (_, _) => "called",
    }
}

/// The file a request or a letter carries: an attachment, or the scan of the letter.
fn attachment_what(scan: &bool, lang: &str) -> &'static str {
    match (scan, lang) {
        (true, "it") => "lettera scansionata",
        (true, _) => "scanned letter",
        (false, "it") => "allegato",
        (false, _) => "attachment",
    }
}

/// What a subject names: a request, or a letter.
fn subject_what(letter: &bool, lang: &str) -> &'static str {
    match (letter, lang) {
        (true, "it") => "la lettera",
        (true, _) => "letter",
        (false, "it") => "la richiesta",
        (false, _) => "request",
    }
}
