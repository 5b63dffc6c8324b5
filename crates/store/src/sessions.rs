//! Sessions: the customer's or operator's signed-in session, stored under the SHA-256 of its
//! id (computed by the web layer), with the token its forms carry. Part of
//! [`Store::accounts`](crate::Store::accounts).

use crate::Result;
use crate::accounts::{Accounts, CustomerIdentity, Operator, OperatorRow, operator_of};
use crate::db::on_db;
use canali_domain::Segment;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SessionKind {
    Customer = 1,
    Operator = 2,
}

impl SessionKind {
    pub(crate) fn from_code(code: i64) -> Option<SessionKind> {
        match code {
            1 => Some(SessionKind::Customer),
            2 => Some(SessionKind::Operator),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub kind: SessionKind,
    /// The customer id or the operator id.
    pub subject: i64,
    /// The token every form of this session carries.
    pub csrf: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A live session and who is behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionContext {
    pub session: SessionRow,
    pub customer: Option<CustomerIdentity>,
    pub operator: Option<Operator>,
}

impl Accounts<'_> {
    pub async fn create_session(
        self,
        id_hash: &str,
        kind: SessionKind,
        subject: i64,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        on_db!(&self.store.db, |p| sqlx::query(
            "INSERT INTO sessions (id_hash, kind, subject, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(id_hash)
        .bind(kind as i64)
        .bind(subject)
        .bind(csrf)
        .bind(now)
        .bind(expires_at)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The live session stored under `id_hash`, if it has not expired.
    pub async fn session(self, id_hash: &str, now: i64) -> Result<Option<SessionRow>> {
        let row: Option<(i64, i64, String, i64, i64)> =
            on_db!(&self.store.db, |p| sqlx::query_as(
                "SELECT kind, subject, csrf, created_at, expires_at FROM sessions \
             WHERE id_hash = $1 AND expires_at > $2"
            )
            .bind(id_hash)
            .bind(now)
            .fetch_optional(p)
            .await)?;
        Ok(
            row.and_then(|(kind, subject, csrf, created_at, expires_at)| {
                Some(SessionRow {
                    kind: SessionKind::from_code(kind)?,
                    subject,
                    csrf,
                    created_at,
                    expires_at,
                })
            }),
        )
    }

    /// The live session under `id_hash` with the customer or operator it belongs to, in one
    /// query: every page asks it first.
    pub async fn session_context(self, id_hash: &str, now: i64) -> Result<Option<SessionContext>> {
        use sqlx::Row;
        const SQL: &str = "SELECT s.kind, s.subject, s.csrf, s.created_at, s.expires_at, \
             c.code, c.name, c.segment, c.sot, \
             o.email, o.name, o.role, o.line, o.branch, o.password_hash, o.active, o.created_at \
             FROM sessions s \
             LEFT JOIN customers c ON s.kind = 1 AND c.id = s.subject \
             LEFT JOIN operators o ON s.kind = 2 AND o.id = s.subject \
             WHERE s.id_hash = $1 AND s.expires_at > $2";
        let row = on_db!(&self.store.db, |p| {
            let row = sqlx::query(SQL)
                .bind(id_hash)
                .bind(now)
                .fetch_optional(p)
                .await?;
            row.map(|r| -> std::result::Result<_, sqlx::Error> {
                Ok((
                    (
                        r.try_get::<i64, _>(0)?,
                        r.try_get::<i64, _>(1)?,
                        r.try_get::<String, _>(2)?,
                        r.try_get::<i64, _>(3)?,
                        r.try_get::<i64, _>(4)?,
                    ),
                    (
                        r.try_get::<Option<String>, _>(5)?,
                        r.try_get::<Option<String>, _>(6)?,
                        r.try_get::<Option<i64>, _>(7)?,
                        r.try_get::<Option<i64>, _>(8)?,
                    ),
                    (
                        r.try_get::<Option<String>, _>(9)?,
                        r.try_get::<Option<String>, _>(10)?,
                        r.try_get::<Option<i64>, _>(11)?,
                        r.try_get::<Option<i64>, _>(12)?,
                        r.try_get::<Option<String>, _>(13)?,
                        r.try_get::<Option<String>, _>(14)?,
                        r.try_get::<Option<i64>, _>(15)?,
                        r.try_get::<Option<i64>, _>(16)?,
                    ),
                ))
            })
            .transpose()
        })?;
        let Some(((kind, subject, csrf, created_at, expires_at), c, o)) = row else {
            return Ok(None);
        };
        let Some(kind) = SessionKind::from_code(kind) else {
            return Ok(None);
        };
        let customer = match c {
            (Some(code), Some(name), Some(segment), Some(sot)) if kind == SessionKind::Customer => {
                Some(CustomerIdentity {
                    id: subject,
                    code,
                    name,
                    segment: Segment::from_code(segment).unwrap_or(Segment::Residential),
                    sot,
                })
            }
            _ => None,
        };
        let operator = match o {
            (
                Some(email),
                Some(name),
                Some(role),
                line,
                branch,
                Some(password_hash),
                Some(active),
                Some(op_created),
            ) if kind == SessionKind::Operator => Some(operator_of(OperatorRow {
                id: subject,
                email,
                name,
                role,
                line,
                branch,
                password_hash,
                active,
                created_at: op_created,
            })?),
            _ => None,
        };
        Ok(Some(SessionContext {
            session: SessionRow {
                kind,
                subject,
                csrf,
                created_at,
                expires_at,
            },
            customer,
            operator,
        }))
    }

    pub async fn delete_session(self, id_hash: &str) -> Result<()> {
        on_db!(&self.store.db, |p| sqlx::query(
            "DELETE FROM sessions WHERE id_hash = $1"
        )
        .bind(id_hash)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Ends every session of a customer or operator (after a password change or reset).
    pub async fn delete_sessions_of(self, kind: SessionKind, subject: i64) -> Result<u64> {
        let done = on_db!(&self.store.db, |p| sqlx::query(
            "DELETE FROM sessions WHERE kind = $1 AND subject = $2"
        )
        .bind(kind as i64)
        .bind(subject)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done)
    }

    pub async fn purge_expired(self, now: i64) -> Result<u64> {
        let sessions = on_db!(&self.store.db, |p| sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1"
        )
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let tokens = on_db!(&self.store.db, |p| sqlx::query(
            "DELETE FROM email_tokens WHERE expires_at <= $1"
        )
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(sessions + tokens)
    }
}
