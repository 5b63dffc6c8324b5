//! Agents logged in and paused, from the queue_log's agent events: `AGENTLOGIN`/`AGENTLOGOFF`
//! (and the callback variants), `ADDMEMBER`/`REMOVEMEMBER`, `PAUSE`/`UNPAUSE`,
//! `PAUSEALL`/`UNPAUSEALL`, and the agents seen answering (`CONNECT`). The follower keeps them
//! with its state, so a restart resumes them; the wallboard counts them per line.
//!
//! An agent is on a line when it is a member of (or was seen answering, or pausing, in) a queue
//! of that line. An `AGENTLOGIN` logged on no queue (`NONE`) logs the agent in without a line,
//! until a queue of its shows up. A pause without a queue (`NONE`), or `PAUSEALL`, pauses the
//! agent on every queue.

use crate::queue_log::{Event, Record};
use crate::settings::{CallCenterSettings, Line};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One agent's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentState {
    /// Logged in by `AGENTLOGIN` (on every queue it is a member of).
    #[serde(default)]
    pub logged_in: bool,
    /// The queues it is a member of, or was seen answering or pausing in.
    #[serde(default)]
    pub queues: BTreeSet<String>,
    /// Paused on every queue (`PAUSEALL`, or `PAUSE` without a queue).
    #[serde(default)]
    pub paused_all: bool,
    /// The queues it is paused in.
    #[serde(default)]
    pub paused: BTreeSet<String>,
    /// Its last event, microseconds.
    #[serde(default)]
    pub since: i64,
}

/// The agents logged in now, by name (`Agent/1001`, `SIP/7`, `PJSIP/anna`...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Agents {
    pub agents: BTreeMap<String, AgentState>,
}

/// The agents of one line: logged in (paused ones included) and paused, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineAgents {
    pub logged_in: BTreeSet<String>,
    pub paused: BTreeSet<String>,
}

fn no_queue(queue: &str) -> bool {
    queue.is_empty() || queue == "NONE"
}

