//! Who may sign in, and what they did: customers' online-branch logins, console operators,
//! sessions, one-use e-mail links, API tokens and the audit log.
//!
//! Secrets never reach this module in clear: passwords arrive as argon2id hashes and session
//! ids, e-mail links and API tokens as SHA-256 hex digests, computed by the web layer.

use crate::db::on_db;
pub use crate::sessions::{SessionContext, SessionKind, SessionRow};
use crate::{PortalAccount, Refusal, Result, Store, StoreError};
use canali_domain::service::Role;
use canali_domain::text::{TextKind, check_opt, check_text, text_fault};
use canali_domain::{Channel, Segment};

/// A customer's online-branch login.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct PortalLogin {
    pub customer_id: i64,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: i64,
    /// When the address was confirmed; a login is usable only once confirmed.
    pub confirmed_at: Option<i64>,
}

/// What the registration form checks against: the customer code printed on the bill and the
/// customer's codice fiscale or partita IVA.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CustomerIdentity {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub segment: Segment,
    pub sot: i64,
}

/// What a one-use e-mail link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailPurpose {
    ConfirmAddress = 1,
    ResetPassword = 2,
    ChangeAddress = 3,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Operator {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The call-center line of an agent.
    pub line: Option<Channel>,
    /// The branch of a clerk.
    pub branch: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub active: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOperator {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub line: Option<Channel>,
    pub branch: Option<String>,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_by: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub operator_id: i64,
    pub operator_email: String,
    pub action: String,
    pub customer_id: Option<i64>,
    pub detail: String,
}

/// A row of [`OPERATOR_COLUMNS`].
#[derive(sqlx::FromRow)]
pub(crate) struct OperatorRow {
    pub(crate) id: i64,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: i64,
    pub(crate) line: Option<i64>,
    pub(crate) branch: Option<String>,
    pub(crate) password_hash: String,
    pub(crate) active: i64,
    pub(crate) created_at: i64,
}

const OPERATOR_COLUMNS: &str =
    "id, email, name, role, line, branch, password_hash, active, created_at";

pub(crate) fn operator_of(r: OperatorRow) -> Result<Operator> {
    let role = Role::from_code(r.role).ok_or_else(|| {
        StoreError::Corrupt(format!("operator {} has unknown role {}", r.id, r.role))
    })?;
    Ok(Operator {
        id: r.id,
        email: r.email,
        name: r.name,
        role,
        line: r.line.and_then(Channel::from_code),
        branch: r.branch,
        password_hash: r.password_hash,
        active: r.active != 0,
        created_at: r.created_at,
    })
}

/// E-mail addresses are compared without case.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Who may sign in and what they did: customers' online-branch logins, console operators,
/// sessions, e-mail links, API tokens and the audit log.
#[derive(Clone, Copy)]
pub struct Accounts<'a> {
    pub(crate) store: &'a Store,
}

impl Store {
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts { store: self }
    }
}

