//! Talent search over learners who opted in.
