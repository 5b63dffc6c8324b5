//! placeholder: Erlang C, written by the simulator task