impl Agents {
    /// Reads the follower's saved JSON ('' for none).
    pub fn from_json(s: &str) -> Result<Agents, serde_json::Error> {
        if s.trim().is_empty() {
            Ok(Agents::default())
        } else {
            serde_json::from_str(s)
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.agents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }

    /// Takes one event; events that say nothing about agents are ignored.
    pub fn feed(&mut self, r: &Record<'_>) {
        let agent = r.agent.trim();
        if agent.is_empty() || agent == "NONE" {
            return;
        }
        let queue = r.queue.trim();
        match r.event {
            Event::AgentLogin | Event::AgentCallbackLogin => {
                let a = self.agent(agent, r.time);
                a.logged_in = true;
                if !no_queue(queue) {
                    a.queues.insert(queue.to_string());
                }
            }
            Event::AgentLogoff | Event::AgentCallbackLogoff => {
                self.agents.remove(agent);
            }
            Event::AddMember | Event::Connect if !no_queue(queue) => {
                self.agent(agent, r.time).queues.insert(queue.to_string());
            }
            Event::RemoveMember => {
                if let Some(a) = self.agents.get_mut(agent) {
                    a.queues.remove(queue);
                    a.paused.remove(queue);
                    a.since = a.since.max(r.time);
                    if a.queues.is_empty() && !a.logged_in {
                        self.agents.remove(agent);
                    }
                }
            }
            Event::Pause => {
                let a = self.agent(agent, r.time);
                if no_queue(queue) {
                    a.paused_all = true;
                } else {
                    a.queues.insert(queue.to_string());
                    a.paused.insert(queue.to_string());
                }
            }
            Event::Unpause => {
                let a = self.agent(agent, r.time);
                if no_queue(queue) {
                    a.paused_all = false;
                    a.paused.clear();
                } else {
                    a.queues.insert(queue.to_string());
                    a.paused.remove(queue);
                }
            }
            Event::PauseAll => self.agent(agent, r.time).paused_all = true,
            Event::UnpauseAll => {
                let a = self.agent(agent, r.time);
                a.paused_all = false;
                a.paused.clear();
            }
            _ => {}
        }
    }

    fn agent(&mut self, name: &str, time: i64) -> &mut AgentState {
        let a = self.agents.entry(name.to_string()).or_default();
        a.since = a.since.max(time);
        a
    }

    /// The agents of `line`, with `settings` telling each queue's line.
    pub fn of_line(&self, line: Line, settings: &CallCenterSettings) -> LineAgents {
        let mut out = LineAgents::default();
        for (name, a) in &self.agents {
            let on_line: Vec<&String> = a
                .queues
                .iter()
                .filter(|q| settings.line_of(q) == line)
                .collect();
            if on_line.is_empty() {
                continue;
            }
            out.logged_in.insert(name.clone());
            if a.paused_all || on_line.iter().any(|q| a.paused.contains(*q)) {
                out.paused.insert(name.clone());
            }
        }
        out
    }

    /// Agents logged in on no queue known yet (an `AGENTLOGIN` on `NONE`), by name.
    pub fn without_queue(&self) -> Vec<String> {
        self.agents
            .iter()
            .filter(|(_, a)| a.queues.is_empty())
            .map(|(n, _)| n.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue_log::parse_line;

    fn feed(agents: &mut Agents, lines: &[&str]) {
        for l in lines {
            agents.feed(&parse_line(l.as_bytes()).unwrap());
        }
    }

    fn names(set: &BTreeSet<String>) -> Vec<&str> {
        set.iter().map(String::as_str).collect()
    }

    #[test]
    fn logins_members_pauses_and_answers_per_line() {
        let settings = CallCenterSettings::default();
        let mut a = Agents::default();
        feed(
            &mut a,
            &[
                "100|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001",
                "101|NONE|coda-residenziali|SIP/7|ADDMEMBER|",
                "102|NONE|coda-business|SIP/8|ADDMEMBER|",
                "103|NONE|coda-business|SIP/9|ADDMEMBER|",
                "104|NONE|coda-residenziali|SIP/9|ADDMEMBER|",
                "110|NONE|coda-business|SIP/8|PAUSE|lunch",
                "120|c1|coda-residenziali|Agent/1001|CONNECT|12|b1|3",
                "130|NONE|NONE|SIP/9|PAUSEALL|",
            ],
        );
        let res = a.of_line(Line::Residential, &settings);
        assert_eq!(names(&res.logged_in), ["Agent/1001", "SIP/7", "SIP/9"]);
        assert_eq!(names(&res.paused), ["SIP/9"]);
        let bus = a.of_line(Line::Business, &settings);
        assert_eq!(names(&bus.logged_in), ["SIP/8", "SIP/9"]);
        assert_eq!(names(&bus.paused), ["SIP/8", "SIP/9"]);

        feed(
            &mut a,
            &[
                "200|NONE|coda-business|SIP/8|UNPAUSE|",
                "201|NONE|NONE|SIP/9|UNPAUSEALL|",
                "202|NONE|coda-residenziali|SIP/7|REMOVEMEMBER|",
                "203|NONE|NONE|Agent/1001|AGENTLOGOFF|SIP/1001|1000",
                "204|NONE|NONE|Agent/2002|AGENTCALLBACKLOGIN|2002@from-internal",
            ],
        );
        let res = a.of_line(Line::Residential, &settings);
        assert_eq!(names(&res.logged_in), ["SIP/9"]);
        assert!(res.paused.is_empty());
        let bus = a.of_line(Line::Business, &settings);
        assert_eq!(names(&bus.logged_in), ["SIP/8", "SIP/9"]);
        assert!(bus.paused.is_empty());
        // Logged in on no queue yet: on no line, but known.
        assert_eq!(a.without_queue(), ["Agent/2002"]);
        // A pause in one queue pauses the agent on that queue's line only.
        feed(&mut a, &["300|NONE|coda-residenziali|SIP/9|PAUSE|break"]);
        assert_eq!(
            names(&a.of_line(Line::Residential, &settings).paused),
            ["SIP/9"]
        );
        assert!(a.of_line(Line::Business, &settings).paused.is_empty());
        // The saved form reads back the same.
        let back = Agents::from_json(&a.to_json()).unwrap();
        assert_eq!(back, a);
        assert_eq!(Agents::from_json("").unwrap(), Agents::default());
    }

    #[test]
    fn call_events_and_unknown_agents_change_nothing() {
        let mut a = Agents::default();
        feed(
            &mut a,
            &[
                "1|c1|q|NONE|ENTERQUEUE||051|1",
                "2|c1|q|NONE|ABANDON|1|1|1",
                "3|NONE|NONE|NONE|QUEUESTART|",
                "4|NONE|q|SIP/1|REMOVEMEMBER|",
                "5|NONE|q|SIP/1|AGENTLOGOFF|",
            ],
        );
        assert!(a.is_empty());
    }
}
