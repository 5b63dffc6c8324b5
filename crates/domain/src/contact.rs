//! What a contact is: its channel, the customer's segment, the service, the reason and the outcome.
//!
//! Each enum has a stable snake_case name (files, JSON, the API), a small integer code (the store
//! and its rollups) and a label in Italian and English (reports and pages).

pub use crate::UnknownName;

coded_enum! {
    /// The five contact channels of the seed.
    Channel, "channel" {
        CallCenterResidential = 1, "call_center_residential", "Call center clienti residenziali", "Residential call center";
        CallCenterBusiness = 2, "call_center_business", "Call center clienti business", "Business call center";
        Branch = 3, "branch", "Sportelli", "Branches";
        Web = 4, "web", "Sportello on-line", "Online branch";
        Mail = 5, "mail", "Posta", "Postal mail";
    }
}

impl Channel {
    pub const fn is_call_center(self) -> bool {
        matches!(
            self,
            Channel::CallCenterResidential | Channel::CallCenterBusiness
        )
    }
}

coded_enum! {
    /// Residential (households) or business customers.
    Segment, "segment" {
        Residential = 1, "residential", "Residenziale", "Residential";
        Business = 2, "business", "Business", "Business";
    }
}

coded_enum! {
    /// The services the multi-utility sells.
    Service, "service" {
        Gas = 1, "gas", "Gas", "Gas";
        Electricity = 2, "electricity", "Energia elettrica", "Electricity";
        Water = 3, "water", "Acqua", "Water";
        Waste = 4, "waste", "Rifiuti", "Waste";
        DistrictHeating = 5, "district_heating", "Teleriscaldamento", "District heating";
    }
}

coded_enum! {
    /// Why the customer got in touch.
    Reason, "reason" {
        Billing = 1, "billing", "Bollette e fatturazione", "Bills and billing";
        Payment = 2, "payment", "Pagamenti", "Payments";
        Contract = 3, "contract", "Contratti (attivazioni, volture, cessazioni)", "Contracts (activation, transfer, termination)";
        MeterReading = 4, "meter_reading", "Letture e contatori", "Meter readings";
        Complaint = 5, "complaint", "Reclami", "Complaints";
        Information = 6, "information", "Informazioni", "Information";
        TechnicalFault = 7, "technical_fault", "Guasti e interventi tecnici", "Faults and technical work";
        Ebill = 8, "ebill", "Bolletta elettronica", "Electronic bill";
        Other = 9, "other", "Altro", "Other";
    }
}

coded_enum! {
    /// How the contact ended.
    Outcome, "outcome" {
        Resolved = 1, "resolved", "Risolto al primo contatto", "Resolved at first contact";
        RequestOpened = 2, "request_opened", "Pratica aperta", "Request opened";
        Transferred = 3, "transferred", "Trasferito", "Transferred";
        Abandoned = 4, "abandoned", "Abbandonato", "Abandoned";
        TimedOut = 5, "timed_out", "Uscito per tempo massimo", "Timed out";
        NoShow = 6, "no_show", "Assente alla chiamata", "No-show";
        Registered = 7, "registered", "Protocollato", "Registered";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn names_codes_and_labels_round_trip() {
        for c in Channel::ALL {
            assert_eq!(c.name().parse::<Channel>().unwrap(), *c);
            assert_eq!(Channel::from_code(c.code()), Some(*c));
        }
        assert_eq!(Channel::Web.label(Lang::It), "Sportello on-line");
        assert_eq!(Channel::Web.label(Lang::En), "Online branch");
        let err = "fax".parse::<Channel>().unwrap_err().to_string();
        assert!(err.contains("'fax' is not a valid channel"), "{err}");
        assert!(err.contains("call_center_business"), "{err}");
    }
}
