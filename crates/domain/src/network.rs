//! The branch network's vocabulary: the kinds of branch, who runs them and who hosts them, and
//! the events of their life.

coded_enum! {
    /// The kinds of branch ("sportello") of the seed.
    BranchKind, "branch kind" {
        Priority = 1, "priority", "Sportello prioritario", "Priority branch";
        Standard = 2, "standard", "Sportello", "Standard branch";
        PresencePoint = 3, "presence_point", "Punto di presenza", "Presence point";
        TemporaryPresencePoint = 4, "temporary_presence_point", "Punto di presenza temporaneo", "Temporary presence point";
    }
}

coded_enum! {
    /// Who staffs a branch.
    Operator, "branch operator" {
        Own = 1, "own", "Personale proprio", "Own staff";
        Outsourced = 2, "outsourced", "In outsourcing", "Outsourced";
    }
}

coded_enum! {
    /// Where a branch lives.
    Host, "branch host" {
        Own = 1, "own", "Sede propria", "Own premises";
        ThirdParty = 2, "third_party", "Presso terzi", "Hosted at a third party";
    }
}

coded_enum! {
    /// A dated event in a branch's life.
    BranchEventKind, "branch event" {
        Opened = 1, "opened", "Apertura", "Opened";
        Renovated = 2, "renovated", "Ristrutturazione", "Renovated";
        Converted = 3, "converted", "Trasformazione", "Converted";
        Moved = 4, "moved", "Trasferimento", "Moved";
        Closed = 5, "closed", "Chiusura", "Closed";
    }
}

coded_enum! {
    /// How a customer switched to (or back from) the electronic bill.
    EbillPath, "e-bill path" {
        ContractSigning = 1, "contract_signing", "Alla firma del contratto", "At contract signing";
        PaperBillForm = 2, "paper_bill_form", "Modulo allegato alla bolletta", "Form attached to the paper bill";
        OnlineBranch = 3, "online_branch", "Sportello on-line", "Online branch";
        CallCenter = 4, "call_center", "Call center", "Call center";
        Branch = 5, "branch", "Sportello", "Branch";
    }
}

coded_enum! {
    /// How a bill reached the customer.
    Delivery, "bill delivery" {
        Paper = 1, "paper", "Carta", "Paper";
        Email = 2, "email", "E-mail", "E-mail";
    }
}

/// One of the seven territorial operating structures (SOT).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Territory {
    pub code: i64,
    pub name: String,
}

/// A branch's staffing, premises, counters and place as given (a console form, a row of the
/// registry file), before they are accepted: one rule for every way a branch comes in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BranchFacts<'a> {
    /// `own` or `outsourced`; `None` is `own`.
    pub operator: Option<&'a str>,
    pub contractor: Option<&'a str>,
    /// `own` or `third_party`; `None` is `own`.
    pub host: Option<&'a str>,
    pub host_name: Option<&'a str>,
    pub counters: i64,
    pub latitude: f64,
    pub longitude: f64,
}

/// What [`check_branch`] accepted: the contractor only for an outsourced branch, the host's
/// name only for a branch hosted at a third party, both trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedBranch {
    pub operator: Operator,
    pub contractor: Option<String>,
    pub host: Host,
    pub host_name: Option<String>,
    pub counters: i64,
}

/// The most counters a branch may have.
pub const MAX_COUNTERS: i64 = 99;

/// Checks a branch's facts: a known operator and host (an unknown one is refused by name), the
/// contractor of an outsourced branch and the host of a hosted one, 1 to [`MAX_COUNTERS`]
/// counters, and coordinates in degrees. Every refusal, in that order.
pub fn check_branch(f: &BranchFacts<'_>) -> Result<CheckedBranch, Vec<crate::refusal::Refusal>> {
    use crate::refusal::Refusal;
    let mut refusals = Vec::new();
    let named = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let operator = match f.operator.map(str::trim) {
        None => Operator::Own,
        Some(o) => o.parse().unwrap_or_else(|_| {
            refusals.push(Refusal::BranchOperator { operator: o.into() });
            Operator::Own
        }),
    };
    let contractor = named(f.contractor);
    if operator == Operator::Outsourced && contractor.is_none() {
        refusals.push(Refusal::BranchContractor);
    }
    let host = match f.host.map(str::trim) {
        None => Host::Own,
        Some(h) => h.parse().unwrap_or_else(|_| {
            refusals.push(Refusal::BranchHost { host: h.into() });
            Host::Own
        }),
    };
    let host_name = named(f.host_name);
    if host == Host::ThirdParty && host_name.is_none() {
        refusals.push(Refusal::BranchHostName);
    }
    if !(1..=MAX_COUNTERS).contains(&f.counters) {
        refusals.push(Refusal::BranchCounters {
            counters: f.counters,
        });
    }
    if !(-90.0..=90.0).contains(&f.latitude) || !(-180.0..=180.0).contains(&f.longitude) {
        refusals.push(Refusal::BranchCoordinates);
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    Ok(CheckedBranch {
        operator,
        contractor: contractor.filter(|_| operator == Operator::Outsourced),
        host,
        host_name: host_name.filter(|_| host == Host::ThirdParty),
        counters: f.counters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refusal::Refusal;

    fn facts() -> BranchFacts<'static> {
        BranchFacts {
            operator: None,
            contractor: None,
            host: None,
            host_name: None,
            counters: 3,
            latitude: 44.49,
            longitude: 11.34,
        }
    }

    #[test]
    fn a_plain_branch_is_own_staff_on_own_premises() {
        let c = check_branch(&facts()).unwrap();
        assert_eq!(
            (c.operator, c.host, c.counters),
            (Operator::Own, Host::Own, 3)
        );
    }

    #[test]
    fn counters_go_from_1_to_99() {
        for (n, ok) in [(0, false), (1, true), (99, true), (100, false), (-1, false)] {
            let r = check_branch(&BranchFacts {
                counters: n,
                ..facts()
            });
            assert_eq!(r.is_ok(), ok, "{n}");
        }
    }

    #[test]
    fn an_unknown_operator_is_refused_by_name() {
        let r = check_branch(&BranchFacts {
            operator: Some("franchise"),
            ..facts()
        });
        assert_eq!(
            r.unwrap_err(),
            vec![Refusal::BranchOperator {
                operator: "franchise".into()
            }]
        );
    }

    #[test]
    fn outsourced_and_hosted_branches_need_their_names() {
        let r = check_branch(&BranchFacts {
            operator: Some("outsourced"),
            host: Some("third_party"),
            host_name: Some(" "),
            latitude: 91.0,
            ..facts()
        });
        assert_eq!(
            r.unwrap_err(),
            vec![
                Refusal::BranchContractor,
                Refusal::BranchHostName,
                Refusal::BranchCoordinates
            ]
        );
        let c = check_branch(&BranchFacts {
            operator: Some("outsourced"),
            contractor: Some(" Coop "),
            host_name: Some("ignored"),
            ..facts()
        })
        .unwrap();
        assert_eq!(c.contractor.as_deref(), Some("Coop"));
        assert_eq!(c.host_name, None);
    }
}
