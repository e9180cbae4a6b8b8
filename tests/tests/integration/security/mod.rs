//! Security: each test tries an attack, or a weakening of a defence, and fails if the defence
//! broke (README, Security: "what we defend against, and how it is tested").

mod compose;
