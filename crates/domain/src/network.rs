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
