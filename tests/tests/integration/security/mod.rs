//! Security: each test tries an attack, or a weakening of a defence, and fails if the defence
//! broke (README, Security: "what we defend against, and how it is tested").

mod compose;
// The real npm audit and pip-audit, and audit.sh's reading of their reports, which is Python.
#[cfg(any(feature = "node", feature = "python"))]
mod dependencies;
