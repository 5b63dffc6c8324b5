//! The branch ticket's life as a state machine: the states a ticket goes through and the clerk's
//! (or the customer's) steps between them. The store stores the state as its code and guards its
//! conditional updates with the state a step starts from; the rules live here, over values.
//!
//! ```text
//! waiting --check in--> waiting --call--> called --serve--> serving --close--> closed
//!                                           |  ^ recall
//!                                           +--no show--> no_show
//! ```

use crate::refusal::Refusal;

crate::coded_enum! {
    /// Where a ticket is in its life.
    TicketState, "ticket state" {
        Waiting = 1, "waiting", "in attesa", "waiting";
        Called = 2, "called", "chiamato", "called";
        Serving = 3, "serving", "allo sportello", "at the counter";
        Closed = 4, "closed", "servito", "served";
        NoShow = 5, "no_show", "non presentato", "did not come";
    }
}

/// A step in a ticket's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketAction {
    /// The holder of a booked ticket arrives at the branch: the ticket joins the queue.
    CheckIn,
    /// A counter calls the ticket.
    Call,
    /// The counter calls it again: the customer did not come yet.
    Recall,
    /// The called customer did not come.
    NoShow,
    /// The customer is at the counter: service starts.
    Serve,
    /// Service ends.
    Close,
}

impl TicketAction {
    pub const ALL: &'static [TicketAction] = &[
        TicketAction::CheckIn,
        TicketAction::Call,
        TicketAction::Recall,
        TicketAction::NoShow,
        TicketAction::Serve,
        TicketAction::Close,
    ];

    /// The one state this step starts from.
    pub const fn from(self) -> TicketState {
        match self {
            TicketAction::CheckIn | TicketAction::Call => TicketState::Waiting,
            TicketAction::Recall | TicketAction::NoShow | TicketAction::Serve => {
                TicketState::Called
            }
            TicketAction::Close => TicketState::Serving,
        }
    }

    /// The state this step leads to.
    pub const fn to(self) -> TicketState {
        match self {
            TicketAction::CheckIn => TicketState::Waiting,
            TicketAction::Call | TicketAction::Recall => TicketState::Called,
            TicketAction::NoShow => TicketState::NoShow,
            TicketAction::Serve => TicketState::Serving,
            TicketAction::Close => TicketState::Closed,
        }
    }
}

impl TicketState {
    /// Whether `action` may start from this state.
    pub const fn can(self, action: TicketAction) -> bool {
        self.code() == action.from().code()
    }

    /// The state after `action`, or the refusal that names ticket `ticket` (its label, `A042`)
    /// when the step does not start from this state.
    pub fn next(self, action: TicketAction, ticket: &str) -> Result<TicketState, Refusal> {
        if self.can(action) {
            Ok(action.to())
        } else {
            Err(Refusal::TicketState {
                ticket: ticket.to_string(),
                state: self,
                expected: action.from(),
            })
        }
    }

    /// Whether a ticket in this state holds its counter: the customer is at the counter, and the
    /// counter calls nobody else until the ticket is closed (or a served ticket would be left
    /// open at the counter, with no screen to close it).
    pub const fn holds_counter(self) -> bool {
        matches!(self, TicketState::Serving)
    }

    /// Whether the ticket's life is over (served, or its customer did not come).
    pub const fn is_final(self) -> bool {
        matches!(self, TicketState::Closed | TicketState::NoShow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_ticket_being_served_holds_its_counter() {
        let holding: Vec<_> = TicketState::ALL
            .iter()
            .filter(|s| s.holds_counter())
            .collect();
        assert_eq!(holding, vec![&TicketState::Serving]);
    }

    #[test]
    fn each_step_starts_from_one_state_only() {
        for &a in TicketAction::ALL {
            let allowed: Vec<_> = TicketState::ALL.iter().filter(|s| s.can(a)).collect();
            assert_eq!(allowed, vec![&a.from()], "{a:?}");
        }
    }

    #[test]
    fn a_ticket_walks_from_waiting_to_closed() {
        let s = TicketState::Waiting;
        let s = s.next(TicketAction::CheckIn, "A001").unwrap();
        let s = s.next(TicketAction::Call, "A001").unwrap();
        let s = s.next(TicketAction::Recall, "A001").unwrap();
        assert_eq!(s, TicketState::Called);
        let s = s.next(TicketAction::Serve, "A001").unwrap();
        assert_eq!(s, TicketState::Serving);
        let s = s.next(TicketAction::Close, "A001").unwrap();
        assert_eq!(s, TicketState::Closed);
        assert!(s.is_final());
        assert_eq!(
            TicketState::Called.next(TicketAction::NoShow, "A001"),
            Ok(TicketState::NoShow)
        );
    }

    #[test]
    fn a_final_ticket_takes_no_step() {
        for s in [TicketState::Closed, TicketState::NoShow] {
            for &a in TicketAction::ALL {
                let r = s.next(a, "B007").unwrap_err();
                assert_eq!(
                    r,
                    Refusal::TicketState {
                        ticket: "B007".into(),
                        state: s,
                        expected: a.from()
                    }
                );
            }
        }
        let r = TicketState::Closed
            .next(TicketAction::Serve, "A042")
            .unwrap_err();
        assert_eq!(r.to_string(), "ticket A042 is served, not called");
    }

    #[test]
    fn codes_are_the_stored_ones() {
        let codes: Vec<i64> = TicketState::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [1, 2, 3, 4, 5]);
        assert_eq!(TicketState::from_code(5), Some(TicketState::NoShow));
        assert_eq!(TicketState::from_code(9), None);
    }
}