impl Accounts<'_> {
    /// The customer that one of its supply points (POD, PDR, meter number) and its tax id
    /// identify, with the supply point's id: the public complaint form's second way to say who
    /// is complaining.
    pub async fn supply_point_match(
        self,
        identifier: &str,
        tax_id: &str,
    ) -> Result<Option<(CustomerIdentity, i64)>> {
        if text_fault(identifier, TextKind::Code).is_some()
            || text_fault(tax_id, TextKind::Code).is_some()
        {
            return Ok(None);
        }
        let row: Option<(i64, String, String, i64, i64, i64)> =
            on_db!(&self.store.db, |p| sqlx::query_as(
                "SELECT c.id, c.code, c.name, c.segment, c.sot, s.id FROM supply_points s \
                 JOIN customers c ON c.id = s.customer_id \
                 WHERE s.identifier = $1 AND c.tax_id = $2"
            )
            .bind(identifier.trim().to_uppercase())
            .bind(tax_id.trim().to_uppercase())
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|(id, code, name, segment, sot, point)| {
            (
                CustomerIdentity {
                    id,
                    code,
                    name,
                    segment: Segment::from_code(segment).unwrap_or(Segment::Residential),
                    sot,
                },
                point,
            )
        }))
    }

    /// The customer whose bill carries `code` and whose codice fiscale or partita IVA is
    /// `tax_id` (both compared without case or surrounding blanks).
    pub async fn registration_match(
        self,
        code: &str,
        tax_id: &str,
    ) -> Result<Option<CustomerIdentity>> {
        // A text the rule refuses was never stored: it matches nobody.
        if text_fault(code, TextKind::Code).is_some()
            || text_fault(tax_id, TextKind::Code).is_some()
        {
            return Ok(None);
        }
        let row: Option<(i64, String, String, i64, i64)> =
            on_db!(&self.store.db, |p| sqlx::query_as(
                "SELECT id, code, name, segment, sot FROM customers WHERE code = $1 AND tax_id = $2"
            )
            .bind(code.trim().to_uppercase())
            .bind(tax_id.trim().to_uppercase())
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|(id, code, name, segment, sot)| CustomerIdentity {
            id,
            code,
            name,
            segment: Segment::from_code(segment).unwrap_or(Segment::Residential),
            sot,
        }))
    }

    /// A residential customer with a gas supply and an e-mail address on file: who the demo
    /// signs in as, to show the online branch with bills and a meter to read.
    pub async fn demo_customer(self) -> Result<Option<(CustomerIdentity, String)>> {
        let row: Option<(i64, String)> = on_db!(&self.store.db, |p| {
            sqlx::query_as(
            "SELECT c.id, c.email FROM customers c \
             WHERE c.segment = 1 AND c.email IS NOT NULL \
             AND EXISTS (SELECT 1 FROM supply_points s WHERE s.customer_id = c.id AND s.service = 1) \
             AND EXISTS (SELECT 1 FROM bills b WHERE b.customer_id = c.id) \
             ORDER BY c.id LIMIT 1"
        )
        .fetch_optional(p)
        .await
        })?;
        let Some((id, email)) = row else {
            return Ok(None);
        };
        Ok(self.customer_identity(id).await?.map(|c| (c, email)))
    }

    pub async fn customer_identity(self, id: i64) -> Result<Option<CustomerIdentity>> {
        let row: Option<(i64, String, String, i64, i64)> =
            on_db!(&self.store.db, |p| sqlx::query_as(
                "SELECT id, code, name, segment, sot FROM customers WHERE id = $1"
            )
            .bind(id)
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|(id, code, name, segment, sot)| CustomerIdentity {
            id,
            code,
            name,
            segment: Segment::from_code(segment).unwrap_or(Segment::Residential),
            sot,
        }))
    }

    /// Creates the login of a registration awaiting confirmation. A registration not yet
    /// confirmed is replaced (the customer may have mistyped the address); a confirmed one, or
    /// an address used by another login, is refused with the reason.
    pub async fn create_portal_login(
        self,
        customer_id: i64,
        email: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<()> {
        let email = normalize_email(email);
        check_text("email", &email, TextKind::Name)?;
        if let Some(existing) = self.portal_login(customer_id).await?
            && existing.confirmed_at.is_some()
        {
            return Err(Refusal::AlreadyRegistered.into());
        }
        let result = on_db!(&self.store.db, |p| sqlx::query(
            "INSERT INTO portal_logins (customer_id, email, password_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (customer_id) DO UPDATE \
             SET email = excluded.email, password_hash = excluded.password_hash, \
                 created_at = excluded.created_at WHERE portal_logins.confirmed_at IS NULL"
        )
        .bind(customer_id)
        .bind(&email)
        .bind(password_hash)
        .bind(now)
        .execute(p)
        .await
        .map(|_| ()));
        match result {
            Err(e) if is_unique_violation(&e) => Err(Refusal::EmailTaken {
                email: email.to_string(),
            }
            .into()),
            other => Ok(other?),
        }
    }

    pub async fn portal_login(self, customer_id: i64) -> Result<Option<PortalLogin>> {
        let row: Option<PortalLogin> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT customer_id, email, password_hash, created_at, confirmed_at \
             FROM portal_logins WHERE customer_id = $1"
        )
        .bind(customer_id)
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }

    pub async fn portal_login_by_email(self, email: &str) -> Result<Option<PortalLogin>> {
        if text_fault(email, TextKind::Name).is_some() {
            return Ok(None);
        }
        let row: Option<PortalLogin> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT customer_id, email, password_hash, created_at, confirmed_at \
             FROM portal_logins WHERE email = $1"
        )
        .bind(normalize_email(email))
        .fetch_optional(p)
        .await)?;
        Ok(row)
    }

    /// Confirms the address of a login and opens the online-branch account, which the report
    /// counts among the year's registrations. Confirming twice changes nothing.
    pub async fn confirm_portal_login(self, customer_id: i64, now: i64) -> Result<()> {
        let email: Option<String> = on_db!(&self.store.db, |p| sqlx::query_scalar(
            "UPDATE portal_logins SET confirmed_at = $2 WHERE customer_id = $1 \
             AND confirmed_at IS NULL RETURNING email"
        )
        .bind(customer_id)
        .bind(now)
        .fetch_optional(p)
        .await)?;
        if let Some(email) = email {
            self.store
                .insert_portal_accounts(&[PortalAccount {
                    customer_id,
                    email,
                    registered_at: now,
                }])
                .await?;
        }
        Ok(())
    }

    pub async fn set_portal_password(self, customer_id: i64, password_hash: &str) -> Result<()> {
        on_db!(&self.store.db, |p| sqlx::query(
            "UPDATE portal_logins SET password_hash = $2 WHERE customer_id = $1"
        )
        .bind(customer_id)
        .bind(password_hash)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Moves the login (and the online-branch account) to a confirmed new address.
    pub async fn set_portal_email(self, customer_id: i64, email: &str) -> Result<()> {
        let email = normalize_email(email);
        check_text("email", &email, TextKind::Name)?;
        let result = on_db!(&self.store.db, |p| {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE portal_logins SET email = $2 WHERE customer_id = $1")
                .bind(customer_id)
                .bind(&email)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE portal_accounts SET email = $2 WHERE customer_id = $1")
                .bind(customer_id)
                .bind(&email)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        });
        match result {
            Err(e) if is_unique_violation(&e) => Err(Refusal::EmailTaken {
                email: email.to_string(),
            }
            .into()),
            other => Ok(other?),
        }
    }

    pub async fn create_email_token(
        self,
        token_hash: &str,
        purpose: EmailPurpose,
        customer_id: i64,
        new_email: Option<&str>,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_db!(&self.store.db, |p| {
            sqlx::query(
            "INSERT INTO email_tokens (token_hash, purpose, customer_id, new_email, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(token_hash)
        .bind(purpose as i64)
        .bind(customer_id)
        .bind(new_email.map(normalize_email))
        .bind(now)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// Spends a one-use link: the customer it was for and the new address it carries, or `None`
    /// when the link is unknown, already used, expired or meant for something else. Two clicks
    /// at once spend it once.
    pub async fn use_email_token(
        self,
        token_hash: &str,
        purpose: EmailPurpose,
        now: i64,
    ) -> Result<Option<(i64, Option<String>)>> {
        Ok(on_db!(&self.store.db, |p| sqlx::query_as(
            "UPDATE email_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3 RETURNING customer_id, new_email"
        )
        .bind(token_hash)
        .bind(purpose as i64)
        .bind(now)
        .fetch_optional(p)
        .await)?)
    }

    /// Adds a console user; an address already in use is refused.
    pub async fn add_operator(self, op: &NewOperator, now: i64) -> Result<i64> {
        let email = normalize_email(&op.email);
        check_text("email", &email, TextKind::Name)?;
        check_text("name", &op.name, TextKind::Name)?;
        check_opt("branch", op.branch.as_deref(), TextKind::Code)?;
        if op.role == Role::Agent && op.line.is_none() {
            return Err(Refusal::AgentWithoutLine.into());
        }
        if op.role == Role::Clerk && op.branch.is_none() {
            return Err(Refusal::ClerkWithoutBranch.into());
        }
        let result = on_db!(&self.store.db, |p| {
            sqlx::query_scalar(
            "INSERT INTO operators (email, name, role, line, branch, password_hash, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING id"
        )
        .bind(&email)
        .bind(&op.name)
        .bind(op.role.code())
        .bind(op.line.map(Channel::code))
        .bind(&op.branch)
        .bind(&op.password_hash)
        .bind(now)
        .fetch_one(p)
        .await
        });
        match result {
            Err(e) if is_unique_violation(&e) => Err(Refusal::OperatorExists { email }.into()),
            other => Ok(other?),
        }
    }

    pub async fn operator(self, id: i64) -> Result<Option<Operator>> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE id = $1");
        let row: Option<OperatorRow> =
            on_db!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(p)
                .await)?;
        row.map(operator_of).transpose()
    }

    pub async fn operator_by_email(self, email: &str) -> Result<Option<Operator>> {
        if text_fault(email, TextKind::Name).is_some() {
            return Ok(None);
        }
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE email = $1");
        let row: Option<OperatorRow> =
            on_db!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(normalize_email(email))
                .fetch_optional(p)
                .await)?;
        row.map(operator_of).transpose()
    }

    pub async fn operators(self) -> Result<Vec<Operator>> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY role, email");
        let rows: Vec<OperatorRow> =
            on_db!(&self.store.db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(p)
                .await)?;
        rows.into_iter().map(operator_of).collect()
    }

    /// Disables (or enables again) a console user; disabling also ends their sessions.
    pub async fn set_operator_active(self, id: i64, active: bool) -> Result<()> {
        on_db!(&self.store.db, |p| sqlx::query(
            "UPDATE operators SET active = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(i64::from(active))
        .execute(p)
        .await
        .map(|_| ()))?;
        if !active {
            self.delete_sessions_of(SessionKind::Operator, id).await?;
        }
        Ok(())
    }

    pub async fn set_operator_password(self, id: i64, password_hash: &str) -> Result<()> {
        on_db!(&self.store.db, |p| sqlx::query(
            "UPDATE operators SET password_hash = $2 WHERE id = $1"
        )
        .bind(id)
        .bind(password_hash)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    pub async fn create_api_token(
        self,
        name: &str,
        token_hash: &str,
        created_by: i64,
        now: i64,
    ) -> Result<i64> {
        if name.trim().is_empty() {
            return Err(Refusal::TokenWithoutName.into());
        }
        check_text("name", name.trim(), TextKind::Name)?;
        Ok(on_db!(&self.store.db, |p| sqlx::query_scalar(
            "INSERT INTO api_tokens (name, token_hash, created_by, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id"
        )
        .bind(name.trim())
        .bind(token_hash)
        .bind(created_by)
        .bind(now)
        .fetch_one(p)
        .await)?)
    }

    /// The token stored under `token_hash`, unless revoked.
    pub async fn api_token_by_hash(self, token_hash: &str) -> Result<Option<ApiToken>> {
        let row: Option<ApiToken> = on_db!(&self.store.db, |p| {
            sqlx::query_as(
                "SELECT id, name, created_by, created_at, revoked_at FROM api_tokens \
                 WHERE token_hash = $1 AND revoked_at IS NULL",
            )
            .bind(token_hash)
            .fetch_optional(p)
            .await
        })?;
        Ok(row)
    }

    pub async fn api_tokens(self) -> Result<Vec<ApiToken>> {
        let rows: Vec<ApiToken> = on_db!(&self.store.db, |p| {
            sqlx::query_as(
                "SELECT id, name, created_by, created_at, revoked_at FROM api_tokens ORDER BY id",
            )
            .fetch_all(p)
            .await
        })?;
        Ok(rows)
    }

    pub async fn revoke_api_token(self, id: i64, now: i64) -> Result<bool> {
        let done = on_db!(&self.store.db, |p| sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL"
        )
        .bind(id)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Writes one line of the audit log: who did what, on which customer.
    pub async fn audit(
        self,
        operator_id: i64,
        action: &str,
        customer_id: Option<i64>,
        detail: &str,
        at: i64,
    ) -> Result<()> {
        on_db!(&self.store.db, |p| {
            sqlx::query(
            "INSERT INTO audit_log (at, operator_id, action, customer_id, detail) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(at)
        .bind(operator_id)
        .bind(action)
        .bind(customer_id)
        .bind(detail)
        .execute(p)
        .await
        .map(|_| ())
        })?;
        Ok(())
    }

    /// The audit log, newest first; `customer_id` narrows it to one customer.
    pub async fn audit_log(
        self,
        customer_id: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = on_db!(&self.store.db, |p| sqlx::query_as(
            "SELECT a.id, a.at, a.operator_id, o.email, a.action, a.customer_id, a.detail \
                 FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id \
                 WHERE ($1 IS NULL OR a.customer_id = $1) ORDER BY a.id DESC LIMIT $2 OFFSET $3"
        )
        .bind(customer_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                operator_id: r.operator_id,
                operator_email: r.email.unwrap_or_default(),
                action: r.action,
                customer_id: r.customer_id,
                detail: r.detail,
            })
            .collect())
    }
}

/// A line of the audit log with its operator's address (`None` for a deleted operator).
#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    operator_id: i64,
    email: Option<String>,
    action: String,
    customer_id: Option<i64>,
    detail: String,
}
